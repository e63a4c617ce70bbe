//! The transaction ledger (`alimentador.ledger`): every stream transaction of a worker that changed
//! rows emits, inside itself, one transactional logical decoding message (prefix `alimentador.tx`)
//! that says what the transaction did: the worker, its sequence number, the operations and the rows
//! per table and change. The message and the changes commit (or roll back) together, so a consumer
//! that sees changes of a transaction without its message, a message without its changes, one
//! sequence number twice, or a gap in a worker's numbering, knows exactly what its pipeline did
//! wrong. Sequence numbers are taken from `alimentador_razao` in the same transaction: gap-free
//! across worker restarts, crash restarts and server restarts. The format is in docs/src/cdc.md.

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::OwnedPreparedStatement;
use pgrx::PgOid;
use serde_json::{json, Value};

use crate::model::{Keys, Tally};
use crate::report;

/// The prefix of every ledger message.
pub const LEDGER_PREFIX: &std::ffi::CStr = c"alimentador.tx";

/// `%s` is the extension's schema, quoted.
const NEXT_SEQ: &str = include_str!("../sql/worker/next_ledger_seq.sql");
const FIRST_SEQ: &str = include_str!("../sql/worker/first_ledger_seq.sql");

/// A worker's ledger: its statements, prepared once for the extension's schema.
pub struct Ledger {
    schema: String,
    next_seq: Option<OwnedPreparedStatement>,
    first_seq: Option<OwnedPreparedStatement>,
}

impl Ledger {
    pub fn new(schema: String) -> Ledger {
        Ledger {
            schema,
            next_seq: None,
            first_seq: None,
        }
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Numbers the current transaction and emits its message; returns the sequence number. Runs in
    /// the transaction of the batch, after its operations.
    pub fn record(&mut self, worker: i32, tally: &Tally, keys: Option<&Keys>) -> i64 {
        let seq = self.next(worker);
        let body = message(worker, seq, tally, keys).to_string();
        crate::cdc::emit_message(LEDGER_PREFIX, &body);
        seq
    }

    /// The worker's next number: an UPDATE of its row (a HOT update, the usual case), or the row's
    /// creation with 1 for a worker's first transaction ever.
    fn next(&mut self, worker: i32) -> i64 {
        Spi::connect_mut(|client| {
            let args: [DatumWithOid; 1] = [worker.into()];
            for (plan, sql) in [
                (&mut self.next_seq, NEXT_SEQ),
                (&mut self.first_seq, FIRST_SEQ),
            ] {
                if plan.is_none() {
                    let sql = sql.replace("%s", &self.schema);
                    *plan = Some(
                        client
                            .prepare_mut(&sql, &[PgOid::from(pg_sys::INT4OID)])
                            .unwrap_or_else(|e| panic!("preparing the ledger's numbering: {e}"))
                            .keep(),
                    );
                }
                let Some(plan) = plan.as_ref() else {
                    unreachable!("prepared above")
                };
                let table = client
                    .update(plan, None, &args)
                    .unwrap_or_else(|e| panic!("numbering the ledger: {e}"));
                if !table.is_empty() {
                    return table
                        .first()
                        .get_one::<i64>()
                        .unwrap_or_else(|e| panic!("reading the ledger's number: {e}"))
                        .unwrap_or_else(|| panic!("the ledger's number is NULL"));
                }
            }
            panic!("the ledger's row of worker {worker} could be neither updated nor created")
        })
    }
}

/// The message: `{"worker": 0, "seq": 42, "operacoes": {"insert_consulta": 1},
/// "linhas": {"consultas": {"insert": 1}}}` — only operations and rows that happened — and, at the
/// `keys` level, `"chaves": {"consultas": {"insert": [1234]}}`.
pub fn message(worker: i32, seq: i64, tally: &Tally, keys: Option<&Keys>) -> Value {
    let operations = report::per_kind(&tally.done);
    let rows = report::per_table(|t, c| {
        let n = tally.rows.get(t, c);
        (n > 0).then(|| json!(n))
    });
    let mut message =
        json!({"worker": worker, "seq": seq, "operacoes": operations, "linhas": rows});
    if let Some(keys) = keys {
        message["chaves"] = report::per_table(|t, c| {
            let ids = keys.get(t, c);
            (!ids.is_empty()).then(|| json!(ids))
        });
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Change, OpKind, Table};

    #[test]
    fn the_message_lists_only_what_happened() {
        let mut tally = Tally::default();
        tally.done[OpKind::DeletePaciente as usize] = 1;
        tally.rows.add(Table::Consultas, Change::Delete, 3);
        tally.rows.add(Table::Pacientes, Change::Delete, 1);
        assert_eq!(
            message(1, 7, &tally, None).to_string(),
            r#"{"linhas":{"consultas":{"delete":3},"pacientes":{"delete":1}},"operacoes":{"delete_paciente":1},"seq":7,"worker":1}"#
        );
        let mut keys = Keys::default();
        keys.add(Table::Pacientes, Change::Delete, &mut vec![42]);
        assert_eq!(
            message(1, 7, &tally, Some(&keys))["chaves"].to_string(),
            r#"{"pacientes":{"delete":[42]}}"#
        );
    }
}
