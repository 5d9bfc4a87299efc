//! PostgreSQL's side of `admin check`. PostgreSQL checks its own pages as it reads them
//! (and `amcheck` goes further, where installed); the counts are canvass's to check.

use postgres::{Client, Config, NoTls};

use super::{PostgresStore, migrate};
use crate::server::store::StoreError;
use crate::server::store::inspect::{COUNT_MISMATCHES, CountMismatch, Inspect, mismatch};
use crate::server::store::transfer::Table;

struct Inspector {
    client: Client,
}

impl PostgresStore {
    pub(in crate::server::store) fn inspector(url: &str) -> Result<Box<dyn Inspect>, StoreError> {
        let config: Config = url.parse().map_err(StoreError::backend)?;
        let mut client = config.connect(NoTls)?;
        migrate(&mut client)?;
        Ok(Box::new(Inspector { client }))
    }
}

impl Inspect for Inspector {
    fn integrity(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }

    fn count_mismatches(&mut self) -> Result<Vec<CountMismatch>, StoreError> {
        Ok(self
            .client
            .query(COUNT_MISMATCHES, &[])?
            .iter()
            .map(|row| mismatch(row.get(0), row.get(1), row.get(2), row.get(3)))
            .collect())
    }

    fn count(&mut self, table: Table) -> Result<u64, StoreError> {
        let rows: i64 = self
            .client
            .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
            .get(0);
        Ok(u64::try_from(rows).unwrap_or(0))
    }
}
