//! A bounded load test on the loopback, on every backend (SQLite on a file): 50 concurrent clients ×
//! 100 requests mixing page views, creations, edits, duplicate e-mail addresses and deletions.
//!
//! - No request fails with a 5xx, and each gets the answer its request calls for.
//! - Nothing is lost: the table holds exactly the students whose creation was answered with a
//!   redirect and whose deletion was not, with the last age each edit set.
//! - No database statement runs on an async worker thread. The runtime marks its worker threads
//!   (tokio calls `on_thread_park`/`on_thread_unpark` on workers only, never on the blocking pool)
//!   and a statement listener on the engine counts the statements run on a marked thread: zero under
//!   load, while a deliberate statement on a worker, made first, is counted (so the check can fail).
//! - The pool (8 connections for 50 clients) makes requests wait, not fail: no checkout times out,
//!   and the longest wait is reported.
//!
//! The figures (requests per second, p50/p99 latency, pool waits) are printed and written to
//! `target/tmp/student_app/load_<backend>.txt`.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::{AppDb, Http};
use orm_core::prelude::*;
use student_app::models::Student;

const CLIENTS: usize = 50;
const REQUESTS: usize = 100;
const POOL: u32 = 8;

thread_local! {
    /// Set on the async runtime's worker threads.
    static WORKER: Cell<bool> = const { Cell::new(false) };
}

/// The worker threads of one runtime, marked as they first park or unpark.
type Marked = Arc<std::sync::Mutex<Vec<std::thread::ThreadId>>>;

/// Marks the current thread as a worker (tokio calls this on workers only).
fn mark_worker(marked: &Marked) {
    if !WORKER.with(Cell::get) {
        WORKER.with(|w| w.set(true));
        marked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(std::thread::current().id());
    }
}

/// What one client did and expects to find.
#[derive(Default)]
struct ClientLog {
    latencies: Vec<Duration>,
    /// Unexpected answers: (request, status).
    unexpected: Vec<String>,
    server_errors: usize,
    /// The client's students still expected in the table: email → (id, age).
    students: BTreeMap<String, (i64, Option<i32>)>,
}

async fn client(http: Http, c: usize) -> ClientLog {
    let mut log = ClientLog::default();
    for i in 0..REQUESTS {
        let started = Instant::now();
        let oldest = log
            .students
            .iter()
            .next()
            .map(|(e, (id, _))| (e.clone(), *id));
        let (what, reply, expected) = match i % 10 {
            0 | 1 => {
                let email = format!("c{c}r{i}@load.example");
                let reply = http
                    .post(
                        "/create/",
                        &[
                            ("firstname", "Load"),
                            ("lastname", &format!("Client{c}")),
                            ("email", &email),
                            ("age", "20"),
                            ("course", "1"),
                        ],
                    )
                    .await;
                if reply.status == 303 {
                    let id = reply
                        .location
                        .as_deref()
                        .and_then(|l| l.trim_matches('/').parse::<i64>().ok());
                    match id {
                        Some(id) => {
                            log.students.insert(email, (id, Some(20)));
                        }
                        None => log.unexpected.push(format!("create: location {reply:?}")),
                    }
                }
                ("create", reply, 303)
            }
            2 if oldest.is_some() => {
                let (email, id) = oldest.clone().expect("checked");
                let age = 21 + (i % 50) as i32;
                let reply = http
                    .post(
                        &format!("/{id}/edit/"),
                        &[
                            ("firstname", "Load"),
                            ("lastname", &format!("Client{c}")),
                            ("email", &email),
                            ("age", &age.to_string()),
                        ],
                    )
                    .await;
                if reply.status == 303 {
                    log.students.insert(email, (id, Some(age)));
                }
                ("edit", reply, 303)
            }
            3 if oldest.is_some() => {
                let (taken, _) = oldest.clone().expect("checked");
                let reply = http
                    .post(
                        "/create/",
                        &[("firstname", "Dup"), ("lastname", "Dup"), ("email", &taken)],
                    )
                    .await;
                ("duplicate", reply, 409)
            }
            4 if oldest.is_some() => {
                let (_, id) = oldest.clone().expect("checked");
                ("student page", http.get(&format!("/{id}/")).await, 200)
            }
            9 if log.students.len() >= 2 => {
                let (email, id) = oldest.clone().expect("checked");
                let reply = http.post(&format!("/{id}/delete/"), &[]).await;
                if reply.status == 303 {
                    log.students.remove(&email);
                }
                ("delete", reply, 303)
            }
            _ => {
                let page = 1 + i % 5;
                ("index", http.get(&format!("/?page={page}")).await, 200)
            }
        };
        log.latencies.push(started.elapsed());
        if reply.status.is_server_error() {
            log.server_errors += 1;
        }
        if reply.status.as_u16() != expected {
            log.unexpected
                .push(format!("{what}: {} (expected {expected})", reply.status));
        }
    }
    log
}

/// A multi-threaded runtime whose workers are all marked before it is handed out.
fn marked_runtime() -> tokio::runtime::Runtime {
    let marked = Marked::default();
    let (m1, m2) = (marked.clone(), marked.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(move || mark_worker(&m1))
        .on_thread_unpark(move || mark_worker(&m2))
        .build()
        .expect("a runtime");
    // Every worker parks once it is idle.
    let workers = runtime.metrics().num_workers();
    let deadline = Instant::now() + Duration::from_secs(10);
    while marked.lock().unwrap_or_else(|p| p.into_inner()).len() < workers {
        assert!(Instant::now() < deadline, "the workers did not all park");
        std::thread::sleep(Duration::from_millis(5));
    }
    runtime
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn load(backend: &str) {
    let Some(db) = AppDb::of(backend, |b| b.max_connections(POOL)) else {
        return;
    };
    let engine = db.engine.clone();
    let on_worker = Arc::new(AtomicU64::new(0));
    let elsewhere = Arc::new(AtomicU64::new(0));
    let (w, e) = (on_worker.clone(), elsewhere.clone());
    engine.on_statement(move |_| {
        if WORKER.with(Cell::get) {
            w.fetch_add(1, Ordering::Relaxed);
        } else {
            e.fetch_add(1, Ordering::Relaxed);
        }
    });
    // The detector detects: a statement run on a worker, on purpose, is counted. On a runtime of
    // its own, since a worker that blocks (PostgreSQL's driver through `block_in_place`) hands its
    // thread over to the blocking pool, marked as it is.
    marked_runtime().block_on(async {
        let probe = engine.clone();
        tokio::spawn(async move {
            probe
                .connection()
                .and_then(|mut c| c.batch_execute("SELECT 1"))
        })
        .await
        .expect("the probe task")
        .expect("the probe statement");
    });
    assert_eq!(
        on_worker.swap(0, Ordering::Relaxed),
        1,
        "a statement on a worker thread is seen"
    );

    let runtime = marked_runtime();
    runtime.block_on(async {
        let http = Http::new(crate::support::serve(engine.clone()).await);
        let before = engine.pool_status();
        let started = Instant::now();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| tokio::spawn(client(http.clone(), c)))
            .collect();
        let mut logs = Vec::new();
        for c in clients {
            logs.push(c.await.expect("a client task"));
        }
        let elapsed = started.elapsed();
        let pool = engine.pool_status();

        let server_errors: usize = logs.iter().map(|l| l.server_errors).sum();
        let unexpected: Vec<&String> = logs.iter().flat_map(|l| &l.unexpected).collect();
        assert_eq!(server_errors, 0, "5xx answers: {unexpected:?}");
        assert!(unexpected.is_empty(), "unexpected answers: {unexpected:?}");

        // Nothing lost, nothing extra: the table against the successful answers.
        let mut expected: BTreeMap<String, (i64, Option<i32>)> = BTreeMap::new();
        for l in &logs {
            expected.extend(l.students.clone());
        }
        let stored: BTreeMap<String, (i64, Option<i32>)> = engine
            .run(|s| {
                let all = s.all(select::<Student>())?;
                Ok::<_, Error>(
                    all.iter()
                        .map(|o| {
                            let st = o.read();
                            (st.email.clone(), (st.id.unwrap_or_default(), st.age))
                        })
                        .collect(),
                )
            })
            .await
            .expect("read the table");
        assert_eq!(stored.len(), expected.len(), "rows against successful answers");
        assert!(stored == expected, "the table differs from the answers");

        assert_eq!(
            on_worker.load(Ordering::Relaxed),
            0,
            "database statements ran on async worker threads"
        );
        assert_eq!(pool.timeouts, 0, "no checkout gave up: {pool:?}");
        assert!(pool.connections <= POOL);

        let mut latencies: Vec<Duration> =
            logs.iter().flat_map(|l| l.latencies.iter().copied()).collect();
        latencies.sort();
        let total = latencies.len();
        assert_eq!(total, CLIENTS * REQUESTS);
        let mut report = String::new();
        let _ = writeln!(
            report,
            "load {backend}: {CLIENTS} clients x {REQUESTS} requests = {total} in {:.2} s: {:.0} requests/s, \
             p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            elapsed.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies[total - 1].as_secs_f64() * 1e3,
        );
        let _ = writeln!(
            report,
            "  {} students stored, as answered; statements: {} on the blocking pool, 0 on async workers",
            stored.len(),
            elsewhere.load(Ordering::Relaxed),
        );
        let checkouts = pool.checkouts - before.checkouts;
        let _ = writeln!(
            report,
            "  pool of {POOL}: {checkouts} checkouts, {} open at the end, mean wait {:.2} ms, longest wait {:.1} ms, timeouts 0",
            pool.connections,
            (pool.total_wait - before.total_wait).as_secs_f64() * 1e3 / checkouts.max(1) as f64,
            pool.max_wait.as_secs_f64() * 1e3,
        );
        eprint!("{report}");
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("student_app");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("load_{backend}.txt")), report);
    });
    drop(runtime);
}

#[test]
fn sqlite_file() {
    load("sqlite");
}

#[test]
fn postgres() {
    load("postgres");
}

#[test]
fn mysql() {
    load("mysql");
}
