//! Operations rendered to SQL for one dialect, at run time: one set of migration files serves SQLite
//! in development and PostgreSQL in production.
//!
//! PostgreSQL alters everything in place. SQLite rebuilds a table for what it cannot alter (see
//! [`sqlite`]), which needs the table's current definition: rendering therefore walks a
//! [`crate::SchemaState`], applying each operation after rendering it.

mod backend;
pub mod mysql;
mod plan;
pub mod postgres;
pub mod sqlite;

pub use backend::{for_dialect, MigrationBackend};
pub use plan::{render, render_all};
