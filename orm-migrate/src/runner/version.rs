//! The version table, `orm_version`: one row per revision the database is at (one row, except
//! between a branch and its merge).

use orm_core::value::Value;
use orm_core::{Connection, Dialect};

use crate::error::Result;

/// The name of the version table.
pub const VERSION_TABLE: &str = "orm_version";

/// `CREATE TABLE IF NOT EXISTS` of the version table.
pub(crate) fn create_sql(d: &dyn Dialect) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({} VARCHAR(32) NOT NULL, CONSTRAINT {} PRIMARY KEY ({}))",
        d.quoted(VERSION_TABLE),
        d.quoted("version_num"),
        d.quoted("orm_version_pkc"),
        d.quoted("version_num")
    )
}

/// Creates the table if needed and reads its rows.
pub(crate) fn read(conn: &mut Connection) -> Result<Vec<String>> {
    let d = conn.dialect();
    create_if_missing(conn, VERSION_TABLE, &create_sql(d))?;
    let sql = format!(
        "SELECT {} FROM {} ORDER BY 1",
        d.quoted("version_num"),
        d.quoted(VERSION_TABLE)
    );
    Ok(conn
        .query(&sql, &[])?
        .rows
        .into_iter()
        .filter_map(|r| match r.into_iter().next() {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        })
        .collect())
}

/// Runs `create` unless `table` exists: DDL even when it does nothing commits on MySQL and makes
/// every pooled connection forget its prepared statements, so it is not run once per migration.
pub(crate) fn create_if_missing(conn: &mut Connection, table: &str, create: &str) -> Result<()> {
    if !conn.table_names()?.iter().any(|t| t == table) {
        conn.batch_execute(create)?;
    }
    Ok(())
}

/// Reads the rows if the table exists, without creating it.
pub(crate) fn read_if_exists(conn: &mut Connection) -> Result<Vec<String>> {
    if conn.table_names()?.iter().any(|t| t == VERSION_TABLE) {
        read(conn)
    } else {
        Ok(Vec::new())
    }
}

/// Removes `remove` and adds `add`, with bound values.
pub(crate) fn update(conn: &mut Connection, remove: &[String], add: &[String]) -> Result<()> {
    for (sql, rev) in statements(conn.dialect(), remove, add, &|d, _| {
        let mut p = String::new();
        d.placeholder(1, &mut p);
        p
    }) {
        conn.execute(&sql, &[Value::Text(rev)])?;
    }
    Ok(())
}

/// The same statements with the revisions written as literals, for offline SQL.
pub(crate) fn update_literal(d: &dyn Dialect, remove: &[String], add: &[String]) -> Vec<String> {
    statements(d, remove, add, &|d, rev| {
        let mut lit = String::new();
        d.string_literal(rev, &mut lit);
        lit
    })
    .into_iter()
    .map(|(sql, _)| sql)
    .collect()
}

type ValueSql<'a> = &'a dyn Fn(&dyn Dialect, &str) -> String;

fn statements(
    d: &dyn Dialect,
    remove: &[String],
    add: &[String],
    value: ValueSql<'_>,
) -> Vec<(String, String)> {
    let table = d.quoted(VERSION_TABLE);
    let col = d.quoted("version_num");
    let deletes = remove.iter().map(|r| {
        (
            format!("DELETE FROM {table} WHERE {col} = {}", value(d, r)),
            r.clone(),
        )
    });
    let inserts = add.iter().map(|r| {
        (
            format!("INSERT INTO {table} ({col}) VALUES ({})", value(d, r)),
            r.clone(),
        )
    });
    deletes.chain(inserts).collect()
}
