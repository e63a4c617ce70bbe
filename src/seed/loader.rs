//! The seed's bulk loader: rows generated in Rust (on a second thread, a chunk ahead), bound as
//! arrays ([`super::pgarray`]) and inserted with one kept plan per table
//! (`INSERT … SELECT FROM unnest($1, $2, …)`), in chunks that double from FIRST_CHUNK to CHUNK.

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

use super::pgarray::{Array, ArrayBuilder, Element};
use crate::datagen::{self, Rng};
use crate::model::{Table, Volumes};
use crate::pgtypes;
use crate::plans::Plans;

/// Rows inserted per table, in `Table::ALL` order.
pub type Inserted = Vec<(Table, i64)>;

/// Rows per INSERT statement.
const CHUNK: usize = 2_000;
/// Rows of a table's first INSERT; each next one doubles up to CHUNK. The backend waits for the
/// first chunk of each table to be generated: a small one starts the inserts sooner. (Chunk sizes do
/// not change the rows: the generator draws them in the same order.)
const FIRST_CHUNK: usize = 250;
/// Seeds of at least this many rows report progress per table (rows, seconds, rows/s).
pub const PROGRESS_ROWS: usize = 100_000;
/// Tables of at least this many rows also report each tenth of their rows.
const PROGRESS_STEPS_ROWS: usize = 500_000;
/// The seed's readings go back this many days before the anchor (the partitions it creates first).
pub const SEED_VITALS_DAYS: i64 = 2;
const INSERT_PACIENTES: &str = include_str!("../../sql/seed/insert_pacientes.sql");
const INSERT_MEDICOS: &str = include_str!("../../sql/seed/insert_medicos.sql");
const INSERT_PACIENTES_CONVENIOS: &str =
    include_str!("../../sql/seed/insert_pacientes_convenios.sql");
const INSERT_CONSULTAS: &str = include_str!("../../sql/seed/insert_consultas.sql");
const INSERT_EXAMES: &str = include_str!("../../sql/seed/insert_exames.sql");
const INSERT_INTERNACOES: &str = include_str!("../../sql/seed/insert_internacoes.sql");
const INSERT_SINAIS_VITAIS: &str = include_str!("../../sql/seed/insert_sinais_vitais.sql");
/// An admission still in progress: its id and admission time.
type Active = (i64, DateTime<Utc>);
const ALLOCATE_IDS: &str =
    "SELECT array_agg(pg_catalog.nextval($1::regclass)) FROM pg_catalog.generate_series(1, $2)";
const CONVENIO_IDS: &str = "SELECT array_agg(id ORDER BY id) FROM hospital.convenios";

/// Generates and inserts the rows of one seed.
pub struct Loader {
    rng_seed: u64,
    volumes: Volumes,
    /// Dates are relative to the start of today (UTC), so a seed gives the same rows all day.
    anchor: DateTime<Utc>,
    plans: Plans,
    loaded: usize,
}

impl Loader {
    pub fn new(rng_seed: u64, volumes: Volumes) -> Loader {
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

    pub fn load(mut self, client: &mut SpiClient) -> Inserted {
        let v = self.volumes;
        let pacientes = self.allocate(client, Table::Pacientes, v.pacientes);
        self.pacientes(client, &pacientes);
        let medicos = self.allocate(client, Table::Medicos, v.medicos);
        self.medicos(client, &medicos);
        let convenios: Vec<i64> = self
            .plans
            .first::<(Vec<i64>,)>(client, CONVENIO_IDS, &[])
            .map_or_else(Vec::new, |r| r.0);
        let pacientes_convenios = self.pacientes_convenios(client, &pacientes, &convenios);
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
            (Table::PacientesConvenios, pacientes_convenios as i64),
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
    fn pacientes_convenios(
        &mut self,
        client: &mut SpiClient,
        pacientes: &[i64],
        convenios: &[i64],
    ) -> usize {
        if convenios.is_empty() {
            return 0;
        }
        let mut rng = self.rng(Table::PacientesConvenios);
        let anchor = self.anchor;
        let mut seen = HashSet::with_capacity(self.volumes.pacientes_convenios);
        let mut pairs = Vec::with_capacity(self.volumes.pacientes_convenios);
        let mut i = 0usize;
        while pairs.len() < self.volumes.pacientes_convenios
            && i < self.volumes.pacientes_convenios * 20
        {
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
            INSERT_PACIENTES_CONVENIOS,
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
