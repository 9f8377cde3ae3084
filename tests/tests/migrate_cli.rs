//! The embedded CLI end to end on a SQLite file: init, migrate, upgrade, current, history, heads,
//! check, downgrade, stamp, and the error paths.

mod migrate_common;

use migrate_common::{metadata, post, user};
use orm_core::schema::Metadata;
use orm_migrate::cli::run_to;

struct Run {
    code: u8,
    out: String,
    err: String,
}

fn db(models: Option<&Metadata>, dir: &std::path::Path, args: &[&str]) -> Run {
    let url = format!("sqlite:///{}", dir.join("app.db").display());
    let repo = dir.join("migrations");
    let mut all = vec![
        "db".to_owned(),
        "--database-url".to_owned(),
        url,
        "--directory".to_owned(),
        repo.display().to_string(),
    ];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_to(models, all, &mut out, &mut err);
    Run {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

#[test]
fn the_flask_db_workflow() -> tests::TestResult {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let v1 = metadata([user()]);
    let v2 = metadata([user(), post()]);

    let r = db(None, dir, &["init"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("versions ... done"), "{}", r.out);
    assert_eq!(db(None, dir, &["init"]).code, 1);

    let r = db(Some(&v1), dir, &["migrate", "-m", "users table"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.err
            .contains("INFO  [orm_migrate] Detected added table 'user'"),
        "{}",
        r.err
    );
    assert!(
        r.err
            .contains("Detected added index 'ix_user_email' on '['email']'"),
        "{}",
        r.err
    );
    assert!(r.out.contains("_users_table.toml ... done"), "{}", r.out);

    let r = db(None, dir, &["upgrade"]);
    assert_eq!(r.code, 0, "{}", r.err);
    // Progress on standard error, as Alembic's log; standard output holds only results.
    assert!(r.err.contains("Running upgrade  -> "), "{}", r.err);
    assert!(r.err.trim_end().ends_with(", users table"), "{}", r.err);
    assert!(r.out.is_empty(), "{}", r.out);

    let r = db(Some(&v1), dir, &["check"]);
    assert_eq!(
        (r.code, r.err.contains("No new upgrade operations detected")),
        (0, true)
    );
    let r = db(Some(&v2), dir, &["check"]);
    assert_eq!(r.code, 1, "drift fails the check: {}", r.err);
    assert!(r.err.contains("Detected added table 'post'"));

    let r = db(Some(&v2), dir, &["migrate", "-m", "posts table"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let r = db(None, dir, &["upgrade", "--sql"]);
    assert!(r.out.contains("CREATE TABLE \"post\""), "{}", r.out);
    assert_eq!(db(None, dir, &["upgrade"]).code, 0);
    let r = db(None, dir, &["current"]);
    assert!(r.out.trim_end().ends_with("(head)"), "{}", r.out);
    let r = db(None, dir, &["history"]);
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].ends_with("(head), posts table") && lines[1].starts_with("<base> -> "));
    assert_eq!(db(None, dir, &["heads"]).out.lines().count(), 1);

    let r = db(None, dir, &["downgrade"]);
    assert!(
        r.err.contains("Running downgrade") && r.err.contains("posts table"),
        "{}",
        r.err
    );
    let r = db(None, dir, &["downgrade", "base"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(db(None, dir, &["current"]).out, "");
    assert_eq!(db(None, dir, &["stamp", "head"]).code, 0);
    assert!(db(None, dir, &["current"]).out.contains("(head)"));
    Ok(())
}

#[test]
fn errors_are_printed_with_exit_codes_never_panics() -> tests::TestResult {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let r = db(None, dir, &["upgrade"]);
    assert_eq!(r.code, 1);
    assert!(r.err.contains("run `init` first"), "{}", r.err);
    assert_eq!(db(None, dir, &["no-such-command"]).code, 2);
    assert_eq!(db(None, dir, &["init"]).code, 0);
    let r = db(None, dir, &["migrate", "-m", "x"]);
    assert!(
        r.code == 1 && r.err.contains("needs the application's models"),
        "{}",
        r.err
    );
    let bad = dir.join("migrations/versions/0123_bad.toml");
    std::fs::write(&bad, "revision = \"0123\"\nmessage = 1\n")?;
    let r = db(None, dir, &["heads"]);
    assert_eq!(r.code, 1);
    assert!(
        r.err.contains("0123_bad.toml") && r.err.contains("line 2"),
        "{}",
        r.err
    );
    std::fs::remove_file(bad)?;
    assert_eq!(db(None, dir, &["stamp", "nope"]).code, 1);
    assert_eq!(db(None, dir, &["--help"]).code, 0);
    Ok(())
}
