//! SQLite: what it can do in place (create and drop tables and indexes, rename, add a plain column,
//! drop an unconstrained column) is one statement; everything else rebuilds the table.
//!
//! A rebuild follows SQLite's documented procedure (<https://sqlite.org/lang_altertable.html>,
//! "making other kinds of table schema changes"): create `_orm_tmp_<table>` with the target
//! definition, copy the common columns, drop the old table, rename the new one, re-create the
//! indexes. The foreign keys of other tables keep pointing at the name, so they stay intact.
//!
//! Dropping a table that other tables refer to counts their rows as violations even under
//! `PRAGMA defer_foreign_keys`, and `PRAGMA foreign_keys` cannot change inside a transaction: the
//! runner therefore turns foreign keys off *around* each migration's transaction and runs
//! `PRAGMA foreign_key_check` before committing it (see [`BEGIN`] and [`END`]).

use orm_core::dialect::{Dialect, Sqlite};
use orm_core::schema::{ColumnDef, DefaultExpr, TableDef};

use super::postgres::raw;
use crate::error::{Error, Result};
use crate::ops::{Operation, SchemaState};

/// Run before a migration's `BEGIN`, outside any transaction (where the pragma takes effect).
pub const BEGIN: &str = "PRAGMA foreign_keys = OFF";
/// Run after the migration's `COMMIT` or `ROLLBACK`.
pub const END: &str = "PRAGMA foreign_keys = ON";
/// Run inside the transaction before `COMMIT`; any row it returns is a violation.
pub const CHECK: &str = "PRAGMA foreign_key_check";

/// The prefix of the table a rebuild copies into.
pub const TMP_PREFIX: &str = "_orm_tmp_";

/// The statements of one operation on SQLite, given the schema before it.
///
/// # Errors
///
/// [`Error::InvalidOperation`] when a rebuild is needed and `state` does not hold the table.
pub fn render(op: &Operation, state: &SchemaState) -> Result<Vec<String>> {
    use Operation::*;
    let d = Sqlite;
    let q = |s: &str| d.quoted(s);
    let alter = |table: &str, rest: String| format!("ALTER TABLE {} {rest}", q(table));
    Ok(match op {
        CreateTable { table } => d.create_table_with_indexes(table, &|_| true),
        DropTable { table } => vec![d.drop_table(&table.name)],
        RenameTable { from, to } => vec![alter(from, format!("RENAME TO {}", q(to)))],
        RenameColumn { table, from, to } => {
            vec![alter(
                table,
                format!("RENAME COLUMN {} TO {}", q(from), q(to)),
            )]
        }
        CreateIndex { table, index } => vec![d.create_index(table, index)],
        DropIndex { table, index } => vec![d.drop_index(table, &index.name)],
        AddColumn { table, column } if can_add_in_place(column) => {
            vec![alter(
                table,
                format!("ADD COLUMN {}", d.column_definition(column)),
            )]
        }
        DropColumn { table, column } if can_drop_in_place(state, table, &column.name) => {
            vec![alter(table, format!("DROP COLUMN {}", q(&column.name)))]
        }
        Sql { up, .. } => raw(up),
        _ => {
            let Some(name) = op.table() else {
                return Ok(Vec::new());
            };
            let old = state
                .table(name)
                .ok_or_else(|| Error::invalid_op(op, format!("there is no table '{name}'")))?;
            let mut after = SchemaState::from_tables([old.clone()]);
            after.apply(op)?;
            let new = after
                .table(name)
                .ok_or_else(|| Error::invalid_op(op, "the table vanished"))?;
            rebuild(old, new)
        }
    })
}

/// The table `op` rebuilds, if it needs a rebuild on SQLite (given the schema before it).
pub fn rebuilds<'a>(op: &'a Operation, state: &SchemaState) -> Option<&'a str> {
    use Operation::*;
    match op {
        CreateTable { .. }
        | DropTable { .. }
        | RenameTable { .. }
        | RenameColumn { .. }
        | CreateIndex { .. }
        | DropIndex { .. }
        | Sql { .. } => None,
        AddColumn { column, .. } if can_add_in_place(column) => None,
        DropColumn { table, column } if can_drop_in_place(state, table, &column.name) => None,
        _ => op.table(),
    }
}

/// SQLite's `ADD COLUMN` takes no key, and a NOT NULL column only with a constant default (it fills
/// the existing rows with it).
fn can_add_in_place(column: &ColumnDef) -> bool {
    let constant_default = matches!(
        column.server_default,
        Some(
            DefaultExpr::Bool(_)
                | DefaultExpr::Integer(_)
                | DefaultExpr::Float(_)
                | DefaultExpr::Text(_)
        )
    );
    !column.primary_key
        && (column.nullable || constant_default)
        && (column.server_default.is_none() || constant_default)
}

/// SQLite's `DROP COLUMN` refuses a column that is part of a key, an index, a constraint or a
/// foreign key (either way).
fn can_drop_in_place(state: &SchemaState, table: &str, column: &str) -> bool {
    let Some(t) = state.table(table) else {
        return true;
    };
    let named = |cols: &[String]| cols.iter().any(|c| c == column);
    let referred = state.tables().any(|other| {
        other
            .foreign_keys
            .iter()
            .any(|fk| fk.ref_table == table && named(&fk.ref_columns))
    });
    !(named(&t.primary_key)
        || t.indexes.iter().any(|x| named(&x.columns))
        || t.uniques.iter().any(|x| named(&x.columns))
        || t.foreign_keys.iter().any(|x| named(&x.columns))
        || t.checks.iter().any(|x| x.expr.contains(column))
        || referred)
}

/// Rebuilds `old` as `new` (same name), keeping the rows of the columns both have.
pub fn rebuild(old: &TableDef, new: &TableDef) -> Vec<String> {
    let d = Sqlite;
    let tmp_name = format!("{TMP_PREFIX}{}", new.name);
    let mut tmp = new.clone();
    tmp.name.clone_from(&tmp_name);
    tmp.indexes.clear();
    let common: Vec<String> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_some())
        .map(|c| c.name.clone())
        .collect();
    let mut out = vec![d.create_table(&tmp, &|_| true)];
    if !common.is_empty() {
        let cols = d.quoted_list(&common);
        out.push(format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
            d.quoted(&tmp_name),
            d.quoted(&old.name)
        ));
    }
    out.push(d.drop_table(&old.name));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        d.quoted(&tmp_name),
        d.quoted(&new.name)
    ));
    out.extend(new.indexes.iter().map(|i| d.create_index(&new.name, i)));
    out
}

/// SQLite's migration backend: table rebuilds, foreign keys off around each migration and checked
/// before its commit.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteMigrations;

impl super::MigrationBackend for SqliteMigrations {
    fn render(&self, op: &Operation, state: &SchemaState) -> Result<Vec<String>> {
        render(op, state)
    }

    fn rebuilds<'a>(&self, op: &'a Operation, state: &SchemaState) -> Option<&'a str> {
        rebuilds(op, state)
    }

    fn rebuild(&self, old: &TableDef, new: &TableDef) -> Vec<String> {
        rebuild(old, new)
    }

    fn reflect(&self, conn: &mut orm_core::Connection) -> Result<Vec<TableDef>> {
        crate::reflect::sqlite::reflect(conn)
    }

    fn before_migration(&self) -> Option<&'static str> {
        Some(BEGIN)
    }

    fn after_migration(&self) -> Option<&'static str> {
        Some(END)
    }

    fn foreign_key_check_sql(&self) -> Option<&'static str> {
        Some(CHECK)
    }
}

#[cfg(test)]
mod tests {
    use orm_core::schema::{ColumnType, IndexDef};

    use super::*;
    use crate::ops::ColumnState;

    fn products() -> TableDef {
        let mut t = TableDef::new("products");
        t.columns = vec![
            ColumnDef::new("id", ColumnType::Integer).autoincrement_primary_key(),
            ColumnDef::new("name", ColumnType::Varchar(50)).nullable(true),
        ];
        t.primary_key = vec!["id".into()];
        t.indexes = vec![IndexDef {
            name: "ix_products_name".into(),
            columns: vec!["name".into()],
            unique: false,
        }];
        t
    }

    #[test]
    fn plain_columns_are_added_and_dropped_in_place() -> Result<()> {
        let state = SchemaState::from_tables([products()]);
        let add = Operation::AddColumn {
            table: "products".into(),
            column: ColumnDef::new("price", ColumnType::Integer).nullable(true),
        };
        assert_eq!(
            render(&add, &state)?,
            [r#"ALTER TABLE "products" ADD COLUMN "price" INTEGER"#]
        );
        let mut after = state.clone();
        after.apply(&add)?;
        assert_eq!(
            render(&add.reverse(), &after)?,
            [r#"ALTER TABLE "products" DROP COLUMN "price""#]
        );
        Ok(())
    }

    #[test]
    fn altering_a_column_rebuilds_the_table_with_its_indexes() -> Result<()> {
        let state = SchemaState::from_tables([products()]);
        let op = Operation::AlterColumn {
            table: "products".into(),
            column: "name".into(),
            from: ColumnState {
                ty: ColumnType::Varchar(50),
                nullable: true,
                server_default: None,
            },
            to: ColumnState {
                ty: ColumnType::Text,
                nullable: false,
                server_default: None,
            },
        };
        assert_eq!(
            render(&op, &state)?,
            [
                "CREATE TABLE \"_orm_tmp_products\" (\n\t\"id\" INTEGER NOT NULL,\n\t\"name\" TEXT NOT NULL,\n\tPRIMARY KEY (\"id\")\n)",
                r#"INSERT INTO "_orm_tmp_products" ("id", "name") SELECT "id", "name" FROM "products""#,
                r#"DROP TABLE "products""#,
                r#"ALTER TABLE "_orm_tmp_products" RENAME TO "products""#,
                r#"CREATE INDEX "ix_products_name" ON "products" ("name")"#,
            ]
        );
        Ok(())
    }

    #[test]
    fn an_indexed_column_is_dropped_by_a_rebuild() -> Result<()> {
        let state = SchemaState::from_tables([products()]);
        let op = Operation::DropColumn {
            table: "products".into(),
            column: ColumnDef::new("name", ColumnType::Varchar(50)).nullable(true),
        };
        let sql = render(&op, &state)?;
        assert_eq!(sql.len(), 4, "{sql:?}");
        assert_eq!(
            sql[1],
            r#"INSERT INTO "_orm_tmp_products" ("id") SELECT "id" FROM "products""#
        );
        Ok(())
    }
}
