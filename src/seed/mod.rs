//! Seeding, resetting and counting the hospital.
//!
//! The seed loads in bulk: rows are generated in Rust, bound as arrays and inserted with one kept
//! plan per table (`INSERT … SELECT FROM unnest($1, $2, …)`), in chunks. The seed knows its rows are
//! consistent — every reference points at a row it just inserted or at a lookup row, natural keys are
//! derived from the ids (so they are unique by construction) — so, for a superuser, it skips the
//! per-row foreign-key re-checks for the duration of the load (`session_replication_role = replica`,
//! as pg_restore does), then restores the caller's setting. Into empty tables, the indexes that back
//! no constraint are built after the load. Rows are generated on a second thread while the previous
//! chunk is inserted.
//!
//! Seeds and resets lock alimentador_semeadura, then update the one-row table alimentador_semeadura (which
//! seed made the data) before looking at the hospital, so concurrent seeds never load two data sets
//! (see sql/seed/semeadura.sql). A role that lacks a right is refused before anything changes
//! (sql/seed/faltam_privilegios.sql). Before loading, a seed creates the daily partitions of
//! hospital.sinais_vitais its readings and the stream's next days need; it ends with
//! alimentador_publish().
//!
//! This module orchestrates; [`loader`] generates and inserts the rows, binding them as arrays built
//! by [`pgarray`] (jsonb elements encoded by [`pgjsonb`]), used only here.

mod loader;
pub mod pgarray;
pub(crate) mod pgjsonb;

pub use loader::Inserted;
use loader::{Loader, PROGRESS_ROWS, SEED_VITALS_DAYS};

use std::time::Instant;

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;

use crate::errors;
use crate::model::{Table, Volumes};

/// Seeds of at least this many rows into empty tables build their secondary indexes after the load
/// (below it, dropping and recreating them costs more than it saves).
const REBUILD_INDEXES_ROWS: usize = 50_000;
/// The largest scale accepted (2 million patients, 13 million rows).
pub const MAX_SCALE: f64 = 1000.0;
/// The smallest scale that still gives every table a row.
pub const MIN_SCALE: f64 = 0.005;

/// Why a seed, reset or count did not happen. Nothing was changed when one is raised before loading.
#[derive(Debug, Clone, PartialEq)]
pub enum SeedError {
    /// The scale is not a finite number in MIN_SCALE..=MAX_SCALE.
    Scale(f64),
    /// The hospital has rows and the caller did not ask to append.
    AlreadySeeded,
    /// The current role lacks these rights (one entry each).
    Privileges { reset: bool, missing: Vec<String> },
    /// The extension is not installed in this database (the library was called directly).
    NotInstalled,
    /// An appending seed into a schema whose columns `ddl-breaking` renamed or dropped.
    SchemaChanged(Vec<String>),
    /// A query of ours failed without an ERROR of its own (an SPI status).
    Query { what: &'static str, reason: String },
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedError::Scale(scale) => write!(
                f,
                "scale must be a number from {MIN_SCALE} to {MAX_SCALE}, got {scale}"
            ),
            SeedError::AlreadySeeded => write!(f, "the hospital schema already has data"),
            SeedError::Privileges { reset, missing } => write!(
                f,
                "permission denied to {} the hospital: the role lacks {}",
                if *reset { "reset" } else { "seed" },
                missing.join(", ")
            ),
            SeedError::NotInstalled => write!(f, "extension alimentador is not installed"),
            SeedError::SchemaChanged(columns) => write!(
                f,
                "cannot append to the hospital: schema changes renamed or dropped {}",
                columns.join(", ")
            ),
            SeedError::Query { what, reason } => write!(f, "{what} failed: {reason}"),
        }
    }
}

impl SeedError {
    /// Raises this error as a PostgreSQL ERROR with its SQLSTATE and a hint.
    pub fn raise(&self) -> ! {
        let message = self.to_string();
        match self {
            SeedError::Scale(_) => errors::invalid_parameter(
                message,
                "alimentador_seed(1) loads about 13,000 rows; scale 100 about 1.3 million.",
            ),
            SeedError::AlreadySeeded => errors::not_ready(
                &message,
                "Run SELECT alimentador_reset(); to empty and reseed it, or SELECT alimentador_seed(append => true); to add rows.",
            ),
            SeedError::Privileges { .. } => errors::insufficient_privilege(
                &message,
                "Run it as the owner of the extension's objects (the role that ran CREATE EXTENSION alimentador) or GRANT the rights listed.",
            ),
            SeedError::NotInstalled => {
                errors::not_ready(&message, "Run CREATE EXTENSION alimentador; first.")
            }
            SeedError::SchemaChanged(_) => errors::not_ready(
                &message,
                "SELECT alimentador_reset(); restores the original schema (see alimentador_schema_history()) and reseeds.",
            ),
            SeedError::Query { .. } => errors::internal(&message),
        }
    }
}

fn query_failed(what: &'static str) -> impl FnOnce(pgrx::spi::SpiError) -> SeedError {
    move |e| SeedError::Query {
        what,
        reason: e.to_string(),
    }
}

/// Checks a scale argument; the error says what is accepted.
pub fn validate_scale(scale: f64) -> Result<(), SeedError> {
    if !scale.is_finite() || !(MIN_SCALE..=MAX_SCALE).contains(&scale) {
        return Err(SeedError::Scale(scale));
    }
    Ok(())
}

const TABLES_WITH_DATA: &str = include_str!("../../sql/seed/tabelas_com_dados.sql");
const SECONDARY_INDEXES: &str = include_str!("../../sql/seed/indices_secundarios.sql");
const EMPTY_HOSPITAL: &str = include_str!("../../sql/seed/esvaziar.sql");
const RECORD_SEED: &str = include_str!("../../sql/seed/semeadura.sql");
const MISSING_PRIVILEGES: &str = include_str!("../../sql/seed/faltam_privilegios.sql");
const MISSING_COLUMNS: &str = include_str!("../../sql/seed/colunas_ausentes.sql");
const OWNS_HOSPITAL: &str = include_str!("../../sql/seed/dono_do_hospital.sql");

/// The extension's schema, quoted (where alimentador_semeadura and alimentador_publish() live).
fn extension_schema() -> Result<String, SeedError> {
    crate::extension::schema()
        .map_err(query_failed("finding the extension's schema"))?
        .ok_or(SeedError::NotInstalled)
}

/// Refuses, before anything changes, when the current role lacks a right the seed or reset needs.
fn check_privileges(reset: bool, schema: &str) -> Result<(), SeedError> {
    let missing =
        Spi::get_one_with_args::<Vec<String>>(MISSING_PRIVILEGES, &[reset.into(), schema.into()])
            .map_err(query_failed("checking privileges"))?;
    match missing {
        Some(missing) if !missing.is_empty() => Err(SeedError::Privileges { reset, missing }),
        _ => Ok(()),
    }
}

/// What alimentador_semeadura records about a seed.
struct SeedRecord {
    scale: f64,
    rng_seed: i64,
    rows: Option<i64>,
    append: bool,
}

/// Writes alimentador_semeadura: the seed about to run (or, with None, an emptied hospital).
fn record(schema: &str, seeded: Option<&SeedRecord>) -> Result<(), SeedError> {
    let sql = RECORD_SEED.replace("@extschema@", schema);
    let args: [DatumWithOid; 5] = match seeded {
        Some(r) => [
            true.into(),
            r.scale.into(),
            r.rng_seed.into(),
            r.rows.into(),
            r.append.into(),
        ],
        None => [
            false.into(),
            Option::<f64>::None.into(),
            Option::<i64>::None.into(),
            Option::<i64>::None.into(),
            Option::<bool>::None.into(),
        ],
    };
    Spi::run_with_args(&sql, &args).map_err(query_failed("recording the seed"))
}

/// Seeds the hospital. Errors (nothing written) on a bad scale, missing rights or, unless `append`,
/// a non-empty schema. Ends by making sure the publication covers every hospital table.
pub fn seed(scale: f64, rng_seed: Option<i64>, append: bool) -> Result<Inserted, SeedError> {
    validate_scale(scale)?;
    let schema = extension_schema()?;
    check_privileges(false, &schema)?;
    serialize(&schema)?;
    let rng_seed = rng_seed.map_or_else(crate::stream::Engine::random_seed, |s| s as u64);
    let mut seeded = SeedRecord {
        scale,
        rng_seed: rng_seed as i64,
        rows: None,
        append,
    };
    // Before looking at the hospital: see semeadura.sql.
    record(&schema, Some(&seeded))?;
    let with_data = Spi::get_one::<i64>(TABLES_WITH_DATA)
        .map_err(query_failed("looking for rows"))?
        .unwrap_or_default();
    if !append && with_data > 0 {
        return Err(SeedError::AlreadySeeded);
    }
    if let Some(missing) = Spi::get_one::<Vec<String>>(MISSING_COLUMNS)
        .map_err(query_failed("looking for schema changes"))?
    {
        return Err(SeedError::SchemaChanged(missing));
    }
    let volumes = Volumes::at_scale(scale);
    let rebuild = !append
        && volumes.total() >= REBUILD_INDEXES_ROWS
        && Spi::get_one::<bool>(OWNS_HOSPITAL)
            .map_err(query_failed("checking ownership"))?
            .unwrap_or(false);
    // The partitions of the seed's readings (two days back) and of the stream's next two days.
    Spi::run(&format!(
        "SELECT count(*) FROM {schema}.alimentador_particoes_vitais(now() + interval '2 days', \
         now() - interval '{SEED_VITALS_DAYS} days')"
    ))
    .map_err(query_failed(
        "creating the partitions of hospital.sinais_vitais",
    ))?;
    let trusted = skip_fk_rechecks()?;
    // Each chunk's arrays are megabytes: a custom plan would copy them into the plan as constants
    // (the first five executions of a kept plan are custom).
    let plan_cache_mode = set_local("plan_cache_mode", "force_generic_plan")?;
    let load = || Spi::connect_mut(|client| Loader::new(rng_seed, volumes).load(client));
    let inserted = if rebuild {
        with_indexes_built_after(load, volumes.total() >= PROGRESS_ROWS)?
    } else {
        load()
    };
    set_local("plan_cache_mode", &plan_cache_mode)?;
    if let Some(previous) = trusted {
        set_local("session_replication_role", &previous)?;
    }
    seeded.rows = Some(inserted.iter().map(|(_, n)| n).sum());
    record(&schema, Some(&seeded))?;
    Spi::run(&format!(
        "SELECT count(*) FROM {schema}.alimentador_publish()"
    ))
    .map_err(query_failed("publishing the hospital tables"))?;
    Ok(inserted)
}

/// Loading empty tables: drops the indexes that back no constraint, loads, and creates them again
/// from their own definitions — one sorted build per index instead of an insertion per row. All
/// in the caller's transaction, so an error leaves them as they were.
fn with_indexes_built_after<R>(load: impl FnOnce() -> R, progress: bool) -> Result<R, SeedError> {
    const WHAT: &str = "rebuilding the secondary indexes";
    let (names, definitions) =
        Spi::get_two::<Vec<String>, Vec<String>>(SECONDARY_INDEXES).map_err(query_failed(WHAT))?;
    let (names, definitions) = (names.unwrap_or_default(), definitions.unwrap_or_default());
    if !names.is_empty() {
        Spi::run(&format!("DROP INDEX {}", names.join(", "))).map_err(query_failed(WHAT))?;
    }
    let result = load();
    let started = Instant::now();
    for definition in &definitions {
        Spi::run(definition).map_err(query_failed(WHAT))?;
    }
    if progress {
        notice!(
            "alimentador: built {} secondary indexes in {:.2} s",
            definitions.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(result)
}

/// Seeds and resets wait for each other (until the end of the transaction that ran one). The lock is
/// alimentador_semeadura's, in a mode that only a role allowed to update it can take (PUBLIC may read
/// it, and a reader's lock does not conflict): an advisory lock, which any role can take, would let
/// any role block every seed and reset.
fn serialize(schema: &str) -> Result<(), SeedError> {
    Spi::run(&format!(
        "LOCK TABLE {schema}.alimentador_semeadura IN SHARE ROW EXCLUSIVE MODE"
    ))
    .map_err(query_failed("waiting for other seeds"))
}

/// Sets a setting for the rest of the transaction; returns its value before.
fn set_local(name: &str, value: &str) -> Result<String, SeedError> {
    const WHAT: &str = "changing a setting for the seed";
    let previous =
        Spi::get_one_with_args::<String>("SELECT pg_catalog.current_setting($1)", &[name.into()])
            .map_err(query_failed(WHAT))?
            .ok_or(SeedError::Query {
                what: WHAT,
                reason: format!("current_setting('{name}') returned NULL"),
            })?;
    Spi::run_with_args(
        "SELECT pg_catalog.set_config($1, $2, true)",
        &[name.into(), value.into()],
    )
    .map_err(query_failed(WHAT))?;
    Ok(previous)
}

/// For a superuser, turns off foreign-key triggers for this transaction; returns the value to restore.
fn skip_fk_rechecks() -> Result<Option<String>, SeedError> {
    // SAFETY: reads the current user's superuser flag.
    if !unsafe { pg_sys::superuser() } {
        return Ok(None);
    }
    let failed = "skipping foreign-key re-checks";
    let previous =
        Spi::get_one::<String>("SELECT pg_catalog.current_setting('session_replication_role')")
            .map_err(query_failed(failed))?;
    Spi::run("SELECT pg_catalog.set_config('session_replication_role', 'replica', true)")
        .map_err(query_failed(failed))?;
    Ok(previous)
}

/// Whether a hospital table exists (prescricoes only after the ddl_prescricoes operation).
fn exists(table: Table) -> Result<bool, SeedError> {
    Spi::get_one_with_args::<bool>(
        "SELECT pg_catalog.to_regclass(pg_catalog.format('hospital.%I', $1)) IS NOT NULL",
        &[table.name().into()],
    )
    .map_err(query_failed("looking for a table"))?
    .ok_or(SeedError::Query {
        what: "looking for a table",
        reason: format!("to_regclass of {} returned NULL", table.name()),
    })
}

/// Empties every table (identities restarted, the twelve lookup convenios kept) and optionally reseeds.
pub fn reset(reseed: bool, scale: f64, rng_seed: Option<i64>) -> Result<Inserted, SeedError> {
    if reseed {
        validate_scale(scale)?;
    }
    let schema = extension_schema()?;
    check_privileges(true, &schema)?;
    if reseed {
        check_privileges(false, &schema)?;
    }
    serialize(&schema)?;
    record(&schema, None)?;
    // The original schema first: prescricoes references consultas, which is about to be emptied.
    Spi::run(&format!("SELECT {schema}.alimentador_esquema_restaurar()"))
        .map_err(query_failed("restoring the original schema"))?;
    Spi::run(EMPTY_HOSPITAL).map_err(query_failed("emptying the hospital"))?;
    if reseed {
        seed(scale, rng_seed, false)
    } else {
        Ok(Vec::new())
    }
}

/// Exact row counts per table (a table the `ddl` profile has not created yet is left out).
pub fn counts() -> Result<Vec<(String, i64)>, SeedError> {
    Table::ALL
        .iter()
        .filter_map(|t| match exists(*t) {
            Ok(true) => Some(Ok(*t)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        })
        .map(|t| {
            let t = t?;
            let n = Spi::get_one::<i64>(&format!("SELECT count(*) FROM hospital.{}", t.name()))
                .map_err(query_failed("counting rows"))?
                .ok_or(SeedError::Query {
                    what: "counting rows",
                    reason: format!("count(*) of {} returned NULL", t.name()),
                })?;
            Ok((t.name().to_string(), n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_at_scale_one_are_the_python_tools() {
        let v = Volumes::at_scale(1.0);
        assert_eq!(
            (v.pacientes, v.medicos, v.pacientes_convenios),
            (2000, 200, 2500)
        );
        assert_eq!((v.consultas, v.exames, v.internacoes), (4000, 3500, 1200));
        assert_eq!(v.total(), 13_400);
    }

    #[test]
    fn volumes_scale_proportionally_and_never_to_zero() {
        assert_eq!(Volumes::at_scale(100.0).pacientes, 200_000);
        assert_eq!(Volumes::at_scale(0.5).consultas, 2000);
        let tiny = Volumes::at_scale(MIN_SCALE);
        assert!(
            tiny.medicos >= 1
                && tiny.pacientes >= 1
                && tiny.pacientes_convenios <= tiny.pacientes * 12
        );
    }

    #[test]
    fn scale_validation() {
        assert!(validate_scale(1.0).is_ok());
        assert!(validate_scale(MAX_SCALE).is_ok());
        for bad in [
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            MAX_SCALE * 2.0,
            MIN_SCALE / 2.0,
        ] {
            let e = validate_scale(bad).unwrap_err();
            assert!(matches!(e, SeedError::Scale(_)), "{e}");
            assert!(e
                .to_string()
                .starts_with("scale must be a number from 0.005 to 1000, got"));
        }
    }
}
