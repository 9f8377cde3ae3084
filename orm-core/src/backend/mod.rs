//! Database backends behind one small [`Backend`] trait, one folder each; each maps its native errors
//! to the portable [`crate::Error`] in its own `error.rs`.

mod driver;
#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
mod row;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

pub(crate) use self::driver::{changes_schema, statement_table};
pub use self::driver::{Backend, RowSink, Rows};
#[allow(unused_imports)] // each backend uses some; a build without one leaves those unused
pub(crate) use row::{no_column, value_as_f64, value_as_i64, value_as_text};
pub use row::{Row, RowReader};
