//! One turn of the stream, the same for a background worker (worker.rs) and for `CALL
//! alimentador_run(...)` (session.rs): wait until the pacer says a transaction is due (or a back-off
//! ends), run one batch of operations with its ledger message in a transaction (a worker) or a
//! subtransaction (a session), back off after failures, and tell the pacer the batch is done.

use std::time::{Duration, Instant};

use crate::backoff::{Report, Streak};
use crate::ledger::Ledger;
use crate::pacing::Pacer;
use crate::settings::LedgerSetting;
use crate::stream::{Batch, Engine};
use crate::transaction::{self, Failure};
use crate::weights::Weights;

/// Where a batch runs: its own transaction (a background worker, between transactions) or a
/// subtransaction of the caller's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Transaction,
    Subtransaction,
}

/// What to run in one turn.
pub struct Order<'a> {
    pub weights: &'a Weights,
    /// Operations in the transaction.
    pub ops: u32,
    pub ledger: LedgerSetting,
    /// The ledger's identity of the stream: a worker's index, or minus a run's number.
    pub stream: i32,
}

/// How a turn ended. (Returned once per transaction: the size of a batch's tally is no concern.)
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    /// The batch committed (to its subtransaction, for a session); `seq` is its ledger number.
    Committed { batch: Batch, seq: Option<i64> },
    /// lock_timeout expired: rolled back, retried without back-off (where the caller asked so).
    LockWait(Failure),
    /// The batch failed and was rolled back: counted in the back-off. `message` names the kind.
    Failed { message: String },
}

/// The pacing and back-off state of one stream (a worker or a run).
pub struct Turns {
    pub pacer: Pacer,
    failures: Streak,
    /// No attempt before this instant (backing off after failures).
    retry_at: Option<Instant>,
}

impl Turns {
    pub fn new(pacer: Pacer) -> Turns {
        Turns {
            pacer,
            failures: Streak::default(),
            retry_at: None,
        }
    }

    /// How long the back-off still lasts.
    pub fn backoff(&self, now: Instant) -> Duration {
        self.retry_at
            .map_or(Duration::ZERO, |at| at.saturating_duration_since(now))
    }

    /// How long until the next transaction may run: the pacer's wait or the back-off, the later.
    pub fn wait(&mut self, now: Instant) -> Duration {
        let backoff = self.backoff(now);
        self.pacer.wait(now).max(backoff)
    }

    /// No attempt for `pause` (an emptied hospital: look again later instead of flat out).
    pub fn hold_off(&mut self, pause: Duration) {
        self.retry_at = Some(Instant::now() + pause);
    }

    /// Failures keep coming (see backoff.rs).
    pub fn failing(&self) -> bool {
        self.failures.failing()
    }

    /// Runs one batch and, when it changed rows, its ledger message (numbered and described inside
    /// the transaction it describes), then tells the pacer. `report` gets what the back-off says
    /// should be logged; a lock wait is a failure unless `retry_lock_waits`.
    pub fn take(
        &mut self,
        engine: &mut Engine,
        ledger: Option<&mut Ledger>,
        order: &Order,
        scope: Scope,
        retry_lock_waits: bool,
        report: impl FnMut(Report),
    ) -> Outcome {
        let batch = || {
            let batch = engine.run_batch(
                order.weights,
                order.ops,
                order.ledger == LedgerSetting::Keys,
            );
            let seq = match ledger {
                Some(ledger)
                    if order.ledger != LedgerSetting::Off && batch.tally.done_total() > 0 =>
                {
                    Some(ledger.record(order.stream, &batch.tally, batch.keys.as_ref()))
                }
                _ => None,
            };
            (batch, seq)
        };
        let result = match scope {
            Scope::Transaction => transaction::top_level(batch),
            Scope::Subtransaction => transaction::sub(batch),
        };
        let outcome = match result {
            Ok((batch, seq)) => {
                self.succeeded(report);
                Outcome::Committed { batch, seq }
            }
            Err(failure) if retry_lock_waits && failure.is_lock_timeout() => {
                engine.current = None;
                Outcome::LockWait(failure)
            }
            Err(failure) => {
                let kind = engine.current.take().map_or("?", |k| k.name());
                let message = format!("{kind}: {failure}");
                self.failed(message.clone(), report);
                Outcome::Failed { message }
            }
        };
        let u = engine.uniform01();
        self.pacer.done(order.ops, u);
        outcome
    }

    /// A failure (of a batch or of a check): counted and backed off.
    pub fn failed(&mut self, message: String, mut report: impl FnMut(Report)) {
        let (wait, said) = self.failures.failed(message, Instant::now());
        self.retry_at = (!wait.is_zero()).then(|| Instant::now() + wait);
        if let Some(said) = said {
            report(said);
        }
    }

    fn succeeded(&mut self, mut report: impl FnMut(Report)) {
        self.retry_at = None;
        if let Some(said) = self.failures.succeeded(Instant::now()) {
            report(said);
        }
    }
}

/// A back-off report as a log line: `who` is "worker 3" or "alimentador_run 7".
pub fn describe(who: &str, report: Report) -> String {
    match report {
        Report::Failure { message } => format!("{who}: {message} (rolled back)"),
        Report::Summary {
            failures,
            seconds,
            last,
        } => format!(
            "{who}: {failures} attempts failed and were rolled back in the last {seconds} s; the last: {last}"
        ),
        Report::Recovered {
            in_a_row,
            unreported,
            last,
        } => format!(
            "{who}: operations succeed again after {in_a_row} failures in a row ({unreported} not reported yet); the last: {last}"
        ),
    }
}
