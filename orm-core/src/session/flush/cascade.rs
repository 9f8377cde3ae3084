//! Deleting parents: before anything is written, the children of each deleted object are found
//! through its to-many relationships. With `cascade = "delete"` they are deleted too (deepest first,
//! whether loaded or not); with `passive_deletes` or an ON DELETE action the database handles them;
//! otherwise a parent that still has children is a foreign key error and nothing is written.
//! Many-to-many association rows of a deleted object are always deleted.

use rustc_hash::FxHashSet as HashSet;

use super::MAX_ROWS_PER_STATEMENT;
use crate::dialect::Dialect;
use crate::engine::Connection;
use crate::error::{ConstraintKind, ConstraintViolation, Error, Result};
use crate::query::keyed::{DeleteRows, Match, SelectRows};
use crate::relation::{RelationDef, RelationKind};
use crate::schema::{FkAction, TableDef};
use crate::session::identity::{IdentityKey, KeyPart};
use crate::session::state::{Entries, State};
use crate::value::Value;

/// Rows to delete by one column's values, before the objects marked for deletion.
pub(super) struct Bulk {
    table: &'static TableDef,
    column: usize,
    keys: Vec<Value>,
}

/// The rows of one table whose children are looked for: the deleted objects (by entry),
/// or child rows found a level up.
enum Rows {
    Entries(Vec<usize>),
    Owned(Vec<Vec<Value>>),
}

impl Rows {
    /// The distinct non-NULL values of column `column`, in first-seen order.
    fn distinct(&self, entries: &Entries, column: usize) -> Vec<Value> {
        let mut keys = Vec::new();
        let mut seen: HashSet<KeyPart> = HashSet::default();
        let mut take = |v: Option<&Value>| {
            if let Some(v) = v.filter(|v| !v.is_null()) {
                if seen.insert(KeyPart::from(v)) {
                    keys.push(v.clone());
                }
            }
        };
        match self {
            Rows::Entries(ids) => {
                for &id in ids {
                    take(entries.get(id).and_then(|e| e.db_value(column)).as_ref());
                }
            }
            Rows::Owned(rows) => rows.iter().for_each(|r| take(r.get(column))),
        }
        keys
    }
}

/// One table's relationships and the rows whose children they lead to.
type Level = (&'static [RelationDef], Rows);

/// Finds what deleting the session's deleted objects implies; fails, before anything is written,
/// when a parent still has children and no cascade.
pub(super) fn prepare(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    entries: &mut Entries,
) -> Result<Vec<Bulk>> {
    // The deleted objects grouped by table: one look for children per relationship, for all of
    // them at once.
    let mut work: Vec<Level> = Vec::new();
    for id in entries.ids() {
        let Some(e) = entries.get(id).filter(|e| e.state == State::Deleting) else {
            continue;
        };
        let Some(relations) = e.obj().map(|o| o.relations()) else {
            continue;
        };
        if relations.is_empty() {
            continue;
        }
        match work.iter_mut().find(|(r, _)| std::ptr::eq(*r, relations)) {
            Some((_, Rows::Entries(ids))) => ids.push(id),
            _ => work.push((relations, Rows::Entries(vec![id]))),
        }
    }
    let mut bulk = Vec::new();
    let mut seen: HashSet<(&'static str, KeyPart)> = HashSet::default();
    while let Some((relations, rows)) = work.pop() {
        for def in relations.iter().filter(|d| d.kind.is_many()) {
            let r = def.resolve()?;
            let keys = rows.distinct(entries, r.local);
            if keys.is_empty() {
                continue;
            }
            if let (RelationKind::ManyToMany, Some((lf, _)), Some(t)) =
                (def.kind, r.through, def.through)
            {
                bulk.push(Bulk {
                    table: (t.table)(),
                    column: lf,
                    keys,
                });
                continue;
            }
            let child = (def.target)();
            let fk_name = &child.columns[r.remote].name;
            let fk = child
                .foreign_keys
                .iter()
                .find(|fk| fk.columns.len() == 1 && &fk.columns[0] == fk_name);
            let database_does_it =
                fk.is_some_and(|fk| matches!(fk.on_delete, FkAction::Cascade | FkAction::SetNull));
            if def.passive_deletes || database_does_it {
                continue;
            }
            let found = select_children(conn, dialect, child, r.remote, &keys)?;
            let pk: Vec<usize> = child
                .primary_key
                .iter()
                .filter_map(|k| child.column_index(k))
                .collect();
            let mut remaining = Vec::new();
            for row in found {
                let key = IdentityKey::of_row(child.name.as_str(), &row, &pk);
                let entry = key.and_then(|k| entries.identity.get(&k).copied());
                let still_child = match entry.and_then(|id| entries.get(id).map(|e| (id, e))) {
                    Some((_, e)) if e.state == State::Deleting => false,
                    Some((_, e)) => match e.obj() {
                        Some(o) => Some(&o.value(r.remote)?) == row.get(r.remote),
                        None => true,
                    },
                    None => true,
                };
                if still_child {
                    remaining.push((entry, row));
                }
            }
            if remaining.is_empty() {
                continue;
            }
            if !def.cascade_delete {
                return Err(Error::Constraint(ConstraintViolation {
                    kind: ConstraintKind::ForeignKey,
                    table: Some(child.name.clone()),
                    constraint: fk.map(|fk| fk.name.clone()),
                    columns: vec![fk_name.clone()],
                    message: format!(
                        "cannot delete from `{}`: {} row(s) of `{}` still refer to it through `{}`; \
                         help: delete or move them first, or declare cascade = \"delete\" (or \
                         passive_deletes with on_delete = cascade) on `{}`",
                        (def.table)().name,
                        remaining.len(),
                        child.name,
                        fk_name,
                        def.qualified_name()
                    ),
                }));
            }
            let [pk] = pk.as_slice() else {
                return Err(Error::config(format!(
                    "cascade delete of `{}` needs a single-column primary key",
                    child.name
                )));
            };
            let mut keys = Vec::new();
            let mut rows = Vec::new();
            for (entry, row) in remaining {
                if !seen.insert((child.name.as_str(), KeyPart::from(&row[*pk]))) {
                    continue;
                }
                if let Some(id) = entry {
                    // The loaded object leaves the session with its row (journaled for rollback).
                    entries.record(id, None);
                    entries.replace(id, None);
                }
                keys.push(row[*pk].clone());
                rows.push(row);
            }
            bulk.push(Bulk {
                table: child,
                column: *pk,
                keys,
            });
            work.push(((def.target_relations)(), Rows::Owned(rows)));
        }
    }
    Ok(bulk)
}

fn select_children(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    child: &TableDef,
    column: usize,
    keys: &[Value],
) -> Result<Vec<Vec<Value>>> {
    let mut out = Vec::new();
    let all: Vec<usize> = (0..child.columns.len()).collect();
    for chunk in keys.chunks(dialect.max_params().max(1)) {
        let sql = SelectRows {
            table: child,
            columns: &all,
            by: Match::many(&[column], chunk.len()),
            lock: false,
        }
        .sql(dialect);
        out.extend(conn.query(&sql, chunk)?.rows);
    }
    Ok(out)
}

/// Runs the cascaded deletes, deepest level first.
pub(super) fn run(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    bulk: &[Bulk],
) -> Result<()> {
    for b in bulk.iter().rev() {
        for chunk in b
            .keys
            .chunks(dialect.max_params().clamp(1, MAX_ROWS_PER_STATEMENT))
        {
            let sql = DeleteRows {
                table: b.table,
                by: Match::many(&[b.column], chunk.len()),
            }
            .sql(dialect);
            conn.execute(&sql, chunk)?;
        }
    }
    Ok(())
}
