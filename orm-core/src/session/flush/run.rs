//! Running a flush: the work gathered from the entries, foreign keys filled in, and the helpers the insert, update and delete steps share.

use crate::dialect::Dialect;
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::object::AnyObj;
use crate::query::keyed::{Match, SelectRows, UpdateRows};
use crate::schema::{dependency_order, TableDef};
use crate::session::state::{Entries, Entry, Link, State};
use crate::session::Session;
use crate::value::Value;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

/// More rows than this in one INSERT stop paying off (the statement text and its parse grow).
pub(super) const MAX_ROWS_PER_STATEMENT: usize = 1000;

/// Flushes every pending change of the session; the caller handles failure (rollback and restore).
/// `structural`: objects may have been added, deleted or linked since the last flush (else only
/// written, and the entries need no scan).
pub(crate) fn flush(session: &mut Session, structural: bool) -> Result<()> {
    let dialect = session.engine.dialect();
    let returning = session.engine.uses_returning();
    let Session { conn, entries, .. } = session;
    let conn = conn
        .as_mut()
        .ok_or_else(|| Error::Pool("the session has no connection".to_owned()))?;
    let modified = entries.tracker.take_modified();
    let result = run(conn, dialect, returning, entries, &modified, structural);
    if result.is_err() {
        // Written objects the failed flush did not get to (or whose update the journal undid)
        // are still to be flushed.
        for obj in modified {
            entries.tracker.push_modified(obj);
        }
    }
    result
}

fn run(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    returning: bool,
    entries: &mut Entries,
    modified: &[Arc<dyn AnyObj>],
    structural: bool,
) -> Result<()> {
    let bulk = super::cascade::prepare(conn, dialect, entries)?;
    let mut work = Work::collect(entries, modified, structural);
    let order = work.table_order();
    let mut inserted: HashSet<usize> = HashSet::default();
    let mut deferred: Vec<(usize, Link)> = Vec::new();
    for &table in &order {
        let mut rows: Vec<usize> = work.pending.remove(table.name.as_str()).unwrap_or_default();
        while !rows.is_empty() {
            // Rows whose parent in the same table is still waiting go in a later statement; when every
            // row waits on another (a cycle), all go now and the links are filled afterwards.
            let waiting: HashSet<usize> = rows.iter().copied().collect();
            let waits = |id: usize| {
                entries.get(id).is_some_and(|e| {
                    e.links
                        .iter()
                        .any(|l| l.parent != id && waiting.contains(&l.parent))
                })
            };
            let (mut ready, mut later): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|&&id| !waits(id));
            if ready.is_empty() {
                ready = std::mem::take(&mut later);
            }
            super::insert::insert_rows(
                conn,
                dialect,
                returning,
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
    super::update::update_rows(conn, dialect, entries, &order, &work.candidates)?;
    super::cascade::run(conn, dialect, &bulk)?;
    for &table in order.iter().rev() {
        if let Some(ids) = work.deleting.remove(table.name.as_str()) {
            super::delete::delete_rows(conn, dialect, entries, table, &ids)?;
        }
    }
    Ok(())
}

/// What the flush has to do, by table.
struct Work {
    tables: Vec<&'static TableDef>,
    pending: HashMap<&'static str, Vec<usize>>,
    deleting: HashMap<&'static str, Vec<usize>>,
    /// Persistent entries that were written to or have links: maybe changed.
    candidates: Vec<usize>,
}

impl Work {
    fn collect(entries: &Entries, modified: &[Arc<dyn AnyObj>], structural: bool) -> Work {
        let mut work = Work {
            tables: Vec::new(),
            pending: HashMap::default(),
            deleting: HashMap::default(),
            candidates: Vec::new(),
        };
        let mut seen: HashSet<&'static str> = HashSet::default();
        let mut note_table = |work: &mut Work, table: &'static TableDef| {
            if seen.insert(table.name.as_str()) {
                work.tables.push(table);
            }
        };
        let mut candidate: HashSet<usize> = HashSet::default();
        for obj in modified {
            let Some(id) = entries.find(&**obj) else {
                continue;
            };
            if entries
                .get(id)
                .is_some_and(|e| e.state == State::Persistent)
                && candidate.insert(id)
            {
                work.candidates.push(id);
                note_table(&mut work, obj.table());
            }
        }
        if !structural {
            return work;
        }
        for (id, entry) in entries.slots.iter().enumerate() {
            let Some(entry) = entry else { continue };
            let Some(obj) = entry.obj() else { continue };
            let table = obj.table();
            let bucket = match entry.state {
                State::Pending => &mut work.pending,
                State::Deleting => &mut work.deleting,
                State::Persistent => {
                    if !entry.links.is_empty() && candidate.insert(id) {
                        work.candidates.push(id);
                        note_table(&mut work, table);
                    }
                    continue;
                }
            };
            bucket.entry(table.name.as_str()).or_default().push(id);
            note_table(&mut work, table);
        }
        work
    }

    fn table_order(&self) -> Vec<&'static TableDef> {
        let (order, _) = dependency_order(&self.tables);
        order.into_iter().map(|i| self.tables[i]).collect()
    }
}

pub(super) fn entry(entries: &Entries, id: usize) -> Result<&Entry> {
    entries
        .get(id)
        .ok_or_else(|| Error::config(format!("session entry {id} vanished during flush")))
}

/// The object of entry `id`.
pub(super) fn object(entries: &Entries, id: usize) -> Result<Arc<dyn AnyObj>> {
    entry(entries, id)?
        .obj()
        .ok_or_else(|| Error::config(format!("session entry {id} was dropped during flush")))
}

/// The parent's current key value for a link, or `None` while the parent is not in the database yet.
pub(super) fn link_value(
    entries: &Entries,
    link: &Link,
    inserted: &HashSet<usize>,
) -> Option<Value> {
    let parent = entries.get(link.parent)?;
    let in_db = parent.state != State::Pending || inserted.contains(&link.parent);
    if !in_db {
        return None;
    }
    parent.db_value(link.parent_column)
}

/// Fills a foreign key whose parent was inserted after the child (a cycle): `UPDATE child SET fk = ?`.
fn fill_deferred_link(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    child: usize,
    link: Link,
) -> Result<()> {
    // Every parent is in the database by now: none is waiting to be inserted.
    let none_waiting: HashSet<usize> = HashSet::default();
    let value = link_value(entries, &link, &none_waiting).ok_or_else(|| {
        Error::config("a foreign key cycle could not be resolved: the parent was never inserted")
    })?;
    let obj = object(entries, child)?;
    let table = obj.table();
    let pk = obj.pk_indexes();
    let key = pk
        .iter()
        .map(|&i| obj.db_value(i).ok().flatten())
        .collect::<Option<Vec<Value>>>()
        .ok_or_else(|| {
            Error::config("a foreign key cycle links an object that was not inserted")
        })?;
    let sql = UpdateRows {
        table,
        set: &[link.column],
        by: Match::one(pk),
    }
    .sql(dialect);
    let params: Vec<Value> = std::iter::once(value.clone()).chain(key).collect();
    conn.execute(&sql, &params)?;
    // The row holds the value now, as does the object: no change left to flush.
    let written = obj.committed().is_some();
    obj.set_value(link.column, value)?;
    if !written {
        obj.mark_clean();
    }
    Ok(())
}

/// The key columns' positions.
pub(super) fn key_indexes(table: &TableDef) -> Vec<usize> {
    table
        .primary_key
        .iter()
        .filter_map(|k| table.column_index(k))
        .collect()
}

pub(super) fn stale_key(
    table: &TableDef,
    pk: &[usize],
    version: Option<usize>,
    key: &[Value],
) -> Error {
    Error::StaleData {
        table: table.name.clone(),
        key: key[..pk.len()]
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        expected: version
            .and_then(|_| key.get(pk.len()))
            .and_then(Value::as_i64)
            .unwrap_or(0),
    }
}

/// Which of the rows (key values, then version) no longer matches the database: gone, or changed.
pub(super) fn find_stale(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    table: &TableDef,
    pk: &[usize],
    version: Option<usize>,
    keys: &[&[Value]],
) -> Result<usize> {
    let cols: Vec<usize> = pk.iter().chain(version.as_ref()).copied().collect();
    let sql = SelectRows {
        table,
        columns: &[],
        by: Match::one(&cols),
        lock: false,
    }
    .sql(dialect);
    for (n, key) in keys.iter().enumerate() {
        if conn.query(&sql, key)?.rows.is_empty() {
            return Ok(n);
        }
    }
    Ok(0)
}
