//! The weights of the stream's operation kinds and the parsing of weight lists such as
//! `insert_consulta=30,update_exame=7`. Pure Rust; the kinds themselves are in [`crate::model`], the
//! SQL that runs each kind in [`crate::executor`].

use std::fmt;

use crate::echo::truncated;
use crate::model::OpKind;

/// The largest weight accepted for one kind.
pub const MAX_WEIGHT: u32 = 1_000_000;

/// A named set of weights, usable wherever a weight list is (`alimentador.weights = 'cdc-edge'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: &'static str,
    /// What the profile is for (`alimentador_profiles()`, the docs' configuration page).
    pub description: &'static str,
    /// The weights it changes from the default mix, as a weight list.
    pub weights: &'static str,
}

/// The profiles: the one list every hint, message and SQL view (`alimentador_profiles()`) derives
/// from.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "default",
        description: "the default mix: 70 % inserts and 30 % updates, no deletes",
        weights: "",
    },
    Profile {
        name: "deletes",
        description: "the default mix plus deletes of appointments, health-plan links and exams, and new health-plan links",
        weights: "delete_consulta=3,delete_paciente_convenio=2,delete_exame=2,insert_paciente_convenio=2",
    },
    Profile {
        name: "cdc-edge",
        description: "the default mix plus the cases CDC consumers get wrong: updates that leave a TOASTed column untouched, multi-row inserts, cascading deletes, deletes of every kind",
        weights: "update_exame_urgencia=5,insert_exames_lote=3,transacao_grande=0,delete_paciente=1,\
                  delete_consulta=2,delete_paciente_convenio=1,delete_exame=1,insert_paciente_convenio=1",
    },
    Profile {
        name: "long-tx",
        description: "the default mix with long, row-locking and idle-in-transaction transactions (one at a time across the workers)",
        weights: "transacao_longa=1,bloqueio_de_linhas=1,ocioso_em_transacao=1",
    },
    Profile {
        name: "chaves",
        description: "primary-key changes on top of the default mix: Debezium turns each into a delete and a create",
        weights: "update_paciente_id=5",
    },
    Profile {
        name: "sinais-vitais",
        description: "the partitioned, append-heavy vital-signs series on top of the default mix (admissions keep coming)",
        weights: "insert_sinal_vital=100",
    },
    // Each change applies once per schema generation, after which its draws are skips: weight 1
    // among the default 100 applies all of them within the first few hundred operations.
    Profile {
        name: "ddl",
        description: "the default mix plus each compatible schema change once, then prescriptions in the new table",
        weights: "ddl_nome_social=1,ddl_teleconsulta=1,ddl_email_254=1,ddl_valor_12_2=1,ddl_check_quarto=1,\
                  ddl_status_confirmada=1,ddl_prescricoes=1,insert_prescricao=5",
    },
    Profile {
        name: "ddl-breaking",
        description: "the ddl profile plus the changes that break consumers on purpose (a column renamed, a column dropped)",
        weights: "ddl_nome_social=1,ddl_teleconsulta=1,ddl_email_254=1,ddl_valor_12_2=1,ddl_check_quarto=1,\
                  ddl_status_confirmada=1,ddl_prescricoes=1,insert_prescricao=5,ddl_rename_telefone_medico=1,\
                  ddl_drop_email_medico=1",
    },
];

/// The profile names, comma-separated, for hints and messages.
pub fn profile_names() -> String {
    PROFILES
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The hint given with a refused weight list, wherever it comes from.
pub fn hint() -> String {
    format!(
        "Example: 'insert_consulta=30,delete_consulta=2' (starts from the default mix) or a profile: {}.",
        profile_names()
    )
}

/// Why a weight list was rejected. Echoed input is shortened, so a 10 kB string is not repeated
/// back whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WeightsError {
    NotNameEqualsWeight(String),
    UnknownOperation(String),
    BadWeight { kind: OpKind, value: String },
    UnknownProfile(String),
    AllZero,
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::NotNameEqualsWeight(item) => {
                write!(f, "\"{}\" is not name=weight", truncated(item))
            }
            WeightsError::UnknownOperation(name) => write!(
                f,
                "unknown operation \"{}\"; known operations: {}",
                truncated(name),
                Weights::known_names()
            ),
            WeightsError::BadWeight { kind, value } => write!(
                f,
                "weight of {kind} must be a whole number from 0 to {MAX_WEIGHT}, got \"{}\"",
                truncated(value)
            ),
            WeightsError::UnknownProfile(name) => write!(
                f,
                "unknown profile \"{}\"; profiles: {}",
                truncated(name),
                profile_names()
            ),
            WeightsError::AllZero => {
                f.write_str("at least one operation must have a weight above 0")
            }
        }
    }
}

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
    pub fn parse(text: &str) -> Result<Weights, WeightsError> {
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
                .ok_or_else(|| WeightsError::NotNameEqualsWeight(item.to_string()))?;
            let kind = OpKind::from_name(name.trim())
                .ok_or_else(|| WeightsError::UnknownOperation(name.trim().to_string()))?;
            let value: u32 = value
                .trim()
                .parse()
                .ok()
                .filter(|v| *v <= MAX_WEIGHT)
                .ok_or_else(|| WeightsError::BadWeight {
                    kind,
                    value: value.trim().to_string(),
                })?;
            weights.0[kind as usize] = value;
        }
        if weights.total() == 0 {
            return Err(WeightsError::AllZero);
        }
        Ok(weights)
    }

    fn profile(name: &str) -> Result<Weights, WeightsError> {
        let profile = PROFILES
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| WeightsError::UnknownProfile(name.to_string()))?;
        Self::parse(profile.weights)
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
        let e = Weights::parse("insert_cosulta=3").unwrap_err().to_string();
        assert!(e.contains("unknown operation \"insert_cosulta\""), "{e}");
        assert!(e.contains("insert_consulta"), "lists known names: {e}");
        assert!(Weights::parse("insert_consulta=-1")
            .unwrap_err()
            .to_string()
            .contains("whole number"));
        assert!(Weights::parse("insert_consulta=abc").is_err());
        assert!(Weights::parse("insert_consulta=3,update_exame")
            .unwrap_err()
            .to_string()
            .contains("name=weight"));
        assert!(Weights::parse("insert_consulta=2000000").is_err());
        let all_zero: Vec<String> = OpKind::ALL.iter().map(|k| format!("{k}=0")).collect();
        assert_eq!(
            Weights::parse(&all_zero.join(",")).unwrap_err(),
            WeightsError::AllZero
        );
        let long = format!("{}=1", "x".repeat(10_000));
        let message = Weights::parse(&long).unwrap_err().to_string();
        assert!(
            message.len() < 1_000,
            "echoed input is shortened: {message}"
        );
        assert!(message.contains(&format!("\"{}…\"", "x".repeat(crate::echo::ECHO_CHARS))));
    }

    #[test]
    fn profiles_start_a_list() {
        let w = Weights::parse("cdc-edge,insert_paciente=0").unwrap();
        assert_eq!(w.get(OpKind::UpdateExameUrgencia), 5);
        assert_eq!(w.get(OpKind::InsertPaciente), 0);
        assert!(matches!(
            Weights::parse("nope"),
            Err(WeightsError::UnknownProfile(_))
        ));
        // A profile is only valid first.
        assert!(Weights::parse("insert_paciente=1,cdc-edge").is_err());
    }

    #[test]
    fn every_profile_parses_and_is_named_in_the_hint() {
        for p in PROFILES {
            assert!(Weights::parse(p.name).is_ok(), "{}", p.name);
            assert!(Weights::parse(p.weights).is_ok(), "{}", p.name);
            assert!(hint().contains(p.name), "{}", p.name);
            assert!(!p.description.is_empty(), "{}", p.name);
        }
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
}
