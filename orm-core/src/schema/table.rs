//! Tables and their indexes and constraints.

use std::fmt;

use super::ColumnDef;

/// A table: its columns in order, its primary key, indexes and constraints.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableDef {
    /// The table name.
    pub name: String,
    /// The columns, in declaration order.
    pub columns: Vec<ColumnDef>,
    /// The primary key column names (empty for a table without one).
    pub primary_key: Vec<String>,
    /// Indexes, unique or not.
    pub indexes: Vec<IndexDef>,
    /// Named unique constraints.
    pub uniques: Vec<UniqueDef>,
    /// Check constraints.
    pub checks: Vec<CheckDef>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// The name this table had before, so that the migration tool renames instead of dropping.
    pub rename_from: Option<String>,
}

impl TableDef {
    /// Checks that every name the table's DDL uses (the table's, its columns', indexes' and
    /// constraints') fits `dialect`'s identifier limit, which the database would otherwise refuse
    /// (MySQL, 64) or silently cut short (PostgreSQL, 63).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] naming the first name too long.
    pub fn check_identifiers(&self, dialect: &dyn crate::Dialect) -> crate::Result<()> {
        let max = dialect.max_identifier_length();
        let names = std::iter::once(&self.name)
            .chain(self.columns.iter().map(|c| &c.name))
            .chain(self.indexes.iter().map(|i| &i.name))
            .chain(self.uniques.iter().map(|u| &u.name))
            .chain(self.foreign_keys.iter().map(|f| &f.name))
            .chain(self.checks.iter().map(|c| &c.name));
        for name in names {
            if name.len() > max {
                return Err(crate::Error::config(format!(
                    "the name `{name}` in table `{}` is {} bytes long; {} allows {max}: \
                     give it a shorter name",
                    self.name,
                    name.len(),
                    dialect.name()
                )));
            }
        }
        Ok(())
    }

    /// An empty table named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        TableDef {
            name: name.into(),
            ..TableDef::default()
        }
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The position of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The autoincrementing primary key column, if the table has one.
    pub fn autoincrement_column(&self) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.autoincrement)
    }

    /// The version column used for optimistic locking, if any.
    pub fn version_column(&self) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.version)
    }

    /// The tables this one refers to through its foreign keys (itself excluded).
    pub fn referred_tables(&self) -> impl Iterator<Item = &str> {
        self.foreign_keys
            .iter()
            .map(|fk| fk.ref_table.as_str())
            .filter(move |t| *t != self.name)
    }

    /// The unique index or constraint over exactly `columns`, for naming a violation.
    pub fn unique_over(&self, columns: &[String]) -> Option<&str> {
        let same = |cols: &[String]| {
            cols.len() == columns.len() && cols.iter().all(|c| columns.contains(c))
        };
        self.uniques
            .iter()
            .find(|u| same(&u.columns))
            .map(|u| u.name.as_str())
            .or_else(|| {
                self.indexes
                    .iter()
                    .find(|i| i.unique && same(&i.columns))
                    .map(|i| i.name.as_str())
            })
    }

    /// The columns of the unique index or constraint named `name`.
    pub fn constraint_columns(&self, name: &str) -> Option<&[String]> {
        self.uniques
            .iter()
            .find(|u| u.name == name)
            .map(|u| u.columns.as_slice())
            .or_else(|| {
                self.indexes
                    .iter()
                    .find(|i| i.name == name)
                    .map(|i| i.columns.as_slice())
            })
            .or_else(|| {
                self.foreign_keys
                    .iter()
                    .find(|f| f.name == name)
                    .map(|f| f.columns.as_slice())
            })
    }
}

/// An index over one or more columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexDef {
    /// The index name (`ix_<table>_<columns>` by default).
    pub name: String,
    /// The indexed columns, in order.
    pub columns: Vec<String>,
    /// Whether the index enforces uniqueness.
    pub unique: bool,
}

/// A named UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UniqueDef {
    /// The constraint name (`uq_<table>_<columns>` by default).
    pub name: String,
    /// The columns.
    pub columns: Vec<String>,
}

/// A named CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckDef {
    /// The constraint name (`ck_<table>_<label>` by default).
    pub name: String,
    /// The SQL expression, used as written.
    pub expr: String,
}

/// What a foreign key does when the referred row is deleted or its key updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FkAction {
    /// The database's default: fail at the end of the statement.
    #[default]
    NoAction,
    /// Fail at once.
    Restrict,
    /// Delete (or update) the referring rows too.
    Cascade,
    /// Set the referring columns to NULL.
    SetNull,
    /// Set the referring columns to their defaults.
    SetDefault,
}

impl FkAction {
    /// The SQL spelling (`CASCADE`, `SET NULL`, ...).
    pub fn as_sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses the SQL spelling, case-insensitively (`cascade`, `set null`, `SET_NULL`).
    pub fn parse(s: &str) -> Option<FkAction> {
        match s.trim().to_ascii_uppercase().replace('_', " ").as_str() {
            "NO ACTION" => Some(FkAction::NoAction),
            "RESTRICT" => Some(FkAction::Restrict),
            "CASCADE" => Some(FkAction::Cascade),
            "SET NULL" => Some(FkAction::SetNull),
            "SET DEFAULT" => Some(FkAction::SetDefault),
            _ => None,
        }
    }
}

impl fmt::Display for FkAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

/// A foreign key from columns of this table to columns of another (or the same) table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForeignKeyDef {
    /// The constraint name (`fk_<table>_<columns>_<referred>` by default).
    pub name: String,
    /// The referring columns of this table.
    pub columns: Vec<String>,
    /// The referred table.
    pub ref_table: String,
    /// The referred columns.
    pub ref_columns: Vec<String>,
    /// What happens on delete of the referred row.
    pub on_delete: FkAction,
    /// What happens on update of the referred key.
    pub on_update: FkAction,
}
