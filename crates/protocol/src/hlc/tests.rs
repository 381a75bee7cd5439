//! HLC unit and property tests (hand-rolled, deterministic PRNG).

use super::*;

/// SplitMix64: tiny deterministic PRNG so failures reproduce exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn id(&mut self) -> Id {
        let mut r = [0u8; 10];
        r[..8].copy_from_slice(&self.next().to_le_bytes());
        Id::from_parts(self.below(1 << 40), r)
    }
}

/// A physical clock that mostly advances but sometimes jumps back or stalls.
fn jittery_time(rng: &mut Rng, t: &mut u64) -> u64 {
    match rng.below(10) {
        0 => *t = t.saturating_sub(rng.below(60_000)), // NTP correction backwards
        1 | 2 => {}                                    // same millisecond
        _ => *t += rng.below(50),
    }
    *t
}

fn node(n: u8) -> Id {
    Id::from_parts(1_700_000_000_000, [n; 10])
}

#[test]
fn text_form_is_fixed_width_and_round_trips() {
    let h = Hlc {
        wall_ms: 1_717_171_717_171,
        logical: 42,
        node: node(1),
    };
    let s = h.to_string();
    assert_eq!(s, format!("001717171717171-0000000042-{}", node(1)));
    assert_eq!(s.parse::<Hlc>(), Ok(h));
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(json, format!("\"{s}\""));
    assert_eq!(serde_json::from_str::<Hlc>(&json).unwrap(), h);
    let max = Hlc {
        wall_ms: MAX_WALL_MS,
        logical: u32::MAX,
        node: node(2),
    };
    assert_eq!(max.to_string().parse::<Hlc>(), Ok(max));
}

#[test]
fn parse_rejects_bad_text() {
    let good = format!("001717171717171-0000000042-{}", node(1));
    let bad = [
        String::new(),
        good.replacen('0', "", 1),
        good.replacen('0', "+", 1),
        good.replacen("-0000000042", "-4294967296", 1),
        good.replacen("-0000000042", "_0000000042", 1),
        good.to_uppercase(),
        format!("{good} "),
        format!("0017171717171710000000042-{}", node(1)),
        "００１717171717171-0000000042-x".to_owned(),
    ];
    for b in bad {
        let e = b.parse::<Hlc>().unwrap_err();
        assert!(e.to_string().contains(&format!("{b:?}")), "{e}");
    }
}

#[test]
fn serialize_refuses_out_of_range_wall() {
    let h = Hlc {
        wall_ms: MAX_WALL_MS + 1,
        logical: 0,
        node: node(1),
    };
    let e = serde_json::to_string(&h).unwrap_err();
    assert!(e.to_string().contains("exceeds the maximum"), "{e}");
}

#[test]
fn string_order_equals_ord_order() {
    let mut rng = Rng(7);
    let nodes: Vec<Id> = (0..4).map(|_| rng.id()).collect();
    let mut v: Vec<Hlc> = (0..2_000)
        .map(|_| Hlc {
            wall_ms: [0, 1_700_000_000_000, MAX_WALL_MS][rng.below(3) as usize]
                / (1 + rng.below(1_000)),
            logical: [0, 1, u32::MAX][rng.below(3) as usize] / (1 + rng.below(4) as u32),
            node: nodes[rng.below(4) as usize],
        })
        .collect();
    v.sort();
    for w in v.windows(2) {
        assert_eq!(w[0].cmp(&w[1]), w[0].to_string().cmp(&w[1].to_string()));
    }
}

#[test]
fn now_follows_physical_time_and_counts_within_a_millisecond() {
    let mut c = HlcClock::new(node(1));
    let a = c.now(1_000);
    assert_eq!((a.wall_ms, a.logical, a.node), (1_000, 0, node(1)));
    let b = c.now(1_000);
    assert_eq!((b.wall_ms, b.logical), (1_000, 1));
    let back = c.now(500); // clock corrected backwards
    assert_eq!((back.wall_ms, back.logical), (1_000, 2));
    let d = c.now(2_000);
    assert_eq!((d.wall_ms, d.logical), (2_000, 0));
    assert_eq!(c.last(), d);
}

#[test]
fn logical_overflow_carries_into_wall_time() {
    let last = Hlc {
        wall_ms: 5,
        logical: u32::MAX,
        node: node(1),
    };
    let mut c = HlcClock::resume(last);
    let next = c.now(0);
    assert!(next > last);
    assert_eq!((next.wall_ms, next.logical), (6, 0));
}

#[test]
fn physical_time_is_capped() {
    let mut c = HlcClock::new(node(1));
    let h = c.now(u64::MAX);
    assert_eq!(h.wall_ms, MAX_WALL_MS);
    assert!(serde_json::to_string(&h).is_ok());
    assert!(c.now(u64::MAX) > h);
}

#[test]
fn resume_continues_after_the_persisted_value() {
    let mut c = HlcClock::new(node(3));
    let mut last = c.now(10_000);
    for _ in 0..5 {
        last = c.now(9_000);
    }
    let persisted = last.to_string();
    let mut restarted = HlcClock::resume(persisted.parse().unwrap());
    assert_eq!(restarted.last(), last);
    assert!(restarted.now(1) > last);
}

#[test]
fn observe_merges_remote() {
    let mut c = HlcClock::new(node(1));
    c.now(1_000);
    let remote = Hlc {
        wall_ms: 1_500,
        logical: 7,
        node: node(2),
    };
    let h = c.observe(&remote, 1_200, 1_000).unwrap();
    assert_eq!((h.wall_ms, h.logical, h.node), (1_500, 8, node(1)));
    // Same wall on both sides: counter is max + 1.
    let remote2 = Hlc {
        wall_ms: 1_500,
        logical: 3,
        node: node(2),
    };
    let h2 = c.observe(&remote2, 1_200, 1_000).unwrap();
    assert_eq!((h2.wall_ms, h2.logical), (1_500, 9));
    // Physical time ahead of both: counter resets.
    let h3 = c.observe(&remote2, 3_000, 1_000).unwrap();
    assert_eq!((h3.wall_ms, h3.logical), (3_000, 0));
}

#[test]
fn observe_refuses_remote_too_far_ahead_and_leaves_clock_unchanged() {
    let mut c = HlcClock::new(node(1));
    c.now(1_000);
    let before = c.clone();
    let remote = Hlc {
        wall_ms: 1_000 + 60_001,
        logical: 0,
        node: node(2),
    };
    let e = c.observe(&remote, 1_000, 60_000).unwrap_err();
    assert_eq!(
        e,
        HlcError::TooFarAhead {
            remote_ms: 61_001,
            local_ms: 1_000,
            max_ahead_ms: 60_000
        }
    );
    assert!(e.to_string().contains("61001"), "{e}");
    assert_eq!(c, before);
    // Exactly at the limit is accepted.
    let edge = Hlc {
        wall_ms: 61_000,
        ..remote
    };
    assert!(c.observe(&edge, 1_000, 60_000).is_ok());
    // Out-of-range remote is refused even with a huge tolerance.
    let huge = Hlc {
        wall_ms: MAX_WALL_MS + 1,
        ..remote
    };
    let before = c.clone();
    assert_eq!(
        c.observe(&huge, 0, u64::MAX),
        Err(HlcError::OutOfRange {
            wall_ms: MAX_WALL_MS + 1
        })
    );
    assert_eq!(c, before);
}

/// Property: on one clock, every issued value is strictly greater than every
/// value issued or observed before, under jittery physical time.
#[test]
fn prop_single_clock_strictly_monotonic() {
    for seed in 0..200 {
        let mut rng = Rng(seed);
        let me = rng.id();
        let mut c = HlcClock::new(me);
        let mut t = rng.below(2_000_000_000_000);
        let mut high = c.last();
        for _ in 0..500 {
            let pt = jittery_time(&mut rng, &mut t);
            if rng.below(3) == 0 {
                let remote = Hlc {
                    wall_ms: pt.saturating_sub(30_000) + rng.below(60_000),
                    logical: rng.below(4) as u32,
                    node: rng.id(),
                };
                match c.observe(&remote, pt, 20_000) {
                    Ok(h) => {
                        assert!(
                            h > high && h > remote,
                            "seed {seed}: {h} !> {high} / {remote}"
                        );
                        assert_eq!(h.node, me);
                        high = h;
                    }
                    Err(HlcError::TooFarAhead { .. }) => assert_eq!(c.last(), high),
                    Err(e) => panic!("seed {seed}: unexpected {e}"),
                }
            } else {
                let h = c.now(pt);
                assert!(h > high, "seed {seed}: {h} !> {high}");
                assert!(h.to_string() > high.to_string());
                high = h;
            }
            assert_eq!(c.last(), high);
        }
    }
}

/// Property: messages exchanged between several nodes respect causality — a
/// receive is later than the send, and per-node sequences stay increasing.
#[test]
fn prop_causality_across_nodes() {
    for seed in 0..50 {
        let mut rng = Rng(1_000 + seed);
        let mut clocks: Vec<HlcClock> = (0..4).map(|_| HlcClock::new(rng.id())).collect();
        // Each node has its own skewed physical clock.
        let mut times: Vec<u64> = (0..4)
            .map(|_| 1_700_000_000_000 + rng.below(10_000))
            .collect();
        let mut last: Vec<Hlc> = clocks.iter().map(HlcClock::last).collect();
        let mut inflight: Vec<(usize, Hlc)> = Vec::new();
        for _ in 0..2_000 {
            let n = rng.below(4) as usize;
            let pt = jittery_time(&mut rng, &mut times[n]);
            let issued = if !inflight.is_empty() && rng.below(2) == 0 {
                let (to, msg) = inflight.swap_remove(rng.below(inflight.len() as u64) as usize);
                let pt_to = jittery_time(&mut rng, &mut times[to]);
                let h = clocks[to].observe(&msg, pt_to, u64::MAX / 2).unwrap();
                assert!(h > msg, "seed {seed}: receive {h} not after send {msg}");
                assert!(h > last[to]);
                last[to] = h;
                continue;
            } else {
                clocks[n].now(pt)
            };
            assert!(issued > last[n]);
            last[n] = issued;
            let to = rng.below(4) as usize;
            if to != n {
                inflight.push((to, issued));
            }
        }
    }
}

#[test]
fn rewinds_only_when_past_what_a_peer_accepts() {
    let mut c = HlcClock::new(node(1));
    // Issued under a clock ten minutes fast.
    let fast = c.now(1_000_000 + 600_000);
    // Within tolerance of the corrected time: nothing changes, order is kept.
    assert!(!c.rewind_if_ahead(1_000_000 + 600_000 - 100_000, 120_000));
    assert_eq!(c.last(), fast);
    // Past it: continues from the corrected time, and counts on from there.
    assert!(c.rewind_if_ahead(1_000_000, 120_000));
    assert_eq!(c.last().wall_ms, 1_000_000);
    let next = c.now(1_000_010);
    assert_eq!(next.wall_ms, 1_000_010);
    assert!(next < fast);
    assert!(c.now(1_000_010) > next);
}
