//! The typed query builder.

mod column;

pub use column::Column;
