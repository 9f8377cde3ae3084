//! PostgreSQL through the synchronous `postgres` client.

mod connection;
mod error;
#[cfg(feature = "tls")]
pub(crate) mod tls;
mod types;

pub(crate) use self::connection::PostgresBackend;
pub(crate) use error::map_error;
