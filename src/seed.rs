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

use std::collections::HashSet;
use std::ops::Range;
use std::time::Instant;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use pgrx::datum::DatumWithOid;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use pgrx::PgMemoryContexts;
use rand::RngExt;

use crate::datagen::{self, Rng};
use crate::model::{Table, Volumes};
use crate::pgarray::{Array, ArrayBuilder, Element};
use crate::plans::Plans;
use crate::{errors, pgtypes};

/// Rows per INSERT statement.
const CHUNK: usize = 2_000;
/// Rows of a table's first INSERT; each next one doubles up to CHUNK. The backend waits for the
/// first chunk of each table to be generated: a small one starts the inserts sooner. (Chunk sizes do
/// not change the rows: the generator draws them in the same order.)
const FIRST_CHUNK: usize = 250;
/// Seeds of at least this many rows into empty tables build their secondary indexes after the load
/// (below it, dropping and recreating them costs more than it saves).
const REBUILD_INDEXES_ROWS: usize = 50_000;
/// Seeds of at least this many rows report progress per table (rows, seconds, rows/s).
const PROGRESS_ROWS: usize = 100_000;
/// Tables of at least this many rows also report each tenth of their rows.
const PROGRESS_STEPS_ROWS: usize = 500_000;
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

/// Rows inserted per table, in `Table::ALL` order.
pub type Inserted = Vec<(Table, i64)>;

const TABLES_WITH_DATA: &str = include_str!("../sql/seed/tabelas_com_dados.sql");
const SECONDARY_INDEXES: &str = include_str!("../sql/seed/indices_secundarios.sql");
const EMPTY_HOSPITAL: &str = include_str!("../sql/seed/esvaziar.sql");
const RECORD_SEED: &str = include_str!("../sql/seed/semeadura.sql");
const MISSING_PRIVILEGES: &str = include_str!("../sql/seed/faltam_privilegios.sql");
const MISSING_COLUMNS: &str = include_str!("../sql/seed/colunas_ausentes.sql");
const OWNS_HOSPITAL: &str = include_str!("../sql/seed/dono_do_hospital.sql");

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

const INSERT_PACIENTES: &str = include_str!("../sql/seed/insert_pacientes.sql");
const INSERT_MEDICOS: &str = include_str!("../sql/seed/insert_medicos.sql");
const INSERT_VINCULOS: &str = include_str!("../sql/seed/insert_vinculos.sql");
const INSERT_CONSULTAS: &str = include_str!("../sql/seed/insert_consultas.sql");
const INSERT_EXAMES: &str = include_str!("../sql/seed/insert_exames.sql");
const INSERT_INTERNACOES: &str = include_str!("../sql/seed/insert_internacoes.sql");
const INSERT_SINAIS_VITAIS: &str = include_str!("../sql/seed/insert_sinais_vitais.sql");
/// The seed's readings go back this many days before the anchor (the partitions it creates first).
const SEED_VITALS_DAYS: i64 = 2;
/// An admission still in progress: its id and admission time.
type Active = (i64, DateTime<Utc>);
const ALLOCATE_IDS: &str =
    "SELECT array_agg(pg_catalog.nextval($1::regclass)) FROM pg_catalog.generate_series(1, $2)";
const CONVENIO_IDS: &str = "SELECT array_agg(id ORDER BY id) FROM hospital.convenios";

/// Generates and inserts the rows of one seed.
struct Loader {
    rng_seed: u64,
    volumes: Volumes,
    /// Dates are relative to the start of today (UTC), so a seed gives the same rows all day.
    anchor: DateTime<Utc>,
    plans: Plans,
    loaded: usize,
}

impl Loader {
    fn new(rng_seed: u64, volumes: Volumes) -> Loader {
        let anchor = Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc();
        Loader {
            rng_seed,
            volumes,
            anchor,
            plans: Plans::default(),
            loaded: 0,
        }
    }

    fn rng(&self, table: Table) -> Rng {
        datagen::rng_from_seed(self.rng_seed, table as u64)
    }

    fn load(mut self, client: &mut SpiClient) -> Inserted {
        let v = self.volumes;
        let pacientes = self.allocate(client, Table::Pacientes, v.pacientes);
        self.pacientes(client, &pacientes);
        let medicos = self.allocate(client, Table::Medicos, v.medicos);
        self.medicos(client, &medicos);
        let convenios: Vec<i64> = self
            .plans
            .first::<(Vec<i64>,)>(client, CONVENIO_IDS, &[])
            .map_or_else(Vec::new, |r| r.0);
        let vinculos = self.vinculos(client, &pacientes, &convenios);
        let consultas = self.allocate(client, Table::Consultas, v.consultas);
        self.consultas(client, &consultas, &pacientes, &medicos);
        self.exames(client, &pacientes);
        let (internacoes, active) = self.internacoes(client, &pacientes);
        let started = Instant::now();
        let sinais_vitais = self.sinais_vitais(client, &active);
        if v.total() >= PROGRESS_ROWS {
            notice!(
                "alimentador: seeded {sinais_vitais} sinais_vitais in {:.2} s",
                started.elapsed().as_secs_f64()
            );
        }
        vec![
            (Table::Convenios, 0),
            (Table::Pacientes, v.pacientes as i64),
            (Table::Medicos, v.medicos as i64),
            (Table::PacientesConvenios, vinculos as i64),
            (Table::Consultas, v.consultas as i64),
            (Table::Exames, v.exames as i64),
            (Table::Internacoes, internacoes as i64),
            (Table::SinaisVitais, sinais_vitais as i64),
        ]
    }

    /// Takes `n` ids from the table's sequence, so rows can reference each other before insertion.
    fn allocate(&mut self, client: &mut SpiClient, table: Table, n: usize) -> Vec<i64> {
        let sequence = format!("hospital.{}_id_seq", table.name());
        let args: [DatumWithOid; 2] = [sequence.as_str().into(), (n as i64).into()];
        self.plans
            .first::<(Vec<i64>,)>(client, ALLOCATE_IDS, &args)
            .map_or_else(Vec::new, |r| r.0)
    }

    /// Inserts `rows` rows of `table` in chunks of column arrays: `generate` fills a chunk's array
    /// builders and they are finished there too (on the generator thread, see in_chunks), `sql`
    /// inserts them (`INSERT … SELECT unnest($1), unnest($2), …`).
    fn load_arrays<const N: usize>(
        &mut self,
        client: &mut SpiClient,
        table: Table,
        rows: usize,
        sql: &'static str,
        mut generate: impl FnMut(Range<usize>) -> [ArrayBuilder; N] + Send,
    ) {
        let finished = move |range| generate(range).map(ArrayBuilder::finish);
        self.in_chunks(table, rows, finished, |me, arrays| {
            me.plans
                .affected(client, sql, &arrays.each_ref().map(Array::datum));
        });
    }

    /// Inserts `rows` rows of `table` in chunks. `generate` makes the rows of a range (pure Rust, on a
    /// second thread, so generation overlaps the previous chunk's INSERT); `insert` binds them as
    /// arrays and inserts them, in a memory context emptied after each chunk.
    fn in_chunks<T: Send>(
        &mut self,
        table: Table,
        rows: usize,
        mut generate: impl FnMut(Range<usize>) -> T + Send,
        mut insert: impl FnMut(&mut Self, T),
    ) {
        let started = Instant::now();
        let progress = self.volumes.total() >= PROGRESS_ROWS;
        let mut context = PgMemoryContexts::new("alimentador seed chunk");
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel(1);
            scope.spawn(move || {
                let mut from = 0;
                let mut size = FIRST_CHUNK;
                while from < rows {
                    let to = (from + size).min(rows);
                    if sender.send(generate(from..to)).is_err() {
                        break;
                    }
                    from = to;
                    size = (size * 2).min(CHUNK);
                }
            });
            let mut done = 0;
            let mut size = FIRST_CHUNK;
            for chunk in receiver {
                // SAFETY: a chunk's arrays are only used by its own INSERT, so they are freed after it.
                unsafe {
                    context.switch_to(|_| insert(self, chunk));
                    context.reset();
                }
                // A large table also reports each tenth of its rows (minutes at scale 1000).
                let before = done;
                done = (done + size).min(rows);
                size = (size * 2).min(CHUNK);
                if progress
                    && rows >= PROGRESS_STEPS_ROWS
                    && done < rows
                    && done * 10 / rows > before * 10 / rows
                {
                    notice!(
                        "alimentador: seeding {}: {done} of {rows} rows ({:.1} s)",
                        table.name(),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        });
        self.loaded += rows;
        if progress {
            let seconds = started.elapsed().as_secs_f64();
            notice!(
                "alimentador: seeded {rows} {} in {seconds:.2} s ({:.0} rows/s; {}% of {} rows)",
                table.name(),
                rows as f64 / seconds.max(1e-6),
                self.loaded * 100 / self.volumes.total(),
                self.volumes.total()
            );
        }
    }

    fn pacientes(&mut self, client: &mut SpiClient, ids: &[i64]) {
        let mut rng = self.rng(Table::Pacientes);
        let anchor = self.anchor;
        let generate = move |range: Range<usize>| -> [ArrayBuilder; 12] {
            use Element::{Date, Int8, Text};
            let columns = [
                Int8, Text, Date, Text, Text, Text, Text, Text, Text, Text, Text, Date,
            ];
            let mut c = builders(columns, range.len());
            for &id in &ids[range] {
                let p = datagen::patient(&mut rng, id, anchor);
                c[0].int8(id);
                c[1].text(&p.nome);
                c[2].date(p.nascimento);
                c[3].text(&p.cpf);
                c[4].text(p.sexo.code());
                c[5].text(&p.email);
                c[6].text(&p.telefone);
                c[7].text(&p.endereco);
                c[8].text(p.cidade);
                c[9].text(p.uf);
                c[10].text(&p.cep);
                c[11].date(p.data_cadastro);
            }
            c
        };
        self.load_arrays(
            client,
            Table::Pacientes,
            ids.len(),
            INSERT_PACIENTES,
            generate,
        );
    }

    fn medicos(&mut self, client: &mut SpiClient, ids: &[i64]) {
        let mut rng = self.rng(Table::Medicos);
        let generate = move |range: Range<usize>| -> [ArrayBuilder; 6] {
            use Element::{Int8, Text};
            let mut c = builders([Int8, Text, Text, Text, Text, Text], range.len());
            for &id in &ids[range] {
                let d = datagen::doctor(&mut rng, id);
                c[0].int8(id);
                c[1].text(&d.nome);
                c[2].text(&d.crm);
                c[3].text(d.especialidade);
                c[4].text(&d.telefone);
                c[5].text(&d.email);
            }
            c
        };
        self.load_arrays(client, Table::Medicos, ids.len(), INSERT_MEDICOS, generate);
    }

    /// Links patients to plans: every patient first, then extra plans for random patients, never the
    /// same (patient, plan) twice.
    fn vinculos(&mut self, client: &mut SpiClient, pacientes: &[i64], convenios: &[i64]) -> usize {
        if convenios.is_empty() {
            return 0;
        }
        let mut rng = self.rng(Table::PacientesConvenios);
        let anchor = self.anchor;
        let mut seen = HashSet::with_capacity(self.volumes.vinculos);
        let mut pairs = Vec::with_capacity(self.volumes.vinculos);
        let mut i = 0usize;
        while pairs.len() < self.volumes.vinculos && i < self.volumes.vinculos * 20 {
            let paciente = if i < pacientes.len() {
                pacientes[i]
            } else {
                datagen::pick(&mut rng, pacientes)
            };
            let convenio = datagen::pick(&mut rng, convenios);
            if seen.insert((paciente, convenio)) {
                pairs.push((paciente, convenio));
            }
            i += 1;
        }
        let linked = pairs.len();
        let generate = move |range: Range<usize>| -> [ArrayBuilder; 4] {
            use Element::{Date, Int8, Text};
            let mut c = builders([Int8, Int8, Text, Date], range.len());
            for &(paciente, convenio) in &pairs[range] {
                let m = datagen::plan_membership(&mut rng, anchor);
                c[0].int8(paciente);
                c[1].int8(convenio);
                c[2].text(&m.numero_carteira);
                c[3].date(m.validade);
            }
            c
        };
        self.load_arrays(
            client,
            Table::PacientesConvenios,
            linked,
            INSERT_VINCULOS,
            generate,
        );
        linked
    }

    fn consultas(
        &mut self,
        client: &mut SpiClient,
        ids: &[i64],
        pacientes: &[i64],
        medicos: &[i64],
    ) {
        let mut rng = self.rng(Table::Consultas);
        let anchor = self.anchor;
        let generate = move |range: Range<usize>| -> [ArrayBuilder; 8] {
            use Element::{Int8, Text, TimestampTz, Uuid};
            let columns = [Int8, Uuid, Int8, Int8, TimestampTz, Text, Text, Text];
            let mut c = builders(columns, range.len());
            for &id in &ids[range] {
                let a = datagen::seed_appointment(&mut rng, anchor);
                let protocolo = datagen::uuid_for_index(&mut rng, id as u64);
                let paciente = datagen::pick(&mut rng, pacientes);
                let medico = datagen::pick(&mut rng, medicos);
                c[0].int8(id);
                c[1].uuid(protocolo);
                c[2].int8(paciente);
                c[3].int8(medico);
                c[4].timestamptz(a.data);
                c[5].text(a.motivo);
                c[6].text(a.status.code());
                // Exact decimal text, cast to numeric by the INSERT.
                c[7].text(&format!(
                    "{}.{:02}",
                    a.valor_centavos / 100,
                    a.valor_centavos % 100
                ));
            }
            c
        };
        self.load_arrays(
            client,
            Table::Consultas,
            ids.len(),
            INSERT_CONSULTAS,
            generate,
        );
    }

    fn exames(&mut self, client: &mut SpiClient, pacientes: &[i64]) {
        let mut rng = self.rng(Table::Exames);
        let anchor = self.anchor;
        let generate = move |range: Range<usize>| -> [ArrayBuilder; 7] {
            use Element::{Bool, Int8, Jsonb, Text, TimestampTz};
            let columns = [Int8, Text, TimestampTz, Bool, Jsonb, Text, TimestampTz];
            let [mut pac, mut tipo, mut data, mut urgente, mut resultado, mut laudo, mut data_resultado] =
                builders(columns, range.len());
            for _ in range {
                let e = datagen::seed_exam(&mut rng, anchor);
                pac.int8(datagen::pick(&mut rng, pacientes));
                tipo.text(e.tipo_exame);
                data.timestamptz(e.data);
                urgente.bool(e.urgente);
                match &e.resultado {
                    Some(r) => resultado.jsonb(r),
                    None => resultado.null(),
                }
                laudo.opt_text(e.laudo.as_deref());
                data_resultado.opt_timestamptz(e.data_resultado);
            }
            [pac, tipo, data, urgente, resultado, laudo, data_resultado]
        };
        self.load_arrays(
            client,
            Table::Exames,
            self.volumes.exames,
            INSERT_EXAMES,
            generate,
        );
    }

    /// Admissions of this seed's patients, never two overlapping (so never two active) for one
    /// patient. Returns the rows inserted.
    fn internacoes(&mut self, client: &mut SpiClient, pacientes: &[i64]) -> (usize, Vec<Active>) {
        let mut rng = self.rng(Table::Internacoes);
        let anchor = self.anchor;
        let mut book = datagen::AdmissionBook::new(pacientes);
        let generate = move |range: Range<usize>| -> Vec<(i64, datagen::Admission)> {
            range.filter_map(|_| book.admit(&mut rng, anchor)).collect()
        };
        let mut inserted = 0;
        let mut active = Vec::new();
        self.in_chunks(
            Table::Internacoes,
            self.volumes.internacoes,
            generate,
            |me, rows| {
                let (mut pac, mut entrada, mut saida, mut motivo, mut quarto) =
                    (vec![], vec![], vec![], vec![], vec![]);
                for (p, a) in rows {
                    pac.push(p);
                    entrada.push(pgtypes::timestamptz(a.data_entrada));
                    saida.push(a.data_saida.map(pgtypes::timestamptz));
                    motivo.push(a.motivo);
                    quarto.push(a.quarto);
                }
                let args: [DatumWithOid; 5] = [
                    pac.into(),
                    entrada.into(),
                    saida.into(),
                    motivo.into(),
                    quarto.into(),
                ];
                for row in me.plans.exec(client, INSERT_INTERNACOES, &args) {
                    inserted += 1;
                    let read = || -> Result<Option<Active>, pgrx::spi::SpiError> {
                        let (Some(id), Some(entrada), Some(ativa)) = (
                            row.get::<i64>(1)?,
                            row.get::<TimestampWithTimeZone>(2)?,
                            row.get::<bool>(3)?,
                        ) else {
                            return Ok(None);
                        };
                        Ok(ativa.then(|| (id, pgtypes::from_timestamptz(entrada))))
                    };
                    active.extend(
                        read().unwrap_or_else(|e| panic!("reading the seed's admissions: {e}")),
                    );
                }
            },
        );
        (inserted, active)
    }

    /// Vital signs of the admissions still in progress: a reading about every four hours from the
    /// admission (or from two days before the anchor, the first day the seed's partitions cover) up
    /// to the anchor. Returns the rows inserted.
    fn sinais_vitais(&mut self, client: &mut SpiClient, active: &[Active]) -> usize {
        let mut rng = self.rng(Table::SinaisVitais);
        let from = self.anchor - TimeDelta::days(SEED_VITALS_DAYS);
        let mut rows: Vec<(i64, DateTime<Utc>, datagen::VitalSigns)> = Vec::new();
        for &(internacao, entrada) in active {
            let mut at = entrada.max(from) + TimeDelta::minutes(rng.random_range(5..=60));
            while at < self.anchor {
                rows.push((internacao, at, datagen::vital_signs(&mut rng)));
                at += TimeDelta::minutes(rng.random_range(210..=270));
            }
        }
        for chunk in rows.chunks(CHUNK) {
            let mut c: [Vec<i16>; 6] = Default::default();
            let (mut ids, mut at) = (Vec::new(), Vec::new());
            for (internacao, when, v) in chunk {
                ids.push(*internacao);
                at.push(pgtypes::timestamptz(*when));
                for (column, value) in c.iter_mut().zip([
                    v.pulso,
                    v.pressao_sistolica,
                    v.pressao_diastolica,
                    v.saturacao_o2,
                    v.temperatura_decimos,
                    v.frequencia_respiratoria,
                ]) {
                    column.push(value);
                }
            }
            let [pulso, sistolica, diastolica, saturacao, temperatura, respiracao] = c;
            let args: [DatumWithOid; 8] = [
                ids.into(),
                at.into(),
                pulso.into(),
                sistolica.into(),
                diastolica.into(),
                saturacao.into(),
                temperatura.into(),
                respiracao.into(),
            ];
            self.plans.affected(client, INSERT_SINAIS_VITAIS, &args);
        }
        rows.len()
    }
}

/// One array builder per column, each for `rows` elements.
fn builders<const N: usize>(columns: [Element; N], rows: usize) -> [ArrayBuilder; N] {
    columns.map(|e| ArrayBuilder::new(e, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_at_scale_one_are_the_python_tools() {
        let v = Volumes::at_scale(1.0);
        assert_eq!((v.pacientes, v.medicos, v.vinculos), (2000, 200, 2500));
        assert_eq!((v.consultas, v.exames, v.internacoes), (4000, 3500, 1200));
        assert_eq!(v.total(), 13_400);
    }

    #[test]
    fn volumes_scale_proportionally_and_never_to_zero() {
        assert_eq!(Volumes::at_scale(100.0).pacientes, 200_000);
        assert_eq!(Volumes::at_scale(0.5).consultas, 2000);
        let tiny = Volumes::at_scale(MIN_SCALE);
        assert!(tiny.medicos >= 1 && tiny.pacientes >= 1 && tiny.vinculos <= tiny.pacientes * 12);
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
