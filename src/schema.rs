//! The SQL that CREATE EXTENSION runs besides the functions: the hospital schema (sql/schema.sql),
//! the CDC setup (sql/cdc.sql), the partitioned vital signs and their partitions' maintenance
//! (sql/vitais.sql), the schema changes of the `ddl` profiles (sql/ddl.sql), the table digests
//! (sql/digest.sql), the relay to a subscriber (sql/relay.sql) and the privileges of the run-time
//! controls (sql/finalize.sql).

pgrx::extension_sql_file!("../sql/schema.sql", name = "schema", bootstrap);
pgrx::extension_sql_file!("../sql/cdc.sql", name = "cdc", requires = ["schema"]);
pgrx::extension_sql_file!("../sql/vitais.sql", name = "vitais", requires = ["cdc"]);
pgrx::extension_sql_file!("../sql/ddl.sql", name = "ddl", requires = ["vitais"]);
pgrx::extension_sql_file!("../sql/digest.sql", name = "digest", requires = ["ddl"]);
pgrx::extension_sql_file!("../sql/relay.sql", name = "relay", requires = ["ddl"]);
pgrx::extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);
