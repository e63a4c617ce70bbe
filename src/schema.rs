//! The SQL that CREATE EXTENSION runs besides the functions: the hospital schema (sql/schema.sql),
//! the CDC setup (sql/cdc.sql), the partitioned vital signs and their partitions' maintenance
//! (sql/vitais.sql), the schema changes of the `ddl` profiles (sql/ddl.sql), the table digests
//! (sql/digest.sql), the relay to a subscriber (sql/relay.sql), and the privileges of the run-time
//! controls with the guard of the extension's names (sql/finalize.sql). Also the one function that
//! needs PostgreSQL's catalog API: binding the publication to the extension.

pgrx::extension_sql_file!("../sql/schema.sql", name = "schema", bootstrap);
pgrx::extension_sql_file!("../sql/cdc.sql", name = "cdc", requires = ["schema"]);
pgrx::extension_sql_file!("../sql/vitais.sql", name = "vitais", requires = ["cdc"]);
pgrx::extension_sql_file!("../sql/ddl.sql", name = "ddl", requires = ["vitais"]);
pgrx::extension_sql_file!("../sql/digest.sql", name = "digest", requires = ["ddl"]);
pgrx::extension_sql_file!("../sql/relay.sql", name = "relay", requires = ["ddl"]);
pgrx::extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);

use pgrx::prelude::*;

use crate::errors;

/// Makes the publication `alimentador_pub` go with the extension, so that DROP EXTENSION drops it too.
/// A publication cannot be a member of an extension (and must not be: pg_dump dumps it, see
/// sql/cdc.sql), so it gets an automatic dependency on the extension instead, which PostgreSQL's
/// own `recordDependencyOn` writes and DROP EXTENSION follows (a user may still drop it alone).
/// Only the publication's owner (or a superuser) binds it; returns whether it is bound.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn alimentador_bind_publication() -> bool {
    errors::clean(|| {
        const FIND: &str = include_str!("../sql/cdc/publicacao.sql");
        const CLASSES: &str = "SELECT 'pg_catalog.pg_publication'::pg_catalog.regclass::pg_catalog.oid, 'pg_catalog.pg_extension'::pg_catalog.regclass::pg_catalog.oid";
        let failed = |e: pgrx::spi::Error| -> ! {
            errors::internal(&format!(
                "looking up the publication alimentador_pub failed: {e}"
            ))
        };
        let (publication, extension, bound) =
            match Spi::get_three::<pg_sys::Oid, pg_sys::Oid, bool>(FIND) {
                Ok((Some(p), Some(e), Some(b))) => (p, e, b),
                Ok(_) | Err(pgrx::spi::Error::InvalidPosition) => return false,
                Err(e) => failed(e),
            };
        if bound {
            return true;
        }
        let (pub_class, ext_class) = match Spi::get_two::<pg_sys::Oid, pg_sys::Oid>(CLASSES) {
            Ok((Some(p), Some(e))) => (p, e),
            Ok(_) => {
                errors::internal("the catalogs pg_publication and pg_extension were not found")
            }
            Err(e) => failed(e),
        };
        let depender = pg_sys::ObjectAddress {
            classId: pub_class,
            objectId: publication,
            objectSubId: 0,
        };
        let referenced = pg_sys::ObjectAddress {
            classId: ext_class,
            objectId: extension,
            objectSubId: 0,
        };
        // SAFETY: both objects exist (just read in this transaction); PostgreSQL's own catalog API,
        // inside a transaction; an ERROR it raises becomes a Rust panic at pgrx's boundary.
        unsafe {
            pg_sys::recordDependencyOn(
                &depender,
                &referenced,
                pg_sys::DependencyType::DEPENDENCY_AUTO,
            )
        };
        true
    })
}
