//! `create_all` / `drop_all` checked against the database's own catalog: sqlite_master and pragmas on
//! SQLite, information_schema and pg_catalog on PostgreSQL, information_schema on MySQL/MariaDB.
//!
//! MySQL keeps no difference between a unique constraint and a unique index (both are unique keys):
//! there the naming convention tells them apart, `uq_` for the constraints.

#[path = "seed/microblog.rs"]
mod microblog;
// Not named here, but linked in: create_all must build its table.
#[path = "seed/students.rs"]
mod students;

use microblog::{Post, User};

use orm_core::{DialectKind, Engine, Value};
use tests::db_test;

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn rows(engine: &Engine, sql: &str) -> Vec<Vec<String>> {
    let rows = engine.connection().unwrap().query(sql, &[]).unwrap().rows;
    rows.iter().map(|r| r.iter().map(text).collect()).collect()
}

/// (name, type, not null, default, pk) per column, in order.
fn columns(engine: &Engine, table: &str) -> Vec<(String, String, bool, String, bool)> {
    match engine.dialect().kind() {
        DialectKind::Sqlite => rows(engine, &format!("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY cid"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2] == "1", r[3].clone(), r[4] != "0"))
            .collect(),
        DialectKind::MySql => rows(engine, &format!(
            "SELECT column_name, concat(data_type, coalesce(concat('(', character_maximum_length, ')'), '')), \
             is_nullable, lower(coalesce(column_default, '')), column_key \
             FROM information_schema.columns WHERE table_schema = database() AND table_name = '{table}' \
             ORDER BY ordinal_position"))
            .into_iter()
            // MariaDB shows a nullable column's absent default as the text NULL.
            .map(|r| (r[0].clone(), r[1].replace("(4294967295)", ""), r[2] == "NO", if r[3] == "null" { String::new() } else { r[3].clone() }, r[4] == "PRI"))
            .collect(),
        _ => rows(engine, &format!(
            "SELECT c.column_name::text, c.data_type::text || coalesce('(' || c.character_maximum_length || ')', ''), \
             c.is_nullable::text, coalesce(c.column_default::text, ''), \
             (EXISTS (SELECT 1 FROM information_schema.key_column_usage k JOIN information_schema.table_constraints tc \
                 ON tc.constraint_name = k.constraint_name AND tc.table_schema = k.table_schema \
                 WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema AND k.table_name = c.table_name \
                 AND k.column_name = c.column_name))::text \
             FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.table_name = '{table}' \
             ORDER BY c.ordinal_position"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2] == "NO", r[3].clone(), r[4] == "true"))
            .collect(),
    }
}

/// (index name, unique, columns) of the explicit indexes (not those backing keys or constraints).
fn indexes(engine: &Engine, table: &str) -> Vec<(String, bool, String)> {
    let mut out: Vec<(String, bool, String)> = match engine.dialect().kind() {
        DialectKind::Sqlite => rows(engine, &format!("SELECT name, \"unique\" FROM pragma_index_list('{table}') WHERE origin = 'c'"))
            .into_iter()
            .map(|r| {
                let cols = rows(engine, &format!("SELECT name FROM pragma_index_info('{}') ORDER BY seqno", r[0]));
                (r[0].clone(), r[1] == "1", cols.iter().map(|c| c[0].clone()).collect::<Vec<_>>().join(","))
            })
            .collect(),
        DialectKind::MySql => rows(engine, &format!(
            "SELECT s.index_name, 1 - s.non_unique, group_concat(s.column_name ORDER BY s.seq_in_index) \
             FROM information_schema.statistics s WHERE s.table_schema = database() AND s.table_name = '{table}' \
             AND s.index_name <> 'PRIMARY' AND s.index_name NOT LIKE 'uq!_%' ESCAPE '!' \
             AND s.index_name NOT IN (SELECT constraint_name FROM information_schema.referential_constraints \
                 WHERE constraint_schema = database() AND table_name = '{table}') \
             GROUP BY s.index_name, s.non_unique"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1] == "1", r[2].clone()))
            .collect(),
        _ => rows(engine, &format!(
            "SELECT i.relname::text, ix.indisunique::text, \
             (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, n) \
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) \
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_namespace s ON s.oid = t.relnamespace \
             WHERE s.nspname = current_schema() AND t.relname = '{table}' AND NOT ix.indisprimary \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1] == "true", r[2].clone()))
            .collect(),
    };
    out.sort();
    out
}

/// Unique constraints as (name or "", columns).
fn unique_constraints(engine: &Engine, table: &str) -> Vec<(String, String)> {
    match engine.dialect().kind() {
        DialectKind::Sqlite => rows(engine, &format!("SELECT name FROM pragma_index_list('{table}') WHERE origin = 'u'"))
            .into_iter()
            .map(|r| {
                let cols = rows(engine, &format!("SELECT name FROM pragma_index_info('{}')", r[0]));
                // SQLite names constraint-backing indexes itself; the declared name is in the DDL.
                let ddl = rows(engine, &format!("SELECT sql FROM sqlite_master WHERE name = '{table}'"))[0][0].clone();
                let name = ddl.split("CONSTRAINT \"").skip(1).find(|p| p.contains("UNIQUE")).and_then(|p| p.split('"').next()).unwrap_or("").to_owned();
                (name, cols[0][0].clone())
            })
            .collect(),
        DialectKind::MySql => rows(engine, &format!(
            "SELECT tc.constraint_name, k.column_name FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name \
             AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name \
             WHERE tc.table_schema = database() AND tc.table_name = '{table}' AND tc.constraint_type = 'UNIQUE' \
             AND tc.constraint_name LIKE 'uq!_%' ESCAPE '!'"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect(),
        _ => rows(engine, &format!(
            "SELECT tc.constraint_name::text, k.column_name::text FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema \
             WHERE tc.table_schema = current_schema() AND tc.table_name = '{table}' AND tc.constraint_type = 'UNIQUE'"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect(),
    }
}

/// Foreign keys as (column, referred table, referred column, on delete).
fn foreign_keys(engine: &Engine, table: &str) -> Vec<(String, String, String, String)> {
    match engine.dialect().kind() {
        DialectKind::Sqlite => rows(engine, &format!("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
            .collect(),
        DialectKind::MySql => rows(engine, &format!(
            "SELECT k.column_name, k.referenced_table_name, k.referenced_column_name, rc.delete_rule \
             FROM information_schema.referential_constraints rc \
             JOIN information_schema.key_column_usage k ON k.constraint_name = rc.constraint_name \
             AND k.constraint_schema = rc.constraint_schema AND k.table_name = rc.table_name \
             WHERE rc.constraint_schema = database() AND rc.table_name = '{table}'"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
            .collect(),
        _ => rows(engine, &format!(
            "SELECT k.column_name::text, ccu.table_name::text, ccu.column_name::text, rc.delete_rule::text \
             FROM information_schema.referential_constraints rc \
             JOIN information_schema.key_column_usage k ON k.constraint_name = rc.constraint_name AND k.constraint_schema = rc.constraint_schema \
             JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name AND ccu.constraint_schema = rc.constraint_schema \
             WHERE k.table_schema = current_schema() AND k.table_name = '{table}'"))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
            .collect(),
    }
}

fn col(
    name: &str,
    ty: &str,
    not_null: bool,
    default: &str,
    pk: bool,
) -> (String, String, bool, String, bool) {
    (name.into(), ty.into(), not_null, default.into(), pk)
}

db_test!(fn create_all_builds_the_seed_tables_exactly(engine) {
    engine.create_all()?;
    let mut tables = engine.connection()?.table_names()?;
    tables.sort();
    assert_eq!(tables, ["post", "student", "user"]);
    let kind = engine.dialect().kind();
    let (int_pk, bigint, varchar, tz, text_ty, int) = match kind {
        DialectKind::Sqlite => ("INTEGER", "BIGINT", "VARCHAR", "TIMESTAMPTZ", "TEXT", "INTEGER"),
        DialectKind::MySql => ("bigint", "bigint", "varchar", "datetime", "longtext", "int"),
        _ => ("bigint", "bigint", "character varying", "timestamp with time zone", "text", "integer"),
    };
    let v = |n: u32| format!("{varchar}({n})");
    assert_eq!(columns(engine, "user"), [
        col("id", int_pk, true, "", true),
        col("username", &v(64), true, "", false),
        col("email", &v(120), true, "", false),
        col("password_hash", &v(256), false, "", false),
    ]);
    assert_eq!(columns(engine, "post"), [
        col("id", int_pk, true, "", true),
        col("body", &v(140), true, "", false),
        col("timestamp", tz, true, "", false),
        col("user_id", bigint, true, "", false),
    ]);
    let now = match kind {
        DialectKind::Sqlite => "CURRENT_TIMESTAMP",
        DialectKind::MySql => "current_timestamp(6)",
        _ => "now()",
    };
    assert_eq!(columns(engine, "student"), [
        col("id", int_pk, true, "", true),
        col("firstname", &v(100), true, "", false),
        col("lastname", &v(100), true, "", false),
        col("email", &v(80), true, "", false),
        col("age", int, false, "", false),
        col("created_at", tz, false, now, false),
        col("bio", text_ty, false, "", false),
    ]);
    let ix = |n: &str, u: bool, c: &str| (n.to_owned(), u, c.to_owned());
    assert_eq!(indexes(engine, "user"), [ix("ix_user_email", true, "email"), ix("ix_user_username", true, "username")]);
    assert_eq!(indexes(engine, "post"), [ix("ix_post_timestamp", false, "timestamp"), ix("ix_post_user_id", false, "user_id")]);
    assert!(indexes(engine, "student").is_empty());
    assert_eq!(unique_constraints(engine, "student"), [("uq_student_email".to_owned(), "email".to_owned())]);
    assert!(unique_constraints(engine, "user").is_empty());
    assert_eq!(foreign_keys(engine, "post"), [("user_id".to_owned(), "user".to_owned(), "id".to_owned(), "CASCADE".to_owned())]);
    assert!(foreign_keys(engine, "user").is_empty());
    match kind {
        DialectKind::Sqlite => {}
        // The key is an identity column, so the database assigns it.
        DialectKind::MySql => {
            let extra = rows(engine, "SELECT extra FROM information_schema.columns WHERE table_schema = database() AND table_name = 'user' AND column_name = 'id'");
            assert_eq!(extra, [["auto_increment"]]);
        }
        _ => {
            let identity = rows(engine, "SELECT is_identity::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'user' AND column_name = 'id'");
            assert_eq!(identity, [["YES"]]);
        }
    }
    Ok(())
});

db_test!(fn create_all_leaves_existing_tables_alone_and_drop_all_leaves_nothing(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    session.add(User::new("john", "john@example.com"));
    session.commit()?;
    engine.create_all()?;
    assert_eq!(rows(engine, "SELECT count(*) FROM \"user\""), [["1"]]);
    engine.drop_all()?;
    assert!(engine.connection()?.table_names()?.is_empty());
    let leftover_indexes = match engine.dialect().kind() {
        DialectKind::Sqlite => rows(engine, "SELECT name FROM sqlite_master WHERE type = 'index'"),
        DialectKind::MySql => rows(engine, "SELECT index_name FROM information_schema.statistics WHERE table_schema = database()"),
        _ => rows(engine, "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()"),
    };
    assert!(leftover_indexes.is_empty(), "{leftover_indexes:?}");
    engine.drop_all()?; // nothing to drop is not an error
    Ok(())
});

db_test!(fn foreign_keys_are_enforced(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let p = session.add(Post::new("orphan", 42));
    let err = session.commit().unwrap_err();
    let v = err.constraint().expect("a foreign key violation");
    assert_eq!(v.kind, orm_core::ConstraintKind::ForeignKey);
    assert_eq!(p.read().id, None);
    Ok(())
});

db_test!(fn names_longer_than_the_database_keeps_are_refused_before_any_ddl(engine) {
    use orm_core::schema::{ColumnDef, ColumnType, TableDef};
    let long = "a_column_name_that_goes_on_and_on_past_what_mysql_or_postgres_keep_whole";
    let mut t = TableDef::new("short");
    t.columns = vec![
        ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key(),
        ColumnDef::new(long, ColumnType::Integer),
    ];
    t.primary_key = vec!["id".into()];
    let result = engine.create_tables(&orm_core::Metadata::from_tables([t])?);
    if engine.dialect().max_identifier_length() >= long.len() {
        result?;
        assert_eq!(engine.connection()?.table_names()?, ["short"]);
    } else {
        let err = result.expect_err("a name too long");
        assert!(matches!(err, orm_core::Error::Config(_)), "{err}");
        assert!(err.to_string().contains(long), "{err}");
        assert!(engine.connection()?.table_names()?.is_empty(), "nothing was created");
    }
    Ok(())
});
