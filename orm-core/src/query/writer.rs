//! The one place SQL text is produced: text and bound values are written together, identifiers always
//! go through the dialect's quoting, and values only ever become placeholders.

use crate::dialect::Dialect;
use crate::value::Value;

/// Builds one statement: SQL text and its parameters.
#[derive(Debug)]
pub struct SqlWriter {
    dialect: &'static dyn Dialect,
    sql: String,
    params: Vec<Value>,
}

impl SqlWriter {
    /// An empty statement for `dialect`.
    pub fn new(dialect: &'static dyn Dialect) -> Self {
        SqlWriter {
            dialect,
            sql: String::with_capacity(128),
            params: Vec::new(),
        }
    }

    /// The dialect written for.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    /// Appends SQL text written by the library (keywords, punctuation), never user input.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a quoted identifier.
    pub fn ident(&mut self, name: &str) -> &mut Self {
        self.dialect.quote_ident(name, &mut self.sql);
        self
    }

    /// Appends `"table"."column"`.
    pub fn qualified(&mut self, table: &str, column: &str) -> &mut Self {
        self.ident(table).push(".").ident(column)
    }

    /// Appends a placeholder bound to `value`.
    pub fn param(&mut self, value: Value) -> &mut Self {
        self.params.push(value);
        self.dialect.placeholder(self.params.len(), &mut self.sql);
        self
    }

    /// Appends a comma-separated list of quoted identifiers.
    pub fn ident_list<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) -> &mut Self {
        for (i, name) in names.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.ident(name);
        }
        self
    }

    /// Rows of values as the body of a derived table, `SELECT ? AS "c0", ? AS "c1" UNION ALL
    /// SELECT ?, ? ...`, the form every database takes (MySQL's `VALUES` has no column names):
    /// `rows` holds `names.len()` values per row.
    pub fn union_rows(&mut self, names: &[&str], rows: &[Value]) -> &mut Self {
        for (r, row) in rows.chunks(names.len().max(1)).enumerate() {
            self.push(if r == 0 {
                "SELECT "
            } else {
                " UNION ALL SELECT "
            });
            for (n, v) in row.iter().enumerate() {
                if n > 0 {
                    self.push(", ");
                }
                self.param(v.clone());
                if r == 0 {
                    self.push(" AS ").ident(names[n]);
                }
            }
        }
        self
    }

    /// The number of parameters bound so far.
    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    /// The SQL written so far.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The statement's text and parameters.
    pub fn finish(self) -> (String, Vec<Value>) {
        (self.sql, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Postgres, Sqlite};

    #[test]
    fn values_become_placeholders_and_names_are_quoted() {
        for (dialect, expected) in [
            (
                &Sqlite as &'static dyn Dialect,
                "SELECT \"a\"\"b\" FROM \"t\" WHERE \"t\".\"x\" = ?1 AND y = ?2",
            ),
            (
                &Postgres,
                "SELECT \"a\"\"b\" FROM \"t\" WHERE \"t\".\"x\" = $1 AND y = $2",
            ),
        ] {
            let mut w = SqlWriter::new(dialect);
            w.push("SELECT ")
                .ident("a\"b")
                .push(" FROM ")
                .ident("t")
                .push(" WHERE ");
            w.qualified("t", "x")
                .push(" = ")
                .param("'; DROP TABLE t; --".into());
            w.push(" AND y = ").param(Value::I64(1));
            let (sql, params) = w.finish();
            assert_eq!(sql, expected);
            assert_eq!(params.len(), 2);
        }
    }
}
