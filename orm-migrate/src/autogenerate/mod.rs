//! Autogenerate: the models compared with a schema (reflected from a live database, or built by
//! replaying the migration history) into a list of operations, and what was detected, said the way
//! Alembic says it.

mod compare;
mod render;

pub use compare::{compare, Diff};
pub use render::{detected, warnings};
