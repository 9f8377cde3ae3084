//! The flush: inserts (parents first, many rows per statement, generated keys read back), updates
//! (changed columns only, version-checked), deletes (children first), ordered by the foreign-key graph
//! of the tables involved.

use std::collections::{HashMap, HashSet};

use super::identity::KeyPart;
use super::state::{Entries, Entry, Link, State};
use super::Session;
use crate::dialect::{Dialect, DialectKind};
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::query::SqlWriter;
use crate::schema::{dependency_order, TableDef};
use crate::value::Value;

/// A row being inserted: its entry and values.
type Row = (usize, Vec<Value>);

/// More rows than this in one INSERT stop paying off (the statement text and its parse grow).
const MAX_ROWS_PER_STATEMENT: usize = 1000;

/// Flushes every pending change of the session; the caller handles failure (rollback and restore).
pub(super) fn flush(session: &mut Session) -> Result<()> {
    let dialect = session.engine.dialect();
    let Session { conn, entries, .. } = session;
    let conn = conn
        .as_mut()
        .ok_or_else(|| Error::Pool("the session has no connection".to_owned()))?;
    let mut work = Work::collect(entries);
    let order = work.table_order();
    let mut inserted: HashSet<usize> = HashSet::new();
    let mut deferred: Vec<(usize, Link)> = Vec::new();
    for &table in &order {
        let mut rows: Vec<usize> = work.pending.remove(&table.name).unwrap_or_default();
        while !rows.is_empty() {
            // Rows whose parent in the same table is still waiting go in a later statement; when every
            // row waits on another (a cycle), all go now and the links are filled afterwards.
            let waits = |id: usize| {
                entries.get(id).is_some_and(|e| {
                    e.links.iter().any(|l| {
                        !inserted.contains(&l.parent) && rows.contains(&l.parent) && l.parent != id
                    })
                })
            };
            let (mut ready, mut later): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|&&id| !waits(id));
            if ready.is_empty() {
                ready = std::mem::take(&mut later);
            }
            insert_rows(
                conn,
                dialect,
                entries,
                table,
                &ready,
                &inserted,
                &mut deferred,
            )?;
            inserted.extend(ready.iter().copied());
            rows = later;
        }
    }
    for (child, link) in deferred {
        fill_deferred_link(conn, dialect, entries, child, link)?;
    }
    update_rows(conn, dialect, entries, &order, &work.candidates)?;
    for &table in order.iter().rev() {
        if let Some(ids) = work.deleting.remove(&table.name) {
            delete_rows(conn, dialect, entries, table, &ids)?;
        }
    }
    // Only now: a flush that fails part way must find the written objects again on retry.
    for &id in &work.candidates {
        if let Some(e) = entries.get(id) {
            e.obj.take_touched();
        }
    }
    Ok(())
}

/// What the flush has to do, by table.
struct Work {
    tables: Vec<&'static TableDef>,
    pending: HashMap<String, Vec<usize>>,
    deleting: HashMap<String, Vec<usize>>,
    /// Persistent entries that were written to or have links: maybe dirty.
    candidates: Vec<usize>,
}

impl Work {
    fn collect(entries: &Entries) -> Work {
        let mut work = Work {
            tables: Vec::new(),
            pending: HashMap::new(),
            deleting: HashMap::new(),
            candidates: Vec::new(),
        };
        let mut seen: HashSet<&str> = HashSet::new();
        for (id, entry) in entries.slots.iter().enumerate() {
            let Some(entry) = entry else { continue };
            let table = entry.obj.table();
            let bucket = match entry.state {
                State::Pending => Some(&mut work.pending),
                State::Deleting => Some(&mut work.deleting),
                State::Persistent => {
                    if entry.obj.is_touched() || !entry.links.is_empty() {
                        work.candidates.push(id);
                    } else {
                        continue;
                    }
                    None
                }
            };
            if let Some(bucket) = bucket {
                bucket.entry(table.name.clone()).or_default().push(id);
            }
            if seen.insert(table.name.as_str()) {
                work.tables.push(table);
            }
        }
        work
    }

    fn table_order(&self) -> Vec<&'static TableDef> {
        let (order, _) = dependency_order(&self.tables);
        order.into_iter().map(|i| self.tables[i]).collect()
    }
}

fn entry(entries: &Entries, id: usize) -> Result<&Entry> {
    entries
        .get(id)
        .ok_or_else(|| Error::config(format!("session entry {id} vanished during flush")))
}

/// The parent's current key value for a link, or `None` while the parent is not in the database yet.
fn link_value(entries: &Entries, link: &Link, inserted: &HashSet<usize>) -> Option<Value> {
    let parent = entries.get(link.parent)?;
    let in_db = parent.state != State::Pending || inserted.contains(&link.parent);
    if !in_db {
        return None;
    }
    parent
        .snapshot
        .as_ref()
        .and_then(|s| s.get(link.parent_column).cloned())
}

fn insert_rows(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    table: &'static TableDef,
    ids: &[usize],
    inserted: &HashSet<usize>,
    deferred: &mut Vec<(usize, Link)>,
) -> Result<()> {
    let version = table
        .version_column()
        .and_then(|c| table.column_index(&c.name));
    // Prepare each row: links filled, defaults applied, values taken.
    let mut rows: Vec<Row> = Vec::with_capacity(ids.len());
    for &id in ids {
        let e = entry(entries, id)?;
        let obj = e.obj.clone();
        let links = e.links.clone();
        entries.record(id, Some(obj.values()?));
        for link in links {
            match link_value(entries, &link, inserted) {
                Some(v) => obj.set_value(link.column, v)?,
                None => deferred.push((id, link)),
            }
        }
        obj.apply_insert_defaults()?;
        if let Some(vi) = version {
            if matches!(
                obj.values()?.get(vi),
                Some(Value::Null) | Some(Value::I64(0)) | Some(Value::I32(0))
            ) {
                obj.set_value(vi, Value::I64(1))?;
            }
        }
        rows.push((id, obj.values()?));
    }
    // Columns left to the database: a NULL autoincrement key, a NULL column with a server default.
    let omitted = |values: &[Value]| -> Vec<bool> {
        table
            .columns
            .iter()
            .zip(values)
            .map(|(c, v)| v.is_null() && (c.autoincrement || c.server_default.is_some()))
            .collect()
    };
    let mut groups: Vec<(Vec<bool>, Vec<Row>)> = Vec::new();
    for row in rows {
        let mask = omitted(&row.1);
        match groups.iter_mut().find(|(m, _)| *m == mask) {
            Some((_, g)) => g.push(row),
            None => groups.push((mask, vec![row])),
        }
    }
    for (mask, group) in groups {
        insert_group(conn, dialect, entries, table, &mask, group)?;
    }
    Ok(())
}

fn insert_group(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    table: &'static TableDef,
    omitted: &[bool],
    rows: Vec<Row>,
) -> Result<()> {
    let columns: Vec<usize> = (0..table.columns.len()).filter(|&i| !omitted[i]).collect();
    let autoinc = table
        .columns
        .iter()
        .position(|c| c.autoincrement)
        .filter(|&i| omitted[i]);
    let mut returning: Vec<usize> = (0..table.columns.len()).filter(|&i| omitted[i]).collect();
    let pk: Vec<usize> = table
        .primary_key
        .iter()
        .filter_map(|k| table.column_index(k))
        .collect();
    if autoinc.is_none() && !returning.is_empty() {
        // Returned rows are matched to objects by their key.
        returning.splice(0..0, pk.iter().copied());
    }
    let per_statement = if columns.is_empty() {
        1
    } else {
        (dialect.max_params() / columns.len()).clamp(1, MAX_ROWS_PER_STATEMENT)
    };
    let mut rows = rows;
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(per_statement));
        let chunk = std::mem::replace(&mut rows, rest);
        let mut w = SqlWriter::new(dialect);
        w.push("INSERT INTO ").ident(&table.name);
        if columns.is_empty() {
            w.push(" DEFAULT VALUES");
        } else {
            w.push(" (")
                .ident_list(columns.iter().map(|&i| table.columns[i].name.as_str()))
                .push(") VALUES ");
            for (r, (_, values)) in chunk.iter().enumerate() {
                w.push(if r == 0 { "(" } else { ", (" });
                for (k, &i) in columns.iter().enumerate() {
                    if k > 0 {
                        w.push(", ");
                    }
                    w.param(values[i].clone());
                }
                w.push(")");
            }
        }
        if !returning.is_empty() {
            w.push(" RETURNING ")
                .ident_list(returning.iter().map(|&i| table.columns[i].name.as_str()));
        }
        let (sql, params) = w.finish();
        let mut chunk = chunk;
        if returning.is_empty() {
            conn.execute(&sql, &params)?;
        } else {
            let returned = conn.query(&sql, &params)?.rows;
            apply_returned(table, &returning, autoinc, &pk, &mut chunk, returned)?;
        }
        for (id, values) in chunk {
            let e = entry(entries, id)?;
            let obj = e.obj.clone();
            for &i in &returning {
                obj.set_value(i, values[i].clone())?;
            }
            entries.replace(
                id,
                Some(Entry {
                    obj,
                    state: State::Persistent,
                    snapshot: Some(values),
                    links: Vec::new(),
                }),
            );
        }
    }
    Ok(())
}

/// Writes the returned columns into the rows' values. With an autoincrement key, the keys were assigned
/// in the order of the VALUES list, so the returned rows sorted by key match the rows in order (the
/// order RETURNING emits them in is not guaranteed on SQLite); otherwise they are matched by key.
fn apply_returned(
    table: &TableDef,
    returning: &[usize],
    autoinc: Option<usize>,
    pk: &[usize],
    chunk: &mut [Row],
    mut returned: Vec<Vec<Value>>,
) -> Result<()> {
    if returned.len() != chunk.len() {
        return Err(Error::Database {
            message: format!(
                "insert into `{}` returned {} rows for {} objects",
                table.name,
                returned.len(),
                chunk.len()
            ),
            code: None,
            source: None,
        });
    }
    match autoinc {
        Some(_) => {
            returned.sort_by_key(|r| r.first().and_then(Value::as_i64));
            for ((_, values), row) in chunk.iter_mut().zip(returned) {
                for (&i, v) in returning.iter().zip(row) {
                    values[i] = v;
                }
            }
        }
        None => {
            let mut by_key: HashMap<Vec<KeyPart>, Vec<Value>> = returned
                .into_iter()
                .map(|row| (row[..pk.len()].iter().map(KeyPart::from).collect(), row))
                .collect();
            for (_, values) in chunk.iter_mut() {
                let key: Vec<KeyPart> = pk.iter().map(|&i| KeyPart::from(&values[i])).collect();
                if let Some(row) = by_key.remove(&key) {
                    for (&i, v) in returning.iter().zip(row) {
                        values[i] = v;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Fills a foreign key whose parent was inserted after the child (a cycle): `UPDATE child SET fk = ?`.
fn fill_deferred_link(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    child: usize,
    link: Link,
) -> Result<()> {
    let all: HashSet<usize> = HashSet::new();
    let value = link_value(entries, &link, &all).ok_or_else(|| {
        Error::config("a foreign key cycle could not be resolved: the parent was never inserted")
    })?;
    let e = entry(entries, child)?;
    let table = e.obj.table();
    let obj = e.obj.clone();
    let mut snapshot = e.snapshot.clone().unwrap_or_default();
    let mut w = SqlWriter::new(dialect);
    w.push("UPDATE ")
        .ident(&table.name)
        .push(" SET ")
        .ident(&table.columns[link.column].name)
        .push(" = ")
        .param(value.clone());
    where_key(&mut w, table, &snapshot, None);
    let (sql, params) = w.finish();
    conn.execute(&sql, &params)?;
    obj.set_value(link.column, value.clone())?;
    snapshot[link.column] = value;
    if let Some(e) = entries.slots[child].as_mut() {
        e.snapshot = Some(snapshot);
    }
    Ok(())
}

/// ` WHERE "k" = ? [AND "version" = ?]` from a snapshot.
fn where_key(w: &mut SqlWriter, table: &TableDef, snapshot: &[Value], version: Option<usize>) {
    w.push(" WHERE ");
    for (n, k) in table.primary_key.iter().enumerate() {
        if n > 0 {
            w.push(" AND ");
        }
        let i = table.column_index(k).unwrap_or(0);
        w.ident(k).push(" = ").param(snapshot[i].clone());
    }
    if let Some(vi) = version {
        w.push(" AND ")
            .ident(&table.columns[vi].name)
            .push(" = ")
            .param(snapshot[vi].clone());
    }
}

fn key_text(table: &TableDef, snapshot: &[Value]) -> String {
    table
        .primary_key
        .iter()
        .filter_map(|k| table.column_index(k))
        .map(|i| snapshot[i].to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn stale(table: &TableDef, snapshot: &[Value], version: Option<usize>) -> Error {
    Error::StaleData {
        table: table.name.clone(),
        key: key_text(table, snapshot),
        expected: version.and_then(|vi| snapshot[vi].as_i64()).unwrap_or(0),
    }
}

/// One dirty object: its entry, new values, and changed columns.
struct Dirty {
    id: usize,
    values: Vec<Value>,
    changed: Vec<usize>,
}

fn update_rows(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    order: &[&'static TableDef],
    candidates: &[usize],
) -> Result<()> {
    let mut by_table: HashMap<&str, Vec<Dirty>> = HashMap::new();
    let all_inserted = HashSet::new();
    for &id in candidates {
        let e = entry(entries, id)?;
        let (obj, links, table) = (e.obj.clone(), e.links.clone(), e.obj.table());
        let snapshot = e.snapshot.clone().unwrap_or_default();
        for link in &links {
            if let Some(v) = link_value(entries, link, &all_inserted) {
                obj.set_value(link.column, v)?;
            }
        }
        let values = obj.values()?;
        if values == snapshot {
            continue;
        }
        entries.record(id, Some(values));
        obj.apply_update_hooks()?;
        let version = table
            .version_column()
            .and_then(|c| table.column_index(&c.name));
        if let Some(vi) = version {
            let next = snapshot[vi].as_i64().unwrap_or(0) + 1;
            obj.set_value(vi, Value::I64(next))?;
        }
        let values = obj.values()?;
        let changed = (0..values.len())
            .filter(|&i| values[i] != snapshot[i])
            .collect();
        by_table
            .entry(table.name.as_str())
            .or_default()
            .push(Dirty {
                id,
                values,
                changed,
            });
    }
    for table in order {
        let Some(dirty) = by_table.remove(table.name.as_str()) else {
            continue;
        };
        let version = table
            .version_column()
            .and_then(|c| table.column_index(&c.name));
        if dialect.kind() == DialectKind::Postgres && dirty.len() > 1 {
            update_batched(conn, dialect, entries, table, version, dirty)?;
        } else {
            for d in dirty {
                update_one(conn, dialect, entries, table, version, d)?;
            }
        }
    }
    Ok(())
}

fn set_snapshot(entries: &mut Entries, id: usize, values: Vec<Value>) {
    if let Some(e) = entries.slots[id].as_mut() {
        e.snapshot = Some(values);
        e.links.clear();
    }
}

fn update_one(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    table: &TableDef,
    version: Option<usize>,
    d: Dirty,
) -> Result<()> {
    let snapshot = entry(entries, d.id)?.snapshot.clone().unwrap_or_default();
    let mut w = SqlWriter::new(dialect);
    w.push("UPDATE ").ident(&table.name).push(" SET ");
    for (n, &i) in d.changed.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.ident(&table.columns[i].name)
            .push(" = ")
            .param(d.values[i].clone());
    }
    where_key(&mut w, table, &snapshot, version);
    let (sql, params) = w.finish();
    if conn.execute(&sql, &params)? != 1 {
        return Err(stale(table, &snapshot, version));
    }
    set_snapshot(entries, d.id, d.values);
    Ok(())
}

/// PostgreSQL: the dirty rows of one table with the same changed columns in one
/// `UPDATE t SET c = v.c FROM (VALUES ...) AS v(...) WHERE t.k = v.k` per batch.
fn update_batched(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    table: &TableDef,
    version: Option<usize>,
    dirty: Vec<Dirty>,
) -> Result<()> {
    let mut groups: Vec<(Vec<usize>, Vec<Dirty>)> = Vec::new();
    for d in dirty {
        match groups.iter_mut().find(|(c, _)| *c == d.changed) {
            Some((_, g)) => g.push(d),
            None => groups.push((d.changed.clone(), vec![d])),
        }
    }
    let pk: Vec<usize> = table
        .primary_key
        .iter()
        .filter_map(|k| table.column_index(k))
        .collect();
    for (changed, group) in groups {
        // v(k0.., c0.., o0): keys, new values, old version.
        let width = pk.len() + changed.len() + usize::from(version.is_some());
        let per_statement = (dialect.max_params() / width).clamp(1, MAX_ROWS_PER_STATEMENT);
        let mut group = group;
        while !group.is_empty() {
            let rest = group.split_off(group.len().min(per_statement));
            let chunk = std::mem::replace(&mut group, rest);
            let snapshots: Vec<Vec<Value>> = chunk
                .iter()
                .map(|d| entry(entries, d.id).map(|e| e.snapshot.clone().unwrap_or_default()))
                .collect::<Result<_>>()?;
            let mut w = SqlWriter::new(dialect);
            w.push("UPDATE ").ident(&table.name).push(" SET ");
            for (n, &i) in changed.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.ident(&table.columns[i].name)
                    .push(" = \"v\".")
                    .ident(&format!("c{n}"));
            }
            w.push(" FROM (VALUES ");
            for (r, (d, snap)) in chunk.iter().zip(&snapshots).enumerate() {
                w.push(if r == 0 { "(" } else { ", (" });
                let cells = pk
                    .iter()
                    .map(|&i| (i, snap[i].clone()))
                    .chain(changed.iter().map(|&i| (i, d.values[i].clone())))
                    .chain(version.map(|vi| (vi, snap[vi].clone())));
                for (n, (i, v)) in cells.enumerate() {
                    if n > 0 {
                        w.push(", ");
                    }
                    // VALUES has no column types of its own; cast to the column's.
                    w.param(v).push("::").push(&cast_type(dialect, table, i));
                }
                w.push(")");
            }
            w.push(") AS \"v\" (");
            let names: Vec<String> = (0..pk.len())
                .map(|n| format!("k{n}"))
                .chain((0..changed.len()).map(|n| format!("c{n}")))
                .chain(version.map(|_| "o0".to_owned()))
                .collect();
            w.ident_list(names.iter().map(String::as_str))
                .push(") WHERE ");
            for (n, &i) in pk.iter().enumerate() {
                if n > 0 {
                    w.push(" AND ");
                }
                w.qualified(&table.name, &table.columns[i].name)
                    .push(" = \"v\".")
                    .ident(&format!("k{n}"));
            }
            if let Some(vi) = version {
                w.push(" AND ")
                    .qualified(&table.name, &table.columns[vi].name)
                    .push(" = \"v\".\"o0\"");
            }
            let (sql, params) = w.finish();
            let matched = conn.execute(&sql, &params)?;
            if matched != chunk.len() as u64 {
                let first = find_stale(conn, dialect, table, version, &snapshots)?;
                return Err(stale(table, &snapshots[first], version));
            }
            for d in chunk {
                set_snapshot(entries, d.id, d.values);
            }
        }
    }
    Ok(())
}

fn cast_type(dialect: &'static dyn Dialect, table: &TableDef, i: usize) -> String {
    dialect.column_type(&table.columns[i].ty)
}

/// Which of `snapshots` no longer matches the database (gone, or another version).
fn find_stale(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    table: &TableDef,
    version: Option<usize>,
    snapshots: &[Vec<Value>],
) -> Result<usize> {
    for (n, snap) in snapshots.iter().enumerate() {
        let mut w = SqlWriter::new(dialect);
        w.push("SELECT 1 FROM ").ident(&table.name);
        where_key(&mut w, table, snap, version);
        let (sql, params) = w.finish();
        if conn.query(&sql, &params)?.rows.is_empty() {
            return Ok(n);
        }
    }
    Ok(0)
}

fn delete_rows(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    table: &TableDef,
    ids: &[usize],
) -> Result<()> {
    let version = table
        .version_column()
        .and_then(|c| table.column_index(&c.name));
    let snapshots: Vec<(usize, Vec<Value>)> = ids
        .iter()
        .map(|&id| entry(entries, id).map(|e| (id, e.snapshot.clone().unwrap_or_default())))
        .collect::<Result<_>>()?;
    let single_key = table.primary_key.len() == 1 && version.is_none();
    if single_key {
        let k = table.column_index(&table.primary_key[0]).unwrap_or(0);
        let per_statement = dialect.max_params().clamp(1, MAX_ROWS_PER_STATEMENT);
        for chunk in snapshots.chunks(per_statement) {
            let mut w = SqlWriter::new(dialect);
            w.push("DELETE FROM ")
                .ident(&table.name)
                .push(" WHERE ")
                .ident(&table.primary_key[0])
                .push(" IN (");
            for (n, (_, snap)) in chunk.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.param(snap[k].clone());
            }
            w.push(")");
            let (sql, params) = w.finish();
            if conn.execute(&sql, &params)? != chunk.len() as u64 {
                let snaps: Vec<Vec<Value>> = chunk.iter().map(|(_, s)| s.clone()).collect();
                let first = find_stale(conn, dialect, table, None, &snaps)?;
                return Err(stale(table, &snaps[first], None));
            }
        }
    } else {
        for (_, snap) in &snapshots {
            let mut w = SqlWriter::new(dialect);
            w.push("DELETE FROM ").ident(&table.name);
            where_key(&mut w, table, snap, version);
            let (sql, params) = w.finish();
            if conn.execute(&sql, &params)? != 1 {
                return Err(stale(table, snap, version));
            }
        }
    }
    for (id, _) in snapshots {
        entries.record(id, None);
        entries.replace(id, None);
    }
    Ok(())
}
