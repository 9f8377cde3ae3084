//! `create_all` and `drop_all`.

use std::collections::BTreeSet;

use super::Engine;
use crate::error::Result;
use crate::schema::Metadata;

impl Engine {
    /// Creates the tables and indexes of every registered model that do not exist yet, parents before
    /// children; existing tables are left alone.
    ///
    /// # Errors
    ///
    /// A database error; nothing is created then (the DDL runs in one transaction).
    pub fn create_all(&self) -> Result<()> {
        self.create_tables(&Metadata::registered()?)
    }

    /// Drops the tables of every registered model that exist, children before parents.
    ///
    /// # Errors
    ///
    /// A database error; nothing is dropped then.
    pub fn drop_all(&self) -> Result<()> {
        self.drop_tables(&Metadata::registered()?)
    }

    /// Creates the missing tables of `metadata` (an explicit list of models).
    ///
    /// # Errors
    ///
    /// As [`Engine::create_all`].
    pub fn create_tables(&self, metadata: &Metadata) -> Result<()> {
        let mut conn = self.connection()?;
        let dialect = conn.dialect();
        for table in metadata.tables() {
            table.check_identifiers(dialect)?;
        }
        conn.transaction(|conn| {
            let existing: BTreeSet<String> = conn.table_names()?.into_iter().collect();
            let mut later = Vec::new();
            for table in metadata
                .tables()
                .iter()
                .filter(|t| !existing.contains(&t.name))
            {
                // SQLite accepts a reference to a table that does not exist yet (and cannot add one
                // afterwards); PostgreSQL gets the foreign keys that close a cycle once both exist.
                let inline = |fk: &crate::schema::ForeignKeyDef| {
                    dialect.allows_forward_references()
                        || !metadata.deferred_foreign_keys(&table.name, &fk.name)
                };
                for sql in dialect.create_table_with_indexes(table, &inline) {
                    conn.batch_execute(&sql)?;
                }
                for fk in table.foreign_keys.iter().filter(|fk| !inline(fk)) {
                    later.push(dialect.add_foreign_key(&table.name, fk)?);
                }
            }
            for sql in later {
                conn.batch_execute(&sql)?;
            }
            Ok(())
        })
    }

    /// Drops the existing tables of `metadata`, children first.
    ///
    /// # Errors
    ///
    /// As [`Engine::drop_all`].
    pub fn drop_tables(&self, metadata: &Metadata) -> Result<()> {
        let mut conn = self.connection()?;
        let dialect = conn.dialect();
        conn.transaction(|conn| {
            let existing: BTreeSet<String> = conn.table_names()?.into_iter().collect();
            let present = |name: &str| existing.contains(name);
            // Tables in a cycle refer to each other whichever goes first: check the keys at commit,
            // or drop the constraints that close the cycle first.
            match dialect.defer_foreign_keys_sql() {
                Some(defer) => conn.batch_execute(defer)?,
                None => {
                    for table in metadata.tables().iter().filter(|t| present(&t.name)) {
                        for fk in &table.foreign_keys {
                            if metadata.deferred_foreign_keys(&table.name, &fk.name) {
                                let sql = dialect.drop_foreign_key_if_exists(&table.name, &fk.name);
                                conn.batch_execute(&sql)?;
                            }
                        }
                    }
                }
            }
            for table in metadata.tables().iter().rev().filter(|t| present(&t.name)) {
                conn.batch_execute(&dialect.drop_table(&table.name))?;
            }
            // The types the tables made (native enums), once no table uses them.
            let mut dropped: Vec<String> = Vec::new();
            for table in metadata.tables() {
                for sql in table
                    .columns
                    .iter()
                    .filter_map(|c| dialect.drop_type(&c.ty))
                {
                    if !dropped.contains(&sql) {
                        conn.batch_execute(&sql)?;
                        dropped.push(sql);
                    }
                }
            }
            Ok(())
        })
    }
}
