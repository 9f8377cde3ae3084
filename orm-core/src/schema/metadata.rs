//! A set of tables, either every model linked into the program or an explicit list, ordered by the
//! foreign-key graph.

use std::collections::{BTreeMap, BTreeSet};

use super::TableDef;
use crate::error::{Error, Result};
use crate::model::Model;

/// A model registered by `#[derive(Model)]`; collected at link time, so no model is forgotten
/// because nobody imported it.
#[derive(Debug)]
pub struct ModelEntry {
    /// The Rust type name, for messages.
    pub type_name: &'static str,
    /// The model's table metadata.
    pub table: fn() -> &'static TableDef,
}

inventory::collect!(ModelEntry);

/// A collection of tables, kept in dependency order: every table comes after the tables its foreign
/// keys refer to (cycles broken deterministically, see [`Metadata::deferred_foreign_keys`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    tables: Vec<TableDef>,
    /// `(table, foreign key name)` pairs that close a cycle and must be created after both tables.
    deferred: BTreeSet<(String, String)>,
}

impl Metadata {
    /// Every model linked into the program.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when two models declare the same table name.
    pub fn registered() -> Result<Self> {
        Metadata::from_tables(
            inventory::iter::<ModelEntry>
                .into_iter()
                .map(|m| (m.table)().clone()),
        )
    }

    /// An explicit list of models.
    ///
    /// # Examples
    ///
    /// ```
    /// use orm_core::{Metadata, Model};
    ///
    /// #[derive(Model, Debug)]
    /// struct Tag {
    ///     #[orm(primary_key)]
    ///     id: Option<i64>,
    ///     name: String,
    /// }
    ///
    /// let metadata = Metadata::new().with::<Tag>();
    /// assert_eq!(metadata.tables()[0].name, "tag");
    /// ```
    pub fn new() -> Self {
        Metadata::default()
    }

    /// Adds a model's table.
    pub fn with<M: Model>(self) -> Self {
        self.with_table(M::table().clone())
    }

    /// Adds a table (replacing one of the same name).
    pub fn with_table(mut self, table: TableDef) -> Self {
        self.tables.retain(|t| t.name != table.name);
        self.tables.push(table);
        self.sort();
        self
    }

    /// A metadata of the given tables.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when two tables share a name.
    pub fn from_tables(tables: impl IntoIterator<Item = TableDef>) -> Result<Self> {
        let mut seen = BTreeSet::new();
        let mut all = Vec::new();
        for t in tables {
            if !seen.insert(t.name.clone()) {
                return Err(Error::config(format!(
                    "two models declare the table `{}`: give one of them #[orm(table = \"...\")]",
                    t.name
                )));
            }
            all.push(t);
        }
        let mut m = Metadata {
            tables: all,
            deferred: BTreeSet::new(),
        };
        m.sort();
        Ok(m)
    }

    /// The tables, parents before children.
    pub fn tables(&self) -> &[TableDef] {
        &self.tables
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// True when the foreign key `fk` of `table` closes a dependency cycle, so it must be added after
    /// both tables exist.
    pub fn deferred_foreign_keys(&self, table: &str, fk: &str) -> bool {
        self.deferred.contains(&(table.to_owned(), fk.to_owned()))
    }

    fn sort(&mut self) {
        let refs: Vec<&TableDef> = self.tables.iter().collect();
        let (order, deferred) = dependency_order(&refs);
        let mut slots: Vec<Option<TableDef>> = self.tables.drain(..).map(Some).collect();
        self.tables = order.into_iter().filter_map(|i| slots[i].take()).collect();
        self.deferred = deferred;
    }
}

/// Orders tables so that each comes after the tables its foreign keys refer to: Kahn's algorithm, ties
/// broken by name so that the order is the same on every run; when only cycles remain, the first
/// remaining table by name goes next and its foreign keys to tables not yet placed are returned as
/// deferred `(table, foreign key)` pairs. Self-references never block. Returns positions into `tables`.
pub fn dependency_order(tables: &[&TableDef]) -> (Vec<usize>, BTreeSet<(String, String)>) {
    let mut remaining: BTreeMap<&str, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut order = Vec::with_capacity(tables.len());
    let mut deferred = BTreeSet::new();
    while !remaining.is_empty() {
        let blocked = |t: &TableDef, remaining: &BTreeMap<&str, usize>| {
            t.referred_tables().any(|r| remaining.contains_key(r))
        };
        let ready = remaining
            .iter()
            .find(|(_, &i)| !blocked(tables[i], &remaining))
            .map(|(name, &i)| (*name, i));
        let (name, i) = match ready {
            Some(next) => next,
            None => {
                let Some((name, &i)) = remaining.iter().next() else {
                    break;
                };
                for fk in &tables[i].foreign_keys {
                    if fk.ref_table != *name && remaining.contains_key(fk.ref_table.as_str()) {
                        deferred.insert((name.to_string(), fk.name.clone()));
                    }
                }
                (*name, i)
            }
        };
        remaining.remove(name);
        order.push(i);
    }
    (order, deferred)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnDef, ColumnType, FkAction, ForeignKeyDef};

    fn table(name: &str, refers: &[&str]) -> TableDef {
        let mut t = TableDef::new(name);
        t.columns
            .push(ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key());
        for r in refers {
            t.foreign_keys.push(ForeignKeyDef {
                name: format!("fk_{name}_{r}"),
                columns: vec![format!("{r}_id")],
                ref_table: (*r).to_owned(),
                ref_columns: vec!["id".into()],
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
            });
        }
        t
    }

    fn names(m: &Metadata) -> Vec<&str> {
        m.tables().iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn parents_come_first_whatever_the_names() {
        let m = Metadata::from_tables([
            table("a_child", &["z_parent"]),
            table("z_parent", &[]),
            table("m_grandchild", &["a_child"]),
        ])
        .unwrap();
        assert_eq!(names(&m), ["z_parent", "a_child", "m_grandchild"]);
    }

    #[test]
    fn self_references_do_not_block_and_cycles_are_deferred() {
        let m = Metadata::from_tables([
            table("node", &["node"]),
            table("b", &["a"]),
            table("a", &["b"]),
        ])
        .unwrap();
        assert_eq!(names(&m), ["node", "a", "b"]);
        assert!(m.deferred_foreign_keys("a", "fk_a_b"));
        assert!(!m.deferred_foreign_keys("b", "fk_b_a"));
        assert!(!m.deferred_foreign_keys("node", "fk_node_node"));
    }

    #[test]
    fn duplicate_table_names_are_an_error() {
        let err = Metadata::from_tables([table("t", &[]), table("t", &[])]).unwrap_err();
        assert!(err.to_string().contains("two models declare the table `t`"));
    }
}
