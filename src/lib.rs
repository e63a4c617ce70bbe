//! alimentador: a PostgreSQL extension that turns a database into a live Brazilian hospital OLTP
//! system for change-data-capture testing. See docs/src/development.md for the map of modules.

mod api;
mod backoff;
mod cdc;
mod clock;
mod controls;
pub mod datagen;
mod echo;
mod errors;
mod executor;
mod extension;
mod hold;
mod ledger;
mod model;
mod overrides;
mod pacing;
mod pgtypes;
mod plans;
mod report;
mod schedule;
mod schema;
mod seed;
mod session;
mod settings;
mod skew;
mod status;
mod stream;
mod timeline;
mod transaction;
mod turn;
mod weights;
mod worker;

#[cfg(any(test, feature = "pg_test"))]
mod tests;

pgrx::pg_module_magic!(name, version);

/// Registers the settings; when preloaded, also the shared memory and the stream's workers.
#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    // SAFETY: a flag PostgreSQL sets while loading shared_preload_libraries.
    let preloading = unsafe { pgrx::pg_sys::process_shared_preload_libraries_in_progress };
    settings::register(preloading);
    // pg_upgrade starts the old and the new server in binary-upgrade mode (-b): no stream workers
    // then, or they would change rows while pg_upgrade reads the old cluster, and stream on the new
    // one before its data directory has the run-time controls (the pause) copied in.
    // SAFETY: a flag PostgreSQL sets from the command line, before loading the libraries.
    let binary_upgrade = unsafe { pgrx::pg_sys::IsBinaryUpgrade };
    if preloading {
        status::init();
        if !binary_upgrade {
            worker::register();
        }
    }
}

/// The hooks `cargo pgrx test` looks for: the test cluster preloads the library.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![
            "shared_preload_libraries = 'alimentador'",
            "alimentador.workers = 0",
            "wal_level = logical",
        ]
    }
}
