//! The `alimentador.*` settings (GUCs), set in postgresql.conf. Invalid values are rejected when set:
//! ranges by PostgreSQL itself, weight lists by a check hook with a clear message.

use std::ffi::{c_char, c_void, CStr, CString};

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use pgrx::prelude::*;
use pgrx::PostgresGucEnum;

use crate::operations::Weights;
use crate::pacing::Arrivals;

/// Most background workers one server may run (the size of the status array in shared memory).
pub const MAX_WORKERS: i32 = 16;

pub static DATABASE: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"postgres"));
pub static ROLE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
pub static WORKERS: GucSetting<i32> = GucSetting::<i32>::new(1);
pub static RATE: GucSetting<f64> = GucSetting::<f64>::new(0.5);
pub static WEIGHTS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
pub static OPS_PER_TRANSACTION: GucSetting<i32> = GucSetting::<i32>::new(1);
pub static SEMENTE: GucSetting<i32> = GucSetting::<i32>::new(0);
pub static ENABLED: GucSetting<bool> = GucSetting::<bool>::new(true);
pub static HEARTBEAT_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(10);
pub static MARKER_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(60);
pub static LOCK_TIMEOUT: GucSetting<i32> = GucSetting::<i32>::new(1000);
pub static VITAIS_RETENCAO: GucSetting<i32> = GucSetting::<i32>::new(0);
pub static ARRIVALS: GucSetting<ArrivalsSetting> =
    GucSetting::<ArrivalsSetting>::new(ArrivalsSetting::Uniform);
pub static LEDGER: GucSetting<LedgerSetting> =
    GucSetting::<LedgerSetting>::new(LedgerSetting::Counts);

/// `alimentador.ledger`: whether each stream transaction carries its ledger message.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum LedgerSetting {
    Off,
    Counts,
    Keys,
}

#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArrivalsSetting {
    Uniform,
    Poisson,
}

/// Registers the settings. Called from `_PG_init`; the restart-only ones (database, role, workers)
/// only while preloading: PostgreSQL cannot define them later, and only the workers use them.
pub fn register(preloading: bool) {
    if preloading {
        register_restart_only();
    }
    GucRegistry::define_float_guc(c"alimentador.rate", c"Target operations per second, all workers together.",
        c"Default 0.5 (one operation every 2 s, the Python tool's pace). 0 means as fast as the server allows. Reloadable.",
        &RATE, 0.0, 1_000_000.0, GucContext::Sighup, GucFlags::default());
    string(&WEIGHTS, c"alimentador.weights", c"Weights of the stream's operations, e.g. insert_consulta=30,delete_consulta=2.",
        c"Starts from the default 70/30 mix and changes the named operations; may start with a profile (default, deletes, cdc-edge, chaves, sinais-vitais). Reloadable.",
        GucContext::Sighup, Some(check_weights));
    GucRegistry::define_int_guc(
        c"alimentador.ops_per_transaction",
        c"Operations grouped in one transaction.",
        c"Default 1: each operation commits on its own. Reloadable.",
        &OPS_PER_TRANSACTION,
        1,
        10_000,
        GucContext::Sighup,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(c"alimentador.semente", c"Random seed (semente) of the stream.",
        c"0 (the default) draws a fresh seed at each worker start; another value makes worker N's choices repeatable. Reloadable (applies when a worker starts).",
        &SEMENTE, 0, i32::MAX, GucContext::Sighup, GucFlags::default());
    GucRegistry::define_bool_guc(c"alimentador.enabled", c"Whether the stream runs.",
        c"off keeps the workers connected but paused. alimentador_pause()/alimentador_resume() override it at run time. Reloadable.",
        &ENABLED, GucContext::Sighup, GucFlags::default());
    GucRegistry::define_enum_guc(c"alimentador.arrivals", c"How operations are spaced in time: uniform or poisson.",
        c"uniform spaces them evenly; poisson draws exponential gaps with the same mean rate. Reloadable.",
        &ARRIVALS, GucContext::Sighup, GucFlags::default());
    GucRegistry::define_int_guc(c"alimentador.heartbeat_interval", c"Seconds of stream inactivity after which worker 0 touches hospital.pulso.",
        c"Keeps replication slots advancing while the stream is paused or slow. Default 10s; 0 turns it off. Reloadable.",
        &HEARTBEAT_INTERVAL, 0, 86_400, GucContext::Sighup, GucFlags::UNIT_S);
    GucRegistry::define_int_guc(c"alimentador.marker_interval", c"Seconds between verification markers (logical decoding messages) from each worker.",
        c"Markers carry the worker's cumulative committed counts; they are also sent when a worker starts streaming and when it pauses. Default 60s; 0 sends only those. Reloadable.",
        &MARKER_INTERVAL, 0, 86_400, GucContext::Sighup, GucFlags::UNIT_S);
    GucRegistry::define_enum_guc(c"alimentador.ledger", c"Whether each stream transaction emits its ledger message: off, counts or keys.",
        c"counts (the default): every worker transaction that changed rows emits a transactional logical message (prefix alimentador.tx) with the worker, a gap-free sequence number, the operations and the rows per table and change; keys adds the primary keys changed. Reloadable.",
        &LEDGER, GucContext::Sighup, GucFlags::default());
    GucRegistry::define_int_guc(c"alimentador.lock_timeout", c"How long a worker's statement waits for a lock before the worker rolls back and retries.",
        c"The worker's lock_timeout: while another session holds a lock the stream needs, the worker shows 'waiting for lock' and still answers pause and terminate. Default 1s. Reloadable.",
        &LOCK_TIMEOUT, 10, 3_600_000, GucContext::Sighup, GucFlags::UNIT_MS);
    GucRegistry::define_int_guc(c"alimentador.vitais_retencao", c"Days of hospital.sinais_vitais partitions kept; older ones are dropped (0 keeps them all).",
        c"Default 0: no partition is ever dropped. N > 0: whoever creates the coming days' partitions (the stream's insert_sinal_vital, alimentador_particoes_vitais()) drops the daily partitions that ended more than N days ago. A dropped partition emits no delete events. Reloadable; a superuser may SET it in a session.",
        &VITAIS_RETENCAO, 0, 3650, GucContext::Suset, GucFlags::default());
    reserve_prefix();
}

fn register_restart_only() {
    string(&DATABASE, c"alimentador.database", c"Database the stream workers connect to.",
        c"Default postgres. The workers wait quietly until it exists and has the extension. Restart to change.",
        GucContext::Postmaster, None);
    string(
        &ROLE,
        c"alimentador.role",
        c"Role the stream workers run as.",
        c"Empty (the default) means the bootstrap superuser. Restart to change.",
        GucContext::Postmaster,
        None,
    );
    GucRegistry::define_int_guc(
        c"alimentador.workers",
        c"Number of stream background workers.",
        c"0 disables the stream. Default 1. Restart to change.",
        &WORKERS,
        0,
        MAX_WORKERS,
        GucContext::Postmaster,
        GucFlags::default(),
    );
}

fn string(
    setting: &'static GucSetting<Option<CString>>,
    name: &'static CStr,
    short: &'static CStr,
    long: &'static CStr,
    context: GucContext,
    check: pg_sys::GucStringCheckHook,
) {
    // SAFETY: the hook is #[pg_guard]ed.
    unsafe {
        GucRegistry::define_string_guc_with_hooks(
            name,
            short,
            long,
            setting,
            context,
            GucFlags::default(),
            check,
            None,
            None,
        )
    }
}

fn reserve_prefix() {
    // SAFETY: plain calls into PostgreSQL with a static C string.
    unsafe {
        #[cfg(any(feature = "pg13", feature = "pg14"))]
        pg_sys::EmitWarningsOnPlaceholders(c"alimentador".as_ptr());
        #[cfg(not(any(feature = "pg13", feature = "pg14")))]
        pg_sys::MarkGUCPrefixReserved(c"alimentador".as_ptr());
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_weights(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    // SAFETY: PostgreSQL passes a valid pointer to a (possibly NULL) C string.
    let text = unsafe {
        (*newval)
            .as_ref()
            .map(|p| CStr::from_ptr(p).to_string_lossy().into_owned())
    };
    match Weights::parse(text.as_deref().unwrap_or("")) {
        Ok(_) => true,
        Err(reason) => {
            let detail = CString::new(reason.to_string()).unwrap_or_default();
            // SAFETY: the detail is copied into PostgreSQL's memory, as GUC_check_errdetail() does.
            unsafe { pg_sys::GUC_check_errdetail_string = pg_sys::pstrdup(detail.as_ptr()) };
            false
        }
    }
}

fn text(setting: &GucSetting<Option<CString>>) -> Option<String> {
    setting
        .get()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
}

/// The configured weights (the check hook guarantees they parse).
pub fn weights() -> Weights {
    Weights::parse(text(&WEIGHTS).as_deref().unwrap_or("")).unwrap_or_default()
}

pub fn database() -> String {
    text(&DATABASE).unwrap_or_else(|| "postgres".into())
}

pub fn role() -> Option<String> {
    text(&ROLE)
}

pub fn arrivals() -> Arrivals {
    match ARRIVALS.get() {
        ArrivalsSetting::Uniform => Arrivals::Uniform,
        ArrivalsSetting::Poisson => Arrivals::Poisson,
    }
}
