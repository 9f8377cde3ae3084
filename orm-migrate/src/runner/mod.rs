//! The runner: the version table, upgrades and downgrades to a target, each revision in its own
//! transaction, stamping, `check`, and offline SQL.

mod migrator;
mod offline;
mod plan;
mod progress;
mod version;

pub use migrator::{check, check_filtered, Migrator};
pub use offline::{downgrade_sql, upgrade_sql};
pub use plan::{downgrade_plan, upgrade_plan};
pub use progress::PROGRESS_TABLE;
pub use version::VERSION_TABLE;
