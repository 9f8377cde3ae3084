//! The ORM beside Diesel 2.3 and the raw drivers, in one run, on the scenarios of `tests/benches`
//! (same tables, same sizes): the times of each side and the ratios.
//!
//! `cargo bench -p peers --features bench` (in-memory SQLite; PostgreSQL too when
//! `TEST_POSTGRES_URL` is set, each side in a schema of its own). Each side has its own database and
//! fills it by its own means before the clock starts; the sides take turns within each round, and
//! the best round of each is reported.
//!
//! How the pairs compare. Diesel has no unit of work, no identity map and no change tracking: its
//! code says which statements to send, where the ORM's flush works them out from the objects.
//! - **insert 100k, ids back**. Raw SQLite: one prepared `INSERT … RETURNING id` per row; raw
//!   PostgreSQL: 1000-row `VALUES … RETURNING id`. Diesel: 1000-row `insert_into(item).values(&chunk)
//!   .returning(id)` on both. ORM: `add_all` + `commit`. All in one transaction. Diesel's derived
//!   `Insertable` wraps every field in an `Option` (`None` meaning `DEFAULT`), and SQLite has no
//!   `DEFAULT` in a multi-row `VALUES`, so on SQLite such a batch is sent one row per statement;
//!   `treat_none_as_default_value = false` on `NewItem` makes it one statement per chunk.
//! - **load 100k**. All build a `Vec` of structs; the ORM's are tracked objects in its identity map.
//! - **10k gets**. Raw: a prepared select by key. Diesel: `find(id).get_result`, the same SQL.
//!   ORM: `get` in a fresh session each time (an identity-map miss, then tracking). The next row
//!   is Diesel's other usual spelling, `find(id).first`, which adds `LIMIT ?` bound to 1: SQLite
//!   (3.50, bundled) reads a bound `LIMIT` while planning and so expires the statement whenever
//!   that parameter is bound again, and Diesel's cached statement is prepared anew at every get.
//! - **update 100k**. Raw SQLite: one prepared `UPDATE` per row; raw PostgreSQL: `UPDATE … FROM
//!   (VALUES …)`, 1000 rows per statement. Diesel: one `update(item.find(id)).set((name, qty))` per
//!   row, as its users write it (it has no update of many rows with different values); Diesel
//!   never caches an `UPDATE`, so each is prepared anew. ORM: write the fields, `commit` (the flush
//!   finds the changed objects and columns).
//! - **delete 100k**. Raw SQLite: one prepared `DELETE` per row; raw PostgreSQL: `DELETE … IN`,
//!   1000 keys per statement. Diesel: `delete(item.filter(id.eq_any(chunk)))`, 1000 keys per
//!   statement (`IN` on SQLite, `= ANY($1)` on PostgreSQL). ORM: `delete` each object, `commit`
//!   (the flush also checks for dependent rows).
//! - **users/posts/comments**: 100 users × 10 posts × 10 comments loaded and grouped per parent.
//!   Raw: three queries (`IN` lists on SQLite, `= ANY($1)` on PostgreSQL), grouped by hand. Diesel:
//!   `load`, `belonging_to(&parents)` ordered by key (the same SQL as raw), `grouped_by`. ORM:
//!   eager select-in loading.

mod data;
mod diesel_side;
mod orm_side;
mod raw_postgres;
mod raw_sqlite;

use std::time::{Duration, Instant};

use data::{GETS, N, PER, USERS};

/// Write rounds (insert, update, delete) per side; runs of each read.
const WRITE_ROUNDS: usize = 3;
const READ_RUNS: usize = 5;
const TREE_RUNS: usize = 10;

/// One way of doing the work, with its own connection and its own copy of the data.
trait Side {
    /// Inserts `N` items with their ids read back, updates each, deletes them all: the three times.
    fn write_round(&mut self) -> [Duration; 3];
    /// Loads the `N` rows of `bench_row` into structs; how many.
    fn load(&mut self) -> usize;
    /// Gets `GETS` rows by key, one at a time; how many were found.
    fn gets(&mut self) -> usize;
    /// The gets written the other usual way, where the side has one that sends other SQL (Diesel's
    /// `first`, which adds `LIMIT 1`); `None` where it has not.
    fn gets_with_limit(&mut self) -> Option<usize> {
        None
    }
    /// Loads the users with their posts and the posts' comments grouped under them; how many
    /// comments were reached through the tree.
    fn tree(&mut self) -> usize;
}

const SIDES: [&str; 3] = ["raw", "orm", "diesel"];

/// The scenarios in the order printed: the best time of each side, as in [`SIDES`].
struct Table {
    rows: Vec<(String, [Duration; 3])>,
}

fn measure(mut sides: [&mut dyn Side; 3]) -> Table {
    let mut writes = [[Duration::MAX; 3]; 3];
    for _ in 0..WRITE_ROUNDS {
        for (s, side) in sides.iter_mut().enumerate() {
            for (phase, t) in side.write_round().into_iter().enumerate() {
                writes[phase][s] = writes[phase][s].min(t);
            }
        }
    }
    type Read = fn(&mut dyn Side) -> Option<usize>;
    let reads: [(usize, usize, Read); 4] = [
        (READ_RUNS, N, |s| Some(s.load())),
        (READ_RUNS, GETS as usize, |s| Some(s.gets())),
        (READ_RUNS, GETS as usize, |s| s.gets_with_limit()),
        (TREE_RUNS, USERS * PER * PER, |s| Some(s.tree())),
    ];
    let [load, gets, gets_with_limit, tree] = reads.map(|(runs, expected, read)| {
        let mut best = [None::<Duration>; 3];
        for _ in 0..runs {
            for (s, side) in sides.iter_mut().enumerate() {
                let start = Instant::now();
                let Some(n) = std::hint::black_box(read(&mut **side)) else {
                    continue;
                };
                let t = start.elapsed();
                best[s] = Some(best[s].map_or(t, |b| b.min(t)));
                assert_eq!(n, expected, "{} did other work", SIDES[s]);
            }
        }
        best
    });
    let all = |best: [Option<Duration>; 3]| best.map(|t| t.expect("measured"));
    let [insert, update, delete] = writes;
    let mut rows = vec![
        (format!("insert {}k, ids back", N / 1000), insert),
        (format!("load {}k", N / 1000), all(load)),
        (format!("{}k gets", GETS / 1000), all(gets)),
    ];
    // Diesel's `first`: the raw and ORM sides do the same work as in the row above.
    if let [_, _, Some(diesel)] = gets_with_limit {
        let [raw, orm, _] = all(gets);
        rows.push(("  the same, Diesel's .first()".into(), [raw, orm, diesel]));
    }
    rows.extend([
        (format!("update {}k", N / 1000), update),
        (format!("delete {}k", N / 1000), delete),
        (
            format!("users/posts/comments {USERS}x{PER}x{PER}"),
            all(tree),
        ),
    ]);
    Table { rows }
}

fn report(backend: &str, table: &Table) {
    println!(
        "\n{backend}: best of {WRITE_ROUNDS} write rounds, {READ_RUNS} load and get runs, \
         {TREE_RUNS} tree runs"
    );
    println!(
        "{:<30} {:>9} {:>9} {:>9} {:>8} {:>10} {:>10}",
        "scenario", "raw ms", "ORM ms", "Diesel ms", "ORM/raw", "Diesel/raw", "ORM/Diesel"
    );
    for (name, [raw, orm, diesel]) in &table.rows {
        let ms = |d: &Duration| d.as_secs_f64() * 1e3;
        let ratio = |a: &Duration, b: &Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        println!(
            "{name:<30} {:>9.1} {:>9.1} {:>9.1} {:>7.2}x {:>9.2}x {:>9.2}x",
            ms(raw),
            ms(orm),
            ms(diesel),
            ratio(orm, raw),
            ratio(diesel, raw),
            ratio(orm, diesel)
        );
    }
}

fn sqlite() -> Result<(), Box<dyn std::error::Error>> {
    let mut raw = raw_sqlite::RawSqlite::new()?;
    let mut orm = orm_side::OrmSide::new(orm_core::Engine::connect("sqlite::memory:")?)?;
    let mut diesel = diesel_side::DieselSide::sqlite()?;
    report(
        "sqlite (in memory)",
        &measure([&mut raw, &mut orm, &mut diesel]),
    );
    Ok(())
}

fn postgres() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        println!("\npostgresql: skipped (set TEST_POSTGRES_URL)");
        return Ok(());
    };
    let schemas = SIDES.map(|side| format!("peers_{side}"));
    let mut admin = postgres::Client::connect(&url, postgres::NoTls)?;
    for schema in &schemas {
        admin.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))?;
    }
    {
        // Plain TCP on every side: the raw side connects with NoTls, and libpq's default `prefer`
        // would encrypt the ORM's and Diesel's.
        let plain = if url.contains("sslmode=") {
            url.clone()
        } else {
            format!(
                "{url}{}sslmode=disable",
                if url.contains('?') { '&' } else { '?' }
            )
        };
        let engine = orm_core::Engine::builder(&plain)
            .search_path(&schemas[1])
            .build()?;
        let mut raw = raw_postgres::RawPostgres::new(&url, &schemas[0])?;
        let mut orm = orm_side::OrmSide::new(engine)?;
        let mut diesel = diesel_side::DieselSide::postgres(&plain, &schemas[2])?;
        report("postgresql", &measure([&mut raw, &mut orm, &mut diesel]));
    }
    for schema in &schemas {
        admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo test --benches --features bench` runs this binary without `--bench`: keep that cheap.
    if !std::env::args().any(|a| a == "--bench") {
        println!("run with `cargo bench -p peers --features bench`");
        return Ok(());
    }
    sqlite()?;
    postgres()
}
