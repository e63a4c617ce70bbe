//! Running a closure in its own transaction (the worker) or subtransaction (a SQL function), so that
//! an operation that fails is rolled back and the caller goes on. The error's message is returned.

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;

fn message(error: CaughtError) -> String {
    match error {
        CaughtError::PostgresError(e)
        | CaughtError::ErrorReport(e)
        | CaughtError::RustPanic { ereport: e, .. } => e.message().to_string(),
    }
}

/// Runs `body` in a new top-level transaction and commits it. Only for background workers, outside
/// any transaction. On error the transaction is aborted and the error's message returned.
pub fn top_level<R>(body: impl FnOnce() -> R) -> Result<R, String> {
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
        Err(message(e))
    })
    .execute()
}

/// Runs `body` in a subtransaction of the caller's transaction; on error only the subtransaction is
/// rolled back (like a PL/pgSQL EXCEPTION block).
pub fn sub<R>(body: impl FnOnce() -> R) -> Result<R, String> {
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
        Err(message(e))
    })
    .execute()
}
