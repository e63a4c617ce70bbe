//! The stream engine: draws operation kinds by weight and runs them. One engine serves both the
//! background workers and `alimentador_stream()` in a session; the caller decides the transaction
//! boundary (a transaction per batch in a worker, a subtransaction in a session).

use pgrx::datum::TimestampWithTimeZone;
use pgrx::prelude::*;
use rand::RngExt;

use crate::datagen::{self, Rng};
use crate::executor::Executor;
use crate::model::{Keys, OpKind, Tally};
use crate::skew::Skew;
use crate::weights::Weights;
use crate::{pgtypes, timeline};

pub struct Engine {
    rng: Rng,
    executor: Executor,
    /// The kind run last, so that a failure can be attributed to it.
    pub current: Option<OpKind>,
}

impl Engine {
    pub fn new(seed: u64, worker: u64) -> Engine {
        Engine {
            rng: datagen::rng_from_seed(seed, 1000 + worker),
            executor: Executor::default(),
            current: None,
        }
    }

    /// A fresh seed for engines that were not given one.
    pub fn random_seed() -> u64 {
        rand::rng().random()
    }

    /// How the next batches pick rows to update or delete (alimentador.skew).
    pub fn set_skew(&mut self, skew: Skew) {
        self.executor.set_skew(skew);
    }

    pub fn uniform01(&mut self) -> f64 {
        self.rng.random()
    }

    /// Whether the hospital has been seeded (it has doctors). The stream writes nothing before: the
    /// only operation that could succeed in an empty hospital, insert_paciente, is guarded by the same
    /// condition, so a batch in an unseeded hospital skips everything.
    pub fn seeded(&mut self) -> bool {
        Spi::connect_mut(|client| self.executor.seeded(client))
    }

    /// Runs `ops` operations drawn from `weights` in the current transaction. When none of them
    /// found an eligible row, also checks (in the same transaction) whether the hospital was
    /// emptied: a skip costs an index probe, only an empty hospital makes a worker wait.
    /// With `keys`, the batch also says which rows (primary keys) it changed.
    pub fn run_batch(&mut self, weights: &Weights, ops: u32, keys: bool) -> Batch {
        self.executor.collect_keys(keys);
        // One time for the whole batch, as now() is one time for a whole transaction.
        let hospital_now = pgtypes::from_timestamptz(
            TimestampWithTimeZone::try_from(timeline::hospital_now())
                .expect("the hospital clock within PostgreSQL's range"),
        );
        Spi::connect_mut(|client| {
            let mut tally = Tally::default();
            for _ in 0..ops {
                let kind = weights.pick(self.rng.random_range(0..weights.total()));
                self.current = Some(kind);
                match self
                    .executor
                    .execute(client, &mut self.rng, kind, hospital_now)
                {
                    Some(changes) => {
                        tally.done[kind as usize] += 1;
                        tally.rows.merge(&changes);
                    }
                    None => tally.skipped[kind as usize] += 1,
                }
            }
            let hospital_empty = tally.done_total() == 0 && !self.executor.seeded(client);
            Batch {
                tally,
                hospital_empty,
                keys: keys.then(|| self.executor.take_keys()),
            }
        })
    }
}

/// What a batch of operations did.
pub struct Batch {
    pub tally: Tally,
    /// Nothing was eligible and the hospital has no doctors: it was emptied (or never seeded).
    pub hospital_empty: bool,
    /// The primary keys changed, when asked for.
    pub keys: Option<Keys>,
}

/// Whether a worker can stream into the database it is connected to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Ready; the extension's schema, quoted (where the ledger's table is).
    Ready(String),
    NoExtension,
    /// The worker's role lacks these privileges (e.g. "INSERT ON hospital.consultas, …").
    MissingPrivileges(String),
}

const READINESS: &str = include_str!("../sql/worker/readiness.sql");

/// Checks the extension and the privileges the stream needs (in the current transaction).
pub fn readiness() -> Readiness {
    let (schema, missing) = Spi::get_two::<String, String>(READINESS)
        .unwrap_or_else(|e| panic!("checking readiness: {e}"));
    match (schema, missing) {
        (Some(schema), None) => Readiness::Ready(schema),
        (Some(_), Some(missing)) => Readiness::MissingPrivileges(missing),
        (None, _) => Readiness::NoExtension,
    }
}
