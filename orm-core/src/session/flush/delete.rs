//! Deletes: children first; IN lists on PostgreSQL, one prepared statement per row on SQLite.

use super::{find_stale, key_indexes, stale_key, MAX_ROWS_PER_STATEMENT};
use crate::dialect::Dialect;
use crate::engine::Connection;
use crate::error::Result;
use crate::query::keyed::{DeleteRows, Match};
use crate::schema::TableDef;
use crate::session::identity::{IdentityKey, KeyPart};
use crate::session::state::{Entries, Entry};
use crate::value::Value;

/// Deletes the rows of `ids`, moving their entries into the journal.
pub(super) fn delete_rows(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    table: &TableDef,
    ids: &[usize],
) -> Result<()> {
    let version = table
        .version_column()
        .and_then(|c| table.column_index(&c.name));
    let pk = key_indexes(table);
    // The entries leave the session now and wait in the journal, should the flush fail.
    let mut keys: Vec<Vec<Value>> = Vec::with_capacity(ids.len());
    for &id in ids {
        let Some(obj) = entries.get(id).and_then(Entry::obj) else {
            continue;
        };
        let key: Vec<Value> = pk
            .iter()
            .chain(version.as_ref())
            .map(|&i| obj.db_value(i).ok().flatten().unwrap_or(Value::Null))
            .collect();
        let identity = IdentityKey::new(obj.table().name.as_str(), &key[..pk.len()]);
        entries.remove_recorded(id, identity.as_ref());
        keys.push(key);
    }
    // In key order, as updates: concurrent sessions lock the rows in the same order.
    if dialect.locks_rows() {
        keys.sort_by_cached_key(|k| k.iter().map(KeyPart::from).collect::<Vec<_>>());
    }
    if pk.len() == 1 && version.is_none() && !dialect.is_embedded() {
        // One round trip per thousand rows.
        let per_statement = dialect.max_params().clamp(1, MAX_ROWS_PER_STATEMENT);
        for chunk in keys.chunks(per_statement) {
            let sql = DeleteRows {
                table,
                by: Match::many(&pk, chunk.len()),
            }
            .sql(dialect);
            let params: Vec<Value> = chunk.iter().map(|key| key[0].clone()).collect();
            if conn.execute(&sql, &params)? != chunk.len() as u64 {
                let refs: Vec<&[Value]> = chunk.iter().map(Vec::as_slice).collect();
                let first = find_stale(conn, dialect, table, &pk, None, &refs)?;
                return Err(stale_key(table, &pk, None, refs[first]));
            }
        }
        return Ok(());
    }
    // In process (SQLite): one prepared statement per row beats building an IN list (which SQLite
    // turns into a temporary index per statement).
    let cols: Vec<usize> = pk.iter().chain(version.as_ref()).copied().collect();
    let sql = DeleteRows {
        table,
        by: Match::one(&cols),
    }
    .sql(dialect);
    let width = pk.len() + usize::from(version.is_some());
    let params: Vec<Value> = keys.iter().flatten().cloned().collect();
    let counts = conn.execute_each(&sql, &params, width)?;
    if let Some(n) = counts.iter().position(|&c| c != 1) {
        return Err(stale_key(table, &pk, version, &keys[n]));
    }
    Ok(())
}
