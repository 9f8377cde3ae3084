//! Generated keys without `RETURNING`: the insert path a database without it takes (each row's key
//! read back with the dialect's last-insert-id query, or on MySQL one multi-row INSERT's consecutive
//! keys from the first; server defaults by a SELECT on the key), run on every backend with
//! `implicit_returning(false)` and on MySQL 8's dialect, against the same expectations as the
//! `RETURNING` path.

use orm_core::query::select;
use orm_core::{Engine, Model};
use tests::db_test;

#[derive(Model, Debug)]
pub struct Author {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 40, unique)]
    pub name: String,
    #[orm(server_default = 7)]
    pub rank: Option<i64>,
}

#[derive(Model, Debug)]
pub struct Book {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 80)]
    pub title: String,
    #[orm(foreign_key = Author)]
    pub author_id: Option<i64>,
}

/// What the database holds: (id, name, rank) in key order.
fn authors_in_db(engine: &Engine) -> orm_core::Result<Vec<(i64, String, Option<i64>)>> {
    let mut s = engine.session();
    s.all(select::<Author>().order_by(Author::id.asc()))
        .map(|v| {
            v.iter()
                .map(|a| {
                    let a = a.read();
                    (a.id.unwrap_or(-1), a.name.clone(), a.rank)
                })
                .collect()
        })
}

fn check_keys(engine: &Engine, returning: bool) -> tests::TestResult {
    let returning = returning && engine.dialect().supports_returning();
    // MySQL: one multi-row INSERT's keys follow the first, which the connection reports.
    let consecutive = engine.connection()?.consecutive_insert_ids().is_some();
    engine.create_tables(&orm_core::Metadata::new().with::<Author>().with::<Book>())?;
    let mut session = engine.session();
    let log = engine.record_statements();
    let authors = session.add_all((0..5).map(|i| Author::new(format!("author {i}"))));
    // Children whose parent is pending: the parent's key must be known before they go out.
    let books: Vec<_> = authors
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let b = session.add(Book::new(format!("book {i}")));
            session.link(&b, Book::author_id, a).map(|()| b)
        })
        .collect::<orm_core::Result<_>>()?;
    session.commit()?;
    // The flush's statements, before the checks below add their own.
    let sql = log.sql();

    let ids: Vec<i64> = authors.iter().map(|a| a.read().id.unwrap_or(-1)).collect();
    let in_db = authors_in_db(engine)?;
    assert_eq!(in_db.len(), 5);
    // Every object holds the key its row got, and the server default its row got.
    for (a, (id, name, rank)) in authors.iter().zip(&in_db) {
        let a = a.read();
        assert_eq!((a.id, &a.name, a.rank), (Some(*id), name, *rank));
        assert_eq!(*rank, Some(7), "the server default");
    }
    for (b, id) in books.iter().zip(&ids) {
        assert_eq!(b.read().author_id, Some(*id));
        assert!(b.read().id.is_some());
    }
    let inserts: Vec<&String> = sql.iter().filter(|s| s.starts_with("INSERT")).collect();
    if returning {
        // Where the connection reports consecutive keys, only a table with server defaults to read
        // back (author) needs RETURNING.
        assert!(
            inserts
                .iter()
                .all(|s| s.contains("RETURNING") || (consecutive && s.contains("book"))),
            "{inserts:?}"
        );
        assert!(
            inserts.iter().any(|s| s.contains("RETURNING")),
            "{inserts:?}"
        );
        assert_eq!(
            inserts.len(),
            2,
            "one multi-row INSERT per table: {inserts:?}"
        );
    } else {
        assert!(
            inserts.iter().all(|s| !s.contains("RETURNING")),
            "{inserts:?}"
        );
        if consecutive {
            assert_eq!(
                inserts.len(),
                2,
                "one multi-row INSERT per table: {inserts:?}"
            );
        } else {
            assert_eq!(inserts.len(), 10, "one INSERT per row: {inserts:?}");
        }
        // Each generated key read back once: by a statement where the database needs one
        // (PostgreSQL's lastval()), from the connection itself where the driver reports it (SQLite).
        let key_query = engine.dialect().last_insert_id_sql();
        let key_reads = sql.iter().filter(|s| Some(s.as_str()) == key_query).count();
        assert_eq!(
            key_reads,
            if key_query.is_some() && !consecutive {
                10
            } else {
                0
            },
            "{sql:#?}"
        );
        // Besides, one SELECT per author for its server default, nothing else.
        let selects = sql
            .iter()
            .filter(|s| s.starts_with("SELECT") && Some(s.as_str()) != key_query)
            .count();
        assert_eq!(selects, 5, "{sql:#?}");
    }

    // A failed insert leaves no object with a key the database never kept.
    let dup = session.add(Author::new("author 0"));
    let ok = session.add(Author::new("author 9"));
    assert!(session.commit().unwrap_err().is_unique_violation());
    assert_eq!((dup.read().id, ok.read().id), (None, None));
    session.rollback()?;
    assert_eq!(authors_in_db(engine)?.len(), 5);
    Ok(())
}

db_test!(fn keys_and_server_defaults_without_returning(engine) with |b| b.implicit_returning(false); {
    check_keys(engine, false)
});

db_test!(fn keys_and_server_defaults_with_returning(engine) {
    check_keys(engine, true)
});

/// A server default that differs per row, declared before the key. The expression is each
/// database's own (the derive's is a placeholder replaced per dialect below).
#[derive(Model, Debug)]
pub struct Ticket {
    #[orm(server_default_sql = "0")]
    pub token: Option<f64>,
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 20)]
    pub name: String,
}

fn ticket_table(engine: &Engine) -> orm_core::Result<orm_core::Metadata> {
    let mut table = Ticket::table().clone();
    let random = match engine.dialect().kind() {
        orm_core::DialectKind::MySql => "rand() * 1000000",
        _ => "random() * 1000000",
    };
    table.columns[0].server_default = Some(orm_core::schema::DefaultExpr::Sql(random.into()));
    orm_core::Metadata::from_tables([table])
}

db_test!(fn generated_keys_go_to_the_right_objects_whatever_the_column_order(engine) {
    engine.create_tables(&ticket_table(engine)?)?;
    let mut session = engine.session();
    let tickets = session.add_all((0..50).map(|i| Ticket::new(format!("t{i}"))));
    session.commit()?;
    let rows = engine.connection()?.query("SELECT id, name, token FROM ticket", &[])?.rows;
    let in_db: std::collections::HashMap<i64, (orm_core::Value, orm_core::Value)> = rows
        .into_iter()
        .map(|r| (r[0].as_i64().unwrap(), (r[1].clone(), r[2].clone())))
        .collect();
    assert_eq!(in_db.len(), 50);
    let distinct: std::collections::BTreeSet<String> =
        in_db.values().map(|(_, token)| format!("{token:?}")).collect();
    assert!(distinct.len() > 40, "the default differs per row: {distinct:?}");
    for t in &tickets {
        let t = t.read();
        let (name, token) = &in_db[&t.id.unwrap()];
        assert_eq!(name, &orm_core::Value::Text(t.name.clone()));
        assert_eq!(token.clone(), orm_core::Value::F64(t.token.unwrap()));
    }
    Ok(())
});

db_test!(fn concurrent_multi_row_inserts_give_each_object_its_own_rows_key(engine) with |b| b.implicit_returning(false); {
    engine.create_tables(&orm_core::Metadata::new().with::<Author>().with::<Book>())?;
    // Sessions on several threads insert many rows each at once: whatever order the database hands
    // out keys in, every object must get the key of its own row.
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let engine = engine.clone();
            std::thread::spawn(move || -> orm_core::Result<Vec<(Option<i64>, String)>> {
                let mut out = Vec::new();
                for round in 0..5 {
                    let mut session = engine.session();
                    let objs = session.add_all(
                        (0..40).map(|i| Author::new(format!("t{t} r{round} a{i}"))),
                    );
                    session.commit()?;
                    out.extend(objs.iter().map(|a| (a.read().id, a.read().name.clone())));
                }
                Ok(out)
            })
        })
        .collect();
    let mut expected = Vec::new();
    for h in handles {
        expected.extend(h.join().expect("thread")?);
    }
    let in_db: std::collections::HashMap<i64, String> = authors_in_db(engine)?
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect();
    assert_eq!(in_db.len(), 4 * 5 * 40);
    for (id, name) in expected {
        assert_eq!(in_db.get(&id.expect("a key")), Some(&name));
    }
    Ok(())
});
