//! The PostgreSQL ERRORs the SQL functions raise for bad input, with a hint where one helps, and the
//! guard that keeps Rust internals (backtraces, source locations) out of what a SQL user sees.

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::panic::{CaughtError, ErrorReport};
use pgrx::prelude::*;

fn raise(code: PgSqlErrorCode, message: &str, hint: &str) -> ! {
    let mut report = ErrorReport::new(code, message.to_string(), "alimentador");
    if !hint.is_empty() {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// A bad argument: ERRCODE_INVALID_PARAMETER_VALUE. An empty hint is left out.
pub fn invalid_parameter(message: String, hint: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        &message,
        hint,
    )
}

/// NULL given for an argument that needs a value: ERRCODE_NULL_VALUE_NOT_ALLOWED.
pub fn null_argument(name: &str, hint: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
        &format!("{name} must not be NULL"),
        hint,
    )
}

/// The value of a required argument, or the NULL error naming it.
pub fn required<T>(value: Option<T>, name: &str, hint: &str) -> T {
    match value {
        Some(v) => v,
        None => null_argument(name, hint),
    }
}

/// Something that must be done first: ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE.
pub fn not_ready(message: &str, hint: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        message,
        hint,
    )
}

/// A command that must run outside a transaction block: ERRCODE_ACTIVE_SQL_TRANSACTION.
pub fn active_transaction(message: &str, hint: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_ACTIVE_SQL_TRANSACTION,
        message,
        hint,
    )
}

/// A file could not be read or written: ERRCODE_IO_ERROR.
pub fn io_error(message: String, hint: &str) -> ! {
    raise(PgSqlErrorCode::ERRCODE_IO_ERROR, &message, hint)
}

/// The current role lacks rights: ERRCODE_INSUFFICIENT_PRIVILEGE.
pub fn insufficient_privilege(message: &str, hint: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        message,
        hint,
    )
}

/// A query of ours failed without raising an ERROR itself (an SPI status): ERRCODE_INTERNAL_ERROR.
pub fn internal(message: &str) -> ! {
    raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, message, "")
}

/// Runs the body of a SQL function and re-raises any ERROR it ends with as the same ERROR (SQLSTATE,
/// message, detail, hint) without what pgrx adds on the way: with RUST_BACKTRACE set in the server's
/// environment, an ERROR raised by PostgreSQL under Rust code (a failed SPI query) or a Rust panic
/// carries a Rust backtrace in its DETAIL.
pub fn clean<R>(body: impl FnOnce() -> R) -> R {
    let body = AssertUnwindSafe(body);
    PgTryBuilder::new(body)
        .catch_others(|error| {
            let (CaughtError::PostgresError(e)
            | CaughtError::ErrorReport(e)
            | CaughtError::RustPanic { ereport: e, .. }) = error;
            let mut report =
                ErrorReport::new(e.sql_error_code(), e.message().to_string(), "alimentador");
            if let Some(detail) = e.detail() {
                report = report.set_detail(detail);
            }
            if let Some(hint) = e.hint() {
                report = report.set_hint(hint);
            }
            report.report(PgLogLevel::ERROR);
            unreachable!("ERROR does not return")
        })
        .execute()
}
