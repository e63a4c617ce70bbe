//! The SQL functions, usable from psql. Thin: each checks its arguments and calls the module that
//! does the work. Run-time controls of the workers are superuser-only unless EXECUTE is granted
//! (see sql/finalize.sql).

use std::cell::RefCell;

use pgrx::datum::TimestampWithTimeZone;
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::controls::{self, Overrides, RunOverride};
use crate::model::{Change, OpKind, Table, Tally};
use crate::schedule::{self, Schedule};
use crate::seed::{self, Inserted};
use crate::status::{self, WorkerSlot};
use crate::stream::Engine;
use crate::weights::{Weights, PROFILES};
use crate::{errors, overrides, settings, timeline, transaction};

fn table_rows(
    rows: Inserted,
) -> TableIterator<'static, (name!(tabela, String), name!(linhas, i64))> {
    TableIterator::new(rows.into_iter().map(|(t, n)| (t.name().to_string(), n)))
}

const SCALE_HINT: &str = "1 loads about 13,000 rows; 100 about 1.3 million.";

/// Seeds the hospital: at scale 1 ~13k rows, proportional at other scales.
/// Arguments are Options so that a NULL gets our message instead of pgrx's (a function with an
/// Option argument is not STRICT).
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_seed(
    scale: default!(Option<f64>, 1.0),
    semente: default!(Option<i64>, "NULL"),
    append: default!(Option<bool>, false),
) -> TableIterator<'static, (name!(tabela, String), name!(linhas, i64))> {
    errors::clean(|| {
        let scale = errors::required(scale, "scale", SCALE_HINT);
        let append = errors::required(append, "append", "");
        table_rows(seed::seed(scale, semente, append).unwrap_or_else(|e| e.raise()))
    })
}

/// Empties the hospital (identities restarted, lookup convenios kept) and, by default, reseeds it.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_reset(
    reseed: default!(Option<bool>, true),
    scale: default!(Option<f64>, 1.0),
    semente: default!(Option<i64>, "NULL"),
) -> TableIterator<'static, (name!(tabela, String), name!(linhas, i64))> {
    errors::clean(|| {
        let reseed = errors::required(reseed, "reseed", "");
        let scale = errors::required(scale, "scale", SCALE_HINT);
        table_rows(seed::reset(reseed, scale, semente).unwrap_or_else(|e| e.raise()))
    })
}

/// Exact row counts per table.
#[pg_extern(volatile, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_counts() -> TableIterator<'static, (name!(tabela, String), name!(linhas, i64))> {
    errors::clean(|| TableIterator::new(seed::counts().unwrap_or_else(|e| e.raise())))
}

thread_local! {
    /// The session's engine, kept so its prepared plans are reused across calls.
    static SESSION_ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

pub(crate) fn parse_weights(text: Option<&str>) -> Weights {
    match text.map(Weights::parse) {
        None => settings::weights(),
        Some(Ok(w)) => w,
        // The reason quotes the offending part of the user's text, cut short.
        Some(Err(reason)) => errors::invalid_parameter(
            format!("invalid weights: {reason}"),
            &crate::weights::hint(),
        ),
    }
}

/// Runs `ops` operations of the stream in this session (no worker needed). Each group of
/// `ops_per_transaction` operations is a subtransaction: one that fails is rolled back and counted,
/// the rest go on. All of them commit with the caller's transaction.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_stream(
    ops: Option<i32>,
    weights: default!(Option<&str>, "NULL"),
    semente: default!(Option<i64>, "NULL"),
    ops_per_transaction: default!(Option<i32>, 1),
) -> TableIterator<
    'static,
    (
        name!(operacao, String),
        name!(feitas, i64),
        name!(puladas, i64),
        name!(falhas, i64),
    ),
> {
    errors::clean(|| stream(ops, weights, semente, ops_per_transaction))
}

type StreamRows = TableIterator<
    'static,
    (
        name!(operacao, String),
        name!(feitas, i64),
        name!(puladas, i64),
        name!(falhas, i64),
    ),
>;

fn stream(
    ops: Option<i32>,
    weights: Option<&str>,
    rng_seed: Option<i64>,
    ops_per_transaction: Option<i32>,
) -> StreamRows {
    let ops = errors::required(
        ops,
        "ops",
        "The number of operations to run, 1 to 10000000.",
    );
    let ops_per_transaction = errors::required(
        ops_per_transaction,
        "ops_per_transaction",
        "Operations per subtransaction, 1 to 10000.",
    );
    if !(1..=10_000_000).contains(&ops) {
        errors::invalid_parameter(format!("ops must be from 1 to 10000000, got {ops}"), "");
    }
    if !(1..=settings::MAX_OPS_PER_TRANSACTION).contains(&ops_per_transaction) {
        errors::invalid_parameter(
            format!("ops_per_transaction must be from 1 to 10000, got {ops_per_transaction}"),
            "",
        );
    }
    let weights = parse_weights(weights);
    let (tally, failed) = SESSION_ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if rng_seed.is_some() || slot.is_none() {
            *slot = Some(Engine::new(
                rng_seed.map_or_else(Engine::random_seed, |s| s as u64),
                0,
            ));
        }
        let Some(engine) = slot.as_mut() else {
            errors::internal("the session's stream engine is missing")
        };
        if !engine.seeded() {
            errors::not_ready(
                "the hospital has not been seeded",
                "Run SELECT alimentador_seed(); first.",
            );
        }
        engine.set_skew(settings::skew());
        stream_in_session(engine, &weights, ops as u32, ops_per_transaction as u32)
    });
    let rows = OpKind::ALL.iter().filter_map(move |k| {
        let i = *k as usize;
        let any = tally.done[i] + tally.skipped[i] + failed[i] > 0;
        any.then(|| {
            (
                k.name().to_string(),
                tally.done[i] as i64,
                tally.skipped[i] as i64,
                failed[i] as i64,
            )
        })
    });
    TableIterator::new(rows.collect::<Vec<_>>())
}

fn stream_in_session(
    engine: &mut Engine,
    weights: &Weights,
    ops: u32,
    group: u32,
) -> (Tally, [u64; OpKind::COUNT]) {
    let mut tally = Tally::default();
    let mut failed = [0u64; OpKind::COUNT];
    let mut left = ops;
    while left > 0 {
        let n = left.min(group);
        left -= n;
        match transaction::sub(|| engine.run_batch(weights, n, false)) {
            Ok(batch) => tally.merge(&batch.tally),
            Err(failure) => {
                let kind = engine.current.take().unwrap_or(OpKind::InsertPaciente);
                failed[kind as usize] += 1;
                warning!("alimentador: {kind} failed and was rolled back: {failure}");
            }
        }
    }
    (tally, failed)
}

fn timestamptz(t: pg_sys::TimestampTz) -> Option<TimestampWithTimeZone> {
    (t != 0)
        .then(|| TimestampWithTimeZone::try_from(t).ok())
        .flatten()
}

/// One row per configured worker: state, counters of committed work, current rate, last error.
#[pg_extern(volatile, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
#[allow(clippy::type_complexity)] // pgrx needs the columns spelled out in the signature
fn alimentador_status() -> TableIterator<
    'static,
    (
        name!(worker, i32),
        name!(banco, String),
        name!(pid, Option<i32>),
        name!(estado, String),
        name!(desde, Option<TimestampWithTimeZone>),
        name!(ops_por_segundo, f64),
        name!(feitas, i64),
        name!(puladas, i64),
        name!(falhas, i64),
        name!(esperas_por_lock, i64),
        name!(transacoes, i64),
        name!(razao_seq, i64),
        name!(ultimo_erro, Option<String>),
        name!(ultimo_erro_em, Option<TimestampWithTimeZone>),
        name!(batimentos, i64),
        name!(marcadores, i64),
        name!(feitas_por_operacao, JsonB),
        name!(puladas_por_operacao, JsonB),
        name!(linhas, JsonB),
        name!(taxa_alvo, f64),
        name!(taxa_10s, f64),
        name!(agenda_desde, Option<TimestampWithTimeZone>),
    ),
> {
    status::require_preloaded();
    let shared = status::snapshot();
    let schedule_since = timestamptz(shared.control.schedule_since);
    let rows: Vec<_> = shared.workers[..settings::total_workers()]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                i as i32,
                settings::database_of(i).1,
                (s.pid != 0).then_some(s.pid),
                s.state.name().to_string(),
                timestamptz(s.since),
                s.ops_per_sec,
                s.committed.done_total() as i64,
                s.committed.skipped.iter().sum::<u64>() as i64,
                s.failed as i64,
                s.lock_waits as i64,
                s.transactions as i64,
                s.ledger_seq,
                s.last_error(),
                timestamptz(s.last_error_at),
                s.heartbeats as i64,
                s.markers as i64,
                JsonB(s.done_json()),
                JsonB(s.skipped_json()),
                JsonB(s.rows_json()),
                s.target_rate,
                s.rate_10s,
                schedule_since,
            )
        })
        .collect();
    TableIterator::new(rows)
}

/// Row changes committed since they started by the workers of this database (with several
/// databases in `alimentador.database`, each has its own), per table and change, heartbeats
/// included (pulso): what a CDC consumer of this database must have received from the workers.
#[pg_extern(volatile, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_changes() -> TableIterator<
    'static,
    (
        name!(tabela, String),
        name!(operacao, String),
        name!(linhas, i64),
    ),
> {
    status::require_preloaded();
    let shared = status::snapshot();
    let here = current_database();
    let ours: Vec<&WorkerSlot> = shared.workers[..settings::total_workers()]
        .iter()
        .enumerate()
        .filter(|(i, _)| settings::database_of(*i).1 == here)
        .map(|(_, s)| s)
        .collect();
    let mut rows = Vec::new();
    for t in Table::ALL {
        for c in Change::ALL {
            let n: u64 = ours.iter().map(|s| s.committed.rows.get(t, c)).sum();
            rows.push((t.name().to_string(), c.name().to_string(), n as i64));
        }
    }
    // The heartbeat row is only ever updated.
    let heartbeats: u64 = ours.iter().map(|s| s.heartbeats).sum();
    for c in Change::ALL {
        let n = if c == Change::Update { heartbeats } else { 0 };
        rows.push(("pulso".to_string(), c.name().to_string(), n as i64));
    }
    TableIterator::new(rows)
}

/// The hospital clock now (alimentador.time_scale, clock.rs): the time the workers date their rows
/// by and move lifecycles along by. The real time at scale 1, or without the preload.
#[pg_extern(volatile, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_relogio() -> TimestampWithTimeZone {
    TimestampWithTimeZone::try_from(timeline::hospital_now())
        .expect("the hospital clock within PostgreSQL's range")
}

/// The name of the database this session is connected to.
fn current_database() -> String {
    // SAFETY: MyDatabaseId is set in a connected backend; get_database_name returns a palloc'd copy
    // (NULL only for a database dropped under us, which a connected session prevents).
    unsafe {
        let name = pg_sys::get_database_name(pg_sys::MyDatabaseId);
        if name.is_null() {
            return String::new();
        }
        std::ffi::CStr::from_ptr(name)
            .to_string_lossy()
            .into_owned()
    }
}

/// The settings the workers use now, every `alimentador.*` setting (settings::SETTINGS):
/// postgresql.conf overridden by the run-time controls.
#[pg_extern(volatile, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_settings() -> TableIterator<
    'static,
    (
        name!(nome, String),
        name!(valor, String),
        name!(origem, String),
    ),
> {
    status::require_preloaded();
    let o = overrides::control().overrides;
    let origin = |overridden: bool| {
        if overridden {
            format!("run-time control (kept in {})", controls::FILE_NAME)
        } else {
            "postgresql.conf".to_string()
        }
    };
    let rows: Vec<_> = settings::SETTINGS
        .iter()
        .map(|setting| {
            let (value, overridden) = shown(setting.id, &o);
            (setting.name.to_string(), value, origin(overridden))
        })
        .collect();
    TableIterator::new(rows)
}

/// What `alimentador_settings()` shows of a setting, and whether a run-time control overrides it.
fn shown(id: settings::Id, o: &Overrides) -> (String, bool) {
    use settings::Id;
    let conf = |value: String| (value, false);
    match id {
        Id::Enabled => (o.enabled().to_string(), o.run != RunOverride::FollowSetting),
        Id::Rate => (o.rate().to_string(), o.rate.is_some()),
        Id::Weights => (o.weights().to_text(), o.weights.is_some()),
        Id::Schedule => (o.schedule().to_text(), o.schedule.is_some()),
        Id::Skew => conf(settings::skew().to_text()),
        Id::Database => conf(settings::databases().join(", ")),
        Id::Role => conf(settings::role().unwrap_or_default()),
        Id::Workers => conf(settings::WORKERS.get().to_string()),
        Id::Arrivals => conf(settings::ARRIVALS.get().name().to_string()),
        Id::OpsPerTransaction => conf(settings::OPS_PER_TRANSACTION.get().to_string()),
        Id::RngSeed => conf(settings::RNG_SEED.get().to_string()),
        Id::Ledger => conf(settings::LEDGER.get().name().to_string()),
        Id::HeartbeatInterval => conf(format!("{}s", settings::HEARTBEAT_INTERVAL.get())),
        Id::MarkerInterval => conf(format!("{}s", settings::MARKER_INTERVAL.get())),
        Id::LockTimeout => conf(format!("{}ms", settings::LOCK_TIMEOUT.get())),
        Id::LongTransactionDuration => {
            conf(format!("{}s", settings::LONG_TRANSACTION_DURATION.get()))
        }
        Id::TimeScale => conf(settings::TIME_SCALE.get().to_string()),
        Id::VitalsRetention => conf(settings::VITALS_RETENTION.get().to_string()),
    }
}

/// Changes the run-time controls, which last across restarts (saved in the data directory).
fn change(f: impl FnOnce(&mut Overrides)) -> bool {
    status::require_preloaded();
    if let Err(e) = overrides::change(f) {
        errors::io_error(
            format!("could not save the run-time controls, nothing was changed: {e}"),
            "The server's data directory must be writable by PostgreSQL.",
        );
    }
    true
}

/// Pauses every worker within a second (overrides alimentador.enabled, also across restarts,
/// until resume or alimentador_clear_overrides()).
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_pause() -> bool {
    change(|o| o.run = RunOverride::Paused)
}

/// Resumes (or starts, when alimentador.enabled is off) every worker within a second.
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_resume() -> bool {
    change(|o| o.run = RunOverride::Running)
}

/// Sets the total target rate in operations per second (0 = unlimited, otherwise from 0.001 to
/// 1000000: settings::check_rate); NULL returns to alimentador.rate.
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_set_rate(ops_per_second: Option<f64>) -> bool {
    status::require_preloaded();
    if let Some(Err(reason)) = ops_per_second.map(settings::check_rate) {
        errors::invalid_parameter(
            format!("invalid rate: {reason}"),
            &format!("{} NULL returns to alimentador.rate.", settings::RATE_HINT),
        );
    }
    change(|o| o.rate = ops_per_second)
}

/// Sets the operation weights (same syntax as alimentador.weights); NULL returns to the setting.
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_set_weights(weights: Option<&str>) -> bool {
    status::require_preloaded();
    let parsed = weights.map(|w| parse_weights(Some(w)));
    change(|o| o.weights = parsed)
}

/// Sets the load shape (same syntax as alimentador.schedule) and starts it from its beginning now,
/// also when it is the shape already in force; NULL returns to the setting.
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_set_schedule(agenda: Option<&str>) -> bool {
    status::require_preloaded();
    let parsed = match agenda.map(Schedule::parse) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(reason)) => errors::invalid_parameter(
            format!("invalid schedule: {reason}"),
            &format!("Valid forms: {}", schedule::FORMS),
        ),
    };
    let done = change(|o| o.schedule = parsed);
    timeline::restart_schedule(overrides::control().overrides.schedule());
    done
}

/// Drops every run-time control: pause/resume, rate, weights and schedule follow postgresql.conf again.
#[pg_extern(volatile)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_clear_overrides() -> bool {
    change(|o| *o = Overrides::NONE)
}

/// The weight profiles (weights::PROFILES): name, what each is for, and the weights it changes from
/// the default mix (a weight list, '' for the default itself).
#[pg_extern(immutable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_profiles() -> TableIterator<
    'static,
    (
        name!(nome, String),
        name!(descricao, String),
        name!(pesos, String),
    ),
> {
    TableIterator::new(
        PROFILES
            .iter()
            .map(|p| {
                let list: Vec<&str> = p.weights.split(',').map(str::trim).collect();
                (
                    p.name.to_string(),
                    p.description.to_string(),
                    list.join(","),
                )
            })
            .collect::<Vec<_>>(),
    )
}

/// The operation kinds, their default weights and what each does.
#[pg_extern(immutable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_operations() -> TableIterator<
    'static,
    (
        name!(operacao, String),
        name!(peso_padrao, i32),
        name!(descricao, String),
    ),
> {
    TableIterator::new(
        OpKind::ALL
            .iter()
            .map(|k| {
                (
                    k.name().to_string(),
                    k.default_weight() as i32,
                    k.description().to_string(),
                )
            })
            .collect::<Vec<_>>(),
    )
}
