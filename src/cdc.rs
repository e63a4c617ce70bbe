//! The workers' CDC duties: heartbeats that keep replication slots advancing while the stream is idle,
//! and verification markers — transactional logical decoding messages (prefix `alimentador`) carrying
//! the worker's cumulative committed counts, so a consumer can check inside its own stream that it
//! received everything up to the marker. The format is documented in the README.

use pgrx::prelude::*;
use serde_json::json;

use crate::pgtypes;
use crate::status::{self, WorkerSlot};
use crate::transaction::{self, Failure};

/// The prefix of every marker message.
pub const MARKER_PREFIX: &str = "alimentador";

const HEARTBEAT: &str = "UPDATE hospital.pulso SET batida = now(), worker = $1, seq = seq + 1";
const EMIT: &str = "SELECT pg_logical_emit_message(true, $1, $2)";

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
    transaction::top_level(|| {
        Spi::run_with_args(EMIT, &[MARKER_PREFIX.into(), body.as_str().into()])
    })??;
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
        "operacoes": WorkerSlot::per_kind_json(&slot.committed.done),
    })
}
