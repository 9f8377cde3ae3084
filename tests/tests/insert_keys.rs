//! Generated keys without `RETURNING`: the insert path a database without it takes (each row's key
//! read back with the dialect's last-insert-id query, server defaults by a SELECT on the key), run
//! here on SQLite and PostgreSQL with `implicit_returning(false)`, against the same expectations as
//! the `RETURNING` path.

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
        assert!(
            inserts.iter().all(|s| s.contains("RETURNING")),
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
        assert_eq!(inserts.len(), 10, "one INSERT per row: {inserts:?}");
        // Each generated key read back once: by a statement where the database needs one
        // (PostgreSQL's lastval()), from the connection itself where the driver reports it (SQLite).
        let key_query = engine.dialect().last_insert_id_sql();
        let key_reads = sql.iter().filter(|s| Some(s.as_str()) == key_query).count();
        assert_eq!(
            key_reads,
            if key_query.is_some() { 10 } else { 0 },
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
