//! The hospital tables: names, partitions, and the columns a schemaless event cannot describe.

use crate::digest::{NumMode, PgType};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The hospital tables' ORIGINAL columns in attnum order with their PostgreSQL types
/// (sql/schema.sql, sql/vitais.sql, sql/cdc.sql; the same list as tools/alimentador-verify).
/// Columns added by schema evolution are left out of the digest (docs/digest.md).
pub const KNOWN: &[(&str, &str)] = &[
    ("convenios", "id=int8,nome=varchar,cnpj=bpchar,tipo=varchar,cobertura=varchar,created_at=timestamptz,updated_at=timestamptz"),
    (
        "pacientes",
        "id=int8,nome=varchar,nascimento=date,cpf=bpchar,sexo=bpchar,email=varchar,telefone=varchar,endereco=varchar,cidade=varchar,uf=bpchar,cep=bpchar,data_cadastro=date,ativo=bool,created_at=timestamptz,updated_at=timestamptz",
    ),
    ("medicos", "id=int8,nome=varchar,crm=varchar,especialidade=varchar,telefone=varchar,email=varchar,ativo=bool,created_at=timestamptz,updated_at=timestamptz"),
    ("pacientes_convenios", "id=int8,paciente_id=int8,convenio_id=int8,numero_carteira=varchar,validade=date,created_at=timestamptz,updated_at=timestamptz"),
    (
        "consultas",
        "id=int8,protocolo=uuid,paciente_id=int8,medico_id=int8,data=timestamptz,motivo=varchar,status=varchar,valor=numeric,created_at=timestamptz,updated_at=timestamptz",
    ),
    (
        "exames",
        "id=int8,paciente_id=int8,tipo_exame=varchar,data=timestamptz,urgente=bool,resultado=jsonb,laudo=text,data_resultado=timestamptz,created_at=timestamptz,updated_at=timestamptz",
    ),
    ("internacoes", "id=int8,paciente_id=int8,data_entrada=timestamptz,data_saida=timestamptz,motivo=varchar,quarto=varchar,created_at=timestamptz,updated_at=timestamptz"),
    (
        "sinais_vitais",
        "id=int8,internacao_id=int8,medido_em=timestamptz,pulso=int2,pressao_sistolica=int2,pressao_diastolica=int2,saturacao_o2=int2,temperatura=numeric,frequencia_respiratoria=int2,created_at=timestamptz",
    ),
    ("pulso", "id=int4,batida=timestamptz,worker=int4,seq=int8"),
];

/// The hospital table a topic's source.table belongs to: with publish_via_partition_root = off a
/// partition's events (sinais_vitais_p20261204) are its table's.
pub fn table_of(name: &str) -> &str {
    if let Some(day) = name.strip_prefix("sinais_vitais_p") {
        if day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()) {
            return "sinais_vitais";
        }
    }
    name
}

pub struct Column {
    pub name: String,
    pub ty: PgType,
    pub num: NumMode,
}

pub struct Table {
    pub name: String,
    /// None: unknown types (a table this tool does not know, no schema envelope seen yet).
    pub columns: Option<Vec<Column>>,
    pub known: bool,
    /// The last schema envelope read for this table (its fields are re-read when it changes).
    pub last_schema: Vec<u8>,
}

#[derive(Default)]
pub struct Tables {
    pub list: Vec<Table>,
    by_topic: FxHashMap<String, u16>,
}

#[derive(Deserialize)]
struct FieldSchema<'a> {
    #[serde(default)]
    field: Option<String>,
    #[serde(default, rename = "type")]
    ty: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, borrow)]
    fields: Option<Vec<FieldSchema<'a>>>,
    #[serde(default, borrow)]
    parameters: Option<FxHashMap<&'a str, &'a RawValue>>,
}

impl Tables {
    pub fn new() -> Self {
        let mut t = Tables::default();
        for (name, spec) in KNOWN {
            let cols = spec
                .split(',')
                .map(|item| {
                    let (n, ty) = item.split_once('=').unwrap_or((item, "text"));
                    Column {
                        name: n.to_string(),
                        ty: PgType::from_name(ty),
                        num: NumMode::String,
                    }
                })
                .collect();
            t.list.push(Table {
                name: name.to_string(),
                columns: Some(cols),
                known: true,
                last_schema: Vec::new(),
            });
            t.by_topic
                .insert(name.to_string(), (t.list.len() - 1) as u16);
        }
        t
    }

    /// The table index of a topic's source.table (a partition maps to its table).
    pub fn index(&mut self, topic: &str) -> u16 {
        if let Some(&i) = self.by_topic.get(topic) {
            return i;
        }
        let name = table_of(topic);
        let i = match self.list.iter().position(|t| t.name == name) {
            Some(i) => i as u16,
            None => {
                self.list.push(Table {
                    name: name.to_string(),
                    columns: None,
                    known: false,
                    last_schema: Vec::new(),
                });
                (self.list.len() - 1) as u16
            }
        };
        self.by_topic.insert(topic.to_string(), i);
        i
    }

    pub fn lookup(&self, name: &str) -> Option<u16> {
        self.list
            .iter()
            .position(|t| t.name == name)
            .map(|i| i as u16)
    }

    pub fn name(&self, i: u16) -> &str {
        &self.list[i as usize].name
    }

    /// Reads the "after" field schemas of an envelope (only when it differs from the last one).
    pub fn learn_schema(&mut self, i: u16, schema: &str) {
        let t = &mut self.list[i as usize];
        t.last_schema.clear();
        t.last_schema.extend_from_slice(schema.as_bytes());
        let Ok(top) = serde_json::from_str::<FieldSchema>(schema) else {
            return;
        };
        let Some(fields) = top
            .fields
            .as_ref()
            .and_then(|f| f.iter().find(|f| f.field.as_deref() == Some("after")))
            .and_then(|f| f.fields.as_ref())
        else {
            return;
        };
        let mode = |f: &FieldSchema| -> NumMode {
            match (f.ty.as_deref(), f.name.as_deref()) {
                (Some("double") | Some("float"), _) => NumMode::Double,
                (_, Some("org.apache.kafka.connect.data.Decimal")) => {
                    let scale = f
                        .parameters
                        .as_ref()
                        .and_then(|p| p.get("scale"))
                        .and_then(|r| {
                            let s = r.get().trim_matches('"');
                            s.parse::<u32>().ok()
                        })
                        .unwrap_or(0);
                    NumMode::Precise(scale)
                }
                _ => NumMode::String,
            }
        };
        if let Some(cols) = t.columns.as_mut().filter(|_| t.known) {
            for c in cols.iter_mut() {
                if let Some(f) = fields
                    .iter()
                    .find(|f| f.field.as_deref() == Some(c.name.as_str()))
                {
                    c.num = if c.ty == PgType::Numeric {
                        mode(f)
                    } else {
                        NumMode::String
                    };
                }
            }
            return;
        }
        // A table this tool does not know (prescricoes…): its types from the Connect schema.
        let mut cols = Vec::new();
        for f in fields {
            let ty = match (f.name.as_deref(), f.ty.as_deref()) {
                (Some("io.debezium.time.ZonedTimestamp"), _) => PgType::Timestamptz,
                (Some("io.debezium.time.Date") | Some("org.apache.kafka.connect.data.Date"), _) => {
                    PgType::Date
                }
                (Some("io.debezium.data.Uuid"), _) => PgType::Uuid,
                (Some("io.debezium.data.Json"), _) => PgType::Jsonb,
                (Some("io.debezium.time.MicroTimestamp"), _) => PgType::Timestamp,
                (
                    Some("org.apache.kafka.connect.data.Decimal")
                    | Some("io.debezium.data.VariableScaleDecimal"),
                    _,
                ) => PgType::Numeric,
                (None, Some("int64" | "int32" | "int16")) => PgType::Int,
                (None, Some("boolean")) => PgType::Bool,
                (None, Some("string")) => PgType::Text,
                (None, Some("double" | "float")) => PgType::Numeric,
                _ => {
                    t.columns = None;
                    return;
                }
            };
            let num = if ty == PgType::Numeric {
                mode(f)
            } else {
                NumMode::String
            };
            cols.push(Column {
                name: f.field.clone().unwrap_or_default(),
                ty,
                num,
            });
        }
        t.columns = Some(cols);
    }
}
