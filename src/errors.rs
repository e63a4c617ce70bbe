//! The PostgreSQL ERRORs the SQL functions raise for bad input, with a hint where one helps.

use pgrx::pg_sys::panic::ErrorReport;
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

/// Something that must be done first: ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE.
pub fn not_ready(message: &str, hint: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        message,
        hint,
    )
}

/// A file could not be read or written: ERRCODE_IO_ERROR.
pub fn io_error(message: String, hint: &str) -> ! {
    raise(PgSqlErrorCode::ERRCODE_IO_ERROR, &message, hint)
}
