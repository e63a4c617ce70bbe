//! The `alimentador.*` settings (GUCs), set in postgresql.conf. Invalid values are rejected when set:
//! ranges by PostgreSQL itself, weight lists by a check hook with a clear message.

use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicU64, Ordering};

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use pgrx::prelude::*;
use pgrx::PostgresGucEnum;

use crate::pacing::Arrivals;
use crate::schedule::{self, Schedule};
use crate::skew::{self, Skew};
use crate::weights::Weights;

/// Most background workers per database (`alimentador.workers`).
pub const MAX_WORKERS: i32 = 16;
/// Most databases `alimentador.database` may list.
pub const MAX_DATABASES: usize = 8;
/// The status slots in shared memory: every valid combination of databases and workers fits.
pub const MAX_SLOTS: usize = MAX_DATABASES * MAX_WORKERS as usize;

pub static DATABASE: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"postgres"));
pub static ROLE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
pub static WORKERS: GucSetting<i32> = GucSetting::<i32>::new(1);
pub static RATE: GucSetting<f64> = GucSetting::<f64>::new(0.5);
pub static WEIGHTS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
pub static SCHEDULE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
pub static SKEW: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
pub static OPS_PER_TRANSACTION: GucSetting<i32> = GucSetting::<i32>::new(1);
pub static RNG_SEED: GucSetting<i32> = GucSetting::<i32>::new(0);
pub static ENABLED: GucSetting<bool> = GucSetting::<bool>::new(true);
pub static HEARTBEAT_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(10);
pub static MARKER_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(60);
pub static LOCK_TIMEOUT: GucSetting<i32> = GucSetting::<i32>::new(1000);
pub static LONG_TRANSACTION_DURATION: GucSetting<i32> = GucSetting::<i32>::new(30);
pub static VITALS_RETENTION: GucSetting<i32> = GucSetting::<i32>::new(0);
pub static TIME_SCALE: GucSetting<f64> = GucSetting::<f64>::new(1.0);
pub static ARRIVALS: GucSetting<ArrivalsSetting> =
    GucSetting::<ArrivalsSetting>::new(ArrivalsSetting::Uniform);
pub static LEDGER: GucSetting<LedgerSetting> =
    GucSetting::<LedgerSetting>::new(LedgerSetting::Counts);

/// `alimentador.ledger`: whether each stream transaction carries its ledger message.
/// Spelled lowercase like PostgreSQL's own enums (`SHOW` prints `counts`); input is
/// case-insensitive.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum LedgerSetting {
    #[name = c"off"]
    Off,
    #[name = c"counts"]
    Counts,
    #[name = c"keys"]
    Keys,
}

impl LedgerSetting {
    pub const ALL: [LedgerSetting; 3] = [
        LedgerSetting::Off,
        LedgerSetting::Counts,
        LedgerSetting::Keys,
    ];

    /// The name `SHOW alimentador.ledger` prints.
    pub fn name(self) -> &'static str {
        match self {
            LedgerSetting::Off => "off",
            LedgerSetting::Counts => "counts",
            LedgerSetting::Keys => "keys",
        }
    }

    /// A value by its name, case-insensitively (as PostgreSQL reads enum settings).
    pub fn from_name(text: &str) -> Option<LedgerSetting> {
        Self::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// `alimentador.arrivals`: how operations are spaced in time.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArrivalsSetting {
    #[name = c"uniform"]
    Uniform,
    #[name = c"poisson"]
    Poisson,
}

impl ArrivalsSetting {
    /// The name `SHOW alimentador.arrivals` prints.
    pub fn name(self) -> &'static str {
        match self {
            ArrivalsSetting::Uniform => "uniform",
            ArrivalsSetting::Poisson => "poisson",
        }
    }
}

/// Which setting a row of [`SETTINGS`] is: code that treats each setting differently (what
/// `alimentador_settings()` shows) matches on it, so a new setting cannot be left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    Database,
    Role,
    Workers,
    Rate,
    Weights,
    Schedule,
    Skew,
    OpsPerTransaction,
    RngSeed,
    Enabled,
    Arrivals,
    HeartbeatInterval,
    MarkerInterval,
    Ledger,
    LockTimeout,
    LongTransactionDuration,
    TimeScale,
    VitalsRetention,
}

/// When a setting can change (pg_settings.context).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    /// `postmaster`: at server start.
    Restart,
    /// `sighup`: on reload.
    Reload,
    /// `superuser`: on reload, or SET by a superuser.
    Superuser,
}

impl Context {
    fn guc(self) -> GucContext {
        match self {
            Context::Restart => GucContext::Postmaster,
            Context::Reload => GucContext::Sighup,
            Context::Superuser => GucContext::Suset,
        }
    }
}

/// How a setting is defined to PostgreSQL: its type, range and check.
enum Kind {
    Bool(&'static GucSetting<bool>),
    Int {
        setting: &'static GucSetting<i32>,
        min: i32,
        max: i32,
        unit: GucFlags,
    },
    Float {
        setting: &'static GucSetting<f64>,
        min: f64,
        max: f64,
        check: pg_sys::GucRealCheckHook,
    },
    Text {
        setting: &'static GucSetting<Option<CString>>,
        check: pg_sys::GucStringCheckHook,
    },
    Ledger,
    Arrivals,
}

/// One `alimentador.*` setting: what `pg_settings` shows of it (name, short_desc, extra_desc,
/// context, enumvals, min_val, max_val) comes from here.
pub struct Setting {
    pub id: Id,
    /// The name without the `alimentador.` prefix, as `alimentador_settings()` shows it.
    pub name: &'static str,
    pub short: &'static str,
    pub long: &'static str,
    context: Context,
    kind: Kind,
}

impl Setting {
    /// Defined only while preloading: PostgreSQL cannot define them later, and only the workers
    /// use them.
    pub fn restart_only(&self) -> bool {
        self.context == Context::Restart
    }
}

/// Every `alimentador.*` setting, in the order `alimentador_settings()` lists them: the one list
/// the settings are registered from and every view derives from.
pub static SETTINGS: &[Setting] = &[
    Setting {
        id: Id::Database,
        name: "database",
        short: "Database, or comma-separated databases, the stream workers connect to.",
        long: "Default postgres. Each database listed (at most 8) gets alimentador.workers workers of its own, streaming at alimentador.rate. The workers wait quietly until it exists and has the extension. Restart to change.",
        context: Context::Restart,
        kind: Kind::Text { setting: &DATABASE, check: Some(check_databases) },
    },
    Setting {
        id: Id::Role,
        name: "role",
        short: "Role the stream workers run as.",
        long: "Empty (the default) means the bootstrap superuser. Restart to change.",
        context: Context::Restart,
        kind: Kind::Text { setting: &ROLE, check: None },
    },
    Setting {
        id: Id::Workers,
        name: "workers",
        short: "Number of stream background workers.",
        long: "0 disables the stream. Default 1. Restart to change.",
        context: Context::Restart,
        kind: Kind::Int { setting: &WORKERS, min: 0, max: MAX_WORKERS, unit: GucFlags::empty() },
    },
    Setting {
        id: Id::Enabled,
        name: "enabled",
        short: "Whether the stream runs.",
        long: "off keeps the workers connected but paused. alimentador_pause()/alimentador_resume() override it at run time. Reloadable.",
        context: Context::Reload,
        kind: Kind::Bool(&ENABLED),
    },
    Setting {
        id: Id::Rate,
        name: "rate",
        short: "Target operations per second of each database, its workers together.",
        long: "Default 0.5 (one operation every 2 s). 0 means as fast as the server allows; otherwise from 0.001 (one operation every 1000 s) to 1000000. Reloadable.",
        context: Context::Reload,
        kind: Kind::Float { setting: &RATE, min: 0.0, max: MAX_RATE, check: Some(check_rate_setting) },
    },
    Setting {
        id: Id::Weights,
        name: "weights",
        short: "Weights of the stream's operations, e.g. insert_consulta=30,delete_consulta=2.",
        long: "Starts from the default 70/30 mix and changes the named operations; may start with a profile: {profiles} (alimentador_profiles() describes them). Reloadable.",
        context: Context::Reload,
        kind: Kind::Text { setting: &WEIGHTS, check: Some(check_weights) },
    },
    Setting {
        id: Id::Schedule,
        name: "schedule",
        short: "Load shape: a factor over time that multiplies alimentador.rate, e.g. daily or step=1x:60s,3x:60s.",
        long: "constant (the default), daily, step=F:D,..., ramp=F..F:D, burst=F for D every D [at D]; shapes joined with ';' multiply. Reloadable.",
        context: Context::Reload,
        kind: Kind::Text { setting: &SCHEDULE, check: Some(check_schedule) },
    },
    Setting {
        id: Id::Skew,
        name: "skew",
        short: "How rows to update or delete are picked: uniform or zipfian[:S] (a few hot rows get most updates).",
        long: "uniform (the default) starts each pick at a uniformly random point of the id range; zipfian:S (default S 1.1) at a Zipf-distributed rank scattered over the range. Reloadable.",
        context: Context::Reload,
        kind: Kind::Text { setting: &SKEW, check: Some(check_skew) },
    },
    Setting {
        id: Id::Arrivals,
        name: "arrivals",
        short: "How operations are spaced in time: uniform or poisson.",
        long: "uniform spaces them evenly; poisson draws exponential gaps with the same mean rate. Reloadable.",
        context: Context::Reload,
        kind: Kind::Arrivals,
    },
    Setting {
        id: Id::OpsPerTransaction,
        name: "ops_per_transaction",
        short: "Operations grouped in one transaction.",
        long: "Default 1: each operation commits on its own. Reloadable.",
        context: Context::Reload,
        kind: Kind::Int { setting: &OPS_PER_TRANSACTION, min: 1, max: MAX_OPS_PER_TRANSACTION, unit: GucFlags::empty() },
    },
    Setting {
        id: Id::RngSeed,
        name: "semente",
        short: "Random seed (semente) of the stream.",
        long: "0 (the default) draws a fresh seed at each worker start; another value makes worker N's choices repeatable. Reloadable (applies when a worker starts).",
        context: Context::Reload,
        kind: Kind::Int { setting: &RNG_SEED, min: 0, max: i32::MAX, unit: GucFlags::empty() },
    },
    Setting {
        id: Id::Ledger,
        name: "ledger",
        short: "Whether each stream transaction emits its ledger message: off, counts or keys.",
        long: "counts (the default): every worker transaction that changed rows emits a transactional logical message (prefix alimentador.tx) with the worker, a gap-free sequence number, the operations and the rows per table and change; keys adds the primary keys changed. Reloadable.",
        context: Context::Reload,
        kind: Kind::Ledger,
    },
    Setting {
        id: Id::HeartbeatInterval,
        name: "heartbeat_interval",
        short: "Seconds of stream inactivity after which the first worker of each database touches hospital.pulso.",
        long: "Keeps replication slots advancing while the stream is paused or slow. Default 10s; 0 turns it off. Reloadable.",
        context: Context::Reload,
        kind: Kind::Int { setting: &HEARTBEAT_INTERVAL, min: 0, max: 86_400, unit: GucFlags::UNIT_S },
    },
    Setting {
        id: Id::MarkerInterval,
        name: "marker_interval",
        short: "Seconds between verification markers (logical decoding messages) from each worker.",
        long: "Markers carry the worker's cumulative committed counts; they are also sent when a worker starts streaming and when it pauses. Default 60s; 0 sends only those. Reloadable.",
        context: Context::Reload,
        kind: Kind::Int { setting: &MARKER_INTERVAL, min: 0, max: 86_400, unit: GucFlags::UNIT_S },
    },
    Setting {
        id: Id::LockTimeout,
        name: "lock_timeout",
        short: "How long a worker's statement waits for a lock before the worker rolls back and retries.",
        long: "The worker's lock_timeout: while another session holds a lock the stream needs, the worker shows 'waiting for lock' and still answers pause and terminate. Default 1s. Reloadable.",
        context: Context::Reload,
        kind: Kind::Int { setting: &LOCK_TIMEOUT, min: 10, max: 3_600_000, unit: GucFlags::UNIT_MS },
    },
    Setting {
        id: Id::LongTransactionDuration,
        name: "long_transaction_duration",
        short: "How long transacao_longa, bloqueio_de_linhas and ocioso_em_transacao keep their transaction open.",
        long: "Default 30s, at most 10min. Those operations are off by default (weight 0; the long-tx profile turns them on); one worker at a time holds one, a pause ends it. Reloadable.",
        context: Context::Reload,
        kind: Kind::Int { setting: &LONG_TRANSACTION_DURATION, min: 1, max: 600, unit: GucFlags::UNIT_S },
    },
    Setting {
        id: Id::TimeScale,
        name: "time_scale",
        short: "The hospital clock's pace: simulated seconds per real second (1 = real time, 168 = a week an hour).",
        long: "The workers date appointments, collections, results, admissions, discharges and readings by the hospital clock, and move lifecycles along by it; created_at/updated_at stay real. A new value applies from the moment it is read: the clock never jumps. From 1 to 100000. Reloadable.",
        context: Context::Reload,
        kind: Kind::Float { setting: &TIME_SCALE, min: crate::clock::MIN_SCALE, max: crate::clock::MAX_SCALE, check: None },
    },
    Setting {
        id: Id::VitalsRetention,
        name: "vitais_retencao",
        short: "Days of hospital.sinais_vitais partitions kept; older ones are dropped (0 keeps them all).",
        long: "Default 0: no partition is ever dropped. N > 0: whoever creates the coming days' partitions (the stream's insert_sinal_vital, alimentador_particoes_vitais()) drops the daily partitions that ended more than N days ago. A dropped partition emits no delete events. Reloadable; a superuser may SET it in a session.",
        context: Context::Superuser,
        kind: Kind::Int { setting: &VITALS_RETENTION, min: 0, max: 3650, unit: GucFlags::empty() },
    },
];

/// The most operations in one transaction (`alimentador.ops_per_transaction`, and the argument of
/// `alimentador_stream()`/`alimentador_run()`).
pub const MAX_OPS_PER_TRANSACTION: i32 = 10_000;

/// Registers the settings of [`SETTINGS`]. Called from `_PG_init`; the restart-only ones
/// (database, role, workers) only while preloading.
pub fn register(preloading: bool) {
    for setting in SETTINGS {
        if preloading || !setting.restart_only() {
            define(setting);
        }
    }
    reserve_prefix();
}

/// A static C string, made once per process (settings are defined once, in `_PG_init`).
fn c_text(text: &str) -> &'static CStr {
    Box::leak(CString::new(text).unwrap_or_default().into_boxed_c_str())
}

fn define(s: &Setting) {
    let name = c_text(&format!("alimentador.{}", s.name));
    let long = match s.id {
        // The profiles come from their own list, so the description cannot drift from it.
        Id::Weights => c_text(
            &s.long
                .replace("{profiles}", &crate::weights::profile_names()),
        ),
        _ => c_text(s.long),
    };
    let (short, context) = (c_text(s.short), s.context.guc());
    match s.kind {
        Kind::Bool(setting) => {
            GucRegistry::define_bool_guc(name, short, long, setting, context, GucFlags::default())
        }
        Kind::Int {
            setting,
            min,
            max,
            unit,
        } => GucRegistry::define_int_guc(name, short, long, setting, min, max, context, unit),
        Kind::Float {
            setting,
            min,
            max,
            check,
        } => GucRegistry::define_float_guc_with_hooks(
            name,
            short,
            long,
            setting,
            min,
            max,
            context,
            GucFlags::default(),
            check,
            None,
            None,
        ),
        Kind::Text { setting, check } => {
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
                    Some(text_changed),
                    None,
                )
            }
        }
        Kind::Ledger => {
            GucRegistry::define_enum_guc(name, short, long, &LEDGER, context, GucFlags::default())
        }
        Kind::Arrivals => {
            GucRegistry::define_enum_guc(name, short, long, &ARRIVALS, context, GucFlags::default())
        }
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

/// The body of a string setting's check hook: `parse` says why a value is invalid, and PostgreSQL
/// then rejects the value with that reason as DETAIL and `hint` as HINT.
///
/// # Safety
/// `newval` is the pointer PostgreSQL passes to a string check hook.
unsafe fn check_text<E: std::fmt::Display>(
    newval: *mut *mut c_char,
    parse: impl FnOnce(&str) -> Result<(), E>,
    hint: Option<String>,
) -> bool {
    // SAFETY: PostgreSQL passes a valid pointer to a (possibly NULL) C string.
    let text = unsafe {
        (*newval)
            .as_ref()
            .map(|p| CStr::from_ptr(p).to_string_lossy().into_owned())
    };
    accept(parse(text.as_deref().unwrap_or("")), hint)
}

/// What a check hook returns: true for a valid value; otherwise false, with the reason as DETAIL
/// and `hint` as HINT of the ERROR PostgreSQL raises.
fn accept<T, E: std::fmt::Display>(checked: Result<T, E>, hint: Option<String>) -> bool {
    let Err(reason) = checked else {
        return true;
    };
    let detail = CString::new(reason.to_string()).unwrap_or_default();
    // SAFETY: copied into PostgreSQL's memory, as GUC_check_errdetail()/errhint() do.
    unsafe {
        pg_sys::GUC_check_errdetail_string = pg_sys::pstrdup(detail.as_ptr());
        if let Some(hint) = hint.and_then(|h| CString::new(h).ok()) {
            pg_sys::GUC_check_errhint_string = pg_sys::pstrdup(hint.as_ptr());
        }
    }
    false
}

#[pg_guard]
unsafe extern "C-unwind" fn check_rate_setting(
    newval: *mut f64,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    // SAFETY: PostgreSQL passes a valid pointer to the new value.
    let rate = unsafe { *newval };
    accept(check_rate(rate), Some(RATE_HINT.to_string()))
}

/// The least positive rate, in operations per second (one operation every 1000 s): a positive rate
/// below it is refused, so that no rate rounds down to a worker share of 0, which means unlimited.
pub const MIN_RATE: f64 = 0.001;
/// The greatest rate, in operations per second.
pub const MAX_RATE: f64 = 1_000_000.0;
/// The hint given with a refused rate, wherever it comes from.
pub const RATE_HINT: &str =
    "Use 0 for unlimited, or from 0.001 (one operation every 1000 s) to 1000000 operations per second.";

/// Why a rate is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateError {
    NotFinite(f64),
    Negative(f64),
    BelowMinimum(f64),
    AboveMaximum(f64),
}

impl std::fmt::Display for RateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rule = "a rate is 0 (unlimited) or from 0.001 to 1000000 operations per second";
        match self {
            RateError::NotFinite(v) | RateError::Negative(v) | RateError::AboveMaximum(v) => {
                write!(f, "{rule}, got {}", number(*v))
            }
            RateError::BelowMinimum(v) => write!(
                f,
                "{rule}, got {}: above 0 but below the least rate {MIN_RATE}",
                number(*v)
            ),
        }
    }
}

/// A number as a message shows it: plainly, or in exponent form when very large or small (Rust's
/// plain form of 1e308 has 309 digits).
fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e16).contains(&v.abs()) {
        v.to_string()
    } else {
        format!("{v:e}")
    }
}

impl std::error::Error for RateError {}

/// The one rule for a total rate, wherever it is set (alimentador.rate, alimentador_set_rate(), the
/// controls file): 0 means unlimited, otherwise from [`MIN_RATE`] to [`MAX_RATE`].
pub fn check_rate(rate: f64) -> Result<f64, RateError> {
    if !rate.is_finite() {
        Err(RateError::NotFinite(rate))
    } else if rate < 0.0 {
        Err(RateError::Negative(rate))
    } else if rate == 0.0 {
        Ok(0.0)
    } else if rate < MIN_RATE {
        Err(RateError::BelowMinimum(rate))
    } else if rate > MAX_RATE {
        Err(RateError::AboveMaximum(rate))
    } else {
        Ok(rate)
    }
}

/// One worker's share of a total rate: 0 (unlimited) only when the total is 0; a positive total
/// never gives a share of 0, whatever the number of workers.
pub fn rate_share(total: f64, workers: usize) -> f64 {
    if total > 0.0 {
        (total / workers.max(1) as f64).max(f64::MIN_POSITIVE)
    } else {
        0.0
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_weights(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    // SAFETY: called by PostgreSQL as a string check hook.
    unsafe { check_text(newval, |t| Weights::parse(t).map(drop), None) }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_schedule(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    let hint = format!("Valid forms: {}", schedule::FORMS);
    // SAFETY: called by PostgreSQL as a string check hook.
    unsafe { check_text(newval, |t| Schedule::parse(t).map(drop), Some(hint)) }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_skew(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    let hint = format!("Valid forms: {}.", skew::FORMS);
    // SAFETY: called by PostgreSQL as a string check hook.
    unsafe { check_text(newval, |t| Skew::parse(t).map(drop), Some(hint)) }
}

#[pg_guard]
unsafe extern "C-unwind" fn check_databases(
    newval: *mut *mut c_char,
    _extra: *mut *mut c_void,
    _source: pg_sys::GucSource::Type,
) -> bool {
    let hint = DatabaseListError::HINT.to_string();
    // SAFETY: called by PostgreSQL as a string check hook.
    unsafe { check_text(newval, |t| parse_databases(t).map(drop), Some(hint)) }
}

/// Why an `alimentador.database` list is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseListError {
    Empty,
    EmptyName,
    TooLong(String),
    Repeated(String),
    TooMany(usize),
}

impl DatabaseListError {
    const HINT: &'static str =
        "Name one database, or several separated by commas: 'hospital' or 'hospital_a, hospital_b'.";
}

impl std::fmt::Display for DatabaseListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseListError::Empty => write!(f, "no database is named"),
            DatabaseListError::EmptyName => write!(
                f,
                "the list has an empty name (two commas in a row, or a comma at an end)"
            ),
            DatabaseListError::TooLong(name) => write!(
                f,
                "database name \"{}\" is longer than {} bytes",
                crate::echo::truncated(name),
                pg_sys::NAMEDATALEN - 1
            ),
            DatabaseListError::Repeated(name) => {
                write!(
                    f,
                    "database \"{}\" is listed twice",
                    crate::echo::truncated(name)
                )
            }
            DatabaseListError::TooMany(n) => {
                write!(
                    f,
                    "{n} databases are listed; at most {MAX_DATABASES} are supported"
                )
            }
        }
    }
}

impl std::error::Error for DatabaseListError {}

/// The databases of `alimentador.database`: names separated by commas, spaces around them ignored,
/// case kept (a database name is taken as written, as in `psql -d`).
pub fn parse_databases(text: &str) -> Result<Vec<String>, DatabaseListError> {
    if text.trim().is_empty() {
        return Err(DatabaseListError::Empty);
    }
    let mut names: Vec<String> = Vec::new();
    for part in text.split(',') {
        let name = part.trim();
        if name.is_empty() {
            return Err(DatabaseListError::EmptyName);
        }
        if name.len() >= pg_sys::NAMEDATALEN as usize {
            return Err(DatabaseListError::TooLong(name.to_string()));
        }
        if names.iter().any(|n| n == name) {
            return Err(DatabaseListError::Repeated(name.to_string()));
        }
        names.push(name.to_string());
    }
    if names.len() > MAX_DATABASES {
        return Err(DatabaseListError::TooMany(names.len()));
    }
    Ok(names)
}

fn text(setting: &GucSetting<Option<CString>>) -> Option<String> {
    setting
        .get()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
}

/// The text settings parsed: built once per change of any of them (a reload, SET or RESET), not
/// on every batch.
#[derive(Clone, Copy)]
struct Parsed {
    weights: Weights,
    schedule: Schedule,
    skew: Skew,
}

/// Bumped by the assign hook of the text settings, whenever this process's value of one changes.
static GENERATION: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The parsed settings and the generation they were parsed at (0: never).
    static PARSED: Cell<(u64, Option<Parsed>)> = const { Cell::new((0, None)) };
}

#[pg_guard]
unsafe extern "C-unwind" fn text_changed(_newval: *const c_char, _extra: *mut c_void) {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

fn parsed() -> Parsed {
    let generation = GENERATION.load(Ordering::Relaxed);
    PARSED.with(|cell| match cell.get() {
        (at, Some(parsed)) if at == generation => parsed,
        _ => {
            // The check hooks guarantee the values parse.
            let parsed = Parsed {
                weights: Weights::parse(text(&WEIGHTS).as_deref().unwrap_or(""))
                    .unwrap_or_default(),
                schedule: Schedule::parse(text(&SCHEDULE).as_deref().unwrap_or(""))
                    .unwrap_or_default(),
                skew: Skew::parse(text(&SKEW).as_deref().unwrap_or("")).unwrap_or_default(),
            };
            cell.set((generation, Some(parsed)));
            parsed
        }
    })
}

/// The configured weights.
pub fn weights() -> Weights {
    parsed().weights
}

/// The configured load shape.
pub fn schedule() -> Schedule {
    parsed().schedule
}

/// The configured skew.
pub fn skew() -> Skew {
    parsed().skew
}

/// The databases the workers stream into (the check hook guarantees the list parses).
pub fn databases() -> Vec<String> {
    text(&DATABASE)
        .and_then(|t| parse_databases(&t).ok())
        .unwrap_or_else(|| vec!["postgres".into()])
}

/// Workers per database (`alimentador.workers`).
pub fn workers_per_database() -> usize {
    WORKERS.get().max(0) as usize
}

/// Every worker of the server: `alimentador.workers` for each database listed.
pub fn total_workers() -> usize {
    workers_per_database() * databases().len()
}

/// Which database worker `index` streams into (workers are numbered database by database).
pub fn database_of(index: usize) -> (usize, String) {
    let databases = databases();
    let position = (index / workers_per_database().max(1)).min(databases.len() - 1);
    (position, databases[position].clone())
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
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_a_rate() {
        assert_eq!(check_rate(0.0), Ok(0.0));
        assert_eq!(check_rate(MIN_RATE), Ok(MIN_RATE));
        assert_eq!(check_rate(0.5), Ok(0.5));
        assert_eq!(check_rate(MAX_RATE), Ok(MAX_RATE));
        assert_eq!(check_rate(5e-324), Err(RateError::BelowMinimum(5e-324)));
        assert_eq!(check_rate(0.0009), Err(RateError::BelowMinimum(0.0009)));
        assert_eq!(check_rate(-5.0), Err(RateError::Negative(-5.0)));
        assert_eq!(check_rate(1e308), Err(RateError::AboveMaximum(1e308)));
        assert!(matches!(check_rate(f64::NAN), Err(RateError::NotFinite(_))));
        assert!(matches!(
            check_rate(f64::INFINITY),
            Err(RateError::NotFinite(_))
        ));
        assert!(check_rate(5e-324)
            .unwrap_err()
            .to_string()
            .ends_with("got 5e-324: above 0 but below the least rate 0.001"));
        assert!(check_rate(1e308)
            .unwrap_err()
            .to_string()
            .ends_with("got 1e308"));
        assert!(check_rate(-5.0)
            .unwrap_err()
            .to_string()
            .ends_with("got -5"));
    }

    #[test]
    fn a_positive_rate_never_shares_to_unlimited() {
        assert_eq!(rate_share(0.0, 16), 0.0);
        assert_eq!(rate_share(10.0, 4), 2.5);
        assert_eq!(rate_share(10.0, 0), 10.0);
        assert!(rate_share(MIN_RATE, MAX_WORKERS as usize) > 0.0);
        assert!(rate_share(5e-324, 16) > 0.0);
    }

    #[test]
    fn one_or_several_databases() {
        assert_eq!(parse_databases("hospital").unwrap(), vec!["hospital"]);
        assert_eq!(
            parse_databases(" hospital_a,hospital_b , Hospital C ").unwrap(),
            vec!["hospital_a", "hospital_b", "Hospital C"]
        );
    }

    #[test]
    fn bad_database_lists() {
        assert_eq!(parse_databases(""), Err(DatabaseListError::Empty));
        assert_eq!(parse_databases("  "), Err(DatabaseListError::Empty));
        assert_eq!(parse_databases("a,,b"), Err(DatabaseListError::EmptyName));
        assert_eq!(parse_databases("a,"), Err(DatabaseListError::EmptyName));
        assert_eq!(
            parse_databases("a, b, a"),
            Err(DatabaseListError::Repeated("a".into()))
        );
        let long = "x".repeat(64);
        assert_eq!(
            parse_databases(&long),
            Err(DatabaseListError::TooLong(long.clone()))
        );
        assert!(parse_databases(&"y".repeat(63)).is_ok());
        let nine = (1..=9)
            .map(|i| format!("h{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_databases(&nine), Err(DatabaseListError::TooMany(9)));
    }
}
