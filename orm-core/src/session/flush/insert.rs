//! Inserts: many rows per statement, generated keys and server defaults read back.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{entry, link_value, object, MAX_ROWS_PER_STATEMENT};
use crate::dialect::Dialect;
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::query::keyed::{InsertRows, Match, SelectRows};
use crate::schema::TableDef;
use crate::session::identity::{IdentityKey, KeyPart};
use crate::session::state::{Entries, Link, State};
use crate::value::Value;

/// A row being inserted: its entry and values.
type Row = (usize, Vec<Value>);

#[allow(clippy::too_many_arguments)] // the flush's state, passed down as it is
pub(super) fn insert_rows(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    returning: bool,
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
        let obj = object(entries, id)?;
        let links = entry(entries, id)?.links.clone();
        entries.record(id, Some(obj.values()?));
        for link in links {
            match link_value(entries, &link, inserted) {
                Some(v) => obj.set_value(link.column, v)?,
                None => deferred.push((id, link)),
            }
        }
        obj.apply_insert_defaults()?;
        if let Some(vi) = version {
            if matches!(obj.value(vi)?, Value::Null | Value::I64(0) | Value::I32(0)) {
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
        insert_group(conn, dialect, returning, entries, table, &mask, group)?;
    }
    Ok(())
}

fn insert_group(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    use_returning: bool,
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
    // Without RETURNING, a generated key is read back from the connection: after each one-row
    // INSERT, unless the server makes one statement's keys consecutive (MySQL), when it reports
    // the first. Other columns the database filled are read back by key either way.
    let consecutive = conn.consecutive_insert_ids();
    // When the generated key is all there is to read and the connection reports consecutive keys,
    // RETURNING would only send back what is known already (MariaDB: 1.55x the raw driver's time
    // with it, 1.01x without, on 100k rows).
    let use_returning =
        use_returning && !(consecutive.is_some() && autoinc.is_some() && returning.len() == 1);
    let one_per_statement = !use_returning && autoinc.is_some() && consecutive.is_none();
    let per_statement = if columns.is_empty() || one_per_statement {
        1
    } else {
        (dialect.max_params() / columns.len()).clamp(1, MAX_ROWS_PER_STATEMENT)
    };
    // Every full chunk has the same text: it is written once, and again only for the shorter
    // last chunk.
    let mut sql = (0, String::new());
    let mut rows = rows.into_iter();
    loop {
        // Taken from the front: splitting the rest off instead would copy it once per chunk.
        let chunk: Vec<Row> = rows.by_ref().take(per_statement).collect();
        if chunk.is_empty() {
            break;
        }
        if sql.0 != chunk.len() {
            let text = InsertRows {
                table,
                columns: &columns,
                rows: chunk.len(),
                returning: if use_returning { &returning } else { &[] },
            }
            .sql(dialect);
            sql = (chunk.len(), text);
        }
        let text = sql.1.as_str();
        let params: Vec<Value> = chunk
            .iter()
            .flat_map(|(_, values)| columns.iter().map(|&i| values[i].clone()))
            .collect();
        let mut chunk = chunk;
        if returning.is_empty() {
            conn.execute(text, &params)?;
        } else if use_returning {
            let returned = conn.query(text, &params)?.rows;
            apply_returned(table, &returning, autoinc, &pk, &mut chunk, returned)?;
        } else {
            conn.execute(text, &params)?;
            read_back(conn, dialect, table, &returning, autoinc, &pk, &mut chunk)?;
        }
        for (id, mut values) in chunk {
            let obj = object(entries, id)?;
            // A pending entry had no identity; the row's key is its identity from now on.
            let key = IdentityKey::of_row(table.name.as_str(), &values, &pk);
            for &i in &returning {
                obj.set_value(i, std::mem::replace(&mut values[i], Value::Null))?;
            }
            // The row holds what the object holds now.
            obj.set_persistent(true);
            entries.set_state(id, State::Persistent, Vec::new());
            if let Some(key) = key {
                entries.identity.insert(key, id);
            }
        }
    }
    Ok(())
}

/// The insert path without `RETURNING`, after an INSERT: the generated keys from the connection
/// (one row's, or a block of consecutive keys), then the other columns the database filled (server defaults) by a SELECT on the key.
fn read_back(
    conn: &mut Connection,
    dialect: &'static dyn Dialect,
    table: &TableDef,
    returning: &[usize],
    autoinc: Option<usize>,
    pk: &[usize],
    chunk: &mut [Row],
) -> Result<()> {
    if let Some(key) = autoinc {
        let keys = conn.generated_keys(chunk.len())?;
        for ((_, values), id) in chunk.iter_mut().zip(keys) {
            values[key] = Value::I64(id);
        }
    }
    let rest: Vec<usize> = returning
        .iter()
        .copied()
        .filter(|&i| Some(i) != autoinc)
        .collect();
    if rest.is_empty() {
        return Ok(());
    }
    let sql = SelectRows {
        table,
        columns: &rest,
        by: Match::one(pk),
        lock: false,
    }
    .sql(dialect);
    for (_, values) in chunk.iter_mut() {
        let key: Vec<Value> = pk.iter().map(|&k| values[k].clone()).collect();
        let mut found = false;
        conn.query_rows(&sql, &key, |row| {
            for (n, &i) in rest.iter().enumerate() {
                values[i] = row
                    .value(n)
                    .map_err(|e| e.at(&table.name, &table.columns[i].name))?;
            }
            found = true;
            Ok(false)
        })?;
        if !found {
            return Err(Error::Database {
                message: format!(
                    "the row just inserted into `{}` was not found by its key",
                    table.name
                ),
                code: None,
                source: None,
            });
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
        Some(key) => {
            // The key's place among the returned columns (server-default columns declared before
            // it come first).
            let at = returning.iter().position(|&i| i == key).unwrap_or(0);
            returned.sort_by_key(|r| r.get(at).and_then(Value::as_i64));
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
