//! Test support: an engine per backend, so that every scenario runs on SQLite, PostgreSQL and
//! MySQL/MariaDB from one test body.
//!
//! PostgreSQL tests connect to the server named by [`POSTGRES_URL_VAR`] (`TEST_POSTGRES_URL`), each in a
//! schema of its own that is dropped afterwards, so tests run in parallel. MySQL tests connect to the
//! server named by [`MYSQL_URL_VAR`] (`TEST_MYSQL_URL`), each in a database of its own, twice: with the
//! capabilities the server has, and with MySQL 8's (no `RETURNING`), so that both paths run against a
//! real server. Without a variable its half is skipped with a note on stderr, except under CI (`CI`
//! set), where a missing server is a failure.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

pub use orm_core::{Engine, EngineBuilder};

/// The environment variable holding the PostgreSQL server's URL.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

/// The environment variable holding the MySQL or MariaDB server's URL.
pub const MYSQL_URL_VAR: &str = "TEST_MYSQL_URL";

/// The environment variable holding the certificate authority (PEM) that signed the PostgreSQL
/// server's certificate, for the TLS tests; the server's certificate names `localhost`.
pub const POSTGRES_SSLROOTCERT_VAR: &str = "TEST_POSTGRES_SSLROOTCERT";

/// The environment variable holding the URL of a streaming replica of the PostgreSQL server.
pub const POSTGRES_REPLICA_URL_VAR: &str = "TEST_POSTGRES_REPLICA_URL";

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
    let url = server_url(POSTGRES_URL_VAR, "PostgreSQL")?;
    let schema = unique_name();
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

/// The PostgreSQL server's URL and the file of the certificate authority that signed its
/// certificate, or `None` (with a note) when [`POSTGRES_URL_VAR`] or [`POSTGRES_SSLROOTCERT_VAR`]
/// is unset.
///
/// # Panics
///
/// Under CI when a variable is unset.
pub fn postgres_tls() -> Option<(String, String)> {
    let url = server_url(POSTGRES_URL_VAR, "PostgreSQL")?;
    let ca = server_url(POSTGRES_SSLROOTCERT_VAR, "PostgreSQL TLS")?;
    Some((url, ca))
}

/// The URL of a streaming replica of the PostgreSQL server, or `None` (with a note) when
/// [`POSTGRES_REPLICA_URL_VAR`] is unset.
///
/// # Panics
///
/// Under CI when it is unset.
pub fn postgres_replica_url() -> Option<String> {
    server_url(POSTGRES_REPLICA_URL_VAR, "PostgreSQL replica")
}

/// A name no other test of any process uses at the same time.
fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "orm_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The URL of the server named by `var`, or `None` (with a note, once) when it is unset.
///
/// # Panics
///
/// Under CI when the variable is unset.
fn server_url(var: &str, half: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{var} must be set in CI: the {half} tests may not be skipped there"
            );
            static NOTES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
            let mut notes = NOTES.lock().unwrap_or_else(|p| p.into_inner());
            if !notes.iter().any(|v| v == var) {
                notes.push(var.to_owned());
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {var} is not set: the {half} half of the tests is skipped"
                );
            }
            None
        }
    }
}

/// A MySQL or MariaDB engine working in a database of its own; the database is dropped with it.
#[derive(Debug)]
pub struct MySqlDb {
    /// The engine, connected to the test's database.
    pub engine: Engine,
    admin: Engine,
    database: String,
}

impl MySqlDb {
    /// The test's database.
    pub fn database(&self) -> &str {
        &self.database
    }
}

impl Drop for MySqlDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = self.admin.connection() {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.database));
        }
    }
}

/// `url` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let (head, rest) = url.split_at(start);
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(host_end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{head}{host}/{database}{query}")
}

/// [`mysql_with`] without builder options.
///
/// # Panics
///
/// As [`mysql_with`].
pub fn mysql() -> Option<MySqlDb> {
    mysql_with(|b| b)
}

/// A MySQL engine in a fresh database, with the capabilities the server has, or `None` (with a note)
/// when [`MYSQL_URL_VAR`] is unset.
///
/// # Panics
///
/// Under CI when the variable is unset, and when the server cannot be reached.
pub fn mysql_with(options: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Option<MySqlDb> {
    let url = server_url(MYSQL_URL_VAR, "MySQL")?;
    let database = unique_name();
    let admin = Engine::builder(&url)
        .max_connections(1)
        .build()
        .unwrap_or_else(|e| panic!("cannot reach the MySQL server at {MYSQL_URL_VAR}: {e}"));
    admin
        .connection()
        .and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS `{database}`; CREATE DATABASE `{database}`"
            ))
        })
        .unwrap_or_else(|e| panic!("cannot create the test database {database}: {e}"));
    let engine = options(Engine::builder(&with_database(&url, &database)).max_connections(4))
        .build()
        .unwrap_or_else(|e| panic!("cannot connect to the test database {database}: {e}"));
    Some(MySqlDb {
        engine,
        admin,
        database,
    })
}

/// [`mysql_with`] with MySQL 8's capabilities whatever the server is: no `RETURNING`, keys from the
/// connection.
///
/// # Panics
///
/// As [`mysql_with`].
pub fn mysql8_with(options: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Option<MySqlDb> {
    mysql_with(|b| options(b.mysql_dialect(orm_core::dialect::MySql::MYSQL8)))
}

/// Defines a test that runs one body on SQLite, PostgreSQL and MySQL: `name::sqlite`,
/// `name::postgres`, `name::mysql` (the server's own capabilities) and `name::mysql8` (MySQL 8's).
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

            #[test]
            fn mysql() -> $crate::TestResult {
                match $crate::mysql_with($options) {
                    Some(db) => body(&db.engine),
                    None => Ok(()),
                }
            }

            #[test]
            fn mysql8() -> $crate::TestResult {
                match $crate::mysql8_with($options) {
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

/// A TCP proxy in front of a server, for fault tests: it forwards until told to go silent (accept
/// connections and never answer) or to cut every open connection.
pub mod proxy {
    use std::io::{Read, Write};
    use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// What the proxy does with new connections.
    #[derive(Debug)]
    pub struct Proxy {
        addr: SocketAddr,
        silent: Arc<AtomicBool>,
        open: Arc<Mutex<Vec<TcpStream>>>,
        stop: Arc<AtomicBool>,
    }

    impl Proxy {
        /// A proxy on a free loopback port forwarding to `upstream` (`host:port`).
        ///
        /// # Panics
        ///
        /// When no loopback port can be bound.
        pub fn start(upstream: &str) -> Proxy {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
            let addr = listener.local_addr().expect("its address");
            let silent = Arc::new(AtomicBool::new(false));
            let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
            let stop = Arc::new(AtomicBool::new(false));
            let (s, o, st) = (silent.clone(), open.clone(), stop.clone());
            let upstream = upstream.to_owned();
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if st.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let keep = |stream: &TcpStream| {
                        if let Ok(c) = stream.try_clone() {
                            o.lock().unwrap_or_else(|p| p.into_inner()).push(c);
                        }
                    };
                    keep(&client);
                    if s.load(Ordering::Relaxed) {
                        continue; // held open, never answered
                    }
                    let Ok(server) = TcpStream::connect(&upstream) else {
                        let _ = client.shutdown(Shutdown::Both);
                        continue;
                    };
                    keep(&server);
                    pipe(&client, &server);
                    pipe(&server, &client);
                }
            });
            Proxy {
                addr,
                silent,
                open,
                stop,
            }
        }

        /// `host:port` of the proxy.
        pub fn addr(&self) -> SocketAddr {
            self.addr
        }

        /// New connections are accepted and never answered (or forwarded again with `false`).
        pub fn set_silent(&self, silent: bool) {
            self.silent.store(silent, Ordering::Relaxed);
        }

        /// Cuts every connection made through the proxy so far, both ways.
        pub fn cut_all(&self) {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            for s in open.drain(..) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    impl Drop for Proxy {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            self.cut_all();
            // Wakes the accept loop so that it sees the stop.
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        }
    }

    fn pipe(from: &TcpStream, to: &TcpStream) {
        let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
            return;
        };
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = to.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
        });
    }
}

/// The benchmarks compare the ORM with the raw `postgres` driver, which they connect without TLS
/// (`NoTls`); the ORM's engines must then speak plain TCP too, rather than libpq's default `prefer`.
/// Adds `sslmode=disable` to [`POSTGRES_URL_VAR`] and [`POSTGRES_REPLICA_URL_VAR`] unless they name
/// an `sslmode` already. Call it first thing in a benchmark's `main`.
pub fn plain_postgres_for_benchmarks() {
    for var in [POSTGRES_URL_VAR, POSTGRES_REPLICA_URL_VAR] {
        if let Ok(url) = std::env::var(var) {
            if !url.is_empty() && !url.contains("sslmode=") {
                let sep = if url.contains('?') { '&' } else { '?' };
                std::env::set_var(var, format!("{url}{sep}sslmode=disable"));
            }
        }
    }
}
