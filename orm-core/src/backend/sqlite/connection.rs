//! The SQLite backend over `rusqlite`: opening, binding values, reading rows.

use super::map_error;
use crate::backend::{Backend, Row, RowSink};
use crate::dialect::{Dialect, Sqlite};
use crate::error::{Error, Result};
use crate::value::{Value, ValueError};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{OpenFlags, ToSql};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// One SQLite connection.
pub(crate) struct SqliteBackend {
    conn: rusqlite::Connection,
    broken: bool,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend").finish_non_exhaustive()
    }
}

impl SqliteBackend {
    /// Opens a database file, creating it when missing (its directory must exist), in write-ahead
    /// logging mode when `wal` says so: readers then no longer wait for a writer, nor a writer for
    /// readers, which is what a server with a pool of connections needs. The mode is stored in the
    /// file; a file system that cannot share memory between processes keeps the rollback journal.
    pub(crate) fn open_file(path: &Path, wal: bool, busy_timeout: Duration) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(Error::Connect {
                    message: format!(
                        "the directory `{}` of the database file does not exist",
                        dir.display()
                    ),
                    source: None,
                });
            }
        }
        let conn = rusqlite::Connection::open(path).map_err(|e| Error::Connect {
            message: format!("cannot open `{}`: {e}", path.display()),
            source: Some(Box::new(e)),
        })?;
        let backend = Self::configure(conn, busy_timeout)?;
        if wal {
            // Answers with the mode now in effect; a file that cannot switch stays as it was.
            backend
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| {
                    row.get::<_, String>(0)
                })
                .map_err(map_error)?;
        }
        Ok(backend)
    }

    /// Opens (or joins) the named in-memory database. The `memdb` VFS shares a database whose name
    /// starts with `/` between every connection of the process and locks it like a file, so the pool's
    /// connections see one database and wait for each other's write locks instead of failing.
    pub(crate) fn open_memory(name: &str, busy_timeout: Duration) -> Result<Self> {
        let uri = format!("file:/{name}?vfs=memdb");
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            rusqlite::Connection::open_with_flags(&uri, flags).map_err(|e| Error::Connect {
                message: format!("cannot open the in-memory database: {e}"),
                source: Some(Box::new(e)),
            })?;
        Self::configure(conn, busy_timeout)
    }

    fn configure(conn: rusqlite::Connection, busy_timeout: Duration) -> Result<Self> {
        conn.busy_timeout(busy_timeout).map_err(map_error)?;
        // Foreign keys are off by default in SQLite, for backwards compatibility only. LIKE ignores
        // ASCII case by default; PostgreSQL's and MySQL's (with the binary collation the tables are
        // created with) do not, so `contains` means the same everywhere (`icontains` folds case
        // on every backend).
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON")
            .map_err(map_error)?;
        conn.set_prepared_statement_cache_capacity(256);
        Ok(SqliteBackend {
            conn,
            broken: false,
        })
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as V;
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Bool(b) => ToSqlOutput::Owned(V::Integer((*b).into())),
            Value::I16(i) => ToSqlOutput::Owned(V::Integer((*i).into())),
            Value::I32(i) => ToSqlOutput::Owned(V::Integer((*i).into())),
            Value::I64(i) => ToSqlOutput::Owned(V::Integer(*i)),
            Value::F32(f) => ToSqlOutput::Owned(V::Real((*f).into())),
            Value::F64(f) => ToSqlOutput::Owned(V::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Date(d) => ToSqlOutput::Owned(V::Text(d.format("%Y-%m-%d").to_string())),
            Value::Time(t) => ToSqlOutput::Owned(V::Text(t.format("%H:%M:%S%.6f").to_string())),
            // The same shape as CURRENT_TIMESTAMP (a space, not a `T`), so that text comparisons
            // between our values and the database's own agree; fixed precision keeps them sortable.
            Value::DateTime(d) => {
                ToSqlOutput::Owned(V::Text(d.format("%Y-%m-%d %H:%M:%S%.6f").to_string()))
            }
            Value::DateTimeUtc(d) => {
                ToSqlOutput::Owned(V::Text(d.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()))
            }
            // Lists are bound as JSON text (see `Dialect::bound_list`), never as a list.
            Value::List(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "a list of values binds only as a JSON array on SQLite".into(),
                ))
            }
        })
    }
}

fn read_value(v: ValueRef<'_>) -> Result<Value, ValueError> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::I64(i),
        ValueRef::Real(f) => Value::F64(f),
        ValueRef::Text(t) => Value::Text(read_text(t)?),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    })
}

fn read_text(t: &[u8]) -> Result<String, ValueError> {
    std::str::from_utf8(t)
        .map(str::to_owned)
        .map_err(|e| ValueError(format!("text that is not utf-8: {e}")))
}

/// A row of a stepped statement. Its width is read from the statement after the step, so a
/// statement that SQLite re-prepared under a changed schema reports its new columns.
struct SqliteRow<'r, 's>(&'r rusqlite::Row<'s>);

impl SqliteRow<'_, '_> {
    fn get(&self, i: usize) -> Result<ValueRef<'_>, ValueError> {
        self.0
            .get_ref(i)
            .map_err(|_| crate::backend::no_column(i, self.len()))
    }
}

impl Row for SqliteRow<'_, '_> {
    fn len(&self) -> usize {
        self.0.as_ref().column_count()
    }

    fn column_name(&self, i: usize) -> &str {
        self.0.as_ref().column_name(i).unwrap_or("?")
    }

    fn value(&self, i: usize) -> Result<Value, ValueError> {
        read_value(self.get(i)?)
    }

    fn is_null(&self, i: usize) -> Result<bool, ValueError> {
        Ok(matches!(self.get(i)?, ValueRef::Null))
    }

    fn get_i64(&self, i: usize) -> Result<Option<i64>, ValueError> {
        match self.get(i)? {
            ValueRef::Integer(n) => Ok(Some(n)),
            ValueRef::Null => Ok(None),
            other => Err(ValueError::mismatch("i64", &read_value(other)?)),
        }
    }

    fn get_f64(&self, i: usize) -> Result<Option<f64>, ValueError> {
        match self.get(i)? {
            ValueRef::Real(f) => Ok(Some(f)),
            ValueRef::Integer(n) => Ok(Some(n as f64)),
            ValueRef::Null => Ok(None),
            other => Err(ValueError::mismatch("f64", &read_value(other)?)),
        }
    }

    fn get_text(&self, i: usize) -> Result<Option<String>, ValueError> {
        match self.get(i)? {
            ValueRef::Text(t) => read_text(t).map(Some),
            ValueRef::Null => Ok(None),
            other => Err(ValueError::mismatch("text", &read_value(other)?)),
        }
    }
}

impl Backend for SqliteBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        &Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let n = {
            let mut stmt = self.conn.prepare_cached(sql).map_err(map_error)?;
            stmt.execute(rusqlite::params_from_iter(params))
                .map_err(map_error)?
        };
        Ok(n as u64)
    }

    fn execute_each(&mut self, sql: &str, params: &[Value], width: usize) -> Result<Vec<u64>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(map_error)?;
        params
            .chunks(width.max(1))
            .map(|row| {
                stmt.execute(rusqlite::params_from_iter(row))
                    .map(|n| n as u64)
                    .map_err(map_error)
            })
            .collect()
    }

    fn column_names(&mut self, sql: &str) -> Result<Arc<[String]>> {
        let stmt = self.conn.prepare_cached(sql).map_err(map_error)?;
        Ok(stmt.column_names().into_iter().map(str::to_owned).collect())
    }

    fn query_rows(&mut self, sql: &str, params: &[Value], f: &mut RowSink<'_>) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(map_error)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(map_error)?;
        while let Some(row) = rows.next().map_err(map_error)? {
            if !f(&SqliteRow(row))? {
                break;
            }
        }
        Ok(())
    }

    fn batch_execute(&mut self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(map_error)
    }

    /// From the connection itself: no statement needed.
    fn last_insert_id(&mut self) -> Result<i64> {
        Ok(self.conn.last_insert_rowid())
    }

    fn forget_statements(&mut self) {
        self.conn.flush_prepared_statement_cache();
    }

    fn is_broken(&self) -> bool {
        self.broken
    }

    fn mark_broken(&mut self) {
        self.broken = true;
    }
}
