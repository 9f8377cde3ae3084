//! The application's migrations checked as an application's own test suite would:
//! `orm_migrate::testing::check_migrations` on every backend.

use orm_core::Engine;

fn check(engine: &Engine) {
    let report = orm_migrate::testing::check_migrations(
        engine,
        student_app::migrations_dir(),
        &student_app::models::metadata(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", engine.url()));
    assert_eq!(report.revisions, 2);
    assert_eq!(report.round_trips, 2);
    assert!(report.rows >= 3, "{report:?}");
    assert!(report.tables_without_rows.is_empty(), "{report:?}");
}

#[test]
fn sqlite() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!("sqlite:///{}", dir.path().join("m.db").display());
    check(&Engine::connect(&url).expect("an engine"));
}

#[test]
fn postgres() {
    if let Some(db) = tests::postgres() {
        check(&db.engine);
    }
}

#[test]
fn mysql() {
    if let Some(db) = tests::mysql() {
        check(&db.engine);
    }
}
