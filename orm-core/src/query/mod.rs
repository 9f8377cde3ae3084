//! The typed query builder.

mod column;
mod writer;

pub use column::Column;
pub use writer::SqlWriter;
