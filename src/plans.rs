//! Prepared statements kept for the life of the backend (SPI_keepplan), keyed by their SQL text.
//! Parameter types come from the first call's arguments.

use std::collections::HashMap;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::PgOid;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiTupleTable};

#[derive(Default)]
pub struct Plans {
    /// Keyed by the address and length of the text, not the text: every statement is a `'static`
    /// constant, and hashing a commented statement of a kilobyte twice per call showed in profiles.
    kept: HashMap<(usize, usize), OwnedPreparedStatement>,
}

impl Plans {
    /// Executes `sql` with `args`, preparing and keeping its plan on first use.
    pub fn exec<'c>(
        &mut self,
        client: &mut SpiClient<'c>,
        sql: &'static str,
        args: &[DatumWithOid],
    ) -> SpiTupleTable<'c> {
        let plan = self
            .kept
            .entry((sql.as_ptr() as usize, sql.len()))
            .or_insert_with(|| {
                let types: Vec<PgOid> =
                    args.iter().map(|a| PgOid::from_untagged(a.oid())).collect();
                client
                    .prepare_mut(sql, &types)
                    .unwrap_or_else(|e| panic!("preparing {sql}: {e}"))
                    .keep()
            });
        client
            .update(&*plan, None, args)
            .unwrap_or_else(|e| panic!("running {sql}: {e}"))
    }

    /// Rows inserted, updated or deleted by `sql`.
    pub fn affected(
        &mut self,
        client: &mut SpiClient,
        sql: &'static str,
        args: &[DatumWithOid],
    ) -> usize {
        self.exec(client, sql, args).len()
    }

    /// The ids returned by `sql` (a statement ending in `RETURNING id`), one per row it changed.
    pub fn ids(
        &mut self,
        client: &mut SpiClient,
        sql: &'static str,
        args: &[DatumWithOid],
    ) -> Vec<i64> {
        self.exec(client, sql, args)
            .map(|row| {
                row.get::<i64>(1)
                    .unwrap_or_else(|e| panic!("reading the ids of {sql}: {e}"))
                    .unwrap_or_else(|| panic!("{sql} returned a NULL id"))
            })
            .collect()
    }

    /// The first row of `sql` read as a tuple of its columns, or None when it returned no row.
    pub fn first<T: Row>(
        &mut self,
        client: &mut SpiClient,
        sql: &'static str,
        args: &[DatumWithOid],
    ) -> Option<T> {
        let table = self.exec(client, sql, args);
        if table.is_empty() {
            return None;
        }
        T::read(&table.first())
    }
}

/// A row read from the first columns of a result.
pub trait Row: Sized {
    fn read(row: &SpiTupleTable) -> Option<Self>;
}

macro_rules! tuple_row {
    ($($t:ident : $i:literal),*) => {
        impl<$($t: pgrx::datum::FromDatum + pgrx::datum::IntoDatum),*> Row for ($($t,)*) {
            fn read(row: &SpiTupleTable) -> Option<Self> {
                Some(($(row.get::<$t>($i).ok().flatten()?,)*))
            }
        }
    };
}
tuple_row!(A: 1);
tuple_row!(A: 1, B: 2);
tuple_row!(A: 1, B: 2, C: 3);
