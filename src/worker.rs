//! The stream's background workers: registered at server start, `alimentador.workers` for each
//! database of `alimentador.database` (numbered database by database), each connects to its
//! database as `alimentador.role`, waits quietly until the database, the role, the
//! extension, the privileges and the seed are there, then runs the weighted stream at the configured
//! rate. Only the postmaster's shutdown ends a worker for good: a terminated worker
//! (`pg_terminate_backend`, `DROP DATABASE … WITH (FORCE)`) exits with an error and is restarted.
//!
//! Connecting without a restart storm: a worker first tries to connect. If that fails (FATAL: the
//! database or the role is missing, the role cannot log in or lacks CONNECT on the database), the
//! postmaster restarts it, and the restarted worker knows through shared memory that connecting
//! failed: it connects to no database, diagnoses the cause from the shared catalogs, logs it once
//! and polls quietly until it is fixed, then exits to be restarted and connect.

use std::collections::VecDeque;
use std::ffi::{CStr, CString};
use std::time::{Duration, Instant};

use pgrx::bgworkers::{
    BackgroundWorker, BackgroundWorkerBuilder, BgWorkerStartTime, SignalWakeFlags,
};
use pgrx::prelude::*;

use crate::ledger::Ledger;
use crate::pacing::{Arrivals, Pacer};
use crate::schedule::Schedule;
use crate::settings::LedgerSetting;
use crate::skew::Skew;
use crate::status::{self, ConnectionProblem, WorkerState};
use crate::stream::{self, Engine, Readiness};
use crate::transaction::{self, Failure};
use crate::turn::{self, Order, Outcome, Scope, Turns};
use crate::weights::Weights;
use crate::{cdc, hold, overrides, settings, timeline};

/// Seconds the postmaster waits before restarting a worker that exited with an error.
const RESTART_SECS: u64 = 2;
/// Longest sleep while idle, paused or between paced operations: control changes apply this fast.
const TICK: Duration = Duration::from_millis(200);
/// How often the latch is polled while operations run back to back (unlimited rate).
const LATCH_POLL: Duration = Duration::from_millis(10);
/// How often readiness (database, role, extension, privileges, seed) is checked while waiting.
const POLL: Duration = Duration::from_secs(1);
/// The achieved rate shown in the status (`taxa_10s`) covers this many one-second windows.
const RATE_WINDOWS: usize = 10;

/// Registers `alimentador.workers` workers per database. Called from `_PG_init` while preloading.
pub fn register() {
    for index in 0..settings::total_workers() {
        BackgroundWorkerBuilder::new(&format!("alimentador worker {index}"))
            .set_type("alimentador")
            .set_library("alimentador")
            .set_function("alimentador_worker_main")
            .set_argument(Some(pg_sys::Datum::from(index)))
            .enable_spi_access()
            .set_start_time(BgWorkerStartTime::RecoveryFinished)
            .set_restart_time(Some(Duration::from_secs(RESTART_SECS)))
            .load();
    }
}

#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn alimentador_worker_main(arg: pg_sys::Datum) {
    let index = arg.value();
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP);
    terminate_like_a_backend();
    // SAFETY: MyProcPid is set for every backend.
    hold::release(index);
    status::worker_started(index, unsafe { pg_sys::MyProcPid });
    // SAFETY: registers a callback that runs at process exit while shared memory is attached.
    unsafe { pg_sys::before_shmem_exit(Some(exiting), pg_sys::Datum::from(index)) };
    let (position, database) = settings::database_of(index);
    let role = settings::role();
    if overrides::control().connections[position].connect_failed {
        diagnose_connection(index, position, &database, role.as_deref());
        return;
    }
    // Set until the connection succeeds: if it fails (FATAL), the restarted worker diagnoses why.
    status::update_connection(position, |c| c.connect_failed = true);
    BackgroundWorker::connect_worker_to_spi(Some(&database), role.as_deref());
    status::update_connection(position, |c| {
        c.connect_failed = false;
        c.logged_problem = None;
    });
    configure_session(index);
    log!("alimentador: worker {index} connected to database \"{database}\"");
    Worker::new(index).serve();
    // serve() returns only when the postmaster died; `exiting` records the stop.
}

/// At any exit (FATAL after a terminate, postmaster death): the status shows `stopped` until the
/// postmaster restarts the worker, not the state of a process that is gone.
#[pg_guard]
unsafe extern "C-unwind" fn exiting(_code: std::ffi::c_int, index: pg_sys::Datum) {
    hold::release(index.value());
    status::worker_stopped(index.value());
}

/// SIGTERM gets PostgreSQL's own handler, as in any backend: the next interrupt check — also inside
/// a lock wait or a long statement — ends the worker with FATAL ("terminating background worker …
/// due to administrator command"), exit code 1. The postmaster restarts it after RESTART_SECS,
/// unless it is shutting down.
fn terminate_like_a_backend() {
    // SAFETY: installs a signal handler, as BackgroundWorker::attach_signal_handlers does.
    unsafe {
        #[cfg(not(feature = "pg18"))]
        pg_sys::pqsignal(pg_sys::SIGTERM as i32, Some(die));
        #[cfg(feature = "pg18")]
        pg_sys::pqsignal_be(pg_sys::SIGTERM as i32, Some(die));
    }
}

unsafe extern "C-unwind" {
    /// PostgreSQL's SIGTERM handler for backends (tcop/postgres.c). pgrx's binding wraps it in a
    /// Rust function, which cannot be a signal handler, so the symbol is declared here.
    fn die(signal: std::ffi::c_int);
}

/// A worker whose predecessor could not connect: connected to no database, it checks the shared
/// catalogs until the database and the role are usable, logging each problem once for the
/// database's workers, then exits so the postmaster restarts it to connect.
fn diagnose_connection(index: usize, position: usize, database: &str, role: Option<&str>) {
    BackgroundWorker::connect_worker_to_spi(None, None);
    let database_name = CString::new(database).unwrap_or_default();
    let role_name = role.map(|r| CString::new(r).unwrap_or_default());
    loop {
        let found =
            transaction::top_level(|| connection_problem(&database_name, role_name.as_deref()));
        match found {
            Ok(None) => {
                status::update_connection(position, |c| c.connect_failed = false);
                log!(
                    "alimentador: worker {index}: database \"{database}\" and role {} are usable now; restarting to connect",
                    role.map_or("(bootstrap superuser)".to_string(), |r| format!("\"{r}\""))
                );
                // SAFETY: exit code 1 makes the postmaster restart the worker after RESTART_SECS.
                unsafe { pg_sys::proc_exit(1) };
            }
            Ok(Some(problem)) => {
                status::set_state(index, problem_state(problem));
                let mut first = false;
                status::update_connection(position, |c| {
                    first = c.logged_problem != Some(problem);
                    c.logged_problem = Some(problem);
                });
                if first {
                    log!("alimentador: {}", describe(problem, database, role));
                }
            }
            Err(failure) => {
                status::record_failure(index, &failure.message);
                log!(
                    "alimentador: worker {index}: checking the database and role failed: {failure}"
                );
            }
        }
        if !BackgroundWorker::wait_latch(Some(POLL)) {
            return;
        }
    }
}

fn problem_state(problem: ConnectionProblem) -> WorkerState {
    match problem {
        ConnectionProblem::DatabaseMissing => WorkerState::WaitingForDatabase,
        ConnectionProblem::RoleMissing | ConnectionProblem::RoleCannotLogIn => {
            WorkerState::WaitingForRole
        }
        ConnectionProblem::NoConnectPrivilege => WorkerState::WaitingForPrivileges,
    }
}

fn describe(problem: ConnectionProblem, database: &str, role: Option<&str>) -> String {
    let role = role.unwrap_or_default();
    match problem {
        ConnectionProblem::DatabaseMissing => format!(
            "waiting for database \"{database}\" to be created (alimentador.database)"
        ),
        ConnectionProblem::RoleMissing => format!(
            "waiting for role \"{role}\" (alimentador.role) to be created: CREATE ROLE \"{role}\" LOGIN, or change alimentador.role and restart"
        ),
        ConnectionProblem::RoleCannotLogIn => format!(
            "waiting for role \"{role}\" (alimentador.role) to be allowed to log in: ALTER ROLE \"{role}\" LOGIN"
        ),
        ConnectionProblem::NoConnectPrivilege => format!(
            "waiting for role \"{role}\" (alimentador.role) to get the CONNECT privilege on database \"{database}\": GRANT CONNECT ON DATABASE {} TO {}",
            quoted(database),
            quoted(role)
        ),
    }
}

/// An identifier as SQL needs it written: in double quotes, inner quotes doubled.
fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Why connecting would fail, from the shared catalogs (readable without a database): what
/// InitPostgres checks before it lets a worker in (the database exists; the role exists and can log
/// in; the role has CONNECT on the database, unless it is a superuser).
pub(crate) fn connection_problem(
    database: &CStr,
    role: Option<&CStr>,
) -> Option<ConnectionProblem> {
    let mut found_database = None;
    catalog_has(pg_sys::DatabaseRelationId, |tuple, descriptor| {
        // SAFETY: a pg_database tuple.
        let form =
            unsafe { &*pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_database>(tuple) };
        if name(&form.datname) != database {
            return false;
        }
        // SAFETY: a pg_database tuple and its relation's descriptor; datacl is copied (detoasted)
        // into the transaction's memory: the tuple is gone once the scan ends.
        let acl = unsafe {
            let mut is_null = false;
            let datum = pg_sys::heap_getattr(
                tuple,
                pg_sys::Anum_pg_database_datacl as i32,
                descriptor,
                &mut is_null,
            );
            (!is_null)
                .then(|| pg_sys::pg_detoast_datum_copy(datum.cast_mut_ptr()).cast::<pg_sys::Acl>())
        };
        found_database = Some((form.datdba, acl));
        true
    });
    let Some((owner, acl)) = found_database else {
        return Some(ConnectionProblem::DatabaseMissing);
    };
    let role = role?;
    let mut found_role = None;
    catalog_has(pg_sys::AuthIdRelationId, |tuple, _| {
        // SAFETY: a pg_authid tuple.
        let form = unsafe { &*pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_authid>(tuple) };
        let found = name(&form.rolname) == role;
        if found {
            found_role = Some((form.oid, form.rolcanlogin, form.rolsuper));
        }
        found
    });
    match found_role {
        None => Some(ConnectionProblem::RoleMissing),
        Some((_, false, _)) => Some(ConnectionProblem::RoleCannotLogIn),
        Some((_, true, true)) => None,
        Some((role_id, true, false)) => {
            (!may_connect(acl, owner, role_id)).then_some(ConnectionProblem::NoConnectPrivilege)
        }
    }
}

/// Whether `role` has CONNECT on a database with ACL `acl` (None: the default, which grants it to
/// PUBLIC) and owner `owner`: PostgreSQL's own check (aclmask, as pg_database_aclcheck in
/// CheckMyDatabase), so the owner's rights, PUBLIC and privileges inherited from the roles `role`
/// belongs to count as they do when connecting. Membership is read through the syscache of the
/// shared catalog pg_auth_members, which a process connected to no database can use. Known limit:
/// an ACL so long that it is stored out of line (TOAST, hundreds of grants) cannot be read without
/// a database; the check then fails with an ERROR that diagnose_connection logs and retries.
fn may_connect(acl: Option<*mut pg_sys::Acl>, owner: pg_sys::Oid, role: pg_sys::Oid) -> bool {
    let Some(acl) = acl else {
        return true;
    };
    let connect = pg_sys::ACL_CONNECT as pg_sys::AclMode;
    // SAFETY: a detoasted aclitem[] of pg_database, valid for this transaction.
    let granted =
        unsafe { pg_sys::aclmask(acl, role, owner, connect, pg_sys::AclMaskHow::ACLMASK_ANY) };
    granted & connect != 0
}

fn name(n: &pg_sys::NameData) -> &CStr {
    // SAFETY: a NameData holds a NUL-terminated string.
    unsafe { CStr::from_ptr(n.data.as_ptr()) }
}

/// Whether a shared catalog has a tuple matching `found`. A heap scan, as the autovacuum launcher
/// does: a process connected to no database cannot open the catalogs' indexes.
fn catalog_has(
    relation: pg_sys::Oid,
    mut found: impl FnMut(*mut pg_sys::HeapTupleData, pg_sys::TupleDesc) -> bool,
) -> bool {
    // SAFETY: a catalog heap scan inside a transaction, closed before returning.
    unsafe {
        let rel = pg_sys::table_open(relation, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let scan = pg_sys::table_beginscan_catalog(rel, 0, std::ptr::null_mut());
        let mut any = false;
        loop {
            let tuple = pg_sys::heap_getnext(scan, pg_sys::ScanDirection::ForwardScanDirection);
            if tuple.is_null() {
                break;
            }
            if found(tuple, (*rel).rd_att) {
                any = true;
                break;
            }
        }
        pg_sys::table_endscan(scan);
        pg_sys::table_close(rel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        any
    }
}

/// The worker's session settings: a pinned search_path, its name in pg_stat_activity, and generic
/// plans for its kept statements (their parameters are random fractions and generated values, so
/// re-planning each execution for them would only cost time).
///
/// The search_path matters for security: the worker may run as a superuser, and an operator or
/// function that another role created in a schema on its path (`public`, `"$user"`) would run with
/// the worker's privileges. With only pg_catalog and pg_temp on the path, and every relation
/// qualified, no other role's object is ever resolved. The override outranks
/// `ALTER DATABASE/ROLE … SET search_path`.
fn configure_session(index: usize) {
    set(c"search_path", SAFE_SEARCH_PATH);
    let name = CString::new(format!("alimentador worker {index}")).unwrap_or_default();
    set(c"application_name", &name);
    set(c"plan_cache_mode", c"force_generic_plan");
}

/// The only schemas the workers resolve unqualified names in (functions and operators).
const SAFE_SEARCH_PATH: &CStr = c"pg_catalog, pg_temp";

fn set(name: &CStr, value: &CStr) {
    // SAFETY: sets a GUC of this backend (an assign hook reports application_name to pg_stat_activity).
    unsafe {
        pg_sys::SetConfigOption(
            name.as_ptr(),
            value.as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_OVERRIDE,
        );
    }
}

/// The settings in force for one loop: postgresql.conf, overridden by the SQL run-time controls.
struct Params {
    enabled: bool,
    /// This worker's share of its database's rate (0 = unlimited), before the schedule's factor.
    rate: f64,
    schedule: Schedule,
    skew: Skew,
    arrivals: Arrivals,
    weights: Weights,
    ops_per_transaction: u32,
    lock_timeout_ms: i32,
    ledger: LedgerSetting,
}

impl Params {
    fn current() -> Params {
        let overrides = overrides::control().overrides;
        Params {
            enabled: overrides.enabled(),
            rate: settings::rate_share(overrides.rate(), settings::workers_per_database()),
            schedule: overrides.schedule(),
            skew: settings::skew(),
            arrivals: settings::arrivals(),
            weights: overrides.weights(),
            ops_per_transaction: settings::OPS_PER_TRANSACTION.get().max(1) as u32,
            lock_timeout_ms: settings::LOCK_TIMEOUT.get(),
            ledger: settings::LEDGER.get(),
        }
    }
}

/// A back-off report in the server log.
fn log_report(index: usize, report: crate::backoff::Report) {
    log!(
        "alimentador: {}",
        turn::describe(&format!("worker {index}"), report)
    );
}

struct Worker {
    index: usize,
    engine: Engine,
    /// Pacing and back-off.
    turns: Turns,
    /// The extension is installed and the role has every privilege the stream needs.
    ready: bool,
    /// The ledger's statements, for the extension's schema (known once ready).
    ledger: Option<Ledger>,
    last_ready_poll: Option<Instant>,
    seeded: bool,
    last_seed_poll: Option<Instant>,
    logged_state: Option<WorkerState>,
    window_start: Instant,
    window_ops: u64,
    /// The last RATE_WINDOWS windows: (seconds, operations).
    windows: VecDeque<(f64, u64)>,
    /// The target rate of the last turn (this worker's share, schedule applied).
    target_rate: f64,
    /// Last commit or heartbeat.
    last_activity: Instant,
    last_marker: Instant,
    /// The lock_timeout set in this session, in milliseconds.
    lock_timeout_ms: i32,
}

impl Worker {
    fn new(index: usize) -> Worker {
        let rng_seed = match settings::RNG_SEED.get() {
            0 => Engine::random_seed(),
            s => s as u64,
        };
        let now = Instant::now();
        Worker {
            index,
            engine: Engine::new(rng_seed, index as u64),
            turns: Turns::new(Pacer::new(0.0, Arrivals::Uniform, now)),
            ready: false,
            ledger: None,
            last_ready_poll: None,
            seeded: false,
            last_seed_poll: None,
            logged_state: None,
            window_start: now,
            window_ops: 0,
            windows: VecDeque::with_capacity(RATE_WINDOWS + 1),
            target_rate: 0.0,
            last_activity: now,
            last_marker: now,
            lock_timeout_ms: 0,
        }
    }

    /// Streams until the postmaster dies: a turn at a time, reloading the settings on SIGHUP.
    fn serve(&mut self) {
        let mut wait = Duration::ZERO;
        let mut last_latch = Instant::now();
        loop {
            // Back-to-back operations poll the latch (postmaster death) only every LATCH_POLL;
            // a terminate request is an interrupt, checked every turn (and inside every query).
            if !wait.is_zero() || last_latch.elapsed() >= LATCH_POLL {
                if !BackgroundWorker::wait_latch(Some(wait)) {
                    return;
                }
                last_latch = Instant::now();
            } else {
                pg_sys::check_for_interrupts!();
            }
            if BackgroundWorker::sighup_received() {
                // SAFETY: the documented way for a background worker to reload postgresql.conf.
                unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
            }
            wait = self.step(&Params::current());
            self.publish_rate();
        }
    }

    /// One turn of the loop; returns how long to sleep before the next.
    fn step(&mut self, p: &Params) -> Duration {
        if !self.ready && !self.poll_readiness() {
            return TICK;
        }
        self.heartbeat_if_idle();
        self.mark_if_due();
        if !p.enabled {
            self.target_rate = 0.0;
            self.enter(WorkerState::Paused);
            return TICK;
        }
        let now = Instant::now();
        let backoff = self.turns.backoff(now);
        if !backoff.is_zero() {
            return backoff.min(TICK);
        }
        // Also for a constant schedule: the shared record of the schedule in force must see the
        // change, so that a shape set again later starts from its beginning.
        let rate = p
            .schedule
            .target_rate(timeline::schedule_moment(&p.schedule), p.rate);
        self.target_rate = rate;
        self.turns.pacer.set(rate, p.arrivals, now);
        let due_in = self.turns.wait(now);
        if due_in > Duration::ZERO {
            return due_in.min(TICK);
        }
        if !self.seeded && !self.poll_seed() {
            return TICK;
        }
        self.apply_lock_timeout(p.lock_timeout_ms);
        self.engine.set_skew(p.skew);
        let order = Order {
            weights: &p.weights,
            ops: p.ops_per_transaction,
            ledger: p.ledger,
            stream: self.index as i32,
        };
        let index = self.index;
        let outcome = self.turns.take(
            &mut self.engine,
            self.ledger.as_mut(),
            &order,
            Scope::Transaction,
            true,
            |report| log_report(index, report),
        );
        // SAFETY: flushes this process's table statistics (at most once a second), as backends do
        // when idle, so pg_stat_user_tables sees the stream's changes.
        unsafe { pg_sys::pgstat_report_stat(false) };
        match outcome {
            Outcome::Committed { batch, seq } => {
                status::record_commit(self.index, &batch.tally, seq);
                if batch.hospital_empty {
                    self.seeded = false;
                    self.enter(WorkerState::WaitingForSeed);
                    return TICK;
                }
                self.enter(WorkerState::Running);
                if batch.tally.done_total() > 0 {
                    self.window_ops += batch.tally.done_total();
                    self.last_activity = Instant::now();
                }
                Duration::ZERO
            }
            Outcome::LockWait(failure) => {
                status::record_lock_wait(self.index, &failure.message);
                self.enter(WorkerState::WaitingForLock);
                Duration::ZERO
            }
            Outcome::Failed { message } => {
                self.record_failure(&message);
                // The extension or a privilege may be gone: check again before the next batch.
                self.ready = false;
                self.last_ready_poll = None;
                Duration::ZERO
            }
        }
    }

    fn apply_lock_timeout(&mut self, ms: i32) {
        if ms != self.lock_timeout_ms {
            let value = CString::new(format!("{ms}ms")).unwrap_or_default();
            set(c"lock_timeout", &value);
            self.lock_timeout_ms = ms;
        }
    }

    /// A failed check: counted, reported (in summaries while failures go on), backed off.
    fn failed(&mut self, what: &str, failure: Failure) {
        let message = format!("{what}: {failure}");
        let index = self.index;
        self.turns
            .failed(message.clone(), |report| log_report(index, report));
        self.record_failure(&message);
    }

    /// A failure in the status, and the state `failing` while failures keep coming.
    fn record_failure(&mut self, message: &str) {
        status::record_failure(self.index, message);
        if self.turns.failing() {
            self.enter(WorkerState::Failing);
        }
    }

    /// Worker 0 touches hospital.pulso when nothing was committed for alimentador.heartbeat_interval.
    fn heartbeat_if_idle(&mut self) {
        let interval = Duration::from_secs(settings::HEARTBEAT_INTERVAL.get() as u64);
        // The first worker of each database keeps that database's slots moving.
        let first_of_database = self
            .index
            .is_multiple_of(settings::workers_per_database().max(1));
        if !first_of_database || interval.is_zero() || self.last_activity.elapsed() < interval {
            return;
        }
        self.last_activity = Instant::now();
        match cdc::heartbeat(self.index) {
            // SAFETY: flushes the heartbeat's statistics now: a paused or idle worker would not
            // flush them otherwise, and pg_stat_user_tables would miss the updates of pulso.
            Ok(()) => unsafe {
                pg_sys::pgstat_report_stat(true);
            },
            Err(e) => log!("alimentador: worker {}: heartbeat failed: {e}", self.index),
        };
    }

    /// A marker every alimentador.marker_interval while running.
    fn mark_if_due(&mut self) {
        let interval = Duration::from_secs(settings::MARKER_INTERVAL.get() as u64);
        if self.logged_state == Some(WorkerState::Running)
            && !interval.is_zero()
            && self.last_marker.elapsed() >= interval
        {
            self.mark("intervalo");
        }
    }

    fn mark(&mut self, reason: &str) {
        self.last_marker = Instant::now();
        if let Err(e) = cdc::marker(self.index, reason) {
            log!("alimentador: worker {}: marker failed: {e}", self.index);
        }
    }

    /// Checks, at most once per POLL, whether the hospital is seeded; logs the wait once.
    fn poll_seed(&mut self) -> bool {
        let engine = &mut self.engine;
        match Self::poll(&mut self.last_seed_poll, || engine.seeded()) {
            None => {}
            Some(Ok(seeded)) => {
                self.seeded = seeded;
                if !seeded {
                    self.enter(WorkerState::WaitingForSeed);
                }
            }
            Some(Err(failure)) => self.failed("checking the seed", failure),
        }
        self.seeded
    }

    /// Checks, at most once per POLL, whether the extension exists and the role has the
    /// privileges the stream needs; logs each wait once (with what is missing).
    fn poll_readiness(&mut self) -> bool {
        match Self::poll(&mut self.last_ready_poll, stream::readiness) {
            None => {}
            Some(Ok(Readiness::Ready(schema))) => {
                if self.ledger.as_ref().is_none_or(|l| l.schema() != schema) {
                    self.ledger = Some(Ledger::new(schema));
                }
                self.ready = true;
            }
            Some(Ok(Readiness::NoExtension)) => self.enter(WorkerState::WaitingForExtension),
            Some(Ok(Readiness::MissingPrivileges(missing))) => {
                if self.logged_state != Some(WorkerState::WaitingForPrivileges) {
                    log!(
                        "alimentador: worker {} lacks privileges to stream as role \"{}\": {missing} (GRANT them, see \"Running the workers as a plain role\" in the manual's Security page)",
                        self.index,
                        settings::role().unwrap_or_else(|| "bootstrap superuser".into())
                    );
                }
                self.enter(WorkerState::WaitingForPrivileges);
            }
            Some(Err(failure)) => self.failed("checking readiness", failure),
        }
        self.ready
    }

    /// Runs `check` in a transaction unless it ran less than POLL ago (then None).
    fn poll<R>(
        last: &mut Option<Instant>,
        check: impl FnOnce() -> R,
    ) -> Option<Result<R, Failure>> {
        if last.is_some_and(|t| t.elapsed() < POLL) {
            return None;
        }
        *last = Some(Instant::now());
        Some(transaction::top_level(check))
    }

    /// Records a state change in shared memory, logs waits once each, and marks the stream's start,
    /// pauses and resumptions.
    fn enter(&mut self, state: WorkerState) {
        let previous = self.logged_state;
        if previous == Some(state) {
            return;
        }
        self.logged_state = Some(state);
        use WorkerState::*;
        match (previous, state) {
            (Some(Paused), Running) => self.mark("retomada"),
            (Some(Failing | WaitingForLock), Running) => {}
            (_, Running) => self.mark("inicio"),
            (Some(Running | Failing | WaitingForLock), Paused) => self.mark("pausa"),
            _ => {}
        }
        status::set_state(self.index, state);
        if state != Running {
            // SAFETY: flushes the statistics still pending from the last transactions.
            unsafe { pg_sys::pgstat_report_stat(true) };
        }
        match state {
            WaitingForExtension | WaitingForSeed | Paused | Failing => {
                log!("alimentador: worker {} is {}", self.index, state.name())
            }
            WaitingForLock => log!(
                "alimentador: worker {} is waiting for lock (alimentador.lock_timeout = {} ms expired; it retries): {}",
                self.index,
                self.lock_timeout_ms,
                status::slot(self.index).last_error().unwrap_or_default()
            ),
            _ => {}
        }
    }

    fn publish_rate(&mut self) {
        let elapsed = self.window_start.elapsed();
        if elapsed >= Duration::from_secs(1) {
            self.windows
                .push_back((elapsed.as_secs_f64(), self.window_ops));
            if self.windows.len() > RATE_WINDOWS {
                self.windows.pop_front();
            }
            let (secs, ops) = self
                .windows
                .iter()
                .fold((0.0, 0), |(s, o), (ws, wo)| (s + ws, o + wo));
            status::set_rates(
                self.index,
                self.window_ops as f64 / elapsed.as_secs_f64(),
                ops as f64 / secs,
                self.target_rate,
            );
            self.window_start = Instant::now();
            self.window_ops = 0;
        }
    }
}
