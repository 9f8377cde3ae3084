//! Test support: an engine per backend, so that every scenario runs on SQLite and on PostgreSQL from
//! one test body.
//!
//! PostgreSQL tests connect to the server named by [`POSTGRES_URL_VAR`] (`TEST_POSTGRES_URL`), each in a
//! schema of its own that is dropped afterwards, so tests run in parallel. Without the variable they
//! are skipped with a note on stderr, except under CI (`CI` set), where a missing server is a failure.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

pub use orm_core::{Engine, EngineBuilder};

/// The environment variable holding the PostgreSQL server's URL.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

/// The error type of test bodies.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A fresh in-memory SQLite engine.
///
/// # Panics
///
/// When SQLite cannot open a memory database (never expected).
pub fn sqlite() -> Engine {
    sqlite_with(|b| b)
}

/// A fresh in-memory SQLite engine with builder options.
///
/// # Panics
///
/// When SQLite cannot open a memory database (never expected).
pub fn sqlite_with(options: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Engine {
    options(Engine::builder("sqlite::memory:"))
        .build()
        .expect("open an in-memory sqlite database")
}

/// A PostgreSQL engine working in a schema of its own; the schema is dropped with it.
#[derive(Debug)]
pub struct PgDb {
    /// The engine, its search path set to the test's schema.
    pub engine: Engine,
    admin: Engine,
    schema: String,
}

impl PgDb {
    /// The test's schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = self.admin.connection() {
            let _ = conn.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.schema
            ));
        }
    }
}

/// A PostgreSQL engine in a fresh schema, or `None` (with a note) when [`POSTGRES_URL_VAR`] is unset.
///
/// # Panics
///
/// Under CI when the variable is unset, and when the server cannot be reached: a PostgreSQL test must
/// never pass silently there.
pub fn postgres() -> Option<PgDb> {
    postgres_with(|b| b)
}

/// [`postgres`] with builder options for the test's engine.
///
/// # Panics
///
/// As [`postgres`].
pub fn postgres_with(options: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Option<PgDb> {
    let url = match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{POSTGRES_URL_VAR} must be set in CI: the PostgreSQL tests may not be skipped there"
            );
            static NOTE: Once = Once::new();
            NOTE.call_once(|| {
                // Written to the real stderr, past the test harness's capture, so that the skip shows.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {POSTGRES_URL_VAR} is not set: the PostgreSQL half of the tests is skipped"
                );
            });
            return None;
        }
    };
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let schema = format!(
        "orm_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin = Engine::builder(&url)
        .max_connections(1)
        .build()
        .unwrap_or_else(|e| {
            panic!("cannot reach the PostgreSQL server at {POSTGRES_URL_VAR}: {e}")
        });
    admin
        .connection()
        .and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\""
            ))
        })
        .unwrap_or_else(|e| panic!("cannot create the test schema {schema}: {e}"));
    let engine = options(
        Engine::builder(&url)
            .search_path(&schema)
            .max_connections(4),
    )
    .build()
    .unwrap_or_else(|e| panic!("cannot connect to the test schema {schema}: {e}"));
    Some(PgDb {
        engine,
        admin,
        schema,
    })
}

/// Defines a test that runs one body on SQLite and on PostgreSQL: `name::sqlite` and `name::postgres`.
///
/// ```text
/// db_test!(fn creates_tables(engine) {
///     engine.create_all()?;
///     Ok(())
/// });
/// ```
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* fn $name:ident($engine:ident) $body:block) => {
        $crate::db_test!($(#[$meta])* fn $name($engine) with |b| b; $body);
    };
    // The same, with engine builder options: `fn name(engine) with |b| b.echo(true); { ... }`.
    ($(#[$meta:meta])* fn $name:ident($engine:ident) with $options:expr; $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($engine: &$crate::Engine) -> $crate::TestResult $body

            #[test]
            fn sqlite() -> $crate::TestResult {
                body(&$crate::sqlite_with($options))
            }

            #[test]
            fn postgres() -> $crate::TestResult {
                match $crate::postgres_with($options) {
                    Some(db) => body(&db.engine),
                    None => Ok(()),
                }
            }
        }
    };
}

/// The fastest of `runs` timed runs of `f` (its result is kept from being optimised away): the
/// benchmarks' measure, least disturbed by whatever else the machine does.
pub fn fastest_of(runs: usize, mut f: impl FnMut() -> usize) -> std::time::Duration {
    (0..runs)
        .map(|_| {
            let start = std::time::Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}
