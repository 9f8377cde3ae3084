//! SQLite through `rusqlite`, with the bundled SQLite.

mod connection;
mod error;

pub(crate) use self::connection::SqliteBackend;
pub(crate) use error::map_error;
