//! `CALL alimentador_run(...)`: the stream from a session, without shared_preload_libraries. The
//! procedure (sql/run.sql) commits after each call of [`alimentador_run_passo`], which runs exactly one
//! stream transaction's worth of operations in the caller's transaction — the same batches, ledger
//! message and pacing as a worker — and updates the run's row of `alimentador_execucoes` (the counters
//! a host without shared memory slots can see). A run's ledger identity is `worker = -execucao`, so its
//! `seq` is gap-free from 1 like a worker's and never collides with a worker's (0..15).

use std::cell::RefCell;
use std::fmt;
use std::time::{Duration, Instant};

use pgrx::datum::{DatumWithOid, Interval};
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::ledger::Ledger;
use crate::model::Tally;
use crate::pacing::Pacer;
use crate::settings::{self, LedgerSetting};
use crate::stream::Engine;
use crate::turn::{self, Order, Outcome, Scope, Turns};
use crate::weights::Weights;
use crate::{api, errors, report};

pgrx::extension_sql_file!(
    "../sql/run.sql",
    name = "run",
    requires = ["cdc", alimentador_run_inicio, alimentador_run_passo]
);

/// `%s` is the extension's schema, quoted.
const START: &str = include_str!("../sql/run/iniciar.sql");
const PROGRESS: &str = include_str!("../sql/run/progresso.sql");

/// How often a run tells the client its progress (a NOTICE).
const NOTICE_EVERY: Duration = Duration::from_secs(10);
/// How long a run waits before trying again when the hospital has been emptied.
const EMPTY_HOSPITAL_WAIT: Duration = Duration::from_secs(1);
/// The longest single sleep while pacing: the deadline and notices are checked in between.
const MAX_SLEEP: Duration = Duration::from_secs(1);

/// A bad argument of alimentador_run, raised as invalid_parameter_value.
#[derive(Debug, PartialEq)]
enum RunArgError {
    Ops(i64),
    Duration,
    Rate(crate::settings::RateError),
    OpsPerTransaction(i32),
    Ledger(String),
}

impl fmt::Display for RunArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunArgError::Ops(n) => {
                write!(f, "ops must be at least 1 (or NULL for no limit), got {n}")
            }
            RunArgError::Duration => {
                f.write_str("duration must be positive (or NULL for no limit)")
            }
            RunArgError::Rate(e) => write!(f, "invalid rate: {e}"),
            RunArgError::OpsPerTransaction(n) => {
                write!(f, "ops_per_transaction must be from 1 to 10000, got {n}")
            }
            RunArgError::Ledger(l) => write!(
                f,
                "ledger must be off, counts or keys, got \"{}\"",
                crate::echo::truncated(l)
            ),
        }
    }
}

impl RunArgError {
    fn hint(&self) -> &'static str {
        match self {
            RunArgError::Duration => "Example: duration => '5 minutes'.",
            RunArgError::Rate(_) => {
                "Use 0 for unlimited, or from 0.001 to 1000000 operations per second; NULL uses alimentador.rate."
            }
            _ => "",
        }
    }
}

fn check_ops(ops: Option<i64>) -> Result<Option<u64>, RunArgError> {
    match ops {
        Some(n) if n < 1 => Err(RunArgError::Ops(n)),
        other => Ok(other.map(|n| n as u64)),
    }
}

/// An interval's length (a month counts 30 days, as PostgreSQL's interval comparison does).
fn check_duration(micros: Option<i128>) -> Result<Option<Duration>, RunArgError> {
    match micros {
        None => Ok(None),
        Some(m) if m <= 0 => Err(RunArgError::Duration),
        Some(m) => Ok(Some(Duration::from_micros(
            u64::try_from(m).unwrap_or(u64::MAX),
        ))),
    }
}

fn check_rate(rate: f64) -> Result<f64, RunArgError> {
    crate::settings::check_rate(rate).map_err(RunArgError::Rate)
}

fn check_group(n: i32) -> Result<u32, RunArgError> {
    if (1..=settings::MAX_OPS_PER_TRANSACTION).contains(&n) {
        Ok(n as u32)
    } else {
        Err(RunArgError::OpsPerTransaction(n))
    }
}

fn parse_ledger(text: &str) -> Result<LedgerSetting, RunArgError> {
    LedgerSetting::from_name(text).ok_or_else(|| RunArgError::Ledger(text.to_string()))
}

fn or_raise<T>(r: Result<T, RunArgError>) -> T {
    r.unwrap_or_else(|e| errors::invalid_parameter(e.to_string(), e.hint()))
}

/// The run in progress in this session.
struct Run {
    id: i32,
    schema: String,
    engine: Engine,
    /// Pacing and back-off: failures in a row are backed off and reported in summaries, as a
    /// worker does.
    turns: Turns,
    weights: Weights,
    group: u32,
    level: LedgerSetting,
    ledger: Ledger,
    ops_limit: Option<u64>,
    started: Instant,
    deadline: Option<Instant>,
    /// Operations attempted (done, skipped or failed), the count `ops` limits.
    attempted: u64,
    tally: Tally,
    failed: u64,
    transactions: u64,
    seq: i64,
    last_error: Option<String>,
    last_notice: Instant,
}

thread_local! {
    static RUN: RefCell<Option<Run>> = const { RefCell::new(None) };
}

/// Starts a run (called by the procedure alimentador_run; not meant to be called alone): checks the
/// arguments, records the run in alimentador_execucoes and returns its number.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_run_inicio(
    ops: Option<i64>,
    duration: Option<Interval>,
    rate: Option<f64>,
    weights: Option<&str>,
    ops_per_transaction: Option<i32>,
    ledger: Option<&str>,
    semente: Option<i64>,
) -> i32 {
    errors::clean(|| {
        // SAFETY: reads the transaction state.
        if unsafe { pg_sys::IsTransactionBlock() } {
            crate::errors::active_transaction(
                "alimentador_run commits after every stream transaction, so it cannot run inside a transaction block",
                "Run CALL alimentador_run(...) on its own, not after BEGIN; for operations inside your transaction use alimentador_stream(ops).",
            );
        }
        let ops_limit = or_raise(check_ops(ops));
        let length = or_raise(check_duration(duration.map(|d| d.as_micros())));
        let rate = or_raise(check_rate(rate.unwrap_or_else(|| settings::RATE.get())));
        let group = or_raise(check_group(
            ops_per_transaction.unwrap_or_else(|| settings::OPS_PER_TRANSACTION.get()),
        ));
        let level = match ledger {
            None => settings::LEDGER.get(),
            Some(text) => or_raise(parse_ledger(text)),
        };
        let weights = api::parse_weights(weights);
        let mut engine = Engine::new(semente.map_or_else(Engine::random_seed, |s| s as u64), 0);
        if !engine.seeded() {
            errors::not_ready(
                "the hospital has not been seeded",
                "Run SELECT alimentador_seed(); first.",
            );
        }
        let schema = crate::extension::schema()
            .unwrap_or_else(|e| errors::internal(&format!("finding the extension's schema: {e}")))
            .unwrap_or_else(|| errors::internal("the extension alimentador is not installed"));
        let args: [DatumWithOid; 6] = [
            ops.into(),
            duration.into(),
            rate.into(),
            weights.to_text().into(),
            (group as i32).into(),
            level.name().into(),
        ];
        let id = Spi::get_one_with_args::<i32>(&START.replace("%s", &schema), &args)
            .unwrap_or_else(|e| errors::internal(&format!("recording the run: {e}")))
            .unwrap_or_else(|| errors::internal("recording the run returned no number"));
        let now = Instant::now();
        let run = Run {
            id,
            ledger: Ledger::new(schema.clone()),
            schema,
            engine,
            turns: Turns::new(Pacer::new(rate, settings::arrivals(), now)),
            weights,
            group,
            level,
            ops_limit,
            started: now,
            deadline: length.map(|d| now + d),
            attempted: 0,
            tally: Tally::default(),
            failed: 0,
            transactions: 0,
            seq: 0,
            last_error: None,
            last_notice: now,
        };
        RUN.with(|cell| *cell.borrow_mut() = Some(run));
        id
    })
}

/// One turn of alimentador_run (called by the procedure, which commits after it): waits until the
/// next transaction is due, runs it in the current transaction and returns true; returns false
/// (after recording the run as done) once ops operations ran or the duration passed.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_run_passo(execucao: Option<i32>) -> bool {
    errors::clean(|| {
        PgTryBuilder::new(|| {
            RUN.with(|cell| {
                let mut slot = cell.borrow_mut();
                match slot.as_mut() {
                    Some(run) if Some(run.id) == execucao => run.step(),
                    _ => errors::not_ready(
                        "no alimentador_run with this number is in progress in this session",
                        "alimentador_run_passo() is the inside of CALL alimentador_run(...); call the procedure.",
                    ),
                }
            })
        })
        // An ERROR (a cancel above all) ends the CALL: the run is over, its state must not be
        // picked up again by a later call.
        .catch_others(|e| {
            RUN.with(|cell| *cell.borrow_mut() = None);
            e.rethrow()
        })
        .execute()
    })
}

impl Run {
    fn finished(&self, now: Instant) -> bool {
        self.ops_limit.is_some_and(|n| self.attempted >= n)
            || self.deadline.is_some_and(|d| now >= d)
    }

    fn step(&mut self) -> bool {
        loop {
            let now = Instant::now();
            if self.finished(now) {
                self.save(true);
                notice!("alimentador_run {} done: {}", self.id, self.progress());
                return false;
            }
            let wait = self.turns.wait(now);
            if wait.is_zero() {
                break;
            }
            let until_deadline = self.deadline.map_or(MAX_SLEEP, |d| d - now);
            sleep(wait.min(until_deadline).min(MAX_SLEEP));
            self.notice_if_due();
        }
        let n = match self.ops_limit {
            Some(limit) => self.group.min((limit - self.attempted) as u32),
            None => self.group,
        };
        let order = Order {
            weights: &self.weights,
            ops: n,
            ledger: self.level,
            stream: -self.id,
        };
        let id = self.id;
        let outcome = self.turns.take(
            &mut self.engine,
            Some(&mut self.ledger),
            &order,
            Scope::Subtransaction,
            false,
            |report| warn(id, report),
        );
        match outcome {
            Outcome::Committed { batch, seq } => {
                self.tally.merge(&batch.tally);
                self.transactions += 1;
                if let Some(seq) = seq {
                    self.seq = seq;
                }
                // An emptied hospital (a reset without reseed, a TRUNCATE): everything skips; look
                // again in a second instead of committing empty transactions flat out.
                if batch.hospital_empty {
                    self.turns.hold_off(EMPTY_HOSPITAL_WAIT);
                }
            }
            Outcome::Failed { message } => {
                self.failed += 1;
                self.last_error = Some(message);
            }
            // Not asked for (retry_lock_waits is false): a lock wait is a failure like any other.
            Outcome::LockWait(failure) => {
                self.failed += 1;
                self.last_error = Some(failure.message);
            }
        }
        self.attempted += u64::from(n);
        self.save(false);
        self.notice_if_due();
        true
    }

    /// Writes the run's counters into its row, in the current transaction.
    fn save(&self, done: bool) {
        let skipped: u64 = self.tally.skipped.iter().sum();
        let args: [DatumWithOid; 11] = [
            self.id.into(),
            (self.tally.done_total() as i64).into(),
            (skipped as i64).into(),
            (self.failed as i64).into(),
            (self.transactions as i64).into(),
            self.seq.into(),
            self.last_error.clone().into(),
            JsonB(report::per_kind(&self.tally.done)).into(),
            JsonB(report::per_kind(&self.tally.skipped)).into(),
            JsonB(report::rows(&self.tally.rows)).into(),
            done.into(),
        ];
        Spi::run_with_args(&PROGRESS.replace("%s", &self.schema), &args)
            .unwrap_or_else(|e| errors::internal(&format!("recording the run's progress: {e}")));
    }

    fn progress(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64();
        let done = self.tally.done_total();
        format!(
            "{done} operations done, {} skipped, {} failed, in {} transactions; {:.1} ops/s over {secs:.0} s",
            self.tally.skipped.iter().sum::<u64>(),
            self.failed,
            self.transactions,
            if secs > 0.0 { done as f64 / secs } else { 0.0 },
        )
    }

    fn notice_if_due(&mut self) {
        if self.last_notice.elapsed() >= NOTICE_EVERY {
            self.last_notice = Instant::now();
            notice!("alimentador_run {}: {}", self.id, self.progress());
        }
    }
}

/// A WARNING for the client: the first failure in full, then at most one summary per 10 s while
/// failures go on, and a line when operations succeed again (src/backoff.rs, as the workers log).
fn warn(id: i32, report: crate::backoff::Report) {
    warning!(
        "{}",
        turn::describe(&format!("alimentador_run {id}"), report)
    );
}

/// Sleeps on the process latch: a cancel (Ctrl-C, pg_cancel_backend) or a terminate sets the latch and
/// is raised at once by the interrupt check.
fn sleep(d: Duration) {
    let events = pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH;
    // SAFETY: the backend's own latch, in a normal backend; WaitLatch is interruptible.
    unsafe {
        pg_sys::WaitLatch(
            pg_sys::MyLatch,
            events as i32,
            d.as_millis().max(1) as std::ffi::c_long,
            pg_sys::PG_WAIT_EXTENSION,
        );
        pg_sys::ResetLatch(pg_sys::MyLatch);
    }
    pg_sys::check_for_interrupts!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked() {
        assert_eq!(check_ops(Some(0)), Err(RunArgError::Ops(0)));
        assert_eq!(check_ops(None), Ok(None));
        assert_eq!(check_ops(Some(5)), Ok(Some(5)));
        assert_eq!(check_duration(Some(0)), Err(RunArgError::Duration));
        assert_eq!(check_duration(Some(-1)), Err(RunArgError::Duration));
        assert_eq!(
            check_duration(Some(1_500_000)),
            Ok(Some(Duration::from_millis(1500)))
        );
        assert!(check_rate(f64::NAN).is_err());
        assert!(check_rate(-1.0).is_err());
        assert_eq!(check_rate(0.0), Ok(0.0));
        assert!(check_group(0).is_err());
        assert_eq!(check_group(10), Ok(10));
        assert_eq!(parse_ledger(" Keys"), Ok(LedgerSetting::Keys));
        let long = "x".repeat(100);
        let e = parse_ledger(&long).unwrap_err().to_string();
        assert!(e.ends_with("…\""), "{e}");
    }
}
