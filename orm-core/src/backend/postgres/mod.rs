//! PostgreSQL through the synchronous `postgres` client.

mod error;
mod types;

use std::collections::HashMap;
use std::sync::Arc;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};

use super::{Backend, RowSink, Rows};
use crate::dialect::{Dialect, Postgres};
use crate::error::{Error, Result};
use crate::value::Value;

pub(crate) use error::map_error;
use types::PgValue;

/// Prepared statements kept per connection before the cache is cleared; dynamic SQL (IN lists of every
/// length) would otherwise grow it without bound.
const STATEMENT_CACHE: usize = 512;

/// One PostgreSQL connection with its prepared statements.
pub(crate) struct PostgresBackend {
    client: Client,
    /// Prepared statements and their column names, by text.
    statements: HashMap<String, (Statement, Arc<[String]>)>,
    /// Set once the connection was seen to be lost, so the pool discards it even before the client
    /// notices.
    broken: bool,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend").finish_non_exhaustive()
    }
}

impl PostgresBackend {
    /// Connects with a parsed configuration; `search_path`, when given, is set on the new session.
    pub(crate) fn connect(config: &postgres::Config, search_path: Option<&str>) -> Result<Self> {
        let mut client = config.connect(NoTls).map_err(|e| Error::Connect {
            message: e.to_string(),
            source: Some(Box::new(e)),
        })?;
        if let Some(schema) = search_path {
            let sql = format!("SET search_path TO {}", Postgres.quoted(schema));
            client.batch_execute(&sql).map_err(map_error)?;
        }
        Ok(PostgresBackend {
            client,
            statements: HashMap::new(),
            broken: false,
        })
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
        let stmt = self.client.prepare(sql).map_err(|e| self.fail(e))?;
        let columns: Arc<[String]> = column_names(&stmt).into();
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements
            .insert(sql.to_owned(), (stmt.clone(), columns.clone()));
        Ok((stmt, columns))
    }
}

fn bind(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

fn column_names(stmt: &Statement) -> Vec<String> {
    stmt.columns().iter().map(|c| c.name().to_owned()).collect()
}

fn read_row(row: &postgres::Row) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            row.try_get::<_, PgValue>(i)
                .map(|v| v.0)
                .map_err(|e| Error::Decode {
                    table: "?".to_owned(),
                    column: row.columns()[i].name().to_owned(),
                    message: e.to_string(),
                })
        })
        .collect()
}

impl Backend for PostgresBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        &Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let (stmt, _) = self.prepare(sql)?;
        let result = self.client.execute(&stmt, &bind(params));
        if super::changes_schema(sql) {
            // A cached `SELECT *` would fail with "cached plan must not change result type".
            self.statements.clear();
        }
        result.map_err(|e| self.fail(e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Rows> {
        let (stmt, columns) = self.prepare(sql)?;
        let result = self.client.query(&stmt, &bind(params));
        let rows = result.map_err(|e| self.fail(e))?;
        let rows = rows.iter().map(read_row).collect::<Result<_>>()?;
        Ok(Rows { columns, rows })
    }

    fn query_each(&mut self, sql: &str, params: &[Value], f: &mut RowSink<'_>) -> Result<()> {
        let (stmt, columns) = self.prepare(sql)?;
        let mut lost = false;
        let result: Result<()> = (|| {
            let mut rows = self.client.query_raw(&stmt, params).map_err(map_error)?;
            while let Some(row) = rows.next().map_err(map_error)? {
                if !f(&columns, read_row(&row)?)? {
                    break;
                }
            }
            Ok(())
        })();
        if let Err(e) = &result {
            lost = e.is_connection_lost();
        }
        self.broken |= lost;
        result
    }

    fn batch_execute(&mut self, sql: &str) -> Result<()> {
        let result = self.client.batch_execute(sql);
        if super::changes_schema(sql) {
            // A cached `SELECT *` would fail with "cached plan must not change result type".
            self.statements.clear();
        }
        result.map_err(|e| self.fail(e))
    }

    fn is_broken(&self) -> bool {
        self.broken || self.client.is_closed()
    }

    fn mark_broken(&mut self) {
        self.broken = true;
    }
}
