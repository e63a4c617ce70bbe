//! The workers' CDC duties: heartbeats that keep replication slots advancing while the stream is idle,
//! and verification markers — transactional logical decoding messages (prefix `alimentador`) carrying
//! the worker's cumulative committed counts, so a consumer can check inside its own stream that it
//! received everything up to the marker. The format is in docs/src/cdc.md.

use pgrx::prelude::*;
use serde_json::json;

use crate::pgtypes;
use crate::status::{self, WorkerSlot};
use crate::transaction::{self, Failure};

/// The prefix of every marker message.
pub const MARKER_PREFIX: &std::ffi::CStr = c"alimentador";

const HEARTBEAT: &str = "UPDATE hospital.pulso SET batida = now(), worker = $1, seq = seq + 1";

unsafe extern "C-unwind" {
    /// What `pg_logical_emit_message()` runs (replication/message.h), called directly: the ledger
    /// writes one message per stream transaction, and a SQL statement for it would cost more than
    /// the message. Not in pgrx's bindings.
    #[cfg(not(any(feature = "pg17", feature = "pg18")))]
    fn LogLogicalMessage(
        prefix: *const std::ffi::c_char,
        message: *const std::ffi::c_char,
        size: usize,
        transactional: bool,
    ) -> pg_sys::XLogRecPtr;
    #[cfg(any(feature = "pg17", feature = "pg18"))]
    fn LogLogicalMessage(
        prefix: *const std::ffi::c_char,
        message: *const std::ffi::c_char,
        size: usize,
        transactional: bool,
        flush: bool,
    ) -> pg_sys::XLogRecPtr;
}

/// Writes a transactional logical decoding message in the current transaction: decoded with the
/// transaction's changes, and only if it commits.
pub fn emit_message(prefix: &std::ffi::CStr, body: &str) {
    // SAFETY: valid pointers for the call's duration; inside a transaction; an ERROR raised by
    // PostgreSQL is turned into a Rust panic by the guard instead of jumping over Rust frames.
    unsafe {
        pg_sys::ffi::pg_guard_ffi_boundary(|| {
            #[cfg(not(any(feature = "pg17", feature = "pg18")))]
            LogLogicalMessage(prefix.as_ptr(), body.as_ptr().cast(), body.len(), true);
            #[cfg(any(feature = "pg17", feature = "pg18"))]
            LogLogicalMessage(
                prefix.as_ptr(),
                body.as_ptr().cast(),
                body.len(),
                true,
                false,
            );
        })
    }
}

/// Touches hospital.pulso in its own transaction; counted when committed.
pub fn heartbeat(index: usize) -> Result<(), Failure> {
    transaction::top_level(|| Spi::run_with_args(HEARTBEAT, &[(index as i32).into()]))??;
    status::record_heartbeat(index);
    Ok(())
}

/// Emits a marker with the worker's committed counts, in its own transaction.
pub fn marker(index: usize, reason: &str) -> Result<(), Failure> {
    let slot = status::slot(index);
    let body = marker_json(index, &slot, reason).to_string();
    transaction::top_level(|| emit_message(MARKER_PREFIX, &body))?;
    status::record_marker(index);
    Ok(())
}

fn iso(t: pg_sys::TimestampTz) -> String {
    let t = pgrx::datum::TimestampWithTimeZone::try_from(t).ok();
    t.map(|t| pgtypes::from_timestamptz(t).to_rfc3339())
        .unwrap_or_default()
}

/// The marker's JSON: counts since the worker started (`desde`), numbered per worker (`marcador`).
fn marker_json(index: usize, slot: &WorkerSlot, reason: &str) -> serde_json::Value {
    json!({
        "marcador": slot.markers + 1,
        "motivo": reason,
        "worker": index,
        "pid": slot.pid,
        "desde": iso(slot.started_at),
        "em": iso(status::now()),
        "feitas": slot.committed.done_total(),
        "batimentos": slot.heartbeats,
        "razao_seq": slot.ledger_seq,
        "linhas": slot.rows_json(),
        "operacoes": slot.done_json(),
    })
}
