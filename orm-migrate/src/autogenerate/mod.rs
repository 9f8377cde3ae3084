//! Autogenerate: the models compared with a schema (reflected from a live database, or built by
//! replaying the migration history) into a list of operations, what was detected, said the way
//! Alembic says it, and the new revision file.

mod compare;
mod filter;
mod render;
mod revision;

pub use compare::{compare, Diff};
pub use filter::TableFilter;
pub use render::{detected, warnings};
pub use revision::{generate, generate_filtered, Generated};
