//! The session's flush against the raw drivers doing the same work, in one run, as ratios:
//! 100k new objects inserted with their ids read back, 100k dirty objects updated, 100k deleted.
//!
//! `cargo bench -p tests --bench session` (in-memory SQLite; PostgreSQL and MariaDB too when
//! TEST_POSTGRES_URL and TEST_MYSQL_URL are set). Raw MariaDB is multi-row VALUES with the keys
//! counted from LAST_INSERT_ID() (inserts), UPDATE ... JOIN a derived table of the new values
//! (updates) and DELETE ... IN (...) (deletes), 1000 rows per statement, in one transaction. Raw SQLite is a single-row prepared statement per row in one transaction; raw PostgreSQL is
//! multi-row VALUES (inserts), UPDATE ... FROM (VALUES ...) (updates) and DELETE ... IN (...) (deletes),
//! 1000 rows per statement, in one transaction.

use std::time::{Duration, Instant};

use orm_core::{Engine, Model};

#[derive(Model, Debug)]
pub struct Item {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 64)]
    pub name: String,
    pub qty: i64,
    pub price: f64,
}

const N: usize = 100_000;
const ROUNDS: usize = 3;
const BATCH: usize = 1000;

fn items() -> Vec<Item> {
    (0..N)
        .map(|i| Item {
            id: None,
            name: format!("item {i}"),
            qty: i as i64,
            price: i as f64 * 0.5,
        })
        .collect()
}

#[derive(Default)]
struct Times {
    insert: Duration,
    update: Duration,
    delete: Duration,
}

impl Times {
    fn copy(&self) -> Times {
        Times {
            insert: self.insert,
            update: self.update,
            delete: self.delete,
        }
    }
}

fn orm_round(engine: &Engine) -> Times {
    let mut t = Times::default();
    let mut session = engine.session();
    let data = items();
    let start = Instant::now();
    let objs = session.add_all(data);
    session.commit().expect("insert");
    t.insert = start.elapsed();
    assert_eq!(objs[N - 1].read().id.map(|_| ()), Some(()));
    let start = Instant::now();
    for o in &objs {
        let mut w = o.write();
        w.qty += 1;
        w.name.push('!');
    }
    session.commit().expect("update");
    t.update = start.elapsed();
    let start = Instant::now();
    for o in &objs {
        session.delete(o);
    }
    session.commit().expect("delete");
    t.delete = start.elapsed();
    t
}

fn sqlite_raw_round(conn: &mut rusqlite::Connection) -> Times {
    let mut t = Times::default();
    let mut data = items();
    let start = Instant::now();
    let tx = conn.transaction().expect("begin");
    {
        let mut stmt = tx
            .prepare_cached("INSERT INTO item (name, qty, price) VALUES (?1, ?2, ?3) RETURNING id")
            .expect("prepare");
        for it in &mut data {
            it.id = Some(
                stmt.query_row(rusqlite::params![it.name, it.qty, it.price], |r| r.get(0))
                    .expect("insert"),
            );
        }
    }
    tx.commit().expect("commit");
    t.insert = start.elapsed();
    let start = Instant::now();
    let tx = conn.transaction().expect("begin");
    {
        let mut stmt = tx
            .prepare_cached("UPDATE item SET name = ?1, qty = ?2 WHERE id = ?3")
            .expect("prepare");
        for it in &mut data {
            it.qty += 1;
            it.name.push('!');
            assert_eq!(
                stmt.execute(rusqlite::params![it.name, it.qty, it.id])
                    .expect("update"),
                1
            );
        }
    }
    tx.commit().expect("commit");
    t.update = start.elapsed();
    let start = Instant::now();
    let tx = conn.transaction().expect("begin");
    {
        let mut stmt = tx
            .prepare_cached("DELETE FROM item WHERE id = ?1")
            .expect("prepare");
        for it in &data {
            assert_eq!(stmt.execute([it.id]).expect("delete"), 1);
        }
    }
    tx.commit().expect("commit");
    t.delete = start.elapsed();
    t
}

fn placeholders(rows: usize, cols: usize, casts: &[&str]) -> String {
    let mut s = String::new();
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!(
                "${}{}",
                r * cols + c + 1,
                casts.get(c).copied().unwrap_or("")
            ));
        }
        s.push(')');
    }
    s
}

fn postgres_raw_round(client: &mut postgres::Client) -> Times {
    use postgres::types::ToSql;
    let mut t = Times::default();
    let mut data = items();
    let start = Instant::now();
    let mut tx = client.transaction().expect("begin");
    for chunk in data.chunks_mut(BATCH) {
        let sql = format!(
            "INSERT INTO item (name, qty, price) VALUES {} RETURNING id",
            placeholders(chunk.len(), 3, &[])
        );
        let stmt = tx.prepare(&sql).expect("prepare");
        let params: Vec<&(dyn ToSql + Sync)> = chunk
            .iter()
            .flat_map(|it| [&it.name as &(dyn ToSql + Sync), &it.qty, &it.price])
            .collect();
        let mut ids: Vec<i64> = tx
            .query(&stmt, &params)
            .expect("insert")
            .iter()
            .map(|r| r.get(0))
            .collect();
        ids.sort_unstable();
        for (it, id) in chunk.iter_mut().zip(ids) {
            it.id = Some(id);
        }
    }
    tx.commit().expect("commit");
    t.insert = start.elapsed();
    let start = Instant::now();
    let mut tx = client.transaction().expect("begin");
    for chunk in data.chunks_mut(BATCH) {
        for it in chunk.iter_mut() {
            it.qty += 1;
            it.name.push('!');
        }
        let sql = format!(
            "UPDATE item SET name = v.name, qty = v.qty FROM (VALUES {}) AS v (id, name, qty) WHERE item.id = v.id",
            placeholders(chunk.len(), 3, &["::BIGINT", "::VARCHAR(64)", "::BIGINT"])
        );
        let params: Vec<&(dyn ToSql + Sync)> = chunk
            .iter()
            .flat_map(|it| [&it.id as &(dyn ToSql + Sync), &it.name, &it.qty])
            .collect();
        assert_eq!(
            tx.execute(&sql, &params).expect("update"),
            chunk.len() as u64
        );
    }
    tx.commit().expect("commit");
    t.update = start.elapsed();
    let start = Instant::now();
    let mut tx = client.transaction().expect("begin");
    for chunk in data.chunks(BATCH) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("DELETE FROM item WHERE id IN ({})", list.join(", "));
        let params: Vec<&(dyn ToSql + Sync)> = chunk
            .iter()
            .map(|it| &it.id as &(dyn ToSql + Sync))
            .collect();
        assert_eq!(
            tx.execute(&sql, &params).expect("delete"),
            chunk.len() as u64
        );
    }
    tx.commit().expect("commit");
    t.delete = start.elapsed();
    t
}

fn mysql_raw_round(conn: &mut mysql::Conn) -> Times {
    use mysql::prelude::Queryable;
    let mut t = Times::default();
    let mut data = items();
    let start = Instant::now();
    conn.query_drop("START TRANSACTION").expect("begin");
    for chunk in data.chunks_mut(BATCH) {
        let values = vec!["(?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!("INSERT INTO item (name, qty, price) VALUES {values}");
        let params: Vec<mysql::Value> = chunk
            .iter()
            .flat_map(|it| [it.name.clone().into(), it.qty.into(), it.price.into()])
            .collect();
        conn.exec_drop(&sql, params).expect("insert");
        // One multi-row INSERT's keys are consecutive (innodb_autoinc_lock_mode 1).
        let first = conn.last_insert_id() as i64;
        for (n, it) in chunk.iter_mut().enumerate() {
            it.id = Some(first + n as i64);
        }
    }
    conn.query_drop("COMMIT").expect("commit");
    t.insert = start.elapsed();
    let start = Instant::now();
    conn.query_drop("START TRANSACTION").expect("begin");
    for chunk in data.chunks_mut(BATCH) {
        for it in chunk.iter_mut() {
            it.qty += 1;
            it.name.push('!');
        }
        let rows = std::iter::once("SELECT ? AS id, ? AS name, ? AS qty")
            .chain(std::iter::repeat_n("SELECT ?, ?, ?", chunk.len() - 1))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!(
            "UPDATE item JOIN ({rows}) AS v ON item.id = v.id SET item.name = v.name, item.qty = v.qty"
        );
        let params: Vec<mysql::Value> = chunk
            .iter()
            .flat_map(|it| [it.id.into(), it.name.clone().into(), it.qty.into()])
            .collect();
        conn.exec_drop(&sql, params).expect("update");
        assert_eq!(conn.affected_rows(), chunk.len() as u64);
    }
    conn.query_drop("COMMIT").expect("commit");
    t.update = start.elapsed();
    let start = Instant::now();
    conn.query_drop("START TRANSACTION").expect("begin");
    for chunk in data.chunks(BATCH) {
        let sql = format!(
            "DELETE FROM item WHERE id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let params: Vec<mysql::Value> = chunk.iter().map(|it| it.id.into()).collect();
        conn.exec_drop(&sql, params).expect("delete");
        assert_eq!(conn.affected_rows(), chunk.len() as u64);
    }
    conn.query_drop("COMMIT").expect("commit");
    t.delete = start.elapsed();
    t
}

/// MariaDB, in databases of their own for the two sides; the ORM with the server's own
/// capabilities (INSERT ... RETURNING) and with MySQL 8's (keys from the connection).
fn mysql_bench(create: &str) {
    use mysql::prelude::Queryable;
    let Ok(url) = std::env::var(tests::MYSQL_URL_VAR) else {
        println!("\nmariadb: skipped (set {})", tests::MYSQL_URL_VAR);
        return;
    };
    for (label, options) in [
        ("mariadb", None),
        ("mariadb as mysql 8", Some(orm_core::dialect::MySql::MYSQL8)),
    ] {
        let db = tests::mysql_with(|b| match options {
            Some(d) => b.mysql_dialect(d),
            None => b,
        })
        .expect("mysql");
        db.engine.create_all().expect("create");
        let raw_db = tests::mysql().expect("mysql");
        let opts =
            mysql::Opts::from_url(&tests::with_database(&url, raw_db.database())).expect("url");
        let mut raw = mysql::Conn::new(opts).expect("connect");
        raw.query_drop(create.replace(
            "INTEGER NOT NULL PRIMARY KEY",
            "BIGINT AUTO_INCREMENT PRIMARY KEY",
        ))
        .expect("create");
        let mut orm_times = Vec::new();
        let mut raw_times = Vec::new();
        for _ in 0..ROUNDS {
            orm_times.push(orm_round(&db.engine));
            raw_times.push(mysql_raw_round(&mut raw));
        }
        report(label, &best(orm_times), &best(raw_times));
    }
}

fn best(rounds: impl IntoIterator<Item = Times>) -> Times {
    rounds.into_iter().fold(
        Times {
            insert: Duration::MAX,
            update: Duration::MAX,
            delete: Duration::MAX,
        },
        |a, b| Times {
            insert: a.insert.min(b.insert),
            update: a.update.min(b.update),
            delete: a.delete.min(b.delete),
        },
    )
}

fn report(backend: &str, orm: &Times, raw: &Times) {
    println!("\n{backend}: {N} rows, best of {ROUNDS}");
    println!(
        "{:<8} {:>12} {:>12} {:>8} {:>14}",
        "phase", "orm", "raw", "ratio", "orm rows/s"
    );
    for (name, o, r) in [
        ("insert", orm.insert, raw.insert),
        ("update", orm.update, raw.update),
        ("delete", orm.delete, raw.delete),
    ] {
        println!(
            "{name:<8} {:>10.1}ms {:>10.1}ms {:>7.2}x {:>14.0}",
            o.as_secs_f64() * 1e3,
            r.as_secs_f64() * 1e3,
            o.as_secs_f64() / r.as_secs_f64(),
            N as f64 / o.as_secs_f64()
        );
    }
}

fn main() {
    tests::plain_postgres_for_benchmarks();
    let create = "CREATE TABLE item (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, qty BIGINT NOT NULL, price DOUBLE PRECISION NOT NULL)";
    // SQLite, in memory, both sides.
    let engine = Engine::connect("sqlite::memory:").expect("engine");
    engine.create_all().expect("create");
    let mut raw = rusqlite::Connection::open_in_memory().expect("sqlite");
    raw.execute_batch(create).expect("create");
    let mut orm_times = Vec::new();
    let mut raw_times = Vec::new();
    for _ in 0..ROUNDS {
        orm_times.push(orm_round(&engine));
        raw_times.push(sqlite_raw_round(&mut raw));
    }
    let raw_times_copy: Vec<Times> = raw_times.iter().map(Times::copy).collect();
    report("sqlite (in memory)", &best(orm_times), &best(raw_times));
    // The raw driver on the database the ORM's `sqlite::memory:` opens (the `memdb` VFS, shared by
    // the pool's connections): the cost of that choice alone, against the private in-memory
    // database of the line above.
    let mut shared = rusqlite::Connection::open_with_flags(
        "file:/orm_bench_shared?vfs=memdb",
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
            | rusqlite::OpenFlags::SQLITE_OPEN_URI
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("sqlite memdb");
    shared.execute_batch(create).expect("create");
    let shared_times: Vec<Times> = (0..ROUNDS).map(|_| sqlite_raw_round(&mut shared)).collect();
    report(
        "sqlite raw on the memdb VFS (against raw in memory)",
        &best(shared_times),
        &best(raw_times_copy),
    );

    mysql_bench(create);
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        println!("\npostgresql: skipped (set TEST_POSTGRES_URL)");
        return;
    };
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("postgres");
    admin
        .batch_execute("DROP SCHEMA IF EXISTS orm_bench_orm CASCADE; CREATE SCHEMA orm_bench_orm; DROP SCHEMA IF EXISTS orm_bench_raw CASCADE; CREATE SCHEMA orm_bench_raw")
        .expect("schemas");
    let engine = Engine::builder(&url)
        .search_path("orm_bench_orm")
        .build()
        .expect("engine");
    engine.create_all().expect("create");
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).expect("postgres");
    raw.batch_execute(&format!(
        "SET search_path TO orm_bench_raw; {}",
        create.replace(
            "INTEGER NOT NULL PRIMARY KEY",
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        )
    ))
    .expect("create");
    let mut orm_times = Vec::new();
    let mut raw_times = Vec::new();
    for _ in 0..ROUNDS {
        orm_times.push(orm_round(&engine));
        raw_times.push(postgres_raw_round(&mut raw));
    }
    report("postgresql", &best(orm_times), &best(raw_times));
    admin
        .batch_execute("DROP SCHEMA orm_bench_orm CASCADE; DROP SCHEMA orm_bench_raw CASCADE")
        .expect("cleanup");
}
