//! The models against the current schema → operations.

use orm_core::schema::{ColumnDef, ColumnType, DefaultExpr, Metadata, TableDef};

use crate::ops::{ColumnState, Operation, SchemaState};
use crate::reflect::is_internal_table;

/// The operations that turn the current schema into the models', and their reverse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// The upgrade: renames, then created tables (parents first), then per-table changes, then
    /// dropped tables (children first).
    pub upgrade: Vec<Operation>,
}

impl Diff {
    /// True when the schema already matches the models.
    pub fn is_empty(&self) -> bool {
        self.upgrade.is_empty()
    }

    /// The downgrade: the reverse of each upgrade operation, in reverse order.
    pub fn downgrade(&self) -> Vec<Operation> {
        Operation::reverse_all(&self.upgrade)
    }
}

/// Compares the models (`target`) with the `current` schema.
///
/// A `rename_from` hint on a table or a column turns what would be a drop and an add into a rename.
///
/// # Examples
///
/// ```
/// use orm_core::schema::{ColumnDef, ColumnType, Metadata, TableDef};
/// use orm_migrate::{autogenerate, SchemaState};
///
/// let mut user = TableDef::new("user");
/// user.columns.push(ColumnDef::new("id", ColumnType::Integer).autoincrement_primary_key());
/// user.primary_key = vec!["id".into()];
/// let models = Metadata::from_tables([user])?;
/// let diff = autogenerate::compare(&models, &SchemaState::new());
/// assert_eq!(autogenerate::detected(&diff.upgrade), ["Detected added table 'user'"]);
/// # Ok::<(), orm_migrate::Error>(())
/// ```
pub fn compare(target: &Metadata, current: &SchemaState) -> Diff {
    let mut cur = current.clone();
    let mut ops = Vec::new();
    let push = |cur: &mut SchemaState, ops: &mut Vec<Operation>, op: Operation| {
        // Applying keeps `cur` in step with the operations already chosen (renames above all).
        let _ = cur.apply(&op);
        ops.push(op);
    };
    for t in target.tables() {
        if let Some(old) = &t.rename_from {
            if cur.table(&t.name).is_none() && cur.table(old).is_some() {
                let op = Operation::RenameTable {
                    from: old.clone(),
                    to: t.name.clone(),
                };
                push(&mut cur, &mut ops, op);
            }
        }
    }
    // Tables that refer to each other (a foreign-key cycle) cannot all be created with their keys:
    // the keys that close a cycle are added once every table exists (and dropped first on the way
    // down, the downgrade being the reverse).
    let mut closing = Vec::new();
    for t in target.tables() {
        if cur.table(&t.name).is_none() {
            let mut table = clean(t);
            let indexes = std::mem::take(&mut table.indexes);
            let (later, now): (Vec<_>, Vec<_>) = std::mem::take(&mut table.foreign_keys)
                .into_iter()
                .partition(|fk| target.deferred_foreign_keys(&t.name, &fk.name));
            table.foreign_keys = now;
            push(&mut cur, &mut ops, Operation::CreateTable { table });
            for index in indexes {
                let op = Operation::CreateIndex {
                    table: t.name.clone(),
                    index,
                };
                push(&mut cur, &mut ops, op);
            }
            closing.extend(
                later
                    .into_iter()
                    .map(|foreign_key| Operation::AddForeignKey {
                        table: t.name.clone(),
                        foreign_key,
                    }),
            );
        }
    }
    for op in closing {
        push(&mut cur, &mut ops, op);
    }
    for t in target.tables() {
        for op in compare_table(t, &cur) {
            push(&mut cur, &mut ops, op);
        }
    }
    let removed: Vec<TableDef> = cur
        .tables()
        .filter(|t| target.table(&t.name).is_none() && !is_internal_table(&t.name))
        .cloned()
        .collect();
    if let Ok(removed) = Metadata::from_tables(removed) {
        for t in removed.tables().iter().rev() {
            let mut table = t.clone();
            for index in std::mem::take(&mut table.indexes) {
                let op = Operation::DropIndex {
                    table: t.name.clone(),
                    index,
                };
                push(&mut cur, &mut ops, op);
            }
            push(&mut cur, &mut ops, Operation::DropTable { table });
        }
    }
    Diff { upgrade: ops }
}

/// The table without the hints that only matter to the comparison.
fn clean(t: &TableDef) -> TableDef {
    let mut t = t.clone();
    t.rename_from = None;
    for c in &mut t.columns {
        c.rename_from = None;
        c.version = false;
    }
    t
}

fn compare_table(target: &TableDef, current: &SchemaState) -> Vec<Operation> {
    let Some(cur) = current.table(&target.name) else {
        return Vec::new();
    };
    let mut cur = cur.clone();
    let name = || target.name.clone();
    let mut ops = Vec::new();
    // Renames first, so that the rest compares like with like.
    for c in &target.columns {
        if let Some(old) = &c.rename_from {
            if cur.column(&c.name).is_none() && cur.column(old).is_some() {
                let op = Operation::RenameColumn {
                    table: name(),
                    from: old.clone(),
                    to: c.name.clone(),
                };
                let mut state = SchemaState::from_tables([cur.clone()]);
                if state.apply(&op).is_ok() {
                    if let Some(t) = state.table(&target.name) {
                        cur = t.clone();
                    }
                }
                ops.push(op);
            }
        }
    }
    // MySQL keeps a unique index and a unique constraint as one thing (a unique key), which
    // reflection reads as a constraint: one the models declare as a unique index is that index.
    let (as_index, uniques): (Vec<_>, Vec<_>) =
        std::mem::take(&mut cur.uniques).into_iter().partition(|u| {
            !target.uniques.contains(u)
                && target
                    .indexes
                    .iter()
                    .any(|i| i.unique && i.name == u.name && i.columns == u.columns)
        });
    cur.uniques = uniques;
    cur.indexes
        .extend(as_index.into_iter().map(|u| orm_core::schema::IndexDef {
            name: u.name,
            columns: u.columns,
            unique: true,
        }));
    // Removed or changed indexes and constraints go before the columns they may use.
    for index in &cur.indexes {
        if !target.indexes.contains(index) {
            ops.push(Operation::DropIndex {
                table: name(),
                index: index.clone(),
            });
        }
    }
    for unique in &cur.uniques {
        if !target.uniques.contains(unique) {
            ops.push(Operation::DropUnique {
                table: name(),
                unique: unique.clone(),
            });
        }
    }
    for fk in &cur.foreign_keys {
        if !target.foreign_keys.contains(fk) {
            ops.push(Operation::DropForeignKey {
                table: name(),
                foreign_key: fk.clone(),
            });
        }
    }
    // Checks are compared by name: databases rewrite the expression text.
    for check in &cur.checks {
        if !target.checks.iter().any(|c| c.name == check.name) {
            ops.push(Operation::DropCheck {
                table: name(),
                check: check.clone(),
            });
        }
    }
    for c in &target.columns {
        match cur.column(&c.name) {
            None => ops.push(Operation::AddColumn {
                table: name(),
                column: clean_column(c),
            }),
            Some(old) => {
                if let Some((from, to)) = column_change(old, c) {
                    ops.push(Operation::AlterColumn {
                        table: name(),
                        column: c.name.clone(),
                        from,
                        to,
                    });
                }
            }
        }
    }
    for c in &cur.columns {
        if target.column(&c.name).is_none() {
            ops.push(Operation::DropColumn {
                table: name(),
                column: c.clone(),
            });
        }
    }
    for unique in &target.uniques {
        if !cur.uniques.contains(unique) {
            ops.push(Operation::AddUnique {
                table: name(),
                unique: unique.clone(),
            });
        }
    }
    for fk in &target.foreign_keys {
        if !cur.foreign_keys.contains(fk) {
            ops.push(Operation::AddForeignKey {
                table: name(),
                foreign_key: fk.clone(),
            });
        }
    }
    for check in &target.checks {
        if !cur.checks.iter().any(|c| c.name == check.name) {
            ops.push(Operation::AddCheck {
                table: name(),
                check: check.clone(),
            });
        }
    }
    for index in &target.indexes {
        if !cur.indexes.contains(index) {
            ops.push(Operation::CreateIndex {
                table: name(),
                index: index.clone(),
            });
        }
    }
    ops
}

fn clean_column(c: &ColumnDef) -> ColumnDef {
    let mut c = c.clone();
    c.rename_from = None;
    c.version = false;
    c
}

/// The change from `old` to `new`, if any, ignoring differences that are only spelling: the width of
/// an autoincrementing key (SQLite's rowid alias is always `INTEGER`), the nullability of a primary
/// key column, the way a database reports a default.
fn column_change(old: &ColumnDef, new: &ColumnDef) -> Option<(ColumnState, ColumnState)> {
    let auto = old.autoincrement && new.autoincrement;
    let same_type =
        same_type(&old.ty, &new.ty) || (auto && old.ty.is_integer() && new.ty.is_integer());
    let same_null = old.nullable == new.nullable || new.primary_key;
    let same_default =
        auto || same_default(old.server_default.as_ref(), new.server_default.as_ref());
    if same_type && same_null && same_default {
        return None;
    }
    let from = ColumnState::of(old);
    let mut to = from.clone();
    if !same_type {
        to.ty = new.ty.clone();
    }
    if !same_null {
        to.nullable = new.nullable;
    }
    if !same_default {
        to.server_default = new.server_default.clone();
    }
    Some((from, to))
}

/// The same type, or spellings of it: a type reflected as the database spells it (`Custom`) is the
/// same as a portable type some dialect spells that way (MySQL's `DATETIME(6)` holds both kinds of
/// timestamp).
fn same_type(a: &ColumnType, b: &ColumnType) -> bool {
    use orm_core::dialect::{Dialect, MySql, Postgres, Sqlite};
    match (a, b) {
        (ColumnType::Custom(x), ColumnType::Custom(y)) => spelling(x) == spelling(y),
        // Where there is no native enum, an enum is the VARCHAR it is stored in.
        (ColumnType::Enum { values, .. }, ColumnType::Varchar(n))
        | (ColumnType::Varchar(n), ColumnType::Enum { values, .. }) => {
            ColumnType::enum_width(values) == *n
        }
        (ColumnType::Custom(x), t) | (t, ColumnType::Custom(x)) => {
            let dialects: [&dyn Dialect; 3] = [&Sqlite, &Postgres, &MySql::MYSQL8];
            dialects
                .iter()
                .any(|d| spelling(&d.column_type(t)) == spelling(x))
        }
        _ => a == b,
    }
}

/// A type's spelling, compared by meaning: case and spaces do not count (PostgreSQL reflects
/// `numeric(10,2)` for the model's `NUMERIC(10, 2)`), and `DECIMAL` is `NUMERIC`.
fn spelling(ty: &str) -> String {
    let upper: String = ty
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '`')
        .collect::<String>()
        .to_ascii_uppercase();
    match upper.strip_prefix("DECIMAL") {
        Some(rest) => format!("NUMERIC{rest}"),
        None => upper,
    }
}

fn same_default(a: Option<&DefaultExpr>, b: Option<&DefaultExpr>) -> bool {
    use DefaultExpr::*;
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => match (a, b) {
            (Bool(x), Integer(i)) | (Integer(i), Bool(x)) => i64::from(*x) == *i,
            (Float(x), Integer(i)) | (Integer(i), Float(x)) => *x == *i as f64,
            (Sql(x), Sql(y)) => normalize_sql(x) == normalize_sql(y),
            _ => a == b,
        },
        _ => false,
    }
}

fn normalize_sql(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect::<String>()
        .to_ascii_lowercase()
}
