//! Database backends behind one small [`Backend`] trait, one folder each; each maps its native errors
//! to the portable [`crate::Error`] in its own `error.rs`.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use std::sync::Arc;

use crate::dialect::Dialect;
use crate::error::Result;
use crate::value::Value;

/// The rows of a query: column names and values, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// The column names, shared by every row.
    pub columns: Arc<[String]>,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// A callback receiving each row of a streamed query (column names, values); `false` stops.
pub type RowSink<'a> = dyn FnMut(&[String], Vec<Value>) -> Result<bool> + 'a;

/// A raw connection to one database. Statements are prepared once per connection and cached.
pub trait Backend: Send {
    /// The dialect this backend speaks.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs a statement and returns the number of rows it changed.
    ///
    /// # Errors
    ///
    /// The backend's error, mapped to the portable kinds (constraint violations, lost connections).
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;

    /// Runs a query and returns every row.
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`].
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Rows>;

    /// Runs a query and hands each row to `f` as it arrives, without collecting them; `f` returns
    /// `false` to stop early.
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`], or the first error `f` returns.
    fn query_each(&mut self, sql: &str, params: &[Value], f: &mut RowSink<'_>) -> Result<()>;

    /// Runs one or more statements without parameters.
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`].
    fn batch_execute(&mut self, sql: &str) -> Result<()>;

    /// True when the connection is known to be unusable (the pool then discards it).
    fn is_broken(&self) -> bool;
}
