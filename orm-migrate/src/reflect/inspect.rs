//! The dispatch to each backend's reflection, and what both share.

use orm_core::schema::{ColumnType, DefaultExpr, TableDef};
use orm_core::value::Value;
use orm_core::Connection;

use crate::ddl::sqlite::TMP_PREFIX;
use crate::error::Result;

/// The tables of the connected database (the current schema on PostgreSQL), sorted by name; the
/// version table and leftovers of an interrupted SQLite rebuild are left out.
///
/// # Errors
///
/// A database error, or [`crate::Error::Unsupported`] for a backend this crate does not know.
///
/// # Examples
///
/// ```
/// let engine = orm_core::Engine::connect("sqlite::memory:")?;
/// let mut conn = engine.connection()?;
/// conn.batch_execute("CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20))")?;
/// let tables = orm_migrate::reflect::reflect(&mut conn)?;
/// assert_eq!(tables[0].columns[1].ty, orm_core::schema::ColumnType::Varchar(20));
/// # Ok::<(), orm_migrate::Error>(())
/// ```
pub fn reflect(conn: &mut Connection) -> Result<Vec<TableDef>> {
    crate::ddl::for_dialect(conn.dialect().kind())?.reflect(conn)
}

/// True for the tables the migration tool keeps for itself.
pub fn is_internal_table(name: &str) -> bool {
    name == crate::runner::VERSION_TABLE
        || name == crate::runner::PROGRESS_TABLE
        || name.starts_with(TMP_PREFIX)
}

/// Every table `list` (a query of table names) names, but the tool's own, read by `table`.
pub(crate) fn reflect_each(
    conn: &mut Connection,
    list: &str,
    table: fn(&mut Connection, &str) -> Result<TableDef>,
) -> Result<Vec<TableDef>> {
    let rows = conn.query(list, &[])?;
    let mut tables = Vec::new();
    for row in rows.rows {
        if let Some(name) = text(&row[0]).filter(|n| !is_internal_table(n)) {
            tables.push(table(conn, &name)?);
        }
    }
    Ok(tables)
}

/// A server default as the database reports it (`CURRENT_TIMESTAMP`, `now()`, `'x'::text`, `0`,
/// `true`) back to a [`DefaultExpr`], reading 0/1 as booleans for a BOOLEAN column.
///
/// # Examples
///
/// ```
/// use orm_core::schema::{ColumnType, DefaultExpr};
/// use orm_migrate::reflect::parse_default;
///
/// assert_eq!(parse_default("'it''s'::character varying", &ColumnType::Text), DefaultExpr::Text("it's".into()));
/// assert_eq!(parse_default("1", &ColumnType::Boolean), DefaultExpr::Bool(true));
/// ```
pub fn parse_default(sql: &str, ty: &ColumnType) -> DefaultExpr {
    let mut s = sql.trim();
    // PostgreSQL adds a cast to literals: `'abc'::character varying`, `'-1'::integer`.
    if let Some(i) = s.rfind("::") {
        if s.starts_with('\'') && s[..i].ends_with('\'') {
            s = &s[..i];
        }
    }
    let upper = s.to_ascii_uppercase();
    match upper.as_str() {
        "CURRENT_TIMESTAMP" | "NOW()" | "CURRENT_TIMESTAMP()" => {
            return DefaultExpr::CurrentTimestamp
        }
        "TRUE" => return DefaultExpr::Bool(true),
        "FALSE" => return DefaultExpr::Bool(false),
        _ => {}
    }
    if let Some(inner) = s.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        let text = inner.replace("''", "'");
        return match ty {
            t if t.is_integer() => text
                .parse()
                .map(DefaultExpr::Integer)
                .unwrap_or(DefaultExpr::Text(text)),
            _ => DefaultExpr::Text(text),
        };
    }
    let unwrapped = s
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(s);
    if let Ok(i) = unwrapped.parse::<i64>() {
        return match ty {
            ColumnType::Boolean => DefaultExpr::Bool(i != 0),
            _ => DefaultExpr::Integer(i),
        };
    }
    if let Ok(f) = unwrapped.parse::<f64>() {
        return DefaultExpr::Float(f);
    }
    DefaultExpr::Sql(unwrapped.to_owned())
}

/// The text of a catalog value.
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        _ => None,
    }
}

/// An integer catalog value.
pub(crate) fn int(v: &Value) -> i64 {
    match v {
        Value::I16(i) => (*i).into(),
        Value::I32(i) => (*i).into(),
        Value::I64(i) => *i,
        Value::Bool(b) => (*b).into(),
        _ => 0,
    }
}

/// A boolean catalog value (SQLite reports integers).
pub(crate) fn boolean(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        other => int(other) != 0,
    }
}

/// A comma-separated list of names as a vector.
pub(crate) fn names(v: &Value) -> Vec<String> {
    text(v)
        .map(|s| {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
