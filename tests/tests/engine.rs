//! The engine on both backends: URLs, connections, values, structured constraint errors, lost
//! connections.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use orm_core::schema::{ColumnDef, ColumnType, IndexDef, TableDef, UniqueDef};
use orm_core::{ConstraintKind, Engine, Error, Metadata, SqlType, Value};
use tests::db_test;

fn account_table() -> TableDef {
    let mut t = TableDef::new("account");
    t.columns = vec![
        ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key(),
        ColumnDef::new("email", ColumnType::Varchar(80)),
        ColumnDef::new("name", ColumnType::Varchar(40)),
        ColumnDef::new("seen", ColumnType::TimestampTz).nullable(true),
    ];
    t.primary_key = vec!["id".into()];
    t.uniques = vec![UniqueDef {
        name: "uq_account_email".into(),
        columns: vec!["email".into()],
    }];
    t.indexes = vec![IndexDef {
        name: "ix_account_name".into(),
        columns: vec!["name".into()],
        unique: true,
    }];
    t
}

fn insert_sql(engine: &Engine) -> String {
    let d = engine.dialect();
    let mut sql = String::from("INSERT INTO \"account\" (\"email\", \"name\", \"seen\") VALUES (");
    for i in 1..=3 {
        if i > 1 {
            sql.push_str(", ");
        }
        d.placeholder(i, &mut sql);
    }
    sql.push(')');
    sql
}

db_test!(fn datetimes_keep_their_instant_and_zone(engine) {
    engine.create_tables(&Metadata::from_tables([account_table()])?)?;
    let mut conn = engine.connection()?;
    let t = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).unwrap() + chrono::Duration::microseconds(123_456);
    conn.execute(&insert_sql(engine), &["a@x".into(), "a".into(), t.to_value()])?;
    let rows = conn.query("SELECT \"seen\" FROM \"account\"", &[])?;
    let back = DateTime::<Utc>::from_value(rows.rows[0][0].clone())?;
    assert_eq!(back, t);
    Ok(())
});

db_test!(fn every_value_kind_round_trips(engine) {
    let mut t = TableDef::new("kinds");
    let types = [
        ColumnType::Boolean, ColumnType::SmallInt, ColumnType::Integer, ColumnType::BigInt,
        ColumnType::Real, ColumnType::Double, ColumnType::Text, ColumnType::Blob, ColumnType::Date,
        ColumnType::Timestamp, ColumnType::TimestampTz,
    ];
    t.columns = types.iter().enumerate().map(|(i, ty)| ColumnDef::new(format!("c{i}"), ty.clone()).nullable(true)).collect();
    engine.create_tables(&Metadata::from_tables([t])?)?;
    let values = vec![
        true.to_value(), 7i16.to_value(), (-8i32).to_value(), i64::MAX.to_value(), 1.5f32.to_value(),
        2.25f64.to_value(), "it's; -- \"x\" \0 é".to_owned().to_value(), vec![0u8, 255, 10].to_value(),
        NaiveDate::from_ymd_opt(2020, 1, 2).unwrap().to_value(),
        NaiveDate::from_ymd_opt(2020, 1, 2).unwrap().and_hms_opt(3, 4, 5).unwrap().to_value(),
        Utc.with_ymd_and_hms(2021, 6, 7, 8, 9, 10).unwrap().to_value(),
    ];
    let d = engine.dialect();
    let mut sql = String::from("INSERT INTO kinds VALUES (");
    for i in 1..=values.len() {
        if i > 1 { sql.push_str(", "); }
        d.placeholder(i, &mut sql);
    }
    sql.push(')');
    let mut conn = engine.connection()?;
    // PostgreSQL rejects NUL in text; SQLite keeps it. Both must say so clearly rather than corrupt it.
    let nul = conn.execute(&sql, &values);
    let mut values = values;
    if engine.dialect().kind() == orm_core::DialectKind::Postgres {
        assert!(nul.is_err());
        values[6] = "it's; -- \"x\" é".to_owned().to_value();
        conn.execute(&sql, &values)?;
    } else {
        nul?;
    }
    let row = conn.query("SELECT * FROM kinds", &[])?.rows.remove(0);
    assert!(bool::from_value(row[0].clone())?);
    assert_eq!(i16::from_value(row[1].clone())?, 7);
    assert_eq!(i32::from_value(row[2].clone())?, -8);
    assert_eq!(i64::from_value(row[3].clone())?, i64::MAX);
    assert_eq!(f32::from_value(row[4].clone())?, 1.5);
    assert_eq!(f64::from_value(row[5].clone())?, 2.25);
    assert_eq!(row[6], values[6]);
    assert_eq!(Vec::<u8>::from_value(row[7].clone())?, vec![0u8, 255, 10]);
    for i in 8..11 {
        assert_eq!(match i {
            8 => NaiveDate::from_value(row[i].clone())?.to_value(),
            9 => chrono::NaiveDateTime::from_value(row[i].clone())?.to_value(),
            _ => DateTime::<Utc>::from_value(row[i].clone())?.to_value(),
        }, values[i]);
    }
    Ok(())
});

db_test!(fn constraint_violations_are_structured_the_same_way(engine) {
    engine.create_tables(&Metadata::from_tables([account_table()])?)?;
    let mut conn = engine.connection()?;
    let sql = insert_sql(engine);
    conn.execute(&sql, &["a@x".into(), "a".into(), Value::Null])?;

    let err = conn.execute(&sql, &["a@x".into(), "b".into(), Value::Null]).unwrap_err();
    let v = err.constraint().expect("a constraint violation");
    assert_eq!(v.kind, ConstraintKind::Unique);
    assert_eq!(v.table.as_deref(), Some("account"));
    assert_eq!(v.columns, ["email"]);
    assert!(err.is_unique_violation());

    let err = conn.execute(&sql, &["b@x".into(), "a".into(), Value::Null]).unwrap_err();
    let v = err.constraint().expect("a constraint violation");
    assert_eq!((v.kind, v.columns.as_slice()), (ConstraintKind::Unique, &["name".to_owned()][..]));

    let err = conn.execute(&sql, &[Value::Null, "c".into(), Value::Null]).unwrap_err();
    let v = err.constraint().expect("a constraint violation");
    assert_eq!((v.kind, v.table.as_deref(), v.columns.as_slice()), (ConstraintKind::NotNull, Some("account"), &["email".to_owned()][..]));

    // Nothing half-written: the one good row is all there is.
    let n = conn.query("SELECT count(*) FROM account", &[])?.rows[0][0].as_i64();
    assert_eq!(n, Some(1));
    Ok(())
});

db_test!(fn transactions_roll_back_and_savepoints_undo_their_part(engine) {
    engine.create_tables(&Metadata::from_tables([account_table()])?)?;
    let sql = insert_sql(engine);
    let mut conn = engine.connection()?;
    let failed: orm_core::Result<()> = conn.transaction(|c| {
        c.execute(&sql, &["a@x".into(), "a".into(), Value::Null])?;
        c.execute(&sql, &["a@x".into(), "b".into(), Value::Null])?;
        Ok(())
    });
    assert!(failed.unwrap_err().is_unique_violation());
    assert_eq!(conn.query("SELECT count(*) FROM account", &[])?.rows[0][0].as_i64(), Some(0));

    conn.begin()?;
    conn.execute(&sql, &["a@x".into(), "a".into(), Value::Null])?;
    conn.savepoint("sp1")?;
    conn.execute(&sql, &["b@x".into(), "b".into(), Value::Null])?;
    conn.rollback_to_savepoint("sp1")?;
    conn.commit()?;
    assert_eq!(conn.query("SELECT count(*) FROM account", &[])?.rows[0][0].as_i64(), Some(1));
    Ok(())
});

db_test!(fn statement_events_see_every_statement(engine) {
    let log = engine.record_statements();
    let mut conn = engine.connection()?;
    conn.query("SELECT 1", &[])?;
    let _ = conn.query("SELECT * FROM missing_table", &[]);
    assert_eq!(log.sql(), ["SELECT 1", "SELECT * FROM missing_table"]);
    drop(log);
    conn.query("SELECT 2", &[])?;
    Ok(())
});

#[test]
fn bad_urls_and_unreachable_databases_are_errors() {
    for url in [
        "",
        "mysql://x",
        "sqlite:nope.db",
        "postgresql://h:99999999/db",
    ] {
        assert!(
            matches!(Engine::connect(url), Err(Error::InvalidUrl { .. })),
            "{url}"
        );
    }
    let missing_dir =
        Engine::connect("sqlite:////nonexistent-dir-for-orm-tests/app.db").unwrap_err();
    assert!(
        matches!(missing_dir, Error::Connect { .. }),
        "{missing_dir:?}"
    );
    assert!(
        missing_dir.to_string().contains("does not exist"),
        "{missing_dir}"
    );
    let refused = Engine::builder("postgresql://postgres@127.0.0.1:1/test")
        .connect_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap_err();
    assert!(matches!(refused, Error::Connect { .. }), "{refused:?}");
}

#[test]
fn sqlite_files_persist_and_memory_databases_are_private() -> tests::TestResult {
    let dir = std::env::temp_dir().join(format!("orm-engine-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("app.db");
    let url = format!("sqlite:///{}", path.display());
    {
        let engine = Engine::connect(&url)?;
        engine
            .connection()?
            .batch_execute("CREATE TABLE t (x INTEGER)")?;
    }
    assert_eq!(Engine::connect(&url)?.connection()?.table_names()?, ["t"]);
    std::fs::remove_dir_all(&dir)?;

    let a = Engine::connect("sqlite::memory:")?;
    let b = Engine::connect("sqlite::memory:")?;
    a.connection()?
        .batch_execute("CREATE TABLE only_in_a (x INTEGER)")?;
    assert_eq!(a.connection()?.table_names()?, ["only_in_a"]);
    assert!(b.connection()?.table_names()?.is_empty());
    Ok(())
}

#[test]
fn a_terminated_postgres_connection_is_reported_and_replaced() -> tests::TestResult {
    let Some(db) = tests::postgres() else {
        return Ok(());
    };
    let mut victim = db.engine.connection()?;
    let pid = victim.query("SELECT pg_backend_pid()", &[])?.rows[0][0]
        .as_i64()
        .unwrap();
    db.engine
        .connection()?
        .query("SELECT pg_terminate_backend($1)", &[Value::I32(pid as i32)])?;
    let err = victim.query("SELECT 1", &[]).unwrap_err();
    assert!(err.is_connection_lost(), "{err:?}");
    drop(victim);
    // The broken connection is not handed out again.
    for _ in 0..5 {
        db.engine.connection()?.query("SELECT 1", &[])?;
    }
    Ok(())
}

#[test]
fn a_killed_mysql_connection_is_reported_and_replaced() -> tests::TestResult {
    let Some(db) = tests::mysql() else {
        return Ok(());
    };
    let mut victim = db.engine.connection()?;
    victim.query("SELECT 1", &[])?;
    let id = victim.query("SELECT CONNECTION_ID()", &[])?.rows[0][0]
        .as_i64()
        .ok_or("an id")?;
    db.engine
        .connection()?
        .execute("KILL CONNECTION ?", &[Value::I64(id)])?;
    let err = victim.query("SELECT 1", &[]).unwrap_err();
    assert!(err.is_connection_lost(), "{err:?}");
    drop(victim);
    // The broken connection is not handed out again.
    for _ in 0..5 {
        db.engine.connection()?.query("SELECT 1", &[])?;
    }
    Ok(())
}

#[test]
fn engines_are_send_sync_clone() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Engine>();
}

db_test!(fn cached_statements_follow_schema_changes(engine) {
    let mut conn = engine.connection()?;
    conn.batch_execute("CREATE TABLE t (a INTEGER)")?;
    conn.execute("INSERT INTO t VALUES (1)", &[])?;
    assert_eq!(conn.query("SELECT * FROM t", &[])?.columns.len(), 1);
    conn.batch_execute("ALTER TABLE t ADD COLUMN b INTEGER")?;
    let rows = conn.query("SELECT * FROM t", &[])?;
    assert_eq!(rows.columns.len(), 2);
    assert_eq!(rows.rows[0].len(), 2);
    Ok(())
});

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn echo_logs_every_statement_with_its_parameters() -> tests::TestResult {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || -> tests::TestResult {
        let engine = Engine::builder("sqlite::memory:").echo(true).build()?;
        engine
            .connection()?
            .query("SELECT ?1 || ?2", &["it's".into(), Value::I64(7)])?;
        engine.set_echo(false);
        engine.connection()?.query("SELECT 'quiet'", &[])?;
        Ok(())
    })?;
    let log = String::from_utf8(captured.0.lock().unwrap().clone())?;
    assert!(log.contains("orm::sql"), "{log}");
    assert!(log.contains("SELECT ?1 || ?2 [\"it's\", 7]"), "{log}");
    assert!(!log.contains("quiet"), "{log}");
    Ok(())
}

db_test!(fn cached_statements_follow_schema_changes_made_through_execute(engine) {
    let mut conn = engine.connection()?;
    conn.execute("CREATE TABLE t (a INTEGER)", &[])?;
    conn.execute("INSERT INTO t VALUES (1)", &[])?;
    assert_eq!(conn.query("SELECT * FROM t", &[])?.columns.as_ref(), ["a"]);
    conn.execute("ALTER TABLE t RENAME COLUMN a TO b", &[])?;
    assert_eq!(conn.query("SELECT * FROM t", &[])?.columns.as_ref(), ["b"]);
    conn.execute("ALTER TABLE t ADD COLUMN c INTEGER", &[])?;
    assert_eq!(conn.query("SELECT * FROM t", &[])?.rows[0].len(), 2);
    Ok(())
});
