//! INSERT with an optional ON CONFLICT clause (the portable upsert): [`insert`], [`insert_many`].

use super::column::Column;
use super::writer::SqlWriter;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::value::Value;

/// A list of columns of model `M`: one [`Column`] or a tuple of them.
pub trait ColumnList<M> {
    /// The column names, in order.
    fn names(&self) -> Vec<&'static str>;
}

impl<M, T> ColumnList<M> for Column<M, T> {
    fn names(&self) -> Vec<&'static str> {
        vec![self.name()]
    }
}

macro_rules! column_list {
    ($($t:ident $i:tt),+) => {
        impl<M, $($t),+> ColumnList<M> for ($(Column<M, $t>,)+) {
            fn names(&self) -> Vec<&'static str> {
                vec![$(self.$i.name()),+]
            }
        }
    };
}

column_list!(A 0);
column_list!(A 0, B 1);
column_list!(A 0, B 1, C 2);
column_list!(A 0, B 1, C 2, D 3);
column_list!(A 0, B 1, C 2, D 3, E 4);
column_list!(A 0, B 1, C 2, D 3, E 4, F 5);

#[derive(Debug, Clone, PartialEq)]
enum Action {
    Nothing,
    Update(Vec<&'static str>),
}

/// `INSERT INTO "t" (...) VALUES (...), ... [ON CONFLICT (...) DO UPDATE SET ... | DO NOTHING]
/// RETURNING ...`, run with [`crate::Session::upsert`]. The same SQL runs on SQLite and PostgreSQL.
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::insert;
///
/// #[derive(Model, Debug)]
/// struct User {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     #[orm(unique)]
///     username: String,
///     email: String,
/// }
///
/// let stmt = insert(User::new("susan", "s@example.com"))
///     .on_conflict_do_update(User::username, User::email);
/// let (sql, params) = stmt.build(&orm_core::dialect::Postgres)?;
/// assert_eq!(
///     sql,
///     r#"INSERT INTO "user" ("username", "email") VALUES ($1, $2) ON CONFLICT ("username") DO UPDATE SET "email" = excluded."email""#
/// );
/// assert_eq!(params.len(), 2);
/// # Ok::<(), orm_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Insert<M> {
    rows: Vec<Vec<Value>>,
    conflict: Option<(Vec<&'static str>, Action)>,
    _model: std::marker::PhantomData<fn() -> M>,
}

/// An INSERT of one object (Rust-side defaults applied).
pub fn insert<M: Model>(obj: M) -> Insert<M> {
    insert_many([obj])
}

/// An INSERT of several objects in one statement.
pub fn insert_many<M: Model>(objs: impl IntoIterator<Item = M>) -> Insert<M> {
    let rows = objs
        .into_iter()
        .map(|mut obj| {
            obj.apply_insert_defaults();
            obj.to_values()
        })
        .collect();
    Insert {
        rows,
        conflict: None,
        _model: std::marker::PhantomData,
    }
}

impl<M: Model> Insert<M> {
    /// On a conflict over the unique `target` columns, sets `columns` to the values proposed
    /// (`excluded`).
    pub fn on_conflict_do_update(
        mut self,
        target: impl ColumnList<M>,
        columns: impl ColumnList<M>,
    ) -> Self {
        self.conflict = Some((target.names(), Action::Update(columns.names())));
        self
    }

    /// On a conflict over the unique `target` columns, skips the row.
    pub fn on_conflict_do_nothing(mut self, target: impl ColumnList<M>) -> Self {
        self.conflict = Some((target.names(), Action::Nothing));
        self
    }

    /// Whether this is an upsert that skips the rows in conflict (`DO NOTHING`).
    pub(crate) fn skips_conflicts(&self) -> bool {
        matches!(self.conflict, Some((_, Action::Nothing)))
    }

    /// The same statement with only the rows `keep` answers true for (by position); `None` when
    /// none is left.
    /// The statement split into statements of at most `per` rows each, in order.
    pub(crate) fn split_rows(self, per: usize) -> Vec<Self> {
        let Insert {
            rows,
            conflict,
            _model,
        } = self;
        let mut out = Vec::new();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            out.push(Insert {
                rows: rows.by_ref().take(per.max(1)).collect(),
                conflict: conflict.clone(),
                _model,
            });
        }
        out
    }

    /// The number of rows.
    pub(crate) fn row_count(&self) -> usize {
        self.rows.len()
    }

    pub(crate) fn retain_rows(&self, keep: &[bool]) -> Option<Self> {
        let rows: Vec<_> = self
            .rows
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(r, _)| r.clone())
            .collect();
        (!rows.is_empty()).then(|| Insert {
            rows,
            conflict: self.conflict.clone(),
            _model: std::marker::PhantomData,
        })
    }

    /// For an upsert: the conflict target's columns and each row's values of them, by which the
    /// rows can be found.
    pub(crate) fn target_values(&self) -> Option<(Vec<&'static str>, Vec<Vec<Value>>)> {
        let (target, _) = self.conflict.as_ref()?;
        let table = M::table();
        let at: Vec<usize> = target
            .iter()
            .map(|c| table.column_index(c))
            .collect::<Option<_>>()?;
        let keys = self
            .rows
            .iter()
            .map(|row| {
                at.iter()
                    .map(|&i| row.get(i).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        Some((target.clone(), keys))
    }

    /// The primary keys of the rows this statement inserted, just run on `conn`: as given, or
    /// generated by the database where the connection reports consecutive keys.
    pub(crate) fn keys(&self, conn: &mut crate::Connection) -> Result<Vec<Vec<Value>>> {
        let table = M::table();
        let pk = M::primary_key_indexes();
        let given = |row: &Vec<Value>| -> Option<Vec<Value>> {
            pk.iter()
                .map(|&i| row.get(i).filter(|v| !v.is_null()).cloned())
                .collect()
        };
        if let Some(keys) = self.rows.iter().map(given).collect::<Option<Vec<_>>>() {
            return Ok(keys);
        }
        if pk.len() != 1 || !table.columns[pk[0]].autoincrement {
            return Err(Error::Unsupported {
                dialect: conn.dialect().name(),
                feature: format!(
                    "reading back rows inserted into `{}` without RETURNING or their keys",
                    M::TABLE_NAME
                ),
            });
        }
        let keys = conn.generated_keys(self.rows.len())?;
        Ok(keys.into_iter().map(|id| vec![Value::I64(id)]).collect())
    }

    /// The statement's SQL text and parameters.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for no row, an empty update list, or rows that disagree on which columns
    /// are left to the database.
    pub fn build(&self, dialect: &'static dyn Dialect) -> Result<(String, Vec<Value>)> {
        self.build_returning(dialect, false)
    }

    /// The positions of the columns written: a column left NULL in every row is left to the
    /// database when it is an autoincrement key or has a server default.
    fn written_columns(&self) -> Result<Vec<usize>> {
        let table = M::table();
        let mut out = Vec::new();
        for (i, col) in table.columns.iter().enumerate() {
            let defaulted = col.autoincrement || col.server_default.is_some();
            let nulls = self
                .rows
                .iter()
                .filter(|r| r.get(i).map_or(true, Value::is_null))
                .count();
            if defaulted && nulls == self.rows.len() {
                continue;
            }
            if defaulted && col.autoincrement && nulls > 0 {
                return Err(Error::config(format!(
                    "some rows inserted into `{}` have a key and others do not: insert them separately",
                    M::TABLE_NAME
                )));
            }
            out.push(i);
        }
        Ok(out)
    }

    pub(crate) fn build_returning(
        &self,
        dialect: &'static dyn Dialect,
        returning: bool,
    ) -> Result<(String, Vec<Value>)> {
        if self.rows.is_empty() {
            return Err(Error::config(format!(
                "no row to insert into `{}`",
                M::TABLE_NAME
            )));
        }
        let columns = self.written_columns()?;
        let names = || columns.iter().map(|&i| M::COLUMNS[i]);
        let mut w = SqlWriter::new(dialect);
        w.push("INSERT INTO ").ident(M::TABLE_NAME);
        if columns.is_empty() {
            w.push(dialect.insert_default_values());
            if self.rows.len() > 1 {
                return Err(Error::config(
                    "several rows of defaults only: insert them separately",
                ));
            }
        } else {
            w.push(" (").ident_list(names()).push(") VALUES ");
            for (r, row) in self.rows.iter().enumerate() {
                w.push(if r > 0 { ", (" } else { "(" });
                for (n, &i) in columns.iter().enumerate() {
                    if n > 0 {
                        w.push(", ");
                    }
                    w.param(row.get(i).cloned().unwrap_or(Value::Null));
                }
                w.push(")");
            }
        }
        if let Some((target, action)) = &self.conflict {
            if matches!(action, Action::Update(cols) if cols.is_empty()) {
                return Err(Error::config("an upsert's DO UPDATE sets no column"));
            }
            if dialect.upsert_on_duplicate_key() {
                on_duplicate_key(&mut w, target, action);
            } else {
                w.push(" ON CONFLICT (")
                    .ident_list(target.iter().copied())
                    .push(") ");
                match action {
                    Action::Nothing => {
                        w.push("DO NOTHING");
                    }
                    Action::Update(cols) => {
                        w.push("DO UPDATE SET ");
                        for (n, col) in cols.iter().enumerate() {
                            if n > 0 {
                                w.push(", ");
                            }
                            w.ident(col).push(" = excluded.").ident(col);
                        }
                    }
                }
            }
        }
        if returning {
            w.push(" RETURNING ").ident_list(M::COLUMNS.iter().copied());
        }
        Ok(w.finish())
    }
}

/// MySQL's upsert: `ON DUPLICATE KEY UPDATE`, which fires on a conflict over *any* unique key (MySQL
/// cannot name one). The proposed values are `VALUES(c)`, which both MySQL 8 and MariaDB read
/// (MySQL 8.0.20 deprecates it for a row alias MariaDB lacks). Skipping the row is an update of the
/// first target column to itself, which changes nothing; `INSERT IGNORE` would also turn other
/// errors (a NULL in a NOT NULL column, a missing parent) into warnings.
fn on_duplicate_key(w: &mut SqlWriter, target: &[&str], action: &Action) {
    w.push(" ON DUPLICATE KEY UPDATE ");
    match action {
        Action::Nothing => {
            let col = target.first().copied().unwrap_or_default();
            w.ident(col).push(" = ").ident(col);
        }
        Action::Update(cols) => {
            for (n, col) in cols.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.ident(col).push(" = VALUES(").ident(col).push(")");
            }
        }
    }
}
