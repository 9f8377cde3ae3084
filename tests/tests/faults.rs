//! Connections that fail and recover, on the servers: a server that accepts and never answers, idle
//! connections killed on the server, a session's connection killed before `commit()`, connect errors
//! that keep their cause, timeouts out of range.

use std::time::{Duration, Instant};

use orm_core::prelude::*;
use orm_core::Value;
use tests::proxy::Proxy;
use tests::{EngineBuilder, TestResult};

#[derive(Model, Debug, Clone)]
pub struct Fault {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub label: String,
}

/// The server URLs under test, each with its name: `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` (a
/// note, or under CI a failure, when one is missing).
fn servers() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if tests::postgres().is_some() {
        out.push(("postgres", env(tests::POSTGRES_URL_VAR)));
    }
    if tests::mysql().is_some() {
        out.push(("mysql", env(tests::MYSQL_URL_VAR) + "?prefer_socket=false"));
    }
    out
}

fn env(var: &str) -> String {
    std::env::var(var).unwrap_or_default()
}

/// `url` with its `host:port` replaced by `addr`.
fn via(url: &str, addr: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let host_start = rest.find('@').map_or(0, |i| i + 1);
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    format!(
        "{}{}{addr}{}",
        &url[..start],
        &rest[..host_start],
        &rest[host_end..]
    )
}

/// `host:port` of `url`.
fn host_port(url: &str, default_port: u16) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let host_start = rest.find('@').map_or(0, |i| i + 1);
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = &rest[host_start..host_end];
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:{default_port}")
    }
}

/// A database of its own on `server` (a schema on PostgreSQL, a database on MySQL), reached through
/// a proxy. Returns the proxy, the engine through it, and a direct admin engine.
struct Proxied {
    proxy: Proxy,
    engine: Engine,
    _db: Box<dyn std::any::Any>,
}

fn proxied(server: &str, options: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Proxied {
    match server {
        "postgres" => {
            let db = tests::postgres().expect("checked");
            let url = env(tests::POSTGRES_URL_VAR);
            let proxy = Proxy::start(&host_port(&url, 5432));
            let engine = options(
                Engine::builder(&via(&url, &proxy.addr().to_string()))
                    .search_path(db.schema())
                    .max_connections(4),
            )
            .build()
            .expect("connect through the proxy");
            Proxied {
                proxy,
                engine,
                _db: Box::new(db),
            }
        }
        _ => {
            let db = tests::mysql().expect("checked");
            // The driver would move a loopback connection to the server's Unix socket, around
            // the proxy.
            let url = tests::with_database(&env(tests::MYSQL_URL_VAR), db.database())
                + "?prefer_socket=false";
            let proxy = Proxy::start(&host_port(&url, 3306));
            let engine =
                options(Engine::builder(&via(&url, &proxy.addr().to_string())).max_connections(4))
                    .build()
                    .expect("connect through the proxy");
            Proxied {
                proxy,
                engine,
                _db: Box::new(db),
            }
        }
    }
}

fn labels(engine: &Engine) -> Result<Vec<String>> {
    let mut s = engine.session();
    let all = s.all(select::<Fault>().order_by(Fault::id.asc()))?;
    Ok(all.iter().map(|f| f.read().label.clone()).collect())
}

/// A server that accepts and never answers: the connect gives up within its timeout, with a
/// message naming the address, while other engines (SQLite, the same server directly) keep
/// opening connections and working meanwhile.
#[test]
fn a_silent_server_fails_within_the_timeout_and_holds_up_no_other_engine() -> TestResult {
    for (server, url) in servers() {
        let p = proxied(server, |b| {
            b.connect_timeout(Duration::from_millis(1500))
                .checkout_timeout(Duration::from_secs(3))
        });
        // Built while the server answered; now every new connection goes unanswered.
        p.proxy.set_silent(true);
        p.proxy.cut_all();

        let silent_url = via(&url, &p.proxy.addr().to_string());
        let started = Instant::now();
        let waiting = std::thread::spawn(move || {
            Engine::builder(&silent_url)
                .connect_timeout(Duration::from_millis(1500))
                .build()
        });
        // Meanwhile: a pool of the proxied engine opening a connection (also unanswered), and
        // other engines opening and using theirs.
        let pooled = {
            let e = p.engine.clone();
            std::thread::spawn(move || e.connection().map(|_| ()))
        };
        std::thread::sleep(Duration::from_millis(100));
        let others = Instant::now();
        let sqlite = Engine::connect("sqlite::memory:")?;
        sqlite.create_all()?;
        let direct = Engine::builder(&url).max_connections(2).build()?;
        let mut conns = vec![direct.connection()?, direct.connection()?];
        for c in &mut conns {
            c.batch_execute("SELECT 1")?;
        }
        assert!(
            others.elapsed() < Duration::from_millis(1000),
            "{server}: other engines waited {:?}",
            others.elapsed()
        );

        let err = waiting.join().expect("no panic").expect_err("no answer");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(1400) && took < Duration::from_secs(5),
            "{server}: gave up after {took:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&p.proxy.addr().to_string()), "{text}");
        assert!(text.contains("no answer within"), "{text}");
        let pooled = pooled.join().expect("no panic");
        assert!(pooled.is_err(), "{server}: the pool's connect gives up too");

        // The server answers again: the engine recovers by itself.
        p.proxy.set_silent(false);
        p.engine.create_all()?;
        let mut s = p.engine.session();
        s.add(Fault::new("after"));
        s.commit()?;
        assert_eq!(labels(&p.engine)?, ["after"]);
    }
    Ok(())
}

/// Every pooled connection cut while idle (a server restart, a proxy's timeout): the next 20
/// operations all succeed, at once and after the connections idled past the check threshold.
#[test]
fn idle_connections_killed_then_twenty_operations_succeed() -> TestResult {
    for (server, _) in servers() {
        let p = proxied(server, |b| {
            b.validate_after_idle(Duration::from_millis(300))
        });
        p.engine.create_all()?;
        for wait in [Duration::ZERO, Duration::from_millis(400)] {
            // Four connections in the pool, then all of them cut.
            {
                let conns: Vec<_> = (0..4)
                    .map(|_| p.engine.connection())
                    .collect::<Result<_>>()?;
                drop(conns);
            }
            p.proxy.cut_all();
            std::thread::sleep(wait);
            for n in 0..20 {
                let mut s = p.engine.session();
                if n % 2 == 0 {
                    s.add(Fault::new(format!("{wait:?}-{n}")));
                    s.commit()?;
                } else {
                    s.count(select::<Fault>())?;
                }
            }
        }
        assert_eq!(labels(&p.engine)?.len(), 20, "{server}: every write once");
        assert_eq!(p.engine.pool_status().timeouts, 0);
    }
    Ok(())
}

/// Idle connections killed by the server itself (`pg_terminate_backend`, MySQL's `KILL`), as an
/// administrator or a server-side idle timeout does: the next 20 operations all succeed.
#[test]
fn connections_killed_on_the_server_then_twenty_operations_succeed() -> TestResult {
    for (server, url) in servers() {
        // The engine's connections are told apart by their application name (PostgreSQL) or
        // their database (MySQL).
        let (engine, marker, _db): (Engine, String, Box<dyn std::any::Any>) = match server {
            "postgres" => {
                let db = tests::postgres().expect("checked");
                let marker = format!("orm_kill_{}", db.schema());
                let sep = if url.contains('?') { '&' } else { '?' };
                let engine = Engine::builder(&format!("{url}{sep}application_name={marker}"))
                    .search_path(db.schema())
                    .max_connections(4)
                    .build()?;
                (engine, marker, Box::new(db))
            }
            _ => {
                let db = tests::mysql().expect("checked");
                let marker = db.database().to_owned();
                let engine = Engine::builder(&tests::with_database(&url, &marker))
                    .max_connections(4)
                    .build()?;
                (engine, marker, Box::new(db))
            }
        };
        engine.create_all()?;
        let conns: Vec<_> = (0..4).map(|_| engine.connection()).collect::<Result<_>>()?;
        drop(conns);
        let admin = Engine::connect(&url)?;
        let mut admin = admin.connection()?;
        let killed = if server == "postgres" {
            admin
                .query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1",
                    &[Value::Text(marker.clone())],
                )?
                .rows
                .len()
        } else {
            let ids = admin
                .query(
                    "SELECT CAST(id AS SIGNED) FROM information_schema.processlist WHERE db = ?",
                    &[Value::Text(marker.clone())],
                )?
                .rows;
            for row in &ids {
                if let Value::I64(id) = row[0] {
                    admin.batch_execute(&format!("KILL {id}"))?;
                }
            }
            ids.len()
        };
        assert_eq!(killed, 4, "{server}: the engine's four idle connections");
        for n in 0..20 {
            let mut s = engine.session();
            if n % 2 == 0 {
                s.add(Fault::new(format!("after kill {n}")));
                s.commit()?;
            } else {
                s.count(select::<Fault>())?;
            }
        }
        assert_eq!(labels(&engine)?.len(), 10, "{server}");
    }
    Ok(())
}

/// A pool of one connection, cut: the dead connection's slot is given back before another is
/// asked for, so the next operation succeeds at once instead of waiting for the checkout timeout.
#[test]
fn a_pool_of_one_recovers_at_once() -> TestResult {
    for (server, _) in servers() {
        let p = proxied(server, |b| {
            b.max_connections(1)
                .checkout_timeout(Duration::from_secs(5))
        });
        p.engine.create_all()?;
        assert_eq!(labels(&p.engine)?.len(), 0);
        p.proxy.cut_all();
        let started = Instant::now();
        assert_eq!(labels(&p.engine)?.len(), 0);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{server}: took {:?}",
            started.elapsed()
        );
    }
    Ok(())
}

/// A session's connection killed before `commit()`: the commit succeeds and writes every pending
/// object once. Killed inside the transaction (after a flush): the commit fails, the objects are as
/// before it, and the next `commit()` writes them once.
#[test]
fn a_session_survives_its_connection() -> TestResult {
    for (server, _) in servers() {
        let p = proxied(server, |b| b);
        p.engine.create_all()?;

        let mut s = p.engine.session();
        assert_eq!(s.count(select::<Fault>())?, 0); // the session holds a connection now
        let a = s.add(Fault::new("a"));
        let b = s.add(Fault::new("b"));
        p.proxy.cut_all();
        s.commit()?;
        assert!(a.read().id.is_some() && b.read().id.is_some());
        assert_eq!(labels(&p.engine)?, ["a", "b"], "{server}");

        let c = s.add(Fault::new("c"));
        s.flush()?; // inside a transaction now
        p.proxy.cut_all();
        let err = s.commit().expect_err(&format!(
            "{server}: the transaction died with the connection"
        ));
        assert!(err.is_connection_lost(), "{server}: {err}");
        assert_eq!(c.read().label, "c");
        s.commit()?;
        assert!(c.read().id.is_some());
        assert_eq!(
            labels(&p.engine)?,
            ["a", "b", "c"],
            "{server}: c written once"
        );
    }
    Ok(())
}

/// Connect errors say where and why, and never show a password.
#[test]
fn connect_errors_keep_their_cause() -> TestResult {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    for (scheme, name) in [("postgresql", "PostgreSQL"), ("mysql", "MySQL")] {
        let url = format!("{scheme}://someone:secret@{closed}/db");
        let url = if scheme == "mysql" {
            url + "?prefer_socket=false"
        } else {
            url
        };
        let err = Engine::builder(&url)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains(&format!("{name} at {closed}")),
            "{scheme}: {text}"
        );
        assert!(text.to_lowercase().contains("refused"), "{scheme}: {text}");
        assert!(!text.contains("secret"), "{scheme}: {text}");
        assert!(!format!("{err:?}").contains("secret"), "{scheme}: {err:?}");
    }
    for (server, url) in servers() {
        let missing = tests::with_database(&url, "no_such_database_here");
        let err = Engine::connect(&missing).expect_err("no such database");
        let text = err.to_string();
        let expected = match server {
            "postgres" => "database \"no_such_database_here\" does not exist",
            _ => "Unknown database 'no_such_database_here'",
        };
        assert!(text.contains(expected), "{server}: {text}");
    }
    Ok(())
}

/// Timeouts out of range are errors, not panics.
#[test]
fn timeouts_out_of_range_are_errors() {
    for d in [
        Duration::ZERO,
        Duration::MAX,
        Duration::from_secs(100 * 24 * 3600),
    ] {
        for build in [
            Engine::builder("sqlite::memory:").connect_timeout(d),
            Engine::builder("sqlite::memory:").checkout_timeout(d),
        ] {
            let err = build.build().expect_err("out of range");
            assert!(err.to_string().contains("between 1 ms and 24 h"), "{err}");
        }
        if d > Duration::from_secs(24 * 3600) {
            let err = Engine::builder("sqlite::memory:")
                .validate_after_idle(d)
                .build()
                .expect_err("out of range");
            assert!(err.to_string().contains("at most 24 h"), "{err}");
        }
    }
    Engine::builder("sqlite::memory:")
        .connect_timeout(Duration::from_millis(1))
        .checkout_timeout(Duration::from_secs(24 * 3600))
        .validate_after_idle(Duration::ZERO)
        .build()
        .expect("the bounds themselves are accepted");
}
