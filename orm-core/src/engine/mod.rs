//! The [`Engine`]: a pool of connections to one database, its dialect, echo and statement events, and
//! `create_all` / `drop_all`.

mod connection;
mod ddl;
mod engine_handle;
mod event;
mod pool;
mod replica;
mod url;

pub use connection::Connection;
pub use engine_handle::{Engine, EngineBuilder, DEFAULT_URL};
pub(crate) use event::LogSink;
pub use event::{ListenerId, RecordedStatement, StatementEvent, StatementLog};
pub use pool::PoolStatus;
pub use url::dialect_of;
#[allow(unused_imports)] // used by the TLS backend only
pub(crate) use url::SslMode;

use engine_handle::Shared;
