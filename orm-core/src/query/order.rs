//! ORDER BY terms: [`Order`], made by `asc()` / `desc()` on a column or expression.

use super::column::Column;
use super::expr::{Expr, Node};
use super::writer::SqlWriter;
use crate::model::Model;

/// Where NULLs sort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nulls {
    First,
    Last,
}

/// One ORDER BY term: an expression, a direction, and optionally where NULLs go.
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::select;
///
/// #[derive(Model, Debug)]
/// struct Student {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     age: Option<i32>,
/// }
///
/// let (sql, _) = select::<Student>()
///     .order_by(Student::age.desc().nulls_last())
///     .order_by(Student::id)
///     .build(&orm_core::dialect::Sqlite)?;
/// assert!(sql.ends_with(r#"ORDER BY "student"."age" DESC NULLS LAST, "student"."id""#));
/// # Ok::<(), orm_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub(crate) node: Node,
    pub(crate) desc: bool,
    pub(crate) nulls: Option<Nulls>,
}

impl Order {
    pub(crate) fn new(node: Node, desc: bool) -> Self {
        Order {
            node,
            desc,
            nulls: None,
        }
    }

    /// NULLs before the other values (SQLite 3.30 and later, PostgreSQL).
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(Nulls::First);
        self
    }

    /// NULLs after the other values.
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(Nulls::Last);
        self
    }

    /// Whether this term sorts descending.
    pub fn is_desc(&self) -> bool {
        self.desc
    }

    pub(crate) fn write(&self, w: &mut SqlWriter) {
        if self.nulls.is_some() && !w.dialect().supports_nulls_order() {
            // `x IS NULL` sorts 0 before 1: ascending puts NULLs last, descending first.
            w.push("(");
            self.node.write(w);
            w.push(" IS NULL)");
            if self.nulls == Some(Nulls::First) {
                w.push(" DESC");
            }
            w.push(", ");
            self.node.write(w);
            if self.desc {
                w.push(" DESC");
            }
            return;
        }
        self.node.write(w);
        if self.desc {
            w.push(" DESC");
        }
        match self.nulls {
            Some(Nulls::First) => {
                w.push(" NULLS FIRST");
            }
            Some(Nulls::Last) => {
                w.push(" NULLS LAST");
            }
            None => {}
        }
    }
}

impl<M: Model, T> From<Column<M, T>> for Order {
    /// Ascending.
    fn from(c: Column<M, T>) -> Self {
        Order::new(Expr::from(c).node, false)
    }
}

impl<T> From<Expr<T>> for Order {
    /// Ascending.
    fn from(e: Expr<T>) -> Self {
        Order::new(e.node, false)
    }
}
