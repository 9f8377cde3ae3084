//! `Engine::run` on every backend: committed on `Ok`, rolled back on `Err` and on a panic, a failed
//! commit reported, work that finishes when its future is dropped, a clear error outside tokio, and
//! engines made and dropped in async code.

use std::sync::{Arc, Barrier};

use crate::support::AppDb;
use orm_core::prelude::*;
use student_app::models::Student;

#[derive(Debug, PartialEq)]
enum AppError {
    Db(String),
    Refused,
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Db(e.to_string())
    }
}

async fn emails(engine: &Engine) -> Vec<String> {
    engine
        .run(|s| {
            let all = s.all(select::<Student>().order_by(Student::email.asc()))?;
            Ok::<_, Error>(all.iter().map(|o| o.read().email.clone()).collect())
        })
        .await
        .expect("read the students")
}

fn student(email: &str) -> Student {
    Student::new("A", "B", email)
}

async fn commits_and_rolls_back(db: &AppDb) {
    let engine = &db.engine;

    // Ok: committed, and the value comes back.
    let id = engine
        .run(|s| {
            let a = s.add(student("a@example.com"));
            s.flush()?;
            let id = a.read().id;
            Ok::<_, AppError>(id)
        })
        .await
        .expect("stored");
    assert!(id.is_some());
    assert_eq!(emails(engine).await, ["a@example.com"]);

    // Err: rolled back, though the row was flushed, and the work's own error comes back.
    let refused = engine
        .run(|s| {
            s.add(student("b@example.com"));
            s.flush()?;
            Err::<(), _>(AppError::Refused)
        })
        .await;
    assert_eq!(refused, Err(AppError::Refused));
    assert_eq!(emails(engine).await, ["a@example.com"]);

    // A commit that fails: the error, converted, and nothing of the closure kept.
    let failed = engine
        .run(|s| {
            s.add(student("c@example.com"));
            s.add(student("a@example.com"));
            Ok::<_, Error>(())
        })
        .await;
    let err = failed.expect_err("a duplicate e-mail address");
    assert!(err.is_unique_violation(), "{err}");
    assert_eq!(emails(engine).await, ["a@example.com"]);

    // A panic: resumed on the awaiting task; the transaction is not committed.
    let e2 = engine.clone();
    let panicked = tokio::spawn(async move {
        e2.run(|s| {
            s.add(student("d@example.com"));
            s.flush()?;
            if s.count(select::<Student>())? > 0 {
                panic!("the handler failed");
            }
            Ok::<_, Error>(())
        })
        .await
    })
    .await;
    assert!(panicked.expect_err("the panic comes back").is_panic());
    assert_eq!(emails(engine).await, ["a@example.com"]);

    // The future dropped while the work runs (a client that went away): the work finishes and
    // commits, not half of it.
    let started = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let (s1, r1) = (started.clone(), release.clone());
    let e3 = engine.clone();
    let task = tokio::spawn(async move {
        e3.run(move |s| {
            s.add(student("e@example.com"));
            s.flush()?;
            s1.wait();
            r1.wait();
            s.add(student("f@example.com"));
            Ok::<_, Error>(())
        })
        .await
    });
    tokio::task::spawn_blocking(move || started.wait())
        .await
        .expect("the work started");
    task.abort();
    tokio::task::spawn_blocking(move || release.wait())
        .await
        .expect("released");
    // The blocking work ends on its own; wait for its commit to be visible.
    let mut seen = Vec::new();
    for _ in 0..500 {
        seen = emails(engine).await;
        if seen.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(seen, ["a@example.com", "e@example.com", "f@example.com"]);

    // The pool is intact: every connection comes back (the aborted work's a moment after its
    // commit became visible).
    let mut status = engine.pool_status();
    for _ in 0..500 {
        if status.connections == status.idle {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        status = engine.pool_status();
    }
    assert_eq!(status.timeouts, 0);
    assert_eq!(status.connections, status.idle, "{status:?}");
}

app_test!(run, commits_and_rolls_back);

/// Outside a tokio runtime: an error, not tokio's panic.
#[test]
fn run_outside_tokio_is_an_error() {
    let engine = Engine::connect("sqlite::memory:").expect("an engine");
    let mut future = std::pin::pin!(engine.run(|_| Ok::<_, Error>(1)));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(e)) => {
            assert!(e.to_string().contains("tokio runtime"), "{e}")
        }
        other => panic!("expected an error at once, got {other:?}"),
    }
}

use std::future::Future as _;

/// An engine connected, used and dropped inside async code, on both runtime flavours: the drivers'
/// blocking connect and close happen where tokio allows them. A statement on a current-thread
/// runtime's own thread is an error on PostgreSQL, whose driver cannot block there; on a worker of
/// a multi-threaded runtime it blocks the worker, as on the other backends.
fn connect_use_drop_in_async(url: Option<String>, multi_thread: bool) {
    let Some(url) = url else { return };
    let runtime = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .expect("a runtime");
    runtime.block_on(async move {
        let engine = Engine::builder(&url)
            .max_connections(2)
            .build()
            .expect("connect in async code");
        let n = engine
            .run_blocking(|e| e.connection()?.table_names().map(|t| t.len()))
            .await
            .expect("the runtime")
            .expect("a query on the blocking pool");
        let direct = engine
            .connection()
            .and_then(|mut c| c.batch_execute("SELECT 1"));
        let on_postgres = engine.dialect().name() == "postgresql";
        if on_postgres && !multi_thread {
            let err = direct.expect_err("no blocking on a current-thread runtime's thread");
            assert!(err.to_string().contains("Engine::run"), "{err}");
        } else {
            direct.expect("blocks the worker, but works");
        }
        let _ = n;
        drop(engine); // the last clone: its connections close here
    });
}

#[test]
fn engines_in_async_code_sqlite() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!("sqlite:///{}", dir.path().join("a.db").display());
    connect_use_drop_in_async(Some(url.clone()), true);
    connect_use_drop_in_async(Some(url), false);
}

#[test]
fn engines_in_async_code_postgres() {
    let url = tests::postgres().map(|_| std::env::var(tests::POSTGRES_URL_VAR).unwrap_or_default());
    connect_use_drop_in_async(url.clone(), true);
    connect_use_drop_in_async(url, false);
}

#[test]
fn engines_in_async_code_mysql() {
    let url = tests::mysql().map(|_| std::env::var(tests::MYSQL_URL_VAR).unwrap_or_default());
    connect_use_drop_in_async(url.clone(), true);
    connect_use_drop_in_async(url, false);
}
