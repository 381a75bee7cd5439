//! Where a benchmark phase's CPU time went, read from Linux's `/proc`: the server process, every
//! `postgres` process, this process (the load generator) and the machine's idle time. On a
//! machine whose cores all three share, a phase that leaves no core idle is bound by their sum:
//! these figures say which part to cut and how far the wall time could fall.
//!
//! Counts are in clock ticks (`USER_HZ`, which Linux fixes at 100 for what `/proc` reports), so
//! each figure is good to about 10 ms. A PostgreSQL backend that exits during the phase takes its
//! time with it; the server's pooled connections live as long as the server.

use std::time::{Duration, Instant};

/// Ticks per second in `/proc/*/stat` and `/proc/stat`.
const USER_HZ: f64 = 100.0;

/// CPU seconds used so far, at one instant.
pub struct Sample {
    server: f64,
    postgres: f64,
    bench: f64,
    idle: f64,
    at: Instant,
}

/// CPU seconds used between two samples, and the wall time between them.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUse {
    pub server: f64,
    pub postgres: f64,
    pub bench: f64,
    /// Idle time summed over every core.
    pub idle: f64,
    pub wall: Duration,
}

/// User plus system time of process `pid` (all its threads), or 0 when it is gone.
fn process_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name is in parentheses and may hold spaces: fields count from after it.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(0) … utime(11) stime(12), i.e. fields 14 and 15 of proc(5).
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / USER_HZ
}

/// Every `postgres` process's time: the postmaster, its backends and its helpers.
fn postgres_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|pid| process_seconds(&pid))
        .sum()
}

/// Idle plus I/O-wait time of all cores (the first line of `/proc/stat`).
fn idle_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    (cpu.get(3).unwrap_or(&0.0) + cpu.get(4).unwrap_or(&0.0)) / USER_HZ
}

pub fn sample(server_pid: u32) -> Sample {
    Sample {
        server: process_seconds(&server_pid.to_string()),
        postgres: postgres_seconds(),
        bench: process_seconds("self"),
        idle: idle_seconds(),
        at: Instant::now(),
    }
}

impl Sample {
    /// What was used from this sample until `later`.
    pub fn until(&self, later: &Sample) -> CpuUse {
        CpuUse {
            server: later.server - self.server,
            postgres: later.postgres - self.postgres,
            bench: later.bench - self.bench,
            idle: later.idle - self.idle,
            wall: later.at - self.at,
        }
    }
}

/// The median of each figure over `uses` (each on its own: they need not come from one round).
pub fn median(uses: &[CpuUse]) -> CpuUse {
    let of = |f: fn(&CpuUse) -> f64| {
        let mut v: Vec<f64> = uses.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    let mut walls: Vec<Duration> = uses.iter().map(|u| u.wall).collect();
    walls.sort();
    CpuUse {
        server: of(|u| u.server),
        postgres: of(|u| u.postgres),
        bench: of(|u| u.bench),
        idle: of(|u| u.idle),
        wall: walls.get(walls.len() / 2).copied().unwrap_or_default(),
    }
}

/// `server 0.30 s, PostgreSQL 0.25 s, load generator 0.04 s, idle 0.08 s of 2 cores × 363 ms`.
pub fn describe(u: &CpuUse) -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let postgres = if u.postgres > 0.0 {
        format!(", PostgreSQL {:.2} s", u.postgres)
    } else {
        String::new()
    };
    format!(
        "server {:.2} s{postgres}, load generator {:.2} s, idle {:.2} s of {cores} cores × {:.0} ms",
        u.server,
        u.bench,
        u.idle,
        u.wall.as_secs_f64() * 1e3
    )
}
