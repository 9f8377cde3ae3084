//! The ORM against the raw driver, in one run: loading 100k rows into objects, and 10k gets by
//! primary key (each in a fresh session). Prints the times and the ratios; goals ≤ 1.15× and ≤ 1.3×.
//!
//! `cargo bench -p tests --bench query` (in-memory SQLite; PostgreSQL and MariaDB too when
//! `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` are set).

use std::time::Duration;

use orm_core::query::{insert_many, select, select_columns};
use orm_core::{Engine, Model};

const ROWS: i64 = 100_000;
const GETS: i64 = 10_000;
const RUNS: usize = 5;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct BenchRow {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 64)]
    pub name: String,
    #[orm(length = 120)]
    pub email: String,
    pub score: i64,
    #[orm(text)]
    pub note: Option<String>,
}

/// What the raw driver builds per row: the same struct.
fn row(id: i64, name: String, email: String, score: i64, note: Option<String>) -> BenchRow {
    BenchRow {
        id: Some(id),
        name,
        email,
        score,
        note,
    }
}

const SELECT_ALL: &str = r#"SELECT "id", "name", "email", "score", "note" FROM "bench_row""#;

fn fill(engine: &Engine) -> orm_core::Result<()> {
    engine.create_all()?;
    let mut s = engine.session();
    for chunk in 0..ROWS / 1000 {
        let rows = (chunk * 1000..(chunk + 1) * 1000).map(|i| {
            let mut r = BenchRow::new(format!("name {i}"), format!("user{i}@example.com"), i % 97);
            r.note = (i % 3 == 0).then(|| format!("note {i}"));
            r
        });
        s.upsert(insert_many(rows))?;
    }
    s.commit()
}

fn orm_load(engine: &Engine) -> usize {
    let mut s = engine.session();
    s.all(select::<BenchRow>()).expect("load").len()
}

/// The same rows as tuples: the builder and decoding without the identity map.
fn orm_tuples(engine: &Engine) -> usize {
    let mut s = engine.session();
    let q = select_columns((
        BenchRow::id,
        BenchRow::name,
        BenchRow::email,
        BenchRow::score,
        BenchRow::note,
    ));
    s.all(q).expect("load").len()
}

/// The same rows read through the engine's own connection into the struct, without a session: what
/// the database and the driver cost on the ORM's connection (SQLite: the shared `memdb` VFS).
fn connection_load(engine: &Engine) -> usize {
    let mut conn = engine.connection().expect("connection");
    let mut out: Vec<BenchRow> = Vec::new();
    conn.query_rows(SELECT_ALL, &[], |r| {
        out.push(BenchRow::from_row(r, 0)?);
        Ok(true)
    })
    .expect("query");
    out.len()
}

fn orm_gets(engine: &Engine) -> usize {
    (1..=GETS)
        .filter(|&id| {
            let mut s = engine.session();
            s.get::<BenchRow>(id).expect("get").is_some()
        })
        .count()
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

fn report(
    backend: &str,
    orm_load: Duration,
    raw_load: Duration,
    orm_get: Duration,
    raw_get: Duration,
) {
    println!(
        "{backend}: load {ROWS} rows: orm {orm_load:?}, raw {raw_load:?}, ratio {:.2}x (goal 1.15x)",
        ratio(orm_load, raw_load)
    );
    println!(
        "{backend}: {GETS} gets by key: orm {orm_get:?}, raw {raw_get:?}, ratio {:.2}x (goal 1.3x)",
        ratio(orm_get, raw_get)
    );
}

fn sqlite() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::connect("sqlite::memory:")?;
    fill(&engine)?;
    let raw = rusqlite::Connection::open_in_memory()?;
    raw.execute_batch(
        r#"CREATE TABLE "bench_row" ("id" INTEGER PRIMARY KEY, "name" VARCHAR(64) NOT NULL,
           "email" VARCHAR(120) NOT NULL, "score" BIGINT NOT NULL, "note" TEXT)"#,
    )?;
    {
        let tx = raw.unchecked_transaction()?;
        let mut ins = tx.prepare(r#"INSERT INTO "bench_row" VALUES (?1, ?2, ?3, ?4, ?5)"#)?;
        for i in 1..=ROWS {
            let j = i - 1;
            let note = (j % 3 == 0).then(|| format!("note {j}"));
            ins.execute(rusqlite::params![
                i,
                format!("name {j}"),
                format!("user{j}@example.com"),
                j % 97,
                note
            ])?;
        }
        drop(ins);
        tx.commit()?;
    }
    let map =
        |r: &rusqlite::Row<'_>| Ok(row(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?));
    let raw_load = tests::fastest_of(RUNS, || {
        let mut st = raw.prepare_cached(SELECT_ALL).expect("prepare");
        let rows: Vec<BenchRow> = st
            .query_map([], map)
            .expect("query")
            .map(|r| r.expect("row"))
            .collect();
        rows.len()
    });
    let raw_get = tests::fastest_of(RUNS, || {
        (1..=GETS)
            .filter(|&id| {
                let mut st = raw
                    .prepare_cached(&format!("{SELECT_ALL} WHERE \"id\" = ?1"))
                    .expect("prepare");
                st.query_row([id], map).is_ok()
            })
            .count()
    });
    let orm_load_t = tests::fastest_of(RUNS, || orm_load(&engine));
    let orm_get_t = tests::fastest_of(RUNS, || orm_gets(&engine));
    report("sqlite (memory)", orm_load_t, raw_load, orm_get_t, raw_get);
    let tuples = tests::fastest_of(RUNS, || orm_tuples(&engine));
    println!(
        "sqlite (memory): load {ROWS} rows as tuples (no identity map): {tuples:?}, ratio {:.2}x",
        ratio(tuples, raw_load)
    );
    let conn_load = tests::fastest_of(RUNS, || connection_load(&engine));
    println!(
        "sqlite (memory): load {ROWS} rows through the engine's connection (no session): {conn_load:?}, ratio {:.2}x",
        ratio(conn_load, raw_load)
    );
    Ok(())
}

fn postgres() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var(tests::POSTGRES_URL_VAR) else {
        println!(
            "postgresql: skipped ({} is not set)",
            tests::POSTGRES_URL_VAR
        );
        return Ok(());
    };
    let db = tests::postgres().ok_or("no postgres")?;
    fill(&db.engine)?;
    let mut raw = postgres::Client::connect(&url, postgres::NoTls)?;
    raw.batch_execute(&format!("SET search_path TO \"{}\"", db.schema()))?;
    let all = raw.prepare(SELECT_ALL)?;
    let one = raw.prepare(&format!("{SELECT_ALL} WHERE \"id\" = $1"))?;
    let map = |r: &postgres::Row| row(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
    let raw_load = tests::fastest_of(RUNS, || {
        let rows: Vec<BenchRow> = raw
            .query(&all, &[])
            .expect("query")
            .iter()
            .map(map)
            .collect();
        rows.len()
    });
    let raw_get = tests::fastest_of(RUNS, || {
        (1..=GETS)
            .filter(|id| {
                raw.query_opt(&one, &[id])
                    .expect("get")
                    .map(|r| map(&r))
                    .is_some()
            })
            .count()
    });
    let orm_load_t = tests::fastest_of(RUNS, || orm_load(&db.engine));
    let orm_get_t = tests::fastest_of(RUNS, || orm_gets(&db.engine));
    report("postgresql", orm_load_t, raw_load, orm_get_t, raw_get);
    let tuples = tests::fastest_of(RUNS, || orm_tuples(&db.engine));
    println!(
        "postgresql: load {ROWS} rows as tuples (no identity map): {tuples:?}, ratio {:.2}x",
        ratio(tuples, raw_load)
    );
    let conn_load = tests::fastest_of(RUNS, || connection_load(&db.engine));
    println!(
        "postgresql: load {ROWS} rows through the engine's connection (no session): {conn_load:?}, ratio {:.2}x",
        ratio(conn_load, raw_load)
    );
    Ok(())
}

fn mysql() -> Result<(), Box<dyn std::error::Error>> {
    use mysql::prelude::Queryable;
    let Ok(url) = std::env::var(tests::MYSQL_URL_VAR) else {
        println!("mysql: skipped ({} is not set)", tests::MYSQL_URL_VAR);
        return Ok(());
    };
    let db = tests::mysql().ok_or("no mysql")?;
    fill(&db.engine)?;
    let opts = mysql::Opts::from_url(&tests::with_database(&url, db.database()))?;
    let mut raw = mysql::Conn::new(opts)?;
    // The same session settings the engine's connections have (ANSI_QUOTES for the shared text).
    raw.query_drop("SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')")?;
    let all = raw.prep(SELECT_ALL)?;
    let one = raw.prep(format!("{SELECT_ALL} WHERE \"id\" = ?"))?;
    type Tuple = (i64, String, String, i64, Option<String>);
    let map = |(id, name, email, score, note): Tuple| row(id, name, email, score, note);
    let raw_load = tests::fastest_of(RUNS, || {
        let rows: Vec<BenchRow> = raw.exec_map(&all, (), map).expect("query");
        rows.len()
    });
    let raw_get = tests::fastest_of(RUNS, || {
        (1..=GETS)
            .filter(|id| {
                raw.exec_first::<Tuple, _, _>(&one, (id,))
                    .expect("get")
                    .map(map)
                    .is_some()
            })
            .count()
    });
    let orm_load_t = tests::fastest_of(RUNS, || orm_load(&db.engine));
    let orm_get_t = tests::fastest_of(RUNS, || orm_gets(&db.engine));
    report("mariadb", orm_load_t, raw_load, orm_get_t, raw_get);
    let conn_load = tests::fastest_of(RUNS, || connection_load(&db.engine));
    println!(
        "mariadb: load {ROWS} rows through the engine's connection (no session): {conn_load:?}, ratio {:.2}x",
        ratio(conn_load, raw_load)
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tests::plain_postgres_for_benchmarks();
    // `cargo test --benches` runs this binary with `--bench` absent: keep that cheap.
    if !std::env::args().any(|a| a == "--bench") {
        println!("run with `cargo bench -p tests --bench query`");
        return Ok(());
    }
    sqlite()?;
    postgres()?;
    mysql()
}
