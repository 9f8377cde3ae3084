//! The [`Engine`] and its [`EngineBuilder`]: the pool, the dialect, echo and statement listeners.

use super::event::Listener;
use super::pool::{CountEvents, Counters, Manager, PoolStatus};
use super::{Connection, ListenerId, RecordedStatement, StatementEvent, StatementLog};
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{ConstraintKind, ConstraintViolation, Error, Result};
use crate::schema::Metadata;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

/// The URL used by [`Engine::from_env`] when `DATABASE_URL` is not set.
pub const DEFAULT_URL: &str = "sqlite:///app.db";

/// A database: a pool of connections, shared by cloning (`Send + Sync + Clone`).
///
/// # Examples
///
/// ```
/// use orm_core::Engine;
///
/// let engine = Engine::connect("sqlite::memory:")?;
/// let mut conn = engine.connection()?;
/// conn.batch_execute("CREATE TABLE t (x INTEGER)")?;
/// // Another connection of the same engine sees the same in-memory database.
/// assert_eq!(engine.connection()?.table_names()?, ["t"]);
/// # Ok::<(), orm_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    pub(super) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(super) pool: r2d2::Pool<Manager>,
    pub(super) pool_counters: Arc<Counters>,
    pub(super) max_connections: u32,
    /// A connection idle for this long is checked before it is handed out.
    pub(super) validate_after_idle: Duration,
    /// The read replicas, in the order given.
    pub(super) replicas: Vec<Arc<super::replica::Replica>>,
    /// The replica the next session tries first.
    pub(super) next_replica: std::sync::atomic::AtomicUsize,
    pub(super) replica_max_lag: Duration,
    pub(super) replica_check_interval: Duration,
    pub(super) dialect: &'static dyn Dialect,
    /// Whether the flush reads generated keys with `RETURNING` (the dialect has it and the builder
    /// did not switch it off).
    pub(super) returning: bool,
    pub(super) url: String,
    pub(super) echo: AtomicBool,
    /// Statements slower than this many microseconds are logged as slow (0: none).
    pub(super) slow_micros: AtomicU64,
    pub(super) listeners: RwLock<Vec<(ListenerId, Listener)>>,
    pub(super) listening: AtomicBool,
    pub(super) next_listener: AtomicU64,
    pub(super) metadata: OnceLock<Option<Metadata>>,
    /// Statements the library builds again and again (a get by key per model), by (model, purpose).
    pub(super) sql_cache: RwLock<rustc_hash::FxHashMap<(std::any::TypeId, &'static str), Arc<str>>>,
    /// Counts this engine's schema changes: a pooled connection whose prepared statements are
    /// older forgets them before its next statement.
    pub(super) schema_epoch: AtomicU64,
    /// Keeps an in-memory SQLite database alive while the engine lives, whatever the pool closes.
    pub(super) _keeper: Mutex<Option<Box<dyn Backend>>>,
}

impl Shared {
    /// A connection from the pool, checked first when it idled past the threshold or failed
    /// before; a dead one is discarded and another taken.
    pub(super) fn checkout(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.checkout_checked(false)
    }

    /// As [`Shared::checkout`]; `always` checks every connection (after one was found dead, the
    /// others that idle beside it may be too).
    pub(super) fn checkout_checked(&self, always: bool) -> Result<r2d2::PooledConnection<Manager>> {
        // Every idle connection may be dead (a server restart); one more attempt opens a new one.
        for _ in 0..=self.max_connections {
            let mut conn = self.pool.get().map_err(|e| Error::Pool(e.to_string()))?;
            let check =
                always || conn.suspect || conn.idle_since.elapsed() >= self.validate_after_idle;
            if !check {
                return Ok(conn);
            }
            if conn.backend.is_broken() || conn.backend.ping().is_err() {
                conn.backend.mark_broken();
                continue;
            }
            conn.suspect = false;
            return Ok(conn);
        }
        Err(Error::Pool(
            "every pooled connection was dead, and so was a new one".to_owned(),
        ))
    }

    pub(super) fn has_listeners(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    pub(super) fn notify(&self, event: &StatementEvent<'_>) {
        let listeners = self.listeners.read().unwrap_or_else(|p| p.into_inner());
        for (_, listener) in listeners.iter() {
            listener(event);
        }
    }

    /// Fills what the database left out of a constraint violation of statement `sql`, from the
    /// statement and the model metadata: SQLite names the columns of a unique key but not the
    /// constraint, and neither table nor columns of a foreign key; PostgreSQL names a deleted
    /// parent's key columns against the child's table.
    pub(super) fn complete_error(&self, err: Error, sql: &str) -> Error {
        let Error::Constraint(mut v) = err else {
            return err;
        };
        let statement_table = crate::backend::statement_table(sql);
        if v.table.is_none() {
            v.table = statement_table.clone();
        }
        let metadata = self
            .metadata
            .get_or_init(|| Metadata::registered().ok())
            .as_ref();
        let Some(md) = metadata else {
            return Error::Constraint(v);
        };
        if v.kind == ConstraintKind::ForeignKey {
            complete_foreign_key(&mut v, md, sql);
        }
        if let Some(t) = v.table.as_deref().and_then(|t| md.table(t)) {
            if v.kind == ConstraintKind::Unique && v.constraint.is_none() && !v.columns.is_empty() {
                v.constraint = t.unique_over(&v.columns).map(str::to_owned);
            }
            if v.columns.is_empty() {
                if let Some(cols) = v
                    .constraint
                    .as_deref()
                    .and_then(|c| t.constraint_columns(c))
                {
                    v.columns = cols.to_vec();
                }
            }
        }
        Error::Constraint(v)
    }
}

/// A foreign key violation names the child table, the foreign key and its columns. A DELETE (or
/// key UPDATE) of a parent still referred to is reported against the parent's statement: the child
/// is the one table whose foreign key refers to it, when there is one.
fn complete_foreign_key(v: &mut ConstraintViolation, md: &Metadata, sql: &str) {
    let writes_parent = sql
        .trim_start()
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("delete"));
    let named = v.constraint.as_deref().and_then(|name| {
        md.tables().iter().find_map(|t| {
            t.foreign_keys
                .iter()
                .find(|fk| fk.name == name)
                .map(|fk| (t, fk))
        })
    });
    let found = named.or_else(|| {
        let table = v.table.as_deref()?;
        let candidates: Vec<_> = if writes_parent {
            md.tables()
                .iter()
                .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
                .filter(|(_, fk)| fk.ref_table == table)
                .collect()
        } else {
            let t = md.table(table)?;
            t.foreign_keys.iter().map(|fk| (t, fk)).collect()
        };
        match candidates.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    });
    if let Some((child, fk)) = found {
        v.table = Some(child.name.clone());
        v.constraint = Some(fk.name.clone());
        v.columns = fk.columns.clone();
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("url", &self.shared.url)
            .field("dialect", &self.shared.dialect.name())
            .finish_non_exhaustive()
    }
}

/// Configures an [`Engine`] before connecting.
#[derive(Clone)]
pub struct EngineBuilder {
    url: String,
    echo: bool,
    max_connections: u32,
    connect_timeout: Duration,
    checkout_timeout: Duration,
    validate_after_idle: Duration,
    search_path: Option<String>,
    implicit_returning: bool,
    mysql_dialect: Option<&'static crate::dialect::MySql>,
    sqlite_wal: bool,
    sqlite_busy_timeout: Duration,
    replicas: Vec<String>,
    replica_max_lag: Duration,
    replica_check_interval: Duration,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let replicas: Vec<String> = self
            .replicas
            .iter()
            .map(|u| super::url::redact(u))
            .collect();
        f.debug_struct("EngineBuilder")
            .field("url", &super::url::redact(&self.url))
            .field("replicas", &replicas)
            .field("max_connections", &self.max_connections)
            .field("connect_timeout", &self.connect_timeout)
            .field("checkout_timeout", &self.checkout_timeout)
            .finish_non_exhaustive()
    }
}

impl EngineBuilder {
    /// Logs every statement with its parameters at INFO level on the `orm::sql` tracing target (the
    /// `SQLALCHEMY_ECHO` analog).
    pub fn echo(mut self, echo: bool) -> Self {
        self.echo = echo;
        self
    }

    /// The most connections the pool opens (10 by default).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The most a new connection to a server may take, TCP, TLS and authentication together (10 s
    /// by default). A server that accepts the connection and then does not answer is given up on
    /// after this long, and a slow or unreachable server never holds up another engine.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long [`Engine::connection`] (and so a session's first statement) waits for a free
    /// connection when every one is in use, before [`Error::Pool`] (30 s by default, as
    /// SQLAlchemy's `pool_timeout`).
    pub fn checkout_timeout(mut self, timeout: Duration) -> Self {
        self.checkout_timeout = timeout;
        self
    }

    /// A pooled connection idle for at least this long is checked with a ping before it is handed
    /// out, and replaced when it is dead (1 s by default; a connection that failed is always
    /// checked). Connections in steady use are never pinged: a dead one met on the first statement
    /// of a checkout is replaced and the statement sent again, since nothing had happened on it.
    pub fn validate_after_idle(mut self, idle: Duration) -> Self {
        self.validate_after_idle = idle;
        self
    }

    /// Whether the flush may use `RETURNING` to read generated keys and server defaults back (on by
    /// default where the database has it; SQLAlchemy's `implicit_returning`). Off, rows are inserted
    /// one per statement and each generated key is read back from the connection, as on a database
    /// without `RETURNING`.
    pub fn implicit_returning(mut self, on: bool) -> Self {
        self.implicit_returning = on;
        self
    }

    /// PostgreSQL only: the schema every connection works in (`SET search_path`).
    pub fn search_path(mut self, schema: impl Into<String>) -> Self {
        self.search_path = Some(schema.into());
        self
    }

    /// MySQL only: the capabilities to use whatever the server's version says. By default a MariaDB
    /// 10.5+ server gets [`crate::dialect::MySql::MARIADB`] (with `RETURNING` on INSERT and DELETE)
    /// and any other [`crate::dialect::MySql::MYSQL8`]; asking for MySQL 8's on MariaDB exercises
    /// the paths without `RETURNING` against a real server.
    pub fn mysql_dialect(mut self, dialect: crate::dialect::MySql) -> Self {
        self.mysql_dialect = Some(if dialect.is_mariadb() {
            &crate::dialect::mysql::MARIADB
        } else {
            &crate::dialect::mysql::MYSQL8
        });
        self
    }

    /// SQLite files only: write-ahead logging (on by default), so that readers do not wait for a
    /// writer nor a writer for readers. The mode is kept in the database file; switching it off
    /// here leaves a file that is already in WAL mode as it is.
    pub fn sqlite_wal(mut self, on: bool) -> Self {
        self.sqlite_wal = on;
        self
    }

    /// SQLite only: how long a writer waits for another connection's (or process's) write lock
    /// before giving up with [`Error::Busy`] (10 s by default).
    pub fn sqlite_busy_timeout(mut self, timeout: Duration) -> Self {
        self.sqlite_busy_timeout = timeout;
        self
    }

    /// Adds a read replica (any number): sessions read from the replicas until they write, then
    /// stay on the primary. Migrations, `create_all` and [`Engine::connection`] always use the
    /// primary. See [`crate::Session::on_primary`].
    pub fn replica(mut self, url: &str) -> Self {
        self.replicas.push(url.to_owned());
        self
    }

    /// How far a replica's replay may lag before reads skip it (10 s by default).
    pub fn replica_max_lag(mut self, lag: Duration) -> Self {
        self.replica_max_lag = lag;
        self
    }

    /// How often a replica in use is checked (reachable, a replica, its lag): at most once per
    /// this interval, by the session that finds the last check too old (1 s by default).
    pub fn replica_check_interval(mut self, interval: Duration) -> Self {
        self.replica_check_interval = interval;
        self
    }

    /// The replicas' engines, each with this builder's options. A replica that cannot be reached
    /// now is kept, out of use until a check finds it well; a url that cannot be understood or
    /// another database than the primary's is an error.
    fn build_replicas(
        &self,
        dialect: &'static dyn Dialect,
    ) -> Result<Vec<Arc<super::replica::Replica>>> {
        let mut out = Vec::new();
        if !self.replicas.is_empty() && dialect.name() != "postgresql" {
            return Err(Error::config(format!(
                "read replicas are supported on PostgreSQL, not on {}",
                dialect.name()
            )));
        }
        for url in &self.replicas {
            let replica_dialect = super::url::parse(url)?.dialect();
            if replica_dialect.name() != dialect.name() {
                return Err(Error::config(format!(
                    "the replica {} is {}, the primary {}",
                    super::url::redact(url),
                    replica_dialect.name(),
                    dialect.name()
                )));
            }
            let builder = EngineBuilder {
                url: url.clone(),
                replicas: Vec::new(),
                ..self.clone()
            };
            let (engine, reachable) = match builder.clone().build() {
                Ok(engine) => (engine, true),
                Err(e) => {
                    tracing::warn!(
                        target: "orm::replica",
                        "replica {} unreachable, reads go elsewhere until it answers: {e}",
                        super::url::redact(url)
                    );
                    (builder.build_unconnected()?, false)
                }
            };
            out.push(Arc::new(super::replica::Replica::new(engine, reachable)));
        }
        Ok(out)
    }

    /// Connects: parses the URL, opens a first connection to report an unreachable server or a missing
    /// directory at once, and sets up the pool.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] for a URL that cannot be understood, [`Error::Connect`] when the database
    /// cannot be reached or opened.
    pub fn build(self) -> Result<Engine> {
        self.build_inner(true)
    }

    /// As [`EngineBuilder::build`], without opening a first connection (a replica that is down at
    /// start; the dialect is then the one the URL names).
    fn build_unconnected(self) -> Result<Engine> {
        self.build_inner(false)
    }

    fn build_inner(self, connect_first: bool) -> Result<Engine> {
        let target = super::url::parse(&self.url)?;
        let timeout = |name: &str, d: Duration| {
            if d < Duration::from_millis(1) || d > MAX_TIMEOUT {
                Err(Error::config(format!(
                    "{name} must be between 1 ms and 24 h, not {d:?}"
                )))
            } else {
                Ok(d)
            }
        };
        let connect_timeout = timeout("connect_timeout", self.connect_timeout)?;
        let checkout_timeout = timeout("checkout_timeout", self.checkout_timeout)?;
        if self.validate_after_idle > MAX_TIMEOUT {
            return Err(Error::config(format!(
                "validate_after_idle must be at most 24 h, not {:?}",
                self.validate_after_idle
            )));
        }
        #[cfg(feature = "tls")]
        let pg_tls = match &target {
            super::url::Target::Postgres(pg) => {
                crate::backend::postgres::tls::connector(pg.ssl_mode, pg.root_cert.as_deref())?
            }
            #[allow(unreachable_patterns)]
            _ => None,
        };
        let manager = Manager {
            target,
            search_path: self.search_path.clone(),
            mysql_dialect: self.mysql_dialect,
            sqlite_wal: self.sqlite_wal,
            sqlite_busy_timeout: self.sqlite_busy_timeout.min(MAX_TIMEOUT),
            connect_timeout,
            #[cfg(feature = "tls")]
            pg_tls,
        };
        let (dialect, keeper) = if connect_first {
            let first = manager.open()?;
            let dialect = first.dialect();
            (dialect, manager.target.is_shared_memory().then_some(first))
        } else {
            (manager.target.dialect(), None)
        };
        let replicas = self.build_replicas(dialect)?;
        let pool_counters = Arc::new(Counters::default());
        let pool = r2d2::Pool::builder()
            .max_size(self.max_connections)
            .min_idle(Some(0))
            // Broken connections are detected by the driver and discarded on return; a ping per
            // checkout would cost a round trip per session.
            .test_on_check_out(false)
            .connection_timeout(checkout_timeout)
            .thread_pool(connector_threads())
            .event_handler(Box::new(CountEvents(pool_counters.clone())))
            .build_unchecked(manager);
        Ok(Engine {
            shared: Arc::new(Shared {
                pool,
                pool_counters,
                max_connections: self.max_connections,
                validate_after_idle: self.validate_after_idle,
                replicas,
                next_replica: std::sync::atomic::AtomicUsize::new(0),
                replica_max_lag: self.replica_max_lag,
                replica_check_interval: self.replica_check_interval,
                dialect,
                returning: self.implicit_returning && dialect.supports_returning(),
                url: super::url::redact(&self.url),
                echo: AtomicBool::new(self.echo),
                slow_micros: AtomicU64::new(0),
                listeners: RwLock::new(Vec::new()),
                listening: AtomicBool::new(false),
                next_listener: AtomicU64::new(0),
                metadata: OnceLock::new(),
                sql_cache: RwLock::new(rustc_hash::FxHashMap::default()),
                schema_epoch: AtomicU64::new(0),
                _keeper: Mutex::new(keeper),
            }),
        })
    }
}

/// The longest timeout the builder accepts.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// The threads on which r2d2 opens an engine's connections: two per engine, so that a server that
/// is slow to answer holds up only the engine that connects to it. They end with the engine.
fn connector_threads() -> Arc<scheduled_thread_pool::ScheduledThreadPool> {
    Arc::new(
        scheduled_thread_pool::ScheduledThreadPool::builder()
            .num_threads(2)
            .thread_name_pattern("orm-pool-{}")
            .build(),
    )
}

impl Engine {
    /// Connects to the database at `url`: `sqlite::memory:`, `sqlite:///relative.db`,
    /// `sqlite:////absolute.db`, `postgresql://user:pass@host:port/db` or `postgres://...`,
    /// `mysql://user:pass@host:port/db` or `mariadb://...`.
    ///
    /// # Errors
    ///
    /// See [`EngineBuilder::build`].
    pub fn connect(url: &str) -> Result<Engine> {
        Engine::builder(url).build()
    }

    /// Connects to `DATABASE_URL`, or to [`DEFAULT_URL`] (`sqlite:///app.db`) when it is not set,
    /// with the read replicas of `DATABASE_REPLICA_URLS` (comma-separated), if any.
    ///
    /// # Errors
    ///
    /// See [`EngineBuilder::build`].
    pub fn from_env() -> Result<Engine> {
        let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let mut builder = Engine::builder(&url);
        for replica in std::env::var("DATABASE_REPLICA_URLS")
            .unwrap_or_default()
            .split([',', ' '])
            .filter(|u| !u.trim().is_empty())
        {
            builder = builder.replica(replica.trim());
        }
        builder.build()
    }

    /// A builder for options (echo, pool size, timeouts, schema).
    pub fn builder(url: &str) -> EngineBuilder {
        EngineBuilder {
            url: url.to_owned(),
            echo: false,
            max_connections: 10,
            connect_timeout: Duration::from_secs(10),
            checkout_timeout: Duration::from_secs(30),
            validate_after_idle: Duration::from_secs(1),
            search_path: None,
            implicit_returning: true,
            mysql_dialect: None,
            sqlite_wal: true,
            sqlite_busy_timeout: Duration::from_secs(10),
            replicas: Vec::new(),
            replica_max_lag: Duration::from_secs(10),
            replica_check_interval: Duration::from_secs(1),
        }
    }

    /// Whether the flush reads generated keys with `RETURNING`.
    pub(crate) fn uses_returning(&self) -> bool {
        self.shared.returning
    }

    /// The dialect of the database.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.shared.dialect
    }

    /// The URL, password masked.
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// Takes a connection from the pool.
    ///
    /// # Errors
    ///
    /// [`Error::Pool`] when none is free within the connect timeout or the server cannot be reached.
    pub fn connection(&self) -> Result<Connection> {
        Ok(Connection::new(
            self.shared.checkout()?,
            self.shared.clone(),
        ))
    }

    /// The statement cached under `(model, purpose)`, built by `build` the first time.
    pub(crate) fn cached_sql(
        &self,
        model: std::any::TypeId,
        purpose: &'static str,
        build: impl FnOnce() -> String,
    ) -> Arc<str> {
        let key = (model, purpose);
        if let Some(sql) = self
            .shared
            .sql_cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return sql.clone();
        }
        let sql: Arc<str> = build().into();
        self.shared
            .sql_cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, sql.clone());
        sql
    }

    /// Whether reads may go to replicas.
    pub(crate) fn has_replicas(&self) -> bool {
        !self.shared.replicas.is_empty()
    }

    /// A connection to a replica that is usable now (round robin), or `None`: no replica, or none
    /// well. Its statements are seen by this engine's listeners; found dead on its first statement,
    /// it is replaced by a primary connection.
    pub(crate) fn replica_connection(&self) -> Option<Connection> {
        let replicas = &self.shared.replicas;
        if replicas.is_empty() {
            return None;
        }
        let start = self.shared.next_replica.fetch_add(1, Ordering::Relaxed);
        for i in 0..replicas.len() {
            let replica = &replicas[(start + i) % replicas.len()];
            if !replica.usable(
                self.shared.replica_max_lag,
                self.shared.replica_check_interval,
            ) {
                continue;
            }
            // A replica whose pool is busy is not down: this session reads elsewhere, and the
            // health check decides about the replica.
            if let Ok(pooled) = replica.pooled() {
                return Some(Connection::on_replica(
                    pooled,
                    self.shared.clone(),
                    replica.clone(),
                ));
            }
        }
        None
    }

    /// Whether the replica `conn` reads from may still be read from (checked as a new session's
    /// would be); `true` for a primary connection.
    pub(crate) fn replica_still_usable(&self, conn: &Connection) -> bool {
        conn.replica().map_or(true, |r| {
            r.usable(
                self.shared.replica_max_lag,
                self.shared.replica_check_interval,
            )
        })
    }

    /// How the connection pool stands: open and idle connections, checkouts and how long they
    /// waited for a connection, checkouts that timed out.
    pub fn pool_status(&self) -> PoolStatus {
        let state = self.shared.pool.state();
        let (checkouts, total_wait, max_wait, timeouts) = self.shared.pool_counters.snapshot();
        PoolStatus {
            max_connections: self.shared.max_connections,
            connections: state.connections,
            idle: state.idle_connections,
            checkouts,
            total_wait,
            max_wait,
            timeouts,
        }
    }

    /// Turns statement logging on or off.
    pub fn set_echo(&self, echo: bool) {
        self.shared.echo.store(echo, Ordering::Relaxed);
    }

    /// Logs every statement that takes `threshold` or longer as a warning (target `orm::sql`), with
    /// its duration; `None` switches it off (the default). Independent of the echo.
    pub fn set_slow_statement_threshold(&self, threshold: Option<Duration>) {
        let micros = threshold.map_or(0, |t| {
            u64::try_from(t.as_micros()).unwrap_or(u64::MAX).max(1)
        });
        self.shared.slow_micros.store(micros, Ordering::Relaxed);
    }

    /// Calls `listener` after every statement of every connection of this engine.
    pub fn on_statement(
        &self,
        listener: impl Fn(&StatementEvent<'_>) + Send + Sync + 'static,
    ) -> ListenerId {
        let id = ListenerId(self.shared.next_listener.fetch_add(1, Ordering::Relaxed));
        let mut listeners = self
            .shared
            .listeners
            .write()
            .unwrap_or_else(|p| p.into_inner());
        listeners.push((id, Arc::new(listener)));
        self.shared.listening.store(true, Ordering::Relaxed);
        id
    }

    /// Removes a listener.
    pub fn remove_listener(&self, id: ListenerId) {
        let mut listeners = self
            .shared
            .listeners
            .write()
            .unwrap_or_else(|p| p.into_inner());
        listeners.retain(|(i, _)| *i != id);
        self.shared
            .listening
            .store(!listeners.is_empty(), Ordering::Relaxed);
    }

    /// Records every statement from now until the returned log is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let engine = orm_core::Engine::connect("sqlite::memory:")?;
    /// let log = engine.record_statements();
    /// engine.connection()?.batch_execute("CREATE TABLE t (x INTEGER)")?;
    /// assert_eq!(log.sql(), ["CREATE TABLE t (x INTEGER)"]);
    /// # Ok::<(), orm_core::Error>(())
    /// ```
    pub fn record_statements(&self) -> StatementLog {
        self.record_where(|| true)
    }

    /// Records the statements run on this thread only, whatever session or connection runs them:
    /// for tests that count their own statements while other tests share the engine.
    pub fn record_thread_statements(&self) -> StatementLog {
        let thread = std::thread::current().id();
        self.record_where(move || std::thread::current().id() == thread)
    }

    fn record_where(&self, keep: impl Fn() -> bool + Send + Sync + 'static) -> StatementLog {
        let entries = Arc::new(Mutex::new(Vec::new()));
        let sink = entries.clone();
        let id = self.on_statement(move |e| {
            if keep() {
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(RecordedStatement {
                        sql: e.sql.to_owned(),
                        params: e.params.to_vec(),
                        duration: e.duration,
                    });
            }
        });
        StatementLog {
            entries,
            listener: Some((self.clone(), id)),
        }
    }
}
