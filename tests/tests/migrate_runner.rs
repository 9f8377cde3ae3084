//! The runner: failures roll back one revision, concurrent upgraders, SQLite rebuilds with data and
//! foreign keys, stamping, heads and merges, offline SQL.

mod migrate_common;

use migrate_common::{index, metadata, post, products, user};
use orm_core::schema::{ColumnDef, ColumnType, FkAction, ForeignKeyDef, TableDef, UniqueDef};
use orm_core::value::Value;
use orm_core::{DialectKind, Engine};
use orm_migrate::autogenerate::{compare, detected, generate};
use orm_migrate::ops::ColumnState;
use orm_migrate::reflect::reflect;
use orm_migrate::repository::Repository;
use orm_migrate::runner::{check, upgrade_sql, Migrator};
use orm_migrate::{Error, Operation, SchemaState};
use tests::db_test;

fn quiet<'a>(engine: &'a Engine, repo: &'a Repository) -> Migrator<'a> {
    Migrator::new(engine, repo).with_printer(|_| {})
}

fn count(engine: &Engine, table: &str) -> Result<i64, Box<dyn std::error::Error>> {
    let rows = engine
        .connection()?
        .query(&format!("SELECT COUNT(*) FROM {table}"), &[])?;
    match rows.rows[0][0] {
        Value::I64(n) => Ok(n),
        ref other => Err(format!("unexpected count {other:?}").into()),
    }
}

db_test!(fn a_failing_operation_leaves_the_previous_revision(engine) {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("m"))?;
    let first = generate(&mut repo, &metadata([products(false)]), "products", None)?
        .ok_or("no changes")?
        .migration
        .revision;
    let upgrade = vec![
        Operation::AddColumn {
            table: "products".into(),
            column: ColumnDef::new("price", ColumnType::Integer).nullable(true),
        },
        Operation::Sql {
            up: "INSERT INTO no_such_table VALUES (1)".into(),
            down: None,
        },
    ];
    let down = Operation::reverse_all(&upgrade);
    repo.add("broken", vec![first.clone()], upgrade, down)?;
    let err = quiet(engine, &repo).upgrade("head").unwrap_err();
    assert_eq!(quiet(engine, &repo).current()?, [first.as_str()]);
    let live = reflect(&mut engine.connection()?)?;
    assert_eq!(live.len(), 1);
    if orm_migrate::ddl::for_dialect(engine.dialect().kind())?.transactional_ddl() {
        assert!(matches!(err, Error::Core(_)), "{err}");
        assert!(live[0].column("price").is_none(), "the first operation was rolled back");
        return Ok(());
    }
    // MySQL committed the first operation: the error says so, and where to resume.
    assert!(matches!(err, Error::PartialMigration { failed: 2, total: 2, .. }), "{err}");
    assert!(err.to_string().contains("operations 1 to 1 were applied"), "{err}");
    assert!(live[0].column("price").is_some(), "the first operation stays");
    // Another migration cannot run over it.
    assert!(matches!(quiet(engine, &repo).downgrade("base"), Err(Error::MigrationInProgress { .. })));
    // Once the cause is fixed, upgrade resumes at the failed operation: the column is not added twice.
    engine.connection()?.batch_execute("CREATE TABLE no_such_table (x INT)")?;
    let mut lines = Vec::new();
    let done = Migrator::new(engine, &repo).with_printer(|l| lines.push(l.to_owned())).upgrade("head")?;
    assert_eq!(done.len(), 1);
    assert!(lines.iter().any(|l| l.starts_with("Resuming upgrade") && l.contains("operation 2 of 2")), "{lines:?}");
    let rows = engine.connection()?.query("SELECT x FROM no_such_table", &[])?.rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(quiet(engine, &repo).current()?.len(), 1);
    assert_ne!(quiet(engine, &repo).current()?, [first.as_str()]);
    // Back down to the first revision: the column goes again.
    quiet(engine, &repo).downgrade(&first)?;
    let live = reflect(&mut engine.connection()?)?;
    let products = live.iter().find(|t| t.name == "products").ok_or("no products")?;
    assert!(products.column("price").is_none());
    Ok(())
});

#[test]
fn two_concurrent_upgrades_apply_each_revision_once() -> tests::TestResult {
    match tests::postgres() {
        Some(db) => concurrent_upgrades(&db.engine),
        None => Ok(()),
    }
}

/// MySQL: the migrators serialise on a named lock held by their connections (DDL ends
/// transactions, so no transaction-scoped lock would hold).
#[test]
fn two_concurrent_upgrades_apply_each_revision_once_on_mysql() -> tests::TestResult {
    match tests::mysql() {
        Some(db) => concurrent_upgrades(&db.engine),
        None => Ok(()),
    }
}

fn concurrent_upgrades(engine: &Engine) -> tests::TestResult {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("m"))?;
    generate(&mut repo, &metadata([user()]), "users", None)?;
    generate(&mut repo, &metadata([user(), post()]), "posts", None)?;
    generate(
        &mut repo,
        &metadata([user(), post(), products(true)]),
        "products",
        None,
    )?;
    let barrier = std::sync::Barrier::new(2);
    let (repo, barrier) = (&repo, &barrier);
    let results: Vec<orm_migrate::Result<Vec<String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(move || {
                    barrier.wait();
                    quiet(engine, repo).upgrade("head")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    let mut applied: Vec<String> = Vec::new();
    for r in results {
        applied.extend(r?);
    }
    applied.sort();
    let mut all: Vec<String> = repo
        .graph()
        .in_order()
        .map(|m| m.revision.clone())
        .collect();
    all.sort();
    assert_eq!(applied, all, "each revision applied exactly once");
    assert_eq!(
        quiet(engine, repo).current()?,
        [repo.graph().head()?.ok_or("head")?]
    );
    Ok(())
}

fn author(name_type: ColumnType, nullable: bool) -> TableDef {
    let mut t = TableDef::new("author");
    t.columns = vec![
        ColumnDef::new("id", ColumnType::Integer).autoincrement_primary_key(),
        ColumnDef::new("name", name_type).nullable(nullable),
        ColumnDef::new("code", ColumnType::Varchar(10)),
    ];
    t.primary_key = vec!["id".into()];
    t.indexes = vec![index("author", &["name"], false)];
    t.uniques = vec![UniqueDef {
        name: "uq_author_code".into(),
        columns: vec!["code".into()],
    }];
    t
}

fn book() -> TableDef {
    let mut t = TableDef::new("book");
    t.columns = vec![
        ColumnDef::new("id", ColumnType::Integer).autoincrement_primary_key(),
        ColumnDef::new("author_id", ColumnType::Integer),
    ];
    t.primary_key = vec!["id".into()];
    t.foreign_keys = vec![ForeignKeyDef {
        name: "fk_book_author_id_author".into(),
        columns: vec!["author_id".into()],
        ref_table: "author".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
    }];
    t
}

db_test!(fn altering_a_referenced_table_keeps_rows_indexes_and_foreign_keys(engine) {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("m"))?;
    let before = metadata([author(ColumnType::Varchar(50), true), book()]);
    generate(&mut repo, &before, "authors and books", None)?;
    quiet(engine, &repo).upgrade("head")?;
    engine.connection()?.batch_execute(
        "INSERT INTO author (name, code) VALUES ('Ann', 'a'); \
         INSERT INTO author (name, code) VALUES ('Bob', 'b'); \
         INSERT INTO author (name, code) VALUES ('Cy', 'c'); \
         INSERT INTO book (author_id) VALUES (1); INSERT INTO book (author_id) VALUES (1); \
         INSERT INTO book (author_id) VALUES (2); INSERT INTO book (author_id) VALUES (3); \
         INSERT INTO book (author_id) VALUES (3)",
    )?;
    let after = metadata([author(ColumnType::Text, false), book()]);
    let change = generate(&mut repo, &after, "name required text", None)?.ok_or("no changes")?;
    assert_eq!(
        change.migration.upgrade,
        [Operation::AlterColumn {
            table: "author".into(),
            column: "name".into(),
            from: ColumnState { ty: ColumnType::Varchar(50), nullable: true, server_default: None },
            to: ColumnState { ty: ColumnType::Text, nullable: false, server_default: None },
        }]
    );
    quiet(engine, &repo).upgrade("head")?;
    assert_eq!((count(engine, "author")?, count(engine, "book")?), (3, 5));
    let diff = check(engine, &after)?;
    assert!(diff.is_empty(), "{:?}", detected(&diff.upgrade));
    if engine.dialect().kind() == DialectKind::Sqlite {
        let violations = engine.connection()?.query("PRAGMA foreign_key_check", &[])?;
        assert!(violations.rows.is_empty());
        let tables = engine.connection()?.table_names()?;
        assert!(!tables.iter().any(|t| t.starts_with("_orm_tmp_")), "{tables:?}");
    }
    // The foreign key still holds, and still cascades.
    assert!(engine.connection()?.batch_execute("INSERT INTO book (author_id) VALUES (99)").is_err());
    engine.connection()?.batch_execute("DELETE FROM author WHERE id = 3")?;
    assert_eq!(count(engine, "book")?, 3);
    quiet(engine, &repo).downgrade("-1")?;
    assert!(check(engine, &before)?.is_empty());
    Ok(())
});

db_test!(fn a_database_made_by_create_tables_is_stamped_not_recreated(engine) {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("m"))?;
    let models = metadata([user(), post()]);
    engine.create_tables(&models)?;
    // History-based autogenerate still sees everything: no false "no changes".
    let first = generate(&mut repo, &models, "initial", None)?.ok_or("no changes")?;
    assert_eq!(first.detected.len(), 6, "{:?}", first.detected);
    // Against the live database there is nothing to do, and `check` agrees.
    assert!(generate(&mut repo, &models, "again", Some(engine))?.is_none());
    assert!(check(engine, &models)?.is_empty());
    let mut lines = Vec::new();
    Migrator::new(engine, &repo)
        .with_printer(|l| lines.push(l.to_owned()))
        .stamp("head")?;
    assert_eq!(lines, [format!("Stamping database at {}", first.migration.revision)]);
    assert!(quiet(engine, &repo).upgrade("head")?.is_empty());
    // Drift shows in `check`.
    let drifted = metadata([user(), post(), products(false)]);
    assert_eq!(check(engine, &drifted)?.upgrade.len(), 1);
    Ok(())
});

db_test!(fn two_heads_must_be_merged(engine) {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("m"))?;
    let base = generate(&mut repo, &metadata([user()]), "users", None)?
        .ok_or("no changes")?
        .migration
        .revision;
    let add = |t: TableDef| vec![Operation::CreateTable { table: t }];
    let left = repo.add("left", vec![base.clone()], add(products(false)), vec![])?.0.revision;
    let mut other = TableDef::new("other");
    other.columns = vec![ColumnDef::new("id", ColumnType::Integer).autoincrement_primary_key()];
    other.primary_key = vec!["id".into()];
    let right = repo.add("right", vec![base], add(other.clone()), vec![])?.0.revision;
    let err = quiet(engine, &repo).upgrade("head").unwrap_err().to_string();
    assert!(err.contains(&left) && err.contains(&right) && err.contains("merge"), "{err}");
    let merge = repo.merge("merge heads")?.0.revision;
    quiet(engine, &repo).upgrade("head")?;
    assert_eq!(quiet(engine, &repo).current()?, [merge.as_str()]);
    let live = SchemaState::from_tables(reflect(&mut engine.connection()?)?);
    let models = metadata([user(), products(false), other]);
    assert!(compare(&models, &live).is_empty());
    Ok(())
});

#[test]
fn offline_sql_renders_each_revision_in_its_transaction() -> tests::TestResult {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("m"))?;
    let rev = generate(&mut repo, &metadata([products(false)]), "initial", None)?
        .ok_or("no changes")?
        .migration
        .revision;
    let sql = upgrade_sql(&repo, DialectKind::Sqlite, &[], "head")?;
    assert_eq!(
        sql,
        format!(
            ".bail on\n\
             CREATE TABLE IF NOT EXISTS \"orm_version\" (\"version_num\" VARCHAR(32) NOT NULL, CONSTRAINT \"orm_version_pkc\" PRIMARY KEY (\"version_num\"));\n\
             CREATE TEMPORARY TABLE IF NOT EXISTS \"orm_version_guard\" (ok INTEGER NOT NULL CHECK (ok = 1));\n\n\
             -- Running upgrade  -> {rev}, initial\n\
             PRAGMA foreign_keys = OFF;\nBEGIN;\n\
             INSERT INTO \"orm_version_guard\" (ok) SELECT CASE WHEN (SELECT COUNT(*) FROM \"orm_version\") = 0 THEN 1 ELSE (SELECT 0 UNION ALL SELECT 0) END;\n\
             CREATE TABLE \"products\" (\n\t\"id\" INTEGER NOT NULL,\n\t\"name\" VARCHAR(50),\n\tPRIMARY KEY (\"id\")\n);\n\
             INSERT INTO \"orm_version\" (\"version_num\") VALUES ('{rev}');\n\
             PRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = ON;\n\n"
        )
    );
    let pg = upgrade_sql(&repo, DialectKind::Postgres, &[], "head")?;
    assert!(
        pg.contains("\"id\" INTEGER GENERATED BY DEFAULT AS IDENTITY NOT NULL"),
        "{pg}"
    );
    assert!(!pg.contains("PRAGMA"));
    Ok(())
}
