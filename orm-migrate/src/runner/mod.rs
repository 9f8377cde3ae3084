//! The runner: the version table, upgrades and downgrades, each migration in its own transaction.

mod version;

pub use version::VERSION_TABLE;
