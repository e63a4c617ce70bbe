//! Long and blocking transactions (`transacao_longa`, `bloqueio_de_linhas`, `ocioso_em_transacao`):
//! keeping the current transaction open for `alimentador.long_transaction_duration` while the other
//! workers commit. Bounded three ways: by the duration (at most 10 min), by a pause or a terminate
//! (the wait ends within a second), and, in the workers, by one such transaction at a time across
//! all of them (a worker that draws one while another holds one skips it), so the others always go
//! on streaming. While it holds, the worker's `estado` says so (`in long transaction`,
//! `holding row locks`, `idle in transaction`).

use std::time::{Duration, Instant};

use pgrx::prelude::*;

use crate::settings;
use crate::status::{self, WorkerState};

/// How often the wait wakes up to check for a pause or a terminate.
const SLICE: Duration = Duration::from_millis(200);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// Changes at the start and at the end, open in between (commit order ≠ start order).
    LongTransaction,
    /// Row locks that the stream's picks skip.
    RowLocks,
    /// A change, then nothing: `idle in transaction` in pg_stat_activity.
    IdleInTransaction,
}

impl Hold {
    fn state(self) -> WorkerState {
        match self {
            Hold::LongTransaction => WorkerState::InLongTransaction,
            Hold::RowLocks => WorkerState::HoldingRowLocks,
            Hold::IdleInTransaction => WorkerState::IdleInTransaction,
        }
    }
}

/// A claim on holding a transaction open; released when dropped (also when an ERROR unwinds the
/// operation).
pub struct Claim {
    kind: Hold,
    worker: Option<usize>,
    since: Instant,
}

/// Claims the right to hold a transaction open: in a worker, only when no other worker holds one
/// (None: skip the operation); in a session (`alimentador_stream()`), always.
pub fn claim(kind: Hold) -> Option<Claim> {
    let worker = status::current_worker();
    if let Some(index) = worker {
        if !claim_for(index) {
            return None;
        }
        status::set_state(index, kind.state());
    }
    Some(Claim {
        kind,
        worker,
        since: Instant::now(),
    })
}

impl Claim {
    /// How long the transaction has been held so far.
    pub fn elapsed(&self) -> Duration {
        self.since.elapsed()
    }

    /// Keeps the transaction open for alimentador.long_transaction_duration, or until the stream
    /// is paused (workers), answering a terminate or a cancel at once.
    pub fn wait(&self) {
        let duration = Duration::from_secs(settings::LONG_TRANSACTION_DURATION.get().max(1) as u64);
        let idle = self.kind == Hold::IdleInTransaction;
        if idle {
            // SAFETY: reports this backend's state to pg_stat_activity, as the main loop does.
            unsafe {
                pg_sys::pgstat_report_activity(
                    pg_sys::BackendState::STATE_IDLEINTRANSACTION,
                    std::ptr::null(),
                )
            };
        }
        let deadline = Instant::now() + duration;
        loop {
            let now = Instant::now();
            if now >= deadline
                || self.worker.is_some() && !crate::overrides::control().overrides.enabled()
            {
                break;
            }
            let slice = (deadline - now).min(SLICE);
            // SAFETY: waits on this process's latch, as pg_sleep() does.
            unsafe {
                pg_sys::WaitLatch(
                    pg_sys::MyLatch,
                    (pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH)
                        as i32,
                    slice.as_millis() as std::ffi::c_long,
                    pg_sys::PG_WAIT_EXTENSION,
                );
                pg_sys::ResetLatch(pg_sys::MyLatch);
            }
            pg_sys::check_for_interrupts!();
        }
        if idle {
            // SAFETY: as above; the statement text is kept.
            unsafe {
                pg_sys::pgstat_report_activity(
                    pg_sys::BackendState::STATE_RUNNING,
                    std::ptr::null(),
                )
            };
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some(index) = self.worker {
            release(index);
            status::set_state(index, WorkerState::Running);
        }
    }
}

/// Claims holding a long transaction for worker `index`: false when another worker holds one.
fn claim_for(index: usize) -> bool {
    status::with_control(|control| match control.hold_owner {
        Some(owner) if owner != index => false,
        _ => {
            control.hold_owner = Some(index);
            true
        }
    })
}

/// Releases worker `index`'s claim, if it holds one (also when it starts or stops).
pub fn release(index: usize) {
    status::with_control(|control| {
        if control.hold_owner == Some(index) {
            control.hold_owner = None;
        }
    });
}
