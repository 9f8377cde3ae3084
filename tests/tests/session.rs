//! The session and unit of work on SQLite and PostgreSQL: identity map, dirty tracking, flush order,
//! batching, atomic failure, optimistic locking, savepoints, rollback.

#[path = "seed/microblog.rs"]
mod microblog;

use microblog::{Post, User};

use chrono::{DateTime, Utc};
use orm_core::{ConstraintKind, Engine, Error, Model, Obj, Session};
use tests::db_test;

/// Named so that name order and dependency order disagree: SQLAlchemy's tie-break trap.
#[derive(Model, Debug)]
pub struct AChild {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = ZParent)]
    pub parent_id: i64,
    #[orm(foreign_key = MMiddle)]
    pub middle_id: Option<i64>,
}

#[derive(Model, Debug)]
pub struct MMiddle {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = ZParent)]
    pub parent_id: i64,
}

#[derive(Model, Debug)]
pub struct ZParent {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Model, Debug)]
pub struct Node {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[orm(foreign_key = Node)]
    pub parent_id: Option<i64>,
}

#[derive(Model, Debug)]
pub struct Document {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub title: String,
    #[orm(version)]
    pub version: i64,
}

#[derive(Model, Debug)]
pub struct Student {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 100)]
    pub firstname: String,
    #[orm(server_default = now)]
    pub created_at: Option<DateTime<Utc>>,
    #[orm(server_default = 18)]
    pub age: Option<i32>,
}

fn count(engine: &Engine, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM \"{table}\"");
    engine.connection().unwrap().query(&sql, &[]).unwrap().rows[0][0]
        .as_i64()
        .unwrap()
}

fn user(name: &str) -> User {
    User::new(name, format!("{name}@example.com"))
}

db_test!(fn add_commit_assigns_ids_and_get_uses_the_identity_map(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let john = session.add(user("john"));
    let susan = session.add(user("susan"));
    assert_eq!(john.read().id, None);
    session.commit()?;
    assert_eq!((john.read().id, susan.read().id), (Some(1), Some(2)));

    let log = engine.record_statements();
    let again = session.get::<User>(1)?.expect("user 1");
    assert!(again.ptr_eq(&john));
    assert_eq!(log.count(), 0, "an identity-map hit runs no SQL: {:?}", log.sql());

    // A fresh session loads from the database, once.
    let mut other = engine.session();
    let loaded = other.get::<User>(2)?.expect("user 2");
    assert_eq!(loaded.read().username, "susan");
    let twice = other.get::<User>(2i32)?.expect("user 2");
    assert!(twice.ptr_eq(&loaded));
    assert_eq!(log.count(), 1);
    assert!(other.get::<User>(99)?.is_none());
    assert!(matches!(other.get_or_not_found::<User>(99), Err(Error::NotFound { .. })));
    Ok(())
});

db_test!(fn only_changed_columns_are_updated(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let john = session.add(user("john"));
    session.commit()?;
    let log = engine.record_statements();
    john.write().email = "john@new.example".into();
    session.commit()?;
    let updates: Vec<String> = log.sql().into_iter().filter(|s| s.starts_with("UPDATE")).collect();
    let d = engine.dialect();
    let ph = |n| {
        let mut p = String::new();
        d.placeholder(n, &mut p);
        p
    };
    assert_eq!(updates, [format!("UPDATE {} SET {} = {} WHERE {} = {}", d.quoted("user"), d.quoted("email"), ph(1), d.quoted("id"), ph(2))]);
    // Writing without changing anything flushes nothing.
    log.clear();
    john.write().email = "john@new.example".into();
    session.commit()?;
    assert!(log.sql().iter().all(|s| !s.starts_with("UPDATE")), "{:?}", log.sql());
    let mut fresh = engine.session();
    assert_eq!(fresh.get::<User>(1)?.unwrap().read().email, "john@new.example");
    Ok(())
});

db_test!(fn delete_removes_the_row_and_the_identity(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let john = session.add(user("john"));
    session.commit()?;
    session.delete(&john);
    session.commit()?;
    assert_eq!(count(engine, "user"), 0);
    assert!(!session.contains(&john));
    assert!(session.get::<User>(1)?.is_none());
    // The object keeps its values after commit: no detached or expired errors.
    assert_eq!(john.read().username, "john");
    Ok(())
});

db_test!(fn parents_are_inserted_first_whatever_the_order_of_add_and_names(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    // Added child first, then middle, then parent; none has a key yet.
    let child = session.add(AChild::new(0));
    let middle = session.add(MMiddle::new(0));
    let parent = session.add(ZParent::new("root"));
    session.link(&child, AChild::parent_id, &parent)?;
    session.link(&child, AChild::middle_id, &middle)?;
    session.link(&middle, MMiddle::parent_id, &parent)?;
    session.commit()?;
    let pid = parent.read().id.expect("parent id");
    assert_eq!(middle.read().parent_id, pid);
    assert_eq!(child.read().parent_id, pid);
    assert_eq!(child.read().middle_id, middle.read().id);
    assert_eq!((count(engine, "z_parent"), count(engine, "m_middle"), count(engine, "a_child")), (1, 1, 1));
    Ok(())
});

db_test!(fn a_post_can_point_at_a_pending_author(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let u = session.add(user("john"));
    let p = session.add(Post::new("my first post!", 0));
    session.link(&p, Post::user_id, &u)?;
    session.commit()?;
    assert_eq!(p.read().user_id, u.read().id.unwrap());
    let row = engine.connection()?.query("SELECT body, user_id FROM post", &[])?.rows;
    assert_eq!(row[0][1].as_i64(), u.read().id);
    Ok(())
});

db_test!(fn self_referential_rows_are_inserted_parents_first(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let leaf = session.add(Node::new("leaf"));
    let mid = session.add(Node::new("mid"));
    let root = session.add(Node::new("root"));
    session.link(&leaf, Node::parent_id, &mid)?;
    session.link(&mid, Node::parent_id, &root)?;
    session.commit()?;
    assert_eq!(root.read().parent_id, None);
    assert_eq!(mid.read().parent_id, root.read().id);
    assert_eq!(leaf.read().parent_id, mid.read().id);
    Ok(())
});

db_test!(fn many_rows_go_out_in_few_statements(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let log = engine.record_statements();
    let users = session.add_all((0..2500).map(|i| user(&format!("u{i}"))));
    session.commit()?;
    let inserts = log.sql().iter().filter(|s| s.starts_with("INSERT")).count();
    assert!(inserts <= 3, "{inserts} INSERT statements for 2500 rows");
    // Every object got its own key, in order.
    let ids: Vec<i64> = users.iter().map(|u| u.read().id.unwrap()).collect();
    assert_eq!(ids, (1..=2500).collect::<Vec<_>>());
    let mut fresh = engine.session();
    assert_eq!(fresh.get::<User>(2000)?.unwrap().read().username, "u1999");
    Ok(())
});

db_test!(fn server_and_rust_defaults_are_read_back(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let before = Utc::now() - chrono::Duration::seconds(5);
    let s = session.add(Student::new("Sammy"));
    let p_author = session.add(user("a"));
    let p = session.add(Post::new("x", 0));
    session.link(&p, Post::user_id, &p_author)?;
    session.commit()?;
    let created = s.read().created_at.expect("server default read back");
    assert!(created >= before, "{created} < {before}");
    assert_eq!(s.read().age, Some(18));
    assert!(p.read().timestamp >= before);
    Ok(())
});

fn seed_users(session: &mut Session) -> Result<Vec<Obj<User>>, Error> {
    let users = session.add_all([user("john"), user("susan")]);
    session.commit()?;
    Ok(users)
}

db_test!(fn a_failed_commit_leaves_everything_as_it_was(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let existing = seed_users(&mut session)?;
    existing[0].write().password_hash = Some("changed".into());
    let ok1 = session.add(user("ann"));
    let dup = session.add(User::new("bob", "john@example.com")); // e-mail taken
    let ok2 = session.add(user("carl"));
    let err = session.commit().unwrap_err();
    let v = err.constraint().expect("a constraint violation");
    assert_eq!(v.kind, ConstraintKind::Unique);
    assert_eq!(v.table.as_deref(), Some("user"));
    assert_eq!(v.columns, ["email"]);
    assert_eq!(v.constraint.as_deref(), Some("ix_user_email"));

    // Nothing half-written, no object holds an id the database did not keep.
    assert_eq!(count(engine, "user"), 2);
    for o in [&ok1, &dup, &ok2] {
        assert_eq!(o.read().id, None);
    }
    assert_eq!(existing[0].read().password_hash.as_deref(), Some("changed"));
    assert!(session.contains(&ok1) && session.contains(&dup));

    // Fix and retry: the pending objects and the pending change go in.
    dup.write().email = "bob@example.com".into();
    session.commit()?;
    assert_eq!(count(engine, "user"), 5);
    assert!(dup.read().id.is_some());
    let mut fresh = engine.session();
    assert_eq!(fresh.get::<User>(1)?.unwrap().read().password_hash.as_deref(), Some("changed"));
    Ok(())
});

db_test!(fn rollback_makes_pending_objects_transient_and_restores_loaded_ones(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let users = seed_users(&mut session)?;
    users[0].write().username = "johnny".into();
    let newcomer = session.add(user("zed"));
    session.delete(&users[1]);
    session.flush()?;
    assert_eq!(count_in(&mut session, "user")?, 2);
    session.rollback()?;
    assert_eq!(users[0].read().username, "john");
    assert!(!session.contains(&newcomer));
    assert_eq!(newcomer.read().id, None);
    assert!(session.get::<User>(2)?.is_some());
    session.commit()?;
    assert_eq!(count(engine, "user"), 2);
    Ok(())
});

fn count_in(session: &mut Session, table: &str) -> Result<i64, Error> {
    let sql = format!("SELECT count(*) FROM \"{table}\"");
    Ok(session.connection()?.query(&sql, &[])?.rows[0][0]
        .as_i64()
        .unwrap_or(-1))
}

db_test!(fn a_failed_savepoint_undoes_only_its_part(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let outer = session.add(user("outer"));
    let result: Result<(), Error> = session.savepoint(|s| {
        s.add(user("inner"));
        outer.write().password_hash = Some("inside".into());
        s.add(User::new("dup", "outer@example.com"));
        s.flush()
    });
    assert!(result.unwrap_err().is_unique_violation());
    assert_eq!(outer.read().password_hash, None);
    let kept = session.savepoint(|s| Ok(s.add(user("kept"))))?;
    session.commit()?;
    assert_eq!(count(engine, "user"), 2);
    assert!(outer.read().id.is_some() && kept.read().id.is_some());
    Ok(())
});

db_test!(fn a_stale_version_is_an_error_and_writes_nothing(engine) {
    engine.create_all()?;
    let mut a = engine.session();
    let doc = a.add(Document::new("draft"));
    a.commit()?;
    assert_eq!(doc.read().version, 1);

    let mut b = engine.session();
    let other = b.get::<Document>(1)?.unwrap();
    other.write().title = "theirs".into();
    b.commit()?;
    assert_eq!(other.read().version, 2);

    doc.write().title = "mine".into();
    let err = a.commit().unwrap_err();
    assert!(matches!(err, Error::StaleData { expected: 1, .. }), "{err:?}");
    assert_eq!(doc.read().version, 1);
    assert_eq!(doc.read().title, "mine");
    let mut c = engine.session();
    assert_eq!(c.get::<Document>(1)?.unwrap().read().title, "theirs");

    // Deleting with a stale version fails the same way.
    a.delete(&doc);
    assert!(matches!(a.commit(), Err(Error::StaleData { .. })));
    assert_eq!(count(engine, "document"), 1);
    Ok(())
});

db_test!(fn updates_of_many_objects_are_batched(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let users = session.add_all((0..300).map(|i| user(&format!("u{i}"))));
    session.commit()?;
    let log = engine.record_statements();
    for u in &users {
        let name = format!("{}-x", u.read().username);
        u.write().username = name;
    }
    session.commit()?;
    let updates = log.sql().iter().filter(|s| s.starts_with("UPDATE")).count();
    // A statement per row on SQLite (in process, no round trips); one for all of them on the servers.
    let d = engine.dialect();
    let batched = !d.is_embedded() && (d.supports_update_from_values() || d.supports_update_join());
    assert_eq!(updates, if batched { 1 } else { 300 });
    let mut fresh = engine.session();
    assert_eq!(fresh.get::<User>(300)?.unwrap().read().username, "u299-x");
    for u in &users[..150] {
        session.delete(u);
    }
    session.commit()?;
    assert_eq!(count(engine, "user"), 150);
    Ok(())
});

db_test!(fn a_session_moves_to_another_thread(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    session.add(user("john"));
    let handle = std::thread::spawn(move || -> Result<Option<i64>, Error> {
        session.commit()?;
        Ok(session.get::<User>(1)?.and_then(|u| u.read().id))
    });
    assert_eq!(handle.join().expect("thread")?, Some(1));
    Ok(())
});

#[test]
fn a_killed_connection_fails_the_commit_and_the_session_recovers() -> tests::TestResult {
    let Some(db) = tests::postgres() else {
        return Ok(());
    };
    let engine = &db.engine;
    engine.create_all()?;
    let mut session = engine.session();
    let john = session.add(user("john"));
    session.flush()?;
    let pid = session
        .connection()?
        .query("SELECT pg_backend_pid()", &[])?
        .rows[0][0]
        .as_i64()
        .unwrap();
    engine.connection()?.query(
        "SELECT pg_terminate_backend($1)",
        &[orm_core::Value::I32(pid as i32)],
    )?;
    let susan = session.add(user("susan"));
    let err = session.commit().unwrap_err();
    assert!(err.is_connection_lost(), "{err:?}");
    assert_eq!(
        john.read().id,
        None,
        "the insert was rolled back with the connection"
    );
    assert_eq!(susan.read().id, None);
    assert_eq!(count(engine, "user"), 0);
    session.commit()?;
    assert_eq!(count(engine, "user"), 2);
    assert!(john.read().id.is_some());
    Ok(())
}

#[derive(Model, Debug)]
pub struct Husband {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = Wife)]
    pub wife_id: Option<i64>,
}

#[derive(Model, Debug)]
pub struct Wife {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = Husband)]
    pub husband_id: Option<i64>,
}

db_test!(fn a_foreign_key_cycle_is_inserted_then_linked(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let h = session.add(Husband::new());
    let w = session.add(Wife::new());
    session.link(&h, Husband::wife_id, &w)?;
    session.link(&w, Wife::husband_id, &h)?;
    session.commit()?;
    assert_eq!(h.read().wife_id, w.read().id);
    assert_eq!(w.read().husband_id, h.read().id);
    let rows = engine.connection()?.query("SELECT wife_id FROM husband", &[])?.rows;
    assert_eq!(rows[0][0].as_i64(), w.read().id);
    // Nothing left dirty: a second commit writes nothing.
    let log = engine.record_statements();
    session.commit()?;
    assert_eq!(log.count(), 0, "{:?}", log.sql());
    Ok(())
});

db_test!(fn values_read_back_from_the_database_are_not_changes(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let s = session.add(Student::new("Sammy"));
    session.commit()?;
    // Loaded in a fresh session too: an i32 that SQLite returns as an integer, a timestamp it
    // returns as text.
    let mut fresh = engine.session();
    let loaded = fresh.get::<Student>(s.read().id.unwrap())?.unwrap();
    let log = engine.record_statements();
    s.write().firstname = "Sam".into();
    session.commit()?;
    loaded.write().age = Some(21);
    fresh.commit()?;
    let updates: Vec<String> = log.sql().into_iter().filter(|q| q.starts_with("UPDATE")).collect();
    assert_eq!(updates.len(), 2, "{updates:?}");
    let q = |c| engine.dialect().quoted(c);
    assert!(updates[0].contains(&q("firstname")) && !updates[0].contains("created_at"), "{}", updates[0]);
    assert!(updates[1].contains(&q("age")) && !updates[1].contains("created_at") && !updates[1].contains("firstname"), "{}", updates[1]);
    Ok(())
});

db_test!(fn sessions_on_several_threads_write_without_failing(engine) {
    engine.create_all()?;
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let engine = engine.clone();
            std::thread::spawn(move || -> Result<(), Error> {
                for batch in 0..5 {
                    let mut session = engine.session();
                    // Read, then write, in one transaction: the pattern that deadlocks with deferred
                    // transactions on SQLite.
                    session.add(user(&format!("t{t}-b{batch}-first")));
                    session.flush()?;
                    let _ = session.get::<User>(1)?;
                    session.add_all((0..20).map(|i| user(&format!("t{t}-b{batch}-{i}"))));
                    session.commit()?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread")?;
    }
    assert_eq!(count(engine, "user"), 4 * 5 * 21);
    Ok(())
});

db_test!(fn a_failed_statement_inside_a_transaction_fails_the_commit(engine) {
    use orm_core::query::update;
    engine.create_all()?;
    let mut session = engine.session();
    let a = session.add(user("a"));
    session.add(user("b"));
    session.flush()?;
    // Renaming a to b breaks the unique index: the statement fails.
    let bad = update::<User>().set(User::username, "b").filter(User::username.eq("a"));
    assert!(session.execute(bad).is_err());
    match engine.dialect().kind() {
        // PostgreSQL aborted the transaction: the commit must say so, and nothing is kept.
        orm_core::DialectKind::Postgres => {
            assert!(session.commit().is_err());
            assert_eq!(a.read().id, None, "no id the database did not keep");
            assert_eq!(count(engine, "user"), 0);
            session.commit()?; // the objects are pending again: retry
            assert_eq!(count(engine, "user"), 2);
        }
        // SQLite undid the one statement; the transaction goes on.
        _ => {
            session.commit()?;
            assert_eq!(count(engine, "user"), 2);
        }
    }
    assert!(a.read().id.is_some());
    Ok(())
});

db_test!(fn deleting_a_copy_deletes_the_loaded_object(engine) {
    engine.create_all()?;
    let mut first = engine.session();
    let copy = first.add(user("john"));
    first.commit()?;
    let mut session = engine.session();
    let loaded = session.get::<User>(1)?.expect("loaded");
    session.delete(&copy);
    session.commit()?;
    assert_eq!(count(engine, "user"), 0);
    assert!(session.get::<User>(1)?.is_none());
    // The session goes on working.
    loaded.write().email = "x@example.com".into();
    session.add(user("susan"));
    session.commit()?;
    assert_eq!(count(engine, "user"), 1);
    Ok(())
});

db_test!(fn rollback_is_refused_inside_a_savepoint(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let result: Result<(), Error> = session.savepoint(|s| {
        s.add(user("inside"));
        s.rollback()
    });
    assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
    session.commit()?;
    assert_eq!(count(engine, "user"), 0);
    Ok(())
});

// Objects loaded from the database take their snapshot at their first write: the same guarantees
// must hold for them as for objects the session inserted.
db_test!(fn loaded_objects_are_tracked_from_their_first_write(engine) {
    engine.create_all()?;
    seed_users(&mut engine.session())?;

    let mut session = engine.session();
    let john = session.get::<User>(1)?.expect("john");
    let susan = session.get::<User>(2)?.expect("susan");
    // Nothing written, nothing flushed.
    let log = engine.record_statements();
    session.commit()?;
    assert_eq!(log.count(), 0, "{:?}", log.sql());

    // A failed commit keeps the writes; a fixed retry flushes them, changed columns only.
    john.write().email = "susan@example.com".into(); // taken
    susan.write().password_hash = Some("x".into());
    assert!(session.commit().unwrap_err().is_unique_violation());
    assert_eq!(john.read().email, "susan@example.com");
    john.write().email = "john@new.example".into();
    log.clear();
    session.commit()?;
    let updates: Vec<String> = log.sql().into_iter().filter(|q| q.starts_with("UPDATE")).collect();
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert!(updates.iter().all(|u| !u.contains("username")), "{updates:?}");
    let mut check = engine.session();
    assert_eq!(check.get::<User>(1)?.unwrap().read().email, "john@new.example");

    // Rollback gives loaded objects back what the database holds, after a flush too.
    let mut other = engine.session();
    let j = other.get::<User>(1)?.unwrap();
    j.write().username = "johnny".into();
    other.flush()?;
    j.write().username = "jo".into();
    other.rollback()?;
    assert_eq!(j.read().username, "john");

    // A failed savepoint gives a loaded object back its value from before the savepoint.
    let s = other.get::<User>(2)?.unwrap();
    let result: Result<(), Error> = other.savepoint(|sp| {
        s.write().username = "sue".into();
        sp.add(User::new("dup", "john@new.example"));
        sp.flush()
    });
    assert!(result.is_err());
    assert_eq!(s.read().username, "susan");

    // Deleting a loaded object that was never written.
    other.delete(&s);
    other.commit()?;
    assert_eq!(count(engine, "user"), 1);
    Ok(())
});

db_test!(fn autoflush_sees_writes_and_skips_work_when_nothing_changed(engine) {
    use orm_core::query::select;
    engine.create_all()?;
    seed_users(&mut engine.session())?;

    let mut session = engine.session();
    let john = session.get::<User>(1)?.expect("john");
    let log = engine.record_statements();
    // Nothing changed: a query is just the query.
    let all = session.all(select::<User>())?;
    assert_eq!(all.len(), 2);
    assert_eq!(log.count(), 1, "{:?}", log.sql());
    // A plain field write on a loaded object is flushed before the next query sees the table.
    john.write().username = "johnny".into();
    let found = session.first(select::<User>().filter(User::username.eq("johnny")))?;
    assert!(found.expect("flushed before the query").ptr_eq(&john));
    // A write from another thread is seen too.
    let susan = all.into_iter().find(|u| u.read().username == "susan").expect("susan");
    std::thread::spawn(move || susan.write().username = "sue".into())
        .join()
        .expect("thread");
    assert!(session.first(select::<User>().filter(User::username.eq("sue")))?.is_some());
    session.commit()?;
    Ok(())
});
