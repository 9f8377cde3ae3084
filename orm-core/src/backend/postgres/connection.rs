//! The PostgreSQL backend over `postgres`: connecting, the statement cache, reading rows.

use super::map_error;
use super::types::PgValue;
use crate::backend::{Backend, Row, RowSink};
use crate::dialect::{Dialect, Postgres};
use crate::error::{Error, Result};
use crate::value::{Value, ValueError};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::sync::Arc;

/// The TLS connector of an engine (none without the `tls` feature).
#[cfg(feature = "tls")]
pub(crate) type Connector = super::tls::Connector;
/// The TLS connector of an engine (none without the `tls` feature).
#[cfg(not(feature = "tls"))]
pub(crate) type Connector = std::convert::Infallible;

/// Prepared statements kept per connection before the cache is cleared; dynamic SQL (IN lists of every
/// length) would otherwise grow it without bound.
const STATEMENT_CACHE: usize = 512;

/// One PostgreSQL connection with its prepared statements.
pub(crate) struct PostgresBackend {
    client: OwnedClient,
    /// Prepared statements and their column names, by text.
    statements: HashMap<String, (Statement, Arc<[String]>)>,
    /// Set once the connection was seen to be lost, so the pool discards it even before the client
    /// notices.
    broken: bool,
}

/// The driver's client, closed off any async runtime's thread.
///
/// `postgres::Client` closes its connection by blocking on a runtime of its own, which tokio refuses
/// (with a panic) on a thread that drives an async runtime. An engine whose last clone goes away in
/// async code (at the end of `#[tokio::main] async fn main`, with a server's state) drops its
/// connections there, so on such a thread the client is handed to a short-lived thread to close.
struct OwnedClient(Option<Client>);

impl std::ops::Deref for OwnedClient {
    type Target = Client;

    fn deref(&self) -> &Client {
        self.0
            .as_ref()
            .expect("the client is taken only when dropped")
    }
}

impl std::ops::DerefMut for OwnedClient {
    fn deref_mut(&mut self) -> &mut Client {
        self.0
            .as_mut()
            .expect("the client is taken only when dropped")
    }
}

impl Drop for OwnedClient {
    fn drop(&mut self) {
        let Some(client) = self.0.take() else { return };
        if tokio::runtime::Handle::try_current().is_ok() {
            let closing = std::thread::Builder::new()
                .name("orm-pg-close".into())
                .spawn(move || drop(client));
            // Spawning fails only when the process is out of threads.
            if let Err(e) = closing {
                tracing::warn!(error = %e, "cannot start a thread to close a PostgreSQL connection");
            }
        }
    }
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend").finish_non_exhaustive()
    }
}

impl PostgresBackend {
    /// Connects with a parsed configuration; `search_path`, when given, is set on the new session.
    /// On a thread of an async runtime (`Engine::connect` in `async fn main`) the driver's blocking
    /// connect, which tokio refuses there, runs on a thread of its own.
    pub(crate) fn connect(
        config: &postgres::Config,
        search_path: Option<&str>,
        tls: Option<Connector>,
    ) -> Result<Self> {
        let open = || -> Result<Client> {
            #[cfg(feature = "tls")]
            let connected = match tls.clone() {
                Some(tls) => config.connect(tls.0),
                None => config.connect(NoTls),
            };
            #[cfg(not(feature = "tls"))]
            let connected = {
                let _: Option<Connector> = tls.clone();
                config.connect(NoTls)
            };
            let mut client = connected.map_err(|e| Error::Connect {
                message: super::error::connect_cause(&e),
                source: Some(Box::new(e)),
            })?;
            if let Some(schema) = search_path {
                let sql = format!("SET search_path TO {}", Postgres.quoted(schema));
                client.batch_execute(&sql).map_err(map_error)?;
            }
            Ok(client)
        };
        let client = if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                std::thread::Builder::new()
                    .name("orm-pg-connect".into())
                    .spawn_scoped(s, open)
                    .map_err(|e| Error::Connect {
                        message: format!("cannot start a thread to connect: {e}"),
                        source: Some(Box::new(e)),
                    })?
                    .join()
                    .unwrap_or_else(|_| {
                        Err(Error::Connect {
                            message: "the PostgreSQL driver panicked while connecting".into(),
                            source: None,
                        })
                    })
            })?
        } else {
            open()?
        };
        Ok(PostgresBackend {
            client: OwnedClient(Some(client)),
            statements: HashMap::new(),
            broken: false,
        })
    }

    /// Runs a driver call. `postgres` blocks on a runtime of its own, which tokio refuses on a thread
    /// that drives an async runtime. Database work belongs on the blocking pool (`Engine::run`); a
    /// call made on a worker of a multi-threaded runtime anyway blocks that worker as the other
    /// backends do (tokio moves the worker's other tasks away meanwhile), and on a current-thread
    /// runtime, where nothing can take over, it is an error instead of tokio's panic.
    fn blocking<T>(&mut self, op: impl FnOnce(&mut Client) -> T) -> Result<T> {
        use tokio::runtime::{Handle, RuntimeFlavor};
        let client = &mut *self.client;
        match Handle::try_current() {
            Err(_) => Ok(op(client)),
            Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
                Ok(tokio::task::block_in_place(|| op(client)))
            }
            Ok(_) => match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| op(client))) {
                Ok(value) => Ok(value),
                Err(payload) => {
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|m| (*m).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    if !message.contains("Cannot start a runtime from within a runtime") {
                        // The caller's own panic (a row callback's): not ours to turn into an
                        // error.
                        std::panic::resume_unwind(payload);
                    }
                    self.broken = true;
                    Err(Error::config(
                        "a PostgreSQL statement cannot run on the thread of a current-thread tokio \
                         runtime: run database work with Engine::run (or spawn_blocking)",
                    ))
                }
            },
        }
    }

    /// Maps a driver error, remembering a lost connection.
    fn fail(&mut self, err: postgres::Error) -> Error {
        let err = map_error(err);
        if err.is_connection_lost() {
            self.broken = true;
        }
        err
    }

    fn prepare(&mut self, sql: &str) -> Result<(Statement, Arc<[String]>)> {
        if let Some(cached) = self.statements.get(sql) {
            return Ok(cached.clone());
        }
        let stmt = self
            .blocking(|c| c.prepare(sql))?
            .map_err(|e| self.fail(e))?;
        let columns: Arc<[String]> = column_names(&stmt).into();
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements
            .insert(sql.to_owned(), (stmt.clone(), columns.clone()));
        Ok((stmt, columns))
    }
}

pub(super) fn bind(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

fn column_names(stmt: &Statement) -> Vec<String> {
    stmt.columns().iter().map(|c| c.name().to_owned()).collect()
}

/// A row the client fetched, read by each column's server type.
struct PgRow<'r>(&'r postgres::Row);

impl PgRow<'_> {
    fn get<'a, T: postgres::types::FromSql<'a>>(&'a self, i: usize) -> Result<T, ValueError> {
        self.0
            .try_get::<_, T>(i)
            .map_err(|e| ValueError(e.to_string()))
    }

    fn ty(&self, i: usize) -> Result<&postgres::types::Type, ValueError> {
        self.0
            .columns()
            .get(i)
            .map(|c| super::types::base(c.type_()))
            .ok_or_else(|| crate::backend::no_column(i, self.0.len()))
    }
}

impl Row for PgRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn column_name(&self, i: usize) -> &str {
        self.0.columns().get(i).map_or("?", |c| c.name())
    }

    fn value(&self, i: usize) -> Result<Value, ValueError> {
        self.get::<PgValue>(i).map(|v| v.0)
    }

    fn is_null(&self, i: usize) -> Result<bool, ValueError> {
        Ok(self.get::<Option<super::types::Present>>(i)?.is_none())
    }

    fn get_i64(&self, i: usize) -> Result<Option<i64>, ValueError> {
        match *self.ty(i)? {
            Type::INT8 => self.get::<Option<i64>>(i),
            Type::INT4 => Ok(self.get::<Option<i32>>(i)?.map(i64::from)),
            Type::INT2 => Ok(self.get::<Option<i16>>(i)?.map(i64::from)),
            _ => crate::backend::value_as_i64(self.value(i)?),
        }
    }

    fn get_f64(&self, i: usize) -> Result<Option<f64>, ValueError> {
        match *self.ty(i)? {
            Type::FLOAT8 => self.get::<Option<f64>>(i),
            Type::FLOAT4 => Ok(self.get::<Option<f32>>(i)?.map(f64::from)),
            _ => crate::backend::value_as_f64(self.value(i)?),
        }
    }

    fn get_text(&self, i: usize) -> Result<Option<String>, ValueError> {
        let ty = self.ty(i)?;
        if <String as postgres::types::FromSql>::accepts(ty) {
            return self.get::<Option<String>>(i);
        }
        crate::backend::value_as_text(self.value(i)?)
    }
}

impl Backend for PostgresBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        &Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let (stmt, _) = self.prepare(sql)?;
        let result = self.blocking(|c| c.execute(&stmt, &bind(params)))?;
        result.map_err(|e| self.fail(e))
    }

    fn column_names(&mut self, sql: &str) -> Result<Arc<[String]>> {
        Ok(self.prepare(sql)?.1)
    }

    fn query_rows(&mut self, sql: &str, params: &[Value], f: &mut RowSink<'_>) -> Result<()> {
        let (stmt, _) = self.prepare(sql)?;
        let result = self.blocking(|c| c.query(&stmt, &bind(params)))?;
        let rows = result.map_err(|e| self.fail(e))?;
        for row in &rows {
            if !f(&PgRow(row))? {
                break;
            }
        }
        Ok(())
    }

    fn stream_rows(&mut self, sql: &str, params: &[Value], f: &mut RowSink<'_>) -> Result<()> {
        let (stmt, _) = self.prepare(sql)?;
        let result: Result<()> = self.blocking(|c| {
            let mut rows = c.query_raw(&stmt, params).map_err(map_error)?;
            while let Some(row) = rows.next().map_err(map_error)? {
                if !f(&PgRow(&row))? {
                    break;
                }
            }
            Ok(())
        })?;
        if let Err(e) = &result {
            self.broken |= e.is_connection_lost();
        }
        result
    }

    fn batch_execute(&mut self, sql: &str) -> Result<()> {
        let result = self.blocking(|c| c.batch_execute(sql))?;
        result.map_err(|e| self.fail(e))
    }

    fn forget_statements(&mut self) {
        self.statements.clear();
    }

    fn is_broken(&self) -> bool {
        self.broken || self.client.is_closed()
    }

    fn mark_broken(&mut self) {
        self.broken = true;
    }
}
