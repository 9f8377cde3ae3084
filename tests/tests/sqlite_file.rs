//! A SQLite file under concurrent writers: WAL mode by default, writers that wait their turn under
//! the busy timeout, and a lock held past it reported as `Error::Busy`, retryable.

use std::time::Duration;

use orm_core::prelude::*;
use orm_core::{EngineBuilder, Value};
use tests::TestResult;

#[derive(Model, Debug, Clone)]
pub struct Entry {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub writer: i64,
    pub n: i64,
}

fn file_engine(
    dir: &tempfile::TempDir,
    options: impl FnOnce(EngineBuilder) -> EngineBuilder,
) -> Result<Engine> {
    let url = format!("sqlite:///{}", dir.path().join("w.db").display());
    options(Engine::builder(&url)).build()
}

#[test]
fn eight_threads_of_writers_on_a_file_all_succeed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let engine = file_engine(&dir, |b| b.max_connections(8))?;
    engine.create_all()?;
    let mode: Vec<(String,)> = engine.session().raw_all(&raw("PRAGMA journal_mode"))?;
    assert_eq!(mode[0].0, "wal");
    std::thread::scope(|scope| -> TestResult {
        let handles: Vec<_> = (0..8)
            .map(|writer| {
                let engine = engine.clone();
                scope.spawn(move || -> Result<()> {
                    for n in 0..500 {
                        let mut s = engine.session();
                        s.add(Entry::new(writer, n));
                        s.commit()?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().expect("no panic")?;
        }
        Ok(())
    })?;
    assert_eq!(engine.session().count(select::<Entry>())?, 4000);
    Ok(())
}

#[test]
fn a_lock_held_past_the_busy_timeout_is_busy_and_retryable() -> TestResult {
    let dir = tempfile::tempdir()?;
    let engine = file_engine(&dir, |b| {
        b.max_connections(2)
            .sqlite_busy_timeout(Duration::from_millis(100))
    })?;
    engine.create_all()?;
    let mut holder = engine.connection()?;
    holder.begin()?; // BEGIN IMMEDIATE: the write lock
    holder.execute(
        "INSERT INTO entry (writer, n) VALUES (?1, ?2)",
        &[Value::I64(1), Value::I64(1)],
    )?;

    let mut s = engine.session();
    let e = s.add(Entry::new(2, 2));
    let err = s.commit().expect_err("the lock is held");
    assert!(err.is_busy() && err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains("locked"), "{err}");
    assert_eq!(e.read().id, None, "nothing was written");

    holder.commit()?;
    drop(holder);
    s.commit()?; // the retry
    assert!(e.read().id.is_some());
    assert_eq!(engine.session().count(select::<Entry>())?, 2);

    // Without WAL the file keeps its rollback journal.
    let dir2 = tempfile::tempdir()?;
    let plain = file_engine(&dir2, |b| b.sqlite_wal(false))?;
    let mode: Vec<(String,)> = plain.session().raw_all(&raw("PRAGMA journal_mode"))?;
    assert_eq!(mode[0].0, "delete");
    Ok(())
}
