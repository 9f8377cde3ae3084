//! The comparison, pattern and ordering methods shared by [`Column`] and [`Expr`].

use super::column::Column;
use super::expr::{escape_like, Expr, Kind, LikeMode, Node};
use super::operand::{InKind, InOperand, IntoOperand, Text};
use super::order::Order;
use crate::model::Model;
use crate::value::Value;

fn compare(left: Node, op: &'static str, right: Node) -> Expr<bool> {
    // `= NULL` is never true: comparing with `None` means IS [NOT] NULL.
    if right.is_null_value() && (op == " = " || op == " <> ") {
        return Expr::new(Node(Kind::IsNull(Box::new(left), op == " <> ")));
    }
    Expr::new(left.binary(op, right))
}

fn like(left: Node, pattern: Value, insensitive: bool, escaped: bool, negated: bool) -> Expr<bool> {
    Expr::new(Node(Kind::Like(
        Box::new(left),
        Box::new(Node::value(pattern)),
        LikeMode {
            insensitive,
            escaped,
            negated,
        },
    )))
}

fn in_list(left: Node, rhs: super::operand::InRhs, negated: bool) -> Expr<bool> {
    Expr::new(Node(match rhs.0 {
        InKind::List(items) => {
            // SQL's `x IN (1, NULL)` never matches a NULL `x`, and `x NOT IN (1, NULL)` matches
            // nothing at all: a `None` in the list means "or is NULL" / "and is not NULL".
            let (nulls, items): (Vec<Node>, Vec<Node>) =
                items.into_iter().partition(Node::is_null_value);
            let list = Node(Kind::InList(Box::new(left.clone()), items, negated));
            if nulls.is_empty() {
                list.0
            } else if negated {
                Kind::And(vec![list, Node(Kind::IsNull(Box::new(left), true))])
            } else {
                Kind::Or(vec![list, Node(Kind::IsNull(Box::new(left), false))])
            }
        }
        InKind::Select(core) => Kind::InSelect(Box::new(left), core, negated),
    }))
}

macro_rules! expression_methods {
    ($(#[$m:meta])* impl[$($g:tt)*] $ty:ty) => {
        $(#[$m])*
        impl<$($g)*> $ty {
            /// `self = value`; `IS NULL` when `value` is `None`.
            pub fn eq<V: IntoOperand<T>>(self, value: V) -> Expr<bool> {
                compare(self.node(), " = ", value.into_operand())
            }

            /// `self <> value`; `IS NOT NULL` when `value` is `None`.
            pub fn ne<V: IntoOperand<T>>(self, value: V) -> Expr<bool> {
                compare(self.node(), " <> ", value.into_operand())
            }

            /// `self < value`.
            pub fn lt<V: IntoOperand<T>>(self, value: V) -> Expr<bool> {
                compare(self.node(), " < ", value.into_operand())
            }

            /// `self <= value`.
            pub fn le<V: IntoOperand<T>>(self, value: V) -> Expr<bool> {
                compare(self.node(), " <= ", value.into_operand())
            }

            /// `self > value`.
            pub fn gt<V: IntoOperand<T>>(self, value: V) -> Expr<bool> {
                compare(self.node(), " > ", value.into_operand())
            }

            /// `self >= value`.
            pub fn ge<V: IntoOperand<T>>(self, value: V) -> Expr<bool> {
                compare(self.node(), " >= ", value.into_operand())
            }

            /// `self BETWEEN low AND high` (both ends included).
            pub fn between<A: IntoOperand<T>, B: IntoOperand<T>>(self, low: A, high: B) -> Expr<bool> {
                Expr::new(Node(Kind::Between(
                    Box::new(self.node()),
                    Box::new(low.into_operand()),
                    Box::new(high.into_operand()),
                )))
            }

            /// `self IN (...)`: a list of values (an empty list matches nothing) or a subquery.
            pub fn in_<L: InOperand<T>>(self, list: L) -> Expr<bool> {
                in_list(self.node(), list.into_in(), false)
            }

            /// `self NOT IN (...)`: a list of values (an empty list matches everything) or a subquery.
            pub fn not_in<L: InOperand<T>>(self, list: L) -> Expr<bool> {
                in_list(self.node(), list.into_in(), true)
            }

            /// `self IS NULL`.
            pub fn is_null(self) -> Expr<bool> {
                Expr::new(Node(Kind::IsNull(Box::new(self.node()), false)))
            }

            /// `self IS NOT NULL`.
            pub fn is_not_null(self) -> Expr<bool> {
                Expr::new(Node(Kind::IsNull(Box::new(self.node()), true)))
            }

            /// Ascending order.
            pub fn asc(self) -> Order {
                Order::new(self.node(), false)
            }

            /// Descending order.
            pub fn desc(self) -> Order {
                Order::new(self.node(), true)
            }
        }

        $(#[$m])*
        impl<$($g)*> $ty where T: Text {
            /// `self LIKE pattern`, the pattern used as given: `%` and `_` are wildcards and no character
            /// escapes (on both backends; use [`Self::contains`] and friends to match text literally).
            /// On SQLite, LIKE ignores the case of ASCII letters; on PostgreSQL it does not.
            pub fn like(self, pattern: impl Into<String>) -> Expr<bool> {
                like(self.node(), Value::Text(pattern.into()), false, false, false)
            }

            /// `self NOT LIKE pattern`.
            pub fn not_like(self, pattern: impl Into<String>) -> Expr<bool> {
                like(self.node(), Value::Text(pattern.into()), false, false, true)
            }

            /// Case-insensitive LIKE: `ILIKE` on PostgreSQL, `lower(self) LIKE lower(pattern)` on SQLite.
            pub fn ilike(self, pattern: impl Into<String>) -> Expr<bool> {
                like(self.node(), Value::Text(pattern.into()), true, false, false)
            }

            /// Contains `text` literally: `%`, `_` and `\` in it are escaped.
            pub fn contains(self, text: &str) -> Expr<bool> {
                let pattern = format!("%{}%", escape_like(text));
                like(self.node(), Value::Text(pattern), false, true, false)
            }

            /// Contains `text` literally, ignoring case.
            pub fn icontains(self, text: &str) -> Expr<bool> {
                let pattern = format!("%{}%", escape_like(text));
                like(self.node(), Value::Text(pattern), true, true, false)
            }

            /// Starts with `text` literally.
            pub fn starts_with(self, text: &str) -> Expr<bool> {
                let pattern = format!("{}%", escape_like(text));
                like(self.node(), Value::Text(pattern), false, true, false)
            }

            /// Ends with `text` literally.
            pub fn ends_with(self, text: &str) -> Expr<bool> {
                let pattern = format!("%{}", escape_like(text));
                like(self.node(), Value::Text(pattern), false, true, false)
            }
        }
    };
}

expression_methods!(
    /// Comparisons of a column: `User::username.eq("susan")`.
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
    /// let q = select::<User>().filter(User::username.like("s%") & User::id.in_([1, 2]));
    /// let (sql, _) = q.build(&orm_core::dialect::Postgres)?;
    /// assert_eq!(
    ///     sql,
    ///     r#"SELECT "user"."id", "user"."username" FROM "user" WHERE "user"."username" LIKE $1 ESCAPE '' AND "user"."id" IN ($2, $3)"#
    /// );
    /// # Ok::<(), orm_core::Error>(())
    /// ```
    impl[M: Model, T] Column<M, T>
);

expression_methods!(
    /// Comparisons of an expression.
    impl[T] Expr<T>
);

impl<M: Model, T> Column<M, T> {
    fn node(self) -> Node {
        Expr::from(self).node
    }

    /// The column as an expression.
    pub fn expr(self) -> Expr<T> {
        Expr::from(self)
    }
}

impl<T> Expr<T> {
    fn node(self) -> Node {
        self.node
    }
}
