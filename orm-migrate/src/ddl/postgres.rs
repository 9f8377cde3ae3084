//! PostgreSQL: every operation is an `ALTER TABLE` (or `CREATE`/`DROP`), run in place.

use orm_core::dialect::{Dialect, Postgres};

use crate::error::Result;
use crate::ops::Operation;

/// The statements of one operation on PostgreSQL.
///
/// # Errors
///
/// Never for the operations this crate knows; the signature matches the SQLite renderer.
pub fn render(op: &Operation) -> Result<Vec<String>> {
    use Operation::*;
    let d = Postgres;
    let q = |s: &str| d.quoted(s);
    let alter = |table: &str, rest: String| format!("ALTER TABLE {} {rest}", q(table));
    Ok(match op {
        CreateTable { table } => d.create_table_with_indexes(table, &|_| true),
        DropTable { table } => vec![d.drop_table(&table.name)],
        RenameTable { from, to } => vec![alter(from, format!("RENAME TO {}", q(to)))],
        AddColumn { table, column } => d
            .create_type(&column.ty)
            .into_iter()
            .chain(std::iter::once(alter(
                table,
                format!("ADD COLUMN {}", d.column_definition(column)),
            )))
            .collect(),
        DropColumn { table, column } => {
            vec![alter(table, format!("DROP COLUMN {}", q(&column.name)))]
        }
        AlterColumn {
            table,
            column,
            from,
            to,
        } => {
            let col = q(column);
            let mut out = Vec::new();
            if from.ty != to.ty {
                out.extend(d.create_type(&to.ty));
                let ty = d.column_type(&to.ty);
                out.push(alter(
                    table,
                    format!("ALTER COLUMN {col} TYPE {ty} USING {col}::{ty}"),
                ));
            }
            if from.nullable != to.nullable {
                let change = if to.nullable { "DROP" } else { "SET" };
                out.push(alter(
                    table,
                    format!("ALTER COLUMN {col} {change} NOT NULL"),
                ));
            }
            if from.server_default != to.server_default {
                out.push(alter(
                    table,
                    match &to.server_default {
                        Some(default) => {
                            format!("ALTER COLUMN {col} SET DEFAULT {}", d.default_sql(default))
                        }
                        None => format!("ALTER COLUMN {col} DROP DEFAULT"),
                    },
                ));
            }
            out
        }
        RenameColumn { table, from, to } => {
            vec![alter(
                table,
                format!("RENAME COLUMN {} TO {}", q(from), q(to)),
            )]
        }
        CreateIndex { table, index } => vec![d.create_index(table, index)],
        DropIndex { table, index } => vec![d.drop_index(table, &index.name)],
        AddUnique { table, unique } => {
            vec![alter(table, format!("ADD {}", d.unique_constraint(unique)))]
        }
        AddForeignKey { table, foreign_key } => vec![d.add_foreign_key(table, foreign_key)?],
        AddCheck { table, check } => {
            vec![alter(table, format!("ADD {}", d.check_constraint(check)))]
        }
        DropUnique { table, unique } => vec![drop_constraint(table, &unique.name)],
        DropForeignKey { table, foreign_key } => vec![drop_constraint(table, &foreign_key.name)],
        DropCheck { table, check } => vec![drop_constraint(table, &check.name)],
        Sql { up, .. } => raw(up),
    })
}

fn drop_constraint(table: &str, name: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        Postgres.quoted(table),
        Postgres.quoted(name)
    )
}

/// Raw SQL as written; nothing for an empty statement (a data move without a reverse).
pub(crate) fn raw(sql: &str) -> Vec<String> {
    let sql = sql.trim();
    if sql.is_empty() {
        Vec::new()
    } else {
        vec![sql.to_owned()]
    }
}

/// PostgreSQL's migration backend: everything in place, transactional DDL, an advisory lock per
/// schema for concurrent migrators.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresMigrations;

impl super::MigrationBackend for PostgresMigrations {
    fn render(&self, op: &Operation, _state: &crate::ops::SchemaState) -> Result<Vec<String>> {
        render(op)
    }

    fn reflect(&self, conn: &mut orm_core::Connection) -> Result<Vec<orm_core::schema::TableDef>> {
        crate::reflect::postgres::reflect(conn)
    }

    /// Serialises migrators on this schema's version table until the transaction ends.
    fn lock_sql(&self) -> Option<&'static str> {
        Some("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.orm_version'))")
    }
}

#[cfg(test)]
mod tests {
    use orm_core::schema::{ColumnDef, ColumnType, DefaultExpr, UniqueDef};

    use super::*;
    use crate::ops::ColumnState;

    #[test]
    fn alter_column_renders_one_statement_per_change() -> Result<()> {
        let op = Operation::AlterColumn {
            table: "user".into(),
            column: "email".into(),
            from: ColumnState {
                ty: ColumnType::Varchar(120),
                nullable: true,
                server_default: None,
            },
            to: ColumnState {
                ty: ColumnType::Text,
                nullable: false,
                server_default: Some(DefaultExpr::Text("none".into())),
            },
        };
        assert_eq!(
            render(&op)?,
            [
                r#"ALTER TABLE "user" ALTER COLUMN "email" TYPE TEXT USING "email"::TEXT"#,
                r#"ALTER TABLE "user" ALTER COLUMN "email" SET NOT NULL"#,
                r#"ALTER TABLE "user" ALTER COLUMN "email" SET DEFAULT 'none'"#,
            ]
        );
        assert_eq!(
            render(&op.reverse())?,
            [
                r#"ALTER TABLE "user" ALTER COLUMN "email" TYPE VARCHAR(120) USING "email"::VARCHAR(120)"#,
                r#"ALTER TABLE "user" ALTER COLUMN "email" DROP NOT NULL"#,
                r#"ALTER TABLE "user" ALTER COLUMN "email" DROP DEFAULT"#,
            ]
        );
        Ok(())
    }

    #[test]
    fn columns_and_constraints_are_altered_in_place() -> Result<()> {
        let add = Operation::AddColumn {
            table: "products".into(),
            column: ColumnDef::new("price", ColumnType::Integer).nullable(true),
        };
        assert_eq!(
            render(&add)?,
            [r#"ALTER TABLE "products" ADD COLUMN "price" INTEGER"#]
        );
        assert_eq!(
            render(&add.reverse())?,
            [r#"ALTER TABLE "products" DROP COLUMN "price""#]
        );
        let unique = Operation::AddUnique {
            table: "t".into(),
            unique: UniqueDef {
                name: "uq_t_a".into(),
                columns: vec!["a".into()],
            },
        };
        assert_eq!(
            render(&unique)?,
            [r#"ALTER TABLE "t" ADD CONSTRAINT "uq_t_a" UNIQUE ("a")"#]
        );
        assert_eq!(
            render(&unique.reverse())?,
            [r#"ALTER TABLE "t" DROP CONSTRAINT "uq_t_a""#]
        );
        Ok(())
    }
}
