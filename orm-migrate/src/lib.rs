//! `orm-migrate`: the Alembic / Flask-Migrate workflow for `orm-core` models.
//!
//! Where to find things:
//!
//! - [`cli`]: the `flask db`-style command line, embedded by an application in one line.
//! - [`ops`]: the dialect-neutral operations a migration file holds, each with its reverse, and the
//!   [`ops::SchemaState`] that replaying them builds.
//! - [`repository`]: the migrations directory of TOML files and the revision graph.
//! - [`runner`]: upgrade, downgrade, stamp, current and check against a live database; offline SQL.
//! - [`reflect`]: a live database's schema as `orm-core` table definitions.
//! - [`autogenerate`]: the models compared with a schema → operations and what was detected.
//! - [`ddl`]: operations rendered to SQL per dialect (SQLite table rebuilds included).
#![forbid(unsafe_code)]

pub mod autogenerate;
pub mod cli;
pub mod ddl;
pub mod error;
pub mod ops;
pub mod reflect;
pub mod repository;
pub mod runner;
pub mod testing;

pub use error::{Error, Result};
pub use ops::{Operation, SchemaState};
