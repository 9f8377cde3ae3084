//! MySQL and MariaDB: `information_schema`, restricted to `DATABASE()`.
//!
//! A unique constraint and a unique index are the same thing here (a unique key): every unique key
//! is read as a unique constraint, and the comparison with the models takes a unique index of the
//! same name and columns as the same (see `autogenerate::compare`). An index MySQL made by itself
//! to back a foreign key (it bears the constraint's name) is left out.

use orm_core::schema::{
    CheckDef, ColumnDef, ColumnType, DefaultExpr, FkAction, ForeignKeyDef, IndexDef, TableDef,
    UniqueDef,
};
use orm_core::value::Value;
use orm_core::Connection;

use super::inspect::{int, parse_default, text};
use crate::error::Result;

const TABLES: &str = "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
    WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1";

const COLUMNS: &str = "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR), \
    CAST(column_type AS CHAR), character_maximum_length, CAST(is_nullable AS CHAR), \
    CAST(column_default AS CHAR), CAST(extra AS CHAR) \
    FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? \
    ORDER BY ordinal_position";

/// Every index with its columns in order: `PRIMARY`, unique keys, plain indexes.
const INDEXES: &str = "SELECT CAST(index_name AS CHAR), non_unique, CAST(column_name AS CHAR) \
    FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? \
    ORDER BY index_name, seq_in_index";

const FOREIGN_KEYS: &str = "SELECT CAST(k.constraint_name AS CHAR), CAST(k.column_name AS CHAR), \
    CAST(k.referenced_table_name AS CHAR), CAST(k.referenced_column_name AS CHAR), \
    CAST(rc.delete_rule AS CHAR), CAST(rc.update_rule AS CHAR) \
    FROM information_schema.key_column_usage k \
    JOIN information_schema.referential_constraints rc \
      ON rc.constraint_schema = k.constraint_schema AND rc.constraint_name = k.constraint_name \
     AND rc.table_name = k.table_name \
    WHERE k.table_schema = DATABASE() AND k.table_name = ? \
    ORDER BY k.constraint_name, k.ordinal_position";

/// CHECK constraints; MySQL 8's `check_constraints` has no table name, hence the join.
const CHECKS: &str = "SELECT CAST(tc.constraint_name AS CHAR), CAST(cc.check_clause AS CHAR) \
    FROM information_schema.table_constraints tc \
    JOIN information_schema.check_constraints cc \
      ON cc.constraint_schema = tc.constraint_schema AND cc.constraint_name = tc.constraint_name \
    WHERE tc.table_schema = DATABASE() AND tc.table_name = ? AND tc.constraint_type = 'CHECK' \
    ORDER BY 1";

/// The tables of the current database.
///
/// # Errors
///
/// A database error.
pub fn reflect(conn: &mut Connection) -> Result<Vec<TableDef>> {
    super::inspect::reflect_each(conn, TABLES, table)
}

fn table(conn: &mut Connection, name: &str) -> Result<TableDef> {
    let arg = [Value::Text(name.to_owned())];
    let mut t = TableDef::new(name);
    for r in conn.query(COLUMNS, &arg)?.rows {
        let ty = column_type(
            &text(&r[1]).unwrap_or_default(),
            &text(&r[2]).unwrap_or_default(),
            int(&r[3]),
        );
        let extra = text(&r[6]).unwrap_or_default().to_ascii_lowercase();
        let mut c = ColumnDef::new(text(&r[0]).unwrap_or_default(), ty.clone())
            .nullable(text(&r[4]).as_deref() == Some("YES"));
        c.server_default = text(&r[5]).and_then(|d| default(&d, &ty, &extra));
        c.autoincrement = extra.contains("auto_increment");
        t.columns.push(c);
    }
    let fks: Vec<Vec<Value>> = conn.query(FOREIGN_KEYS, &arg)?.rows;
    for r in &fks {
        let fk_name = text(&r[0]).unwrap_or_default();
        let column = text(&r[1]).unwrap_or_default();
        let ref_column = text(&r[3]).unwrap_or_default();
        match t.foreign_keys.iter_mut().find(|f| f.name == fk_name) {
            Some(fk) => {
                fk.columns.push(column);
                fk.ref_columns.push(ref_column);
            }
            None => t.foreign_keys.push(ForeignKeyDef {
                name: fk_name,
                columns: vec![column],
                ref_table: text(&r[2]).unwrap_or_default(),
                ref_columns: vec![ref_column],
                on_delete: action(&r[4]),
                on_update: action(&r[5]),
            }),
        }
    }
    let mut keys: Vec<(String, bool, Vec<String>)> = Vec::new();
    for r in conn.query(INDEXES, &arg)?.rows {
        let index = text(&r[0]).unwrap_or_default();
        let column = text(&r[2]).unwrap_or_default();
        match keys.last_mut() {
            Some((n, _, cols)) if *n == index => cols.push(column),
            _ => keys.push((index, int(&r[1]) == 0, vec![column])),
        }
    }
    for (index, unique, columns) in keys {
        if index == "PRIMARY" {
            t.primary_key = columns;
        } else if unique {
            t.uniques.push(UniqueDef {
                name: index,
                columns,
            });
        } else if !t.foreign_keys.iter().any(|f| f.name == index) {
            t.indexes.push(IndexDef {
                name: index,
                columns,
                unique: false,
            });
        }
    }
    for r in conn.query(CHECKS, &arg)?.rows {
        let name = text(&r[0]).unwrap_or_default();
        let expr = text(&r[1]).unwrap_or_default();
        // MariaDB's JSON is LONGTEXT with a check named after the column: a JSON column.
        let json_of = t.columns.iter_mut().find(|c| {
            c.name == name
                && c.ty == ColumnType::Text
                && expr.replace(['`', '"', ' '], "") == format!("json_valid({name})")
        });
        if let Some(column) = json_of {
            column.ty = ColumnType::Json;
            continue;
        }
        t.checks.push(CheckDef { name, expr });
    }
    for c in &mut t.columns {
        c.primary_key = t.primary_key.contains(&c.name);
    }
    Ok(t)
}

/// The portable type of a column, where the dialect spells one this way; the server's own
/// spelling otherwise (`DATETIME(6)` is both kinds of timestamp, which the comparison knows).
fn column_type(data_type: &str, column_type: &str, length: i64) -> ColumnType {
    let column_type = column_type.to_ascii_lowercase();
    match data_type.to_ascii_lowercase().as_str() {
        "tinyint" if column_type.starts_with("tinyint(1)") => ColumnType::Boolean,
        "smallint" if !column_type.contains("unsigned") => ColumnType::SmallInt,
        "int" if !column_type.contains("unsigned") => ColumnType::Integer,
        "bigint" if !column_type.contains("unsigned") => ColumnType::BigInt,
        "float" if column_type == "float" => ColumnType::Real,
        "double" if column_type == "double" => ColumnType::Double,
        "varchar" => ColumnType::Varchar(u32::try_from(length).unwrap_or(u32::MAX)),
        "longtext" => ColumnType::Text,
        "longblob" => ColumnType::Blob,
        "date" => ColumnType::Date,
        "time" if column_type == "time(6)" => ColumnType::Time,
        // What the dialect writes for a UUID (MySQL has no type of its own).
        "char" if column_type == "char(36)" => ColumnType::Uuid,
        "json" => ColumnType::Json,
        _ => ColumnType::Custom(column_type.to_ascii_uppercase()),
    }
}

/// A column's default as `information_schema` shows it: MariaDB quotes literals and shows a
/// nullable column's absent default as `NULL`; MySQL 8 shows literals bare and marks expressions
/// `DEFAULT_GENERATED` in `extra`.
fn default(sql: &str, ty: &ColumnType, extra: &str) -> Option<DefaultExpr> {
    let s = sql.trim();
    if s.eq_ignore_ascii_case("NULL") {
        return None;
    }
    if s.to_ascii_lowercase().starts_with("current_timestamp") {
        return Some(DefaultExpr::CurrentTimestamp);
    }
    let quoted = s.starts_with('\'') && s.ends_with('\'') && s.len() >= 2;
    let textual = matches!(ty, ColumnType::Varchar(_) | ColumnType::Text);
    if !quoted && textual && !extra.contains("default_generated") && !s.starts_with('(') {
        // MySQL 8's bare literal.
        return Some(DefaultExpr::Text(s.to_owned()));
    }
    if quoted && textual {
        return Some(DefaultExpr::Text(unquote(&s[1..s.len() - 1])));
    }
    Some(parse_default(s, ty))
}

/// The text of a quoted literal as MariaDB shows it: quotes doubled, or (for an expression default
/// on a TEXT column) escaped with backslashes.
fn unquote(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            other => out.push(other),
        }
    }
    out
}

/// `referential_constraints` rules.
fn action(v: &Value) -> FkAction {
    match text(v).as_deref() {
        // InnoDB checks at once either way, and MariaDB reports an unspecified action as RESTRICT:
        // both read as the default, NO ACTION.
        Some("CASCADE") => FkAction::Cascade,
        Some("SET NULL") => FkAction::SetNull,
        Some("SET DEFAULT") => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_back_as_the_dialect_wrote_them() {
        assert_eq!(column_type("bigint", "bigint(20)", 0), ColumnType::BigInt);
        assert_eq!(column_type("tinyint", "tinyint(1)", 0), ColumnType::Boolean);
        assert_eq!(
            column_type("varchar", "varchar(64)", 64),
            ColumnType::Varchar(64)
        );
        assert_eq!(column_type("longtext", "longtext", 0), ColumnType::Text);
        assert_eq!(
            column_type("datetime", "datetime(6)", 0),
            ColumnType::Custom("DATETIME(6)".into())
        );
        assert_eq!(
            column_type("int", "int(10) unsigned", 0),
            ColumnType::Custom("INT(10) UNSIGNED".into())
        );
    }

    #[test]
    fn defaults_are_read_in_both_servers_spellings() {
        let text = ColumnType::Varchar(10);
        assert_eq!(default("NULL", &text, ""), None);
        assert_eq!(
            default("'it''s'", &text, ""),
            Some(DefaultExpr::Text("it's".into()))
        );
        assert_eq!(
            default("'it\\'s \\\\'", &ColumnType::Text, ""),
            Some(DefaultExpr::Text("it's \\".into()))
        );
        assert_eq!(
            default("abc", &text, ""),
            Some(DefaultExpr::Text("abc".into()))
        );
        assert_eq!(
            default(
                "current_timestamp(6)",
                &ColumnType::Custom("DATETIME(6)".into()),
                ""
            ),
            Some(DefaultExpr::CurrentTimestamp)
        );
        assert_eq!(
            default("1", &ColumnType::Boolean, ""),
            Some(DefaultExpr::Bool(true))
        );
        assert_eq!(
            default("7", &ColumnType::BigInt, ""),
            Some(DefaultExpr::Integer(7))
        );
    }
}
