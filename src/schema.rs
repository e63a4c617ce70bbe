//! The SQL that CREATE EXTENSION runs besides the functions: the hospital schema (sql/schema.sql),
//! the CDC setup (sql/cdc.sql), the schema changes of the `ddl` profiles
//! (sql/ddl.sql), the table digests (sql/digest.sql) and the privileges of the run-time
//! controls (sql/finalize.sql).

pgrx::extension_sql_file!("../sql/schema.sql", name = "schema", bootstrap);
pgrx::extension_sql_file!("../sql/cdc.sql", name = "cdc", requires = ["schema"]);
pgrx::extension_sql_file!("../sql/ddl.sql", name = "ddl", requires = ["cdc"]);
pgrx::extension_sql_file!("../sql/digest.sql", name = "digest", requires = ["ddl"]);
pgrx::extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);
