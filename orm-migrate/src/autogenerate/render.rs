//! What autogenerate detected, in Alembic's words, and warnings for what loses data.

use crate::ops::Operation;
use orm_core::schema::ColumnType;

fn list(columns: &[String]) -> String {
    let quoted: Vec<String> = columns.iter().map(|c| format!("'{c}'")).collect();
    format!("[{}]", quoted.join(", "))
}

/// One line per detected change: `Detected added table 'user'`,
/// `Detected added index 'ix_user_email' on '['email']'`, ...
pub fn detected(ops: &[Operation]) -> Vec<String> {
    use Operation::*;
    let mut out = Vec::new();
    for op in ops {
        match op {
            CreateTable { table } => out.push(format!("Detected added table '{}'", table.name)),
            DropTable { table } => out.push(format!("Detected removed table '{}'", table.name)),
            RenameTable { from, to } => {
                out.push(format!("Detected renamed table '{from}' to '{to}'"))
            }
            AddColumn { table, column } => {
                out.push(format!("Detected added column '{table}.{}'", column.name))
            }
            DropColumn { table, column } => {
                out.push(format!("Detected removed column '{table}.{}'", column.name))
            }
            RenameColumn { table, from, to } => out.push(format!(
                "Detected renamed column '{table}.{from}' to '{table}.{to}'"
            )),
            AlterColumn {
                table,
                column,
                from,
                to,
            } => {
                if from.ty != to.ty {
                    out.push(format!(
                        "Detected type change from {} to {} on '{table}.{column}'",
                        from.ty, to.ty
                    ));
                }
                if from.nullable != to.nullable {
                    let what = if to.nullable { "NULL" } else { "NOT NULL" };
                    out.push(format!("Detected {what} on column '{table}.{column}'"));
                }
                if from.server_default != to.server_default {
                    out.push(format!(
                        "Detected server default change on column '{table}.{column}'"
                    ));
                }
            }
            CreateIndex { index, .. } => out.push(format!(
                "Detected added index '{}' on '{}'",
                index.name,
                list(&index.columns)
            )),
            DropIndex { table, index } => out.push(format!(
                "Detected removed index '{}' on '{table}'",
                index.name
            )),
            AddUnique { unique, .. } => out.push(format!(
                "Detected added unique constraint '{}' on '{}'",
                unique.name,
                list(&unique.columns)
            )),
            DropUnique { table, unique } => out.push(format!(
                "Detected removed unique constraint '{}' on '{table}'",
                unique.name
            )),
            AddForeignKey {
                table,
                foreign_key: fk,
            } => out.push(format!(
                "Detected added foreign key '{}' ({}) -> {}({}) on table '{table}'",
                fk.name,
                fk.columns.join(", "),
                fk.ref_table,
                fk.ref_columns.join(", ")
            )),
            DropForeignKey {
                table,
                foreign_key: fk,
            } => out.push(format!(
                "Detected removed foreign key '{}' on table '{table}'",
                fk.name
            )),
            AddCheck { table, check } => out.push(format!(
                "Detected added check constraint '{}' on '{table}'",
                check.name
            )),
            DropCheck { table, check } => out.push(format!(
                "Detected removed check constraint '{}' on '{table}'",
                check.name
            )),
            Sql { .. } => {}
        }
    }
    out
}

/// One warning per operation that loses data, with what to do if that was not meant.
pub fn warnings(ops: &[Operation]) -> Vec<String> {
    use Operation::*;
    ops.iter()
        .filter_map(|op| match op {
            DropTable { table } => Some(format!(
                "dropping table '{}' deletes its rows; if it was renamed, set `rename_from` on the model",
                table.name
            )),
            DropColumn { table, column } => Some(format!(
                "dropping column '{table}.{}' deletes its data; if it was renamed, set `rename_from` on the field",
                column.name
            )),
            AddColumn { table, column }
                if !column.nullable && column.server_default.is_none() && !column.autoincrement =>
            {
                Some(format!(
                    "adding NOT NULL column '{table}.{}' without a server default fails on a table \
                     that has rows: give it a server_default, or add it nullable, fill it in a \
                     data step (`revision`) and make it NOT NULL in a later migration",
                    column.name
                ))
            }
            AlterColumn {
                table,
                column,
                from,
                to,
            } => {
                let mut said = Vec::new();
                if from.ty != to.ty && !widens(&from.ty, &to.ty) {
                    said.push(format!(
                        "changing the type of '{table}.{column}' from {} to {} may fail on, or \
                         truncate, existing values",
                        from.ty, to.ty
                    ));
                }
                if from.nullable && !to.nullable && to.server_default.is_none() {
                    said.push(format!(
                        "making '{table}.{column}' NOT NULL fails if a row holds NULL there: fill \
                         those rows first (a data step, `revision`)"
                    ));
                }
                (!said.is_empty()).then(|| said.join("; "))
            }
            _ => None,
        })
        .collect()
}

/// Whether every value of `from` fits `to` unchanged: a longer VARCHAR, VARCHAR to TEXT, a wider
/// integer or float.
fn widens(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    let rank = |t: &ColumnType| match t {
        SmallInt => Some(1),
        Integer => Some(2),
        BigInt => Some(3),
        _ => None,
    };
    match (from, to) {
        (Varchar(a), Varchar(b)) => b >= a,
        (Varchar(_), Text) => true,
        (Real, Double) => true,
        _ => matches!((rank(from), rank(to)), (Some(a), Some(b)) if b >= a),
    }
}
