//! Columns and their portable types.

use std::fmt;

/// A portable column type; each dialect renders it in its own spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// `BOOLEAN`.
    Boolean,
    /// `SMALLINT` (16-bit).
    SmallInt,
    /// `INTEGER` (32-bit).
    Integer,
    /// `BIGINT` (64-bit).
    BigInt,
    /// `REAL` (32-bit float).
    Real,
    /// `DOUBLE PRECISION` (64-bit float).
    Double,
    /// `VARCHAR(n)`.
    Varchar(u32),
    /// `TEXT`, unbounded.
    Text,
    /// `BLOB` / `BYTEA`.
    Blob,
    /// `DATE`.
    Date,
    /// A time of day without a time zone (`TIME`), to the microsecond.
    Time,
    /// A UUID: native on PostgreSQL, `CHAR(36)` on MySQL, text on SQLite.
    Uuid,
    /// A JSON document: `JSONB` on PostgreSQL, `JSON` on MySQL and MariaDB, text on SQLite.
    Json,
    /// A closed set of text values as a native PostgreSQL enum type named `name` (created before
    /// the tables that use it); a `VARCHAR` as wide as the longest value elsewhere.
    Enum {
        /// The PostgreSQL type's name.
        name: String,
        /// The values, in order.
        values: Vec<String>,
    },
    /// A timestamp without a time zone.
    Timestamp,
    /// A timestamp with a time zone (UTC instants).
    TimestampTz,
    /// A type spelled by hand, used as is on every dialect.
    Custom(String),
}

impl ColumnType {
    /// The width of the `VARCHAR` holding `values` where there is no native enum.
    pub fn enum_width(values: &[String]) -> u32 {
        let widest = values.iter().map(|v| v.chars().count()).max().unwrap_or(1);
        u32::try_from(widest.max(1)).unwrap_or(u32::MAX)
    }

    /// True for the integer types (the ones that can autoincrement).
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
        )
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::Boolean => f.write_str("BOOLEAN"),
            ColumnType::SmallInt => f.write_str("SMALLINT"),
            ColumnType::Integer => f.write_str("INTEGER"),
            ColumnType::BigInt => f.write_str("BIGINT"),
            ColumnType::Real => f.write_str("REAL"),
            ColumnType::Double => f.write_str("DOUBLE PRECISION"),
            ColumnType::Varchar(n) => write!(f, "VARCHAR({n})"),
            ColumnType::Text => f.write_str("TEXT"),
            ColumnType::Blob => f.write_str("BLOB"),
            ColumnType::Date => f.write_str("DATE"),
            ColumnType::Time => f.write_str("TIME"),
            ColumnType::Uuid => f.write_str("UUID"),
            ColumnType::Json => f.write_str("JSON"),
            ColumnType::Enum { name, values } => {
                write!(f, "ENUM {name} (")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "'{}'", v.replace('\'', "''"))?;
                }
                f.write_str(")")
            }
            ColumnType::Timestamp => f.write_str("TIMESTAMP"),
            ColumnType::TimestampTz => f.write_str("TIMESTAMP WITH TIME ZONE"),
            ColumnType::Custom(s) => f.write_str(s),
        }
    }
}

/// A default computed by the database (`server_default`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DefaultExpr {
    /// The current time: `CURRENT_TIMESTAMP` on SQLite, `now()` on PostgreSQL.
    CurrentTimestamp,
    /// A boolean literal.
    Bool(bool),
    /// An integer literal.
    Integer(i64),
    /// A float literal.
    Float(f64),
    /// A string literal (quoted by the dialect).
    Text(String),
    /// An SQL expression, used as written.
    Sql(String),
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The column name in the database.
    pub name: String,
    /// Its type.
    pub ty: ColumnType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Whether the column is part of the primary key.
    pub primary_key: bool,
    /// Whether the database generates the value (an integer primary key).
    pub autoincrement: bool,
    /// The database-side default.
    pub server_default: Option<DefaultExpr>,
    /// Whether this column holds the row version for optimistic locking.
    pub version: bool,
    /// The name this column had before, so that the migration tool renames instead of dropping.
    pub rename_from: Option<String>,
}

impl ColumnDef {
    /// A NOT NULL column of the given type, with no key or default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        ColumnDef {
            name: name.into(),
            ty,
            nullable: false,
            primary_key: false,
            autoincrement: false,
            server_default: None,
            version: false,
            rename_from: None,
        }
    }

    /// Sets nullability.
    pub fn nullable(mut self, nullable: bool) -> Self {
        self.nullable = nullable;
        self
    }

    /// Sets the server default.
    pub fn server_default(mut self, default: DefaultExpr) -> Self {
        self.server_default = Some(default);
        self
    }

    /// Makes this column the autoincrementing primary key.
    pub fn autoincrement_primary_key(mut self) -> Self {
        self.primary_key = true;
        self.autoincrement = true;
        self.nullable = false;
        self
    }
}
