//! The arguments, parsed by clap.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Database migrations for the application's models.
#[derive(Debug, Parser)]
#[command(
    name = "db",
    version,
    about = "Database migrations for the application's models"
)]
pub struct Cli {
    /// The database URL (default: the DATABASE_URL environment variable, else sqlite:///app.db).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// The migration repository.
    #[arg(long, short = 'd', global = true, default_value = crate::repository::DEFAULT_DIRECTORY)]
    pub directory: PathBuf,
    /// `migrate` and `check` look only at tables matching this glob pattern (repeatable).
    #[arg(long = "include-table", global = true, value_name = "PATTERN")]
    pub include_tables: Vec<String>,
    /// `migrate` and `check` never look at tables matching this glob pattern (repeatable): tables
    /// another application or an extension owns in the same database.
    #[arg(long = "exclude-table", global = true, value_name = "PATTERN")]
    pub exclude_tables: Vec<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates the migration repository.
    Init,
    /// Generates a revision from the difference between the models and the migration history.
    Migrate {
        /// The revision message.
        #[arg(short, long, default_value = "")]
        message: String,
        /// Compares with the live database instead of the migration history.
        #[arg(long)]
        from_db: bool,
    },
    /// Writes an empty revision after the head, for operations written by hand (a data migration).
    Revision {
        /// The revision message.
        #[arg(short, long, default_value = "")]
        message: String,
    },
    /// Upgrades the database to a later revision.
    Upgrade {
        /// `head`, `heads`, `+N` or a revision (prefix); with --sql, `FROM:TO` is allowed.
        #[arg(default_value = "head")]
        target: String,
        /// Prints the SQL instead of running it.
        #[arg(long)]
        sql: bool,
    },
    /// Reverts the database to an earlier revision.
    Downgrade {
        /// `base`, `-N` or a revision (prefix); with --sql, `FROM:TO` (FROM defaults to the head).
        #[arg(default_value = "-1", allow_hyphen_values = true)]
        target: String,
        /// Prints the SQL instead of running it.
        #[arg(long)]
        sql: bool,
    },
    /// Records a revision as the database's without running migrations.
    Stamp {
        /// `head`, `heads`, `base` or a revision (prefix).
        target: String,
    },
    /// Shows the database's revision.
    Current,
    /// Lists the revisions, newest first.
    History,
    /// Shows the head revisions.
    Heads,
    /// Joins the heads into one revision.
    Merge {
        /// The revision message.
        #[arg(short, long, default_value = "merge heads")]
        message: String,
    },
    /// Exit code 0 when the models and the database agree, 1 when they differ, 2 when the check
    /// could not be made (bad arguments, an unreachable database, an unreadable repository).
    Check,
}
