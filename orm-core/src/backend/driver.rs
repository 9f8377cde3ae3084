//! The [`Backend`] trait every driver implements, and the result and row-sink types it works with.

use super::Row;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::value::Value;
use std::sync::Arc;

/// The rows of a query: column names and values, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// The column names, shared by every row.
    pub columns: Arc<[String]>,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// Whether SQL text changes the schema (any of its statements starts with `CREATE`, `ALTER` or
/// `DROP`), so that cached prepared statements (a `SELECT *` among them) must be forgotten after it.
/// The one rule for single statements and batches alike; a `;` inside a string literal can only cause
/// a needless forgetting.
pub(crate) fn changes_schema(sql: &str) -> bool {
    sql.split(';').any(|statement| {
        let word = statement
            .trim_start()
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        ["CREATE", "ALTER", "DROP"]
            .iter()
            .any(|k| word.eq_ignore_ascii_case(k))
    })
}

/// A callback receiving each row of a query as the driver holds it; `false` stops early.
pub type RowSink<'a> = dyn FnMut(&dyn Row) -> Result<bool> + 'a;

/// A raw connection to one database. Statements are prepared once per connection and cached.
pub trait Backend: Send {
    /// The dialect this backend speaks.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs a statement and returns the number of rows it changed.
    ///
    /// # Errors
    ///
    /// The backend's error, mapped to the portable kinds (constraint violations, lost connections).
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;

    /// Runs one statement once per row of parameters (`params` holds `width` values per row), prepared
    /// once; returns the number of rows each execution changed.
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`], at the first failing row.
    fn execute_each(&mut self, sql: &str, params: &[Value], width: usize) -> Result<Vec<u64>> {
        params
            .chunks(width.max(1))
            .map(|row| self.execute(sql, row))
            .collect()
    }

    /// Runs a query and returns every row as dynamic values (the fallback for code that does not
    /// know its columns' types: raw SQL, reflection).
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`].
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Rows> {
        let mut columns: Option<Arc<[String]>> = None;
        let mut rows = Vec::new();
        self.query_rows(sql, params, &mut |row| {
            if columns.is_none() {
                columns = Some(
                    (0..row.len())
                        .map(|i| row.column_name(i).to_owned())
                        .collect(),
                );
            }
            let mut values = Vec::with_capacity(row.len());
            for i in 0..row.len() {
                values.push(row.value(i).map_err(|e| e.at("?", row.column_name(i)))?);
            }
            rows.push(values);
            Ok(true)
        })?;
        let columns = match columns {
            Some(c) => c,
            None => self.column_names(sql)?,
        };
        Ok(Rows { columns, rows })
    }

    /// The column names a query returns (for a result without rows).
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`].
    fn column_names(&mut self, sql: &str) -> Result<Arc<[String]>>;

    /// Runs a query and hands each row to `f` as the driver holds it, to be decoded in place; `f`
    /// returns `false` to stop early. The rows may be fetched in one round trip first (PostgreSQL:
    /// streaming costs a hand-over to the driver's runtime per row); see [`Backend::stream_rows`].
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`], or the first error `f` returns.
    fn query_rows(&mut self, sql: &str, params: &[Value], f: &mut RowSink<'_>) -> Result<()>;

    /// As [`Backend::query_rows`], never holding more than a few rows at once (for results too large
    /// for memory).
    ///
    /// # Errors
    ///
    /// As [`Backend::query_rows`].
    fn stream_rows(&mut self, sql: &str, params: &[Value], f: &mut RowSink<'_>) -> Result<()> {
        self.query_rows(sql, params, f)
    }

    /// Runs one or more statements without parameters.
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`].
    fn batch_execute(&mut self, sql: &str) -> Result<()>;

    /// The key the connection's last INSERT generated. The default asks the database with the
    /// dialect's [`Dialect::last_insert_id_sql`].
    ///
    /// # Errors
    ///
    /// As [`Backend::execute`]; [`crate::Error::Unsupported`] where the dialect has no such query.
    fn last_insert_id(&mut self) -> Result<i64> {
        let dialect = self.dialect();
        let sql = dialect
            .last_insert_id_sql()
            .ok_or_else(|| crate::Error::Unsupported {
                dialect: dialect.name(),
                feature: "reading a generated key back without RETURNING".to_owned(),
            })?;
        let mut id = None;
        self.query_rows(sql, &[], &mut |row| {
            id = row.get_i64(0).map_err(|e| e.at("?", row.column_name(0)))?;
            Ok(false)
        })?;
        id.ok_or_else(|| crate::Error::Database {
            message: "the database reported no generated key".to_owned(),
            code: None,
            source: None,
        })
    }

    /// The step between the keys one multi-row INSERT generates, when the server guarantees they are
    /// consecutive and [`Backend::last_insert_id`] reports the first (MySQL); `None` elsewhere.
    fn consecutive_insert_ids(&self) -> Option<i64> {
        None
    }

    /// Drops the prepared statements: the schema changed under them. Called by the connection after
    /// a statement that changes the schema and when another connection or process changed it.
    fn forget_statements(&mut self);

    /// True when the connection is known to be unusable (the pool then discards it).
    fn is_broken(&self) -> bool;

    /// A round trip that proves the connection alive (`SELECT 1`), unseen by statement events.
    ///
    /// # Errors
    ///
    /// The connection is dead or the server does not answer.
    fn ping(&mut self) -> Result<()> {
        self.batch_execute("SELECT 1")
    }

    /// Marks the connection unusable: the pool closes it instead of handing it out again (a
    /// connection whose session settings could not be restored).
    fn mark_broken(&mut self);
}

/// The table an `INSERT`, `UPDATE` or `DELETE` writes to, for constraint errors whose message does
/// not name it (MySQL's duplicate keys, NULLs and checks; SQLite's foreign keys and checks).
pub(crate) fn statement_table(sql: &str) -> Option<String> {
    const SKIP: [&str; 5] = ["IGNORE", "INTO", "FROM", "LOW_PRIORITY", "QUICK"];
    let mut rest = sql.trim_start();
    let first = rest.split_whitespace().next()?;
    if !["INSERT", "REPLACE", "DELETE", "UPDATE"]
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
    {
        return None;
    }
    rest = rest[first.len()..].trim_start();
    while let Some(word) = rest.split_whitespace().next() {
        if !SKIP.iter().any(|k| word.eq_ignore_ascii_case(k)) {
            break;
        }
        rest = rest[word.len()..].trim_start();
    }
    // The last part of `db`.`t`, quoted with backquotes or double quotes, or bare.
    loop {
        let (name, after) = identifier(rest)?;
        match after.strip_prefix('.') {
            Some(more) => rest = more,
            None => return (!name.is_empty()).then_some(name),
        }
    }
}

/// The identifier `s` starts with and what follows it.
pub(crate) fn identifier(s: &str) -> Option<(String, &str)> {
    let quote = s.chars().next()?;
    if quote != '`' && quote != '"' {
        let end = s
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(s.len());
        return Some((s[..end].to_owned(), &s[end..]));
    }
    let mut name = String::new();
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|&(_, d)| d == quote) {
                chars.next();
            } else {
                return Some((name, &s[i + 1..]));
            }
        }
        name.push(c);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{changes_schema, statement_table};

    #[test]
    fn schema_changes_are_recognised_in_statements_and_batches() {
        for sql in [
            "CREATE TABLE t (a INT)",
            "  alter table t add b int",
            "SET x = 1; DROP SCHEMA s",
        ] {
            assert!(changes_schema(sql), "{sql}");
        }
        for sql in [
            "BEGIN IMMEDIATE",
            "COMMIT",
            "INSERT INTO created VALUES (1)",
            "SELECT 1",
            "SAVEPOINT a",
        ] {
            assert!(!changes_schema(sql), "{sql}");
        }
    }

    #[test]
    fn the_table_is_read_from_the_statement() {
        for (sql, table) in [
            ("INSERT INTO `user` (`a`) VALUES (?)", Some("user")),
            (
                "insert ignore into \"my table\"(a) values (1)",
                Some("my table"),
            ),
            ("UPDATE `db`.`t` SET a = 1", Some("t")),
            ("DELETE FROM `we``ird` WHERE 1", Some("we`ird")),
            ("SELECT 1", None),
        ] {
            assert_eq!(statement_table(sql).as_deref(), table, "{sql}");
        }
    }
}
