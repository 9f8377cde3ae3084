//! SELECT: [`select`] for whole models, [`select_columns`] for columns and tuples, and the
//! [`Select`] builder (filters, joins, grouping, ordering, limits).

use super::expr::{Expr, Node};
use super::operand::Subquery;
use super::order::Order;
use super::returns::{Alias, Entity, Selection};
use super::select_clauses::{Join, SelectCore, Source};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::model::Model;
use crate::value::Value;

/// A SELECT returning `S::Output` per row. Build it with [`select`] or [`select_columns`], run it
/// with the session ([`crate::Session::all`], `first`, `one`, `count`, `paginate`, ...).
///
/// Builder methods never fail; a mistake (a join with no foreign key to follow) is reported as
/// [`crate::Error::Config`] when the query is built or run.
#[derive(Clone, Debug)]
pub struct Select<S> {
    pub(crate) core: SelectCore,
    pub(crate) selection: S,
}

/// Selects every column of model `M`; rows come back as [`crate::Obj<M>`] through the session's
/// identity map.
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::select;
///
/// #[derive(Model, Debug)]
/// struct User {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     username: String,
/// }
///
/// let (sql, params) = select::<User>()
///     .filter(User::username.eq("susan"))
///     .order_by(User::username.desc())
///     .limit(10)
///     .build(&orm_core::dialect::Sqlite)?;
/// assert_eq!(
///     sql,
///     r#"SELECT "user"."id", "user"."username" FROM "user" WHERE "user"."username" = ?1 ORDER BY "user"."username" DESC LIMIT ?2"#
/// );
/// assert_eq!(params, ["susan".into(), orm_core::Value::I64(10)]);
/// # Ok::<(), orm_core::Error>(())
/// ```
pub fn select<M: Model>() -> Select<Entity<M>> {
    Select::from_selection(Entity::new(), Some(source_of::<M>(None)))
}

/// Selects columns, expressions or tuples of them (seed 004's `query(Student.email)`): rows come back
/// as `T` for one column, `(T1, T2, ...)` for a tuple. The FROM table is the first one the selection
/// names; change it with [`Select::select_from`].
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::select_columns;
///
/// #[derive(Model, Debug)]
/// struct Student {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     email: String,
/// }
///
/// let (sql, _) = select_columns((Student::email,)).build(&orm_core::dialect::Postgres)?;
/// assert_eq!(sql, r#"SELECT "student"."email" FROM "student""#);
/// # Ok::<(), orm_core::Error>(())
/// ```
pub fn select_columns<S: Selection>(selection: S) -> Select<S> {
    let from = selection.first_table().map(|t| Source {
        table: t.table,
        alias: t.alias,
        def: t.def,
    });
    Select::from_selection(selection, from)
}

fn source_of<M: Model>(alias: Option<&'static str>) -> Source {
    Source {
        table: M::TABLE_NAME,
        alias,
        def: Some(M::table()),
    }
}

impl<S: Selection> Select<S> {
    fn from_selection(selection: S, from: Option<Source>) -> Self {
        let mut columns = Vec::with_capacity(selection.width());
        selection.push_nodes(&mut columns);
        Select {
            core: SelectCore {
                columns,
                from,
                ..SelectCore::default()
            },
            selection,
        }
    }

    /// Selects `selection` instead, keeping every other clause (SQLAlchemy's `with_entities`).
    pub fn columns<C: Selection>(self, selection: C) -> Select<C> {
        let mut core = self.core;
        core.columns.clear();
        selection.push_nodes(&mut core.columns);
        Select { core, selection }
    }

    /// Reads from model `M`'s table (for a selection that names no table, such as `count_all()`).
    pub fn select_from<M: Model>(mut self) -> Self {
        self.core.from = Some(source_of::<M>(None));
        self
    }

    /// Keeps the rows matching `condition`; several filters are ANDed.
    pub fn filter(mut self, condition: impl Into<Expr<bool>>) -> Self {
        self.core.filters.push(condition.into().node);
        self
    }

    /// Adds an ORDER BY term: a column (ascending) or `col.desc()`, `col.asc().nulls_last()`...
    pub fn order_by(mut self, order: impl Into<Order>) -> Self {
        self.core.order.push(order.into());
        self
    }

    /// At most `n` rows (a bound parameter).
    pub fn limit(mut self, n: u64) -> Self {
        self.core.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.core.offset = Some(n);
        self
    }

    /// SELECT DISTINCT.
    pub fn distinct(mut self) -> Self {
        self.core.distinct = true;
        self
    }

    /// Adds a GROUP BY expression.
    pub fn group_by<T>(mut self, expr: impl Into<Expr<T>>) -> Self {
        self.core.group_by.push(expr.into().node);
        self
    }

    /// Keeps the groups matching `condition`.
    pub fn having(mut self, condition: impl Into<Expr<bool>>) -> Self {
        self.core.having.push(condition.into().node);
        self
    }

    /// INNER JOIN of model `P` along the one foreign key between `P` and a table already in the query
    /// (either direction). No such key, or more than one, is a [`crate::Error::Config`] when the query
    /// runs: use [`Select::join_on`] then.
    pub fn join<P: Model>(self) -> Self {
        self.join_fk::<P>(false)
    }

    /// LEFT JOIN of model `P` along a foreign key, as [`Select::join`].
    pub fn left_join<P: Model>(self) -> Self {
        self.join_fk::<P>(true)
    }

    /// INNER JOIN of model `P` on an explicit condition.
    pub fn join_on<P: Model>(self, on: impl Into<Expr<bool>>) -> Self {
        self.push_join(false, source_of::<P>(None), on.into().node)
    }

    /// LEFT JOIN of model `P` on an explicit condition.
    pub fn left_join_on<P: Model>(self, on: impl Into<Expr<bool>>) -> Self {
        self.push_join(true, source_of::<P>(None), on.into().node)
    }

    /// INNER JOIN of an aliased table (a self-join) on a condition.
    pub fn join_alias<P: Model>(self, alias: Alias<P>, on: impl Into<Expr<bool>>) -> Self {
        self.push_join(false, source_of::<P>(Some(alias.name)), on.into().node)
    }

    /// LEFT JOIN of an aliased table on a condition.
    pub fn left_join_alias<P: Model>(self, alias: Alias<P>, on: impl Into<Expr<bool>>) -> Self {
        self.push_join(true, source_of::<P>(Some(alias.name)), on.into().node)
    }

    fn push_join(mut self, left: bool, source: Source, on: Node) -> Self {
        self.core.joins.push(Join { left, source, on });
        self
    }

    fn join_fk<P: Model>(mut self, left: bool) -> Self {
        match self.fk_condition::<P>() {
            Ok(on) => self.push_join(left, source_of::<P>(None), on),
            Err(e) => {
                self.core.error.get_or_insert(e);
                self
            }
        }
    }

    /// The join condition along the one foreign key between `P` and the tables in the query.
    fn fk_condition<P: Model>(&self) -> std::result::Result<Node, String> {
        let target = P::table();
        let present = self
            .core
            .from
            .iter()
            .chain(self.core.joins.iter().map(|j| &j.source));
        let mut found: Vec<Node> = Vec::new();
        for source in present {
            if source.table == target.name && source.alias.is_none() {
                continue; // the same table twice needs an alias
            }
            let qualifier = source.qualifier();
            if let Some(def) = source.def {
                for fk in def
                    .foreign_keys
                    .iter()
                    .filter(|fk| fk.ref_table == target.name)
                {
                    found.push(fk_on(
                        qualifier,
                        &fk.columns,
                        P::TABLE_NAME,
                        &fk.ref_columns,
                    ));
                }
            }
            for fk in target
                .foreign_keys
                .iter()
                .filter(|fk| fk.ref_table == source.table)
            {
                found.push(fk_on(
                    P::TABLE_NAME,
                    &fk.columns,
                    qualifier,
                    &fk.ref_columns,
                ));
            }
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(format!(
                "no foreign key links `{}` to the tables of the query: use `join_on`",
                P::TABLE_NAME
            )),
            n => Err(format!(
                "{n} foreign keys link `{}` to the tables of the query: use `join_on` to pick one",
                P::TABLE_NAME
            )),
        }
    }

    /// A one-column query as a subquery, for `in_` / `not_in` or as a scalar. A selection of more than
    /// one column is a [`crate::Error::Config`] when the outer query runs.
    pub fn subquery(mut self) -> Subquery<S::Output> {
        if self.selection.width() != 1 {
            self.core
                .error
                .get_or_insert_with(|| "a subquery must select exactly one column".to_owned());
        }
        Subquery::new(self.core)
    }

    /// The statement's SQL text and bound parameters for `dialect`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] for a mistake made while building (a join with no foreign key, no
    /// FROM table, a subquery of several columns).
    pub fn build(&self, dialect: &'static dyn Dialect) -> Result<(String, Vec<Value>)> {
        self.core.build(dialect)
    }

    /// The selection.
    pub fn selection(&self) -> &S {
        &self.selection
    }
}

fn fk_on(
    child: &'static str,
    columns: &'static [String],
    parent: &'static str,
    ref_columns: &'static [String],
) -> Node {
    let conds: Vec<Node> = columns
        .iter()
        .zip(ref_columns)
        .map(|(c, r)| Node::column(child, c).binary(" = ", Node::column(parent, r)))
        .collect();
    match <[Node; 1]>::try_from(conds) {
        Ok([one]) => one,
        Err(many) => super::expr::and_all(many.into_iter().map(Expr::new)).node,
    }
}

/// A query the session can run: a [`Select`] or a reference to one.
pub trait AsSelect {
    /// What the query selects.
    type Selection: Selection;

    /// The query.
    fn as_select(&self) -> &Select<Self::Selection>;
}

impl<S: Selection> AsSelect for Select<S> {
    type Selection = S;
    fn as_select(&self) -> &Select<S> {
        self
    }
}

impl<S: Selection> AsSelect for &Select<S> {
    type Selection = S;
    fn as_select(&self) -> &Select<S> {
        self
    }
}

/// The type one row of query `Q` decodes to.
pub type RowOf<Q> = <<Q as AsSelect>::Selection as Selection>::Output;
