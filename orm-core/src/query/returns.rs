//! What a query returns: [`Selection`], implemented for whole models ([`Entity`], [`Alias`]), columns,
//! expressions and tuples of them.

use std::marker::PhantomData;

use super::column::Column;
use super::expr::{Expr, Node};
use crate::model::Model;
use crate::object::Obj;
use crate::schema::TableDef;
use crate::value::SqlType;

/// Something a SELECT returns: it lists the expressions to select and says what one row holds. The
/// session decodes rows into it ([`crate::session::Decode`]: whole models through its identity map).
pub trait Selection {
    /// What one row decodes to.
    type Output;

    /// Appends the selected expressions.
    fn push_nodes(&self, out: &mut Vec<Node>);

    /// The number of values one row holds for this selection.
    fn width(&self) -> usize;

    /// The table the selection reads first, to infer the FROM clause.
    fn first_table(&self) -> Option<FromTable> {
        let mut nodes = Vec::new();
        self.push_nodes(&mut nodes);
        nodes
            .iter()
            .find_map(Node::first_table)
            .map(|(table, alias)| FromTable {
                table,
                alias,
                def: None,
            })
    }
}

/// The table a selection reads first (opaque), from which [`crate::query::select_columns`] infers
/// the FROM clause.
#[derive(Debug, Clone, Copy)]
pub struct FromTable {
    pub(crate) table: &'static str,
    pub(crate) alias: Option<&'static str>,
    pub(crate) def: Option<&'static TableDef>,
}

impl FromTable {
    fn of<M: Model>(alias: Option<&'static str>) -> Self {
        FromTable {
            table: M::TABLE_NAME,
            alias,
            def: Some(M::table()),
        }
    }
}

/// Every column of model `M`, decoded as an [`Obj<M>`] through the identity map: `select::<M>()`.
pub struct Entity<M>(PhantomData<fn() -> M>);

impl<M> Entity<M> {
    /// The whole model `M`.
    pub const fn new() -> Self {
        Entity(PhantomData)
    }
}

impl<M> Default for Entity<M> {
    fn default() -> Self {
        Entity::new()
    }
}

impl<M> Clone for Entity<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Entity<M> {}

impl<M: Model> std::fmt::Debug for Entity<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Entity({})", M::TABLE_NAME)
    }
}

impl<M: Model> Selection for Entity<M> {
    type Output = Obj<M>;

    fn push_nodes(&self, out: &mut Vec<Node>) {
        out.extend(M::COLUMNS.iter().map(|c| Node::column(M::TABLE_NAME, c)));
    }

    fn width(&self) -> usize {
        M::COLUMNS.len()
    }

    fn first_table(&self) -> Option<FromTable> {
        Some(FromTable::of::<M>(None))
    }
}

/// Model `M` under another name, for self-joins: `alias::<Node>("parent")`.
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::{alias, select};
///
/// #[derive(Model, Debug)]
/// struct Node {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     #[orm(foreign_key = Node)]
///     parent_id: Option<i64>,
/// }
///
/// let parent = alias::<Node>("parent");
/// let q = select::<Node>()
///     .join_alias(parent, Node::parent_id.eq(parent.col(Node::id)))
///     .filter(parent.col(Node::parent_id).is_null());
/// let (sql, _) = q.build(&orm_core::dialect::Sqlite)?;
/// assert_eq!(
///     sql,
///     r#"SELECT "node"."id", "node"."parent_id" FROM "node" INNER JOIN "node" AS "parent" ON "node"."parent_id" = "parent"."id" WHERE "parent"."parent_id" IS NULL"#
/// );
/// # Ok::<(), orm_core::Error>(())
/// ```
pub struct Alias<M> {
    pub(crate) name: &'static str,
    _model: PhantomData<fn() -> M>,
}

/// Model `M` under the name `name`.
pub const fn alias<M: Model>(name: &'static str) -> Alias<M> {
    Alias {
        name,
        _model: PhantomData,
    }
}

impl<M> Clone for Alias<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Alias<M> {}

impl<M: Model> std::fmt::Debug for Alias<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Alias({} AS {})", M::TABLE_NAME, self.name)
    }
}

impl<M: Model> Alias<M> {
    /// A column of the aliased table: `"parent"."id"`.
    pub fn col<T>(&self, column: Column<M, T>) -> Expr<T> {
        Expr::new(Node::aliased_column(
            M::TABLE_NAME,
            self.name,
            column.name(),
        ))
    }

    /// The alias name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<M: Model> Selection for Alias<M> {
    type Output = Obj<M>;

    fn push_nodes(&self, out: &mut Vec<Node>) {
        out.extend(
            M::COLUMNS
                .iter()
                .map(|c| Node::aliased_column(M::TABLE_NAME, self.name, c)),
        );
    }

    fn width(&self) -> usize {
        M::COLUMNS.len()
    }

    fn first_table(&self) -> Option<FromTable> {
        Some(FromTable::of::<M>(Some(self.name)))
    }
}

impl<M: Model, T: SqlType> Selection for Column<M, T> {
    type Output = T;

    fn push_nodes(&self, out: &mut Vec<Node>) {
        out.push(Expr::from(*self).node);
    }

    fn width(&self) -> usize {
        1
    }

    fn first_table(&self) -> Option<FromTable> {
        Some(FromTable::of::<M>(None))
    }
}

impl<T: SqlType> Selection for Expr<T> {
    type Output = T;

    fn push_nodes(&self, out: &mut Vec<Node>) {
        out.push(self.node.clone());
    }

    fn width(&self) -> usize {
        1
    }
}

macro_rules! tuple_selection {
    ($($name:ident)+) => {
        impl<$($name: Selection),+> Selection for ($($name,)+) {
            type Output = ($($name::Output,)+);

            #[allow(non_snake_case)] // the type parameters name the tuple's fields
            fn push_nodes(&self, out: &mut Vec<Node>) {
                let ($($name,)+) = self;
                $($name.push_nodes(out);)+
            }

            #[allow(non_snake_case)]
            fn width(&self) -> usize {
                let ($($name,)+) = self;
                0 $(+ $name.width())+
            }

            #[allow(non_snake_case)]
            fn first_table(&self) -> Option<FromTable> {
                let ($($name,)+) = self;
                None $(.or_else(|| $name.first_table()))+
            }
        }
    };
}

tuple_selection!(A);
tuple_selection!(A B);
tuple_selection!(A B C);
tuple_selection!(A B C D);
tuple_selection!(A B C D E);
tuple_selection!(A B C D E F);
tuple_selection!(A B C D E F G);
tuple_selection!(A B C D E F G H);
