//! MySQL and MariaDB: every operation is an `ALTER TABLE` (or `CREATE`/`DROP`/`RENAME`), run in
//! place. MySQL commits each DDL statement as it runs, so a migration cannot be rolled back as a
//! whole: the runner records its progress operation by operation instead (see
//! [`super::MigrationBackend::transactional_ddl`]).

use orm_core::dialect::{Dialect, MySql};
use orm_core::schema::{ColumnDef, TableDef};

use crate::error::{Error, Result};
use crate::ops::{Operation, SchemaState};

/// The statements of one operation on MySQL, given the schema before it (a column's definition is
/// restated whole by `MODIFY`, and an index on a long text column takes a prefix).
///
/// # Errors
///
/// [`Error::InvalidOperation`] for an `AlterColumn` of a column `state` does not have.
pub fn render(op: &Operation, state: &SchemaState) -> Result<Vec<String>> {
    use Operation::*;
    let d = MySql::MYSQL8;
    let q = |s: &str| d.quoted(s);
    let alter = |table: &str, rest: String| format!("ALTER TABLE {} {rest}", q(table));
    let table_def = |name: &str| {
        state
            .table(name)
            .cloned()
            .unwrap_or_else(|| TableDef::new(name))
    };
    Ok(match op {
        CreateTable { table } => {
            table.check_identifiers(&d)?;
            d.create_table_with_indexes(table, &|_| true)
        }
        DropTable { table } => vec![d.drop_table(&table.name)],
        RenameTable { from, to } => vec![format!("RENAME TABLE {} TO {}", q(from), q(to))],
        AddColumn { table, column } => {
            vec![alter(
                table,
                format!("ADD COLUMN {}", d.column_definition(column)),
            )]
        }
        DropColumn { table, column } => {
            vec![alter(table, format!("DROP COLUMN {}", q(&column.name)))]
        }
        AlterColumn {
            table,
            column,
            from: _,
            to,
        } => {
            let current = state
                .table(table)
                .and_then(|t| t.columns.iter().find(|c| &c.name == column))
                .ok_or_else(|| {
                    Error::invalid_op(op, format!("there is no column '{table}.{column}'"))
                })?;
            let mut new: ColumnDef = current.clone();
            new.ty = to.ty.clone();
            new.nullable = to.nullable;
            new.server_default = to.server_default.clone();
            vec![alter(
                table,
                format!("MODIFY COLUMN {}", d.column_definition(&new)),
            )]
        }
        RenameColumn { table, from, to } => {
            vec![alter(
                table,
                format!("RENAME COLUMN {} TO {}", q(from), q(to)),
            )]
        }
        CreateIndex { table, index } => vec![d.create_index_on(&table_def(table), index)],
        DropIndex { table, index } => {
            // A foreign key needs an index on its columns, and MySQL refuses to drop the last one:
            // the key is dropped and added again with it, and makes an index of its own.
            let t = table_def(table);
            let needs = t.foreign_keys.iter().filter(|fk| {
                index.columns.starts_with(&fk.columns)
                    && !t.indexes.iter().any(|other| {
                        other.name != index.name && other.columns.starts_with(&fk.columns)
                    })
            });
            let mut parts: Vec<String> = needs
                .clone()
                .map(|fk| format!("DROP FOREIGN KEY {}", q(&fk.name)))
                .collect();
            parts.push(format!("DROP INDEX {}", q(&index.name)));
            // Added back by a statement of its own: MySQL cannot reuse the name in the same one.
            std::iter::once(alter(table, parts.join(", ")))
                .chain(
                    needs.map(|fk| alter(table, format!("ADD {}", d.foreign_key_constraint(fk)))),
                )
                .collect()
        }
        AddUnique { table, unique } => {
            let index = orm_core::schema::IndexDef {
                name: unique.name.clone(),
                columns: unique.columns.clone(),
                unique: true,
            };
            // A unique constraint is a unique index in MySQL; this spelling takes key prefixes.
            vec![d.create_index_on(&table_def(table), &index)]
        }
        AddForeignKey { table, foreign_key } => vec![d.add_foreign_key(table, foreign_key)?],
        AddCheck { table, check } => {
            vec![alter(table, format!("ADD {}", d.check_constraint(check)))]
        }
        DropUnique { table, unique } => vec![d.drop_index(table, &unique.name)],
        DropForeignKey { table, foreign_key } => {
            vec![alter(
                table,
                format!("DROP FOREIGN KEY {}", q(&foreign_key.name)),
            )]
        }
        DropCheck { table, check } => {
            vec![alter(table, format!("DROP CONSTRAINT {}", q(&check.name)))]
        }
        Sql { up, .. } => super::postgres::raw(up),
    })
}

/// MySQL's and MariaDB's migration backend: in place, one operation at a time (DDL commits
/// implicitly), with a named lock per database for concurrent migrators.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySqlMigrations;

impl super::MigrationBackend for MySqlMigrations {
    fn render(&self, op: &Operation, state: &SchemaState) -> Result<Vec<String>> {
        render(op, state)
    }

    fn reflect(&self, conn: &mut orm_core::Connection) -> Result<Vec<TableDef>> {
        crate::reflect::mysql::reflect(conn)
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    /// A lock named after the database, held by the migrator's connection (not by a transaction,
    /// which DDL would end) for one migration; `GET_LOCK` answers 1 once it has it, within 60 s.
    fn session_lock(&self) -> Option<(&'static str, &'static str)> {
        Some((
            "SELECT GET_LOCK(CONCAT('orm_version.', MD5(DATABASE())), 60)",
            "DO RELEASE_LOCK(CONCAT('orm_version.', MD5(DATABASE())))",
        ))
    }
}

#[cfg(test)]
mod tests {
    use orm_core::schema::{ColumnType, DefaultExpr, UniqueDef};

    use super::*;
    use crate::ops::ColumnState;

    #[test]
    fn alter_column_restates_the_column_and_keeps_its_key() -> Result<()> {
        let mut t = TableDef::new("user");
        t.columns = vec![
            ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key(),
            ColumnDef::new("email", ColumnType::Varchar(120)).nullable(true),
        ];
        t.primary_key = vec!["id".into()];
        let state = SchemaState::from_tables(vec![t]);
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
            render(&op, &state)?,
            ["ALTER TABLE `user` MODIFY COLUMN `email` LONGTEXT DEFAULT ('none') NOT NULL"]
        );
        let unique = Operation::AddUnique {
            table: "user".into(),
            unique: UniqueDef {
                name: "uq_user_email".into(),
                columns: vec!["email".into()],
            },
        };
        assert_eq!(
            render(&unique, &state)?,
            ["CREATE UNIQUE INDEX `uq_user_email` ON `user` (`email`)"]
        );
        assert_eq!(
            render(&unique.reverse(), &state)?,
            ["DROP INDEX `uq_user_email` ON `user`"]
        );
        let rename = Operation::RenameTable {
            from: "user".into(),
            to: "account".into(),
        };
        assert_eq!(
            render(&rename, &state)?,
            ["RENAME TABLE `user` TO `account`"]
        );
        Ok(())
    }
}
