//! The hospital tables: names, partitions, and the columns a schemaless event cannot describe, read
//! from the extension's SQL (one definition of the tables).

use crate::digest::{NumMode, PgType};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The SQL that creates the hospital tables, the extension's own (one definition of the tables for
/// the extension and the verifier): their columns in attnum order with their types are read from it
/// (`ddl_columns`). Columns added later by the ddl profiles' schema changes (ALTER TABLE inside
/// sql/ddl.sql's functions) are not read: the digest leaves them out (docs/src/digest.md).
const SCHEMA_SQL: &[&str] = &[
    include_str!("../../sql/schema.sql"),
    include_str!("../../sql/vitais.sql"),
    include_str!("../../sql/cdc.sql"),
];
/// sql/ddl.sql: the ddl profile's CREATE TABLE hospital.prescricoes, a string in a function.
const DDL_SQL: &str = include_str!("../../sql/ddl.sql");

/// (table, [(column, PostgreSQL type name)]) of every `CREATE TABLE hospital.<name> (…)` in the
/// extension's SQL, plus the top-level `ALTER TABLE hospital.<name> ADD [COLUMN] <col> <type>` of the
/// schema files, in file order. Types are canonical names (int8, varchar, bpchar, timestamptz…).
pub fn ddl_columns() -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for sql in SCHEMA_SQL {
        let sql = strip_comments(sql);
        create_tables(&sql, &mut out);
        // top-level ALTER TABLE … ADD COLUMN (not the ones a function builds with format())
        for stmt in sql.split(';') {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
            if lower.len() < 6 || lower[0] != "alter" || lower[1] != "table" {
                continue;
            }
            let Some(table) = words[2].strip_prefix("hospital.") else {
                continue;
            };
            if lower[3] != "add" {
                continue;
            }
            let at = if lower[4] == "column" { 5 } else { 4 };
            if let (Some(col), Some(ty)) = (words.get(at), type_of(&words[at + 1..].join(" "))) {
                if let Some(t) = out.iter_mut().find(|t| t.0 == table) {
                    t.1.push((col.to_string(), ty));
                }
            }
        }
    }
    // the ddl profile's table: its DDL is adjacent SQL string literals
    let ddl = strip_comments(DDL_SQL);
    if let Some(at) = ddl.find("'CREATE TABLE hospital.") {
        let joined = ddl[at + 1..]
            .split('\n')
            .map(|l| l.trim().trim_start_matches('\'').trim_end_matches('\''))
            .collect::<Vec<_>>()
            .join("");
        create_tables(&joined, &mut out);
    }
    out
}

fn strip_comments(sql: &str) -> String {
    sql.lines()
        .map(|l| match l.find("--") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `CREATE TABLE hospital.<name> (…)` of `sql` (not the ones built with format()).
fn create_tables(sql: &str, out: &mut Vec<(String, Vec<(String, String)>)>) {
    let mut rest = sql;
    while let Some(at) = rest.find("CREATE TABLE hospital.") {
        rest = &rest[at + "CREATE TABLE hospital.".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let after = rest[name.len()..].trim_start();
        if name.is_empty() || !after.starts_with('(') {
            continue; // hospital.%I PARTITION OF …
        }
        // the body: up to the matching parenthesis, split at top-level commas
        let mut depth = 0;
        let mut items = vec![String::new()];
        for c in after.chars() {
            match c {
                '(' => {
                    depth += 1;
                    if depth == 1 {
                        continue;
                    }
                }
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ',' if depth == 1 => {
                    items.push(String::new());
                    continue;
                }
                _ => {}
            }
            items.last_mut().expect("one item").push(c);
        }
        let mut cols = Vec::new();
        for item in &items {
            let words: Vec<&str> = item.split_whitespace().collect();
            let Some(first) = words.first() else { continue };
            const CONSTRAINTS: [&str; 7] = [
                "primary",
                "unique",
                "check",
                "constraint",
                "foreign",
                "exclude",
                "like",
            ];
            if CONSTRAINTS.contains(&first.to_ascii_lowercase().as_str()) {
                continue;
            }
            let ty = type_of(&words[1..].join(" ")).unwrap_or_else(|| words[1..].join(" "));
            cols.push((first.to_string(), ty));
        }
        out.retain(|t| t.0 != name);
        out.push((name, cols));
    }
}

/// The canonical type name of a column definition's type and constraints ("varchar(120) NOT
/// NULL" -> varchar); None when it is not one the digest knows.
fn type_of(def: &str) -> Option<String> {
    let d = def.to_ascii_lowercase();
    const NAMES: [(&str, &str); 22] = [
        ("bigserial", "int8"),
        ("smallserial", "int2"),
        ("serial", "int4"),
        ("bigint", "int8"),
        ("smallint", "int2"),
        ("integer", "int4"),
        ("int8", "int8"),
        ("int4", "int4"),
        ("int2", "int2"),
        ("int", "int4"),
        ("character varying", "varchar"),
        ("varchar", "varchar"),
        ("character", "bpchar"),
        ("char", "bpchar"),
        ("text", "text"),
        ("numeric", "numeric"),
        ("boolean", "bool"),
        ("bool", "bool"),
        ("uuid", "uuid"),
        ("jsonb", "jsonb"),
        ("date", "date"),
        ("timestamp with time zone", "timestamptz"),
    ];
    if d.starts_with("timestamptz") {
        return Some("timestamptz".into());
    }
    if d.starts_with("timestamp") && !d.starts_with("timestamp with time zone") {
        return Some("timestamp".into());
    }
    NAMES
        .iter()
        .find(|(n, _)| {
            d.starts_with(n)
                && !d[n.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|(_, t)| t.to_string())
}

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
        for (name, spec) in ddl_columns() {
            let cols = spec
                .iter()
                .map(|(n, ty)| Column {
                    name: n.clone(),
                    ty: PgType::from_name(ty),
                    num: NumMode::String,
                })
                .collect();
            t.list.push(Table {
                name: name.to_string(),
                columns: Some(cols),
                known: true,
                last_schema: Vec::new(),
            });
            t.by_topic.insert(name, (t.list.len() - 1) as u16);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables come from the extension's SQL: each with an id first and every column of a type
    /// the digest encodes (a type this parser does not map fails here, not in a verdict).
    #[test]
    fn tables_from_the_extension_sql() {
        let tables = ddl_columns();
        let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
        for want in [
            "convenios",
            "pacientes",
            "medicos",
            "pacientes_convenios",
            "consultas",
            "exames",
            "internacoes",
            "sinais_vitais",
            "pulso",
            "prescricoes",
        ] {
            assert!(names.contains(&want), "{want} not in {names:?}");
        }
        for (t, cols) in &tables {
            assert_eq!(
                cols.first().map(|c| c.0.as_str()),
                Some("id"),
                "{t}: {cols:?}"
            );
            for (c, ty) in cols {
                assert_ne!(PgType::from_name(ty), PgType::Other, "{t}.{c}: {ty}");
            }
        }
        let cols = |name: &str| tables.iter().find(|t| t.0 == name).unwrap().1.clone();
        let ty = |name: &str, col: &str| {
            cols(name)
                .into_iter()
                .find(|c| c.0 == col)
                .map(|c| c.1)
                .unwrap_or_default()
        };
        assert_eq!(ty("consultas", "valor"), "numeric");
        assert_eq!(ty("convenios", "cnpj"), "bpchar");
        assert_eq!(ty("exames", "resultado"), "jsonb");
        assert_eq!(ty("sinais_vitais", "medido_em"), "timestamptz");
        assert_eq!(ty("pulso", "worker"), "int4");
        // the ddl profile's table (a string in sql/ddl.sql): verifiable without the schema envelope
        let p: Vec<String> = cols("prescricoes")
            .into_iter()
            .map(|c| format!("{}={}", c.0, c.1))
            .collect();
        assert_eq!(
            p.join(","),
            "id=int8,consulta_id=int8,medicamento=varchar,posologia=varchar,dias=int4,created_at=timestamptz,updated_at=timestamptz"
        );
    }

    #[test]
    fn column_types() {
        assert_eq!(type_of("varchar(120) NOT NULL").as_deref(), Some("varchar"));
        assert_eq!(type_of("character varying(5)").as_deref(), Some("varchar"));
        assert_eq!(type_of("char(2) NOT NULL").as_deref(), Some("bpchar"));
        assert_eq!(type_of("int PRIMARY KEY").as_deref(), Some("int4"));
        assert_eq!(type_of("integer").as_deref(), Some("int4"));
        assert_eq!(
            type_of("timestamp with time zone").as_deref(),
            Some("timestamptz")
        );
        assert_eq!(type_of("timestamp NOT NULL").as_deref(), Some("timestamp"));
        assert_eq!(type_of("interval"), None);
    }
}
