//! The r2d2 connection manager: opens backend connections for the pool and discards broken ones.

use super::url::Target;
use crate::backend::postgres::PostgresBackend;
use crate::backend::sqlite::SqliteBackend;
use crate::backend::Backend;
use crate::error::{Error, Result};

/// Opens connections to one target.
#[derive(Debug)]
pub(crate) struct Manager {
    pub(crate) target: Target,
    pub(crate) search_path: Option<String>,
}

impl Manager {
    pub(crate) fn open(&self) -> Result<Box<dyn Backend>> {
        Ok(match &self.target {
            Target::SqliteMemory(name) => Box::new(SqliteBackend::open_memory(name)?),
            Target::SqliteFile(path) => Box::new(SqliteBackend::open_file(path)?),
            Target::Postgres(config) => Box::new(PostgresBackend::connect(
                config,
                self.search_path.as_deref(),
            )?),
        })
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Box<dyn Backend>;
    type Error = Error;

    fn connect(&self) -> Result<Self::Connection> {
        self.open()
    }

    fn is_valid(&self, conn: &mut Self::Connection) -> Result<()> {
        conn.batch_execute("SELECT 1")
    }

    fn has_broken(&self, conn: &mut Self::Connection) -> bool {
        conn.is_broken()
    }
}
