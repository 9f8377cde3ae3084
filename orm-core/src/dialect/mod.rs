//! SQL dialects: identifier quoting, placeholders, type names and DDL, with one small type per backend
//! overriding only what differs.

mod common;
pub(crate) mod mysql;
mod postgres;
mod sqlite;

pub use self::common::{dialect_for, portable_column_type, BoundList, Dialect, DialectKind};
pub(crate) use self::common::{dollar_to_question, rewrite_dollar_params};
pub use self::mysql::MySql;
pub use self::postgres::Postgres;
pub use self::sqlite::Sqlite;
