//! The error type of `orm-core` and the structured constraint violation.

use std::fmt;

/// What can go wrong in the engine, the session and the query builder.
///
/// Every message is lowercase and names what it can: the table, the column, the constraint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A database URL that cannot be understood.
    #[error("invalid database url `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given, with any password masked.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database could not be reached or opened.
    #[error("cannot connect to the database: {message}")]
    Connect {
        /// What the driver said.
        message: String,
        /// The driver's error, where there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// No connection could be taken from the pool in time.
    #[error("no database connection available: {0}")]
    Pool(String),
    /// The connection to the server was lost; the transaction in progress was rolled back.
    #[error("the database connection was lost: {message}")]
    ConnectionLost {
        /// What the driver said.
        message: String,
    },
    /// A unique, foreign key, not null or check constraint rejected a write.
    #[error("{0}")]
    Constraint(ConstraintViolation),
    /// A query that must return a row returned none.
    #[error("no row found in `{table}`")]
    NotFound {
        /// The table queried.
        table: String,
    },
    /// A query that must return at most one row returned more.
    #[error("more than one row found in `{table}`")]
    MultipleRows {
        /// The table queried.
        table: String,
    },
    /// An UPDATE or DELETE guarded by a version column matched no row: somebody else changed it.
    #[error("stale data in `{table}`: expected version {expected} for primary key {key}, the row was changed or deleted by another transaction")]
    StaleData {
        /// The table written.
        table: String,
        /// The primary key of the row, rendered.
        key: String,
        /// The version the session held.
        expected: i64,
    },
    /// A value read from the database does not fit the field it is read into.
    #[error("cannot decode column `{table}.{column}`: {message}")]
    Decode {
        /// The table (or `?` for a raw query).
        table: String,
        /// The column.
        column: String,
        /// What did not fit.
        message: String,
    },
    /// A relationship was read before it was loaded; loading is always explicit.
    #[error("the relationship `{relation}` (to `{target}`) is not loaded; help: load it with `session.load_related(...)`, or eagerly in the query with `.eager(...)` / `.joined(...)`")]
    NotLoaded {
        /// The relationship, as `table.field`.
        relation: String,
        /// The related table.
        target: String,
    },
    /// A value given to the database cannot be used there.
    #[error("invalid value: {0}")]
    InvalidValue(String),
    /// The configuration or the models are not usable as they are.
    #[error("configuration error: {0}")]
    Config(String),
    /// The backend does not support what was asked.
    #[error("{feature} is not supported on {dialect}")]
    Unsupported {
        /// The dialect name.
        dialect: &'static str,
        /// What was asked.
        feature: String,
    },
    /// Any other error reported by the database.
    #[error("database error: {message}")]
    Database {
        /// What the database said.
        message: String,
        /// The SQLSTATE or SQLite extended code, where known.
        code: Option<String>,
        /// The driver's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Other writers held a lock past the wait allowed: SQLite's "database is locked" after the busy
    /// timeout, MySQL's lock wait timeout (1205), PostgreSQL's `lock_not_available` (55P03). Nothing
    /// was written; retrying the transaction may succeed ([`Error::is_retryable`]).
    #[error("the database is busy: {message}")]
    Busy {
        /// What the database said.
        message: String,
        /// The SQLite extended code, MySQL error number or SQLSTATE.
        code: String,
    },
}

/// The `Result` of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which kind of constraint was violated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConstraintKind {
    /// A unique constraint, unique index or primary key.
    Unique,
    /// A foreign key.
    ForeignKey,
    /// A NOT NULL column.
    NotNull,
    /// A CHECK constraint.
    Check,
}

impl fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConstraintKind::Unique => "unique",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::NotNull => "not null",
            ConstraintKind::Check => "check",
        })
    }
}

/// A constraint violation, described the same way on SQLite and PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintViolation {
    /// The kind of constraint.
    pub kind: ConstraintKind,
    /// The table written, where the database says (SQLite does not for foreign keys).
    pub table: Option<String>,
    /// The constraint or index name, where known (looked up in the model metadata when the database
    /// does not say).
    pub constraint: Option<String>,
    /// The columns involved, where known.
    pub columns: Vec<String>,
    /// The database's own message.
    pub message: String,
}

impl ConstraintViolation {
    /// True when `column` is one of the columns involved.
    pub fn involves(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }
}

impl fmt::Display for ConstraintViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} constraint violated", self.kind)?;
        if let Some(name) = &self.constraint {
            write!(f, " ({name})")?;
        }
        if let Some(table) = &self.table {
            write!(f, " on `{table}`")?;
        }
        if !self.columns.is_empty() {
            write!(f, " columns [{}]", self.columns.join(", "))?;
        }
        write!(f, ": {}", self.message)
    }
}

impl Error {
    /// The constraint violation, when this error is one.
    pub fn constraint(&self) -> Option<&ConstraintViolation> {
        match self {
            Error::Constraint(c) => Some(c),
            _ => None,
        }
    }

    /// True for a unique violation (seed 004's "already exists" case).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Constraint(c) if c.kind == ConstraintKind::Unique)
    }

    /// True when other writers held a lock too long ([`Error::Busy`]).
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Busy { .. })
    }

    /// True for a lost connection.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Error::ConnectionLost { .. })
    }

    /// True for a failure that a retry of the whole transaction may not meet again: a deadlock or a
    /// serialization failure (PostgreSQL 40P01, 40001; MySQL 1213), or a lock held too long
    /// ([`Error::Busy`]: SQLite's "database is locked", MySQL 1205, PostgreSQL 55P03). The session
    /// keeps its objects as before the commit, so committing again is the retry.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Busy { .. } => true,
            Error::Database {
                code: Some(code), ..
            } => matches!(
                code.as_str(),
                // PostgreSQL: serialization_failure, deadlock_detected.
                "40001" | "40P01"
                // MySQL: ER_LOCK_DEADLOCK.
                | "1213"
            ),
            _ => false,
        }
    }

    /// A prepared statement the server will not run because a table under it changed (PostgreSQL's
    /// "cached plan must not change result type").
    pub(crate) fn is_stale_statement(&self) -> bool {
        matches!(
            self,
            Error::Database { code: Some(code), message, .. }
                if code == "0A000" && message.contains("cached plan must not change result type")
        )
    }

    pub(crate) fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }

    /// The message to carry into a later [`Error::Config`]: a configuration error's own message
    /// (not its display, which would say "configuration error" twice).
    pub(crate) fn config_message(&self) -> String {
        match self {
            Error::Config(m) => m.clone(),
            other => other.to_string(),
        }
    }

    pub(crate) fn database(
        message: impl Into<String>,
        code: Option<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Database {
            message: message.into(),
            code,
            source: Some(Box::new(source)),
        }
    }
}
