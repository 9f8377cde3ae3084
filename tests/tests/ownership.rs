//! One owner per object, the set of written objects, and the weak identity map, on every backend:
//! an object belongs to one session at a time (another session copies it with `merge`), written
//! objects are kept until flushed, and loaded objects the application dropped leave the session.

use orm_core::query::select;
use orm_core::{Engine, Error, Model, Session};
use tests::db_test;

#[derive(Model, Debug)]
pub struct Pet {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 40)]
    pub name: String,
    pub age: i64,
}

fn seed(engine: &Engine, n: i64) -> orm_core::Result<()> {
    engine.create_all()?;
    let mut s = engine.session();
    s.add_all((0..n).map(|i| Pet::new(format!("pet {i}"), i)));
    s.commit()
}

fn names(engine: &Engine) -> orm_core::Result<Vec<String>> {
    let mut s = engine.session();
    let pets = s.all(select::<Pet>().order_by(Pet::id))?;
    let names = pets.iter().map(|p| p.read().name.clone()).collect();
    Ok(names)
}

db_test!(fn an_object_belongs_to_one_session_at_a_time(engine) {
    seed(engine, 2)?;
    let mut first = engine.session();
    let rex = first.get::<Pet>(1)?.expect("pet 1");
    let mut second = engine.session();
    let err = second.attach(&rex).unwrap_err();
    assert!(matches!(err, Error::InvalidValue(_)), "{err:?}");
    assert!(err.to_string().contains("belongs to another session"), "{err}");
    assert!(!second.contains(&rex));

    // merge copies its state onto the second session's own object for that key.
    rex.write().name = "rex".into();
    let own = second.merge(&rex)?;
    assert!(!own.ptr_eq(&rex));
    assert_eq!(own.read().name, "rex");
    second.commit()?;
    assert_eq!(names(engine)?, ["rex", "pet 1"]);

    // Once expunged from the first session, the object may join another; its unflushed write
    // comes along and is flushed there.
    rex.write().age = 40;
    first.expunge(&rex);
    let mut third = engine.session();
    third.attach(&rex)?;
    third.commit()?;
    let mut check = engine.session();
    assert_eq!(check.get::<Pet>(1)?.expect("pet 1").read().age, 40);
    Ok(())
});

db_test!(fn an_object_whose_session_is_gone_can_be_attached_with_its_changes(engine) {
    seed(engine, 1)?;
    let rex = {
        let mut s = engine.session();
        s.get::<Pet>(1)?.expect("pet 1")
    };
    rex.write().name = "rex".into();
    let mut s = engine.session();
    s.attach(&rex)?;
    s.commit()?;
    assert_eq!(names(engine)?, ["rex"]);
    // A second object for a key the session holds is refused: merge is the way.
    let mut other = engine.session();
    let copy = other.get::<Pet>(1)?.expect("pet 1");
    drop(other);
    let err = s.attach(&copy).unwrap_err();
    assert!(err.to_string().contains("same primary key"), "{err}");
    Ok(())
});

db_test!(fn merge_without_a_row_adds_a_new_object(engine) {
    engine.create_all()?;
    let mut a = engine.session();
    let stray = a.add(Pet::new("stray", 3));
    let mut b = engine.session();
    let own = b.merge(&stray)?;
    assert!(!own.ptr_eq(&stray));
    b.commit()?;
    assert_eq!(names(engine)?, ["stray"]);
    // The first session still owns and inserts its own object.
    a.commit()?;
    assert_eq!(names(engine)?, ["stray", "stray"]);
    Ok(())
});

db_test!(fn loaded_objects_the_application_dropped_leave_the_session(engine) {
    seed(engine, 3000)?;
    let mut s = engine.session();
    let all = s.all(select::<Pet>())?;
    assert_eq!(s.tracked(), 3000);
    let kept = all[10].clone();
    drop(all);
    assert_eq!(s.tracked(), 1);
    // The object still held is still the session's, without a statement.
    let log = engine.record_statements();
    assert!(s.get::<Pet>(kept.read().id.unwrap())?.unwrap().ptr_eq(&kept));
    assert_eq!(log.count(), 0, "{:?}", log.sql());
    // One that was dropped is loaded again.
    let again = s.get::<Pet>(1)?.expect("pet 1");
    assert_eq!(log.count(), 1, "{:?}", log.sql());
    assert_eq!(again.read().name, "pet 0");

    // Streaming keeps only what the callback keeps.
    let mut seen = 0;
    s.stream(select::<Pet>(), |p| {
        seen += usize::from(p.read().age >= 0);
        Ok(true)
    })?;
    assert_eq!(seen, 3000);
    assert_eq!(s.tracked(), 2);
    Ok(())
});

db_test!(fn a_written_object_is_flushed_after_its_handles_are_dropped(engine) {
    seed(engine, 2)?;
    let mut s = engine.session();
    for pet in s.all(select::<Pet>())? {
        pet.write().age += 100;
    }
    // Every handle is gone; the session keeps the written objects until the flush.
    assert_eq!(s.tracked(), 2);
    s.commit()?;
    assert_eq!(s.tracked(), 0);
    let mut check = engine.session();
    let ages: Vec<i64> = check
        .all(select::<Pet>().order_by(Pet::id))?
        .iter()
        .map(|p| p.read().age)
        .collect();
    assert_eq!(ages, [100, 101]);
    Ok(())
});

db_test!(fn a_write_in_one_session_costs_another_session_nothing(engine) {
    seed(engine, 2)?;
    let mut a = engine.session();
    let mut b = engine.session();
    let pa = a.get::<Pet>(1)?.expect("pet 1");
    let _pb = b.get::<Pet>(2)?.expect("pet 2");
    pa.write().age = 7;
    let log = engine.record_statements();
    // b has nothing to flush: its query is just the query.
    b.all(select::<Pet>().filter(Pet::age.eq(7)))?;
    assert_eq!(log.count(), 1, "{:?}", log.sql());
    // a flushes its write before its own query sees the table.
    let found = a.all(select::<Pet>().filter(Pet::age.eq(7)))?;
    assert_eq!(found.len(), 1);
    assert!(log.sql().iter().any(|q| q.starts_with("UPDATE")), "{:?}", log.sql());
    a.rollback()?;
    assert_eq!(pa.read().age, 0);
    Ok(())
});

// A failed flush keeps every written object for a retry, those whose handles were dropped too.
db_test!(fn a_failed_flush_keeps_written_objects_for_a_retry(engine) {
    seed(engine, 2)?;
    let mut s: Session = engine.session();
    let one = s.get::<Pet>(1)?.expect("pet 1");
    let two = s.get::<Pet>(2)?.expect("pet 2");
    one.write().name = "x".repeat(41); // too long for the column on the servers; fine on SQLite
    two.write().age = 99;
    drop(two);
    match s.commit() {
        Ok(()) => assert_eq!(names(engine)?[0].len(), 41), // SQLite does not check lengths
        Err(_) => {
            one.write().name = "fixed".into();
            s.commit()?;
            assert_eq!(names(engine)?, ["fixed", "pet 1"]);
        }
    }
    let mut check = engine.session();
    assert_eq!(check.get::<Pet>(2)?.expect("pet 2").read().age, 99);
    Ok(())
});

db_test!(fn a_session_log_records_that_session_only_and_a_thread_log_that_thread_only(engine) {
    seed(engine, 3)?;
    let mut a = engine.session();
    let mut b = engine.session();
    let log_a = a.record_statements();
    let thread_log = engine.record_thread_statements();
    a.get::<Pet>(1)?;
    b.get::<Pet>(2)?;
    b.get::<Pet>(3)?;
    a.all(select::<Pet>())?;
    assert_eq!(log_a.count(), 2, "{:?}", log_a.sql());
    assert!(log_a.sql()[1].starts_with("SELECT"), "{:?}", log_a.sql());
    // Another thread's statements are not this thread's.
    let other = engine.clone();
    std::thread::spawn(move || {
        let mut s = other.session();
        s.get::<Pet>(1).map(|_| ())
    })
    .join()
    .expect("thread")?;
    assert_eq!(thread_log.count(), 4, "{:?}", thread_log.sql());
    // The log follows the session across its connections (commit gives one back), and stops
    // when dropped.
    a.add(Pet::new("new", 1));
    a.commit()?;
    a.get::<Pet>(2)?;
    assert_eq!(log_a.count(), 2 + 3 + 1, "{:?}", log_a.sql());
    drop(log_a);
    a.get::<Pet>(3)?;
    Ok(())
});

/// A `tracing` writer into a shared buffer, for reading what the library logged.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

db_test!(fn slow_statements_are_logged_with_their_duration(engine) {
    use std::time::Duration;
    seed(engine, 1)?;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // A threshold nothing beats: no warning.
    engine.set_slow_statement_threshold(Some(Duration::from_secs(600)));
    engine.session().get::<Pet>(1)?;
    assert!(!captured.text().contains("slow statement"), "{}", captured.text());
    // A threshold everything beats: each statement is logged with its duration.
    engine.set_slow_statement_threshold(Some(Duration::ZERO));
    engine.session().get::<Pet>(1)?;
    let log = captured.text();
    assert!(log.contains("WARN"), "{log}");
    assert!(log.contains("slow statement (") && log.contains(" ms): SELECT"), "{log}");
    engine.set_slow_statement_threshold(None);
    let before = captured.text().len();
    engine.session().get::<Pet>(1)?;
    assert_eq!(captured.text().len(), before);
    Ok(())
});
