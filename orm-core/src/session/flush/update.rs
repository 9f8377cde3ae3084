//! Updates: changed columns only, version-checked; one prepared statement per row on SQLite, batched
//! through `UPDATE ... FROM (VALUES ...)` on PostgreSQL.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{entry, find_stale, link_value, object, stale_key, MAX_ROWS_PER_STATEMENT};
use crate::dialect::Dialect;
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::object::{AnyObj, Tracked};
use crate::query::keyed::{BatchForm, Match, UpdateBatch, UpdateRows};
use crate::schema::TableDef;
use crate::session::identity::{IdentityKey, KeyPart};
use crate::session::state::{Entries, State};
use crate::value::Value;
use std::sync::Arc;

/// The dirty rows of one table that changed the same columns: one statement shape.
struct Group {
    table: &'static TableDef,
    pk: &'static [usize],
    version: Option<usize>,
    changed: Vec<usize>,
    /// Per row: the new values of `changed`, then the key, then the old version.
    params: Vec<Value>,
}

impl Group {
    fn width(&self) -> usize {
        self.changed.len() + self.pk.len() + usize::from(self.version.is_some())
    }

    fn rows(&self) -> usize {
        self.params.len() / self.width().max(1)
    }

    /// Puts the rows in key order, so that sessions updating the same rows lock them in the same
    /// order and wait for each other instead of deadlocking.
    fn sort_by_key(&mut self) {
        let width = self.width();
        if width == 0 || self.rows() < 2 {
            return;
        }
        let start = self.changed.len();
        let end = start + self.pk.len();
        let mut order: Vec<(Vec<KeyPart>, usize)> = self
            .params
            .chunks(width)
            .enumerate()
            .map(|(n, row)| (row[start..end].iter().map(KeyPart::from).collect(), n))
            .collect();
        order.sort_unstable();
        // The values move into their new places; none is copied.
        let mut old: Vec<Option<Value>> = std::mem::take(&mut self.params)
            .into_iter()
            .map(Some)
            .collect();
        self.params = order
            .iter()
            .flat_map(|&(_, n)| n * width..(n + 1) * width)
            .filter_map(|i| old[i].take())
            .collect();
    }

    /// The key (and old version) of row `n`.
    fn key(&self, n: usize) -> &[Value] {
        let start = n * self.width() + self.changed.len();
        &self.params[start..(n + 1) * self.width()]
    }
}

/// Finds the dirty objects among `candidates`, journals them, and writes their changed columns.
pub(super) fn update_rows(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
    order: &[&'static TableDef],
    candidates: &[usize],
) -> Result<()> {
    let mut groups: Vec<Group> = Vec::new();
    let no_pending = HashSet::default();
    let mut versions: HashMap<&str, Option<usize>> = HashMap::default();
    let mut changed: Vec<usize> = Vec::new();
    entries.journal.reserve(candidates.len());
    for &id in candidates {
        let obj = object(entries, id)?;
        let links = entry(entries, id)?.links.clone();
        let table = obj.table();
        for link in &links {
            if let Some(v) = link_value(entries, link, &no_pending) {
                obj.set_value(link.column, v)?;
            }
        }
        if !links.is_empty() {
            entries.record(id, None);
            entries.set_state(id, State::Persistent, Vec::new());
        }
        // What the database holds, kept at the object's first write; none: nothing changed. Taken:
        // the object is unmodified from here on, and a failure puts it back.
        let Some(committed) = obj.take_committed() else {
            continue;
        };
        let put_back = |obj: &Arc<dyn AnyObj>, committed: Vec<Value>, e| {
            obj.set_tracked(Tracked {
                persistent: true,
                committed: Some(committed),
            });
            e
        };
        let values = match obj.values() {
            Ok(v) => v,
            Err(e) => return Err(put_back(&obj, committed, e)),
        };
        if values == committed {
            continue;
        }
        let version = *versions.entry(table.name.as_str()).or_insert_with(|| {
            table
                .version_column()
                .and_then(|c| table.column_index(&c.name))
        });
        // Hooks and the version bump write to the object: keep what it held, for a failed flush.
        let (before, new_values) = if obj.has_update_hooks() || version.is_some() {
            let bumped = (|| {
                obj.apply_update_hooks()?;
                if let Some(vi) = version {
                    let next = committed[vi]
                        .as_i64()
                        .unwrap_or(0)
                        .checked_add(1)
                        .ok_or_else(|| {
                            Error::InvalidValue(format!(
                                "the version of a `{}` row is at its maximum ({}); it cannot be \
                                 updated again",
                                table.name,
                                i64::MAX
                            ))
                        })?;
                    obj.set_value(vi, Value::I64(next))?;
                }
                obj.values()
            })();
            match bumped {
                Ok(new_values) => (Some(values), new_values),
                Err(e) => {
                    let _ = obj.set_values(values);
                    return Err(put_back(&obj, committed, e));
                }
            }
        } else {
            (None, values)
        };
        changed.clear();
        changed.extend((0..new_values.len()).filter(|&i| new_values[i] != committed[i]));
        let pk = obj.pk_indexes();
        let group = match groups
            .iter()
            .position(|g| std::ptr::eq(g.table, table) && g.changed == changed)
        {
            Some(n) => &mut groups[n],
            None => {
                groups.push(Group {
                    table,
                    pk,
                    version,
                    changed: changed.clone(),
                    params: Vec::new(),
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        let mut new_values = new_values;
        group.params.extend(
            changed
                .iter()
                .map(|&i| std::mem::replace(&mut new_values[i], Value::Null)),
        );
        group.params.extend(
            pk.iter()
                .chain(version.as_ref())
                .map(|&i| committed[i].clone()),
        );
        let old_key = changed
            .iter()
            .any(|c| pk.contains(c))
            .then(|| IdentityKey::of_row(table.name.as_str(), &committed, pk));
        // What the database held goes into the journal with the object; the database holds the
        // object's values from here on.
        obj.mark_clean();
        entries.record_as(
            id,
            Tracked {
                persistent: true,
                committed: Some(committed),
            },
            before,
        );
        if let Some(old_key) = old_key {
            entries.rekey(id, old_key);
        }
    }
    // Parents' rows first, as for inserts.
    groups.sort_by_key(|g| order.iter().position(|t| std::ptr::eq(*t, g.table)));
    if dialect.locks_rows() {
        for group in &mut groups {
            group.sort_by_key();
        }
    }
    for group in &groups {
        match BatchForm::of(dialect) {
            Some(form) if group.rows() > 1 => update_batched(conn, dialect, group, form)?,
            _ => update_each(conn, dialect, group)?,
        }
    }
    Ok(())
}

/// One `UPDATE ... SET <changed> WHERE <key> [AND version]` per row, prepared once.
fn update_each(conn: &mut Connection, dialect: &'static dyn Dialect, g: &Group) -> Result<()> {
    let by: Vec<usize> = g.pk.iter().chain(g.version.as_ref()).copied().collect();
    let sql = UpdateRows {
        table: g.table,
        set: &g.changed,
        by: Match::one(&by),
    }
    .sql(dialect);
    let counts = conn.execute_each(&sql, &g.params, g.width())?;
    match counts.iter().position(|&c| c != 1) {
        Some(n) => Err(stale_key(g.table, g.pk, g.version, g.key(n))),
        None => Ok(()),
    }
}

/// Many rows per statement, in the dialect's batched form ([`BatchForm`]). The group's values are
/// laid out as the statement binds them: per row the new values, the key, the old version. A
/// stale row shows as a short count of matched rows.
fn update_batched(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    g: &Group,
    form: BatchForm,
) -> Result<()> {
    let width = g.width();
    let by: Vec<usize> = g.pk.iter().chain(g.version.as_ref()).copied().collect();
    let per_statement = (dialect.max_params() / width).clamp(1, MAX_ROWS_PER_STATEMENT);
    let mut sql = (0, String::new());
    for (chunk_no, chunk) in g.params.chunks(width * per_statement).enumerate() {
        let rows = chunk.len() / width;
        if sql.0 != rows {
            let shape = UpdateBatch {
                table: g.table,
                set: &g.changed,
                by: &by,
                rows,
                form,
            };
            sql = (rows, shape.sql(dialect));
        }
        let matched = conn.execute(&sql.1, chunk)?;
        check_matched(conn, dialect, g, chunk_no * per_statement, rows, matched)?;
    }
    Ok(())
}

/// A batched UPDATE of `rows` rows from `first_row` that matched fewer: the first row whose key (or
/// version) no longer matches is the stale one.
fn check_matched(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    g: &Group,
    first_row: usize,
    rows: usize,
    matched: u64,
) -> Result<()> {
    if matched == rows as u64 {
        return Ok(());
    }
    let keys: Vec<&[Value]> = (first_row..first_row + rows).map(|n| g.key(n)).collect();
    let n = find_stale(conn, dialect, g.table, g.pk, g.version, &keys)?;
    Err(stale_key(g.table, g.pk, g.version, keys[n]))
}
