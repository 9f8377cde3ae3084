//! The Flask-Migrate walkthroughs of seeds 000 and 003, on SQLite and PostgreSQL.

mod migrate_common;

use migrate_common::{metadata, post, products, user};
use orm_core::schema::Metadata;
use orm_core::value::Value;
use orm_core::Engine;
use orm_migrate::autogenerate::{compare, detected, generate};
use orm_migrate::reflect::reflect;
use orm_migrate::repository::Repository;
use orm_migrate::runner::Migrator;
use orm_migrate::SchemaState;
use tests::db_test;

/// The live schema matches the models exactly.
fn assert_schema(engine: &Engine, models: &Metadata) -> tests::TestResult {
    let live = reflect(&mut engine.connection()?)?;
    let diff = compare(models, &SchemaState::from_tables(live));
    assert!(diff.is_empty(), "drift: {:?}", detected(&diff.upgrade));
    Ok(())
}

fn run(
    engine: &Engine,
    repo: &Repository,
    f: impl FnOnce(&mut Migrator<'_>) -> orm_migrate::Result<Vec<String>>,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut lines = Vec::new();
    {
        let mut m = Migrator::new(engine, repo).with_printer(|l| lines.push(l.to_owned()));
        f(&mut m)?;
    }
    Ok(lines)
}

db_test!(fn seed_000_users_then_posts(engine) {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("migrations"))?;

    let v1 = metadata([user()]);
    let users = generate(&mut repo, &v1, "users table", None)?.ok_or("no changes")?;
    assert_eq!(
        users.detected,
        [
            "Detected added table 'user'",
            "Detected added index 'ix_user_username' on '['username']'",
            "Detected added index 'ix_user_email' on '['email']'",
        ]
    );
    let rev1 = users.migration.revision.clone();
    let lines = run(engine, &repo, |m| m.upgrade("head"))?;
    assert_eq!(lines, [format!("Running upgrade  -> {rev1}, users table")]);
    assert_schema(engine, &v1)?;
    assert!(generate(&mut repo, &v1, "nothing", None)?.is_none());

    let v2 = metadata([user(), post()]);
    let posts = generate(&mut repo, &v2, "posts table", None)?.ok_or("no changes")?;
    assert_eq!(posts.detected[0], "Detected added table 'post'");
    let rev2 = posts.migration.revision.clone();
    let lines = run(engine, &repo, |m| m.upgrade("head"))?;
    assert_eq!(lines, [format!("Running upgrade {rev1} -> {rev2}, posts table")]);
    assert_schema(engine, &v2)?;
    assert_eq!(Migrator::new(engine, &repo).current()?, [rev2.as_str()]);

    let lines = run(engine, &repo, |m| m.downgrade("base"))?;
    assert_eq!(
        lines,
        [
            format!("Running downgrade {rev2} -> {rev1}, posts table"),
            format!("Running downgrade {rev1} -> , users table"),
        ]
    );
    assert_schema(engine, &Metadata::new())?;
    assert!(Migrator::new(engine, &repo).current()?.is_empty());

    run(engine, &repo, |m| m.upgrade("head"))?;
    assert_schema(engine, &v2)?;
    // Reopening the directory reads the same history back.
    let reopened = Repository::open(repo.dir())?;
    assert_eq!(reopened.graph().head()?, Some(rev2.as_str()));
    Ok(())
});

/// The rows of `products`. (Explicit column lists: orm-core's statement cache keeps a `SELECT *`
/// prepared across the schema change, which both drivers then refuse.)
fn rows(engine: &Engine, columns: &str) -> Result<Vec<Vec<Value>>, Box<dyn std::error::Error>> {
    let sql = format!("SELECT {columns} FROM products ORDER BY id");
    Ok(engine.connection()?.query(&sql, &[])?.rows)
}

db_test!(fn seed_003_add_price_keeps_rows(engine) {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("migrations"))?;
    generate(&mut repo, &metadata([products(false)]), "initial migration", None)?;
    run(engine, &repo, |m| m.upgrade("head"))?;
    engine.connection()?.batch_execute(
        "INSERT INTO products (name) VALUES ('Apple'); INSERT INTO products (name) VALUES ('Orange'); INSERT INTO products (name) VALUES ('Banana')",
    )?;

    let priced = metadata([products(true)]);
    let add = generate(&mut repo, &priced, "add price column", None)?.ok_or("no changes")?;
    assert_eq!(add.detected, ["Detected added column 'products.price'"]);
    run(engine, &repo, |m| m.upgrade("head"))?;
    assert_schema(engine, &priced)?;
    let rows_after = rows(engine, "id, name, price")?;
    assert_eq!(rows_after.len(), 3);
    assert!(rows_after.iter().all(|r| r[2] == Value::Null));
    assert_eq!(rows_after[0][1], Value::Text("Apple".into()));

    run(engine, &repo, |m| m.downgrade("-1"))?;
    assert_schema(engine, &metadata([products(false)]))?;
    let rows_down = rows(engine, "name, id")?;
    assert_eq!(rows_down.len(), 3);
    assert_eq!(rows_down[2][0], Value::Text("Banana".into()));
    Ok(())
});
