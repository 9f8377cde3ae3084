//! Peak memory of loading 100k rows into objects, against the raw driver's `Vec` of structs, from
//! the same SQLite file. Each side runs in a process of its own (this program run again with an
//! argument), and reports its peak resident set (`VmHWM`) over what it held before the load.
//!
//! `cargo bench -p tests --bench memory` (Linux: it reads `/proc/self/status`).

use std::process::Command;

use orm_core::query::select;
use orm_core::{Engine, Model};

#[derive(Model, Debug)]
pub struct MemRow {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 64)]
    pub name: String,
    #[orm(length = 120)]
    pub email: String,
    pub score: i64,
    pub note: Option<String>,
}

const ROWS: i64 = 100_000;

/// `VmHWM` (peak resident set) and `VmRSS` of this process, in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn fill(path: &str) {
    let engine = Engine::connect(&format!("sqlite:///{path}")).expect("engine");
    engine.create_all().expect("create");
    let mut s = engine.session();
    s.add_all((0..ROWS).map(|j| MemRow {
        id: None,
        name: format!("name {j}"),
        email: format!("user{j}@example.com"),
        score: j % 97,
        note: (j % 3 == 0).then(|| format!("note {j}")),
    }));
    s.commit().expect("fill");
}

/// Loads every row on one side and prints the peak over the baseline, in KiB.
fn run_side(side: &str, path: &str) {
    let (_, before) = memory();
    let count = match side {
        "raw" => {
            let conn = rusqlite::Connection::open(path).expect("open");
            let mut st = conn
                .prepare(r#"SELECT "id", "name", "email", "score", "note" FROM "mem_row""#)
                .expect("prepare");
            let rows: Vec<MemRow> = st
                .query_map([], |r| {
                    Ok(MemRow {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        email: r.get(2)?,
                        score: r.get(3)?,
                        note: r.get(4)?,
                    })
                })
                .expect("query")
                .map(|r| r.expect("row"))
                .collect();
            std::hint::black_box(&rows);
            rows.len()
        }
        _ => {
            let engine = Engine::connect(&format!("sqlite:///{path}")).expect("engine");
            let mut s = engine.session();
            let rows = s.all(select::<MemRow>()).expect("load");
            std::hint::black_box(&rows);
            rows.len()
        }
    };
    let (peak, _) = memory();
    assert_eq!(count as i64, ROWS);
    println!("{}", peak.saturating_sub(before));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, side, path] = args.as_slice() {
        if side == "raw" || side == "orm" {
            run_side(side, path);
            return;
        }
    }
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("memory.db");
    let path = path.to_str().expect("utf-8 path");
    fill(path);
    let me = std::env::current_exe().expect("current exe");
    let measure = |side: &str| -> u64 {
        let out = Command::new(&me).args([side, path]).output().expect("run");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a number of KiB")
    };
    // Best (lowest) of three processes per side: the allocator's peak varies a little run to run.
    let raw = (0..3).map(|_| measure("raw")).min().unwrap_or(0);
    let orm = (0..3).map(|_| measure("orm")).min().unwrap_or(0);
    println!(
        "sqlite (file): peak memory loading {ROWS} rows: orm {:.1} MB, raw Vec of structs {:.1} MB, ratio {:.2}x (goal 1.5x)",
        orm as f64 / 1024.0,
        raw as f64 / 1024.0,
        orm as f64 / raw.max(1) as f64
    );
}
