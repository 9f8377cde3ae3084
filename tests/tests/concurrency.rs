//! Concurrent writers on shared rows: sessions that update the same rows (loaded in opposite orders)
//! with optimistic locking wait for each other instead of deadlocking; a stale version is reported
//! as such and writes nothing, and every successful commit is counted exactly once.

use orm_core::query::select;
use orm_core::{Engine, Error, Metadata, Model};
use tests::TestResult;

#[derive(Model, Debug)]
pub struct Counter {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub hits: i64,
    #[orm(version)]
    pub version: i64,
}

const THREADS: usize = 6;
const ROUNDS: usize = 40;
const ROWS: i64 = 8;

fn writers_wait_instead_of_deadlocking(engine: &Engine) -> TestResult {
    engine.create_tables(&Metadata::new().with::<Counter>())?;
    let mut s = engine.session();
    for _ in 0..ROWS {
        s.add(Counter::new(0));
    }
    s.commit()?;
    let results: Vec<(usize, usize, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    let (mut ok, mut stale, mut other) = (0, 0, Vec::new());
                    for _ in 0..ROUNDS {
                        let mut s = engine.session();
                        // Half the writers load (and so dirty) the rows in the opposite order.
                        let order = if t % 2 == 0 {
                            Counter::id.asc()
                        } else {
                            Counter::id.desc()
                        };
                        let rows = match s.all(select::<Counter>().order_by(order)) {
                            Ok(rows) => rows,
                            Err(e) => {
                                other.push(e.to_string());
                                continue;
                            }
                        };
                        for c in &rows {
                            c.write().hits += 1;
                        }
                        match s.commit() {
                            Ok(()) => ok += 1,
                            Err(Error::StaleData { .. }) => stale += 1,
                            Err(e) => other.push(format!("retryable={}: {e}", e.is_retryable())),
                        }
                    }
                    (ok, stale, other)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("writer thread"))
            .collect()
    });
    let ok: usize = results.iter().map(|r| r.0).sum();
    let stale: usize = results.iter().map(|r| r.1).sum();
    let other: Vec<&String> = results.iter().flat_map(|r| &r.2).collect();
    assert!(other.is_empty(), "no deadlock or other failure: {other:#?}");
    assert_eq!(ok + stale, THREADS * ROUNDS);
    assert!(ok > 0);
    // Each successful commit added one to every row, and nothing else did.
    let mut s = engine.session();
    for c in s.all(select::<Counter>())? {
        let c = c.read();
        assert_eq!((c.hits, c.version), (ok as i64, ok as i64 + 1), "{c:?}");
    }
    Ok(())
}

#[test]
fn sqlite_file_writers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:///{}", dir.path().join("app.db").display());
    writers_wait_instead_of_deadlocking(
        &Engine::builder(&url)
            .max_connections(THREADS as u32)
            .build()?,
    )
}

#[test]
fn postgres_writers() -> TestResult {
    let Some(db) = tests::postgres_with(|b| b.max_connections(THREADS as u32)) else {
        return Ok(());
    };
    writers_wait_instead_of_deadlocking(&db.engine)
}
