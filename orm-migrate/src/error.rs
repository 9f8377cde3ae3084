//! The crate's one error type.

use std::path::PathBuf;

/// What can go wrong while reflecting, comparing, reading migration files or running them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A database or metadata error from `orm-core`.
    #[error(transparent)]
    Core(#[from] orm_core::Error),
    /// A file or directory could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `create directory`).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A migration file that cannot be parsed; the message names the line where it can.
    #[error("malformed migration file {}: {message}", path.display())]
    MalformedFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// An operation that does not fit the schema it is applied to (a missing table or column).
    #[error("cannot apply `{operation}`: {reason}")]
    InvalidOperation {
        /// The operation, described.
        operation: String,
        /// Why it does not apply.
        reason: String,
    },
    /// The repository has more than one head where one is needed.
    #[error("multiple heads: {}; run `merge` to join them into one", heads.join(", "))]
    MultipleHeads {
        /// The head revisions.
        heads: Vec<String>,
    },
    /// No revision has this id or prefix.
    #[error("unknown revision `{0}`")]
    UnknownRevision(String),
    /// The database is recorded at a revision the repository does not have.
    #[error(
        "the database is at revision {revision}, which the migration repository {} does not have \
         (a deleted migration file, or one of another branch): restore that migration, or record \
         the revision the database matches with `stamp <revision>`",
        directory.display()
    )]
    DatabaseAtUnknownRevision {
        /// The revision in the database's version table.
        revision: String,
        /// The repository's directory.
        directory: PathBuf,
    },
    /// An upgrade from base over tables that exist already (made by `create_all`, or by hand).
    #[error(
        "the database has no recorded revision but already has the table(s) {} that {revision} \
         creates: if they match the models (made by `create_all`), record the revision they \
         match with `stamp {revision}` (or `stamp head`) instead of upgrading, then upgrade from \
         there",
        tables.join(", ")
    )]
    TablesExist {
        /// The tables the plan would create that exist.
        tables: Vec<String>,
        /// The first revision that creates one of them.
        revision: String,
    },
    /// A downgrade past a migration that says it cannot be undone.
    #[error("revision {0} is irreversible (`irreversible = true`): it cannot be downgraded")]
    Irreversible(String),
    /// A revision prefix that matches more than one revision.
    #[error("revision prefix `{prefix}` is ambiguous: it matches {}", candidates.join(", "))]
    AmbiguousRevision {
        /// The prefix given.
        prefix: String,
        /// The revisions it matches.
        candidates: Vec<String>,
    },
    /// An upgrade or downgrade target that cannot be resolved.
    #[error("invalid target `{target}`: {reason}")]
    InvalidTarget {
        /// The target as given.
        target: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The revision graph is broken (a missing down revision, a cycle, a duplicate id).
    #[error("broken revision graph: {0}")]
    Graph(String),
    /// Rows that violate foreign keys after a migration; the migration was rolled back.
    #[error("foreign key check failed after {revision}: {}", violations.join("; "))]
    ForeignKeyCheck {
        /// The revision whose migration was rolled back.
        revision: String,
        /// One entry per violating row: `table rowid -> referred table`.
        violations: Vec<String>,
    },
    /// The migrations directory is missing (or, for `init`, already there).
    #[error("{message}: {}", path.display())]
    Repository {
        /// What is wrong.
        message: &'static str,
        /// The directory.
        path: PathBuf,
    },
    /// A migration that failed partway on a database whose DDL cannot be rolled back (MySQL): the
    /// operations before the failing one stay applied and are recorded, the version table still
    /// names the revision before; running the migration again resumes at the failing operation.
    #[error(
        "{direction} {revision} failed at operation {failed} of {total} ({operation}): {source}; \
         operations 1 to {applied} were applied and stay (this database commits DDL as it runs), and \
         the database is still recorded at the revision before: fix the cause and run {direction} \
         again to resume at operation {failed}",
        applied = failed - 1
    )]
    PartialMigration {
        /// `upgrade` or `downgrade`.
        direction: &'static str,
        /// The revision being applied.
        revision: String,
        /// The failing operation, counted from 1.
        failed: usize,
        /// The migration's number of operations.
        total: usize,
        /// The failing operation, described.
        operation: String,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },
    /// A migration that stopped partway on another run, when a different one was asked for.
    #[error(
        "the database is partway through {direction} {revision} ({applied} operations applied): \
         run {direction} again to finish it, or repair the schema by hand and `stamp` a revision"
    )]
    MigrationInProgress {
        /// `upgrade` or `downgrade`.
        direction: String,
        /// The revision partway applied.
        revision: String,
        /// How many of its operations were applied.
        applied: usize,
    },
    /// Another migrator held the migration lock for longer than the wait (60 s).
    #[error("another migrator has held the migration lock for 60 s; try again when it is done")]
    LockTimeout,
    /// Something this tool cannot do on this database.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid_op(operation: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        Error::InvalidOperation {
            operation: operation.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
