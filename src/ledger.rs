//! The transaction ledger (`alimentador.ledger`): every stream transaction of a worker that changed
//! rows emits, inside itself, one transactional logical decoding message (prefix `alimentador.tx`)
//! that says what the transaction did: the worker, its sequence number, the operations and the rows
//! per table and change. The message and the changes commit (or roll back) together, so a consumer
//! that sees changes of a transaction without its message, a message without its changes, one
//! sequence number twice, or a gap in a worker's numbering, knows exactly what its pipeline did
//! wrong. Sequence numbers are taken from `alimentador_razao` in the same transaction: gap-free
//! across worker restarts, crash restarts and server restarts. The format is in docs/src/cdc.md.
//!
//! The number is taken by updating the stream's row on the heap (heap_update, as PostgreSQL's own
//! catalog code updates its rows) rather than through an UPDATE statement: it runs once per stream
//! transaction, and a kept statement's executor round (plan check, executor start and end, a
//! snapshot, a result set) cost more than the update itself (issue 23). The row is the same,
//! updated in the same transaction (HOT, so no index entry, the usual case): what the guarantees
//! rest on is unchanged.

use std::ffi::CString;

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
const FIRST_SEQ: &str = include_str!("../sql/worker/first_ledger_seq.sql");

/// The ledger's table, in the extension's schema.
const TABLE: &std::ffi::CStr = c"alimentador_razao";
/// Its columns (sql/cdc.sql): worker int (the primary key), seq bigint, atualizada_em timestamptz.
const COLUMNS: usize = 3;
const SEQ_COLUMN: usize = 1;
const UPDATED_AT_COLUMN: usize = 2;

/// A worker's ledger: the extension's schema (quoted, and as a plain name) and the statement that
/// creates a stream's row, prepared once.
pub struct Ledger {
    schema: String,
    schema_name: CString,
    first_seq: Option<OwnedPreparedStatement>,
}

impl Ledger {
    pub fn new(schema: String) -> Ledger {
        let schema_name = CString::new(unquoted(&schema)).unwrap_or_default();
        Ledger {
            schema,
            schema_name,
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

    /// The worker's next number: its row updated in place, or else the statement that creates the
    /// row with 1 for a worker's first transaction ever (and takes the next number when the row is
    /// there but the heap update declined it).
    fn next(&mut self, worker: i32) -> i64 {
        if let Some(seq) = self.bump(worker) {
            return seq;
        }
        Spi::connect_mut(|client| {
            if self.first_seq.is_none() {
                let sql = FIRST_SEQ.replace("%s", &self.schema);
                self.first_seq = Some(
                    client
                        .prepare_mut(&sql, &[PgOid::from(pg_sys::INT4OID)])
                        .unwrap_or_else(|e| panic!("preparing the ledger's first number: {e}"))
                        .keep(),
                );
            }
            let Some(plan) = self.first_seq.as_ref() else {
                unreachable!("prepared above")
            };
            let args: [DatumWithOid; 1] = [worker.into()];
            client
                .update(plan, None, &args)
                .unwrap_or_else(|e| panic!("creating the ledger's row of worker {worker}: {e}"))
                .first()
                .get_one::<i64>()
                .unwrap_or_else(|e| panic!("reading the ledger's number: {e}"))
                .unwrap_or_else(|| {
                    panic!("the ledger's row of worker {worker} could not be created")
                })
        })
    }

    /// `UPDATE alimentador_razao SET seq = seq + 1, atualizada_em = now() WHERE worker = $1
    /// RETURNING seq`, done on the heap: the table is found by name and locked as an UPDATE locks
    /// it (a dropped and re-created extension has a new table), the role's UPDATE privilege is
    /// checked as the executor checks it, the row is found through the primary key with the latest
    /// snapshot (as an UPDATE in READ COMMITTED sees it; only its own stream updates a row, and an
    /// update by anyone else in between fails this transaction, which is then retried) and replaced
    /// by heap_update, which writes the same WAL, statistics and HOT chain as the statement. None
    /// when the stream has no row yet, or when the table is not the plain one the extension made
    /// (another index, a trigger, row security): the statement in `next` then does it all.
    fn bump(&self, worker: i32) -> Option<i64> {
        let row_exclusive = pg_sys::RowExclusiveLock as pg_sys::LOCKMODE;
        // SAFETY: inside a transaction; every pointer is PostgreSQL's for the call's duration, the
        // scan and the relation are closed before returning, and an ERROR raised by any of these
        // calls is turned into a Rust panic by pgrx's guard (the transaction is then aborted).
        unsafe {
            let range = pg_sys::makeRangeVar(
                self.schema_name.as_ptr().cast_mut(),
                TABLE.as_ptr().cast_mut(),
                -1,
            );
            let relid = pg_sys::RangeVarGetRelidExtended(
                range,
                row_exclusive,
                0,
                None,
                std::ptr::null_mut(),
            );
            let rel = pg_sys::table_open(relid, pg_sys::NoLock as pg_sys::LOCKMODE);
            // The statement reads the row (SELECT) and changes it (UPDATE).
            for privilege in [pg_sys::ACL_SELECT, pg_sys::ACL_UPDATE] {
                let acl = pg_sys::pg_class_aclcheck(
                    relid,
                    pg_sys::GetUserId(),
                    privilege as pg_sys::AclMode,
                );
                if acl != pg_sys::AclResult::ACLCHECK_OK {
                    pg_sys::aclcheck_error(acl, pg_sys::ObjectType::OBJECT_TABLE, TABLE.as_ptr());
                }
            }
            // RelationGetIndexList fills in rd_pkindex, the primary key's index (the same field in
            // every major, where RelationGetPrimaryKeyIndex's arguments differ).
            let indexes = pg_sys::RelationGetIndexList(rel);
            let index_count = if indexes.is_null() {
                0
            } else {
                (*indexes).length
            };
            pg_sys::list_free(indexes);
            let index = (*rel).rd_pkindex;
            // The heap update maintains the primary key only and fires nothing: a table someone
            // gave another index, a trigger or row security goes through the statement instead.
            let form = (*rel).rd_rel;
            if index_count != 1
                || index == pg_sys::InvalidOid
                || (*form).relhastriggers
                || (*form).relrowsecurity
            {
                pg_sys::table_close(rel, pg_sys::NoLock as pg_sys::LOCKMODE);
                return None;
            }
            let mut key = pg_sys::ScanKeyData::default();
            pg_sys::ScanKeyInit(
                &mut key,
                1,
                pg_sys::BTEqualStrategyNumber as pg_sys::StrategyNumber,
                pg_sys::Oid::from(pg_sys::F_INT4EQ),
                pg_sys::Datum::from(worker),
            );
            let snapshot = pg_sys::RegisterSnapshot(pg_sys::GetLatestSnapshot());
            let scan = pg_sys::systable_beginscan(rel, index, true, snapshot, 1, &mut key);
            let old = pg_sys::systable_getnext(scan);
            let seq = (!old.is_null()).then(|| {
                let descriptor = (*rel).rd_att;
                let mut values = [pg_sys::Datum::from(0); COLUMNS];
                let mut nulls = [false; COLUMNS];
                let mut replace = [false; COLUMNS];
                let mut is_null = false;
                let seq = pg_sys::heap_getattr(old, SEQ_COLUMN as i32 + 1, descriptor, &mut is_null)
                    .value() as i64
                    + 1;
                values[SEQ_COLUMN] = pg_sys::Datum::from(seq);
                replace[SEQ_COLUMN] = true;
                values[UPDATED_AT_COLUMN] =
                    pg_sys::Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
                replace[UPDATED_AT_COLUMN] = true;
                let new = pg_sys::heap_modify_tuple(
                    old,
                    descriptor,
                    values.as_mut_ptr(),
                    nulls.as_mut_ptr(),
                    replace.as_mut_ptr(),
                );
                update_with_index(rel, index, &mut (*old).t_self, new, worker);
                seq
            });
            pg_sys::systable_endscan(scan);
            pg_sys::UnregisterSnapshot(snapshot);
            pg_sys::table_close(rel, pg_sys::NoLock as pg_sys::LOCKMODE);
            seq
        }
    }
}

/// Replaces the row at `old` by `new`; when the new version could not be a heap-only tuple (its
/// page was full), the primary key gets an entry for it, as the executor would add.
///
/// SAFETY: `rel` is open and locked RowExclusive; `index` is its primary key (on `worker`).
unsafe fn update_with_index(
    rel: pg_sys::Relation,
    index: pg_sys::Oid,
    old: pg_sys::ItemPointer,
    new: pg_sys::HeapTuple,
    worker: i32,
) {
    // SAFETY: see the function's contract.
    unsafe {
        #[cfg(not(any(feature = "pg16", feature = "pg17", feature = "pg18")))]
        let indexed = {
            pg_sys::simple_heap_update(rel, old, new);
            !heap_only(new)
        };
        // PostgreSQL 16 tells which indexes the update needs.
        #[cfg(any(feature = "pg16", feature = "pg17", feature = "pg18"))]
        let indexed = {
            let mut update_indexes = pg_sys::TU_UpdateIndexes::TU_None;
            pg_sys::simple_heap_update(rel, old, new, &mut update_indexes);
            // (TU_Summarizing would ask for BRIN indexes only: the primary key is a B-tree.)
            update_indexes == pg_sys::TU_UpdateIndexes::TU_All
        };
        if indexed {
            let index_rel = pg_sys::index_open(index, pg_sys::RowExclusiveLock as pg_sys::LOCKMODE);
            let mut values = [pg_sys::Datum::from(worker)];
            let mut nulls = [false];
            pg_sys::index_insert(
                index_rel,
                values.as_mut_ptr(),
                nulls.as_mut_ptr(),
                &mut (*new).t_self,
                rel,
                pg_sys::IndexUniqueCheck::UNIQUE_CHECK_YES,
                false,
                pg_sys::BuildIndexInfo(index_rel),
            );
            pg_sys::index_close(index_rel, pg_sys::NoLock as pg_sys::LOCKMODE);
        }
    }
}

/// Whether a tuple is a heap-only tuple (HeapTupleIsHeapOnly, a macro in C).
#[cfg(not(any(feature = "pg16", feature = "pg17", feature = "pg18")))]
unsafe fn heap_only(tuple: pg_sys::HeapTuple) -> bool {
    // SAFETY: a valid heap tuple.
    unsafe { (*(*tuple).t_data).t_infomask2 & pg_sys::HEAP_ONLY_TUPLE as u16 != 0 }
}

/// A schema name as the catalog has it, from its quoted form ("my ""schema""" or plain).
fn unquoted(quoted: &str) -> String {
    match quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => quoted.to_string(),
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
    fn schema_names_come_unquoted() {
        assert_eq!(unquoted("public"), "public");
        assert_eq!(unquoted("\"Meu \"\"Esquema\"\"\""), "Meu \"Esquema\"");
    }

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
