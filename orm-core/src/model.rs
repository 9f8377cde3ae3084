//! The [`Model`] trait that `#[derive(Model)]` implements.

use crate::backend::Row;
use crate::error::Result;
use crate::object::ErasedObj;
use crate::schema::{RelationDef, TableDef};
use crate::value::{Value, ValueError};

/// A struct mapped to a table. Derive it with `#[derive(Model)]`; implementing it by hand is possible but
/// rarely useful.
///
/// Columns are addressed by their position in [`TableDef::columns`], which is the order of the
/// struct's fields (skipped fields excluded).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "not a model",
    note = "derive it with `#[derive(Model)]`, or name a type that does"
)]
pub trait Model: Sized + Send + Sync + 'static {
    /// The table name (the snake_case struct name unless overridden).
    const TABLE_NAME: &'static str;
    /// The primary key column names.
    const PRIMARY_KEY: &'static [&'static str];
    /// The column names, in order.
    const COLUMNS: &'static [&'static str];

    /// Whether [`Model::apply_update_hooks`] does anything (any `on_update` field).
    const HAS_UPDATE_HOOKS: bool = false;

    /// The table metadata: columns, keys, indexes, constraints.
    fn table() -> &'static TableDef;

    /// Every column's value, in order.
    fn to_values(&self) -> Vec<Value>;

    /// The value of the column at `index`.
    fn column_value(&self, index: usize) -> Value;

    /// Writes the value of the column at `index` (a generated key, a server default read back, a
    /// foreign key filled in at flush).
    ///
    /// # Errors
    ///
    /// A [`ValueError`] when the value does not fit the field.
    fn set_column_value(&mut self, index: usize, value: Value) -> Result<(), ValueError>;

    /// Builds an object from every column's value, in order.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] naming the table and the column that did not fit.
    fn from_values(values: Vec<Value>) -> Result<Self>;

    /// Builds an object from the columns of `row` starting at `offset`, read as the driver holds
    /// them (one typed read per column). The default goes through [`Model::from_values`].
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] naming the table and the column that did not fit.
    fn from_row(row: &dyn Row, offset: usize) -> Result<Self> {
        let values = (offset..offset + Self::COLUMNS.len())
            .zip(Self::COLUMNS)
            .map(|(i, column)| row.value(i).map_err(|e| e.at(Self::TABLE_NAME, column)))
            .collect::<Result<Vec<_>>>()?;
        Self::from_values(values)
    }

    /// Fills Rust-side defaults of optional fields that are still `None`; called before an INSERT.
    fn apply_insert_defaults(&mut self) {}

    /// Applies `on_update` functions; called before an UPDATE of a changed row.
    fn apply_update_hooks(&mut self) {}

    /// The positions of the primary key columns.
    fn primary_key_indexes() -> &'static [usize];

    /// Whether the model has a `BelongsTo` relationship (which an assignment turns into a foreign
    /// key at flush).
    const HAS_BELONGS_TO: bool = false;

    /// The relationships, in field order (the index of each is its [`crate::Relation`] handle's).
    fn relations() -> &'static [RelationDef] {
        &[]
    }

    /// Takes the object assigned to `BelongsTo` relationship number `relation`, if one was, leaving it
    /// as the loaded value. Used by the session.
    #[doc(hidden)]
    fn take_assigned(&mut self, relation: usize) -> Option<ErasedObj> {
        let _ = relation;
        None
    }

    /// The primary key values, in key order.
    fn primary_key_values(&self) -> Vec<Value> {
        Self::primary_key_indexes()
            .iter()
            .map(|&i| self.column_value(i))
            .collect()
    }
}

/// Decodes one field for generated code, turning a [`ValueError`] into [`crate::Error::Decode`]
/// naming the table and the column.
#[doc(hidden)]
pub fn decode_field<T: crate::SqlType>(
    table: &str,
    column: &str,
    value: Option<Value>,
) -> Result<T> {
    let value = value.ok_or_else(|| crate::Error::Decode {
        table: table.to_owned(),
        column: column.to_owned(),
        message: "the row has fewer columns than the model".to_owned(),
    })?;
    T::from_value(value).map_err(|e| e.at(table, column))
}

/// [`decode_field`] with the decoder passed in, for generated code: the derive names the field type
/// only in `<T as SqlType>::from_value`, so an unsupported type is reported once, at the field type.
#[doc(hidden)]
pub fn decode_field_with<T>(
    table: &str,
    column: &str,
    value: Option<Value>,
    decode: fn(Value) -> Result<T, ValueError>,
) -> Result<T> {
    let value = value.ok_or_else(|| crate::Error::Decode {
        table: table.to_owned(),
        column: column.to_owned(),
        message: "the row has fewer columns than the model".to_owned(),
    })?;
    decode(value).map_err(|e| e.at(table, column))
}

/// Reads one field from a driver row for generated code, turning a [`ValueError`] into
/// [`crate::Error::Decode`] naming the table and the column. The reader is passed in for the same
/// reason as in [`decode_field_with`].
#[doc(hidden)]
pub fn read_field_with<T>(
    table: &str,
    column: &str,
    row: &dyn Row,
    index: usize,
    read: fn(&dyn Row, usize) -> Result<T, ValueError>,
) -> Result<T> {
    read(row, index).map_err(|e| e.at(table, column))
}
