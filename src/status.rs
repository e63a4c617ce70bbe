//! Shared memory: each worker's state and counters, and the run-time controls that SQL functions set
//! (pause/resume, rate, weights; see [`crate::controls`]). Observing the stream reads this memory, so
//! it adds no rows and no CDC events. Counters count committed work only. Available when the library
//! is preloaded.

use std::sync::atomic::{AtomicBool, Ordering};

use pgrx::lwlock::PgLwLock;
use pgrx::pg_shmem_init;
use pgrx::prelude::*;
use pgrx::shmem::PGRXSharedMemory;

use serde_json::{json, Map, Value};

use crate::controls::{self, ControlsError, Overrides};
use crate::model::{Change, OpKind, RowChanges, Table, Tally};
use crate::settings::MAX_WORKERS;

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
    pub fn per_kind_json(counts: &[u64; OpKind::COUNT]) -> Value {
        let map: Map<String, Value> = OpKind::ALL
            .iter()
            .filter(|k| counts[**k as usize] > 0)
            .map(|k| (k.name().into(), json!(counts[*k as usize])))
            .collect();
        Value::Object(map)
    }

    /// Committed row changes as {"tabela": {"insert": n, "update": n, "delete": n}, …}.
    pub fn rows_json(&self) -> Value {
        let map: Map<String, Value> = Table::ALL
            .iter()
            .map(|t| {
                let per: Map<String, Value> = Change::ALL
                    .iter()
                    .map(|c| (c.name().into(), json!(self.committed.rows.get(*t, *c))))
                    .collect();
                (t.name().into(), Value::Object(per))
            })
            .collect();
        Value::Object(map)
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
}

/// Run-time controls and what the workers share about connecting.
#[derive(Clone, Copy, Debug)]
pub struct Control {
    /// Set by SQL functions, read by the workers at every loop, saved in a file.
    pub overrides: Overrides,
    /// The overrides were read from the file since shared memory was (re)initialised.
    loaded: bool,
    /// A worker's connection attempt is under way or failed (FATAL): the next worker start
    /// diagnoses the database and role instead of connecting blindly (see worker.rs).
    pub connect_failed: bool,
    /// The connection problem last logged, so each is logged once for all workers.
    pub logged_problem: Option<ConnectionProblem>,
}

#[derive(Clone, Copy, Debug)]
pub struct Shared {
    pub control: Control,
    pub workers: [WorkerSlot; MAX_WORKERS as usize],
}

// SAFETY: plain Copy data without pointers.
unsafe impl PGRXSharedMemory for Shared {}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            control: Control {
                overrides: Overrides::NONE,
                loaded: false,
                connect_failed: false,
                logged_problem: None,
            },
            workers: [WorkerSlot::EMPTY; MAX_WORKERS as usize],
        }
    }
}

// SAFETY: the name is unique to this extension.
static SHARED: PgLwLock<Shared> = unsafe { PgLwLock::new(c"alimentador_status") };
static ATTACHED: AtomicBool = AtomicBool::new(false);

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
            "Add alimentador to shared_preload_libraries in postgresql.conf and restart, or run the stream in this session with alimentador_stream(ops).",
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

/// The controls; the saved overrides are read on first use after shared memory was initialised.
pub fn control() -> Control {
    let control = SHARED.share().control;
    if control.loaded {
        return control;
    }
    let mut shared = SHARED.exclusive();
    load_overrides(&mut shared.control);
    shared.control
}

fn load_overrides(control: &mut Control) {
    if control.loaded {
        return;
    }
    control.loaded = true;
    match controls::load() {
        Ok(overrides) => control.overrides = overrides,
        Err(e) => warning!(
            "alimentador: the saved run-time controls are ignored, postgresql.conf applies: {e}"
        ),
    }
}

/// Changes what the workers share about connecting.
pub fn update_connection(f: impl FnOnce(&mut Control)) {
    f(&mut SHARED.exclusive().control)
}

/// Changes the run-time overrides and saves them. When they cannot be saved nothing changes.
pub fn change_overrides(f: impl FnOnce(&mut Overrides)) -> Result<Overrides, ControlsError> {
    let mut shared = SHARED.exclusive();
    load_overrides(&mut shared.control);
    let mut next = shared.control.overrides;
    f(&mut next);
    controls::save(&next)?;
    shared.control.overrides = next;
    Ok(next)
}

fn with_slot(index: usize, f: impl FnOnce(&mut WorkerSlot)) {
    f(&mut SHARED.exclusive().workers[index])
}

/// A worker starts: its slot is reset, counters included.
pub fn worker_started(index: usize, pid: i32) {
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

pub fn set_ops_per_sec(index: usize, rate: f64) {
    with_slot(index, |s| s.ops_per_sec = rate);
}

pub fn worker_stopped(index: usize) {
    with_slot(index, |s| {
        s.state = WorkerState::Stopped;
        s.pid = 0;
        s.ops_per_sec = 0.0;
        s.since = now();
    });
}
