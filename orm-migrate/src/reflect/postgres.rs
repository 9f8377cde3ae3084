//! PostgreSQL: `pg_catalog`, restricted to `current_schema()` (names cast to `text`, since the
//! driver reads `name` columns as text only through a cast).

use orm_core::schema::{
    CheckDef, ColumnDef, FkAction, ForeignKeyDef, IndexDef, TableDef, UniqueDef,
};
use orm_core::value::Value;
use orm_core::Connection;

use super::inspect::{boolean, names, parse_default, text};
use crate::error::Result;
use crate::ops::parse_column_type;

const TABLES: &str = "SELECT c.relname::text FROM pg_catalog.pg_class c \
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1";

const COLUMNS: &str = "SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), \
    a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text \
    FROM pg_catalog.pg_attribute a \
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    WHERE n.nspname = current_schema() AND c.relname::text = $1 AND a.attnum > 0 \
    AND NOT a.attisdropped ORDER BY a.attnum";

const CONSTRAINTS: &str = "SELECT con.conname::text, con.contype::text, \
    pg_catalog.pg_get_constraintdef(con.oid), \
    (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
       FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord) \
       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num), \
    (SELECT r.relname::text FROM pg_catalog.pg_class r WHERE r.oid = con.confrelid), \
    (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
       FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord) \
       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num), \
    con.confdeltype::text, con.confupdtype::text \
    FROM pg_catalog.pg_constraint con \
    JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relname::text = $1 ORDER BY 1";

/// Indexes that back no constraint (the primary key and unique constraints have their own).
const INDEXES: &str = "SELECT i.relname::text, ix.indisunique, \
    (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
       FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(num, ord) \
       JOIN pg_catalog.pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num) \
    FROM pg_catalog.pg_index ix \
    JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
    JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid \
    JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
    WHERE n.nspname = current_schema() AND t.relname::text = $1 AND NOT ix.indisprimary \
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = ix.indexrelid) \
    ORDER BY 1";

/// The tables of the current schema.
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
        let ty = parse_column_type(&text(&r[1]).unwrap_or_default());
        let mut c =
            ColumnDef::new(text(&r[0]).unwrap_or_default(), ty.clone()).nullable(!boolean(&r[2]));
        c.server_default = text(&r[3]).map(|d| parse_default(&d, &ty));
        c.autoincrement = matches!(text(&r[4]).as_deref(), Some("a" | "d"));
        t.columns.push(c);
    }
    for r in conn.query(CONSTRAINTS, &arg)?.rows {
        let con_name = text(&r[0]).unwrap_or_default();
        let columns = names(&r[3]);
        match text(&r[1]).as_deref() {
            Some("p") => t.primary_key = columns,
            Some("u") => t.uniques.push(UniqueDef {
                name: con_name,
                columns,
            }),
            Some("f") => t.foreign_keys.push(ForeignKeyDef {
                name: con_name,
                columns,
                ref_table: text(&r[4]).unwrap_or_default(),
                ref_columns: names(&r[5]),
                on_delete: action(&r[6]),
                on_update: action(&r[7]),
            }),
            Some("c") => {
                let def = text(&r[2]).unwrap_or_default();
                let expr = def
                    .strip_prefix("CHECK (")
                    .and_then(|x| x.strip_suffix(')'))
                    .unwrap_or(&def)
                    .to_owned();
                t.checks.push(CheckDef {
                    name: con_name,
                    expr,
                });
            }
            _ => {}
        }
    }
    for c in &mut t.columns {
        c.primary_key = t.primary_key.contains(&c.name);
    }
    for r in conn.query(INDEXES, &arg)?.rows {
        t.indexes.push(IndexDef {
            name: text(&r[0]).unwrap_or_default(),
            columns: names(&r[2]),
            unique: boolean(&r[1]),
        });
    }
    Ok(t)
}

/// `pg_constraint.confdeltype` / `confupdtype` codes.
fn action(v: &Value) -> FkAction {
    match text(v).as_deref() {
        Some("r") => FkAction::Restrict,
        Some("c") => FkAction::Cascade,
        Some("n") => FkAction::SetNull,
        Some("d") => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}
