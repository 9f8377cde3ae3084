//! [`SchemaState`]: the tables as a list of operations leaves them.

use std::collections::BTreeMap;

use orm_core::schema::{Metadata, TableDef};

use super::Operation;
use crate::error::{Error, Result};

/// A set of tables that operations are applied to, one by one: the schema the migration history
/// builds (so autogenerate needs no database), and what the SQLite renderer reads to rebuild a table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaState {
    tables: BTreeMap<String, TableDef>,
}

impl SchemaState {
    /// An empty schema.
    pub fn new() -> Self {
        SchemaState::default()
    }

    /// A schema of the given tables.
    pub fn from_tables(tables: impl IntoIterator<Item = TableDef>) -> Self {
        SchemaState {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
        }
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables.get(name)
    }

    /// The tables, by name.
    pub fn tables(&self) -> impl Iterator<Item = &TableDef> {
        self.tables.values()
    }

    /// The tables in foreign-key order.
    ///
    /// # Errors
    ///
    /// Never in practice: names are unique here.
    pub fn to_metadata(&self) -> Result<Metadata> {
        Ok(Metadata::from_tables(self.tables.values().cloned())?)
    }

    /// Applies every operation in turn.
    ///
    /// # Errors
    ///
    /// As [`SchemaState::apply`].
    pub fn apply_all<'a>(&mut self, ops: impl IntoIterator<Item = &'a Operation>) -> Result<()> {
        ops.into_iter().try_for_each(|op| self.apply(op))
    }

    fn get_mut(&mut self, op: &Operation, name: &str) -> Result<&mut TableDef> {
        self.tables
            .get_mut(name)
            .ok_or_else(|| Error::invalid_op(op, format!("there is no table '{name}'")))
    }

    /// Applies one operation.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOperation`] when the operation does not fit: a table or column that is missing,
    /// or one that already exists.
    pub fn apply(&mut self, op: &Operation) -> Result<()> {
        use Operation::*;
        match op {
            CreateTable { table } => {
                if self.tables.contains_key(&table.name) {
                    return Err(Error::invalid_op(op, "the table exists already"));
                }
                self.tables.insert(table.name.clone(), table.clone());
            }
            DropTable { table } => {
                self.get_mut(op, &table.name)?;
                self.tables.remove(&table.name);
            }
            RenameTable { from, to } => {
                if self.tables.contains_key(to) {
                    return Err(Error::invalid_op(
                        op,
                        format!("table '{to}' exists already"),
                    ));
                }
                let mut t = self.get_mut(op, from)?.clone();
                self.tables.remove(from);
                t.name.clone_from(to);
                self.tables.insert(to.clone(), t);
                for other in self.tables.values_mut() {
                    for fk in &mut other.foreign_keys {
                        if fk.ref_table == *from {
                            fk.ref_table.clone_from(to);
                        }
                    }
                }
            }
            AddColumn { table, column } => {
                let t = self.get_mut(op, table)?;
                if t.column(&column.name).is_some() {
                    return Err(Error::invalid_op(op, "the column exists already"));
                }
                t.columns.push(column.clone());
                if column.primary_key {
                    t.primary_key.push(column.name.clone());
                }
            }
            DropColumn { table, column } => {
                let t = self.get_mut(op, table)?;
                let i = column_index(op, t, &column.name)?;
                t.columns.remove(i);
                let name = &column.name;
                t.primary_key.retain(|c| c != name);
                t.indexes.retain(|x| !x.columns.contains(name));
                t.uniques.retain(|x| !x.columns.contains(name));
                t.foreign_keys.retain(|x| !x.columns.contains(name));
            }
            AlterColumn {
                table, column, to, ..
            } => {
                let t = self.get_mut(op, table)?;
                let i = column_index(op, t, column)?;
                to.apply_to(&mut t.columns[i]);
            }
            RenameColumn { table, from, to } => {
                let t = self.get_mut(op, table)?;
                if t.column(to).is_some() {
                    return Err(Error::invalid_op(
                        op,
                        format!("column '{to}' exists already"),
                    ));
                }
                let i = column_index(op, t, from)?;
                t.columns[i].name.clone_from(to);
                let rename = |cols: &mut Vec<String>| {
                    cols.iter_mut()
                        .filter(|c| *c == from)
                        .for_each(|c| c.clone_from(to));
                };
                rename(&mut t.primary_key);
                t.indexes.iter_mut().for_each(|x| rename(&mut x.columns));
                t.uniques.iter_mut().for_each(|x| rename(&mut x.columns));
                t.foreign_keys
                    .iter_mut()
                    .for_each(|x| rename(&mut x.columns));
                for other in self.tables.values_mut() {
                    for fk in other
                        .foreign_keys
                        .iter_mut()
                        .filter(|f| f.ref_table == *table)
                    {
                        rename(&mut fk.ref_columns);
                    }
                }
            }
            CreateIndex { table, index } => {
                let t = self.get_mut(op, table)?;
                exists_not(op, t.indexes.iter().any(|x| x.name == index.name))?;
                t.indexes.push(index.clone());
            }
            DropIndex { table, index } => {
                let t = self.get_mut(op, table)?;
                // A unique index reflected from MySQL reads as a unique constraint (one thing there).
                let as_unique = index.unique
                    && !t.indexes.iter().any(|x| x.name == index.name)
                    && t.uniques.iter().any(|x| x.name == index.name);
                if as_unique {
                    remove_named(op, &mut t.uniques, &index.name, |x| &x.name)?;
                } else {
                    remove_named(op, &mut t.indexes, &index.name, |x| &x.name)?;
                }
            }
            AddUnique { table, unique } => {
                let t = self.get_mut(op, table)?;
                exists_not(op, t.uniques.iter().any(|x| x.name == unique.name))?;
                t.uniques.push(unique.clone());
            }
            DropUnique { table, unique } => {
                let t = self.get_mut(op, table)?;
                remove_named(op, &mut t.uniques, &unique.name, |x| &x.name)?;
            }
            AddForeignKey { table, foreign_key } => {
                let t = self.get_mut(op, table)?;
                exists_not(
                    op,
                    t.foreign_keys.iter().any(|x| x.name == foreign_key.name),
                )?;
                t.foreign_keys.push(foreign_key.clone());
            }
            DropForeignKey { table, foreign_key } => {
                let t = self.get_mut(op, table)?;
                remove_named(op, &mut t.foreign_keys, &foreign_key.name, |x| &x.name)?;
            }
            AddCheck { table, check } => {
                let t = self.get_mut(op, table)?;
                exists_not(op, t.checks.iter().any(|x| x.name == check.name))?;
                t.checks.push(check.clone());
            }
            DropCheck { table, check } => {
                let t = self.get_mut(op, table)?;
                remove_named(op, &mut t.checks, &check.name, |x| &x.name)?;
            }
            // Raw SQL is opaque: the schema it leaves is the migration author's to describe.
            Sql { .. } => {}
        }
        Ok(())
    }
}

fn column_index(op: &Operation, table: &TableDef, column: &str) -> Result<usize> {
    table.column_index(column).ok_or_else(|| {
        Error::invalid_op(
            op,
            format!("table '{}' has no column '{column}'", table.name),
        )
    })
}

fn exists_not(op: &Operation, exists: bool) -> Result<()> {
    if exists {
        Err(Error::invalid_op(
            op,
            "a constraint or index of that name exists already",
        ))
    } else {
        Ok(())
    }
}

fn remove_named<T>(
    op: &Operation,
    items: &mut Vec<T>,
    name: &str,
    name_of: impl Fn(&T) -> &String,
) -> Result<()> {
    let i = items
        .iter()
        .position(|x| name_of(x) == name)
        .ok_or_else(|| Error::invalid_op(op, format!("there is no '{name}'")))?;
    items.remove(i);
    Ok(())
}

#[cfg(test)]
mod tests {
    use orm_core::schema::{ColumnDef, ColumnType, FkAction, ForeignKeyDef};

    use super::*;

    #[test]
    fn renames_follow_foreign_keys() -> Result<()> {
        let mut user = TableDef::new("user");
        user.columns = vec![ColumnDef::new("id", ColumnType::Integer).autoincrement_primary_key()];
        user.primary_key = vec!["id".into()];
        let mut post = TableDef::new("post");
        post.columns = vec![ColumnDef::new("user_id", ColumnType::Integer)];
        post.foreign_keys = vec![ForeignKeyDef {
            name: "fk_post_user_id_user".into(),
            columns: vec!["user_id".into()],
            ref_table: "user".into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        }];
        let mut state = SchemaState::from_tables([user, post]);
        state.apply(&Operation::RenameTable {
            from: "user".into(),
            to: "account".into(),
        })?;
        state.apply(&Operation::RenameColumn {
            table: "account".into(),
            from: "id".into(),
            to: "account_id".into(),
        })?;
        let fk = &state.table("post").unwrap().foreign_keys[0];
        assert_eq!(fk.ref_table, "account");
        assert_eq!(fk.ref_columns, ["account_id"]);
        assert_eq!(state.table("account").unwrap().primary_key, ["account_id"]);
        let err = state
            .apply(&Operation::RenameTable {
                from: "user".into(),
                to: "x".into(),
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot apply `rename table 'user' to 'x'`: there is no table 'user'"
        );
        Ok(())
    }
}
