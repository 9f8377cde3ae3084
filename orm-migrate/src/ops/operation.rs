//! [`Operation`]: one dialect-neutral schema change, and its reverse.

use std::fmt;

use orm_core::schema::{
    CheckDef, ColumnDef, ColumnType, DefaultExpr, ForeignKeyDef, IndexDef, TableDef, UniqueDef,
};
use serde::{Deserialize, Serialize};

use super::spec;

/// One schema change, as stored in a migration file (`op = "add_column"`, ...).
///
/// Every operation keeps what its reverse needs (a dropped column keeps its definition), so the
/// downgrade of a list of operations is the reverse of each, in reverse order.
///
/// # Examples
///
/// ```
/// use orm_core::schema::{ColumnDef, ColumnType};
/// use orm_migrate::ops::Operation;
///
/// let add = Operation::AddColumn {
///     table: "products".into(),
///     column: ColumnDef::new("price", ColumnType::Integer).nullable(true),
/// };
/// assert!(matches!(add.reverse(), Operation::DropColumn { .. }));
/// assert_eq!(add.reverse().reverse(), add);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Operation {
    /// `CREATE TABLE`, with the table's indexes if it lists any.
    CreateTable {
        /// The new table.
        #[serde(with = "spec::table")]
        table: TableDef,
    },
    /// `DROP TABLE`; the definition is kept for the reverse.
    DropTable {
        /// The dropped table as it was.
        #[serde(with = "spec::table")]
        table: TableDef,
    },
    /// `ALTER TABLE ... RENAME TO`.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `ALTER TABLE ... ADD COLUMN`.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        #[serde(with = "spec::column")]
        column: ColumnDef,
    },
    /// `ALTER TABLE ... DROP COLUMN`; the definition is kept for the reverse.
    DropColumn {
        /// The table.
        table: String,
        /// The dropped column as it was.
        #[serde(with = "spec::column")]
        column: ColumnDef,
    },
    /// A change of type, nullability or server default.
    AlterColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Before.
        from: ColumnState,
        /// After.
        to: ColumnState,
    },
    /// `ALTER TABLE ... RENAME COLUMN`.
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `CREATE INDEX`.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        #[serde(with = "spec::index")]
        index: IndexDef,
    },
    /// `DROP INDEX`; the definition is kept for the reverse.
    DropIndex {
        /// The table.
        table: String,
        /// The dropped index.
        #[serde(with = "spec::index")]
        index: IndexDef,
    },
    /// Adds a named UNIQUE constraint.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint.
        #[serde(with = "spec::unique")]
        unique: UniqueDef,
    },
    /// Drops a named UNIQUE constraint.
    DropUnique {
        /// The table.
        table: String,
        /// The dropped constraint.
        #[serde(with = "spec::unique")]
        unique: UniqueDef,
    },
    /// Adds a foreign key.
    AddForeignKey {
        /// The referring table.
        table: String,
        /// The foreign key.
        #[serde(with = "spec::foreign_key")]
        foreign_key: ForeignKeyDef,
    },
    /// Drops a foreign key.
    DropForeignKey {
        /// The referring table.
        table: String,
        /// The dropped foreign key.
        #[serde(with = "spec::foreign_key")]
        foreign_key: ForeignKeyDef,
    },
    /// Adds a CHECK constraint.
    AddCheck {
        /// The table.
        table: String,
        /// The constraint.
        #[serde(with = "spec::check")]
        check: CheckDef,
    },
    /// Drops a CHECK constraint.
    DropCheck {
        /// The table.
        table: String,
        /// The dropped constraint.
        #[serde(with = "spec::check")]
        check: CheckDef,
    },
    /// Raw SQL for data moves, with the SQL that undoes it (none: the downgrade does nothing).
    Sql {
        /// Run on upgrade.
        up: String,
        /// Run on downgrade.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        down: Option<String>,
    },
}

/// What [`Operation::AlterColumn`] changes: the column's type, nullability and server default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnState {
    /// The type.
    #[serde(rename = "type", with = "spec::column_type")]
    pub ty: ColumnType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// The server default.
    #[serde(
        default,
        with = "spec::server_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub server_default: Option<DefaultExpr>,
}

impl ColumnState {
    /// The state of `column`.
    pub fn of(column: &ColumnDef) -> Self {
        ColumnState {
            ty: column.ty.clone(),
            nullable: column.nullable,
            server_default: column.server_default.clone(),
        }
    }

    /// Writes this state into `column`.
    pub fn apply_to(&self, column: &mut ColumnDef) {
        column.ty = self.ty.clone();
        column.nullable = self.nullable;
        column.server_default = self.server_default.clone();
    }
}

impl Operation {
    /// The operation that undoes this one.
    pub fn reverse(&self) -> Operation {
        use Operation::*;
        match self.clone() {
            CreateTable { table } => DropTable { table },
            DropTable { table } => CreateTable { table },
            RenameTable { from, to } => RenameTable { from: to, to: from },
            AddColumn { table, column } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn { table, column },
            AlterColumn {
                table,
                column,
                from,
                to,
            } => AlterColumn {
                table,
                column,
                from: to,
                to: from,
            },
            RenameColumn { table, from, to } => RenameColumn {
                table,
                from: to,
                to: from,
            },
            CreateIndex { table, index } => DropIndex { table, index },
            DropIndex { table, index } => CreateIndex { table, index },
            AddUnique { table, unique } => DropUnique { table, unique },
            DropUnique { table, unique } => AddUnique { table, unique },
            AddForeignKey { table, foreign_key } => DropForeignKey { table, foreign_key },
            DropForeignKey { table, foreign_key } => AddForeignKey { table, foreign_key },
            AddCheck { table, check } => DropCheck { table, check },
            DropCheck { table, check } => AddCheck { table, check },
            Sql { up, down } => Sql {
                up: down.unwrap_or_default(),
                down: Some(up),
            },
        }
    }

    /// The downgrade of `ops`: the reverse of each, in reverse order.
    pub fn reverse_all(ops: &[Operation]) -> Vec<Operation> {
        ops.iter().rev().map(Operation::reverse).collect()
    }

    /// True when the operation loses data (a dropped table or column, a narrowed type).
    pub fn is_destructive(&self) -> bool {
        match self {
            Operation::DropTable { .. } | Operation::DropColumn { .. } => true,
            Operation::AlterColumn { from, to, .. } => from.ty != to.ty,
            _ => false,
        }
    }

    /// The table the operation changes (the new name for a rename; none for raw SQL).
    pub fn table(&self) -> Option<&str> {
        use Operation::*;
        match self {
            CreateTable { table } | DropTable { table } => Some(&table.name),
            RenameTable { to, .. } => Some(to),
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | AlterColumn { table, .. }
            | RenameColumn { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. } => Some(table),
            Sql { .. } => None,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Operation::*;
        match self {
            CreateTable { table } => write!(f, "create table '{}'", table.name),
            DropTable { table } => write!(f, "drop table '{}'", table.name),
            RenameTable { from, to } => write!(f, "rename table '{from}' to '{to}'"),
            AddColumn { table, column } => write!(f, "add column '{table}.{}'", column.name),
            DropColumn { table, column } => write!(f, "drop column '{table}.{}'", column.name),
            AlterColumn { table, column, .. } => write!(f, "alter column '{table}.{column}'"),
            RenameColumn { table, from, to } => {
                write!(f, "rename column '{table}.{from}' to '{to}'")
            }
            CreateIndex { table, index } => write!(f, "create index '{}' on '{table}'", index.name),
            DropIndex { table, index } => write!(f, "drop index '{}' on '{table}'", index.name),
            AddUnique { table, unique } => write!(f, "add unique '{}' on '{table}'", unique.name),
            DropUnique { table, unique } => write!(f, "drop unique '{}' on '{table}'", unique.name),
            AddForeignKey { table, foreign_key } => {
                write!(f, "add foreign key '{}' on '{table}'", foreign_key.name)
            }
            DropForeignKey { table, foreign_key } => {
                write!(f, "drop foreign key '{}' on '{table}'", foreign_key.name)
            }
            AddCheck { table, check } => write!(f, "add check '{}' on '{table}'", check.name),
            DropCheck { table, check } => write!(f, "drop check '{}' on '{table}'", check.name),
            Sql { .. } => f.write_str("execute sql"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn products() -> TableDef {
        let mut t = TableDef::new("products");
        t.columns = vec![
            ColumnDef::new("id", ColumnType::Integer).autoincrement_primary_key(),
            ColumnDef::new("name", ColumnType::Varchar(50)).nullable(true),
        ];
        t.primary_key = vec!["id".into()];
        t
    }

    #[test]
    fn every_reverse_reverses_back() {
        let ops = [
            Operation::CreateTable { table: products() },
            Operation::RenameTable {
                from: "a".into(),
                to: "b".into(),
            },
            Operation::AlterColumn {
                table: "t".into(),
                column: "c".into(),
                from: ColumnState {
                    ty: ColumnType::Integer,
                    nullable: true,
                    server_default: None,
                },
                to: ColumnState {
                    ty: ColumnType::BigInt,
                    nullable: false,
                    server_default: Some(DefaultExpr::Integer(0)),
                },
            },
            Operation::Sql {
                up: "UPDATE t SET a = 1".into(),
                down: Some("UPDATE t SET a = 0".into()),
            },
        ];
        for op in ops {
            assert_ne!(op.reverse(), op);
            assert_eq!(op.reverse().reverse(), op);
        }
    }

    #[test]
    fn reverse_all_reverses_the_order() {
        let ops = vec![
            Operation::CreateTable { table: products() },
            Operation::CreateIndex {
                table: "products".into(),
                index: IndexDef {
                    name: "ix_products_name".into(),
                    columns: vec!["name".into()],
                    unique: false,
                },
            },
        ];
        let down = Operation::reverse_all(&ops);
        assert!(matches!(down[0], Operation::DropIndex { .. }));
        assert!(matches!(down[1], Operation::DropTable { .. }));
        assert!(down[1].is_destructive());
    }

    #[test]
    fn operations_round_trip_through_toml() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct File {
            upgrade: Vec<Operation>,
        }
        let mut table = products();
        table.columns[1].server_default = Some(DefaultExpr::CurrentTimestamp);
        let file = File {
            upgrade: vec![
                Operation::CreateTable { table },
                Operation::AddColumn {
                    table: "products".into(),
                    column: ColumnDef::new("price", ColumnType::Integer)
                        .server_default(DefaultExpr::Integer(0)),
                },
            ],
        };
        let text = toml::to_string(&file).unwrap();
        assert!(text.contains("op = \"create_table\""), "{text}");
        assert!(text.contains("type = \"VARCHAR(50)\""), "{text}");
        assert!(
            text.contains("server_default = \"current_timestamp\""),
            "{text}"
        );
        assert_eq!(toml::from_str::<File>(&text).unwrap(), file);
    }
}
