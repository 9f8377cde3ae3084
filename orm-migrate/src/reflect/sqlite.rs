//! SQLite: `sqlite_master` and the `pragma_table_info`, `pragma_index_list`, `pragma_index_info` and
//! `pragma_foreign_key_list` table functions. SQLite does not keep constraint names in its catalog, so
//! they are read from the table's `CREATE TABLE` text (falling back to the naming convention).

use std::collections::BTreeMap;

use orm_core::schema::{
    self, CheckDef, ColumnDef, ColumnType, FkAction, ForeignKeyDef, IndexDef, TableDef, UniqueDef,
};
use orm_core::value::Value;
use orm_core::Connection;

use super::inspect::{boolean, int, is_internal_table, parse_default, text};
use crate::error::Result;
use crate::ops::parse_column_type;

/// The tables of a SQLite database.
///
/// # Errors
///
/// A database error.
pub fn reflect(conn: &mut Connection) -> Result<Vec<TableDef>> {
    let rows = conn.query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        &[],
    )?;
    let mut tables = Vec::new();
    for row in rows.rows {
        let (Some(name), sql) = (text(&row[0]), text(&row[1]).unwrap_or_default()) else {
            continue;
        };
        if !is_internal_table(&name) {
            tables.push(table(conn, &name, &sql)?);
        }
    }
    Ok(tables)
}

fn table(conn: &mut Connection, name: &str, sql: &str) -> Result<TableDef> {
    let named = constraints(sql);
    let arg = [Value::Text(name.to_owned())];
    let mut t = TableDef::new(name);
    let cols = conn.query(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
        &arg,
    )?;
    let mut pk: Vec<(i64, String)> = Vec::new();
    for r in &cols.rows {
        let col_name = text(&r[0]).unwrap_or_default();
        let ty = parse_column_type(&text(&r[1]).unwrap_or_default());
        let mut c = ColumnDef::new(&col_name, ty.clone()).nullable(!boolean(&r[2]));
        c.server_default = text(&r[3]).map(|d| parse_default(&d, &ty));
        if int(&r[4]) > 0 {
            c.primary_key = true;
            pk.push((int(&r[4]), col_name));
        }
        t.columns.push(c);
    }
    pk.sort();
    t.primary_key = pk.into_iter().map(|(_, c)| c).collect();
    // Only a single-column `INTEGER` primary key is the rowid alias SQLite assigns.
    if let [key] = t.primary_key.as_slice() {
        if let Some(c) = t.columns.iter_mut().find(|c| &c.name == key) {
            c.autoincrement = c.ty == ColumnType::Integer;
        }
    }
    let indexes = conn.query(
        "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1) ORDER BY name",
        &arg,
    )?;
    for r in &indexes.rows {
        let index_name = text(&r[0]).unwrap_or_default();
        // Partial and expression indexes are beyond what the models describe: they are not
        // reflected (so never proposed for dropping), and a rebuild keeps them as written.
        if unmodelled_index(conn, &index_name, boolean(&r[3]))? {
            continue;
        }
        let info = conn.query(
            "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
            &[Value::Text(index_name.clone())],
        )?;
        let columns: Vec<String> = info.rows.iter().filter_map(|c| text(&c[0])).collect();
        match text(&r[2]).as_deref() {
            Some("u") => {
                let name = named
                    .iter()
                    .find(|c| c.kind == Kind::Unique && c.columns == columns)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| schema::unique_name(name, &columns));
                t.uniques.push(UniqueDef { name, columns });
            }
            Some("pk") => {}
            _ => t.indexes.push(IndexDef {
                name: index_name,
                columns,
                unique: boolean(&r[1]),
            }),
        }
    }
    let fks = conn.query(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
        &arg,
    )?;
    let mut by_id: BTreeMap<i64, ForeignKeyDef> = BTreeMap::new();
    for r in &fks.rows {
        let fk = by_id.entry(int(&r[0])).or_insert_with(|| ForeignKeyDef {
            name: String::new(),
            columns: Vec::new(),
            ref_table: text(&r[1]).unwrap_or_default(),
            ref_columns: Vec::new(),
            on_delete: text(&r[5])
                .and_then(|a| FkAction::parse(&a))
                .unwrap_or_default(),
            on_update: text(&r[4])
                .and_then(|a| FkAction::parse(&a))
                .unwrap_or_default(),
        });
        fk.columns.push(text(&r[2]).unwrap_or_default());
        fk.ref_columns.push(text(&r[3]).unwrap_or_default());
    }
    // `REFERENCES parent` without columns refers to the parent's primary key; the pragma says NULL.
    for fk in by_id.values_mut() {
        if fk.ref_columns.iter().any(String::is_empty) {
            let pk = conn.query(
                "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk",
                &[Value::Text(fk.ref_table.clone())],
            )?;
            let pk: Vec<String> = pk
                .rows
                .iter()
                .filter_map(|r| r.first().and_then(text))
                .collect();
            if pk.len() == fk.columns.len() {
                fk.ref_columns = pk;
            }
        }
    }
    for (_, mut fk) in by_id {
        fk.name = named
            .iter()
            .find(|c| c.kind == Kind::ForeignKey && c.columns == fk.columns)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| schema::foreign_key_name(name, &fk.columns, &fk.ref_table));
        t.foreign_keys.push(fk);
    }
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    let named_checks: Vec<String> = named
        .iter()
        .filter(|c| c.kind == Kind::Check)
        .map(|c| c.expr.clone())
        .collect();
    t.checks = named
        .into_iter()
        .filter(|c| c.kind == Kind::Check)
        .map(|c| CheckDef {
            name: c.name,
            expr: c.expr,
        })
        .collect();
    // Checks written without a name (by hand, or by another tool) are kept too, under a made-up
    // name, so that a table rebuild does not silently drop them.
    for (n, expr) in unnamed_checks(sql, &named_checks).into_iter().enumerate() {
        t.checks.push(CheckDef {
            name: schema::check_name(name, &format!("unnamed_{}", n + 1)),
            expr,
        });
    }
    Ok(t)
}

/// The expressions of `CHECK (...)` clauses that are not among the named ones.
fn unnamed_checks(sql: &str, named: &[String]) -> Vec<String> {
    let upper = sql.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = upper[from..].find("CHECK") {
        let at = from + i;
        from = at + "CHECK".len();
        let word_start =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let word_end = bytes
            .get(from)
            .map_or(true, |b| !(b.is_ascii_alphanumeric() || *b == b'_'));
        if !(word_start && word_end) {
            continue;
        }
        if let Some(inner) = parenthesized(sql[from..].trim_start()) {
            let expr = inner.trim().to_owned();
            if !named.contains(&expr) && !out.contains(&expr) {
                out.push(expr);
            }
        }
    }
    out
}

#[derive(Debug, PartialEq)]
enum Kind {
    Unique,
    ForeignKey,
    Check,
    Other,
}

#[derive(Debug)]
struct Named {
    name: String,
    kind: Kind,
    columns: Vec<String>,
    expr: String,
}

/// The `CONSTRAINT "name" UNIQUE (...)` / `FOREIGN KEY (...)` / `CHECK (...)` clauses of a
/// `CREATE TABLE` text.
fn constraints(sql: &str) -> Vec<Named> {
    let mut out = Vec::new();
    let upper = sql.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find("CONSTRAINT") {
        let start = from + i + "CONSTRAINT".len();
        from = start;
        let rest = sql[start..].trim_start();
        let (name, rest) = identifier(rest);
        let rest = rest.trim_start();
        let upper_rest = rest.to_ascii_uppercase();
        let (kind, body) = if upper_rest.starts_with("UNIQUE") {
            (Kind::Unique, &rest["UNIQUE".len()..])
        } else if upper_rest.starts_with("FOREIGN KEY") {
            (Kind::ForeignKey, &rest["FOREIGN KEY".len()..])
        } else if upper_rest.starts_with("CHECK") {
            (Kind::Check, &rest["CHECK".len()..])
        } else {
            (Kind::Other, rest)
        };
        let inner = parenthesized(body.trim_start()).unwrap_or_default();
        let columns = match kind {
            Kind::Unique | Kind::ForeignKey => {
                inner.split(',').map(|c| identifier(c.trim()).0).collect()
            }
            _ => Vec::new(),
        };
        out.push(Named {
            name,
            kind,
            columns,
            expr: inner.trim().to_owned(),
        });
    }
    out
}

/// A quoted (`"a""b"`) or bare identifier at the start of `s`, and what follows it.
fn identifier(s: &str) -> (String, &str) {
    if let Some(body) = s.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((i, ch)) = chars.next() {
            if ch == '"' {
                if matches!(chars.peek(), Some((_, '"'))) {
                    chars.next();
                    name.push('"');
                } else {
                    return (name, &body[i + 1..]);
                }
            } else {
                name.push(ch);
            }
        }
        (name, "")
    } else {
        let end = s
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        (s[..end].to_owned(), &s[end..])
    }
}

/// The text inside the balanced parentheses that open `s`.
fn parenthesized(s: &str) -> Option<&str> {
    let body = s.strip_prefix('(')?;
    let mut depth = 1;
    let mut quoted = false;
    for (i, ch) in body.char_indices() {
        match ch {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some(&body[..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether the index is partial (`WHERE ...`) or indexes an expression (`lower(email)`).
pub(crate) fn unmodelled_index(
    conn: &mut orm_core::Connection,
    index: &str,
    partial: bool,
) -> orm_core::Result<bool> {
    if partial {
        return Ok(true);
    }
    let expressions = conn.query(
        "SELECT COUNT(*) FROM pragma_index_xinfo(?1) WHERE key = 1 AND cid = -2",
        &[Value::Text(index.to_owned())],
    )?;
    Ok(expressions
        .rows
        .first()
        .is_some_and(|r| matches!(r[0], Value::I64(n) if n > 0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_are_read_from_the_create_text() {
        let sql = "CREATE TABLE \"t\" (\n\t\"a\" INTEGER,\n\tCONSTRAINT \"uq_t_a\" UNIQUE (\"a\", \"b\"),\n\tCONSTRAINT \"fk_t_a_u\" FOREIGN KEY (\"a\") REFERENCES \"u\" (\"id\"),\n\tCONSTRAINT \"ck_t_a\" CHECK (a > (0 + length(')')))\n)";
        let c = constraints(sql);
        assert_eq!(c.len(), 3);
        assert_eq!(
            (c[0].name.as_str(), &c[0].columns),
            ("uq_t_a", &vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(c[1].kind, Kind::ForeignKey);
        assert_eq!(c[2].expr, "a > (0 + length(')'))");
    }
}
