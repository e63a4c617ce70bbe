//! The stream's operation kinds: their names, default weights, the tables they change, and the parsing
//! of weight lists such as `insert_consulta=30,update_exame=7`. Pure Rust; the SQL that runs each kind
//! lives in [`run`].

pub mod run;

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
}

impl Table {
    pub const ALL: [Table; 7] = [
        Table::Convenios,
        Table::Pacientes,
        Table::Medicos,
        Table::PacientesConvenios,
        Table::Consultas,
        Table::Exames,
        Table::Internacoes,
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

            /// The default weight: the Python tool's 70/30 mix; the rest are opt-in.
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
    TransacaoGrande => "transacao_grande", 0, "one transaction re-prices 20,000 appointments (above logical_decoding_work_mem)";
    DeletePaciente => "delete_paciente", 0, "a patient is deleted together with all of their rows";
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

/// The largest weight accepted for one kind.
pub const MAX_WEIGHT: u32 = 1_000_000;

/// Named sets of weights, usable wherever a weight list is (`alimentador.weights = 'cdc-edge'`).
const PROFILES: &[(&str, &str)] = &[
    ("default", ""),
    (
        "deletes",
        "delete_consulta=3,delete_paciente_convenio=2,delete_exame=2",
    ),
    (
        "cdc-edge",
        "update_exame_urgencia=5,insert_exames_lote=3,transacao_grande=0,delete_paciente=1,\
         delete_consulta=2,delete_paciente_convenio=1,delete_exame=1",
    ),
];

/// Relative weights of the operation kinds: how often each is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weights(pub [u32; OpKind::COUNT]);

impl Default for Weights {
    fn default() -> Self {
        let mut w = [0; OpKind::COUNT];
        for k in OpKind::ALL {
            w[*k as usize] = k.default_weight();
        }
        Weights(w)
    }
}

impl Weights {
    /// Parses a weight list. It starts from the defaults and changes only the kinds it names, so
    /// `delete_consulta=2` turns deletes on and keeps the usual mix. A list may start with a profile
    /// name (`cdc-edge` or `cdc-edge,insert_paciente=0`). Blank means the defaults.
    pub fn parse(text: &str) -> Result<Weights, String> {
        let mut weights = Weights::default();
        for (i, item) in text.split(',').map(str::trim).enumerate() {
            if item.is_empty() {
                continue;
            }
            if i == 0 && !item.contains('=') {
                weights = Self::profile(item)?;
                continue;
            }
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| format!("\"{item}\" is not name=weight"))?;
            let kind = OpKind::from_name(name.trim()).ok_or_else(|| {
                format!(
                    "unknown operation \"{}\"; known operations: {}",
                    name.trim(),
                    Self::known_names()
                )
            })?;
            let value: u32 = value
                .trim()
                .parse()
                .ok()
                .filter(|v| *v <= MAX_WEIGHT)
                .ok_or_else(|| format!("weight of {kind} must be a whole number from 0 to {MAX_WEIGHT}, got \"{}\"", value.trim()))?;
            weights.0[kind as usize] = value;
        }
        if weights.total() == 0 {
            return Err("at least one operation must have a weight above 0".into());
        }
        Ok(weights)
    }

    fn profile(name: &str) -> Result<Weights, String> {
        let (_, list) = PROFILES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            let names: Vec<&str> = PROFILES.iter().map(|(n, _)| *n).collect();
            format!("unknown profile \"{name}\"; profiles: {}", names.join(", "))
        })?;
        Self::parse(list)
    }

    fn known_names() -> String {
        OpKind::ALL
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|w| *w as u64).sum()
    }

    pub fn get(&self, kind: OpKind) -> u32 {
        self.0[kind as usize]
    }

    /// Picks a kind with probability weight/total, given `ticket` uniform in `0..total()`.
    pub fn pick(&self, ticket: u64) -> OpKind {
        let mut acc = 0u64;
        for k in OpKind::ALL {
            acc += self.get(*k) as u64;
            if ticket < acc {
                return *k;
            }
        }
        // Unreachable for ticket < total(); the last kind with a weight is the safe answer.
        *OpKind::ALL
            .iter()
            .rev()
            .find(|k| self.get(**k) > 0)
            .unwrap_or(&OpKind::InsertPaciente)
    }

    /// The canonical text form, listing every kind (what `alimentador_status()` shows).
    pub fn to_text(self) -> String {
        OpKind::ALL
            .iter()
            .map(|k| format!("{}={}", k.name(), self.get(*k)))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seed_mix_70_30() {
        let w = Weights::default();
        let inserts: u64 = OpKind::ALL
            .iter()
            .filter(|k| k.name().starts_with("insert_"))
            .map(|k| w.get(*k) as u64)
            .sum();
        assert_eq!(w.total(), 100);
        assert_eq!(inserts, 70);
        assert_eq!(w.get(OpKind::InsertConsulta), 30);
        assert_eq!(w.get(OpKind::DeleteConsulta), 0);
    }

    #[test]
    fn parse_overrides_only_named_kinds() {
        let w = Weights::parse(" delete_consulta = 4 ,update_exame=0").unwrap();
        assert_eq!(w.get(OpKind::DeleteConsulta), 4);
        assert_eq!(w.get(OpKind::UpdateExame), 0);
        assert_eq!(w.get(OpKind::InsertConsulta), 30);
        assert_eq!(Weights::parse("").unwrap(), Weights::default());
    }

    #[test]
    fn parse_rejects_bad_lists_with_a_clear_reason() {
        let e = Weights::parse("insert_cosulta=3").unwrap_err();
        assert!(e.contains("unknown operation \"insert_cosulta\""), "{e}");
        assert!(e.contains("insert_consulta"), "lists known names: {e}");
        assert!(Weights::parse("insert_consulta=-1")
            .unwrap_err()
            .contains("whole number"));
        assert!(Weights::parse("insert_consulta=abc").is_err());
        assert!(Weights::parse("insert_consulta=3,update_exame")
            .unwrap_err()
            .contains("name=weight"));
        assert!(Weights::parse("insert_consulta=2000000").is_err());
        let all_zero: Vec<String> = OpKind::ALL.iter().map(|k| format!("{k}=0")).collect();
        assert!(Weights::parse(&all_zero.join(","))
            .unwrap_err()
            .contains("above 0"));
    }

    #[test]
    fn profiles_start_a_list() {
        let w = Weights::parse("cdc-edge,insert_paciente=0").unwrap();
        assert_eq!(w.get(OpKind::UpdateExameUrgencia), 5);
        assert_eq!(w.get(OpKind::InsertPaciente), 0);
        assert!(Weights::parse("nope")
            .unwrap_err()
            .contains("unknown profile"));
        // A profile is only valid first.
        assert!(Weights::parse("insert_paciente=1,cdc-edge").is_err());
    }

    #[test]
    fn pick_follows_the_weights_exactly_over_all_tickets() {
        let w = Weights::parse("deletes").unwrap();
        let mut seen = [0u64; OpKind::COUNT];
        for t in 0..w.total() {
            seen[w.pick(t) as usize] += 1;
        }
        for k in OpKind::ALL {
            assert_eq!(seen[*k as usize], w.get(*k) as u64, "{k}");
        }
    }

    #[test]
    fn text_form_round_trips() {
        let w = Weights::parse("cdc-edge,insert_paciente=0").unwrap();
        assert_eq!(Weights::parse(&w.to_text()).unwrap(), w);
    }

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
