//! Read replicas against a real streaming replica of the PostgreSQL server (`.ci/run` makes one on
//! port 5433 with `pg_basebackup -R`; `TEST_POSTGRES_REPLICA_URL` names it). Each read is checked
//! with `pg_is_in_recovery()` on the connection it used.

use std::time::{Duration, Instant};

use orm_core::prelude::*;
use orm_core::Value;
use tests::proxy::Proxy;
use tests::TestResult;

#[derive(Model, Debug, Clone)]
pub struct Reading {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub value: i64,
}

/// Whether the session's next read runs on a replica.
fn reads_from_replica(s: &mut Session) -> Result<bool> {
    let rows: Vec<(bool,)> = s.raw_all(&raw("SELECT pg_is_in_recovery()"))?;
    Ok(rows[0].0)
}

/// `host:port` of a URL.
fn host_port(url: &str) -> String {
    let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
    let start = rest.find('@').map_or(0, |i| i + 1);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    rest[start..end].to_owned()
}

/// Polls `f` until it holds, for at most 10 s.
fn eventually(what: &str, mut f: impl FnMut() -> Result<bool>) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if f().unwrap_or(false) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting until {what}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn reads_go_to_the_replica_until_they_must_not() -> TestResult {
    let Some(replica_url) = tests::postgres_replica_url() else {
        return Ok(());
    };
    // The replica through a proxy, so that it can be "stopped" mid-test without touching the
    // server other tests use.
    let proxy = Proxy::start(&host_port(&replica_url));
    let proxied = replica_url.replacen(&host_port(&replica_url), &proxy.addr().to_string(), 1);
    let Some(db) = tests::postgres_with(|b| {
        b.replica(&proxied)
            .replica_max_lag(Duration::from_secs(1))
            .replica_check_interval(Duration::from_millis(100))
    }) else {
        return Ok(());
    };
    let engine = &db.engine;
    engine.create_all()?; // on the primary
    let on_primary: Vec<(bool,)> = {
        let mut conn = engine.connection()?;
        let rows = conn.query("SELECT pg_is_in_recovery()", &[])?.rows;
        rows.into_iter()
            .map(|r| (matches!(r[0], Value::Bool(true)),))
            .collect()
    };
    assert_eq!(
        on_primary,
        [(false,)],
        "Engine::connection is the primary's"
    );
    // The replica has replayed the new table.
    eventually("the replica has the table", || {
        engine.session().count(select::<Reading>()).map(|_| true)
    })?;

    // A session that only reads, reads from the replica.
    let mut reader = engine.session();
    assert!(!reader.is_on_primary());
    assert!(reads_from_replica(&mut reader)?);
    assert_eq!(reader.count(select::<Reading>())?, 0);

    // A session that writes stays on the primary, and sees its own write at once.
    let mut writer = engine.session();
    assert!(reads_from_replica(&mut writer)?);
    writer.add(Reading::new(1));
    writer.commit()?;
    assert!(writer.is_on_primary());
    assert!(!reads_from_replica(&mut writer)?);
    assert_eq!(writer.count(select::<Reading>())?, 1);

    // A raw statement that writes goes to the primary (and pins the session).
    let mut raw_writer = engine.session();
    let ids: Vec<(i64,)> =
        raw_writer.raw_all(&raw("INSERT INTO reading (value) VALUES (7) RETURNING id"))?;
    assert_eq!(ids.len(), 1);
    assert!(raw_writer.is_on_primary());
    raw_writer.raw_execute(&raw("DELETE FROM reading WHERE value = 7"))?;
    raw_writer.commit()?;
    drop(raw_writer);

    // Pinned by hand.
    let mut pinned = engine.session();
    pinned.on_primary();
    assert!(!reads_from_replica(&mut pinned)?);
    // Sessions hold their connections until they end (the test engine has four).
    drop((reader, writer, pinned));

    // Replay paused and a write behind it: beyond the lag bound, reads go to the primary (and see
    // the write); resumed, back to the replica.
    let admin = Engine::connect(&replica_url)?;
    admin
        .connection()?
        .batch_execute("SELECT pg_wal_replay_pause()")?;
    let resume = Resume(admin.clone());
    let mut w = engine.session();
    w.add(Reading::new(2));
    w.commit()?;
    std::thread::sleep(Duration::from_millis(1300));
    let mut late = engine.session();
    assert!(
        !reads_from_replica(&mut late)?,
        "a lagging replica is skipped"
    );
    assert_eq!(late.count(select::<Reading>())?, 2);
    drop((late, w));
    drop(resume);
    eventually("reads return to the caught-up replica", || {
        let mut s = engine.session();
        Ok(reads_from_replica(&mut s)? && s.count(select::<Reading>())? == 2)
    })?;

    // The replica stops mid-session: reads go on, on the primary, without an error.
    let mut during = engine.session();
    assert!(reads_from_replica(&mut during)?);
    drop(proxy); // connections cut, new ones refused
                 // The session that was reading there goes on, on the primary.
    assert_eq!(during.count(select::<Reading>())?, 2);
    assert!(!reads_from_replica(&mut during)?);
    drop(during);
    let mut after = engine.session();
    assert!(!reads_from_replica(&mut after)?);
    assert_eq!(after.count(select::<Reading>())?, 2);
    assert!(!reads_from_replica(&mut engine.session())?);
    Ok(())
}

/// Resumes the replica's replay when dropped, even when the test fails half-way.
struct Resume(Engine);

impl Drop for Resume {
    fn drop(&mut self) {
        if let Ok(mut c) = self.0.connection() {
            let _ = c.batch_execute("SELECT pg_wal_replay_resume()");
        }
    }
}

#[test]
fn replicas_of_another_kind_or_unreachable_are_handled() -> TestResult {
    let err = Engine::builder("sqlite::memory:")
        .replica("sqlite::memory:")
        .build()
        .expect_err("replicas are PostgreSQL's");
    assert!(err.to_string().contains("supported on PostgreSQL"), "{err}");
    let Some(db) = tests::postgres_with(|b| {
        // Nothing listens there: the engine is built, and reads go to the primary.
        b.replica("postgresql://postgres@127.0.0.1:1/test")
            .connect_timeout(Duration::from_secs(2))
    }) else {
        return Ok(());
    };
    let mut s = db.engine.session();
    assert!(!reads_from_replica(&mut s)?);
    Ok(())
}
