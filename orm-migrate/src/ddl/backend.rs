//! What a migration does differently per database, as alembic's `DefaultImpl` and its per-dialect
//! subclasses: one trait whose defaults are standard SQL altered in place inside a transaction, one
//! small implementation per backend overriding what differs (SQLite rebuilds tables and switches
//! foreign keys off around each migration). Everything above asks the trait, never the backend's
//! name; a new backend is a new implementation and one line in [`for_dialect`].

use std::fmt;

use orm_core::schema::TableDef;
use orm_core::{Connection, DialectKind};

use crate::error::{Error, Result};
use crate::ops::{Operation, SchemaState};

/// The per-backend part of rendering and running migrations.
pub trait MigrationBackend: Send + Sync + fmt::Debug {
    /// The statements of one operation, given the schema before it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOperation`] when the operation does not fit `state`.
    fn render(&self, op: &Operation, state: &SchemaState) -> Result<Vec<String>>;

    /// The table `op` changes by rebuilding it (create, copy, drop, rename) rather than in place;
    /// consecutive operations that rebuild the same table share one rebuild.
    fn rebuilds<'a>(&self, op: &'a Operation, state: &SchemaState) -> Option<&'a str> {
        let _ = (op, state);
        None
    }

    /// The statements that rebuild `old` as `new`, keeping its rows.
    fn rebuild(&self, old: &TableDef, new: &TableDef) -> Vec<String> {
        let _ = (old, new);
        Vec::new()
    }

    /// The tables of the connected database.
    ///
    /// # Errors
    ///
    /// A database error.
    fn reflect(&self, conn: &mut Connection) -> Result<Vec<TableDef>>;

    /// Run before each migration's transaction, outside it.
    fn before_migration(&self) -> Option<&'static str> {
        None
    }

    /// Run after each migration's transaction ended, whichever way; a failure closes the
    /// connection instead of returning it to the pool.
    fn after_migration(&self) -> Option<&'static str> {
        None
    }

    /// Whether DDL runs inside a transaction that can roll it back. Without it (MySQL commits each
    /// DDL statement), the runner records a migration's progress after each operation, so that a
    /// failure says what was applied and the next run resumes after it.
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// A lock held by the connection itself for one whole migration, for backends whose DDL ends
    /// transactions: the query that takes it (answering 1 once it has it) and the statement that
    /// releases it.
    fn session_lock(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// Run first inside each migration's transaction: a lock that serialises concurrent migrators
    /// until the transaction ends.
    fn lock_sql(&self) -> Option<&'static str> {
        None
    }

    /// Run last inside each migration's transaction: any row it returns is a foreign key violation
    /// the migration left behind (for backends that migrate with foreign key checks off).
    fn foreign_key_check_sql(&self) -> Option<&'static str> {
        None
    }
}

/// The migration backend of a dialect.
///
/// # Errors
///
/// [`Error::Unsupported`] for a dialect this crate has no migration backend for.
pub fn for_dialect(kind: DialectKind) -> Result<&'static dyn MigrationBackend> {
    match kind {
        DialectKind::Sqlite => Ok(&super::sqlite::SqliteMigrations),
        DialectKind::Postgres => Ok(&super::postgres::PostgresMigrations),
        DialectKind::MySql => Ok(&super::mysql::MySqlMigrations),
        other => Err(Error::Unsupported(format!("migrations for {other:?}"))),
    }
}
