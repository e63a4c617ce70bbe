//! Shared memory: each worker's state and counters, and the run-time controls that SQL functions set
//! (pause/resume, rate, weights: [`crate::overrides`]; the file they are kept in: [`crate::controls`]).
//! What else lives in it is read and changed by the modules that give it meaning: the hospital clock
//! and the schedule's start ([`crate::timeline`]), the long-transaction claim ([`crate::hold`]). Observing the stream reads this memory, so
//! it adds no rows and no CDC events. Counters count committed work only. Available when the library
//! is preloaded.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pgrx::lwlock::PgLwLock;
use pgrx::pg_shmem_init;
use pgrx::prelude::*;
use pgrx::shmem::PGRXSharedMemory;

use serde_json::Value;

use crate::clock::Clock;
use crate::controls::Overrides;
use crate::model::{Change, OpKind, RowChanges, Table, Tally};
use crate::report;
use crate::schedule::Schedule;
use crate::settings::{MAX_DATABASES, MAX_SLOTS};

const ERROR_LEN: usize = 240;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerState {
    Stopped,
    Starting,
    WaitingForDatabase,
    WaitingForExtension,
    WaitingForRole,
    WaitingForPrivileges,
    WaitingForSeed,
    Running,
    Paused,
    /// Operations keep failing: the worker backs off (see worker.rs).
    Failing,
    /// lock_timeout expired: another session holds a lock the stream needs.
    WaitingForLock,
    /// Holding a transaction open (see hold.rs).
    InLongTransaction,
    HoldingRowLocks,
    IdleInTransaction,
}

impl WorkerState {
    pub fn name(self) -> &'static str {
        match self {
            WorkerState::Stopped => "stopped",
            WorkerState::Starting => "starting",
            WorkerState::WaitingForDatabase => "waiting for database",
            WorkerState::WaitingForExtension => "waiting for extension",
            WorkerState::WaitingForRole => "waiting for role",
            WorkerState::WaitingForPrivileges => "waiting for privileges",
            WorkerState::WaitingForSeed => "waiting for seed",
            WorkerState::Running => "running",
            WorkerState::Paused => "paused",
            WorkerState::Failing => "failing",
            WorkerState::WaitingForLock => "waiting for lock",
            WorkerState::InLongTransaction => "in long transaction",
            WorkerState::HoldingRowLocks => "holding row locks",
            WorkerState::IdleInTransaction => "idle in transaction",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct WorkerSlot {
    pub pid: i32,
    /// When the worker (re)started: its counters count from here.
    pub started_at: pg_sys::TimestampTz,
    pub state: WorkerState,
    /// When the worker entered its current state (PostgreSQL timestamptz).
    pub since: pg_sys::TimestampTz,
    pub committed: Tally,
    pub transactions: u64,
    pub failed: u64,
    /// Batches rolled back because lock_timeout expired (not failures: retried).
    pub lock_waits: u64,
    /// The ledger's sequence number of the last committed transaction (0: none yet).
    pub ledger_seq: i64,
    pub ops_per_sec: f64,
    /// This worker's target rate now (its share of alimentador.rate times the schedule's factor).
    pub target_rate: f64,
    /// Operations per second committed over the last 10 s.
    pub rate_10s: f64,
    /// Heartbeats (updates of hospital.pulso) committed.
    pub heartbeats: u64,
    /// Verification markers emitted (logical decoding messages, prefix `alimentador`).
    pub markers: u64,
    last_error: [u8; ERROR_LEN],
    last_error_len: usize,
    pub last_error_at: pg_sys::TimestampTz,
}

impl WorkerSlot {
    const EMPTY: WorkerSlot = WorkerSlot {
        pid: 0,
        started_at: 0,
        state: WorkerState::Stopped,
        since: 0,
        committed: Tally {
            done: [0; OpKind::COUNT],
            skipped: [0; OpKind::COUNT],
            rows: RowChanges([[0; Change::COUNT]; Table::COUNT]),
        },
        transactions: 0,
        failed: 0,
        lock_waits: 0,
        ledger_seq: 0,
        ops_per_sec: 0.0,
        target_rate: 0.0,
        rate_10s: 0.0,
        heartbeats: 0,
        markers: 0,
        last_error: [0; ERROR_LEN],
        last_error_len: 0,
        last_error_at: 0,
    };

    pub fn last_error(&self) -> Option<String> {
        (self.last_error_len > 0)
            .then(|| String::from_utf8_lossy(&self.last_error[..self.last_error_len]).into_owned())
    }

    /// Committed operations per kind, as a JSON object (kinds with a count only).
    pub fn done_json(&self) -> Value {
        report::per_kind(&self.committed.done)
    }

    /// Skipped operations per kind, as a JSON object (kinds with a count only).
    pub fn skipped_json(&self) -> Value {
        report::per_kind(&self.committed.skipped)
    }

    /// Committed row changes as {"tabela": {"insert": n, "update": n, "delete": n}, …}.
    pub fn rows_json(&self) -> Value {
        report::rows(&self.committed.rows)
    }

    fn set_last_error(&mut self, message: &str) {
        let mut end = message.len().min(ERROR_LEN);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        self.last_error[..end].copy_from_slice(&message.as_bytes()[..end]);
        self.last_error_len = end;
        self.last_error_at = now();
    }
}

/// Why a worker could not connect, found by the diagnosis of a restarted worker (see worker.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionProblem {
    DatabaseMissing,
    RoleMissing,
    RoleCannotLogIn,
    /// The role lacks CONNECT on the database (directly, through a role it belongs to or PUBLIC).
    NoConnectPrivilege,
}

/// Run-time controls and what the workers share about connecting.
#[derive(Clone, Copy, Debug)]
pub struct Control {
    /// Set by SQL functions, read by the workers at every loop, saved in a file.
    pub overrides: Overrides,
    /// The overrides were read from the file since shared memory was (re)initialised.
    pub loaded: bool,
    /// Per database of `alimentador.database`: what its workers share about connecting.
    pub connections: [Connection; MAX_DATABASES],
    /// The load shape in force and since when: step, ramp and bursts count from that instant, the
    /// same for every worker.
    pub schedule: Schedule,
    pub schedule_since: pg_sys::TimestampTz,
    /// The worker holding a long transaction open, if any: one at a time (see hold.rs).
    pub hold_owner: Option<usize>,
    /// The hospital clock (alimentador.time_scale), anchored at its first use; kept in shared
    /// memory only, so a server restart starts it again from the real time.
    pub clock: Option<Clock>,
}

/// What the workers of one database share about connecting to it.
#[derive(Clone, Copy, Debug)]
pub struct Connection {
    /// A worker's connection attempt is under way or failed (FATAL): the next worker start
    /// diagnoses the database and role instead of connecting blindly (see worker.rs).
    pub connect_failed: bool,
    /// The connection problem last logged, so each is logged once for the database's workers.
    pub logged_problem: Option<ConnectionProblem>,
}

#[derive(Clone, Copy, Debug)]
pub struct Shared {
    pub control: Control,
    pub workers: [WorkerSlot; MAX_SLOTS],
}

// SAFETY: plain Copy data without pointers.
unsafe impl PGRXSharedMemory for Shared {}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            control: Control {
                overrides: Overrides::NONE,
                loaded: false,
                connections: [Connection {
                    connect_failed: false,
                    logged_problem: None,
                }; MAX_DATABASES],
                schedule: Schedule::CONSTANT,
                schedule_since: 0,
                hold_owner: None,
                clock: None,
            },
            workers: [WorkerSlot::EMPTY; MAX_SLOTS],
        }
    }
}

// SAFETY: the name is unique to this extension.
static SHARED: PgLwLock<Shared> = unsafe { PgLwLock::new(c"alimentador_status") };
static ATTACHED: AtomicBool = AtomicBool::new(false);
/// This process's worker index (usize::MAX: not a worker).
static CURRENT_WORKER: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Whether this process is stream worker N.
pub fn current_worker() -> Option<usize> {
    let index = CURRENT_WORKER.load(Ordering::Relaxed);
    (index != usize::MAX).then_some(index)
}

/// Requests the shared memory. Only called while preloading (from `_PG_init`).
pub fn init() {
    pg_shmem_init!(SHARED);
    ATTACHED.store(true, Ordering::Relaxed);
}

/// Raises a clear ERROR when the library was not preloaded (no workers, no shared memory).
pub fn require_preloaded() {
    if !ATTACHED.load(Ordering::Relaxed) {
        crate::errors::not_ready(
            "alimentador is not in shared_preload_libraries, so there are no stream workers",
            "Add alimentador to shared_preload_libraries in postgresql.conf and restart, or run the stream from this session with CALL alimentador_run(...) (its runs: alimentador_runs()).",
        );
    }
}

pub fn now() -> pg_sys::TimestampTz {
    // SAFETY: reads the clock.
    unsafe { pg_sys::GetCurrentTimestamp() }
}

pub fn snapshot() -> Shared {
    *SHARED.share()
}

/// Whether this process has the shared memory (the library was preloaded).
pub fn attached() -> bool {
    ATTACHED.load(Ordering::Relaxed)
}

/// A copy of the controls as they are in shared memory (see [`crate::overrides::control`] for the
/// controls with the saved overrides loaded).
pub fn read_control() -> Control {
    SHARED.share().control
}

/// Changes the controls under the exclusive lock.
pub fn with_control<R>(f: impl FnOnce(&mut Control) -> R) -> R {
    f(&mut SHARED.exclusive().control)
}

/// Changes what the workers of database `database` (its position in `alimentador.database`) share
/// about connecting.
pub fn update_connection(database: usize, f: impl FnOnce(&mut Connection)) {
    f(&mut SHARED.exclusive().control.connections[database])
}

fn with_slot(index: usize, f: impl FnOnce(&mut WorkerSlot)) {
    f(&mut SHARED.exclusive().workers[index])
}

/// A worker starts: its slot is reset, counters included.
pub fn worker_started(index: usize, pid: i32) {
    CURRENT_WORKER.store(index, Ordering::Relaxed);
    with_slot(index, |s| {
        *s = WorkerSlot::EMPTY;
        s.pid = pid;
        s.state = WorkerState::Starting;
        s.since = now();
        s.started_at = s.since;
    });
}

pub fn set_state(index: usize, state: WorkerState) {
    with_slot(index, |s| {
        if s.state != state {
            s.state = state;
            s.since = now();
        }
    });
}

pub fn record_commit(index: usize, tally: &Tally, ledger_seq: Option<i64>) {
    with_slot(index, |s| {
        s.committed.merge(tally);
        s.transactions += 1;
        if let Some(seq) = ledger_seq {
            s.ledger_seq = seq;
        }
    });
}

pub fn record_failure(index: usize, message: &str) {
    with_slot(index, |s| {
        s.failed += 1;
        s.set_last_error(message);
    });
}

pub fn record_lock_wait(index: usize, message: &str) {
    with_slot(index, |s| {
        s.lock_waits += 1;
        s.set_last_error(message);
    });
}

pub fn record_heartbeat(index: usize) {
    with_slot(index, |s| s.heartbeats += 1);
}

pub fn record_marker(index: usize) {
    with_slot(index, |s| s.markers += 1);
}

/// A copy of one worker's slot.
pub fn slot(index: usize) -> WorkerSlot {
    SHARED.share().workers[index]
}

pub fn set_rates(index: usize, ops_per_sec: f64, rate_10s: f64, target: f64) {
    with_slot(index, |s| {
        s.ops_per_sec = ops_per_sec;
        s.rate_10s = rate_10s;
        s.target_rate = target;
    });
}

pub fn worker_stopped(index: usize) {
    with_slot(index, |s| {
        s.state = WorkerState::Stopped;
        s.pid = 0;
        s.ops_per_sec = 0.0;
        s.rate_10s = 0.0;
        s.target_rate = 0.0;
        s.since = now();
    });
}
