//! Bulk UPDATE by filter: [`update`].

use std::marker::PhantomData;

use super::column::Column;
use super::expr::{and_all, Expr, Node};
use super::operand::IntoOperand;
use super::writer::SqlWriter;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::value::Value;

/// `UPDATE "t" SET ... WHERE ...`, run with [`crate::Session::execute`], which also gives the loaded
/// objects of the session the new values.
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::update;
///
/// #[derive(Model, Debug)]
/// struct User {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     username: String,
///     email: Option<String>,
/// }
///
/// let (sql, _) = update::<User>()
///     .set(User::email, None)
///     .filter(User::username.starts_with("s"))
///     .build(&orm_core::dialect::Postgres)?;
/// assert_eq!(
///     sql,
///     r#"UPDATE "user" SET "email" = $1 WHERE "user"."username" LIKE $2 ESCAPE '\'"#
/// );
/// # Ok::<(), orm_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Update<M> {
    pub(crate) sets: Vec<(usize, &'static str, Node)>,
    pub(crate) filters: Vec<Node>,
    _model: PhantomData<fn() -> M>,
}

/// A bulk update of model `M`'s table.
pub fn update<M: Model>() -> Update<M> {
    Update {
        sets: Vec::new(),
        filters: Vec::new(),
        _model: PhantomData,
    }
}

impl<M: Model> Update<M> {
    /// Sets `column` to `value` (a value, or an expression of the same type).
    pub fn set<T, V: IntoOperand<T>>(mut self, column: Column<M, T>, value: V) -> Self {
        self.sets.retain(|(i, _, _)| *i != column.index());
        self.sets
            .push((column.index(), column.name(), value.into_operand()));
        self
    }

    /// Updates only the rows matching `condition` (ANDed with earlier filters).
    pub fn filter(mut self, condition: impl Into<Expr<bool>>) -> Self {
        self.filters.push(condition.into().node);
        self
    }

    /// The statement's SQL text and parameters.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when nothing is set.
    pub fn build(&self, dialect: &'static dyn Dialect) -> Result<(String, Vec<Value>)> {
        self.build_returning(dialect, false)
    }

    /// With `returning`, the key columns and the set columns are returned, to update loaded objects.
    pub(crate) fn build_returning(
        &self,
        dialect: &'static dyn Dialect,
        returning: bool,
    ) -> Result<(String, Vec<Value>)> {
        if self.sets.is_empty() {
            return Err(Error::config(format!(
                "an update of `{}` sets no column",
                M::TABLE_NAME
            )));
        }
        for filter in &self.filters {
            filter.check()?;
        }
        let mut w = SqlWriter::new(dialect);
        w.push("UPDATE ").ident(M::TABLE_NAME).push(" SET ");
        for (i, (_, name, value)) in self.sets.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(name).push(" = ");
            value.write(&mut w);
        }
        write_where(&self.filters, &mut w);
        if returning {
            w.push(" RETURNING ");
            let names = M::PRIMARY_KEY
                .iter()
                .copied()
                .chain(self.sets.iter().map(|(_, name, _)| *name));
            w.ident_list(names);
        }
        Ok(w.finish())
    }
}

/// `SELECT <key> FROM t WHERE <filters> FOR UPDATE`: the keys of the rows a bulk statement is about
/// to change, locked so that the statement changes exactly these (the path without `RETURNING`).
pub(crate) fn select_keys_for_update<M: Model>(
    filters: &[Node],
    dialect: &'static dyn Dialect,
) -> Result<(String, Vec<Value>)> {
    for filter in filters {
        filter.check()?;
    }
    let mut w = SqlWriter::new(dialect);
    w.push("SELECT ")
        .ident_list(M::PRIMARY_KEY.iter().copied())
        .push(" FROM ")
        .ident(M::TABLE_NAME);
    write_where(filters, &mut w);
    w.push(" FOR UPDATE");
    Ok(w.finish())
}

/// `SELECT <key>, <columns> FROM t WHERE (<key>) IN ((...), ...)` for `keys`, where `key` names
/// the primary key or another unique set of columns.
pub(crate) fn select_by_keys<M: Model>(
    dialect: &'static dyn Dialect,
    key: &[&'static str],
    columns: &[&'static str],
    keys: &[Vec<Value>],
) -> (String, Vec<Value>) {
    let mut w = SqlWriter::new(dialect);
    w.push("SELECT ")
        .ident_list(key.iter().chain(columns).copied())
        .push(" FROM ")
        .ident(M::TABLE_NAME)
        .push(" WHERE (")
        .ident_list(key.iter().copied())
        .push(") IN (");
    for (n, values) in keys.iter().enumerate() {
        w.push(if n > 0 { ", (" } else { "(" });
        for (k, v) in values.iter().enumerate() {
            if k > 0 {
                w.push(", ");
            }
            w.param(v.clone());
        }
        w.push(")");
    }
    w.push(")");
    w.finish()
}

/// `SELECT v.n FROM (SELECT 0 AS n, ? AS k0 ... UNION ALL ...) AS v JOIN t ON t.a = v.k0 ...
/// FOR UPDATE`: the positions of the `keys` (values of the `key` columns) that a row of the table
/// holds already, compared by the database itself (its collation decides what a duplicate is), and
/// locked so that no other transaction inserts them meanwhile.
pub(crate) fn existing_keys<M: Model>(
    dialect: &'static dyn Dialect,
    key: &[&'static str],
    keys: &[Vec<Value>],
) -> (String, Vec<Value>) {
    let names: Vec<String> = std::iter::once("n".to_owned())
        .chain((0..key.len()).map(|k| format!("k{k}")))
        .collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let rows: Vec<Value> = keys
        .iter()
        .enumerate()
        .flat_map(|(n, values)| std::iter::once(Value::I64(n as i64)).chain(values.iter().cloned()))
        .collect();
    let mut w = SqlWriter::new(dialect);
    w.push("SELECT ")
        .qualified("v", "n")
        .push(" FROM (")
        .union_rows(&name_refs, &rows)
        .push(") AS ")
        .ident("v")
        .push(" JOIN ")
        .ident(M::TABLE_NAME)
        .push(" ON ");
    for (k, column) in key.iter().enumerate() {
        if k > 0 {
            w.push(" AND ");
        }
        w.qualified(M::TABLE_NAME, column)
            .push(" = ")
            .qualified("v", name_refs[k + 1]);
    }
    w.push(" FOR UPDATE");
    w.finish()
}

pub(crate) fn write_where(filters: &[Node], w: &mut SqlWriter) {
    match filters {
        [] => {}
        [one] => {
            w.push(" WHERE ");
            one.write(w);
        }
        many => {
            w.push(" WHERE ");
            and_all(many.iter().cloned().map(Expr::new)).node.write(w);
        }
    }
}
