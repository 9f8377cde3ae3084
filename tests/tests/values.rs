//! Hostile values at the boundary, the same on every backend: a LIKE pattern with NUL is refused
//! before it can match (and delete) rows it should not, `contains` has one case rule, NaN is stored
//! as itself or refused (never turned into NULL), and text never binds as another type.

use orm_core::query::{delete, select};
use orm_core::{Engine, Error, Model};
use tests::db_test;

#[derive(Model, Debug)]
pub struct Note {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 40)]
    pub body: String,
}

#[derive(Model, Debug)]
pub struct Label {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 20)]
    pub name: Option<String>,
}

#[derive(Model, Debug)]
pub struct Counter {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub hits: i64,
    #[orm(version)]
    pub version: i64,
}

#[derive(Model, Debug)]
pub struct Reading {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub value: Option<f64>,
}

fn notes(engine: &Engine, bodies: &[&str]) -> orm_core::Result<()> {
    engine.create_all()?;
    let mut s = engine.session();
    s.add_all(bodies.iter().map(|b| Note::new(*b)));
    s.commit()
}

fn count_notes(engine: &Engine) -> orm_core::Result<u64> {
    engine.session().count(select::<Note>())
}

db_test!(fn a_like_pattern_with_nul_is_refused_and_deletes_nothing(engine) {
    notes(engine, &["alpha", "beta", "gamma"])?;
    let mut s = engine.session();
    let err = s
        .execute(delete::<Note>().filter(Note::body.contains("a\0")))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue(_)), "{err:?}");
    assert!(err.to_string().contains("NUL"), "{err}");
    s.rollback()?;
    assert_eq!(count_notes(engine)?, 3);
    let err = s
        .all(select::<Note>().filter(Note::body.like("%\0%")))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue(_)), "{err:?}");
    // Metacharacters in contains() match literally.
    s.add(Note::new("100% sure_x"));
    let found = s.all(select::<Note>().filter(Note::body.contains("0% s")))?;
    assert_eq!(found.len(), 1);
    assert_eq!(s.count(select::<Note>().filter(Note::body.contains("_")))?, 1);
    Ok(())
});

db_test!(fn contains_has_one_case_rule_on_every_backend(engine) {
    notes(engine, &["Alpha", "alpha", "ALPHA beta"])?;
    let mut s = engine.session();
    let exact = s.count(select::<Note>().filter(Note::body.contains("Alp")))?;
    assert_eq!(exact, 1);
    let folded = s.count(select::<Note>().filter(Note::body.icontains("alp")))?;
    assert_eq!(folded, 3);
    assert_eq!(s.count(select::<Note>().filter(Note::body.starts_with("a")))?, 1);
    assert_eq!(s.count(select::<Note>().filter(Note::body.like("A%")))?, 2);
    Ok(())
});

db_test!(fn nan_is_stored_as_itself_or_refused_never_as_null(engine) {
    engine.create_all()?;
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut s = engine.session();
        let r = s.add(Reading {
            value: Some(value),
            ..Reading::new()
        });
        match s.commit() {
            Ok(()) => {
                let id = r.read().id.expect("inserted");
                let mut check = engine.session();
                let back = check.get::<Reading>(id)?.expect("row").read().value;
                let back = back.expect("stored as a number, not NULL");
                assert!(
                    back.is_nan() && value.is_nan() || back == value,
                    "{value} came back as {back}"
                );
            }
            Err(e) => {
                assert!(matches!(e, Error::InvalidValue(_)), "{value}: {e:?}");
                assert!(e.to_string().contains(&value.to_string()), "{e}");
            }
        }
    }
    // The same through an update (SQLite runs those as one prepared statement per row).
    let mut s = engine.session();
    let r = s.add(Reading {
        value: Some(1.0),
        ..Reading::new()
    });
    s.commit()?;
    r.write().value = Some(f64::NAN);
    if let Err(e) = s.commit() {
        assert!(matches!(e, Error::InvalidValue(_)), "{e:?}");
        s.rollback()?;
    }
    // Nothing but real numbers or clear refusals: no NULL crept in.
    let mut s = engine.session();
    let nulls = s.count(select::<Reading>().filter(Reading::value.is_null()))?;
    assert_eq!(nulls, 0);
    Ok(())
});

db_test!(fn text_never_binds_as_another_type(engine) {
    notes(engine, &["one"])?;
    let mut s = engine.session();
    // Eight bytes that spell the integer 1 in PostgreSQL's binary format.
    match s.get::<Note>("\0\0\0\0\0\0\0\u{1}") {
        Ok(found) => assert!(found.is_none(), "a string found row {:?}", found),
        Err(e) => assert!(e.to_string().contains("cannot bind"), "{e}"),
    }
    Ok(())
});

db_test!(fn a_none_in_an_in_list_means_is_null(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    for name in [Some("a"), Some("b"), None] {
        s.add(Label {
            name: name.map(str::to_owned),
            ..Label::new()
        });
    }
    s.commit()?;
    let names = |s: &mut orm_core::Session, q| -> orm_core::Result<Vec<Option<String>>> {
        let mut v: Vec<Option<String>> = s.all(q)?;
        v.sort();
        Ok(v)
    };
    let q = orm_core::query::select_columns(Label::name).filter(Label::name.in_([Some("a".to_owned()), None]));
    assert_eq!(names(&mut s, q)?, [None, Some("a".to_owned())]);
    let q = orm_core::query::select_columns(Label::name).filter(Label::name.not_in([Some("a".to_owned()), None]));
    assert_eq!(names(&mut s, q)?, [Some("b".to_owned())]);
    let q = orm_core::query::select_columns(Label::name).filter(Label::name.not_in([None::<String>]));
    assert_eq!(names(&mut s, q)?.len(), 2);
    Ok(())
});

db_test!(fn a_version_at_its_maximum_is_an_error_not_an_overflow(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let c = s.add(Counter::new(0));
    s.commit()?;
    let id = c.read().id.expect("id");
    s.execute(orm_core::query::update::<Counter>().set(Counter::version, i64::MAX).filter(Counter::id.eq(id)))?;
    s.commit()?;
    s.refresh(&c)?;
    assert_eq!(c.read().version, i64::MAX);
    c.write().hits = 1;
    let err = s.commit().unwrap_err();
    assert!(matches!(err, Error::InvalidValue(_)), "{err:?}");
    assert!(err.to_string().contains("maximum"), "{err}");
    Ok(())
});

#[derive(Model, Debug)]
pub struct Shelf {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 20, unique)]
    pub code: String,
}

#[derive(Model, Debug)]
#[orm(check(name = "pages", expr = "pages >= 0"))]
pub struct Book {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = Shelf)]
    pub shelf_id: i64,
    pub pages: i64,
}

fn violation(e: Error) -> orm_core::ConstraintViolation {
    match e {
        Error::Constraint(v) => v,
        other => panic!("not a constraint violation: {other:?}"),
    }
}

db_test!(fn every_constraint_error_names_its_kind_table_and_constraint_or_columns(engine) {
    use orm_core::query::raw;
    use orm_core::ConstraintKind;
    engine.create_all()?;
    let fk = Book::table().foreign_keys[0].name.clone();
    let mut s = engine.session();
    let shelf = s.add(Shelf::new("a1"));
    s.commit()?;
    let shelf_id = shelf.read().id.expect("id");
    s.add(Book::new(shelf_id, 10));
    s.commit()?;

    // NOT NULL: the column, and no unique constraint's name although `code` has one.
    let v = violation(s.raw_execute(&raw(r#"INSERT INTO "shelf" ("code") VALUES (NULL)"#)).unwrap_err());
    assert_eq!(v.kind, ConstraintKind::NotNull);
    assert_eq!(v.table.as_deref(), Some("shelf"));
    assert_eq!(v.columns, ["code"]);
    assert_eq!(v.constraint, None);
    s.rollback()?;

    // A foreign key on insert: the child table, the key and its columns.
    s.add(Book::new(shelf_id + 100, 1));
    let v = violation(s.commit().unwrap_err());
    assert_eq!(v.kind, ConstraintKind::ForeignKey);
    assert_eq!(v.table.as_deref(), Some("book"));
    assert_eq!(v.constraint.as_deref(), Some(fk.as_str()));
    assert_eq!(v.columns, ["shelf_id"]);

    // Deleting a parent still referred to: the same, not the parent's key against the child.
    let v = violation(
        s.raw_execute(&raw(r#"DELETE FROM "shelf" WHERE "id" = $1"#).bind(shelf_id))
            .unwrap_err(),
    );
    assert_eq!(v.kind, ConstraintKind::ForeignKey);
    assert_eq!(v.table.as_deref(), Some("book"));
    assert_eq!(v.constraint.as_deref(), Some(fk.as_str()));
    assert_eq!(v.columns, ["shelf_id"]);
    s.rollback()?;

    // A check: the table and the constraint.
    s.add(Book::new(shelf_id, -1));
    let v = violation(s.commit().unwrap_err());
    assert_eq!(v.kind, ConstraintKind::Check);
    assert_eq!(v.table.as_deref(), Some("book"));
    assert_eq!(v.constraint.as_deref(), Some(Book::table().checks[0].name.as_str()));

    // A unique key: the table, the constraint and its columns.
    s.add(Shelf::new("a1"));
    let v = violation(s.commit().unwrap_err());
    assert_eq!(v.kind, ConstraintKind::Unique);
    assert_eq!(v.table.as_deref(), Some("shelf"));
    assert!(v.constraint.is_some(), "{v:?}");
    assert_eq!(v.columns, ["code"]);
    Ok(())
});

db_test!(fn in_lists_and_bulk_deletes_of_any_length(engine) {
    use orm_core::query::{insert_many, raw};
    notes(engine, &[])?;
    let mut s = engine.session();
    s.add_all((0..100).map(|i| Note::new(format!("n{i}"))));
    s.commit()?;
    // 70,000 keys: past SQLite's 32,766 parameters and PostgreSQL's 65,535.
    let ids: Vec<i64> = (1..=70_000).collect();
    let binds_lists = engine.dialect().bound_list().is_some();
    match s.count(select::<Note>().filter(Note::id.in_(ids.clone()))) {
        Ok(n) => assert_eq!(n, 100),
        Err(e) => {
            assert!(!binds_lists, "{e}");
            assert!(matches!(e, Error::InvalidValue(_)), "{e:?}");
            assert!(e.to_string().len() < 400, "{e}");
        }
    }
    let names: Vec<String> = (0..40_000).map(|i| format!("n{i}")).collect();
    match s.count(select::<Note>().filter(Note::body.not_in(names))) {
        Ok(n) => assert_eq!(n, 0),
        Err(e) => assert!(!binds_lists && matches!(e, Error::InvalidValue(_)), "{e:?}"),
    }
    match s.execute(delete::<Note>().filter(Note::id.in_(ids))) {
        Ok(n) => assert_eq!(n, 100),
        Err(e) => assert!(!binds_lists && matches!(e, Error::InvalidValue(_)), "{e:?}"),
    }
    s.commit()?;
    // An upsert of more rows than one statement takes goes out in several, in one transaction.
    let before = count_notes(engine)?;
    let rows = (0..40_000).map(|i| Note::new(format!("m{i}")));
    let upserted = s.upsert(insert_many(rows).on_conflict_do_nothing(Note::id))?;
    assert_eq!(upserted.len(), 40_000);
    s.commit()?;
    assert_eq!(count_notes(engine)?, before + 40_000);
    // A raw statement past the backend's parameter limit is a short, clear error (SQLite's quoted
    // the statement, in hundreds of kilobytes), and nothing is sent.
    let mut text = String::from(r#"SELECT "id" FROM "note" WHERE "id" IN ($1"#);
    for i in 2..=70_000 {
        text.push_str(&format!(", ${i}"));
    }
    text.push(')');
    let mut q = raw(text);
    for i in 0..70_000 {
        q = q.bind(i);
    }
    let err = s.raw_all::<i64>(&q).unwrap_err();
    assert!(matches!(err, Error::InvalidValue(_)), "{err:?}");
    assert!(err.to_string().len() < 400, "{} bytes", err.to_string().len());
    Ok(())
});

#[derive(Model, Debug)]
pub struct Small {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub n: i32,
}

db_test!(fn a_decode_error_names_the_table_and_the_column(engine) {
    use orm_core::query::{raw, select_columns};
    engine.create_all()?;
    let mut s = engine.session();
    // The column is widened behind the model's back, and holds a value its i32 field cannot.
    let widen = match engine.dialect().name() {
        "sqlite" => None,
        "postgresql" => Some(r#"ALTER TABLE "small" ALTER COLUMN "n" TYPE BIGINT"#),
        _ => Some(r#"ALTER TABLE "small" MODIFY "n" BIGINT NOT NULL"#),
    };
    if let Some(sql) = widen {
        s.raw_execute(&raw(sql))?;
        s.commit()?;
    }
    s.raw_execute(&raw(r#"INSERT INTO "small" ("n") VALUES (3000000000)"#))?;
    s.commit()?;
    for err in [
        s.all(select::<Small>()).map(|_| ()).unwrap_err(),
        s.all(select_columns(Small::n)).map(|_: Vec<i32>| ()).unwrap_err(),
    ] {
        match &err {
            Error::Decode { table, column, .. } => {
                assert_eq!((table.as_str(), column.as_str()), ("small", "n"), "{err}");
            }
            other => panic!("not a decode error: {other:?}"),
        }
    }
    if engine.dialect().name() == "sqlite" {
        // Text that is not UTF-8, which SQLite lets in.
        notes(engine, &["ok"])?;
        s.raw_execute(&raw(r#"UPDATE "note" SET "body" = CAST(X'FF41' AS TEXT)"#))?;
        s.commit()?;
        match s.all(select::<Note>()).map(|_| ()).unwrap_err() {
            Error::Decode { table, column, .. } => assert_eq!((table.as_str(), column.as_str()), ("note", "body")),
            other => panic!("not a decode error: {other:?}"),
        }
    }
    Ok(())
});
