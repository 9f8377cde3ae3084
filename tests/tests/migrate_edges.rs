//! The migration CLI's sharp edges, on a SQLite file, on PostgreSQL and on MariaDB (a database of
//! its own each): a foreign-key cycle,
//! `revision` for hand-written steps, a database at a revision the repository lacks, `upgrade`
//! over tables that `create_all` made, `check`'s exit codes, and hand-edited files that are wrong.

mod migrate_common;

use migrate_common::{metadata, post, user};
use orm_core::schema::{ColumnDef, ColumnType, FkAction, ForeignKeyDef, Metadata, TableDef};
use orm_core::Engine;
use orm_migrate::cli::run_to;

struct Run {
    code: u8,
    out: String,
    err: String,
}

/// A database of its own for the CLI: a SQLite file, or a PostgreSQL database dropped afterwards.
struct Target {
    url: String,
    dir: tempfile::TempDir,
    cleanup: Option<(Engine, String)>,
    _keep: Option<tests::MySqlDb>,
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.cleanup {
            if let Ok(mut c) = admin.connection() {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

fn targets() -> Vec<Target> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("a directory");
    out.push(Target {
        url: format!("sqlite:///{}", dir.path().join("app.db").display()),
        dir,
        cleanup: None,
        _keep: None,
    });
    if tests::postgres().is_some() {
        let url = std::env::var(tests::POSTGRES_URL_VAR).unwrap_or_default();
        let name = format!(
            "orm_mig_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() % 1_000_000_000)
                .unwrap_or_default()
        );
        let admin = Engine::connect(&url).expect("the server");
        admin
            .connection()
            .and_then(|mut c| c.batch_execute(&format!("CREATE DATABASE {name}")))
            .expect("a database");
        out.push(Target {
            url: tests::with_database(&url, &name),
            dir: tempfile::tempdir().expect("a directory"),
            cleanup: Some((admin, name)),
            _keep: None,
        });
    }
    if let Some(db) = tests::mysql() {
        let url = std::env::var(tests::MYSQL_URL_VAR).unwrap_or_default();
        out.push(Target {
            url: tests::with_database(&url, db.database()),
            dir: tempfile::tempdir().expect("a directory"),
            cleanup: None,
            _keep: Some(db),
        });
    }
    out
}

impl Target {
    fn db(&self, models: Option<&Metadata>, args: &[&str]) -> Run {
        let repo = self.dir.path().join("migrations");
        let mut all = vec![
            "db".to_owned(),
            "--database-url".to_owned(),
            self.url.clone(),
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

    fn ok(&self, models: Option<&Metadata>, args: &[&str]) -> Run {
        let r = self.db(models, args);
        assert_eq!(r.code, 0, "{args:?} on {}: {}{}", self.url, r.out, r.err);
        r
    }

    fn versions(&self) -> std::path::PathBuf {
        self.dir.path().join("migrations").join("versions")
    }

    /// The migration file whose name starts with `revision`.
    fn file_of(&self, revision: &str) -> std::path::PathBuf {
        std::fs::read_dir(self.versions())
            .expect("versions")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(revision))
            })
            .expect("the file")
    }
}

/// The revision id in a "Generating <dir>/<rev>_<slug>.toml" line.
fn generated(run: &Run) -> String {
    let path = run
        .out
        .split_whitespace()
        .find(|w| w.ends_with(".toml"))
        .expect("a generated file");
    let name = std::path::Path::new(path)
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    name[..12].to_owned()
}

#[test]
fn revision_writes_an_empty_migration_for_hand_written_steps() -> tests::TestResult {
    for t in targets() {
        let v1 = metadata([user()]);
        t.ok(None, &["init"]);
        let first = generated(&t.ok(Some(&v1), &["migrate", "-m", "users"]));
        let second = generated(&t.ok(None, &["revision", "-m", "backfill emails"]));
        let text = std::fs::read_to_string(t.file_of(&second))?;
        assert!(
            text.contains(&format!("down_revisions = [\"{first}\"]")),
            "{text}"
        );
        // A hand-written data step, with the step that undoes it.
        std::fs::write(
            t.file_of(&second),
            format!(
                "{text}\n[[upgrade]]\nop = \"sql\"\nup = \"INSERT INTO \\\"user\\\" (username, email) VALUES ('admin', 'admin@example.com')\"\n\n[[downgrade]]\nop = \"sql\"\nup = \"DELETE FROM \\\"user\\\" WHERE username = 'admin'\"\n"
            ),
        )?;
        t.ok(None, &["upgrade"]);
        assert!(t.ok(None, &["current"]).out.contains(&second));
        let engine = Engine::connect(&t.url)?;
        let count = |e: &Engine| -> orm_core::Result<usize> {
            Ok(e.connection()?
                .query("SELECT username FROM \"user\"", &[])?
                .rows
                .len())
        };
        assert_eq!(count(&engine)?, 1);
        t.ok(None, &["downgrade", "-1"]);
        assert_eq!(count(&engine)?, 0);
    }
    Ok(())
}

#[test]
fn a_database_at_a_revision_the_repository_lacks_is_a_clear_error() -> tests::TestResult {
    for t in targets() {
        let (v1, v2) = (metadata([user()]), metadata([user(), post()]));
        t.ok(None, &["init"]);
        let first = generated(&t.ok(Some(&v1), &["migrate", "-m", "users"]));
        t.ok(None, &["upgrade"]);
        let second = generated(&t.ok(Some(&v2), &["migrate", "-m", "posts"]));
        t.ok(None, &["upgrade"]);
        // Another branch: the file of the applied head is gone.
        std::fs::remove_file(t.file_of(&second))?;
        for args in [&["current"][..], &["upgrade"], &["downgrade", "-1"]] {
            let r = t.db(None, args);
            assert_eq!(r.code, 1, "{args:?}");
            assert!(
                r.err
                    .contains(&format!("the database is at revision {second}"))
                    && r.err.contains("does not have")
                    && r.err.contains("stamp"),
                "{args:?}: {}",
                r.err
            );
        }
        // What the message says to do works.
        t.ok(None, &["stamp", &first]);
        assert!(t.ok(None, &["current"]).out.contains(&first));
    }
    Ok(())
}

#[test]
fn upgrade_over_tables_create_all_made_says_stamp() -> tests::TestResult {
    for t in targets() {
        let v1 = metadata([user(), post()]);
        t.ok(None, &["init"]);
        let rev = generated(&t.ok(Some(&v1), &["migrate", "-m", "users and posts"]));
        // The README's quickstart: create_all first.
        Engine::connect(&t.url)?.create_tables(&v1)?;
        let r = t.db(None, &["upgrade"]);
        assert_eq!(r.code, 1);
        assert!(
            r.err.contains("already has the table(s)")
                && r.err.contains("user")
                && r.err.contains("post")
                && r.err.contains(&format!("stamp {rev}")),
            "{}",
            r.err
        );
        t.ok(None, &["stamp", "head"]);
        t.ok(None, &["upgrade"]);
        assert_eq!(t.ok(Some(&v1), &["check"]).code, 0);
    }
    Ok(())
}

#[test]
fn check_exit_codes_tell_drift_from_errors() -> tests::TestResult {
    for t in targets() {
        let (v1, v2) = (metadata([user()]), metadata([user(), post()]));
        t.ok(None, &["init"]);
        t.ok(Some(&v1), &["migrate", "-m", "users"]);
        t.ok(None, &["upgrade"]);
        assert_eq!(t.db(Some(&v1), &["check"]).code, 0);
        let drift = t.db(Some(&v2), &["check"]);
        assert_eq!(drift.code, 1, "{}", drift.out);
        let unreachable = run_to(
            Some(&v1),
            [
                "db",
                "--database-url",
                "postgresql://nobody@127.0.0.1:1/nothing",
                "check",
            ],
            &mut Vec::new(),
            &mut Vec::new(),
        );
        assert_eq!(unreachable, 2, "a check that could not be made");
        assert_eq!(t.db(Some(&v1), &["check", "--bogus"]).code, 2);
    }
    Ok(())
}

#[test]
fn hand_edited_files_that_are_wrong_are_refused_when_loaded() -> tests::TestResult {
    for t in targets() {
        let v1 = metadata([user()]);
        t.ok(None, &["init"]);
        let first = generated(&t.ok(Some(&v1), &["migrate", "-m", "users"]));
        let path = t.file_of(&first);
        let good = std::fs::read_to_string(&path)?;

        // No `down_revisions`: not taken for a first revision.
        std::fs::write(&path, good.replace("down_revisions = []\n", ""))?;
        let r = t.db(None, &["history"]);
        assert_eq!(r.code, 1);
        assert!(
            r.err.contains("down_revisions") && r.err.contains(&first),
            "{}",
            r.err
        );

        // Upgrade operations and no downgrade: refused unless it says it is irreversible.
        let cut = good.find("[[downgrade]]").expect("a downgrade");
        std::fs::write(&path, &good[..cut])?;
        let r = t.db(None, &["upgrade"]);
        assert_eq!(r.code, 1);
        assert!(r.err.contains("no [[downgrade]]"), "{}", r.err);
        let irreversible = good[..cut].replacen("message = ", "irreversible = true\nmessage = ", 1);
        std::fs::write(&path, &irreversible)?;
        t.ok(None, &["upgrade"]);
        let r = t.db(None, &["downgrade", "base"]);
        assert_eq!(r.code, 1);
        assert!(r.err.contains("irreversible"), "{}", r.err);
        assert!(
            t.ok(None, &["current"]).out.contains(&first),
            "nothing was undone"
        );

        // A made-up type: refused (SQLite would have taken it).
        std::fs::write(&path, &good)?;
        t.ok(None, &["downgrade", "base"]);
        let bignum = good.replacen("type = \"VARCHAR(64)\"", "type = \"BIGNUM\"", 1);
        assert_ne!(bignum, good);
        std::fs::write(&path, &bignum)?;
        let r = t.db(None, &["upgrade"]);
        assert_eq!(r.code, 1, "{}", t.url);
        assert!(
            r.err.to_lowercase().contains("bignum"),
            "{}: {}",
            t.url,
            r.err
        );
        std::fs::write(&path, &good)?;
        t.ok(None, &["upgrade"]);

        // A message with control characters writes a file that reads back.
        let r = t.ok(None, &["revision", "-m", "line one\r\nline two\u{7}"]);
        let rev = generated(&r);
        let history = t.ok(None, &["history"]).out;
        assert!(history.contains(&rev), "{history}");
    }
    Ok(())
}

/// `Dept { head_id -> emp }` and `Emp { dept_id -> dept }`: tables that refer to each other.
fn cycle() -> Metadata {
    let table = |name: &str, column: &str, other: &str| {
        let mut t = TableDef::new(name);
        t.columns = vec![
            ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key(),
            ColumnDef::new(column, ColumnType::BigInt).nullable(true),
        ];
        t.primary_key = vec!["id".into()];
        t.foreign_keys = vec![ForeignKeyDef {
            name: format!("fk_{name}_{column}_{other}"),
            columns: vec![column.into()],
            ref_table: other.into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
        }];
        t
    };
    metadata([
        table("dept", "head_id", "emp"),
        table("emp", "dept_id", "dept"),
    ])
}

#[test]
fn a_foreign_key_cycle_migrates_up_and_down() -> tests::TestResult {
    for t in targets() {
        let models = cycle();
        t.ok(None, &["init"]);
        let r = t.ok(
            Some(&models),
            &["migrate", "-m", "departments and employees"],
        );
        assert!(r.err.contains("Detected added foreign key"), "{}", r.err);
        t.ok(None, &["upgrade"]);
        assert_eq!(t.db(Some(&models), &["check"]).code, 0, "{}", t.url);
        let engine = Engine::connect(&t.url)?;
        let mut conn = engine.connection()?;
        // Both keys hold: a row referring to nothing is refused either way.
        for sql in [
            "INSERT INTO dept (head_id) VALUES (42)",
            "INSERT INTO emp (dept_id) VALUES (42)",
        ] {
            let err = conn.batch_execute(sql).expect_err("a dangling reference");
            assert!(
                matches!(
                    err.constraint().map(|v| v.kind),
                    Some(orm_core::ConstraintKind::ForeignKey)
                ),
                "{}: {err}",
                t.url
            );
        }
        conn.batch_execute("INSERT INTO dept (head_id) VALUES (NULL)")?;
        conn.batch_execute("INSERT INTO emp (dept_id) SELECT MAX(id) FROM dept")?;
        drop(conn);
        t.ok(None, &["downgrade", "base"]);
        let mut names = engine.connection()?.table_names()?;
        names.retain(|n| n == "dept" || n == "emp");
        assert!(names.is_empty(), "{}: {names:?}", t.url);
        t.ok(None, &["upgrade"]);
    }
    Ok(())
}

/// Names past PostgreSQL's 63 bytes are shortened by the convention (a hash suffix), so that the
/// database keeps them whole and `check` finds no drift after the upgrade.
#[test]
fn long_convention_names_never_drift() -> tests::TestResult {
    for t in targets() {
        let mut table = TableDef::new("enrollment_history");
        table.columns = vec![
            ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key(),
            ColumnDef::new("student_identifier_number", ColumnType::BigInt),
            ColumnDef::new("course_identifier_number", ColumnType::BigInt),
        ];
        table.primary_key = vec!["id".into()];
        let index = migrate_common::index(
            "enrollment_history",
            &["student_identifier_number", "course_identifier_number"],
            false,
        );
        assert_eq!(index.name.len(), 63, "{}", index.name);
        table.indexes = vec![index];
        let models = metadata([table]);
        t.ok(None, &["init"]);
        t.ok(Some(&models), &["migrate", "-m", "history"]);
        t.ok(None, &["upgrade"]);
        let r = t.db(Some(&models), &["check"]);
        assert_eq!(r.code, 0, "{}: {}", t.url, r.out);
    }
    Ok(())
}

/// A table the models do not own (another application's, an extension's): `check` and
/// `migrate --from-db` leave it alone when told to.
#[test]
fn include_and_exclude_filters_leave_other_tables_alone() -> tests::TestResult {
    for t in targets() {
        let models = metadata([user()]);
        t.ok(None, &["init"]);
        t.ok(Some(&models), &["migrate", "-m", "users"]);
        t.ok(None, &["upgrade"]);
        Engine::connect(&t.url)?
            .connection()?
            .batch_execute("CREATE TABLE legacy_audit (id INTEGER PRIMARY KEY)")?;
        let drift = t.db(Some(&models), &["check"]);
        assert_eq!(drift.code, 1, "{}", drift.err);
        assert!(drift.err.contains("legacy_audit"), "{}", drift.err);
        for filter in [
            &["--exclude-table", "legacy_*"][..],
            &["--include-table", "user", "--include-table", "post"],
        ] {
            let args: Vec<&str> = ["check"].iter().chain(filter).copied().collect();
            assert_eq!(t.db(Some(&models), &args).code, 0, "{args:?}");
            let args: Vec<&str> = ["migrate", "--from-db", "-m", "x"]
                .iter()
                .chain(filter)
                .copied()
                .collect();
            let r = t.ok(Some(&models), &args);
            assert!(
                r.err.contains("No changes in schema detected"),
                "{args:?}: {}",
                r.err
            );
        }
        assert_eq!(
            t.db(Some(&models), &["check", "--exclude-table", "["]).code,
            2
        );
    }
    Ok(())
}

/// Warnings where an upgrade may fail on rows present, and none for a widening.
#[test]
fn warnings_for_not_null_without_default_and_none_for_widening() -> tests::TestResult {
    let t = targets().swap_remove(0);
    let table = |email_len: u32, extra: Option<ColumnDef>| {
        let mut u = user();
        for c in &mut u.columns {
            if c.name == "email" {
                c.ty = ColumnType::Varchar(email_len);
            }
        }
        u.columns.extend(extra);
        metadata([u])
    };
    t.ok(None, &["init"]);
    t.ok(Some(&table(120, None)), &["migrate", "-m", "users"]);
    let wider = t.ok(Some(&table(200, None)), &["migrate", "-m", "wider"]);
    assert!(!wider.err.contains("WARNING"), "{}", wider.err);
    let narrower = t.ok(Some(&table(50, None)), &["migrate", "-m", "narrower"]);
    assert!(
        narrower.err.contains("may fail on, or truncate"),
        "{}",
        narrower.err
    );
    let required = ColumnDef::new("nickname", ColumnType::Varchar(20));
    let added = t.ok(
        Some(&table(50, Some(required))),
        &["migrate", "-m", "nickname"],
    );
    assert!(
        added
            .err
            .contains("adding NOT NULL column 'user.nickname' without a server default"),
        "{}",
        added.err
    );
    let optional = ColumnDef::new("motto", ColumnType::Text).nullable(true);
    let both = table(
        50,
        Some(ColumnDef::new("nickname", ColumnType::Varchar(20))),
    );
    let calm = t.ok(
        Some(&metadata([{
            let mut u = both.tables()[0].clone();
            u.columns.push(optional);
            u
        }])),
        &["migrate", "-m", "motto"],
    );
    assert!(!calm.err.contains("WARNING"), "{}", calm.err);
    Ok(())
}

/// Pipes `script` into the database's own client with its default settings; returns whether the
/// client succeeded. `None` when the client is not installed (a failure under CI).
fn pipe(t: &Target, script: &str) -> Option<bool> {
    use std::io::Write as _;
    let mut command = if let Some(path) = t.url.strip_prefix("sqlite:///") {
        let mut c = std::process::Command::new("sqlite3");
        c.arg(path);
        c
    } else if t.url.starts_with("postgresql://") {
        let mut c = std::process::Command::new("psql");
        c.arg(t.url.split('?').next().unwrap_or(&t.url)).arg("-q");
        c
    } else {
        // mysql://user@host:port/database: the mariadb client, reading the script from its input.
        let rest = t.url.trim_start_matches("mysql://");
        let (user, rest) = rest.split_once('@').unwrap_or(("root", rest));
        let (address, rest) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = address.split_once(':').unwrap_or((address, "3306"));
        let database = rest.split('?').next().unwrap_or(rest);
        let mut c = std::process::Command::new("mariadb");
        c.args(["-h", host, "-P", port, "-u", user, database]);
        c
    };
    let child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "the database clients must be installed in CI: {e}"
            );
            eprintln!(
                "note: {:?} not found: its offline-SQL test is skipped",
                command
            );
            return None;
        }
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("the script goes in");
    Some(child.wait().expect("the client ends").success())
}

/// Offline SQL piped into `sqlite3`, `psql` and `mariadb` as they come: a revision that fails half-way (a
/// destructive statement after the failing one) stops the script; the database stays at the last
/// good revision with every row, and no later revision applies. `downgrade --sql` undoes a range.
#[test]
fn offline_sql_is_safe_to_pipe_into_the_clients() -> tests::TestResult {
    for t in targets() {
        let (v1, v2) = (metadata([user()]), metadata([user(), post()]));
        t.ok(None, &["init"]);
        let first = generated(&t.ok(Some(&v1), &["migrate", "-m", "users"]));
        t.ok(None, &["upgrade"]);
        let engine = Engine::connect(&t.url)?;
        engine.connection()?.batch_execute(
            "INSERT INTO \"user\" (username, email) VALUES ('a', 'a@x'), ('b', 'b@x'), ('c', 'c@x')",
        )?;
        let broken = generated(&t.ok(None, &["revision", "-m", "broken"]));
        let path = t.file_of(&broken);
        let text = std::fs::read_to_string(&path)?;
        std::fs::write(
            &path,
            format!(
                "{text}\n[[upgrade]]\nop = \"sql\"\nup = \"INSERT INTO no_such_table VALUES (1)\"\n\n\
                 [[upgrade]]\nop = \"sql\"\nup = \"DELETE FROM \\\"user\\\"\"\n\n\
                 [[downgrade]]\nop = \"sql\"\nup = \"SELECT 1\"\n"
            ),
        )?;
        t.ok(Some(&v2), &["migrate", "-m", "posts"]);
        let script = t
            .ok(None, &["upgrade", "--sql", &format!("{first}:head")])
            .out;
        let Some(ok) = pipe(&t, &script) else {
            continue;
        };
        assert!(!ok, "{}: the client reports the failure", t.url);
        assert!(t.ok(None, &["current"]).out.contains(&first), "{}", t.url);
        let users = engine
            .connection()?
            .query("SELECT * FROM \"user\"", &[])?
            .rows
            .len();
        assert_eq!(users, 3, "{}: nothing lost", t.url);
        let tables = engine.connection()?.table_names()?;
        assert!(
            !tables.iter().any(|n| n == "post"),
            "{}: no later revision",
            t.url
        );

        // Repaired, the rest applies; then the whole range is undone offline.
        std::fs::write(
            &path,
            format!(
                "{text}\n[[upgrade]]\nop = \"sql\"\nup = \"UPDATE \\\"user\\\" SET email = email\"\n\n\
                 [[downgrade]]\nop = \"sql\"\nup = \"SELECT 1\"\n"
            ),
        )?;
        let script = t
            .ok(None, &["upgrade", "--sql", &format!("{first}:head")])
            .out;
        assert_eq!(pipe(&t, &script), Some(true), "{}", t.url);
        assert!(t.ok(None, &["current"]).out.contains("(head)"), "{}", t.url);
        let down = t
            .ok(None, &["downgrade", "--sql", &format!("head:{first}")])
            .out;
        assert_eq!(pipe(&t, &down), Some(true), "{}: {down}", t.url);
        assert!(t.ok(None, &["current"]).out.contains(&first), "{}", t.url);
        assert!(!engine
            .connection()?
            .table_names()?
            .iter()
            .any(|n| n == "post"));
        // A script for a database at another revision refuses to run at all.
        let stale = t.ok(None, &["upgrade", "--sql", "head"]).out; // written for base
        assert_eq!(pipe(&t, &stale), Some(false), "{}", t.url);
        assert!(t.ok(None, &["current"]).out.contains(&first), "{}", t.url);
    }
    Ok(())
}

/// SQLite rebuilds a table to alter it. What the models do not describe (a partial unique index, an
/// expression index, a trigger, a view over the table) comes back as it was written, and a rebuild
/// that fails names the user's table.
#[test]
fn a_sqlite_rebuild_keeps_what_the_models_do_not_describe() -> tests::TestResult {
    let t = targets().swap_remove(0);
    let with_username = |len: u32, hash_required: bool| {
        let mut u = user();
        for c in &mut u.columns {
            if c.name == "username" {
                c.ty = ColumnType::Varchar(len);
            }
            if c.name == "password_hash" {
                c.nullable = !hash_required;
            }
        }
        metadata([u])
    };
    t.ok(None, &["init"]);
    t.ok(Some(&with_username(64, false)), &["migrate", "-m", "users"]);
    t.ok(None, &["upgrade"]);
    let engine = Engine::connect(&t.url)?;
    let mut conn = engine.connection()?;
    conn.batch_execute(
        "CREATE UNIQUE INDEX ux_user_hash ON \"user\" (password_hash) WHERE password_hash IS NOT NULL;
         CREATE INDEX ix_user_lower_email ON \"user\" (lower(email));
         CREATE TABLE audit (what TEXT);
         CREATE TRIGGER user_audit AFTER INSERT ON \"user\" BEGIN INSERT INTO audit VALUES (NEW.username); END;
         CREATE VIEW user_names AS SELECT username FROM \"user\";
         INSERT INTO \"user\" (username, email) VALUES ('a', 'A@x'), ('b', 'B@x');",
    )?;
    let objects = |conn: &mut orm_core::Connection| -> orm_core::Result<Vec<(String, String)>> {
        Ok(conn
            .query(
                "SELECT name, sql FROM sqlite_master WHERE name IN \
                 ('ux_user_hash', 'ix_user_lower_email', 'user_audit', 'user_names') ORDER BY name",
                &[],
            )?
            .rows
            .into_iter()
            .map(|r| (format!("{:?}", r[0]), format!("{:?}", r[1])))
            .collect())
    };
    let before = objects(&mut conn)?;
    assert_eq!(before.len(), 4);
    drop(conn);

    // A longer username: SQLite rebuilds the table.
    t.ok(
        Some(&with_username(80, false)),
        &["migrate", "-m", "longer names"],
    );
    t.ok(None, &["upgrade"]);
    let mut conn = engine.connection()?;
    assert_eq!(objects(&mut conn)?, before, "kept as they were written");
    let names = conn.query("SELECT username FROM user_names ORDER BY username", &[])?;
    assert_eq!(names.rows.len(), 2, "the view reads the rebuilt table");
    // The partial unique index is still partial: NULLs repeat, values do not.
    conn.batch_execute("INSERT INTO \"user\" (username, email) VALUES ('c', 'c@x')")?;
    conn.batch_execute("UPDATE \"user\" SET password_hash = 'h' WHERE username = 'a'")?;
    let dup = conn
        .batch_execute("UPDATE \"user\" SET password_hash = 'h' WHERE username = 'b'")
        .expect_err("unique where not null");
    assert!(dup.is_unique_violation(), "{dup}");
    let audited = conn.query("SELECT what FROM audit", &[])?.rows.len();
    assert_eq!(audited, 3, "the trigger still fires");
    drop(conn);
    // The indexes the models do not describe are no drift; the audit table is not the models'.
    let r = t.db(
        Some(&with_username(80, false)),
        &["check", "--exclude-table", "audit"],
    );
    assert_eq!(r.code, 0, "{}", r.err);

    // A rebuild that fails (NOT NULL over rows holding NULL) names `user`, and changes nothing.
    t.ok(
        Some(&with_username(80, true)),
        &["migrate", "-m", "hash required"],
    );
    let r = t.db(None, &["upgrade"]);
    assert_eq!(r.code, 1);
    assert!(!r.err.contains("_orm_tmp_"), "{}", r.err);
    assert!(r.err.contains("user"), "{}", r.err);
    let mut conn = engine.connection()?;
    assert_eq!(objects(&mut conn)?, before);
    Ok(())
}

/// `orm_migrate::testing::check_migrations`, the helper for applications' own test suites: a good
/// history passes with rows put into every table; models the history does not reach are drift.
#[test]
fn the_migration_check_helper_passes_good_histories_and_names_drift() -> tests::TestResult {
    for t in targets() {
        let (v1, v2) = (metadata([user()]), metadata([user(), post()]));
        t.ok(None, &["init"]);
        t.ok(Some(&v1), &["migrate", "-m", "users"]);
        t.ok(Some(&v2), &["migrate", "-m", "posts"]);
        let engine = Engine::connect(&t.url)?;
        let dir = t.dir.path().join("migrations");
        let report = orm_migrate::testing::check_migrations(&engine, &dir, &v2)?;
        assert_eq!((report.revisions, report.round_trips), (2, 2), "{}", t.url);
        assert!(report.rows >= 3, "{}: {report:?}", t.url);
        assert!(report.tables_without_rows.is_empty(), "{report:?}");
        // The same history against models with one more table: drift, named.
        let fresh = targets()
            .into_iter()
            .find(|o| o.url.split(':').next() == t.url.split(':').next());
        let Some(fresh) = fresh else { continue };
        let other = Engine::connect(&fresh.url)?;
        let mut bigger = user();
        bigger
            .columns
            .push(ColumnDef::new("nickname", ColumnType::Text).nullable(true));
        let err = orm_migrate::testing::check_migrations(&other, &dir, &metadata([bigger, post()]))
            .expect_err("the models have a column the history lacks");
        assert!(err.to_string().contains("nickname"), "{}: {err}", t.url);
    }
    Ok(())
}
