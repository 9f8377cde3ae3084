//! A pooled connection: every statement goes through here, for echo, statement events and the naming
//! of constraint violations from the model metadata.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::event::{DisplayParams, LogSink, RecordedStatement, StatementEvent};
use super::pool::Manager;
use super::Shared;
use crate::backend::{Backend, Row, Rows};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::value::Value;

/// A connection taken from an [`crate::Engine`]'s pool; it goes back to the pool when dropped.
pub struct Connection {
    /// The pooled backend; `None` only after it died and no other could be had (every call then
    /// fails with [`Error::ConnectionLost`]).
    backend: Option<r2d2::PooledConnection<Manager>>,
    dialect: &'static dyn Dialect,
    shared: Arc<Shared>,
    in_transaction: bool,
    /// PostgreSQL: a statement failed inside the transaction, which the server has therefore
    /// aborted; only a rollback (to a savepoint) can follow.
    aborted: bool,
    /// Nothing was sent on this checkout yet: a connection found dead on its first statement is
    /// replaced and the statement sent again.
    fresh: bool,
    /// The replica this connection reads from, when it does.
    replica: Option<Arc<super::replica::Replica>>,
    /// The statement logs of the session holding this connection.
    pub(crate) session_logs: Vec<LogSink>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("dialect", &self.dialect().name())
            .finish_non_exhaustive()
    }
}

impl Connection {
    pub(crate) fn new(backend: r2d2::PooledConnection<Manager>, shared: Arc<Shared>) -> Self {
        Connection {
            dialect: backend.backend.dialect(),
            backend: Some(backend),
            shared,
            in_transaction: false,
            aborted: false,
            fresh: true,
            replica: None,
            session_logs: Vec::new(),
        }
    }

    /// A connection of `replica`'s pool whose statements `shared` (the primary's) sees and which
    /// falls back to the primary when found dead on its first statement.
    pub(crate) fn on_replica(
        backend: r2d2::PooledConnection<Manager>,
        shared: Arc<Shared>,
        replica: Arc<super::replica::Replica>,
    ) -> Self {
        let mut conn = Connection::new(backend, shared);
        conn.replica = Some(replica);
        conn
    }

    /// Whether this connection reads from a replica.
    pub fn is_on_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// The dialect of this connection's database.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    /// The pooled backend.
    fn pooled(&mut self) -> Result<&mut r2d2::PooledConnection<Manager>> {
        self.backend.as_mut().ok_or_else(|| Error::ConnectionLost {
            message: "the connection died and no other could be taken from the pool".to_owned(),
        })
    }

    /// No statement of this connection is sent twice, whatever fails (a replica's health check).
    pub(crate) fn without_resend(mut self) -> Self {
        self.fresh = false;
        self
    }

    /// The replica this connection reads from, if it does.
    pub(crate) fn replica(&self) -> Option<&Arc<super::replica::Replica>> {
        self.replica.as_ref()
    }

    fn run<T>(
        &mut self,
        sql: &str,
        params: &[Value],
        f: impl FnMut(&mut dyn Backend, &str, &[Value]) -> Result<T>,
    ) -> Result<T> {
        self.run_with(sql, params, None, f)
    }

    /// As [`Connection::run`]; `delivered`, for a query whose rows reach the caller as they are
    /// read: set once a row was handed over, after which the statement is never sent twice.
    fn run_with<T>(
        &mut self,
        sql: &str,
        params: &[Value],
        delivered: Option<&std::cell::Cell<bool>>,
        mut f: impl FnMut(&mut dyn Backend, &str, &[Value]) -> Result<T>,
    ) -> Result<T> {
        self.check_params(params)?;
        if self.shared.echo.load(Ordering::Relaxed) {
            tracing::info!(target: "orm::sql", "{sql} {}", DisplayParams(params));
        }
        self.catch_up_with_schema();
        let slow = self.shared.slow_micros.load(Ordering::Relaxed);
        let listening = self.shared.has_listeners() || !self.session_logs.is_empty() || slow > 0;
        let started = listening.then(Instant::now);
        let mut result = f(&mut *self.pooled()?.backend, sql, params);
        // A dead connection is replaced and the statement sent again only where that cannot do
        // anything twice: a statement that changes nothing (a read, BEGIN, SET), outside a
        // transaction, with no rows handed over yet, and on the first statement of a checkout or on
        // a replica (whose dead connection gives way to a primary one).
        let first = std::mem::replace(&mut self.fresh, false);
        let replayable = (first || self.replica.is_some())
            && !delivered.is_some_and(std::cell::Cell::get)
            && !self.in_transaction
            && resendable(sql);
        if replayable && result.as_ref().is_err_and(Error::is_connection_lost) {
            if let Some(dead) = self.backend.as_mut() {
                dead.backend.mark_broken();
            }
            // Its slot goes back to the pool before another connection is asked for.
            self.backend = None;
            if let (Some(replica), Err(e)) = (self.replica.take(), &result) {
                // Replaced by a primary connection: reads go on there.
                replica.mark_down(&e.to_string());
            }
            if let Ok(replacement) = self.shared.checkout_checked(true) {
                self.backend = Some(replacement);
                self.catch_up_with_schema();
                result = f(&mut *self.pooled()?.backend, sql, params);
            }
        }
        if result.as_ref().is_err_and(Error::is_stale_statement) {
            // Another connection or process changed a table under a prepared statement: prepare
            // it again and, outside a transaction, run it once more. (Inside one the failure
            // aborted it already; with the statements forgotten, the caller's retry works.)
            self.pooled()?.backend.forget_statements();
            if !self.in_transaction {
                result = f(&mut *self.pooled()?.backend, sql, params);
            }
        }
        if crate::backend::changes_schema(sql) {
            // Every prepared statement may be stale now: this connection's at once, the engine's
            // other connections' before their next statement.
            let epoch = self.shared.schema_epoch.fetch_add(1, Ordering::AcqRel) + 1;
            if let Some(p) = self.backend.as_mut() {
                p.backend.forget_statements();
                p.epoch = epoch;
            }
        }
        if let Some(started) = started {
            let took = started.elapsed();
            if slow > 0 && took.as_micros() >= u128::from(slow) {
                tracing::warn!(
                    target: "orm::sql",
                    "slow statement ({:.1} ms): {sql} {}",
                    took.as_secs_f64() * 1e3,
                    DisplayParams(params)
                );
            }
            self.session_logs.retain(|log| log.strong_count() > 0);
            for log in &self.session_logs {
                if let Some(log) = log.upgrade() {
                    log.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(RecordedStatement {
                            sql: sql.to_owned(),
                            params: params.to_vec(),
                            duration: started.elapsed(),
                        });
                }
            }
            self.shared.notify(&StatementEvent {
                sql,
                params,
                duration: started.elapsed(),
                succeeded: result.is_ok(),
            });
        }
        result.map_err(|e| self.failed(e, sql))
    }

    /// Refuses, before anything is sent, what the database would mangle or reject unreadably: more
    /// parameters than one statement takes, a float it cannot store (NaN on SQLite, NaN and the
    /// infinities on MySQL). Every statement goes through here, one execution per row included.
    fn check_params(&self, params: &[Value]) -> Result<()> {
        let dialect = self.dialect();
        if params.len() > dialect.param_limit() {
            return Err(Error::InvalidValue(format!(
                "a statement with {} parameters: {} takes at most {} in one statement (long IN \
                 lists of plain values are bound as one; split the rest)",
                params.len(),
                dialect.name(),
                dialect.param_limit()
            )));
        }
        for v in params {
            match v {
                Value::F64(x) => dialect.check_float(*x)?,
                Value::F32(x) => dialect.check_float(f64::from(*x))?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Forgets the prepared statements made before this engine last changed the schema.
    fn catch_up_with_schema(&mut self) {
        let epoch = self.shared.schema_epoch.load(Ordering::Acquire);
        if let Some(p) = self.backend.as_mut() {
            if p.epoch != epoch {
                p.backend.forget_statements();
                p.epoch = epoch;
            }
        }
    }

    /// Maps a statement's error, and remembers that PostgreSQL aborted the transaction: its COMMIT
    /// would be a silent ROLLBACK.
    fn failed(&mut self, e: Error, sql: &str) -> Error {
        if self.in_transaction && self.dialect().failed_statement_aborts_transaction() {
            self.aborted = true;
        }
        if matches!(e, Error::ConnectionLost { .. } | Error::Database { .. }) {
            if let Some(p) = self.backend.as_mut() {
                p.suspect = true;
            }
        }
        self.shared.complete_error(e, sql)
    }

    /// Runs a statement with bound parameters; returns the number of rows changed.
    ///
    /// # Errors
    ///
    /// A structured [`Error::Constraint`], [`Error::ConnectionLost`], or [`Error::Database`].
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.run(sql, params, |b, s, p| b.execute(s, p))
    }

    /// Runs one statement once per row of parameters (`params` holds `width` values per row), prepared
    /// once; returns the rows changed by each execution. Statement events see every execution.
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`], at the first failing row.
    pub fn execute_each(&mut self, sql: &str, params: &[Value], width: usize) -> Result<Vec<u64>> {
        let observed = self.shared.has_listeners()
            || self.shared.echo.load(Ordering::Relaxed)
            || self.shared.slow_micros.load(Ordering::Relaxed) > 0
            || !self.session_logs.is_empty();
        if observed {
            return params
                .chunks(width.max(1))
                .map(|row| self.execute(sql, row))
                .collect();
        }
        for row in params.chunks(width.max(1)) {
            self.check_params(row)?;
        }
        self.catch_up_with_schema();
        self.fresh = false;
        let result = self.pooled()?.backend.execute_each(sql, params, width);
        result.map_err(|e| self.failed(e, sql))
    }

    /// Runs a query with bound parameters and returns every row.
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`].
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Rows> {
        self.run(sql, params, |b, s, p| b.query(s, p))
    }

    /// Runs a query and hands each row to `f` as the driver holds it, to be decoded in place; `f`
    /// returns `false` to stop early.
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`], or the first error of `f`.
    pub fn query_rows(
        &mut self,
        sql: &str,
        params: &[Value],
        mut f: impl FnMut(&dyn Row) -> Result<bool>,
    ) -> Result<()> {
        let delivered = std::cell::Cell::new(false);
        let mut g = |row: &dyn Row| {
            delivered.set(true);
            f(row)
        };
        self.run_with(sql, params, Some(&delivered), |b, s, p| {
            b.query_rows(s, p, &mut g)
        })
    }

    /// As [`Connection::query_rows`], streaming: the rows are not fetched in one go first, so a
    /// result larger than memory can be read.
    ///
    /// # Errors
    ///
    /// As [`Connection::query_rows`].
    pub fn stream_rows(
        &mut self,
        sql: &str,
        params: &[Value],
        mut f: impl FnMut(&dyn Row) -> Result<bool>,
    ) -> Result<()> {
        let delivered = std::cell::Cell::new(false);
        let mut g = |row: &dyn Row| {
            delivered.set(true);
            f(row)
        };
        self.run_with(sql, params, Some(&delivered), |b, s, p| {
            b.stream_rows(s, p, &mut g)
        })
    }

    /// The key this connection's last INSERT generated (SQLite reports it with no statement; other
    /// backends run the dialect's query, which statement events see).
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`].
    pub fn last_insert_id(&mut self) -> Result<i64> {
        match self.dialect().last_insert_id_sql() {
            Some(sql) => self.run(sql, &[], |b, _, _| b.last_insert_id()),
            None => {
                self.fresh = false;
                let result = self.pooled()?.backend.last_insert_id();
                result.map_err(|e| self.failed(e, ""))
            }
        }
    }

    /// The step between the keys of one multi-row INSERT when the server guarantees they are
    /// consecutive from [`Connection::last_insert_id`] (MySQL with `innodb_autoinc_lock_mode` 0 or
    /// 1); `None` where each row's key must be read on its own.
    pub fn consecutive_insert_ids(&self) -> Option<i64> {
        self.backend
            .as_ref()
            .and_then(|p| p.backend.consecutive_insert_ids())
    }

    /// The keys the connection's last INSERT, of `rows` rows, generated: the one key of a one-row
    /// INSERT, or the block of consecutive keys of a multi-row one where the server guarantees it
    /// ([`Connection::consecutive_insert_ids`]), in the order of its VALUES list.
    ///
    /// # Errors
    ///
    /// As [`Connection::last_insert_id`]; [`Error::Unsupported`] for several rows where the keys
    /// need not be consecutive.
    pub fn generated_keys(&mut self, rows: usize) -> Result<Vec<i64>> {
        let step = match (rows, self.consecutive_insert_ids()) {
            (0, _) => return Ok(Vec::new()),
            (1, step) => step.unwrap_or(1),
            (_, Some(step)) => step,
            (_, None) => {
                return Err(Error::Unsupported {
                    dialect: self.dialect().name(),
                    feature: "the keys of a multi-row INSERT without RETURNING".to_owned(),
                })
            }
        };
        let first = self.last_insert_id()?;
        Ok((0..rows as i64).map(|n| first + n * step).collect())
    }

    /// Runs statements without parameters (DDL, transaction control).
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`].
    pub fn batch_execute(&mut self, sql: &str) -> Result<()> {
        self.run(sql, &[], |b, s, _| b.batch_execute(s))
    }

    /// Starts a transaction.
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`].
    pub fn begin(&mut self) -> Result<()> {
        let sql = self.dialect().begin_sql();
        self.batch_execute(sql)?;
        self.in_transaction = true;
        self.aborted = false;
        Ok(())
    }

    /// Closes this connection when it is dropped instead of returning it to the pool: for a
    /// connection left in a state the next user must not inherit.
    pub fn discard(&mut self) {
        if let Some(p) = self.backend.as_mut() {
            p.backend.mark_broken();
        }
    }

    /// Whether a transaction begun with [`Connection::begin`] is open.
    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// Commits the transaction.
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`]; a deferred constraint can fail here.
    pub fn commit(&mut self) -> Result<()> {
        if self.aborted {
            // PostgreSQL would answer COMMIT with a ROLLBACK and no error; say so instead.
            self.rollback()?;
            return Err(Error::Database {
                message:
                    "the transaction was aborted by an earlier failed statement and was rolled \
                          back; nothing was committed"
                        .to_owned(),
                code: Some("25P02".to_owned()),
                source: None,
            });
        }
        let result = self.batch_execute("COMMIT");
        // A failed COMMIT ends the transaction too (SQLite keeps it open only for SQLITE_BUSY, which
        // the rollback that callers issue then ends).
        if result.is_ok() {
            self.in_transaction = false;
        }
        result
    }

    /// Rolls the transaction back.
    ///
    /// # Errors
    ///
    /// [`Error::ConnectionLost`] when the connection is gone (the server rolled back already).
    pub fn rollback(&mut self) -> Result<()> {
        self.in_transaction = false;
        self.aborted = false;
        self.batch_execute("ROLLBACK")
    }

    /// Sets a savepoint inside the transaction.
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`].
    pub fn savepoint(&mut self, name: &str) -> Result<()> {
        let sql = format!("SAVEPOINT {}", self.dialect().quoted(name));
        self.batch_execute(&sql)
    }

    /// Releases (keeps the work of) a savepoint.
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`].
    pub fn release_savepoint(&mut self, name: &str) -> Result<()> {
        let sql = format!("RELEASE SAVEPOINT {}", self.dialect().quoted(name));
        self.batch_execute(&sql)
    }

    /// Undoes the work since a savepoint.
    ///
    /// # Errors
    ///
    /// As [`Connection::execute`].
    pub fn rollback_to_savepoint(&mut self, name: &str) -> Result<()> {
        let sql = format!("ROLLBACK TO SAVEPOINT {}", self.dialect().quoted(name));
        self.batch_execute(&sql)?;
        // Whatever failed after the savepoint is undone, and so is the abort.
        self.aborted = false;
        Ok(())
    }

    /// Runs `f` in a transaction: committed when `f` succeeds, rolled back when it fails.
    ///
    /// # Errors
    ///
    /// The error of `f`, or of BEGIN/COMMIT.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        self.begin()?;
        match f(self) {
            Ok(v) => match self.commit() {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = self.rollback();
                    Err(e)
                }
            },
            Err(e) => {
                // The rollback's own failure (a lost connection) says less than the first error.
                let _ = self.rollback();
                Err(e)
            }
        }
    }

    /// The names of the tables in the database (the current schema on PostgreSQL), sorted.
    ///
    /// # Errors
    ///
    /// As [`Connection::query`].
    pub fn table_names(&mut self) -> Result<Vec<String>> {
        let sql = self.dialect().list_tables_sql();
        let rows = self.query(sql, &[])?;
        let mut names = rows
            .rows
            .into_iter()
            .map(|mut r| match r.pop() {
                Some(Value::Text(name)) => Ok(name),
                other => Err(Error::InvalidValue(format!(
                    "unexpected table name {other:?}"
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }
}

/// Whether `sql` changes nothing, so that sending it again on another connection cannot do a thing
/// twice: a query (`SELECT`, `VALUES`, `SHOW`, `PRAGMA`) or session setup (`BEGIN`, `START
/// TRANSACTION`, `SET`). Writes, and `WITH` (which may hold one), are never sent twice.
fn resendable(sql: &str) -> bool {
    let word: String = sql
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    [
        "SELECT", "VALUES", "SHOW", "PRAGMA", "BEGIN", "START", "SET",
    ]
    .iter()
    .any(|w| word.eq_ignore_ascii_case(w))
}

impl Drop for Connection {
    /// A connection goes back to the pool outside any transaction: whatever was left open is rolled
    /// back, so the next user never inherits it.
    fn drop(&mut self) {
        let in_transaction = self.in_transaction;
        if let Some(p) = self.backend.as_mut() {
            if in_transaction && p.backend.batch_execute("ROLLBACK").is_err() {
                p.backend.mark_broken();
            }
            p.idle_since = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resendable;

    #[test]
    fn only_statements_that_change_nothing_are_sent_twice() {
        for sql in [
            "SELECT 1",
            "  select * from t",
            "BEGIN",
            "BEGIN IMMEDIATE",
            "SET search_path TO x",
            "START TRANSACTION",
            "PRAGMA foreign_keys = ON",
            "SHOW x",
        ] {
            assert!(resendable(sql), "{sql}");
        }
        for sql in [
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET x = 1",
            "DELETE FROM t",
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            "COMMIT",
            "CREATE TABLE t (x INT)",
            "SELECTED",
        ] {
            assert!(!resendable(sql), "{sql}");
        }
    }
}
