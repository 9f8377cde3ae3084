//! Dispatch to the dialect's renderer, keeping the schema state in step.

use orm_core::DialectKind;

use super::{postgres, sqlite};
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
    match dialect {
        DialectKind::Sqlite => sqlite::render(op, state),
        DialectKind::Postgres => postgres::render(op),
        other => Err(Error::Unsupported(format!(
            "migrations for the {other:?} dialect"
        ))),
    }
}

/// The statements of every operation in turn, applying each to `state`.
///
/// # Errors
///
/// As [`render`] and [`SchemaState::apply`].
pub fn render_all(
    ops: &[Operation],
    state: &mut SchemaState,
    dialect: DialectKind,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for op in ops {
        out.extend(render(op, state, dialect)?);
        state.apply(op)?;
    }
    Ok(out)
}
