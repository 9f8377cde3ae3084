//! The r2d2 connection manager: opens backend connections for the pool and discards broken ones.

use super::url::Target;
#[cfg(feature = "mysql")]
use crate::backend::mysql::MySqlBackend;
#[cfg(feature = "postgres")]
use crate::backend::postgres::PostgresBackend;
#[cfg(feature = "sqlite")]
use crate::backend::sqlite::SqliteBackend;
use crate::backend::Backend;
use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Opens connections to one target.
#[derive(Debug)]
pub(crate) struct Manager {
    pub(crate) target: Target,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) search_path: Option<String>,
    /// The MySQL dialect the builder asked for, over the one the server's version suggests.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    pub(crate) mysql_dialect: Option<&'static crate::dialect::MySql>,
    /// SQLite files only: write-ahead logging (readers and one writer at once).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) sqlite_wal: bool,
    /// SQLite only: how long a writer waits for another's lock before [`Error::Busy`].
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) sqlite_busy_timeout: Duration,
    /// The most a server connection may take to open, TCP, TLS and authentication together.
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(crate) connect_timeout: Duration,
    /// PostgreSQL: the TLS connector, built once from `sslmode` and `sslrootcert`.
    #[cfg(feature = "tls")]
    pub(crate) pg_tls: Option<crate::backend::postgres::tls::Connector>,
}

impl Manager {
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
        allow(unreachable_code)
    )]
    pub(crate) fn open(&self) -> Result<Box<dyn Backend>> {
        Ok(match &self.target {
            #[cfg(feature = "sqlite")]
            Target::SqliteMemory(name) => {
                Box::new(SqliteBackend::open_memory(name, self.sqlite_busy_timeout)?)
            }
            #[cfg(feature = "sqlite")]
            Target::SqliteFile(path) => Box::new(SqliteBackend::open_file(
                path,
                self.sqlite_wal,
                self.sqlite_busy_timeout,
            )?),
            #[cfg(feature = "postgres")]
            Target::Postgres(target) => {
                let mut config = target.config.clone();
                // Bounds each TCP connect, so that the connecting thread also ends when the whole
                // connect timed out on an unreachable address.
                config.connect_timeout(self.connect_timeout);
                let search_path = self.search_path.clone();
                let place = format!("PostgreSQL at {}", postgres_place(&config));
                #[cfg(feature = "tls")]
                let tls = self.pg_tls.clone();
                #[cfg(not(feature = "tls"))]
                let tls = None;
                within(self.connect_timeout, &place, move || {
                    PostgresBackend::connect(&config, search_path.as_deref(), tls)
                        .map(|b| Box::new(b) as Box<dyn Backend>)
                })?
            }
            #[cfg(feature = "mysql")]
            Target::MySql(opts, _) => {
                let opts = (**opts).clone();
                let dialect = self.mysql_dialect;
                let place = format!(
                    "MySQL at {}:{}",
                    opts.get_ip_or_hostname(),
                    opts.get_tcp_port()
                );
                within(self.connect_timeout, &place, move || {
                    MySqlBackend::connect(&opts, dialect).map(|b| Box::new(b) as Box<dyn Backend>)
                })?
            }
            #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            Target::None => return Err(Error::config("orm-core was built without a driver")),
        })
    }
}

/// `host:port` of a PostgreSQL configuration (the first of each), for messages.
#[cfg(feature = "postgres")]
fn postgres_place(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

/// Runs a driver's connect on a thread of its own and waits at most `timeout` for it: the drivers'
/// own timeouts bound the TCP connect only, and a server that accepts the connection and then says
/// nothing would hold the caller for ever. A connect that gives up leaves its thread to end with
/// the driver's attempt; a connection that arrives after all is closed there.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn within(
    timeout: Duration,
    place: &str,
    open: impl FnOnce() -> Result<Box<dyn Backend>> + Send + 'static,
) -> Result<Box<dyn Backend>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("orm-connect".into())
        .spawn(move || {
            let _ = tx.send(open());
        })
        .map_err(|e| Error::Connect {
            message: format!("cannot connect to {place}: cannot start a thread: {e}"),
            source: Some(Box::new(e)),
        })?;
    let prefix = |message: String| format!("{place}: {message}");
    match rx.recv_timeout(timeout) {
        Ok(Ok(backend)) => Ok(backend),
        Ok(Err(Error::Connect { message, source })) => Err(Error::Connect {
            message: prefix(message),
            source,
        }),
        Ok(Err(other)) => Err(Error::Connect {
            message: prefix(other.to_string()),
            source: Some(Box::new(other)),
        }),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Error::Connect {
            message: prefix(format!(
                "no answer within the connect timeout ({:?})",
                timeout
            )),
            source: None,
        }),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Error::Connect {
            message: prefix("the driver panicked while connecting".to_owned()),
            source: None,
        }),
    }
}

/// A pooled backend connection and the engine's schema epoch its prepared statements were made in.
pub(crate) struct Pooled {
    pub(crate) backend: Box<dyn Backend>,
    pub(crate) epoch: u64,
    /// When it last went back to the pool.
    pub(crate) idle_since: Instant,
    /// A statement failed on it in a way that may mean it is dead: checked before its next use.
    pub(crate) suspect: bool,
}

impl std::fmt::Debug for Pooled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pooled")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = Error;

    fn connect(&self) -> Result<Self::Connection> {
        Ok(Pooled {
            backend: self.open()?,
            epoch: 0,
            idle_since: Instant::now(),
            suspect: false,
        })
    }

    fn is_valid(&self, conn: &mut Self::Connection) -> Result<()> {
        conn.backend.batch_execute("SELECT 1")
    }

    fn has_broken(&self, conn: &mut Self::Connection) -> bool {
        conn.backend.is_broken()
    }
}

/// Counts the pool's checkouts and how long they waited, from r2d2's events.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    checkouts: AtomicU64,
    wait_micros: AtomicU64,
    max_wait_micros: AtomicU64,
    timeouts: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> (u64, Duration, Duration, u64) {
        (
            self.checkouts.load(Ordering::Relaxed),
            Duration::from_micros(self.wait_micros.load(Ordering::Relaxed)),
            Duration::from_micros(self.max_wait_micros.load(Ordering::Relaxed)),
            self.timeouts.load(Ordering::Relaxed),
        )
    }
}

/// Feeds [`Counters`].
#[derive(Debug)]
pub(crate) struct CountEvents(pub(crate) Arc<Counters>);

impl r2d2::HandleEvent for CountEvents {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        let micros = u64::try_from(event.duration().as_micros()).unwrap_or(u64::MAX);
        let c = &self.0;
        c.checkouts.fetch_add(1, Ordering::Relaxed);
        c.wait_micros.fetch_add(micros, Ordering::Relaxed);
        c.max_wait_micros.fetch_max(micros, Ordering::Relaxed);
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.0.timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

/// How an engine's pool stands ([`crate::Engine::pool_status`]), SQLAlchemy's `pool.status()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStatus {
    /// The most connections the pool opens.
    pub max_connections: u32,
    /// Connections open now, in use or idle.
    pub connections: u32,
    /// Of those, idle in the pool.
    pub idle: u32,
    /// Connections taken from the pool since the engine was built.
    pub checkouts: u64,
    /// The time all checkouts spent waiting for a connection (to be returned or opened).
    pub total_wait: Duration,
    /// The longest any checkout waited.
    pub max_wait: Duration,
    /// Checkouts that gave up after the connect timeout.
    pub timeouts: u64,
}
