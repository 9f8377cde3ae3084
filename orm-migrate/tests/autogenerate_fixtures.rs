//! Every autogenerate scenario in `tests/fixtures/<scenario>/`: the schema before and after
//! (`before.toml`, `after.toml`) → the expected operations (`ops.toml`), detection lines
//! (`detected.txt`) and SQL per dialect (`sqlite.sql`, `postgres.sql`). The SQLite script is also run
//! on a real database, which must then reflect equal to the `after` schema, and back to `before`
//! after the downgrade.
//!
//! `BLESS=1` rewrites the expected files from the current output, for review in the diff.

use std::path::{Path, PathBuf};

use orm_core::schema::Metadata;
use orm_core::{DialectKind, Engine};
use orm_migrate::autogenerate::{compare, detected, warnings};
use orm_migrate::ddl::{render_all, sqlite};
use orm_migrate::ops::SchemaDocument;
use orm_migrate::reflect::reflect;
use orm_migrate::{Operation, SchemaState};
use serde::{Deserialize, Serialize};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Expected {
    upgrade: Vec<Operation>,
    downgrade: Vec<Operation>,
}

fn read_doc(path: &Path) -> TestResult<SchemaDocument> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?)
}

fn sql(ops: &[Operation], state: &mut SchemaState, dialect: DialectKind) -> TestResult<String> {
    let mut out = String::new();
    for s in render_all(ops, state, dialect)? {
        out.push_str(&s);
        out.push_str(";\n");
    }
    Ok(out)
}

/// Runs `statements` the way the runner does on SQLite: foreign keys off around one transaction.
fn run_sqlite(engine: &Engine, statements: &[String]) -> TestResult {
    let mut conn = engine.connection()?;
    conn.batch_execute(sqlite::BEGIN)?;
    conn.begin()?;
    for s in statements {
        conn.batch_execute(s)?;
    }
    assert!(conn.query(sqlite::CHECK, &[])?.rows.is_empty());
    conn.commit()?;
    conn.batch_execute(sqlite::END)?;
    Ok(())
}

fn assert_live(engine: &Engine, tables: &[orm_core::schema::TableDef], when: &str) -> TestResult {
    let live = SchemaState::from_tables(reflect(&mut engine.connection()?)?);
    let mut want = tables.to_vec();
    for t in &mut want {
        t.rename_from = None;
        t.columns.iter_mut().for_each(|c| c.rename_from = None);
    }
    let diff = compare(&Metadata::from_tables(want)?, &live);
    if !diff.is_empty() {
        return Err(format!(
            "{when}: the database differs: {:?}",
            detected(&diff.upgrade)
        )
        .into());
    }
    Ok(())
}

fn scenario(dir: &Path, bless: bool) -> TestResult {
    let before = read_doc(&dir.join("before.toml"))?.tables;
    let after = read_doc(&dir.join("after.toml"))?.tables;
    let start = SchemaState::from_tables(before.clone());
    let diff = compare(&Metadata::from_tables(after.clone())?, &start);
    let expected = Expected {
        upgrade: diff.upgrade.clone(),
        downgrade: diff.downgrade(),
    };
    let mut lines = detected(&expected.upgrade);
    lines.extend(
        warnings(&expected.upgrade)
            .into_iter()
            .map(|w| format!("WARNING: {w}")),
    );
    let mut outputs = vec![
        ("ops.toml", toml::to_string(&expected)?),
        (
            "detected.txt",
            lines.iter().map(|l| format!("{l}\n")).collect(),
        ),
    ];
    for (file, dialect) in [
        ("sqlite.sql", DialectKind::Sqlite),
        ("postgres.sql", DialectKind::Postgres),
        ("mysql.sql", DialectKind::MySql),
    ] {
        let mut state = start.clone();
        let up = sql(&expected.upgrade, &mut state, dialect)?;
        let down = sql(&expected.downgrade, &mut state, dialect)?;
        outputs.push((file, format!("-- upgrade\n{up}-- downgrade\n{down}")));
    }
    for (file, text) in &outputs {
        let path = dir.join(file);
        if bless {
            std::fs::write(&path, text)?;
        } else {
            let want =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            if &want != text {
                return Err(format!("{} differs; got:\n{text}", path.display()).into());
            }
        }
    }
    // The expected operations read back as they were written.
    let reread: Expected = toml::from_str(&outputs[0].1)?;
    assert_eq!(reread, expected);

    // And the SQLite script does what it says on a real database, both ways.
    let engine = Engine::connect("sqlite::memory:")?;
    let mut state = SchemaState::new();
    let create: Vec<Operation> = Metadata::from_tables(before.clone())?
        .tables()
        .iter()
        .map(|t| Operation::CreateTable { table: t.clone() })
        .collect();
    run_sqlite(
        &engine,
        &render_all(&create, &mut state, DialectKind::Sqlite)?,
    )?;
    run_sqlite(
        &engine,
        &render_all(&expected.upgrade, &mut state, DialectKind::Sqlite)?,
    )?;
    assert_live(&engine, &after, "after the upgrade")?;
    run_sqlite(
        &engine,
        &render_all(&expected.downgrade, &mut state, DialectKind::Sqlite)?,
    )?;
    assert_live(&engine, &before, "after the downgrade")?;
    if let Some(mysql) = mysql_database(dir)? {
        run_on_server(&mysql, &before, &after, &expected, DialectKind::MySql)?;
    }
    Ok(())
}

/// The MySQL script run on a real server too, in a database of the scenario's own, when
/// `TEST_MYSQL_URL` names one (CI sets it; a plain `cargo test` skips it with a note).
fn mysql_database(dir: &Path) -> TestResult<Option<Engine>> {
    let Ok(url) = std::env::var("TEST_MYSQL_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "TEST_MYSQL_URL must be set in CI"
        );
        return Ok(None);
    };
    let name = format!(
        "orm_fixture_{}_{}",
        std::process::id(),
        dir.file_name().unwrap_or_default().to_string_lossy()
    );
    let name: String = name.chars().take(64).collect();
    let admin = Engine::connect(&url)?;
    admin.connection()?.batch_execute(&format!(
        "DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`"
    ))?;
    let (head, _) = url.rsplit_once('/').ok_or("a database url")?;
    Ok(Some(Engine::connect(&format!("{head}/{name}"))?))
}

/// Creates `before`, runs the upgrade and the downgrade statement by statement, checking the
/// schema after each; the scenario's database is dropped at the end.
fn run_on_server(
    engine: &Engine,
    before: &[orm_core::schema::TableDef],
    after: &[orm_core::schema::TableDef],
    expected: &Expected,
    dialect: DialectKind,
) -> TestResult {
    let result = (|| -> TestResult {
        let mut state = SchemaState::new();
        let create: Vec<Operation> = Metadata::from_tables(before.to_vec())?
            .tables()
            .iter()
            .map(|t| Operation::CreateTable { table: t.clone() })
            .collect();
        let mut conn = engine.connection()?;
        for (ops, live, when) in [
            (&create, before, "after creating"),
            (&expected.upgrade, after, "after the upgrade"),
            (&expected.downgrade, before, "after the downgrade"),
        ] {
            for statement in render_all(ops, &mut state, dialect)? {
                conn.batch_execute(&statement)
                    .map_err(|e| format!("{when}: {statement}: {e}"))?;
            }
            assert_live(engine, live, when)?;
        }
        Ok(())
    })();
    let database = engine.connection()?.query("SELECT DATABASE()", &[])?.rows[0][0].to_string();
    engine
        .connection()?
        .batch_execute(&format!("DROP DATABASE IF EXISTS `{database}`"))?;
    result
}

#[test]
fn every_autogenerate_fixture() -> TestResult {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let bless = std::env::var_os("BLESS").is_some();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "{} scenarios", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        if let Err(e) = scenario(dir, bless) {
            failures.push(format!(
                "{}: {e}",
                dir.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
    Ok(())
}
