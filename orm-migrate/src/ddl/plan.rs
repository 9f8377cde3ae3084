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
