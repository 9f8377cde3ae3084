//! What a column of type `T` may be compared with: [`IntoOperand<T>`]. The impls are chosen so that
//! `Student::firstname.eq("Sammy")` and `User::id.eq(1)` (an `Option<i64>` column) compile, and
//! `User::id.eq("x")` does not.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::column::Column;
use super::expr::{Expr, Kind, Node};
use super::select_clauses::SelectCore;
use crate::model::Model;
use crate::value::SqlType;

/// A value or expression that can stand on the right of a comparison with an expression of type `T`:
///
/// - a value of `T` itself;
/// - a `&str` or `&String` for a `String` (or `Option<String>`) column;
/// - a `T` for an `Option<T>` column (`User::id.eq(1)`), and `None` (written `IS NULL`);
/// - another column or expression of type `T`, `Option<T>`, or `U` where `T` is `Option<U>` (a foreign
///   key compared with the key it refers to).
#[diagnostic::on_unimplemented(
    message = "a column of type `{T}` cannot be compared with `{Self}`",
    label = "expected a value or column of type `{T}`",
    note = "compare with a `{T}`, with a `T` for an `Option<T>` column, a `&str` for a `String` column, or another column of the same type"
)]
pub trait IntoOperand<T> {
    /// The operand's node.
    fn into_operand(self) -> Node;
}

impl<T: SqlType> IntoOperand<T> for T {
    fn into_operand(self) -> Node {
        Node::value(self.to_value())
    }
}

impl<T: SqlType> IntoOperand<Option<T>> for T {
    fn into_operand(self) -> Node {
        Node::value(self.to_value())
    }
}

impl IntoOperand<String> for &str {
    fn into_operand(self) -> Node {
        Node::value(self.into())
    }
}

impl IntoOperand<Option<String>> for &str {
    fn into_operand(self) -> Node {
        Node::value(self.into())
    }
}

impl IntoOperand<String> for &String {
    fn into_operand(self) -> Node {
        Node::value(self.as_str().into())
    }
}

impl IntoOperand<Option<String>> for &String {
    fn into_operand(self) -> Node {
        Node::value(self.as_str().into())
    }
}

impl<M: Model, T> IntoOperand<T> for Column<M, T> {
    fn into_operand(self) -> Node {
        Expr::from(self).node
    }
}

impl<M: Model, T> IntoOperand<Option<T>> for Column<M, T> {
    fn into_operand(self) -> Node {
        Expr::from(self).node
    }
}

impl<M: Model, T> IntoOperand<T> for Column<M, Option<T>> {
    fn into_operand(self) -> Node {
        Expr::from(self).node
    }
}

impl<T> IntoOperand<T> for Expr<T> {
    fn into_operand(self) -> Node {
        self.node
    }
}

impl<T> IntoOperand<Option<T>> for Expr<T> {
    fn into_operand(self) -> Node {
        self.node
    }
}

impl<T> IntoOperand<T> for Expr<Option<T>> {
    fn into_operand(self) -> Node {
        self.node
    }
}

/// A one-column subquery of type `T`, for `in_` / `not_in` and as a scalar.
///
/// Made with [`crate::query::Select::subquery`].
#[derive(Clone, Debug)]
pub struct Subquery<T> {
    pub(crate) core: SelectCore,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T> Subquery<T> {
    pub(crate) fn new(core: SelectCore) -> Self {
        Subquery {
            core,
            _type: std::marker::PhantomData,
        }
    }

    /// The subquery as a scalar expression (`(SELECT ...)`): NULL when it returns no row.
    pub fn scalar(self) -> Expr<Option<T>> {
        Expr::new(Node(Kind::Subquery(Box::new(self.core))))
    }
}

/// The right side of `IN`: the values of a list (`Vec`, array, slice iterator...), or a subquery.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of `{T}` values nor a subquery of `{T}`",
    label = "expected a list or subquery of `{T}`"
)]
pub trait InOperand<T> {
    /// The operand.
    fn into_in(self) -> InRhs;
}

/// The right side of `IN`, built by [`InOperand`].
#[derive(Debug)]
pub struct InRhs(pub(crate) InKind);

#[derive(Debug)]
pub(crate) enum InKind {
    List(Vec<Node>),
    Select(Box<SelectCore>),
}

impl<T, I> InOperand<T> for I
where
    I: IntoIterator,
    I::Item: IntoOperand<T>,
{
    fn into_in(self) -> InRhs {
        InRhs(InKind::List(
            self.into_iter().map(IntoOperand::into_operand).collect(),
        ))
    }
}

impl<T> InOperand<T> for Subquery<T> {
    fn into_in(self) -> InRhs {
        InRhs(InKind::Select(Box::new(self.core)))
    }
}

impl<T> InOperand<Option<T>> for Subquery<T> {
    fn into_in(self) -> InRhs {
        InRhs(InKind::Select(Box::new(self.core)))
    }
}

impl<T> InOperand<T> for Subquery<Option<T>> {
    fn into_in(self) -> InRhs {
        InRhs(InKind::Select(Box::new(self.core)))
    }
}

/// Text types: `String` and `Option<String>`, which LIKE and its helpers accept.
pub trait Text {}
impl Text for String {}
impl Text for Option<String> {}

/// Numeric types that `sum` and `avg` accept; `Sum` is the type of the sum (integers add up as
/// `i64`, floats as `f64`).
pub trait Numeric {
    /// The type the sum is returned as.
    type Sum: SqlType;
    /// True when the sum is cast to BIGINT, false for DOUBLE PRECISION.
    #[doc(hidden)]
    const INTEGER: bool;
}

macro_rules! numeric {
    ($($t:ty => $sum:ty, $int:expr;)*) => {$(
        impl Numeric for $t {
            type Sum = $sum;
            const INTEGER: bool = $int;
        }
        impl Numeric for Option<$t> {
            type Sum = $sum;
            const INTEGER: bool = $int;
        }
    )*};
}

numeric! {
    i16 => i64, true;
    i32 => i64, true;
    i64 => i64, true;
    u8 => i64, true;
    u16 => i64, true;
    u32 => i64, true;
    f32 => f64, false;
    f64 => f64, false;
}

/// A type with a "not null" form, for aggregates that return NULL over no rows: `min` and `max` of a
/// `T` or an `Option<T>` column are an `Option<T>`.
pub trait Nullable {
    /// The type without its `Option`.
    type Base: SqlType;
}

macro_rules! nullable {
    ($($t:ty),*) => {$(
        impl Nullable for $t {
            type Base = $t;
        }
        impl Nullable for Option<$t> {
            type Base = $t;
        }
    )*};
}

nullable!(
    bool,
    i16,
    i32,
    i64,
    f32,
    f64,
    String,
    Vec<u8>,
    NaiveDate,
    NaiveDateTime,
    DateTime<Utc>
);
