//! The shared vocabulary of alimentador: the hospital tables, the kinds of row change a CDC consumer
//! sees, the stream's operation kinds, what a batch of operations did (a tally) and how many rows a
//! seed loads per table (volumes). Pure Rust; every other module speaks these types.

use std::fmt;

/// The hospital tables, in the order counters and `alimentador_counts()` report them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Convenios,
    Pacientes,
    Medicos,
    PacientesConvenios,
    Consultas,
    Exames,
    Internacoes,
    SinaisVitais,
    /// Created mid-stream by the `ddl_prescricoes` operation; absent until then.
    Prescricoes,
}

impl Table {
    pub const ALL: [Table; 9] = [
        Table::Convenios,
        Table::Pacientes,
        Table::Medicos,
        Table::PacientesConvenios,
        Table::Consultas,
        Table::Exames,
        Table::Internacoes,
        Table::SinaisVitais,
        Table::Prescricoes,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn name(self) -> &'static str {
        match self {
            Table::Convenios => "convenios",
            Table::Pacientes => "pacientes",
            Table::Medicos => "medicos",
            Table::PacientesConvenios => "pacientes_convenios",
            Table::Consultas => "consultas",
            Table::Exames => "exames",
            Table::Internacoes => "internacoes",
            Table::SinaisVitais => "sinais_vitais",
            Table::Prescricoes => "prescricoes",
        }
    }
}

/// A row-level change, as a CDC consumer sees it (Debezium's `c`, `u`, `d`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Insert,
    Update,
    Delete,
}

impl Change {
    pub const ALL: [Change; 3] = [Change::Insert, Change::Update, Change::Delete];
    pub const COUNT: usize = Self::ALL.len();

    pub fn name(self) -> &'static str {
        match self {
            Change::Insert => "insert",
            Change::Update => "update",
            Change::Delete => "delete",
        }
    }
}

/// Rows changed per table and change kind. What the counters in shared memory accumulate, and what
/// a CDC consumer must receive as events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowChanges(pub [[u64; Change::COUNT]; Table::COUNT]);

impl RowChanges {
    pub fn add(&mut self, table: Table, change: Change, rows: u64) {
        self.0[table as usize][change as usize] += rows;
    }

    pub fn merge(&mut self, other: &RowChanges) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0.iter()) {
            for (a, b) in mine.iter_mut().zip(theirs.iter()) {
                *a += b;
            }
        }
    }

    pub fn get(&self, table: Table, change: Change) -> u64 {
        self.0[table as usize][change as usize]
    }
}

macro_rules! op_kinds {
    ($($variant:ident => $name:literal, $weight:literal, $doc:literal;)*) => {
        /// One kind of operation of the stream. Each is one lifecycle step of the hospital.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum OpKind { $(#[doc = $doc] $variant,)* }

        impl OpKind {
            pub const ALL: &'static [OpKind] = &[$(OpKind::$variant,)*];

            /// The name used in `alimentador.weights`, `alimentador_status()` and markers.
            pub fn name(self) -> &'static str {
                match self { $(OpKind::$variant => $name,)* }
            }

            /// The default weight: a 70/30 mix of inserts and updates; the rest are opt-in.
            pub fn default_weight(self) -> u32 {
                match self { $(OpKind::$variant => $weight,)* }
            }

            pub fn description(self) -> &'static str {
                match self { $(OpKind::$variant => $doc,)* }
            }
        }
    };
}

op_kinds! {
    InsertPaciente => "insert_paciente", 5, "a new patient registers";
    InsertConsulta => "insert_consulta", 30, "an appointment is booked (1 h to 60 days ahead)";
    InsertExame => "insert_exame", 15, "a sample is collected, result pending";
    InsertInternacao => "insert_internacao", 20, "a patient is admitted";
    UpdatePaciente => "update_paciente", 8, "a patient changes phone, e-mail and address";
    UpdateConsulta => "update_consulta", 10, "an appointment moves on: a past one is attended or missed, any can be cancelled";
    UpdateExame => "update_exame", 7, "a pending exam gets its result and report";
    UpdateInternacao => "update_internacao", 5, "an active admission is discharged";
    DeleteConsulta => "delete_consulta", 0, "a cancelled appointment is removed";
    DeletePacienteConvenio => "delete_paciente_convenio", 0, "an expired health-plan link is removed";
    DeleteExame => "delete_exame", 0, "a pending exam request is withdrawn";
    UpdateExameUrgencia => "update_exame_urgencia", 0, "an exam's urgency flag flips, leaving its TOASTed laudo untouched";
    InsertExamesLote => "insert_exames_lote", 0, "one statement inserts a batch of 25 lab results (one commit LSN)";
    LargeTransaction => "transacao_grande", 0, "one transaction re-prices 20,000 appointments (above logical_decoding_work_mem)";
    DeletePaciente => "delete_paciente", 0, "a patient is deleted together with all of their rows";
    InsertPacienteConvenio => "insert_paciente_convenio", 0, "a patient registers a health-plan card (about a quarter already expired, as at a real reception desk)";
    LongTransaction => "transacao_longa", 0, "a transaction changes a patient, stays open for alimentador.long_transaction_duration while the others commit, then books an appointment";
    RowLocks => "bloqueio_de_linhas", 0, "locks 50 pending exams and 100 patients that the stream wants for alimentador.long_transaction_duration (SKIP LOCKED paths), then changes one patient";
    IdleInTransaction => "ocioso_em_transacao", 0, "a session changes a patient and sits idle in transaction for alimentador.long_transaction_duration, then commits";
    UpdatePacienteId => "update_paciente_id", 0, "a patient record is re-registered under a new id (a primary-key change; its rows follow by ON UPDATE CASCADE)";
    InsertSinalVital => "insert_sinal_vital", 0, "a nurse records the vital signs of an admitted patient (the partitioned sinais_vitais)";
    DdlNomeSocial => "ddl_nome_social", 0, "schema change: pacientes gets the nullable column nome_social (once per schema generation)";
    DdlTeleconsulta => "ddl_teleconsulta", 0, "schema change: consultas gets teleconsulta boolean NOT NULL DEFAULT false (fast default, no rewrite)";
    DdlEmail254 => "ddl_email_254", 0, "schema change: pacientes.email widened from varchar(200) to varchar(254)";
    DdlValor12x2 => "ddl_valor_12_2", 0, "schema change: consultas.valor from numeric(10,2) to numeric(12,2)";
    DdlCheckQuarto => "ddl_check_quarto", 0, "schema change: internacoes gets CHECK (btrim(quarto) <> '')";
    DdlStatusConfirmada => "ddl_status_confirmada", 0, "schema change: the CHECK list of consultas.status gets the value confirmada";
    DdlPrescricoes => "ddl_prescricoes", 0, "schema change: the new table prescricoes joins the publication mid-stream";
    InsertPrescricao => "insert_prescricao", 0, "a prescription is written at an attended appointment (a skip until prescricoes exists)";
    DdlRenameTelefoneMedico => "ddl_rename_telefone_medico", 0, "breaking schema change: medicos.telefone renamed to telefone_consultorio";
    DdlDropEmailMedico => "ddl_drop_email_medico", 0, "breaking schema change: medicos.email dropped";
}

impl OpKind {
    pub const COUNT: usize = Self::ALL.len();

    pub fn from_name(name: &str) -> Option<OpKind> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The primary keys of the rows changed, per table and change (the ledger's `keys` level).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keys(pub [[Vec<i64>; Change::COUNT]; Table::COUNT]);

impl Keys {
    pub fn add(&mut self, table: Table, change: Change, ids: &mut Vec<i64>) {
        self.0[table as usize][change as usize].append(ids);
    }

    pub fn get(&self, table: Table, change: Change) -> &[i64] {
        &self.0[table as usize][change as usize]
    }
}

/// What a batch of operations did, before or after it is committed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    pub done: [u64; OpKind::COUNT],
    pub skipped: [u64; OpKind::COUNT],
    pub rows: RowChanges,
}

impl Tally {
    pub fn merge(&mut self, other: &Tally) {
        for i in 0..OpKind::COUNT {
            self.done[i] += other.done[i];
            self.skipped[i] += other.skipped[i];
        }
        self.rows.merge(&other.rows);
    }

    pub fn done_total(&self) -> u64 {
        self.done.iter().sum()
    }
}

/// How many rows each table gets at a scale (scale 1: about 13,400 rows in all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Volumes {
    pub pacientes: usize,
    pub medicos: usize,
    pub pacientes_convenios: usize,
    pub consultas: usize,
    pub exames: usize,
    pub internacoes: usize,
}

impl Volumes {
    pub fn at_scale(scale: f64) -> Volumes {
        let n = |base: f64| ((base * scale).round() as usize).max(1);
        let pacientes = n(2000.0);
        Volumes {
            pacientes,
            medicos: n(200.0),
            // A patient holds at most one link per plan.
            pacientes_convenios: n(2500.0).min(pacientes * 12),
            consultas: n(4000.0),
            exames: n(3500.0),
            internacoes: n(1200.0),
        }
    }

    pub fn total(&self) -> usize {
        self.pacientes
            + self.medicos
            + self.pacientes_convenios
            + self.consultas
            + self.exames
            + self.internacoes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_changes_merge_and_total() {
        let mut a = RowChanges::default();
        a.add(Table::Consultas, Change::Update, 3);
        let mut b = RowChanges::default();
        b.add(Table::Consultas, Change::Update, 2);
        b.add(Table::Exames, Change::Insert, 1);
        a.merge(&b);
        assert_eq!(a.get(Table::Consultas, Change::Update), 5);
        assert_eq!(a.get(Table::Exames, Change::Insert), 1);
    }
}
