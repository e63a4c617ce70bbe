//! Running a closure in its own transaction (the worker) or subtransaction (a SQL function), so that
//! an operation that fails is rolled back and the caller goes on with a typed [`Failure`].
//!
//! What is never caught: a query cancel or statement_timeout inside a subtransaction (the caller's
//! statement must stop, as PostgreSQL stops any statement), and FATAL errors such as a terminate
//! request (PostgreSQL ends the process itself).

use std::fmt;
use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;

/// An error that rolled back a (sub)transaction: its SQLSTATE and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: PgSqlErrorCode,
    pub message: String,
}

impl Failure {
    fn from_caught(error: &CaughtError) -> Failure {
        let report = match error {
            CaughtError::PostgresError(e)
            | CaughtError::ErrorReport(e)
            | CaughtError::RustPanic { ereport: e, .. } => e,
        };
        Failure {
            code: report.sql_error_code(),
            message: report.message().to_string(),
        }
    }

    /// lock_timeout expired: another session holds a lock the operation needs.
    pub fn is_lock_timeout(&self) -> bool {
        self.code == PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE
    }

    /// A query cancel: pg_cancel_backend(), statement_timeout or Ctrl-C.
    fn is_cancel(&self) -> bool {
        self.code == PgSqlErrorCode::ERRCODE_QUERY_CANCELED
    }
}

/// An SPI call that PostgreSQL did not answer with an ERROR but with a bad result code.
impl From<pgrx::spi::SpiError> for Failure {
    fn from(e: pgrx::spi::SpiError) -> Failure {
        Failure {
            code: PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            message: e.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Runs `body` in a new top-level transaction and commits it. Only for background workers, outside
/// any transaction. On error the transaction is aborted and the failure returned.
pub fn top_level<R>(body: impl FnOnce() -> R) -> Result<R, Failure> {
    // SAFETY: a background worker between transactions; mirrors BackgroundWorker::transaction.
    unsafe {
        pg_sys::SetCurrentStatementStartTimestamp();
        pg_sys::StartTransactionCommand();
        pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
    }
    let body = AssertUnwindSafe(body);
    PgTryBuilder::new(move || {
        let result = body();
        // SAFETY: the snapshot pushed above; committing inside the try also catches commit errors.
        unsafe {
            pg_sys::PopActiveSnapshot();
            pg_sys::CommitTransactionCommand();
        }
        Ok(result)
    })
    .catch_others(|e| {
        // SAFETY: cleans up whatever state the failed transaction left.
        unsafe { pg_sys::AbortCurrentTransaction() };
        Err(Failure::from_caught(&e))
    })
    .execute()
}

/// Runs `body` in a subtransaction of the caller's transaction; on error only the subtransaction is
/// rolled back (like a PL/pgSQL EXCEPTION block) and the failure returned — except a query cancel,
/// which is raised again after the rollback so that the caller's statement stops.
pub fn sub<R>(body: impl FnOnce() -> R) -> Result<R, Failure> {
    // SAFETY: the documented pattern for internal subtransactions (see plpython, plperl).
    let (context, owner) = unsafe {
        let saved = (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner);
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(saved.0);
        saved
    };
    let restore = move || unsafe {
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
    };
    let body = AssertUnwindSafe(body);
    PgTryBuilder::new(move || {
        let result = body();
        // SAFETY: releases the subtransaction begun above.
        unsafe { pg_sys::ReleaseCurrentSubTransaction() };
        restore();
        Ok(result)
    })
    .catch_others(|e| {
        // SAFETY: rolls back the subtransaction begun above.
        unsafe { pg_sys::RollbackAndReleaseCurrentSubTransaction() };
        restore();
        let failure = Failure::from_caught(&e);
        if failure.is_cancel() {
            e.rethrow();
        }
        Err(failure)
    })
    .execute()
}
