//! The progress table, `orm_version_progress`: where a migration stands on a database whose DDL
//! cannot be rolled back (MySQL commits each DDL statement). One row while a migration is partway:
//! its revision, its direction and how many of its operations were applied. The version table is
//! only updated, and this row only removed, once every operation ran, in one transaction.

use orm_core::value::Value;
use orm_core::{Connection, Dialect};

use crate::error::Result;

/// The name of the progress table.
pub const PROGRESS_TABLE: &str = "orm_version_progress";

/// A migration partway through: its revision, direction (`upgrade` or `downgrade`) and the number
/// of operations applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Progress {
    pub(crate) revision: String,
    pub(crate) direction: String,
    pub(crate) applied: usize,
}

fn names(d: &dyn Dialect) -> [String; 4] {
    [
        d.quoted(PROGRESS_TABLE),
        d.quoted("version_num"),
        d.quoted("direction"),
        d.quoted("applied"),
    ]
}

/// Creates the table if needed and reads its row, if any.
pub(crate) fn read(conn: &mut Connection) -> Result<Option<Progress>> {
    let [table, rev, dir, applied] = names(conn.dialect());
    let create = format!(
        "CREATE TABLE IF NOT EXISTS {table} ({rev} VARCHAR(32) NOT NULL, {dir} VARCHAR(10) NOT NULL, \
         {applied} INTEGER NOT NULL, PRIMARY KEY ({rev}))"
    );
    super::version::create_if_missing(conn, PROGRESS_TABLE, &create)?;
    let rows = conn.query(&format!("SELECT {rev}, {dir}, {applied} FROM {table}"), &[])?;
    Ok(rows.rows.into_iter().next().map(|r| Progress {
        revision: text(&r[0]),
        direction: text(&r[1]),
        applied: r[2]
            .as_i64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0),
    }))
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Records that `applied` operations of `revision` ran (in `direction`), replacing any row.
pub(crate) fn record(conn: &mut Connection, p: &Progress) -> Result<()> {
    let d = conn.dialect();
    let [table, rev, dir, applied] = names(d);
    let ph = |n| {
        let mut s = String::new();
        d.placeholder(n, &mut s);
        s
    };
    conn.execute(&format!("DELETE FROM {table}"), &[])?;
    conn.execute(
        &format!(
            "INSERT INTO {table} ({rev}, {dir}, {applied}) VALUES ({}, {}, {})",
            ph(1),
            ph(2),
            ph(3)
        ),
        &[
            Value::Text(p.revision.clone()),
            Value::Text(p.direction.clone()),
            Value::I64(i64::try_from(p.applied).unwrap_or(i64::MAX)),
        ],
    )?;
    Ok(())
}

/// Removes the row: no migration is partway.
pub(crate) fn clear(conn: &mut Connection) -> Result<()> {
    let [table, ..] = names(conn.dialect());
    conn.execute(&format!("DELETE FROM {table}"), &[])?;
    Ok(())
}
