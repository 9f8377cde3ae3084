//! A schema changed under a running application, tried as a new user would: run a query, alter the
//! table from a second engine (another process, as far as the first can tell) or from another of the
//! engine's own connections, run the query again. Cached statements must not fail or return the old
//! columns.

use orm_core::query::select;
use orm_core::{Engine, Metadata, Model};
use tests::TestResult;

#[derive(Model, Debug)]
pub struct Gadget {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 40)]
    pub name: String,
}

const SELECT_ALL: &str = r#"SELECT * FROM "gadget" ORDER BY "id""#;

fn columns(engine: &Engine) -> orm_core::Result<Vec<String>> {
    let rows = engine.connection()?.query(SELECT_ALL, &[])?;
    Ok(rows.columns.to_vec())
}

/// `engine` and `other` are two engines on one database.
fn altered_by_another_engine(engine: &Engine, other: &Engine) -> TestResult {
    engine.create_tables(&Metadata::new().with::<Gadget>())?;
    let mut s = engine.session();
    s.add(Gadget::new("one"));
    s.commit()?;
    // Several pooled connections prepare both statements before the change.
    {
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut c = engine.connection()?;
            assert_eq!(c.query(SELECT_ALL, &[])?.columns.len(), 2);
            held.push(c);
        }
        assert_eq!(engine.session().all(select::<Gadget>())?.len(), 1);
    }
    other
        .connection()?
        .batch_execute(r#"ALTER TABLE "gadget" ADD COLUMN "extra" INTEGER DEFAULT 5"#)?;
    // Every pooled connection sees the new column, and the ORM's own query still runs.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = engine.connection()?;
        let rows = c.query(SELECT_ALL, &[])?;
        assert_eq!(rows.columns.to_vec(), ["id", "name", "extra"]);
        assert_eq!(rows.rows[0].len(), 3);
        held.push(c);
    }
    drop(held);
    let mut s = engine.session();
    let all = s.all(select::<Gadget>())?;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].read().name, "one");
    s.add(Gadget::new("two"));
    s.commit()?;
    assert_eq!(columns(engine)?, ["id", "name", "extra"]);
    Ok(())
}

/// One engine: a connection that prepared `SELECT *` runs it inside a transaction after another of
/// the engine's connections altered the table (where a failed statement could not be retried).
fn altered_by_the_same_engine(engine: &Engine) -> TestResult {
    engine.create_tables(&Metadata::new().with::<Gadget>())?;
    let mut a = engine.connection()?;
    let mut b = engine.connection()?;
    a.execute(r#"INSERT INTO "gadget" ("name") VALUES ('x')"#, &[])?;
    assert_eq!(a.query(SELECT_ALL, &[])?.columns.len(), 2);
    b.batch_execute(r#"ALTER TABLE "gadget" ADD COLUMN "extra" INTEGER DEFAULT 5"#)?;
    a.begin()?;
    let rows = a.query(SELECT_ALL, &[])?;
    assert_eq!(rows.columns.to_vec(), ["id", "name", "extra"]);
    a.commit()?;
    Ok(())
}

#[test]
fn sqlite_file_altered_by_another_engine() -> TestResult {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:///{}", dir.path().join("app.db").display());
    altered_by_another_engine(&Engine::connect(&url)?, &Engine::connect(&url)?)
}

#[test]
fn sqlite_altered_by_the_same_engine() -> TestResult {
    altered_by_the_same_engine(&tests::sqlite())
}

#[test]
fn postgres_altered_by_another_engine() -> TestResult {
    let Some(db) = tests::postgres() else {
        return Ok(());
    };
    let url = std::env::var(tests::POSTGRES_URL_VAR)?;
    let other = Engine::builder(&url).search_path(db.schema()).build()?;
    altered_by_another_engine(&db.engine, &other)
}

#[test]
fn postgres_altered_by_the_same_engine() -> TestResult {
    let Some(db) = tests::postgres() else {
        return Ok(());
    };
    altered_by_the_same_engine(&db.engine)
}

#[test]
fn mysql_altered_by_another_engine() -> TestResult {
    let Some(db) = tests::mysql() else {
        return Ok(());
    };
    let url = std::env::var(tests::MYSQL_URL_VAR)?;
    let other = Engine::connect(&tests::with_database(&url, db.database()))?;
    altered_by_another_engine(&db.engine, &other)
}

#[test]
fn mysql_altered_by_the_same_engine() -> TestResult {
    let Some(db) = tests::mysql() else {
        return Ok(());
    };
    altered_by_the_same_engine(&db.engine)
}
