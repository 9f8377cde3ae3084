//! The cost of replica routing: 10k gets by key, each in a fresh session, through an engine with a
//! replica (the reads go there) against a plain engine on the replica's server and one on the
//! primary. Needs `TEST_POSTGRES_URL` and `TEST_POSTGRES_REPLICA_URL`; plain TCP on every side.
//!
//! `cargo bench -p tests --bench replicas`

use orm_core::prelude::*;

#[derive(Model, Debug, Clone)]
pub struct Sample {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub value: i64,
}

const ROWS: i64 = 1000;
const GETS: i64 = 10_000;
const RUNS: usize = 7;

fn gets(engine: &Engine) -> usize {
    let mut found = 0;
    for i in 0..GETS {
        let mut s = engine.session();
        if s.get::<Sample>(1 + i % ROWS).expect("get").is_some() {
            found += 1;
        }
    }
    assert_eq!(found, GETS as usize);
    found
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tests::plain_postgres_for_benchmarks();
    let (Ok(url), Ok(replica)) = (
        std::env::var(tests::POSTGRES_URL_VAR),
        std::env::var(tests::POSTGRES_REPLICA_URL_VAR),
    ) else {
        println!("replicas: skipped (set TEST_POSTGRES_URL and TEST_POSTGRES_REPLICA_URL)");
        return Ok(());
    };
    let db = tests::postgres().ok_or("no postgres")?;
    let primary = &db.engine;
    primary.create_all()?;
    let mut s = primary.session();
    for i in 0..ROWS {
        s.add(Sample::new(format!("sample {i}"), i));
    }
    s.commit()?;
    let on_replica = Engine::builder(&replica)
        .search_path(db.schema())
        .max_connections(4)
        .build()?;
    let routed = Engine::builder(&url)
        .search_path(db.schema())
        .max_connections(4)
        .replica(&replica)
        .build()?;
    // The replica has replayed the rows.
    while on_replica.session().count(select::<Sample>()).unwrap_or(0) < ROWS as u64 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut probe = routed.session();
    let rows: Vec<(bool,)> = probe.raw_all(&raw("SELECT pg_is_in_recovery()"))?;
    assert!(rows[0].0, "the routed engine reads from the replica");
    drop(probe);

    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..RUNS {
        for (i, engine) in [primary, &on_replica, &routed].into_iter().enumerate() {
            times[i].push(tests::fastest_of(1, || gets(engine)));
        }
    }
    let best: Vec<f64> = times
        .iter()
        .map(|t| t.iter().min().copied().unwrap_or_default().as_secs_f64())
        .collect();
    println!(
        "10k gets by key, a fresh session each, best of {RUNS} (plain TCP):\n  \
         plain engine on the primary   {:8.1} ms\n  \
         plain engine on the replica   {:8.1} ms\n  \
         routing engine (to replica)   {:8.1} ms\n  \
         routing / plain on the replica: {:.3}x; routing / plain on the primary: {:.3}x",
        best[0] * 1e3,
        best[1] * 1e3,
        best[2] * 1e3,
        best[2] / best[1],
        best[2] / best[0],
    );
    Ok(())
}
