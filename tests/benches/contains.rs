//! `contains()` of a 3,000-character needle against a 1 MB value, on every backend: the needle is
//! the value's own repeated sentence with its last character changed, so that it almost matches at
//! every sentence (the case where a backtracking LIKE takes seconds).
//!
//! `cargo bench -p tests --bench contains` (in-memory SQLite; PostgreSQL and MariaDB too when
//! TEST_POSTGRES_URL and TEST_MYSQL_URL are set).

use std::time::Instant;

use orm_core::query::select;
use orm_core::{Engine, Model};

#[derive(Model, Debug)]
pub struct Document {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub body: String,
}

const SENTENCE: &str = "the quick brown fox jumps over the lazy dog near the river bank. ";

fn run(name: &str, engine: &Engine) {
    engine.create_all().expect("create");
    let value: String = SENTENCE.repeat(1_000_000 / SENTENCE.len());
    let mut needle: String = SENTENCE.repeat(3_000 / SENTENCE.len() + 1);
    needle.truncate(2_999);
    needle.push('#');
    let mut s = engine.session();
    s.add(Document::new(value.clone()));
    s.commit().expect("insert");
    let hit = &value[1_000..4_000];
    for (what, text, expect) in [("absent", needle.as_str(), 0), ("present", hit, 1)] {
        let start = Instant::now();
        let mut best = None;
        for _ in 0..3 {
            let t = Instant::now();
            let n = s
                .count(select::<Document>().filter(Document::body.contains(text)))
                .expect("count");
            assert_eq!(n, expect);
            let took = t.elapsed();
            best = Some(best.map_or(took, |b: std::time::Duration| b.min(took)));
        }
        let _ = start;
        println!(
            "{name}: contains() of a {}-character needle ({what}) in a {} KB value: {:?} (goal under 100 ms)",
            text.chars().count(),
            value.len() / 1024,
            best.unwrap_or_default()
        );
    }
    drop(s);
    engine.drop_all().expect("drop");
}

fn main() {
    tests::plain_postgres_for_benchmarks();
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    run(
        "sqlite (memory)",
        &Engine::connect("sqlite::memory:").expect("sqlite"),
    );
    match tests::postgres() {
        Some(db) => run("postgresql", &db.engine),
        None => println!("postgresql: skipped (set TEST_POSTGRES_URL)"),
    }
    match tests::mysql() {
        Some(db) => run("mariadb", &db.engine),
        None => println!("mariadb: skipped (set TEST_MYSQL_URL)"),
    }
}
