//! Dispatch to the dialect's renderer, keeping the schema state in step.

use orm_core::DialectKind;

use super::for_dialect;
use crate::error::{Error, Result};
use crate::ops::{Operation, SchemaState};

/// The statements of one operation on `dialect`, given the schema before it.
///
/// # Errors
///
/// [`Error::InvalidOperation`] when the operation does not fit `state` (SQLite needs the table it
/// rebuilds); [`Error::Unsupported`] for a dialect this crate does not know.
///
/// # Examples
///
/// ```
/// use orm_core::schema::{ColumnDef, ColumnType};
/// use orm_core::DialectKind;
/// use orm_migrate::{ddl, Operation, SchemaState};
///
/// let op = Operation::RenameColumn { table: "t".into(), from: "a".into(), to: "b".into() };
/// let sql = ddl::render(&op, &SchemaState::new(), DialectKind::Postgres)?;
/// assert_eq!(sql, [r#"ALTER TABLE "t" RENAME COLUMN "a" TO "b""#]);
/// # Ok::<(), orm_migrate::Error>(())
/// ```
pub fn render(op: &Operation, state: &SchemaState, dialect: DialectKind) -> Result<Vec<String>> {
    for_dialect(dialect)?.render(op, state)
}

/// The statements of every operation in turn, applying each to `state`.
///
/// On SQLite, consecutive operations that rebuild the same table (a foreign key dropped and added
/// again, say) share one rebuild.
///
/// # Errors
///
/// As [`render`] and [`SchemaState::apply`].
pub fn render_all(
    ops: &[Operation],
    state: &mut SchemaState,
    dialect: DialectKind,
) -> Result<Vec<String>> {
    let backend = for_dialect(dialect)?;
    if dialect == DialectKind::Sqlite {
        for op in ops {
            check_sqlite_types(op)?;
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        let op = &ops[i];
        let Some(table) = backend.rebuilds(op, state).map(str::to_owned) else {
            out.extend(backend.render(op, state)?);
            state.apply(op)?;
            i += 1;
            continue;
        };
        let old = state
            .table(&table)
            .cloned()
            .ok_or_else(|| Error::invalid_op(op, format!("there is no table '{table}'")))?;
        state.apply(op)?;
        i += 1;
        while let Some(next) = ops.get(i) {
            if backend.rebuilds(next, state) != Some(table.as_str()) {
                break;
            }
            state.apply(next)?;
            i += 1;
        }
        let new = state
            .table(&table)
            .ok_or_else(|| Error::invalid_op(op, "the table vanished"))?;
        out.extend(backend.rebuild(&old, new));
    }
    Ok(out)
}

/// The first words of the SQL types SQLite, PostgreSQL and MySQL know. SQLite takes any word as a
/// type (and stores values by the affinity the word suggests), so a type a hand-edited file made
/// up would pass there and fail on the other databases: it is refused here instead.
const KNOWN_TYPES: &[&str] = &[
    "INT",
    "INTEGER",
    "TINYINT",
    "SMALLINT",
    "MEDIUMINT",
    "BIGINT",
    "INT2",
    "INT4",
    "INT8",
    "UNSIGNED",
    "SERIAL",
    "BIGSERIAL",
    "SMALLSERIAL",
    "NUMERIC",
    "DECIMAL",
    "REAL",
    "DOUBLE",
    "FLOAT",
    "FLOAT4",
    "FLOAT8",
    "MONEY",
    "BOOLEAN",
    "BOOL",
    "BIT",
    "VARBIT",
    "CHAR",
    "CHARACTER",
    "VARCHAR",
    "NCHAR",
    "NVARCHAR",
    "NATIVE",
    "VARYING",
    "TEXT",
    "TINYTEXT",
    "MEDIUMTEXT",
    "LONGTEXT",
    "CLOB",
    "CITEXT",
    "BLOB",
    "TINYBLOB",
    "MEDIUMBLOB",
    "LONGBLOB",
    "BYTEA",
    "BINARY",
    "VARBINARY",
    "DATE",
    "TIME",
    "TIMETZ",
    "DATETIME",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "INTERVAL",
    "YEAR",
    "UUID",
    "JSON",
    "JSONB",
    "XML",
    "INET",
    "CIDR",
    "MACADDR",
    "TSVECTOR",
    "ENUM",
    "SET",
    "MACADDR8",
    "TSQUERY",
    "DEC",
    "FIXED",
    "INT1",
    "INT3",
    "MIDDLEINT",
    "LONG",
    "NATIONAL",
    "SERIAL4",
    "SERIAL8",
    "GEOMETRY",
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
    "HSTORE",
    "LTREE",
    "VECTOR",
    "INT4RANGE",
    "INT8RANGE",
    "NUMRANGE",
    "TSRANGE",
    "TSTZRANGE",
    "DATERANGE",
    "OID",
    "BOX",
    "CIRCLE",
    "LINE",
    "LSEG",
    "PATH",
];

fn check_sqlite_types(op: &Operation) -> Result<()> {
    let columns: Vec<&orm_core::schema::ColumnDef> = match op {
        Operation::CreateTable { table } => table.columns.iter().collect(),
        Operation::AddColumn { column, .. } => vec![column],
        _ => Vec::new(),
    };
    let altered = match op {
        Operation::AlterColumn { column, to, .. } => Some((column.as_str(), &to.ty)),
        _ => None,
    };
    let named = columns
        .iter()
        .map(|c| (c.name.as_str(), &c.ty))
        .chain(altered);
    for (column, ty) in named {
        if let orm_core::schema::ColumnType::Custom(spelled) = ty {
            let first: String = spelled
                .trim()
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_uppercase();
            // No type at all (a SQLite column declared without one), and quoted or qualified
            // names (a user-defined PostgreSQL type), are taken as written.
            let unchecked = spelled.trim().is_empty() || spelled.contains(['"', '.']);
            if !unchecked && !KNOWN_TYPES.contains(&first.as_str()) {
                return Err(Error::invalid_op(
                    op,
                    format!(
                        "`{spelled}` (column '{column}') is no SQL type: SQLite would take it \
                         and store values by a guessed affinity, and other databases refuse it; \
                         write the type meant (NUMERIC(20, 0), VARCHAR(40), ...)"
                    ),
                ));
            }
        }
    }
    Ok(())
}
