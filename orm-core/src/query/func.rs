//! SQL functions and aggregates: `count`, `sum`, `avg`, `min`, `max`, `lower`, `exists`.
//!
//! Aggregates are cast where the backends disagree (PostgreSQL's SUM of a BIGINT and AVG are NUMERIC),
//! so they decode to the same Rust type on both.

use super::expr::{CastTo, Expr, Kind, Node};
use super::operand::{Nullable, Numeric, Text};
use super::select_query::Select;

/// `COUNT(*)`: the number of rows (of each group).
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::{func, select};
///
/// #[derive(Model, Debug)]
/// struct Post {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     user_id: i64,
/// }
///
/// let q = select::<Post>()
///     .columns((Post::user_id, func::count_all()))
///     .group_by(Post::user_id)
///     .having(func::count_all().gt(1));
/// let (sql, _) = q.build(&orm_core::dialect::Postgres)?;
/// assert_eq!(
///     sql,
///     r#"SELECT "post"."user_id", COUNT(*) FROM "post" GROUP BY "post"."user_id" HAVING COUNT(*) > $1"#
/// );
/// # Ok::<(), orm_core::Error>(())
/// ```
pub fn count_all() -> Expr<i64> {
    Expr::new(Node(Kind::Func(
        "COUNT",
        vec![Node(Kind::Literal("*"))],
        false,
    )))
}

/// `COUNT(expr)`: the number of non-NULL values.
pub fn count<T>(expr: impl Into<Expr<T>>) -> Expr<i64> {
    Expr::new(Node(Kind::Func("COUNT", vec![expr.into().node], false)))
}

/// `COUNT(DISTINCT expr)`.
pub fn count_distinct<T>(expr: impl Into<Expr<T>>) -> Expr<i64> {
    Expr::new(Node(Kind::Func("COUNT", vec![expr.into().node], true)))
}

/// `SUM(expr)`, NULL over no rows; integers sum as `i64`, floats as `f64`.
pub fn sum<T: Numeric>(expr: impl Into<Expr<T>>) -> Expr<Option<T::Sum>> {
    let cast = if T::INTEGER {
        CastTo::BigInt
    } else {
        CastTo::Double
    };
    let sum = Node(Kind::Func("SUM", vec![expr.into().node], false));
    Expr::new(Node(Kind::Cast(Box::new(sum), cast)))
}

/// `AVG(expr)` as an `f64`, NULL over no rows.
pub fn avg<T: Numeric>(expr: impl Into<Expr<T>>) -> Expr<Option<f64>> {
    let avg = Node(Kind::Func("AVG", vec![expr.into().node], false));
    Expr::new(Node(Kind::Cast(Box::new(avg), CastTo::Double)))
}

/// `MIN(expr)`, NULL over no rows.
pub fn min<T: Nullable>(expr: impl Into<Expr<T>>) -> Expr<Option<T::Base>> {
    Expr::new(Node(Kind::Func("MIN", vec![expr.into().node], false)))
}

/// `MAX(expr)`, NULL over no rows.
pub fn max<T: Nullable>(expr: impl Into<Expr<T>>) -> Expr<Option<T::Base>> {
    Expr::new(Node(Kind::Func("MAX", vec![expr.into().node], false)))
}

/// `lower(expr)`.
pub fn lower<T: Text>(expr: impl Into<Expr<T>>) -> Expr<T> {
    Expr::new(Node(Kind::Func("lower", vec![expr.into().node], false)))
}

/// `EXISTS (SELECT 1 FROM ...)`: true when the query returns a row. The subquery may refer to the
/// tables of the outer query (a correlated subquery).
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::{func, select};
///
/// #[derive(Model, Debug)]
/// struct User {
///     #[orm(primary_key)]
///     id: Option<i64>,
/// }
///
/// #[derive(Model, Debug)]
/// struct Post {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     #[orm(foreign_key = User)]
///     user_id: i64,
/// }
///
/// let with_posts = select::<User>().filter(func::exists(
///     select::<Post>().filter(Post::user_id.eq(User::id)),
/// ));
/// let (sql, _) = with_posts.build(&orm_core::dialect::Sqlite)?;
/// assert_eq!(
///     sql,
///     r#"SELECT "user"."id" FROM "user" WHERE EXISTS (SELECT 1 FROM "post" WHERE "post"."user_id" = "user"."id")"#
/// );
/// # Ok::<(), orm_core::Error>(())
/// ```
pub fn exists<S>(query: Select<S>) -> Expr<bool> {
    let mut core = query.core;
    core.columns = vec![Node(Kind::Literal("1"))];
    Expr::new(Node(Kind::Exists(Box::new(core))))
}
