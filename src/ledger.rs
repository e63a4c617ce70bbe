//! The transaction ledger (`alimentador.ledger`): every stream transaction of a worker that changed
//! rows emits, inside itself, one transactional logical decoding message (prefix `alimentador.tx`)
//! that says what the transaction did: the worker, its sequence number, the operations and the rows
//! per table and change. The message and the changes commit (or roll back) together, so a consumer
//! that sees changes of a transaction without its message, a message without its changes, one
//! sequence number twice, or a gap in a worker's numbering, knows exactly what its pipeline did
//! wrong. Sequence numbers are taken from `alimentador_razao` in the same transaction: gap-free
//! across worker restarts, crash restarts and server restarts. The format is in the README.

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::OwnedPreparedStatement;
use pgrx::PgOid;
use serde_json::{json, Map, Value};

use crate::model::{Change, OpKind, Table, Tally};

/// The prefix of every ledger message.
pub const LEDGER_PREFIX: &str = "alimentador.tx";

const NEXT_SEQ: &str = include_str!("../sql/worker/next_ledger_seq.sql");
const EMIT: &str = "SELECT pg_catalog.pg_logical_emit_message(true, $1, $2)";

/// A worker's ledger: its statements, prepared once for the extension's schema.
pub struct Ledger {
    schema: String,
    next_seq: Option<OwnedPreparedStatement>,
    emit: Option<OwnedPreparedStatement>,
}

impl Ledger {
    pub fn new(schema: String) -> Ledger {
        Ledger {
            schema,
            next_seq: None,
            emit: None,
        }
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Numbers the current transaction and emits its message; returns the sequence number. Runs in
    /// the transaction of the batch, after its operations.
    pub fn record(&mut self, worker: usize, tally: &Tally) -> i64 {
        Spi::connect_mut(|client| {
            if self.next_seq.is_none() {
                let sql = NEXT_SEQ.replace("%s", &self.schema);
                let plan = client
                    .prepare_mut(&sql, &[PgOid::from(pg_sys::INT4OID)])
                    .unwrap_or_else(|e| panic!("preparing the ledger's sequence: {e}"))
                    .keep();
                self.next_seq = Some(plan);
                let emit = client
                    .prepare_mut(
                        EMIT,
                        &[PgOid::from(pg_sys::TEXTOID), PgOid::from(pg_sys::TEXTOID)],
                    )
                    .unwrap_or_else(|e| panic!("preparing the ledger's message: {e}"))
                    .keep();
                self.emit = Some(emit);
            }
            let (Some(next_seq), Some(emit)) = (&self.next_seq, &self.emit) else {
                unreachable!("prepared above")
            };
            let args: [DatumWithOid; 1] = [(worker as i32).into()];
            let seq = client
                .update(next_seq, None, &args)
                .unwrap_or_else(|e| panic!("taking the ledger's sequence number: {e}"))
                .first()
                .get_one::<i64>()
                .unwrap_or_else(|e| panic!("reading the ledger's sequence number: {e}"))
                .unwrap_or_else(|| panic!("the ledger's sequence number is NULL"));
            let body = message(worker, seq, tally).to_string();
            let args: [DatumWithOid; 2] = [LEDGER_PREFIX.into(), body.as_str().into()];
            client
                .update(emit, None, &args)
                .unwrap_or_else(|e| panic!("emitting the ledger's message: {e}"));
            seq
        })
    }
}

/// The message: `{"worker": 0, "seq": 42, "operacoes": {"insert_consulta": 1},
/// "linhas": {"consultas": {"insert": 1}}}` — only operations and rows that happened.
pub fn message(worker: usize, seq: i64, tally: &Tally) -> Value {
    let operations: Map<String, Value> = OpKind::ALL
        .iter()
        .filter(|k| tally.done[**k as usize] > 0)
        .map(|k| (k.name().to_string(), json!(tally.done[*k as usize])))
        .collect();
    let rows: Map<String, Value> = Table::ALL
        .iter()
        .filter_map(|t| {
            let per: Map<String, Value> = Change::ALL
                .iter()
                .filter(|c| tally.rows.get(*t, **c) > 0)
                .map(|c| (c.name().to_string(), json!(tally.rows.get(*t, *c))))
                .collect();
            (!per.is_empty()).then(|| (t.name().to_string(), Value::Object(per)))
        })
        .collect();
    json!({"worker": worker, "seq": seq, "operacoes": operations, "linhas": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_lists_only_what_happened() {
        let mut tally = Tally::default();
        tally.done[OpKind::DeletePaciente as usize] = 1;
        tally.rows.add(Table::Consultas, Change::Delete, 3);
        tally.rows.add(Table::Pacientes, Change::Delete, 1);
        assert_eq!(
            message(1, 7, &tally).to_string(),
            r#"{"linhas":{"consultas":{"delete":3},"pacientes":{"delete":1}},"operacoes":{"delete_paciente":1},"seq":7,"worker":1}"#
        );
    }
}
