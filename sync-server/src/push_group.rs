//! Group commit of pushes. Each push is queued, and whichever request next holds a writer's
//! permit takes the queued pushes (its share of them, `Queue::take`) and applies them in ONE
//! transaction, each push's outcome its own (a refused batch rolls back alone, `Isolation`),
//! then commits once and answers them all. Pushes that find their job already taken just wait
//! for the answer. The rules and results are exactly those of a push on its own.
//!
//! Why: on SQLite (one writer, `synchronous=FULL`) 200 devices pushing at once would otherwise
//! queue 200 fsyncs; on PostgreSQL, 200 commits each with its own round trips, WAL flush and turn
//! at the change counter. Grouping was slower there while the change log held its lock from a
//! transaction's first change (0.50 s against 0.37–0.44 s for the sync bench's 10,000 ops);
//! since versions are numbered at the commit (`changes::seal`) it is faster: median of 9 rounds
//! 413 ms against 454 ms, p99 381 ms against 445 ms.
//!
//! How many groups run at once is `--push-writers`: one on SQLite, one per core on PostgreSQL.
//! One per pooled connection (eight) was the rule while each push still made round trips of
//! its own, which the groups overlapped; once a group made a handful in all (`push_state`,
//! `Isolation::Optimistic`), eight writers on two cores only made smaller groups, each with its
//! statements and its commit: the sync bench's 50-op round took 290–343 ms with eight and
//! 264–280 ms with two (PostgreSQL's CPU 0.17–0.24 s against 0.13–0.15 s).

use std::sync::{Arc, Mutex};

use fieldcase_protocol::sync::{PushOp, PushResponse};
use tokio::sync::oneshot;

use crate::app::AppState;
use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use crate::push::{OwnedDevice, Refused, apply_in, check_in, refusal_after_rollback, write_in};
use crate::push_state::GroupState;
use crate::store::sql::Dialect;
use crate::store::{Conn, Sql, Store};
use crate::util::now_ms;

/// Most pushes in one group: bounds one transaction's length (and the wait of its first push).
const MAX_GROUP: usize = 64;

struct Job {
    dev: OwnedDevice,
    ops: Vec<PushOp>,
    reply: oneshot::Sender<Result<PushResponse, Refused>>,
}

/// Pushes waiting for a writer, and the writers' permits: a request whose push is still queued
/// when it gets a permit becomes a writer, and commits everything queued by then.
#[derive(Clone)]
pub struct Queue {
    jobs: Arc<Mutex<Vec<Job>>>,
    writers: Arc<tokio::sync::Semaphore>,
    /// How many writers there are in all (the semaphore's permits).
    writer_count: usize,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.jobs.lock().map(|q| q.len()).unwrap_or(0);
        write!(f, "Queue({n} waiting)")
    }
}

impl Queue {
    /// A queue served by at most `writers` group commits at once.
    pub fn new(writers: usize) -> Queue {
        Queue {
            jobs: Arc::default(),
            writers: Arc::new(tokio::sync::Semaphore::new(writers.max(1))),
            writer_count: writers.max(1),
        }
    }

    fn push(&self, job: Job) {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(job);
    }

    /// Takes the next group: an even share of what is queued among the writers (at most
    /// `MAX_GROUP`). Answers it and how many pushes it left queued.
    ///
    /// Why a share and not everything: a burst's signature checks keep the cores busy, so
    /// checked pushes pile up while the writers wait for CPU; when the checks end, the first
    /// writer to look took the whole pile. In the sync bench's 50-op round that was one group
    /// of 59 pushes, 57 ms on one PostgreSQL backend while the other writer and its core sat
    /// idle. Halved (two writers), the last groups end together. Eight alternating one-round
    /// runs of each: the round's median 271 ms against 295 ms. With one writer (SQLite) it
    /// takes everything, as before.
    fn take(&self) -> (Vec<Job>, usize) {
        let mut q = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let n = q.len().div_ceil(self.writer_count).min(MAX_GROUP);
        let group = q.drain(..n).collect();
        (group, q.len())
    }
}

/// Queues one push and answers it once a group containing it has committed.
pub async fn submit(
    st: &AppState,
    dev: OwnedDevice,
    ops: Vec<PushOp>,
) -> ApiResult<Result<PushResponse, Refused>> {
    let (reply, mut answer) = oneshot::channel();
    st.pushes.push(Job { dev, ops, reply });
    let queue = st.pushes.clone();
    let writers = queue.writers.clone();
    let permit = tokio::select! {
        // Another request's writer took this job and answered it.
        a = &mut answer => return a.map_err(|_| ApiError::internal("the group commit dropped a push")),
        p = writers.acquire_owned() => p.map_err(ApiError::internal)?,
    };
    st.db
        .run(move |s| {
            let _permit = permit;
            // Another request may have taken this job already; then there is nothing to do.
            loop {
                let (jobs, queued) = queue.take();
                if jobs.is_empty() {
                    return Ok(());
                }
                apply_group(s, jobs, queued);
            }
        })
        .await?;
    answer
        .await
        .map_err(|_| ApiError::internal("the group commit dropped a push"))
}

/// How the pushes of a group are kept apart within its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// Each push in its own savepoint, its writes sent and answered before the next push
    /// starts: a push whose write fails rolls back alone. On PostgreSQL that is two statements
    /// and a round trip per push.
    Savepoints,
    /// No savepoints, and every write goes out with the commit. A push refused before it wrote
    /// anything (`push::check_in`: a seq gap, a broken chain, a revoked device) is answered as
    /// usual; any other failure, or a failed commit, rolls the whole group back, and it runs
    /// again with `Savepoints`, where each push's outcome is its own. Tried first on
    /// PostgreSQL, where each round trip wakes both processes; a write fails only on an op id
    /// reused or a fault of the database, so the second run is rare.
    Optimistic,
}

/// Applies `jobs` in one transaction and answers each.
fn apply_group(s: &mut Store<'_>, jobs: Vec<Job>, queued: usize) {
    let now = now_ms();
    let started = std::time::Instant::now();
    let Store { conn, clock } = s;
    let mut outcome = Err(String::new());
    if conn.dialect() == Dialect::Postgres {
        outcome = run(conn, clock, &jobs, now, Isolation::Optimistic);
        if let Err(e) = &outcome {
            tracing::debug!(error = %e, pushes = jobs.len(), "group rolled back, run again with savepoints");
        }
    }
    if outcome.is_err() {
        outcome = run(conn, clock, &jobs, now, Isolation::Savepoints);
    }
    // How the writers keep up: each group's size, its time, and what was left queued behind it.
    tracing::debug!(
        pushes = jobs.len(),
        ops = jobs.iter().map(|j| j.ops.len()).sum::<usize>(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        queued,
        ok = outcome.is_ok(),
        "group done"
    );
    match outcome {
        Ok(answers) => {
            for (job, answer) in jobs.into_iter().zip(answers) {
                let _ = job.reply.send(answer);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, pushes = jobs.len(), "group commit failed");
            for job in jobs {
                let _ = job.reply.send(Err(Refused::Api(ApiError::internal(&e))));
            }
        }
    }
}

/// One transaction of `jobs`, committed; answers each job's outcome, or why the transaction
/// failed (with `Optimistic`, also why it gave up).
fn run(
    conn: &mut Conn<'_>,
    clock: &Clock,
    jobs: &[Job],
    now: u64,
    isolation: Isolation,
) -> Result<Vec<Result<PushResponse, Refused>>, String> {
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    // Every device of the group locked first, in one order, so that two groups holding pushes
    // of the same devices never wait on each other in a cycle; then every task whose status
    // they write (the order is devices, tasks, then the change counter at commit). What the
    // pushes read of them is read here, once.
    let ids: Vec<&str> = jobs.iter().map(|j| j.dev.id.as_str()).collect();
    let mut state = GroupState::lock_and_read(&tx, &ids, jobs.iter().map(|j| j.ops.as_slice()))
        .map_err(|e| e.to_string())?;
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        let dev = job.dev.borrow();
        let answer = match isolation {
            Isolation::Optimistic => match check_in(&tx, &dev, &job.ops, &mut state) {
                // A read failed: maybe on an earlier push's write, sent with it.
                Err(Refused::Store(e)) => return Err(e.to_string()),
                Err(refused) => Err(refused),
                Ok(checked) => match write_in(&tx, clock, &dev, checked, now, &mut state) {
                    Ok(resp) => Ok(resp),
                    Err(refused) => return Err(format!("a push's writes failed: {refused}")),
                },
            },
            Isolation::Savepoints => {
                // On PostgreSQL the savepoint goes with the push's first statement that is
                // answered, and its release with the next push's: no round trip of their own.
                tx.exec_later("SAVEPOINT push", &[])
                    .map_err(|e| e.to_string())?;
                let r = apply_in(&tx, clock, &dev, &job.ops, now, &mut state).and_then(|resp| {
                    // PostgreSQL sends a push's last writes with the next statement that waits
                    // for an answer: send them now, so a write that fails does so inside this
                    // push's savepoint and rolls back this push alone, not the group.
                    tx.flush()?;
                    Ok(resp)
                });
                let r = match r {
                    Ok(resp) => Ok(resp),
                    Err(refused) => {
                        tx.exec("ROLLBACK TO SAVEPOINT push", &[])
                            .map_err(|e| e.to_string())?;
                        state.forget();
                        Err(refusal_after_rollback(&tx, &job.dev.id, &job.ops, refused))
                    }
                };
                tx.exec_later("RELEASE SAVEPOINT push", &[])
                    .map_err(|e| e.to_string())?;
                r
            }
        };
        answers.push(answer);
    }
    // With savepoints each push wrote its device's head; else every moved head goes now.
    state.write_heads(&tx).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(n: usize) -> Job {
        let (reply, _answer) = oneshot::channel();
        Job {
            dev: OwnedDevice {
                id: format!("D-{n}"),
                user_id: "U".into(),
                team: None,
            },
            ops: Vec::new(),
            reply,
        }
    }

    fn queued(writers: usize, n: usize) -> Queue {
        let q = Queue::new(writers);
        (0..n).for_each(|i| q.push(job(i)));
        q
    }

    /// Two writers split a pile: the first takes half (rounded up), in arrival order, and the
    /// next take halves what is left; one writer takes everything; no group passes `MAX_GROUP`.
    #[test]
    fn a_writer_takes_its_share_of_the_queue() {
        let q = queued(2, 5);
        let (group, left) = q.take();
        let ids: Vec<&str> = group.iter().map(|j| j.dev.id.as_str()).collect();
        assert_eq!((ids, left), (vec!["D-0", "D-1", "D-2"], 2));
        assert_eq!((q.take().0.len(), q.take().0.len()), (1, 1));
        assert_eq!(q.take().0.len(), 0);

        let q = queued(1, 5);
        assert_eq!(q.take().0.len(), 5);

        let q = queued(1, MAX_GROUP + 3);
        let (group, left) = q.take();
        assert_eq!((group.len(), left), (MAX_GROUP, 3));
        let q = queued(2, 3 * MAX_GROUP);
        assert_eq!(q.take().0.len(), MAX_GROUP);
    }
}
