//! Rows as the driver holds them: [`Row`], read by position and type, and [`RowReader`], which
//! walks one row left to right for a selection of several models and columns.

use crate::error::{Error, Result};
use crate::value::{SqlType, Value, ValueError};

/// One row as the driver holds it, read column by column (by position) without copying the row
/// first: what [`crate::SqlType::read`] and the derive's `Model::from_row` decode from.
///
/// The typed reads answer `Ok(None)` for NULL and read the driver's native representation; the
/// defaults go through [`Row::value`], the dynamic fallback every backend provides.
pub trait Row {
    /// The number of columns.
    fn len(&self) -> usize;

    /// Whether the row has no columns.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of column `i`.
    fn column_name(&self, i: usize) -> &str;

    /// Column `i` as a dynamic [`Value`].
    ///
    /// # Errors
    ///
    /// A [`ValueError`] when there is no column `i` or the driver cannot read it.
    fn value(&self, i: usize) -> Result<Value, ValueError>;

    /// Whether column `i` is NULL.
    ///
    /// # Errors
    ///
    /// As [`Row::value`].
    fn is_null(&self, i: usize) -> Result<bool, ValueError> {
        Ok(self.value(i)?.is_null())
    }

    /// Column `i` as an integer (any width, or a boolean).
    ///
    /// # Errors
    ///
    /// As [`Row::value`]; a value that is not an integer.
    fn get_i64(&self, i: usize) -> Result<Option<i64>, ValueError> {
        value_as_i64(self.value(i)?)
    }

    /// Column `i` as a float (an integer column is widened).
    ///
    /// # Errors
    ///
    /// As [`Row::value`]; a value that is not a number.
    fn get_f64(&self, i: usize) -> Result<Option<f64>, ValueError> {
        value_as_f64(self.value(i)?)
    }

    /// Column `i` as text.
    ///
    /// # Errors
    ///
    /// As [`Row::value`]; a value that is not text.
    fn get_text(&self, i: usize) -> Result<Option<String>, ValueError> {
        value_as_text(self.value(i)?)
    }
}

/// A dynamic value as an integer (any width, or a boolean); NULL is `None`.
pub(crate) fn value_as_i64(v: Value) -> Result<Option<i64>, ValueError> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| ValueError::mismatch("i64", &v)),
    }
}

/// A dynamic value as a float (an integer is widened); NULL is `None`.
pub(crate) fn value_as_f64(v: Value) -> Result<Option<f64>, ValueError> {
    match v {
        Value::Null => Ok(None),
        Value::F64(f) => Ok(Some(f)),
        Value::F32(f) => Ok(Some(f.into())),
        v => match v.as_i64() {
            Some(n) => Ok(Some(n as f64)),
            None => Err(ValueError::mismatch("f64", &v)),
        },
    }
}

/// A dynamic value as text; NULL is `None`.
pub(crate) fn value_as_text(v: Value) -> Result<Option<String>, ValueError> {
    match v {
        Value::Null => Ok(None),
        Value::Text(s) => Ok(Some(s)),
        v => Err(ValueError::mismatch("text", &v)),
    }
}

/// The error for a column position past the row's end.
pub(crate) fn no_column(i: usize, len: usize) -> ValueError {
    ValueError(format!("the row has {len} columns, no column {i}"))
}

/// One row being decoded left to right: each part of a selection (a model, a column, a joined
/// relationship) reads its columns from the current position and moves past them.
pub struct RowReader<'r> {
    row: &'r dyn Row,
    at: usize,
}

impl std::fmt::Debug for RowReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowReader")
            .field("columns", &self.row.len())
            .field("at", &self.at)
            .finish()
    }
}

impl<'r> RowReader<'r> {
    /// A reader at the first column of `row`.
    pub fn new(row: &'r dyn Row) -> Self {
        RowReader { row, at: 0 }
    }

    /// The row.
    pub fn row(&self) -> &'r dyn Row {
        self.row
    }

    /// The position of the next column.
    pub fn position(&self) -> usize {
        self.at
    }

    /// Moves past `n` columns.
    pub fn skip(&mut self, n: usize) {
        self.at += n;
    }

    /// Checks that `n` more columns are there, for a model of `table`.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] naming the table when the row is too short.
    pub fn expect(&self, n: usize, table: &str) -> Result<()> {
        if self.row.len() < self.at + n {
            return Err(Error::Decode {
                table: table.to_owned(),
                column: "*".to_owned(),
                message: "the row has fewer columns than the model".to_owned(),
            });
        }
        Ok(())
    }

    /// Reads the next column as a `T`.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] naming `table` and `column` when the value does not fit `T`.
    pub fn read<T: SqlType>(&mut self, table: &str, column: &str) -> Result<T> {
        self.read_next().map_err(|e| e.at(table, column))
    }

    /// Reads the next column of a raw query as a `T`; an error names the column as the database
    /// did.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the value does not fit `T`.
    pub fn read_raw<T: SqlType>(&mut self) -> Result<T> {
        let i = self.at;
        self.read_next()
            .map_err(|e| e.at("?", self.row.column_name(i)))
    }

    fn read_next<T: SqlType>(&mut self) -> Result<T, ValueError> {
        let i = self.at;
        self.at += 1;
        if i >= self.row.len() {
            return Err(ValueError(
                "the row has fewer columns than selected".to_owned(),
            ));
        }
        T::read(self.row, i)
    }
}
