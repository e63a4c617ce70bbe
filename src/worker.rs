//! The stream's background workers: registered at server start, each connects to
//! `alimentador.database`, waits quietly until the database, the extension and the seed are there,
//! then runs the weighted stream at the configured rate until SIGTERM.
//!
//! Waiting for a database without a restart storm: a worker first tries to connect (one FATAL line if
//! the database is missing, and the postmaster restarts it). The restarted worker knows, through
//! shared memory, that the database was missing: it connects to no database, polls the catalog
//! every few seconds, logs one line, and exits to be restarted as soon as the database appears.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pgrx::bgworkers::{
    BackgroundWorker, BackgroundWorkerBuilder, BgWorkerStartTime, SignalWakeFlags,
};
use pgrx::prelude::*;

use crate::operations::Weights;
use crate::pacing::{Arrivals, Pacer};
use crate::status::{self, WorkerState};
use crate::stream::{self, Engine};
use crate::{cdc, settings, transaction};

/// Seconds the postmaster waits before restarting a worker that exited with an error.
const RESTART_SECS: u64 = 2;
/// Longest sleep while idle, paused or between paced operations: control changes apply this fast.
const TICK: Duration = Duration::from_millis(200);
/// How often the latch is polled while operations run back to back (unlimited rate).
const LATCH_POLL: Duration = Duration::from_millis(10);
/// How often readiness (database, extension, seed) is checked while waiting.
const POLL: Duration = Duration::from_secs(1);

/// Registers `alimentador.workers` workers. Called from `_PG_init` while preloading.
pub fn register() {
    for index in 0..settings::WORKERS.get() {
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
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    // SAFETY: MyProcPid is set for every backend.
    status::worker_started(index, unsafe { pg_sys::MyProcPid });
    let database = settings::database();
    if !status::control().database_seen {
        wait_for_database(index, &database);
        return;
    }
    // Cleared until the connection succeeds: if it fails (FATAL), the restarted worker waits quietly.
    status::update_control(|c| c.database_seen = false);
    BackgroundWorker::connect_worker_to_spi(Some(&database), settings::role().as_deref());
    status::update_control(|c| {
        c.database_seen = true;
        c.waiting_logged = false;
    });
    configure_session(index);
    log!("alimentador: worker {index} connected to database \"{database}\"");
    Worker::new(index).run();
    status::worker_stopped(index);
    log!("alimentador: worker {index} stopped");
}

fn wait_for_database(index: usize, database: &str) {
    status::set_state(index, WorkerState::WaitingForDatabase);
    BackgroundWorker::connect_worker_to_spi(None, None);
    let name = CString::new(database).unwrap_or_default();
    loop {
        if transaction::top_level(|| database_exists(&name)) == Ok(true) {
            status::update_control(|c| c.database_seen = true);
            log!("alimentador: database \"{database}\" exists now; worker {index} restarts to connect to it");
            // SAFETY: exit code 1 makes the postmaster restart the worker after RESTART_SECS.
            unsafe { pg_sys::proc_exit(1) };
        }
        let mut first = false;
        status::update_control(|c| {
            first = !c.waiting_logged;
            c.waiting_logged = true;
        });
        if first {
            log!("alimentador: waiting for database \"{database}\" to be created (alimentador.database)");
        }
        if !BackgroundWorker::wait_latch(Some(POLL)) {
            status::worker_stopped(index);
            return;
        }
    }
}

/// Whether pg_database has a database of this name. A heap scan, as the autovacuum launcher does: a
/// process connected to no database cannot open pg_database's indexes.
fn database_exists(name: &CString) -> bool {
    // SAFETY: a catalog heap scan inside a transaction, closed before returning.
    unsafe {
        let rel = pg_sys::table_open(
            pg_sys::DatabaseRelationId,
            pg_sys::AccessShareLock as pg_sys::LOCKMODE,
        );
        let scan = pg_sys::table_beginscan_catalog(rel, 0, std::ptr::null_mut());
        let mut found = false;
        loop {
            let tuple = pg_sys::heap_getnext(scan, pg_sys::ScanDirection::ForwardScanDirection);
            if tuple.is_null() {
                break;
            }
            let form = pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_database>(tuple);
            if std::ffi::CStr::from_ptr((*form).datname.data.as_ptr()) == name.as_c_str() {
                found = true;
                break;
            }
        }
        pg_sys::table_endscan(scan);
        pg_sys::table_close(rel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        found
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
const SAFE_SEARCH_PATH: &std::ffi::CStr = c"pg_catalog, pg_temp";

fn set(name: &std::ffi::CStr, value: &std::ffi::CStr) {
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
    /// This worker's share of the total rate (0 = unlimited).
    rate: f64,
    arrivals: Arrivals,
    weights: Weights,
    ops_per_transaction: u32,
}

impl Params {
    fn current() -> Params {
        let control = status::control();
        Params {
            enabled: control.enabled(),
            rate: control.rate() / settings::WORKERS.get().max(1) as f64,
            arrivals: settings::arrivals(),
            weights: control.weights(),
            ops_per_transaction: settings::OPS_PER_TRANSACTION.get().max(1) as u32,
        }
    }
}

struct Worker {
    index: usize,
    engine: Engine,
    pacer: Pacer,
    extension_ready: bool,
    last_poll: Option<Instant>,
    seeded: bool,
    last_seed_poll: Option<Instant>,
    logged_state: Option<WorkerState>,
    window_start: Instant,
    window_ops: u64,
    /// Last commit or heartbeat.
    last_activity: Instant,
    last_marker: Instant,
}

impl Worker {
    fn new(index: usize) -> Worker {
        let seed = match settings::SEED.get() {
            0 => Engine::random_seed(),
            s => s as u64,
        };
        let now = Instant::now();
        Worker {
            index,
            engine: Engine::new(seed, index as u64),
            pacer: Pacer::new(0.0, Arrivals::Uniform, now),
            extension_ready: false,
            last_poll: None,
            seeded: false,
            last_seed_poll: None,
            logged_state: None,
            window_start: now,
            window_ops: 0,
            last_activity: now,
            last_marker: now,
        }
    }

    fn run(&mut self) {
        let mut wait = Duration::ZERO;
        let mut last_latch = Instant::now();
        loop {
            // Back-to-back operations poll the latch (postmaster death) only every LATCH_POLL;
            // the SIGTERM flag is checked every turn.
            if !wait.is_zero() || last_latch.elapsed() >= LATCH_POLL {
                if !BackgroundWorker::wait_latch(Some(wait)) {
                    return;
                }
                last_latch = Instant::now();
            } else if BackgroundWorker::sigterm_received() {
                return;
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
        if !self.extension_ready && !self.poll_extension() {
            return TICK;
        }
        self.heartbeat_if_idle();
        self.mark_if_due();
        if !p.enabled {
            self.enter(WorkerState::Paused);
            return TICK;
        }
        let now = Instant::now();
        self.pacer.set(p.rate, p.arrivals, now);
        let due_in = self.pacer.wait(now);
        if due_in > Duration::ZERO {
            return due_in.min(TICK);
        }
        if !self.seeded && !self.poll_seed() {
            return TICK;
        }
        let ops = p.ops_per_transaction;
        let result = transaction::top_level(|| self.engine.run_batch(&p.weights, ops));
        let u = self.engine.uniform01();
        self.pacer.done(ops, u);
        // SAFETY: flushes this process's table statistics (at most once a second), as backends do
        // when idle, so pg_stat_user_tables sees the stream's changes.
        unsafe { pg_sys::pgstat_report_stat(false) };
        match result {
            Ok(tally) if tally.done_total() == 0 => {
                // Nothing was eligible (an emptied hospital?): check the seed again, and back off.
                status::record_commit(self.index, &tally);
                self.seeded = false;
                TICK
            }
            Ok(tally) => {
                status::record_commit(self.index, &tally);
                self.enter(WorkerState::Running);
                self.window_ops += tally.done_total();
                self.last_activity = Instant::now();
                Duration::ZERO
            }
            Err(message) => {
                let kind = self.engine.current.take().map_or("?", |k| k.name());
                status::record_failure(self.index, &format!("{kind}: {message}"));
                log!(
                    "alimentador: worker {}: {kind} failed and was rolled back: {message}",
                    self.index
                );
                // Go on at once, unless the failure was the extension going away.
                self.extension_ready =
                    transaction::top_level(stream::extension_installed).unwrap_or(false);
                Duration::ZERO
            }
        }
    }

    /// Worker 0 touches hospital.pulso when nothing was committed for alimentador.heartbeat_interval.
    fn heartbeat_if_idle(&mut self) {
        let interval = Duration::from_secs(settings::HEARTBEAT_INTERVAL.get() as u64);
        if self.index != 0 || interval.is_zero() || self.last_activity.elapsed() < interval {
            return;
        }
        self.last_activity = Instant::now();
        if let Err(message) = cdc::heartbeat(self.index) {
            log!(
                "alimentador: worker {}: heartbeat failed: {message}",
                self.index
            );
        }
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
        if let Err(message) = cdc::marker(self.index, reason) {
            log!(
                "alimentador: worker {}: marker failed: {message}",
                self.index
            );
        }
    }

    /// Checks, at most once per POLL, whether the hospital is seeded; logs the wait once.
    fn poll_seed(&mut self) -> bool {
        let engine = &mut self.engine;
        if let Some(seeded) = Self::poll(&mut self.last_seed_poll, || engine.seeded()) {
            self.seeded = seeded;
            if !seeded {
                self.enter(WorkerState::WaitingForSeed);
            }
        }
        self.seeded
    }

    /// Checks, at most once per POLL, whether the extension exists; logs the wait once.
    fn poll_extension(&mut self) -> bool {
        if let Some(ready) = Self::poll(&mut self.last_poll, stream::extension_installed) {
            self.extension_ready = ready;
            if !ready {
                self.enter(WorkerState::WaitingForExtension);
            }
        }
        self.extension_ready
    }

    /// Runs `check` in a transaction unless it ran less than POLL ago (then None); false on error.
    fn poll(last: &mut Option<Instant>, check: impl FnOnce() -> bool) -> Option<bool> {
        if last.is_some_and(|t| t.elapsed() < POLL) {
            return None;
        }
        *last = Some(Instant::now());
        Some(transaction::top_level(check).unwrap_or(false))
    }

    /// Records a state change in shared memory, logs waits once each, and marks the stream's start,
    /// pauses and resumptions.
    fn enter(&mut self, state: WorkerState) {
        let previous = self.logged_state;
        if previous == Some(state) {
            return;
        }
        self.logged_state = Some(state);
        match (previous, state) {
            (Some(WorkerState::Paused), WorkerState::Running) => self.mark("retomada"),
            (_, WorkerState::Running) => self.mark("inicio"),
            (Some(WorkerState::Running), WorkerState::Paused) => self.mark("pausa"),
            _ => {}
        }
        status::set_state(self.index, state);
        if state != WorkerState::Running {
            // SAFETY: flushes the statistics still pending from the last transactions.
            unsafe { pg_sys::pgstat_report_stat(true) };
        }
        if matches!(
            state,
            WorkerState::WaitingForExtension | WorkerState::WaitingForSeed | WorkerState::Paused
        ) {
            log!("alimentador: worker {} is {}", self.index, state.name());
        }
    }

    fn publish_rate(&mut self) {
        let elapsed = self.window_start.elapsed();
        if elapsed >= Duration::from_secs(1) {
            status::set_ops_per_sec(self.index, self.window_ops as f64 / elapsed.as_secs_f64());
            self.window_start = Instant::now();
            self.window_ops = 0;
        }
    }
}
