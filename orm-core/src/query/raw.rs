//! Raw SQL, the explicit escape hatch: text written by the application, values still bound.
//!
//! Placeholders are written `$1`, `$2`, ... on every backend; on SQLite they become `?1`, `?2`
//! (outside string literals, quoted identifiers and comments), so one raw query runs on both.

use crate::dialect::Dialect;
use crate::value::{ToValue, Value};

/// A raw SQL statement and its bound parameters.
///
/// # Examples
///
/// ```
/// use orm_core::{Engine, Model};
/// use orm_core::query::raw;
///
/// #[derive(Model, Debug)]
/// struct User {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     username: String,
/// }
///
/// let engine = Engine::connect("sqlite::memory:")?;
/// engine.create_all()?;
/// let mut session = engine.session();
/// session.add(User::new("o'brien"));
/// let q = raw(r#"SELECT "username", length("username") FROM "user" WHERE "username" = $1"#)
///     .bind("o'brien");
/// let rows: Vec<(String, i64)> = session.raw_all(&q)?;
/// assert_eq!(rows, [("o'brien".to_owned(), 7)]);
/// # Ok::<(), orm_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    sql: String,
    params: Vec<Value>,
}

/// A raw statement; bind its `$n` parameters with [`Raw::bind`].
pub fn raw(sql: impl Into<String>) -> Raw {
    Raw {
        sql: sql.into(),
        params: Vec::new(),
    }
}

impl Raw {
    /// Binds the next parameter (`$1` first).
    pub fn bind(mut self, value: impl ToValue) -> Self {
        self.params.push(value.to_value());
        self
    }

    /// The text for `dialect` and the parameters.
    pub fn build(&self, dialect: &'static dyn Dialect) -> (String, Vec<Value>) {
        dialect.raw_sql(&self.sql, &self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_placeholders_become_numbered_question_marks_outside_literals() {
        let sql = r#"SELECT '$1', "$2", x -- $3
            FROM t /* $4 */ WHERE a = $1 AND b = $12 AND c = 'it''s $5'"#;
        assert_eq!(
            crate::dialect::Sqlite.raw_sql(sql, &[]).0,
            r#"SELECT '$1', "$2", x -- $3
            FROM t /* $4 */ WHERE a = ?1 AND b = ?12 AND c = 'it''s $5'"#
        );
        let (pg, _) = raw("SELECT $1").bind(1).build(&crate::dialect::Postgres);
        assert_eq!(pg, "SELECT $1");
    }
}
