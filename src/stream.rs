//! The stream engine: draws operation kinds by weight and runs them. One engine serves both the
//! background workers and `alimentador_stream()` in a session; the caller decides the transaction
//! boundary (a transaction per batch in a worker, a subtransaction in a session).

use chrono::Utc;
use pgrx::prelude::*;
use rand::RngExt;

use crate::datagen::{self, Rng};
use crate::model::{OpKind, Tally};
use crate::operations::run::Executor;
use crate::operations::Weights;

const EXTENSION_INSTALLED: &str = include_str!("../sql/stream/extension_installed.sql");

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

    pub fn uniform01(&mut self) -> f64 {
        self.rng.random()
    }

    /// Whether the hospital has been seeded (it has doctors). The stream writes nothing before: the
    /// only operation that could succeed in an empty hospital, insert_paciente, is guarded by the same
    /// condition, so a batch in an unseeded hospital skips everything.
    pub fn seeded(&mut self) -> bool {
        Spi::connect_mut(|client| self.executor.seeded(client))
    }

    /// Runs `ops` operations drawn from `weights` in the current transaction.
    pub fn run_batch(&mut self, weights: &Weights, ops: u32) -> Tally {
        Spi::connect_mut(|client| {
            let mut tally = Tally::default();
            for _ in 0..ops {
                let kind = weights.pick(self.rng.random_range(0..weights.total()));
                self.current = Some(kind);
                match self.executor.run(client, &mut self.rng, kind, Utc::now()) {
                    Some(changes) => {
                        tally.done[kind as usize] += 1;
                        tally.rows.merge(&changes);
                    }
                    None => tally.skipped[kind as usize] += 1,
                }
            }
            tally
        })
    }
}

/// Whether the extension's schema exists in this database (checked before the stream runs).
pub fn extension_installed() -> bool {
    Spi::get_one::<bool>(EXTENSION_INSTALLED)
        .ok()
        .flatten()
        .unwrap_or(false)
}
