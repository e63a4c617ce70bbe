//! Where the extension lives: its schema, looked up each time it is needed (a DROP and CREATE
//! EXTENSION may move it between calls). The one place that query is written.

use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiError};

const SCHEMA: &str = include_str!("../sql/seed/esquema_da_extensao.sql");

/// The extension's schema, quoted for use in a statement; None when it is not installed.
pub fn schema() -> Result<Option<String>, SpiError> {
    Spi::connect(schema_with)
}

/// [`schema`], through a connection the caller already holds.
pub fn schema_with(client: &SpiClient) -> Result<Option<String>, SpiError> {
    client
        .select(SCHEMA, None, &[])?
        .first()
        .get_one::<String>()
}
