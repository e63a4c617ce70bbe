//! The SQL of each operation kind, run through SPI with plans prepared once and kept. Statements
//! longer than a line are in `sql/stream/`, one file per statement (pasteable into psql).
//!
//! Target rows are found through indexes only: a random point in the id range (`min(id)` and
//! `max(id)` come from the primary key) and `ORDER BY id LIMIT 1` from there (there always is one,
//! `max(id)`, unless the table is empty), or the partial indexes over the rows a lifecycle step
//! applies to. `FOR UPDATE SKIP LOCKED` keeps concurrent workers off each other's rows (inserts
//! lock the patient they attach a row to `FOR KEY SHARE`, so a patient being deleted is skipped),
//! and every UPDATE/DELETE re-checks the lifecycle condition, so a row that moved on meanwhile is
//! skipped, never broken.

use chrono::{DateTime, Utc};
use pgrx::datum::{DatumWithOid, TimestampWithTimeZone};
use pgrx::spi::{SpiClient, SpiTupleTable};
use rand::RngExt;

use crate::datagen::{self, Rng};
use crate::hold::{self, Hold};
use crate::model::{Change, Keys, OpKind, RowChanges, Table};
use crate::pgtypes;
use crate::plans::{Plans, Row};
use crate::skew::Skew;

/// Rows an `insert_exames_lote` statement inserts.
pub const LAB_BATCH: usize = 25;
/// Appointments a `transacao_grande` re-prices.
pub const LARGE_TRANSACTION_ROWS: i64 = 20_000;

const PICK_PACIENTE: &str = include_str!("../sql/stream/pick_paciente.sql");
const PICK_PACIENTE_PARA_ATUALIZAR: &str =
    include_str!("../sql/stream/pick_paciente_para_atualizar.sql");
const PICK_PACIENTE_PARA_EXCLUIR: &str =
    include_str!("../sql/stream/pick_paciente_para_excluir.sql");
const PICK_CONSULTA_VENCIDA: &str = include_str!("../sql/stream/pick_consulta_vencida.sql");
const PICK_CONSULTA_FUTURA: &str = include_str!("../sql/stream/pick_consulta_futura.sql");
const PICK_CONSULTA_CANCELADA: &str = include_str!("../sql/stream/pick_consulta_cancelada.sql");
const PICK_EXAME_PENDENTE: &str = include_str!("../sql/stream/pick_exame_pendente.sql");
const PICK_EXAME_COM_LAUDO: &str = include_str!("../sql/stream/pick_exame_com_laudo.sql");
const PICK_INTERNACAO_ATIVA: &str = include_str!("../sql/stream/pick_internacao_ativa.sql");
const PICK_EXPIRED_PLAN_MEMBERSHIP: &str =
    include_str!("../sql/stream/pick_paciente_convenio_vencido.sql");
const BLOQUEIO_EXAMES: &str = include_str!("../sql/stream/bloqueio_exames.sql");
const BLOQUEIO_PACIENTES: &str = include_str!("../sql/stream/bloqueio_pacientes.sql");
/// Rows `bloqueio_de_linhas` locks: pending exams, consecutive patients.
const LOCKED_EXAMS: i64 = 50;
const LOCKED_PATIENTS: i64 = 100;

const SEEDED: &str = "SELECT EXISTS (SELECT 1 FROM hospital.medicos)";
const NOME_PACIENTE: &str = "SELECT nome FROM hospital.pacientes WHERE id = $1";
const NEXT_PACIENTE_ID: &str = "SELECT nextval('hospital.pacientes_id_seq')";
/// Guarded: the stream never writes into a hospital that has not been seeded (see stream.rs).
const INSERT_PACIENTE: &str = include_str!("../sql/stream/insert_paciente.sql");
const UPDATE_PACIENTE: &str =
    "UPDATE hospital.pacientes SET telefone = $2, email = $3, endereco = $4 WHERE id = $1 RETURNING id";
const INSERT_CONSULTA: &str = include_str!("../sql/stream/insert_consulta.sql");
const UPDATE_CONSULTA_STATUS: &str = include_str!("../sql/stream/update_consulta_status.sql");
const UPDATE_CONSULTA_DATA: &str = include_str!("../sql/stream/update_consulta_data.sql");
const DELETE_CONSULTA: &str =
    "DELETE FROM hospital.consultas WHERE id = $1 AND status = 'cancelada' RETURNING id";
const INSERT_EXAME: &str = include_str!("../sql/stream/insert_exame.sql");
const UPDATE_EXAME_RESULTADO: &str = include_str!("../sql/stream/update_exame_resultado.sql");
const UPDATE_EXAME_URGENCIA: &str =
    "UPDATE hospital.exames SET urgente = NOT urgente WHERE id = $1 RETURNING id";
const DELETE_EXAME: &str =
    "DELETE FROM hospital.exames WHERE id = $1 AND resultado IS NULL RETURNING id";
const INSERT_EXAMES_LOTE: &str = include_str!("../sql/stream/insert_exames_lote.sql");
const INSERT_INTERNACAO: &str = include_str!("../sql/stream/insert_internacao.sql");
const UPDATE_INTERNACAO_ALTA: &str = include_str!("../sql/stream/update_internacao_alta.sql");
const DELETE_PLAN_MEMBERSHIP: &str =
    "DELETE FROM hospital.pacientes_convenios WHERE id = $1 AND validade < $2::date RETURNING id";
/// `$2` consecutive appointments from a random point that leaves room for `$2` of them.
const REAJUSTE_CONSULTAS: &str = include_str!("../sql/stream/reajuste_consultas.sql");
const INSERT_PACIENTE_CONVENIO: &str = include_str!("../sql/stream/insert_paciente_convenio.sql");
/// Locks a patient's admissions before their readings are deleted: a reading inserted meanwhile
/// (its foreign key takes FOR KEY SHARE on the admission) would otherwise be removed by the hidden
/// ON DELETE CASCADE of the admission, and go uncounted.
const LOCK_INTERNACOES_DO_PACIENTE: &str =
    "SELECT id FROM hospital.internacoes WHERE paciente_id = $1 ORDER BY id FOR UPDATE";
/// One schema change of the `ddl` profiles (sql/ddl.sql): true when applied, false when it is
/// already applied or another session is applying one (a skip).
const DDL: &str = "SELECT hospital.alimentador_ddl($1)";
/// The first doctor's record, touched after a breaking change of medicos (updated_at by the trigger).
const TOUCH_MEDICO: &str = "UPDATE hospital.medicos SET ativo = ativo WHERE id = (SELECT min(id) FROM hospital.medicos) RETURNING id";
/// Whether ddl_prescricoes has created the table (no plan may name it before); locks it when it
/// has, so a reset cannot drop it under the statement that follows (sql/ddl.sql).
const PRESCRICOES_EXISTS: &str = "SELECT hospital.alimentador_prescricoes_existe()";
const INSERT_PRESCRICAO: &str = include_str!("../sql/stream/insert_prescricao.sql");
/// Prescriptions of a patient's appointments, deleted first by delete_paciente when the table exists
/// (their ON DELETE CASCADE would delete them uncounted).
const DELETE_PRESCRICOES_DO_PACIENTE: &str = "DELETE FROM hospital.prescricoes WHERE consulta_id IN (SELECT id FROM hospital.consultas WHERE paciente_id = $1) RETURNING id";
/// A patient's rows, children first, so every row deleted is counted (no hidden cascade).
const DELETE_PACIENTE_ROWS: [(Table, &str); 6] = [
    (
        Table::SinaisVitais,
        "DELETE FROM hospital.sinais_vitais WHERE internacao_id IN \
         (SELECT id FROM hospital.internacoes WHERE paciente_id = $1) RETURNING id",
    ),
    (
        Table::PacientesConvenios,
        "DELETE FROM hospital.pacientes_convenios WHERE paciente_id = $1 RETURNING id",
    ),
    (
        Table::Consultas,
        "DELETE FROM hospital.consultas WHERE paciente_id = $1 RETURNING id",
    ),
    (
        Table::Exames,
        "DELETE FROM hospital.exames WHERE paciente_id = $1 RETURNING id",
    ),
    (
        Table::Internacoes,
        "DELETE FROM hospital.internacoes WHERE paciente_id = $1 RETURNING id",
    ),
    (
        Table::Pacientes,
        "DELETE FROM hospital.pacientes WHERE id = $1 RETURNING id",
    ),
];

/// The rows of a patient that follow a change of its id (ON UPDATE CASCADE), locked before the change
/// so that the cascade updates exactly the rows counted: none can be deleted meanwhile, and none can
/// be added (the patient is locked FOR UPDATE, which blocks the foreign-key checks of inserts).
const LOCK_PACIENTE_CHILDREN: [(Table, &str); 4] = [
    (
        Table::PacientesConvenios,
        "SELECT id FROM hospital.pacientes_convenios WHERE paciente_id = $1 ORDER BY id FOR UPDATE",
    ),
    (
        Table::Consultas,
        "SELECT id FROM hospital.consultas WHERE paciente_id = $1 ORDER BY id FOR UPDATE",
    ),
    (
        Table::Exames,
        "SELECT id FROM hospital.exames WHERE paciente_id = $1 ORDER BY id FOR UPDATE",
    ),
    (
        Table::Internacoes,
        "SELECT id FROM hospital.internacoes WHERE paciente_id = $1 ORDER BY id FOR UPDATE",
    ),
];
const UPDATE_PACIENTE_ID: &str = include_str!("../sql/stream/update_paciente_id.sql");
const PICK_INTERNACAO_PARA_SINAIS: &str =
    include_str!("../sql/stream/pick_internacao_para_sinais.sql");
const INSERT_SINAL_VITAL: &str = include_str!("../sql/stream/insert_sinal_vital.sql");
const FAIXAS_DE_IDS: &str = include_str!("../sql/stream/faixas_de_ids.sql");
/// The tables whose id ranges the picks start in, in the order of the columns of FAIXAS_DE_IDS.
const RANGED: [Table; 5] = [
    Table::Pacientes,
    Table::Medicos,
    Table::Consultas,
    Table::Exames,
    Table::Internacoes,
];
/// How long a stream reuses the id ranges it read: a pick costs one index descent instead of three
/// (its start, min(id), max(id)). Rows inserted meanwhile are reached all the same (picks take the
/// first eligible row at or after their start), only a start cannot land among them for that long.
pub const ID_RANGE_TTL: std::time::Duration = std::time::Duration::from_millis(100);
/// How often a stream that writes readings makes sure the partitions of the coming days exist (and,
/// with `alimentador.vitais_retencao`, drops the old ones): partitions are created two days ahead,
/// so this only matters when someone dropped one, or at midnight UTC after a long pause.
pub const PARTITION_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs operations, keeping each statement's plan.
#[derive(Default)]
pub struct Executor {
    plans: Plans,
    collect_keys: bool,
    /// The ids returned by the last changing statement (when collecting keys).
    last_ids: Vec<i64>,
    keys: Keys,
    /// Where picks start in the id range (alimentador.skew).
    skew: Skew,
    /// When the partitions of sinais_vitais were last made sure of: in real time, and on the
    /// hospital clock (which may run a day ahead in seconds, alimentador.time_scale).
    partitions_checked: Option<(std::time::Instant, DateTime<Utc>)>,
    /// The hospital clock's time of the operation running (clock.rs): what the lifecycle steps
    /// compare with (past-due, collected, begun), as the rows they write are dated by it.
    now: DateTime<Utc>,
    /// The id ranges of the RANGED tables (None: empty), and when they were read.
    id_ranges: [Option<(i64, i64)>; RANGED.len()],
    id_ranges_read: Option<std::time::Instant>,
}

/// Where a pick starts: `$1` of its statement.
#[derive(Clone, Copy)]
enum Start {
    /// An id of the table's range (or i64::MIN, from the beginning).
    Id(Table),
    /// A fraction in [0, 1) of a range the statement knows (0.0 from its beginning).
    Fraction,
}

/// What one operation did: `None` when no eligible row existed (skipped).
pub type Outcome = Option<RowChanges>;

/// A number that differs between any two appointments of the stream: the clock in microseconds and
/// the process id. Mixed into the protocol UUID (with 74 random bits) so that a repeatable stream (a
/// fixed seed) does not repeat the protocols of an earlier run.
fn unique_token() -> u64 {
    // SAFETY: reads this process's id.
    let pid = unsafe { pgrx::pg_sys::MyProcPid } as u64;
    (Utc::now().timestamp_micros() as u64)
        .wrapping_mul(1024)
        .wrapping_add(pid % 1024)
}

impl Executor {
    /// Whether to collect the ids of the rows changed (for the ledger's `keys` level).
    pub fn collect_keys(&mut self, on: bool) {
        self.collect_keys = on;
        self.keys = Keys::default();
    }

    /// How picks choose their starting point from now on.
    pub fn set_skew(&mut self, skew: Skew) {
        self.skew = skew;
    }

    /// The ids collected since the last call.
    pub fn take_keys(&mut self) -> Keys {
        std::mem::take(&mut self.keys)
    }

    /// What an operation whose last statement changed `rows` rows of `table` did.
    fn one(&mut self, table: Table, change: Change, rows: usize) -> Outcome {
        self.keep_keys(table, change);
        (rows > 0).then(|| {
            let mut changes = RowChanges::default();
            changes.add(table, change, rows as u64);
            changes
        })
    }

    /// Runs a changing statement: what the operation did.
    fn change(
        &mut self,
        client: &mut SpiClient,
        sql: &'static str,
        args: &[DatumWithOid],
        table: Table,
        change: Change,
    ) -> Outcome {
        let rows = self.affected(client, sql, args);
        self.one(table, change, rows)
    }

    /// Files the ids of the last statement under its table and change.
    fn keep_keys(&mut self, table: Table, change: Change) {
        if self.collect_keys {
            self.keys.add(table, change, &mut self.last_ids);
        }
    }

    fn pick<T: Row>(
        &mut self,
        client: &mut SpiClient,
        sql: &'static str,
        args: &[DatumWithOid],
    ) -> Option<T> {
        self.plans.first(client, sql, args)
    }

    /// Rows changed by `sql` (every changing statement ends in `RETURNING id`, so that the ids can
    /// be collected too).
    fn affected(
        &mut self,
        client: &mut SpiClient,
        sql: &'static str,
        args: &[DatumWithOid],
    ) -> usize {
        if self.collect_keys {
            self.last_ids = self.plans.ids(client, sql, args);
            self.last_ids.len()
        } else {
            self.plans.affected(client, sql, args)
        }
    }

    /// The hospital clock's now, as the last parameter of the statements that compare with it.
    fn now_datum(&self) -> DatumWithOid<'static> {
        pgtypes::timestamptz(self.now).into()
    }

    /// Picks from a random start (drawn as alimentador.skew says); if nothing is at or after it,
    /// once more from the beginning. The statement gets `$1` = the start (as `from` says),
    /// `$2` = the hospital clock's now (used by those that compare dates with it).
    fn pick_wrapping<T: Row>(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        from: Start,
        sql: &'static str,
    ) -> Option<T> {
        let fraction = self.skew.fraction(|| rng.random());
        let (start, beginning): (DatumWithOid, DatumWithOid) = match from {
            Start::Id(table) => (
                self.start_id(client, table, fraction).into(),
                i64::MIN.into(),
            ),
            Start::Fraction => (fraction.into(), 0.0f64.into()),
        };
        let now = self.now_datum();
        self.pick(client, sql, &[start, now])
            .or_else(|| self.pick(client, sql, &[beginning, self.now_datum()]))
    }

    /// A patient picked by `sql` (id, name) from a random point of the patients' id range.
    fn pick_paciente(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        sql: &'static str,
    ) -> Option<(i64, String)> {
        self.pick_wrapping(client, rng, Start::Id(Table::Pacientes), sql)
    }

    /// The id at `fraction` of `table`'s id range (read at most every ID_RANGE_TTL); i64::MIN when
    /// the table was empty.
    fn start_id(&mut self, client: &mut SpiClient, table: Table, fraction: f64) -> i64 {
        if self
            .id_ranges_read
            .is_none_or(|at| at.elapsed() >= ID_RANGE_TTL)
        {
            let row = self.plans.exec(client, FAIXAS_DE_IDS, &[]).first();
            for (i, range) in self.id_ranges.iter_mut().enumerate() {
                let bound = |column: usize| {
                    row.get::<i64>(column)
                        .unwrap_or_else(|e| panic!("reading the id ranges: {e}"))
                };
                *range = bound(2 * i + 1).zip(bound(2 * i + 2));
            }
            self.id_ranges_read = Some(std::time::Instant::now());
        }
        let i = RANGED
            .iter()
            .position(|t| *t == table)
            .unwrap_or_else(|| panic!("no id range is kept for {}", table.name()));
        match self.id_ranges[i] {
            Some((lo, hi)) => lo + (fraction * (hi - lo + 1) as f64).floor() as i64,
            None => i64::MIN,
        }
    }

    /// Whether the hospital has been seeded (it has doctors).
    pub fn seeded(&mut self, client: &mut SpiClient) -> bool {
        self.pick::<(bool,)>(client, SEEDED, &[])
            .is_some_and(|(seeded,)| seeded)
    }

    /// Runs one operation of `kind` in the current transaction.
    pub fn execute(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        kind: OpKind,
        now: DateTime<Utc>,
    ) -> Outcome {
        self.now = now;
        match kind {
            OpKind::InsertPaciente => self.insert_paciente(client, rng, now),
            OpKind::InsertConsulta => self.insert_consulta(client, rng, now),
            OpKind::InsertExame => self.insert_exame(client, rng, now),
            OpKind::InsertInternacao => self.insert_internacao(client, rng, now),
            OpKind::UpdatePaciente => self.update_paciente(client, rng),
            OpKind::UpdateConsulta => self.update_consulta(client, rng, now),
            OpKind::UpdateExame => self.update_exame(client, rng, now),
            OpKind::UpdateInternacao => self.update_internacao(client, rng, now),
            OpKind::DeleteConsulta => self.delete_by_pick(
                client,
                rng,
                Start::Id(Table::Consultas),
                PICK_CONSULTA_CANCELADA,
                DELETE_CONSULTA,
                Table::Consultas,
            ),
            OpKind::DeletePacienteConvenio => self.delete_by_pick(
                client,
                rng,
                Start::Fraction,
                PICK_EXPIRED_PLAN_MEMBERSHIP,
                DELETE_PLAN_MEMBERSHIP,
                Table::PacientesConvenios,
            ),
            OpKind::DeleteExame => self.delete_by_pick(
                client,
                rng,
                Start::Id(Table::Exames),
                PICK_EXAME_PENDENTE,
                DELETE_EXAME,
                Table::Exames,
            ),
            OpKind::UpdateExameUrgencia => {
                let (id,): (i64,) = self.pick_wrapping(
                    client,
                    rng,
                    Start::Id(Table::Exames),
                    PICK_EXAME_COM_LAUDO,
                )?;
                self.change(
                    client,
                    UPDATE_EXAME_URGENCIA,
                    &[id.into()],
                    Table::Exames,
                    Change::Update,
                )
            }
            OpKind::InsertExamesLote => self.insert_exames_lote(client, rng, now),
            OpKind::LargeTransaction => {
                let start: f64 = rng.random();
                let rows = self.affected(
                    client,
                    REAJUSTE_CONSULTAS,
                    &[start.into(), LARGE_TRANSACTION_ROWS.into()],
                );
                self.one(Table::Consultas, Change::Update, rows)
            }
            OpKind::DeletePaciente => self.delete_paciente(client, rng),
            OpKind::InsertPacienteConvenio => self.insert_paciente_convenio(client, rng, now),
            OpKind::LongTransaction => self.long_transaction(client, rng, now),
            OpKind::RowLocks => self.lock_rows(client, rng),
            OpKind::IdleInTransaction => {
                let claim = hold::claim(Hold::IdleInTransaction)?;
                let changes = self.update_paciente(client, rng)?;
                claim.wait();
                Some(changes)
            }
            OpKind::UpdatePacienteId => self.update_paciente_id(client, rng),
            OpKind::InsertSinalVital => self.insert_sinal_vital(client, rng, now),
            OpKind::InsertPrescricao => self.insert_prescricao(client, rng),
            OpKind::DdlNomeSocial
            | OpKind::DdlTeleconsulta
            | OpKind::DdlEmail254
            | OpKind::DdlValor12x2
            | OpKind::DdlCheckQuarto
            | OpKind::DdlStatusConfirmada
            | OpKind::DdlPrescricoes
            | OpKind::DdlRenameTelefoneMedico
            | OpKind::DdlDropEmailMedico => self.ddl(client, kind),
        }
    }

    /// A patient's contact changes at the start, an appointment is booked at the end, and the
    /// transaction stays open in between: it starts before and commits after many others.
    fn long_transaction(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let claim = hold::claim(Hold::LongTransaction)?;
        let mut changes = self.update_paciente(client, rng)?;
        claim.wait();
        // The clock moved on while the transaction was open.
        let end = now + chrono::Duration::from_std(claim.elapsed()).unwrap_or_default();
        if let Some(booked) = self.insert_consulta(client, rng, end) {
            changes.merge(&booked);
        }
        Some(changes)
    }

    /// Locks pending exams and a range of patients (rows the stream's picks want, so they skip
    /// them), holds the locks, then changes the first locked patient's contact.
    fn lock_rows(&mut self, client: &mut SpiClient, rng: &mut Rng) -> Outcome {
        let claim = hold::claim(Hold::RowLocks)?;
        let exams: Option<(i64,)> = self.pick(
            client,
            BLOQUEIO_EXAMES,
            &[
                rng.random::<f64>().into(),
                LOCKED_EXAMS.into(),
                self.now_datum(),
            ],
        );
        // No row (min(id) is NULL) when every patient from that point on is locked by others.
        let (patients, first): (i64, i64) = self.pick(
            client,
            BLOQUEIO_PACIENTES,
            &[rng.random::<f64>().into(), LOCKED_PATIENTS.into()],
        )?;
        pgrx::debug1!(
            "alimentador: bloqueio_de_linhas holds {} pending exams and {patients} patients",
            exams.map_or(0, |e| e.0)
        );
        claim.wait();
        let (nome,): (String,) = self.pick(client, NOME_PACIENTE, &[first.into()])?;
        self.change_contact(client, rng, first, &nome)
    }

    fn random_paciente(&mut self, client: &mut SpiClient, rng: &mut Rng) -> Option<i64> {
        self.pick_wrapping::<FirstId>(client, rng, Start::Id(Table::Pacientes), PICK_PACIENTE)
            .map(|row| row.0)
    }

    fn insert_paciente(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let (id,): (i64,) = self.pick(client, NEXT_PACIENTE_ID, &[])?;
        let p = datagen::patient(rng, id, now);
        let args: [DatumWithOid; 12] = [
            id.into(),
            p.nome.as_str().into(),
            pgtypes::date(p.nascimento).into(),
            p.cpf.as_str().into(),
            p.sexo.code().into(),
            p.email.as_str().into(),
            p.telefone.as_str().into(),
            p.endereco.as_str().into(),
            p.cidade.into(),
            p.uf.into(),
            p.cep.as_str().into(),
            pgtypes::date(p.data_cadastro).into(),
        ];
        self.change(
            client,
            INSERT_PACIENTE,
            &args,
            Table::Pacientes,
            Change::Insert,
        )
    }

    /// Inserts pick their patient (and doctor) inside the INSERT: one statement each.
    fn insert_consulta(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let a = datagen::new_appointment(rng, now);
        let protocolo = pgtypes::uuid(datagen::uuid_for_index(rng, unique_token()));
        let paciente = self.start_id(client, Table::Pacientes, rng.random());
        let medico = self.start_id(client, Table::Medicos, rng.random());
        let args: [DatumWithOid; 6] = [
            protocolo.into(),
            pgtypes::timestamptz(a.data).into(),
            a.motivo.into(),
            a.valor_centavos.into(),
            paciente.into(),
            medico.into(),
        ];
        self.change(
            client,
            INSERT_CONSULTA,
            &args,
            Table::Consultas,
            Change::Insert,
        )
    }

    fn insert_exame(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let e = datagen::new_exam(rng, now);
        let paciente = self.start_id(client, Table::Pacientes, rng.random());
        let args: [DatumWithOid; 4] = [
            e.tipo_exame.into(),
            pgtypes::timestamptz(e.data).into(),
            e.urgente.into(),
            paciente.into(),
        ];
        self.change(client, INSERT_EXAME, &args, Table::Exames, Change::Insert)
    }

    fn insert_internacao(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let a = datagen::new_admission(rng, now);
        let paciente = self.start_id(client, Table::Pacientes, rng.random());
        let args: [DatumWithOid; 4] = [
            pgtypes::timestamptz(a.data_entrada).into(),
            a.motivo.into(),
            a.quarto.as_str().into(),
            paciente.into(),
        ];
        self.change(
            client,
            INSERT_INTERNACAO,
            &args,
            Table::Internacoes,
            Change::Insert,
        )
    }

    fn update_paciente(&mut self, client: &mut SpiClient, rng: &mut Rng) -> Outcome {
        let (id, nome) = self.pick_paciente(client, rng, PICK_PACIENTE_PARA_ATUALIZAR)?;
        self.change_contact(client, rng, id, &nome)
    }

    /// Patient `id` (already locked by the caller) gets a new phone, e-mail and address.
    fn change_contact(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        id: i64,
        nome: &str,
    ) -> Outcome {
        let c = datagen::patient_contact(rng, nome);
        let args: [DatumWithOid; 4] = [
            id.into(),
            c.telefone.as_str().into(),
            c.email.as_str().into(),
            c.endereco.as_str().into(),
        ];
        self.change(
            client,
            UPDATE_PACIENTE,
            &args,
            Table::Pacientes,
            Change::Update,
        )
    }

    /// A past-due appointment is closed (attended, missed or cancelled); when none is due, a future
    /// one is cancelled or rescheduled — the only moves a future appointment has.
    fn update_consulta(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let due: Option<(i64, TimestampWithTimeZone)> =
            self.pick(client, PICK_CONSULTA_VENCIDA, &[self.now_datum()]);
        let (id, data, is_due) = match due {
            Some((id, data)) => (id, data, true),
            None => {
                let (id, data): (i64, TimestampWithTimeZone) =
                    self.pick_wrapping(client, rng, Start::Fraction, PICK_CONSULTA_FUTURA)?;
                (id, data, false)
            }
        };
        let rows = if !is_due && rng.random_bool(0.5) {
            let new_date = datagen::new_appointment(rng, now).data;
            self.affected(
                client,
                UPDATE_CONSULTA_DATA,
                &[
                    id.into(),
                    pgtypes::timestamptz(new_date).into(),
                    self.now_datum(),
                ],
            )
        } else {
            let status =
                datagen::next_appointment_status(rng, pgtypes::from_timestamptz(data), now);
            self.affected(
                client,
                UPDATE_CONSULTA_STATUS,
                &[id.into(), status.code().into(), self.now_datum()],
            )
        };
        self.one(Table::Consultas, Change::Update, rows)
    }

    fn update_exame(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let (id, tipo, data): (i64, String, TimestampWithTimeZone) =
            self.pick_wrapping(client, rng, Start::Id(Table::Exames), PICK_EXAME_PENDENTE)?;
        let o = datagen::exam_outcome(rng, &tipo, pgtypes::from_timestamptz(data), now);
        let args: [DatumWithOid; 4] = [
            id.into(),
            o.resultado.to_string().into(),
            o.laudo.as_str().into(),
            pgtypes::timestamptz(o.data_resultado).into(),
        ];
        self.change(
            client,
            UPDATE_EXAME_RESULTADO,
            &args,
            Table::Exames,
            Change::Update,
        )
    }

    fn update_internacao(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        // The discharge reads the stay's readings (UPDATE_INTERNACAO_ALTA) after its pick has locked
        // the stay. A transaction creating a day's partition holds sinais_vitais locked and, later
        // in its batch, may wait for a row this one holds: taking the table first, and only when it
        // is free, orders the two. A discharge while a partition is being made is a skip, never a
        // deadlock (seen by tests/e2e/lifecycle.sh at time_scale 40320).
        if !lock_readings_if_free() {
            return None;
        }
        let (id, entrada, ctid): (i64, TimestampWithTimeZone, pgrx::pg_sys::ItemPointerData) = self
            .pick_wrapping(
                client,
                rng,
                Start::Id(Table::Internacoes),
                PICK_INTERNACAO_ATIVA,
            )?;
        let saida = datagen::discharge_time(rng, pgtypes::from_timestamptz(entrada), now);
        let rows = self.affected(
            client,
            UPDATE_INTERNACAO_ALTA,
            &[id.into(), pgtypes::timestamptz(saida).into(), ctid.into()],
        );
        self.one(Table::Internacoes, Change::Update, rows)
    }

    fn delete_by_pick(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        from: Start,
        pick: &'static str,
        delete: &'static str,
        table: Table,
    ) -> Outcome {
        let id: i64 = self.pick_wrapping::<FirstId>(client, rng, from, pick)?.0;
        // $2, the hospital clock's now: for the statements that re-check a date (an expired link).
        let args = [id.into(), self.now_datum()];
        self.change(client, delete, &args, table, Change::Delete)
    }

    fn insert_exames_lote(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let paciente = self.random_paciente(client, rng)?;
        let collected = datagen::new_exam(rng, now).data;
        let (mut tipos, mut resultados, mut laudos) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..LAB_BATCH {
            let tipo = datagen::exam_type(rng);
            let o = datagen::exam_outcome(rng, tipo, collected, now);
            tipos.push(tipo.to_string());
            resultados.push(o.resultado.to_string());
            laudos.push(o.laudo);
        }
        let args: [DatumWithOid; 6] = [
            paciente.into(),
            tipos.into(),
            pgtypes::timestamptz(collected).into(),
            pgtypes::timestamptz(now).into(),
            resultados.into(),
            laudos.into(),
        ];
        self.change(
            client,
            INSERT_EXAMES_LOTE,
            &args,
            Table::Exames,
            Change::Insert,
        )
    }

    /// Replenishes what delete_paciente_convenio consumes: without it the expired links of the seed
    /// run out and a long `deletes` run loses part of its mix.
    fn insert_paciente_convenio(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        let m = datagen::plan_membership(rng, now);
        let args: [DatumWithOid; 4] = [
            m.numero_carteira.as_str().into(),
            pgtypes::date(m.validade).into(),
            rng.random::<f64>().into(),
            rng.random::<f64>().into(),
        ];
        self.change(
            client,
            INSERT_PACIENTE_CONVENIO,
            &args,
            Table::PacientesConvenios,
            Change::Insert,
        )
    }

    /// A schema change: done when applied, a skip otherwise. The stream never writes medicos, so
    /// after the rename or the drop there one doctor's record is touched in the same transaction:
    /// pgoutput sends a table's new Relation message only with its next change, and consumers must
    /// meet the breaking change now, not at the next reseed.
    fn ddl(&mut self, client: &mut SpiClient, kind: OpKind) -> Outcome {
        let (applied,): (bool,) = self.pick(client, DDL, &[kind.name().into()])?;
        if !applied {
            return None;
        }
        if matches!(
            kind,
            OpKind::DdlRenameTelefoneMedico | OpKind::DdlDropEmailMedico
        ) {
            let rows = self.affected(client, TOUCH_MEDICO, &[]);
            self.keep_keys(Table::Medicos, Change::Update);
            let mut changes = RowChanges::default();
            changes.add(Table::Medicos, Change::Update, rows as u64);
            return Some(changes);
        }
        Some(RowChanges::default())
    }

    fn prescricoes_exists(&mut self, client: &mut SpiClient) -> bool {
        self.pick::<(bool,)>(client, PRESCRICOES_EXISTS, &[])
            .is_some_and(|(exists,)| exists)
    }

    fn insert_prescricao(&mut self, client: &mut SpiClient, rng: &mut Rng) -> Outcome {
        if !self.prescricoes_exists(client) {
            return None;
        }
        let p = datagen::prescription(rng);
        // From a random point, and once more from the start: the newest appointments are the
        // future ones, so a point near the end often has no attended appointment after it.
        for start in [rng.random::<f64>(), 0.0] {
            let args: [DatumWithOid; 4] = [
                p.medicamento.into(),
                p.posologia.into(),
                p.dias.into(),
                start.into(),
            ];
            let rows = self.affected(client, INSERT_PRESCRICAO, &args);
            if rows > 0 {
                return self.one(Table::Prescricoes, Change::Insert, rows);
            }
        }
        None
    }

    fn delete_paciente(&mut self, client: &mut SpiClient, rng: &mut Rng) -> Outcome {
        let (id, _) = self.pick_paciente(client, rng, PICK_PACIENTE_PARA_EXCLUIR)?;
        let mut changes = RowChanges::default();
        self.plans
            .affected(client, LOCK_INTERNACOES_DO_PACIENTE, &[id.into()]);
        if self.prescricoes_exists(client) {
            let rows = self.affected(client, DELETE_PRESCRICOES_DO_PACIENTE, &[id.into()]);
            changes.add(Table::Prescricoes, Change::Delete, rows as u64);
            self.keep_keys(Table::Prescricoes, Change::Delete);
        }
        for (table, sql) in DELETE_PACIENTE_ROWS {
            let rows = self.affected(client, sql, &[id.into()]);
            changes.add(table, Change::Delete, rows as u64);
            self.keep_keys(table, Change::Delete);
        }
        Some(changes)
    }

    /// A primary-key change: the patient (locked, skipping patients others hold) gets a new id from
    /// the sequence and its rows follow by ON UPDATE CASCADE. Counted as Debezium reports it: the
    /// patient as a delete of the old key plus an insert of the new one, each of its rows an update.
    fn update_paciente_id(&mut self, client: &mut SpiClient, rng: &mut Rng) -> Outcome {
        let (id, _) = self.pick_paciente(client, rng, PICK_PACIENTE_PARA_EXCLUIR)?;
        let mut changes = RowChanges::default();
        for (table, sql) in LOCK_PACIENTE_CHILDREN {
            let rows = self.affected(client, sql, &[id.into()]);
            changes.add(table, Change::Update, rows as u64);
            self.keep_keys(table, Change::Update);
        }
        let new_ids = self.plans.ids(client, UPDATE_PACIENTE_ID, &[id.into()]);
        let [new_id] = new_ids[..] else {
            panic!(
                "re-registering patient {id}: {} rows changed instead of 1",
                new_ids.len()
            )
        };
        changes.add(Table::Pacientes, Change::Delete, 1);
        changes.add(Table::Pacientes, Change::Insert, 1);
        if self.collect_keys {
            self.keys
                .add(Table::Pacientes, Change::Delete, &mut vec![id]);
            self.keys
                .add(Table::Pacientes, Change::Insert, &mut vec![new_id]);
        }
        Some(changes)
    }

    /// A reading for a random active admission, measured now; first makes sure the partitions of
    /// the coming days exist (at most every PARTITION_CHECK_INTERVAL, or when the hospital clock
    /// moved on by a day since: the partitions reach two days ahead).
    fn insert_sinal_vital(
        &mut self,
        client: &mut SpiClient,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> Outcome {
        if self.partitions_checked.is_none_or(|(at, hospital)| {
            at.elapsed() >= PARTITION_CHECK_INTERVAL || now - hospital >= chrono::Duration::days(1)
        }) {
            maintain_partitions(client, self.now_datum());
            self.partitions_checked = Some((std::time::Instant::now(), now));
        }
        let internacao: i64 = self
            .pick_wrapping::<FirstId>(
                client,
                rng,
                Start::Id(Table::Internacoes),
                PICK_INTERNACAO_PARA_SINAIS,
            )?
            .0;
        let v = datagen::vital_signs(rng);
        let args: [DatumWithOid; 8] = [
            internacao.into(),
            pgtypes::timestamptz(now).into(),
            v.pulso.into(),
            v.pressao_sistolica.into(),
            v.pressao_diastolica.into(),
            v.saturacao_o2.into(),
            v.temperatura_decimos.into(),
            v.frequencia_respiratoria.into(),
        ];
        self.change(
            client,
            INSERT_SINAL_VITAL,
            &args,
            Table::SinaisVitais,
            Change::Insert,
        )
    }
}

/// Creates the partitions of sinais_vitais up to two days ahead when missing, and drops the ones past
/// `alimentador.vitais_retencao` when it is set (alimentador_particoes_vitais() in sql/vitais.sql).
/// The extension's schema is looked up each time: it is where the function lives, and a DROP and
/// CREATE EXTENSION mid-stream may move it.
fn maintain_partitions(client: &mut SpiClient, now: DatumWithOid) {
    let schema: String = crate::extension::schema_with(client)
        .unwrap_or_else(|e| panic!("finding the extension's schema: {e}"))
        .unwrap_or_else(|| panic!("the extension alimentador is not installed"));
    // The days of the hospital clock ($1): at a time_scale above 1 they pass faster than real ones.
    let sql = format!(
        "SELECT count(*) FROM {schema}.alimentador_particoes_vitais(ate => $1 + interval '2 days', desde => $1)"
    );
    client
        .update(sql.as_str(), None, &[now])
        .unwrap_or_else(|e| panic!("creating the partitions of hospital.sinais_vitais: {e}"));
}

/// Locks hospital.sinais_vitais (the partitioned table only) ACCESS SHARE, as reading it does, if no
/// other transaction holds a conflicting lock (a partition being created or dropped); false
/// otherwise, without waiting. Held until the transaction ends.
fn lock_readings_if_free() -> bool {
    // SAFETY: inside a transaction; the names are static C strings and the RangeVar is palloc'd in
    // the current memory context; an ERROR becomes a Rust panic through pgrx's guard.
    unsafe {
        let range = pgrx::pg_sys::makeRangeVar(
            c"hospital".as_ptr().cast_mut(),
            c"sinais_vitais".as_ptr().cast_mut(),
            -1,
        );
        let relid = pgrx::pg_sys::RangeVarGetRelidExtended(
            range,
            pgrx::pg_sys::NoLock as pgrx::pg_sys::LOCKMODE,
            0,
            None,
            std::ptr::null_mut(),
        );
        pgrx::pg_sys::ConditionalLockRelationOid(
            relid,
            pgrx::pg_sys::AccessShareLock as pgrx::pg_sys::LOCKMODE,
        )
    }
}

/// Reads only the first column (an id) of a picking query that returns more.
struct FirstId(i64);

impl Row for FirstId {
    fn read(row: &SpiTupleTable) -> Option<Self> {
        row.get::<i64>(1).ok().flatten().map(FirstId)
    }
}
