//! Values crossing the boundary between Rust and the database, and the [`SqlType`] trait that maps
//! field types to them.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::backend::Row;
use crate::schema::ColumnType;

/// A database value, as bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean (INTEGER 0/1 on SQLite).
    Bool(bool),
    /// A 16-bit integer.
    I16(i16),
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float.
    F32(f32),
    /// A 64-bit float.
    F64(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A calendar date.
    Date(NaiveDate),
    /// A time of day.
    Time(NaiveTime),
    /// A date and time without a time zone.
    DateTime(NaiveDateTime),
    /// An instant in UTC (stored with its offset on SQLite, as `timestamptz` on PostgreSQL).
    DateTimeUtc(DateTime<Utc>),
    /// A list of values bound as one parameter: a long IN list on PostgreSQL (an array, `= ANY($1)`).
    /// Not a column value; the query builder makes it.
    List(Vec<Value>),
}

impl Value {
    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the variant, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::Text(_) => "text",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "datetime",
            Value::DateTimeUtc(_) => "datetime with time zone",
            Value::List(_) => "list",
        }
    }

    /// The value as an `i64`, when it is an integer (or a boolean).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::I16(v) => Some(v.into()),
            Value::I32(v) => Some(v.into()),
            Value::I64(v) => Some(v),
            Value::Bool(v) => Some(v.into()),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// Renders the value for logs and messages (never for SQL: values are always bound).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::I16(v) => write!(f, "{v}"),
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F32(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Text(v) => write!(f, "{v:?}"),
            Value::Bytes(v) => write!(f, "<{} bytes>", v.len()),
            Value::Date(v) => write!(f, "{v}"),
            Value::Time(v) => write!(f, "{v}"),
            Value::DateTime(v) => write!(f, "{v}"),
            Value::DateTimeUtc(v) => write!(f, "{}", v.to_rfc3339()),
            Value::List(v) => write!(f, "<a list of {} values>", v.len()),
        }
    }
}

/// A value that does not fit the type it is decoded into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

impl ValueError {
    /// This error as [`crate::Error::Decode`], naming where the value was read.
    pub(crate) fn at(self, table: &str, column: &str) -> crate::Error {
        crate::Error::Decode {
            table: table.to_owned(),
            column: column.to_owned(),
            message: self.0,
        }
    }

    /// A mismatch between the value read and the Rust type expected.
    pub fn mismatch(expected: &str, got: &Value) -> Self {
        ValueError(format!("expected {expected}, found {} ({got})", got.kind()))
    }
}

/// A Rust type that can be stored in a column.
///
/// Implemented for `bool`, `i16`, `i32`, `i64`, `u8`, `u16`, `u32` (in the next wider signed
/// column), `f32`, `f64`, `String`, `Vec<u8>`, chrono's `NaiveDate`, `NaiveTime`, `NaiveDateTime`
/// and `DateTime<Utc>`, and `Option<T>` of each (a nullable column).
/// Implement it to map a type of your own onto one of those.
///
/// # Examples
///
/// ```
/// use orm_core::{SqlType, Value, ValueError, schema::ColumnType};
///
/// /// An e-mail address, stored as text.
/// #[derive(Debug, Clone, PartialEq)]
/// pub struct Email(String);
///
/// impl SqlType for Email {
///     fn column_type() -> ColumnType {
///         ColumnType::Text
///     }
///     fn to_value(&self) -> Value {
///         Value::Text(self.0.clone())
///     }
///     fn from_value(value: Value) -> Result<Self, ValueError> {
///         String::from_value(value).map(Email)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "unsupported field type",
    note = "supported: bool, i16, i32, i64, u8, u16, u32, f32, f64, String, Vec<u8>, chrono::NaiveDate, chrono::NaiveTime, chrono::NaiveDateTime, chrono::DateTime<Utc>, uuid::Uuid, rust_decimal::Decimal, serde_json::Value, orm_core::value::Json<T> and Option of these (u64 is not: no backend has a column for all its values; use i64)",
    note = "implement `orm_core::SqlType` for `{Self}` to map it onto one of them, or mark the field `#[orm(skip)]`"
)]
pub trait SqlType: Sized {
    /// True for `Option<T>`: the column is nullable.
    const NULLABLE: bool = false;

    /// The column type this Rust type maps to by default.
    fn column_type() -> ColumnType;

    /// The value to bind.
    fn to_value(&self) -> Value;

    /// Decodes a value read from the database.
    ///
    /// # Errors
    ///
    /// A [`ValueError`] when the value does not fit (a NULL into a non-`Option`, text into an integer, an
    /// integer out of range).
    fn from_value(value: Value) -> Result<Self, ValueError>;

    /// Reads column `i` of a row as the driver holds it. The default goes through [`Row::value`]
    /// and [`SqlType::from_value`]; the built-in numbers and strings read the driver's own
    /// representation directly.
    ///
    /// # Errors
    ///
    /// As [`SqlType::from_value`].
    fn read(row: &dyn Row, i: usize) -> Result<Self, ValueError> {
        Self::from_value(row.value(i)?)
    }

    /// The only values the type stores, for a closed set (an enum: `#[derive(SqlEnum)]`); its
    /// column gets a CHECK of them.
    fn allowed_values() -> Option<&'static [&'static str]> {
        None
    }
}

/// The error for a NULL read into a type that has none.
fn null_into(expected: &str) -> ValueError {
    ValueError::mismatch(expected, &Value::Null)
}

/// An integer read at full width, narrowed to the field's type.
fn narrow<T: TryFrom<i64>>(wide: i64, name: &str) -> Result<T, ValueError> {
    T::try_from(wide).map_err(|_| ValueError(format!("{wide} is out of range for {name}")))
}

/// An integer type, bound as the `Value` variant of `$wide`: its own width, or for an unsigned
/// type the next wider signed one, so that every value fits on every backend (none has an
/// unsigned type everywhere; `u64` has no wider column and is not a `SqlType`).
macro_rules! int_type {
    ($t:ty, $variant:ident, $wide:ty, $col:expr) => {
        impl SqlType for $t {
            fn column_type() -> ColumnType {
                $col
            }
            fn to_value(&self) -> Value {
                Value::$variant(<$wide>::from(*self))
            }
            fn from_value(value: Value) -> Result<Self, ValueError> {
                let wide = value
                    .as_i64()
                    .ok_or_else(|| ValueError::mismatch(stringify!($t), &value))?;
                narrow(wide, stringify!($t))
            }
            fn read(row: &dyn Row, i: usize) -> Result<Self, ValueError> {
                let wide = row.get_i64(i)?.ok_or_else(|| null_into(stringify!($t)))?;
                narrow(wide, stringify!($t))
            }
        }
    };
}

int_type!(i16, I16, i16, ColumnType::SmallInt);
int_type!(i32, I32, i32, ColumnType::Integer);
int_type!(i64, I64, i64, ColumnType::BigInt);
int_type!(u8, I16, i16, ColumnType::SmallInt);
int_type!(u16, I32, i32, ColumnType::Integer);
int_type!(u32, I64, i64, ColumnType::BigInt);

impl SqlType for bool {
    fn column_type() -> ColumnType {
        ColumnType::Boolean
    }
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Bool(v) => Ok(v),
            ref v => match v.as_i64() {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(ValueError::mismatch("bool", v)),
            },
        }
    }
}

impl SqlType for f64 {
    fn column_type() -> ColumnType {
        ColumnType::Double
    }
    fn to_value(&self) -> Value {
        Value::F64(*self)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::F64(v) => Ok(v),
            Value::F32(v) => Ok(v.into()),
            // SQLite stores a REAL that happens to be integral as an INTEGER.
            ref v => v
                .as_i64()
                .map(|i| i as f64)
                .ok_or_else(|| ValueError::mismatch("f64", v)),
        }
    }
    fn read(row: &dyn Row, i: usize) -> Result<Self, ValueError> {
        row.get_f64(i)?.ok_or_else(|| null_into("f64"))
    }
}

impl SqlType for f32 {
    fn column_type() -> ColumnType {
        ColumnType::Real
    }
    fn to_value(&self) -> Value {
        Value::F32(*self)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::F32(v) => Ok(v),
            // SQLite has only 64-bit REALs; narrowing is the declared intent of an f32 field.
            Value::F64(v) => Ok(v as f32),
            ref v => v
                .as_i64()
                .map(|i| i as f32)
                .ok_or_else(|| ValueError::mismatch("f32", v)),
        }
    }
}

impl SqlType for String {
    fn column_type() -> ColumnType {
        ColumnType::Text
    }
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Text(s) => Ok(s),
            v => Err(ValueError::mismatch("text", &v)),
        }
    }
    fn read(row: &dyn Row, i: usize) -> Result<Self, ValueError> {
        row.get_text(i)?.ok_or_else(|| null_into("text"))
    }
}

impl SqlType for Vec<u8> {
    fn column_type() -> ColumnType {
        ColumnType::Blob
    }
    fn to_value(&self) -> Value {
        Value::Bytes(self.clone())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Bytes(b) => Ok(b),
            Value::Text(s) => Ok(s.into_bytes()),
            v => Err(ValueError::mismatch("bytes", &v)),
        }
    }
}

impl SqlType for NaiveDate {
    fn column_type() -> ColumnType {
        ColumnType::Date
    }
    fn to_value(&self) -> Value {
        Value::Date(*self)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Date(d) => Ok(d),
            Value::Text(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|e| ValueError(format!("invalid date {s:?}: {e}"))),
            v => Err(ValueError::mismatch("date", &v)),
        }
    }
}

impl SqlType for NaiveTime {
    fn column_type() -> ColumnType {
        ColumnType::Time
    }
    fn to_value(&self) -> Value {
        Value::Time(*self)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Time(t) => Ok(t),
            // SQLite's text (ours: `03:04:05.000000`, or as `CURRENT_TIME` writes it); MySQL's
            // TIME read as text when it is a duration past a day.
            Value::Text(s) => ["%H:%M:%S%.f", "%H:%M"]
                .iter()
                .find_map(|f| NaiveTime::parse_from_str(&s, f).ok())
                .ok_or_else(|| ValueError(format!("invalid time of day {s:?}"))),
            v => Err(ValueError::mismatch("time", &v)),
        }
    }
}

/// A UUID, bound as its hyphenated lower-case text (PostgreSQL's `uuid` takes it in its binary
/// form).
#[cfg(feature = "uuid")]
impl SqlType for uuid::Uuid {
    fn column_type() -> ColumnType {
        ColumnType::Uuid
    }
    fn to_value(&self) -> Value {
        Value::Text(self.hyphenated().to_string())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Text(s) => uuid::Uuid::parse_str(&s)
                .map_err(|e| ValueError(format!("invalid uuid {s:?}: {e}"))),
            Value::Bytes(b) => uuid::Uuid::from_slice(&b)
                .map_err(|e| ValueError(format!("invalid uuid bytes: {e}"))),
            v => Err(ValueError::mismatch("uuid", &v)),
        }
    }
}

/// An exact decimal number, bound as its text: `NUMERIC(28, 10)` unless the field says otherwise
/// (`#[orm(sql_type = "NUMERIC(10, 2)")]`). PostgreSQL and MySQL keep every digit; SQLite keeps a
/// NUMERIC column's value as an integer or a double, exact to 15 significant digits.
#[cfg(feature = "rust_decimal")]
impl SqlType for rust_decimal::Decimal {
    fn column_type() -> ColumnType {
        ColumnType::Custom("NUMERIC(28, 10)".to_owned())
    }
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        use std::str::FromStr;
        match value {
            Value::Text(s) => rust_decimal::Decimal::from_str(&s)
                .map_err(|e| ValueError(format!("invalid decimal {s:?}: {e}"))),
            Value::I16(_) | Value::I32(_) | Value::I64(_) => Ok(rust_decimal::Decimal::from(
                value.as_i64().unwrap_or_default(),
            )),
            // SQLite's double: its shortest decimal spelling is the number that was stored (the
            // binary expansion would add digits nobody wrote).
            Value::F64(f) if f.is_finite() => rust_decimal::Decimal::from_str(&f.to_string())
                .map_err(|e| ValueError(format!("{f} is not a decimal: {e}"))),
            v => Err(ValueError::mismatch("decimal", &v)),
        }
    }
}

/// A JSON document, bound as its text. SQLite may hand a bare number back as one (its `JSON`
/// columns have numeric affinity).
#[cfg(feature = "serde_json")]
impl SqlType for serde_json::Value {
    fn column_type() -> ColumnType {
        ColumnType::Json
    }
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Text(s) => {
                serde_json::from_str(&s).map_err(|e| ValueError(format!("invalid json: {e}")))
            }
            Value::Bytes(b) => {
                serde_json::from_slice(&b).map_err(|e| ValueError(format!("invalid json: {e}")))
            }
            Value::I16(_) | Value::I32(_) | Value::I64(_) => {
                Ok(serde_json::Value::from(value.as_i64().unwrap_or_default()))
            }
            Value::F64(f) => serde_json::Number::from_f64(f)
                .map(serde_json::Value::Number)
                .ok_or_else(|| ValueError(format!("{f} is not a json number"))),
            v => Err(ValueError::mismatch("json", &v)),
        }
    }
}

/// Any serde type stored as a JSON document: `Json(settings)`.
///
/// # Examples
///
/// ```
/// use orm_core::value::Json;
/// use orm_core::{Engine, Model};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Default)]
/// struct Settings {
///     theme: String,
///     font_size: u8,
/// }
///
/// #[derive(Model, Debug)]
/// struct Profile {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     settings: Json<Settings>,
/// }
///
/// let engine = Engine::connect("sqlite::memory:")?;
/// engine.create_all()?;
/// let mut session = engine.session();
/// let settings = Settings { theme: "dark".into(), font_size: 14 };
/// let p = session.add(Profile::new(Json(settings.clone())));
/// session.commit()?;
/// let mut fresh = engine.session();
/// let back = fresh.get::<Profile>(p.read().id.unwrap())?.unwrap();
/// assert_eq!(back.read().settings.0, settings);
/// # Ok::<(), orm_core::Error>(())
/// ```
#[cfg(feature = "serde_json")]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Json<T>(pub T);

#[cfg(feature = "serde_json")]
impl<T: serde::Serialize + serde::de::DeserializeOwned> SqlType for Json<T> {
    fn column_type() -> ColumnType {
        ColumnType::Json
    }
    fn to_value(&self) -> Value {
        match serde_json::to_string(&self.0) {
            Ok(text) => Value::Text(text),
            // A map with non-string keys, say: stored as NULL would lose it silently; a string
            // that is not JSON fails at the database (jsonb) or at the next read instead.
            Err(e) => Value::Text(format!("<not json: {e}>")),
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        let json = serde_json::Value::from_value(value)?;
        serde_json::from_value(json)
            .map(Json)
            .map_err(|e| ValueError(format!("the json does not fit: {e}")))
    }
}

/// Parses the text forms SQLite holds: ours (`2024-01-02 03:04:05.000000`), `CURRENT_TIMESTAMP`'s
/// (`2024-01-02 03:04:05`) and ISO 8601 with a `T`.
fn parse_naive_datetime(s: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// Parses a timestamp with an offset; text without one (`CURRENT_TIMESTAMP` on SQLite) is UTC.
pub(crate) fn parse_datetime_utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| parse_naive_datetime(s).map(|n| n.and_utc()))
}

impl SqlType for NaiveDateTime {
    fn column_type() -> ColumnType {
        ColumnType::Timestamp
    }
    fn to_value(&self) -> Value {
        Value::DateTime(*self)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::DateTime(d) => Ok(d),
            Value::DateTimeUtc(d) => Ok(d.naive_utc()),
            Value::Text(s) => parse_naive_datetime(&s)
                .ok_or_else(|| ValueError(format!("invalid datetime {s:?}"))),
            v => Err(ValueError::mismatch("datetime", &v)),
        }
    }
}

impl SqlType for DateTime<Utc> {
    fn column_type() -> ColumnType {
        ColumnType::TimestampTz
    }
    fn to_value(&self) -> Value {
        Value::DateTimeUtc(*self)
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::DateTimeUtc(d) => Ok(d),
            Value::DateTime(d) => Ok(d.and_utc()),
            Value::Text(s) => parse_datetime_utc(&s)
                .ok_or_else(|| ValueError(format!("invalid datetime with time zone {s:?}"))),
            v => Err(ValueError::mismatch("datetime with time zone", &v)),
        }
    }
}

impl<T: SqlType> SqlType for Option<T> {
    const NULLABLE: bool = true;

    fn column_type() -> ColumnType {
        T::column_type()
    }
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
    fn read(row: &dyn Row, i: usize) -> Result<Self, ValueError> {
        if row.is_null(i)? {
            Ok(None)
        } else {
            T::read(row, i).map(Some)
        }
    }
    fn allowed_values() -> Option<&'static [&'static str]> {
        T::allowed_values()
    }
}

/// Conversion into a [`Value`] without naming the column type, for raw SQL parameters.
pub trait ToValue {
    /// The value to bind.
    fn to_value(&self) -> Value;
}

impl<T: SqlType> ToValue for T {
    fn to_value(&self) -> Value {
        SqlType::to_value(self)
    }
}

impl ToValue for &str {
    fn to_value(&self) -> Value {
        Value::Text((*self).to_owned())
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl<T: SqlType> From<T> for Value {
    fn from(v: T) -> Self {
        v.to_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn integers_check_their_range() {
        assert_eq!(i16::from_value(Value::I64(7)), Ok(7));
        assert!(i16::from_value(Value::I64(70_000)).is_err());
        assert!(i64::from_value(Value::Null).is_err());
        assert_eq!(Option::<i64>::from_value(Value::Null), Ok(None));
    }

    #[test]
    fn datetimes_parse_every_sqlite_form() {
        let t = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap();
        for s in [
            "2024-01-02 03:04:05",
            "2024-01-02 03:04:05.000000+00:00",
            "2024-01-02T03:04:05Z",
            "2024-01-02 05:04:05+02:00",
        ] {
            assert_eq!(
                DateTime::<Utc>::from_value(Value::Text(s.into())),
                Ok(t),
                "{s}"
            );
        }
        assert!(DateTime::<Utc>::from_value(Value::Text("yesterday".into())).is_err());
    }

    #[test]
    fn bool_accepts_sqlite_integers_only_zero_and_one() {
        assert_eq!(bool::from_value(Value::I64(1)), Ok(true));
        assert!(bool::from_value(Value::I64(2)).is_err());
    }
}
