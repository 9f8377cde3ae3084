//! Seed 004's student application as a web application: axum on tokio, server-side templates
//! (askama), one ORM session per request run on the blocking pool (`Engine::run`), forms with
//! validation, flash messages, pagination, eager loading of each student's courses, and a schema
//! made by migrations through the embedded CLI.
//!
//! ```sh
//! cargo run -p student-app -- db upgrade   # the schema and the course catalogue
//! cargo run -p student-app                 # http://127.0.0.1:5000
//! ```
//!
//! `DATABASE_URL` chooses the database (`sqlite:///students.db` by default here; a PostgreSQL or
//! MariaDB URL works the same).

pub mod models;
pub mod web;

use std::path::PathBuf;

use orm_core::Engine;

pub use web::app;

/// The database this application uses when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:///students.db";

/// The application's migration repository (`migrations/` beside this crate's `Cargo.toml`).
pub fn migrations_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
}

/// `DATABASE_URL`, or [`DEFAULT_DATABASE_URL`].
pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// Upgrades `engine`'s database to the newest migration, quietly (`student_app db upgrade` does the
/// same with progress lines). Returns the revisions applied.
///
/// # Errors
///
/// A migration repository that cannot be read, or the first migration that fails.
pub fn upgrade(engine: &Engine) -> orm_migrate::Result<Vec<String>> {
    let repo = orm_migrate::repository::Repository::open(migrations_dir())?;
    let applied = orm_migrate::runner::Migrator::new(engine, &repo)
        .with_printer(|_| {})
        .upgrade("head")?;
    Ok(applied)
}

/// Whether `engine`'s database is at the newest migration.
///
/// # Errors
///
/// As [`upgrade`].
pub fn is_up_to_date(engine: &Engine) -> orm_migrate::Result<bool> {
    let repo = orm_migrate::repository::Repository::open(migrations_dir())?;
    let current = orm_migrate::runner::Migrator::new(engine, &repo).current()?;
    let heads = repo.graph().heads();
    Ok(current.len() == heads.len() && heads.iter().all(|h| current.iter().any(|c| c == h)))
}
