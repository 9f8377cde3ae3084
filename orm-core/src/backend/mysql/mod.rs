//! MySQL and MariaDB through the synchronous `mysql` client.

mod connection;
mod error;
mod types;

pub(crate) use self::connection::MySqlBackend;
pub(crate) use error::map_error;
