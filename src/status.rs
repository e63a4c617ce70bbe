//! Shared memory: each worker's state and counters, and the run-time controls that SQL functions set
//! (pause/resume, rate, weights; see [`crate::controls`]). Observing the stream reads this memory, so
//! it adds no rows and no CDC events. Counters count committed work only. Available when the library
//! is preloaded.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pgrx::lwlock::PgLwLock;
use pgrx::pg_shmem_init;
use pgrx::prelude::*;
use pgrx::shmem::PGRXSharedMemory;

use serde_json::{json, Map, Value};

use crate::clock::Clock;
use crate::controls::{self, ControlsError, Overrides};
use crate::model::{Change, OpKind, RowChanges, Table, Tally};
use crate::schedule::{Moment, Schedule};
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
        rows_json(&self.committed.rows)
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
    loaded: bool,
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

/// Claims holding a long transaction for worker `index`: false when another worker holds one.
pub fn claim_hold(index: usize) -> bool {
    let mut shared = SHARED.exclusive();
    match shared.control.hold_owner {
        Some(owner) if owner != index => false,
        _ => {
            shared.control.hold_owner = Some(index);
            true
        }
    }
}

pub fn release_hold(index: usize) {
    let mut shared = SHARED.exclusive();
    if shared.control.hold_owner == Some(index) {
        shared.control.hold_owner = None;
    }
}

/// Requests the shared memory. Only called while preloading (from `_PG_init`).
pub fn init() {
    pg_shmem_init!(SHARED);
    ATTACHED.store(true, Ordering::Relaxed);
}

/// Raises a clear ERROR when the library was not preloaded (no workers, no shared memory).
/// Row changes as {"tabela": {"insert": n, "update": n, "delete": n}, …}, every table and change.
pub fn rows_json(rows: &RowChanges) -> Value {
    let map: Map<String, Value> = Table::ALL
        .iter()
        .map(|t| {
            let per: Map<String, Value> = Change::ALL
                .iter()
                .map(|c| (c.name().into(), json!(rows.get(*t, *c))))
                .collect();
            (t.name().into(), Value::Object(per))
        })
        .collect();
    Value::Object(map)
}

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

/// The controls; the saved overrides are read on first use after shared memory was initialised.
pub fn control() -> Control {
    let control = SHARED.share().control;
    if control.loaded {
        return control;
    }
    let (control, problems) = {
        let mut shared = SHARED.exclusive();
        let problems = load_overrides(&mut shared.control);
        (shared.control, problems)
    };
    warn_about(problems);
    control
}

/// Reads the controls file into `control` unless done since shared memory was initialised; returns
/// what is wrong in it, to be logged once the lock is released (a WARNING may wait on the client).
fn load_overrides(control: &mut Control) -> Vec<controls::Problem> {
    if control.loaded {
        return Vec::new();
    }
    control.loaded = true;
    let (overrides, problems) = controls::load();
    control.overrides = overrides;
    problems
}

fn warn_about(problems: Vec<controls::Problem>) {
    if problems.is_empty() {
        return;
    }
    let file = controls::file_path();
    for problem in problems {
        warning!("alimentador: {}", problem.describe(&file));
    }
}

/// Changes what the workers of database `database` (its position in `alimentador.database`) share
/// about connecting.
pub fn update_connection(database: usize, f: impl FnOnce(&mut Connection)) {
    f(&mut SHARED.exclusive().control.connections[database])
}

/// Changes the run-time overrides and saves them. When they cannot be saved nothing changes.
pub fn change_overrides(f: impl FnOnce(&mut Overrides)) -> Result<Overrides, ControlsError> {
    let mut shared = SHARED.exclusive();
    let problems = load_overrides(&mut shared.control);
    let mut next = shared.control.overrides;
    f(&mut next);
    let saved = controls::save(&next);
    if saved.is_ok() {
        shared.control.overrides = next;
    }
    drop(shared);
    warn_about(problems);
    saved.map(|()| next)
}

/// Starts `schedule` from its beginning now (alimentador_set_schedule(), even with the same one).
pub fn restart_schedule(schedule: Schedule) {
    let mut shared = SHARED.exclusive();
    shared.control.schedule = schedule;
    shared.control.schedule_since = now();
}

/// Seconds between the Unix epoch and PostgreSQL's (2000-01-01).
const UNIX_TO_POSTGRES_EPOCH: i64 = 946_684_800;

/// When `schedule` is at now: since when it is in force (the first worker or function to see a
/// new schedule, e.g. after a reload, starts it), and the server's local time for `daily`.
/// The hospital clock's time now: the real time scaled by `alimentador.time_scale` from when the
/// scale came into force (clock.rs), shared by every backend; the real time when the library is not
/// preloaded.
pub fn hospital_now() -> pg_sys::TimestampTz {
    let real = now();
    if !ATTACHED.load(Ordering::Relaxed) {
        return real;
    }
    let scale = crate::settings::TIME_SCALE.get();
    if let Some(clock) = SHARED.share().control.clock.filter(|c| c.scale() == scale) {
        return clock.at(real);
    }
    let mut shared = SHARED.exclusive();
    let clock = match shared.control.clock {
        Some(c) if c.scale() == scale => c,
        Some(c) => c.rescaled(real, scale),
        None => Clock::real_time(real).rescaled(real, scale),
    };
    shared.control.clock = Some(clock);
    clock.at(real)
}

pub fn schedule_moment(schedule: &Schedule) -> Moment {
    let now = now();
    let control = SHARED.share().control;
    let since = if control.schedule == *schedule && control.schedule_since != 0 {
        control.schedule_since
    } else {
        let mut shared = SHARED.exclusive();
        if shared.control.schedule != *schedule || shared.control.schedule_since == 0 {
            shared.control.schedule = *schedule;
            shared.control.schedule_since = now;
        }
        shared.control.schedule_since
    };
    // The daily curve follows the hospital clock; steps, ramps and bursts the real time.
    let hospital = hospital_now();
    let unix = hospital.div_euclid(1_000_000) + UNIX_TO_POSTGRES_EPOCH;
    Moment {
        elapsed: (now - since) as f64 / 1e6,
        local_unix: (unix + utc_offset(unix)) as f64 + hospital.rem_euclid(1_000_000) as f64 / 1e6,
    }
}

/// The UTC offset in seconds at a Unix time, in the session's time zone (the server's `timezone`).
fn utc_offset(unix: i64) -> i64 {
    let t: pg_sys::pg_time_t = unix;
    // SAFETY: session_timezone is set in every backend; pg_localtime returns static storage or NULL.
    unsafe {
        let tm = pg_sys::pg_localtime(&t, pg_sys::session_timezone);
        // c_long is 32 bits on some platforms.
        #[allow(clippy::unnecessary_cast)]
        tm.as_ref().map_or(0, |tm| tm.tm_gmtoff as i64)
    }
}

fn with_slot(index: usize, f: impl FnOnce(&mut WorkerSlot)) {
    f(&mut SHARED.exclusive().workers[index])
}

/// A worker starts: its slot is reset, counters included.
pub fn worker_started(index: usize, pid: i32) {
    CURRENT_WORKER.store(index, Ordering::Relaxed);
    release_hold(index);
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
    release_hold(index);
    with_slot(index, |s| {
        s.state = WorkerState::Stopped;
        s.pid = 0;
        s.ops_per_sec = 0.0;
        s.rate_10s = 0.0;
        s.target_rate = 0.0;
        s.since = now();
    });
}
