//! The typed query builder.
//!
//! - [`select`] / [`select_columns`] build a [`Select`]; typed column expressions ([`Expr`]) filter
//!   it; [`func`] has the aggregates; [`alias`] names a table twice for self-joins.
//! - [`update`], [`delete`], [`insert`] (with ON CONFLICT: the upsert) and [`raw`] build the other
//!   statements; the session runs them all.
//! - Every statement is written by one [`SqlWriter`]: values are always bound parameters, identifiers
//!   always quoted by the dialect.

mod column;
mod delete;
pub(crate) mod expr;
pub mod func;
mod insert;
pub(crate) mod keyed;
mod operand;
mod ops;
mod order;
pub mod paginate;
mod raw;
mod returns;
mod select_clauses;
mod select_query;
pub(crate) mod update;
mod writer;

#[cfg(test)]
mod tests;

pub use column::Column;
pub use delete::{delete, Delete};
pub use expr::{and_all, or_any, Condition, Expr, Node};
pub use insert::{insert, insert_many, ColumnList, Insert};
pub use operand::{InOperand, InRhs, IntoOperand, Nullable, Numeric, Subquery, Text};
pub use order::Order;
pub use paginate::{Keyset, KeysetPage, Page, PageRequest};
pub use raw::{raw, Raw};
pub use returns::{alias, Alias, Entity, FromTable, Selection};
pub(crate) use select_clauses::{Join, SelectCore, Source};
pub use select_query::{select, select_columns, AsSelect, RowOf, Select};
pub use update::{update, Update};
pub use writer::SqlWriter;
