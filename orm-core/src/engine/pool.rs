//! The r2d2 connection manager: opens backend connections for the pool and discards broken ones.

use super::url::Target;
#[cfg(feature = "mysql")]
use crate::backend::mysql::MySqlBackend;
#[cfg(feature = "postgres")]
use crate::backend::postgres::PostgresBackend;
#[cfg(feature = "sqlite")]
use crate::backend::sqlite::SqliteBackend;
use crate::backend::Backend;
use crate::error::{Error, Result};

/// Opens connections to one target.
#[derive(Debug)]
pub(crate) struct Manager {
    pub(crate) target: Target,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) search_path: Option<String>,
    /// The MySQL dialect the builder asked for, over the one the server's version suggests.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    pub(crate) mysql_dialect: Option<&'static crate::dialect::MySql>,
}

impl Manager {
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(unreachable_code)
    )]
    pub(crate) fn open(&self) -> Result<Box<dyn Backend>> {
        Ok(match &self.target {
            #[cfg(feature = "sqlite")]
            Target::SqliteMemory(name) => Box::new(SqliteBackend::open_memory(name)?),
            #[cfg(feature = "sqlite")]
            Target::SqliteFile(path) => Box::new(SqliteBackend::open_file(path)?),
            #[cfg(feature = "postgres")]
            Target::Postgres(config) => Box::new(PostgresBackend::connect(
                config,
                self.search_path.as_deref(),
            )?),
            #[cfg(feature = "mysql")]
            Target::MySql(opts, _) => Box::new(MySqlBackend::connect(opts, self.mysql_dialect)?),
            #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            Target::None => return Err(Error::config("orm-core was built without a driver")),
        })
    }
}

/// A pooled backend connection and the engine's schema epoch its prepared statements were made in.
pub(crate) struct Pooled {
    pub(crate) backend: Box<dyn Backend>,
    pub(crate) epoch: u64,
}

impl std::fmt::Debug for Pooled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pooled")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = Error;

    fn connect(&self) -> Result<Self::Connection> {
        Ok(Pooled {
            backend: self.open()?,
            epoch: 0,
        })
    }

    fn is_valid(&self, conn: &mut Self::Connection) -> Result<()> {
        conn.backend.batch_execute("SELECT 1")
    }

    fn has_broken(&self, conn: &mut Self::Connection) -> bool {
        conn.backend.is_broken()
    }
}
