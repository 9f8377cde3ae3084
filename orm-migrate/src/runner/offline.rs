//! Offline SQL (`upgrade --sql`, `downgrade --sql`): the script of a range of revisions for a DBA to
//! review and run, safe to pipe into the database's own client with its default settings:
//!
//! - it tells the client to stop at the first error: `.bail on` for `sqlite3`, `\set ON_ERROR_STOP
//!   on` for `psql` (the `mysql` client stops by default when it reads a script from its input);
//! - each revision runs in its own transaction (on MySQL, whose DDL commits as it runs, as far as
//!   it goes), which first checks that the database is at the revision before it and fails
//!   otherwise: a script written for another revision, or run a second time, changes nothing;
//! - the version table is updated inside that transaction.
//!
//! A client that goes on after an error anyway (`mysql --force`, a tool that ignores `.bail`) is
//! still stopped at the next revision on PostgreSQL, whose failed transaction commits nothing; on
//! SQLite and MySQL the rest of the failing revision would run, which is why the scripts tell the
//! clients to stop.

use orm_core::dialect::dialect_for;
use orm_core::{Dialect, DialectKind};

use super::plan::{downgrade_plan, upgrade_plan};
use super::version;
use crate::ddl;
use crate::error::{Error, Result};
use crate::ops::SchemaState;
use crate::repository::Repository;

/// The temporary table of the guard rows.
const GUARD: &str = "orm_version_guard";

/// The guard's "no": a scalar subquery of two rows, an error on PostgreSQL and MySQL (even a MySQL
/// that parses CHECK and ignores it), and 0 on SQLite, which its CHECK refuses.
const FAIL: &str = "(SELECT 0 UNION ALL SELECT 0)";

/// The SQL that upgrades a database at `from` (revisions; empty for base) to `target`, one
/// transaction per revision, with the version-table updates, for `dialect`.
///
/// The schema each statement applies to is the one the history builds, as no database is read.
///
/// # Errors
///
/// As [`upgrade_plan`], and [`Error::InvalidOperation`] when a migration does not fit the history.
pub fn upgrade_sql(
    repo: &Repository,
    dialect: DialectKind,
    from: &[String],
    target: &str,
) -> Result<String> {
    let plan = upgrade_plan(repo.graph(), from, target)?;
    script(repo, dialect, from, &plan, true)
}

/// The SQL that downgrades a database at `from` to `target` (`base`, `-N`, a revision), one
/// transaction per revision, with the version-table updates, for `dialect`.
///
/// # Errors
///
/// As [`downgrade_sql`]'s plan; [`Error::Irreversible`] for a revision that cannot be undone.
pub fn downgrade_sql(
    repo: &Repository,
    dialect: DialectKind,
    from: &[String],
    target: &str,
) -> Result<String> {
    let plan = downgrade_plan(repo.graph(), from, target)?;
    script(repo, dialect, from, &plan, false)
}

fn script(
    repo: &Repository,
    dialect: DialectKind,
    from: &[String],
    plan: &[String],
    up: bool,
) -> Result<String> {
    let graph = repo.graph();
    let d = dialect_for(dialect);
    let backend = ddl::for_dialect(dialect)?;
    let applied = graph.ancestors(from.iter().map(String::as_str));
    let mut state = SchemaState::new();
    for m in graph.in_order().filter(|m| applied.contains(&m.revision)) {
        state.apply_all(&m.upgrade)?;
    }
    let mut rows: Vec<String> = from.to_vec();
    let mut out = String::new();
    match dialect {
        DialectKind::Sqlite => out.push_str(".bail on\n"),
        DialectKind::Postgres => out.push_str("\\set ON_ERROR_STOP on\n"),
        _ => out.push_str("-- The mysql client stops at the first error of a script it reads.\n"),
    }
    // The session the online runner's connections have (MySQL's `"` quoting, strict mode, UTC),
    // so that the SQL steps of the files mean the same here.
    if let Some(setup) = d.session_setup_sql() {
        out.push_str(&format!("{setup};\n"));
    }
    out.push_str(&format!("{};\n", version::create_sql(d)));
    out.push_str(&format!(
        "CREATE TEMPORARY TABLE IF NOT EXISTS {} (ok INTEGER NOT NULL CHECK (ok = 1));\n\n",
        d.quoted(GUARD)
    ));
    let verb = if up { "upgrade" } else { "downgrade" };
    for rev in plan {
        let m = graph
            .get(rev)
            .ok_or_else(|| Error::UnknownRevision(rev.clone()))?;
        if !up && m.irreversible {
            return Err(Error::Irreversible(rev.clone()));
        }
        let (remove, add): (Vec<String>, Vec<String>) = if up {
            let remove = rows
                .iter()
                .filter(|r| m.down_revisions.contains(r))
                .cloned()
                .collect();
            (remove, vec![m.revision.clone()])
        } else {
            let add = m
                .down_revisions
                .iter()
                .filter(|r| !rows.contains(r))
                .cloned()
                .collect();
            (vec![m.revision.clone()], add)
        };
        let (before, after) = if up {
            (m.down_revisions.join(", "), m.revision.clone())
        } else {
            (m.revision.clone(), m.down_revisions.join(", "))
        };
        out.push_str(&format!(
            "-- Running {verb} {before} -> {after}, {}\n",
            m.message.replace(['\n', '\r'], " ")
        ));
        if let Some(sql) = backend.before_migration() {
            out.push_str(&format!("{sql};\n"));
        }
        out.push_str("BEGIN;\n");
        out.push_str(&guard(d, &rows));
        out.push_str(";\n");
        let ops = if up { &m.upgrade } else { &m.downgrade };
        for sql in ddl::render_all(ops, &mut state, dialect)? {
            out.push_str(&sql);
            out.push_str(";\n");
        }
        for sql in version::update_literal(d, &remove, &add) {
            out.push_str(&sql);
            out.push_str(";\n");
        }
        rows.retain(|r| !remove.contains(r));
        rows.extend(add);
        if let Some(sql) = backend.foreign_key_check_sql() {
            out.push_str(&format!("{sql};\n"));
        }
        out.push_str("COMMIT;\n");
        if let Some(sql) = backend.after_migration() {
            out.push_str(&format!("{sql};\n"));
        }
        out.push('\n');
    }
    Ok(out)
}

/// A statement that fails unless the version table holds exactly `rows`: a row of 0 into the guard
/// table, which its CHECK refuses.
fn guard(d: &dyn Dialect, rows: &[String]) -> String {
    let table = d.quoted(version::VERSION_TABLE);
    let column = d.quoted("version_num");
    if rows.is_empty() {
        return format!(
            "INSERT INTO {} (ok) SELECT CASE WHEN (SELECT COUNT(*) FROM {table}) = 0 THEN 1 ELSE {FAIL} END",
            d.quoted(GUARD)
        );
    }
    let literals: Vec<String> = rows
        .iter()
        .map(|r| {
            let mut lit = String::new();
            d.string_literal(r, &mut lit);
            lit
        })
        .collect();
    let listed = format!("{column} IN ({})", literals.join(", "));
    format!(
        "INSERT INTO {} (ok) SELECT CASE WHEN (SELECT COUNT(*) FROM {table} WHERE {listed}) = {n} \
         AND (SELECT COUNT(*) FROM {table}) = {n} THEN 1 ELSE {FAIL} END",
        d.quoted(GUARD),
        n = rows.len()
    )
}
