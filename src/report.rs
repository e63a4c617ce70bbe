//! The JSON forms of the stream's counters, one each: per operation kind and per table and change.
//! `alimentador_status()`, the runs (`alimentador_execucoes`), the markers and the ledger messages
//! all render them here. Pure Rust.

use serde_json::{json, Map, Value};

use crate::model::{Change, OpKind, RowChanges, Table};

/// Operations per kind, as {"insert_consulta": n, …}: the kinds with a count only.
pub fn per_kind(counts: &[u64; OpKind::COUNT]) -> Value {
    let map: Map<String, Value> = OpKind::ALL
        .iter()
        .filter(|k| counts[**k as usize] > 0)
        .map(|k| (k.name().into(), json!(counts[*k as usize])))
        .collect();
    Value::Object(map)
}

/// Row changes as {"tabela": {"insert": n, "update": n, "delete": n}, …}, every table and change.
pub fn rows(rows: &RowChanges) -> Value {
    let map: Map<String, Value> = Table::ALL
        .iter()
        .map(|t| {
            let per: Map<String, Value> = Change::ALL
                .iter()
                .map(|c| (c.name().into(), json!(rows.get(*t, *c))))
                .collect();
            (t.name().into(), Value::Object(per))
        })
        .collect();
    Value::Object(map)
}

/// {"tabela": {"change": value}} for the (table, change) pairs that have a value.
pub fn per_table(value: impl Fn(Table, Change) -> Option<Value>) -> Value {
    let tables: Map<String, Value> = Table::ALL
        .iter()
        .filter_map(|t| {
            let per: Map<String, Value> = Change::ALL
                .iter()
                .filter_map(|c| value(*t, *c).map(|v| (c.name().to_string(), v)))
                .collect();
            (!per.is_empty()).then(|| (t.name().to_string(), Value::Object(per)))
        })
        .collect();
    Value::Object(tables)
}
