//! The MySQL and MariaDB backend over `mysql`: connecting, session setup, the statement cache, reading rows.

use super::map_error;
use crate::backend::{Backend, Row, RowSink};
use crate::dialect::mysql::{MARIADB, MYSQL8};
use crate::dialect::{Dialect, MySql};
use crate::error::{Error, Result};
use crate::value::{Value, ValueError};
use mysql::consts::CapabilityFlags;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Params, Statement};
use std::collections::HashMap;
use std::sync::Arc;

/// Prepared statements kept per connection before the cache is cleared (the server's own limit,
/// `max_prepared_stmt_count`, is shared by every connection).
const STATEMENT_CACHE: usize = 256;

/// What every session is set to on connecting, so that the dialect's SQL means the same on any
/// server: timestamps in UTC, strict inserts, standard string literals.
use crate::dialect::mysql::SESSION_SETUP;

/// One MySQL or MariaDB connection with its prepared statements.
pub(crate) struct MySqlBackend {
    conn: Conn,
    dialect: &'static MySql,
    /// Prepared statements and their column names, by text.
    statements: HashMap<String, (Statement, Arc<[String]>)>,
    /// The step between the keys of one multi-row INSERT, when the server makes them consecutive.
    consecutive_ids: Option<i64>,
    broken: bool,
}

impl std::fmt::Debug for MySqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlBackend")
            .field("dialect", &self.dialect.name())
            .finish_non_exhaustive()
    }
}

impl MySqlBackend {
    /// Connects and sets the session up. The dialect is MariaDB's where the server is MariaDB 10.5
    /// or later (it has `RETURNING`), MySQL 8's otherwise, unless `dialect` says which.
    pub(crate) fn connect(opts: &Opts, dialect: Option<&'static MySql>) -> Result<Self> {
        let opts = OptsBuilder::from_opts(opts.clone())
            // The ORM keeps its own cache, which it can clear when the schema changes.
            .stmt_cache_size(0)
            // UPDATE counts the rows it matched, not only those whose values changed: the
            // session's stale-row check compares it with the rows it meant to update.
            .additional_capabilities(CapabilityFlags::CLIENT_FOUND_ROWS)
            .init(vec![SESSION_SETUP]);
        let mut conn = Conn::new(opts).map_err(|e| Error::Connect {
            message: e.to_string(),
            source: Some(Box::new(e)),
        })?;
        let settings: Option<(String, Option<String>, Option<String>)> = conn
            .query_first(
                "SELECT VERSION(), CAST(@@innodb_autoinc_lock_mode AS CHAR), \
                 CAST(@@auto_increment_increment AS CHAR)",
            )
            .map_err(map_error)?;
        let (version, lock_mode, increment) = settings.unwrap_or_default();
        let dialect = dialect.unwrap_or(if is_mariadb_10_5(&version) {
            &MARIADB
        } else {
            &MYSQL8
        });
        // One multi-row INSERT takes its keys in one block where the auto-increment lock is held
        // for the statement ("traditional", 0) or the row count is known up front ("consecutive",
        // 1, MariaDB's default): the keys are then LAST_INSERT_ID() plus a multiple of
        // auto_increment_increment, in the order of the VALUES list. "Interleaved" (2, MySQL 8's
        // default) hands out keys to concurrent statements in turn, so they may have gaps.
        let consecutive = matches!(lock_mode.as_deref(), Some("0" | "1"));
        let step = increment.and_then(|i| i.parse::<i64>().ok()).unwrap_or(1);
        Ok(MySqlBackend {
            conn,
            dialect,
            statements: HashMap::new(),
            consecutive_ids: consecutive.then_some(step),
            broken: false,
        })
    }

    /// Maps a driver error, remembering a lost connection.
    fn fail(&mut self, err: mysql::Error) -> Error {
        let err = map_error(err);
        if err.is_connection_lost() {
            self.broken = true;
        }
        err
    }

    /// Maps the error of statement `sql`, completing a constraint violation with what the server's
    /// message leaves out: the table (the statement's own) and a unique key's columns (from the
    /// catalog, one query on this error path only).
    fn fail_statement(&mut self, err: mysql::Error, sql: &str) -> Error {
        let err = self.fail(err);
        let Error::Constraint(mut v) = err else {
            return err;
        };
        if v.table.is_none() {
            v.table = crate::backend::statement_table(sql);
        }
        if v.columns.is_empty() && v.kind == crate::ConstraintKind::Unique {
            if let (Some(table), Some(key)) = (&v.table, &v.constraint) {
                let columns: std::result::Result<Vec<String>, _> = self.conn.exec(
                    "SELECT CAST(column_name AS CHAR) FROM information_schema.statistics \
                     WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? \
                     ORDER BY seq_in_index",
                    (table.as_str(), key.as_str()),
                );
                v.columns = columns.unwrap_or_default();
            }
        }
        Error::Constraint(v)
    }

    fn prepare(&mut self, sql: &str) -> Result<(Statement, Arc<[String]>)> {
        if let Some(cached) = self.statements.get(sql) {
            return Ok(cached.clone());
        }
        let stmt = self.conn.prep(sql).map_err(|e| self.fail(e))?;
        let columns: Arc<[String]> = stmt
            .columns()
            .iter()
            .map(|c| c.name_str().into_owned())
            .collect();
        if self.statements.len() >= STATEMENT_CACHE {
            self.forget_statements();
        }
        self.statements
            .insert(sql.to_owned(), (stmt.clone(), columns.clone()));
        Ok((stmt, columns))
    }
}

/// A failure while reading rows: the driver's, or the row callback's.
enum Failure {
    Driver(mysql::Error),
    Sink(Error),
}

impl From<mysql::Error> for Failure {
    fn from(e: mysql::Error) -> Self {
        Failure::Driver(e)
    }
}

/// `10.11.19-MariaDB-0+deb12u1` is MariaDB 10.11.
fn is_mariadb_10_5(version: &str) -> bool {
    if !version.contains("MariaDB") {
        return false;
    }
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (10, 5)
}

fn bind(params: &[Value]) -> Params {
    if params.is_empty() {
        Params::Empty
    } else {
        Params::Positional(params.iter().map(super::types::to_mysql).collect())
    }
}

/// A row the driver read, with the columns of its result set.
struct MyRow<'r>(&'r mysql::Row);

impl MyRow<'_> {
    fn raw(&self, i: usize) -> Result<&mysql::Value, ValueError> {
        self.0
            .as_ref(i)
            .ok_or_else(|| crate::backend::no_column(i, self.0.len()))
    }
}

impl Row for MyRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn column_name(&self, i: usize) -> &str {
        self.0
            .columns_ref()
            .get(i)
            .and_then(|c| std::str::from_utf8(c.name_ref()).ok())
            .unwrap_or("?")
    }

    fn value(&self, i: usize) -> Result<Value, ValueError> {
        let raw = self.raw(i)?;
        super::types::from_mysql(raw, &self.0.columns_ref()[i])
    }

    fn is_null(&self, i: usize) -> Result<bool, ValueError> {
        Ok(matches!(self.raw(i)?, mysql::Value::NULL))
    }

    fn get_i64(&self, i: usize) -> Result<Option<i64>, ValueError> {
        super::types::as_i64(self.raw(i)?)
    }

    fn get_f64(&self, i: usize) -> Result<Option<f64>, ValueError> {
        super::types::as_f64(self.raw(i)?)
    }

    fn get_text(&self, i: usize) -> Result<Option<String>, ValueError> {
        match self.raw(i)? {
            mysql::Value::NULL => Ok(None),
            mysql::Value::Bytes(b) => super::types::text(b).map(Some),
            _ => crate::backend::value_as_text(self.value(i)?),
        }
    }
}

impl Backend for MySqlBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let (stmt, _) = self.prepare(sql)?;
        match self.conn.exec_drop(&stmt, bind(params)) {
            Ok(()) => Ok(self.conn.affected_rows()),
            Err(e) => Err(self.fail_statement(e, sql)),
        }
    }

    fn column_names(&mut self, sql: &str) -> Result<Arc<[String]>> {
        Ok(self.prepare(sql)?.1)
    }

    /// The driver reads rows off the socket as they are asked for: this streams.
    fn query_rows(&mut self, sql: &str, params: &[Value], f: &mut RowSink<'_>) -> Result<()> {
        let (stmt, _) = self.prepare(sql)?;
        // The driver's own errors are kept apart from `f`'s, to be mapped with the statement.
        let result: std::result::Result<(), Failure> = (|| {
            let rows = self.conn.exec_iter(&stmt, bind(params))?;
            for row in rows {
                if !f(&MyRow(&row?)).map_err(Failure::Sink)? {
                    break;
                }
            }
            Ok(())
        })();
        match result {
            Ok(()) => Ok(()),
            Err(Failure::Driver(e)) => Err(self.fail_statement(e, sql)),
            Err(Failure::Sink(e)) => Err(e),
        }
    }

    /// Runs the statements in one round trip and reads every result, so that an error in any of
    /// them is reported.
    fn batch_execute(&mut self, sql: &str) -> Result<()> {
        let result: Result<()> = (|| {
            let mut results = self.conn.query_iter(sql).map_err(map_error)?;
            while let Some(set) = results.iter() {
                for row in set {
                    row.map_err(map_error)?;
                }
            }
            Ok(())
        })();
        if let Err(e) = &result {
            self.broken |= e.is_connection_lost();
        }
        result
    }

    /// The first key the last INSERT generated, as the server reported it with the statement's
    /// result: no query.
    fn last_insert_id(&mut self) -> Result<i64> {
        i64::try_from(self.conn.last_insert_id()).map_err(|_| Error::Database {
            message: format!(
                "the generated key {} does not fit an i64",
                self.conn.last_insert_id()
            ),
            code: None,
            source: None,
        })
    }

    fn consecutive_insert_ids(&self) -> Option<i64> {
        self.consecutive_ids
    }

    fn forget_statements(&mut self) {
        for (_, (stmt, _)) in self.statements.drain() {
            // A statement the server could not close is gone with the connection anyway.
            let _ = self.conn.close(stmt);
        }
    }

    fn is_broken(&self) -> bool {
        self.broken
    }

    fn mark_broken(&mut self) {
        self.broken = true;
    }
}

#[cfg(test)]
mod tests {
    use super::is_mariadb_10_5;

    #[test]
    fn mariadb_with_returning_is_told_by_its_version() {
        assert!(is_mariadb_10_5("10.11.19-MariaDB-0+deb12u1"));
        assert!(is_mariadb_10_5("11.4.2-MariaDB"));
        assert!(!is_mariadb_10_5("10.4.32-MariaDB"));
        assert!(!is_mariadb_10_5("8.0.36"));
    }
}
