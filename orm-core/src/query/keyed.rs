//! The statements of the session's unit of work, as values: rows of one table addressed by some of
//! its columns (the primary key and version, a foreign key).
//!
//! A value is the statement's *shape*: the table, the columns, how many rows. It renders to text
//! with placeholders only, and the caller binds the values in the order the shape names them. Equal
//! shapes render equal text, so a connection (whose statement cache is keyed by the text) prepares
//! each shape once, however many rows a flush writes.

use super::writer::SqlWriter;
use crate::dialect::Dialect;
use crate::schema::TableDef;
use crate::value::Value;

/// The names of `table`'s columns at `indexes`.
fn names<'t>(table: &'t TableDef, indexes: &'t [usize]) -> impl Iterator<Item = &'t str> + 't {
    indexes.iter().map(|&i| table.columns[i].name.as_str())
}

/// `?, ?, ...`: `n` placeholders.
fn placeholders(w: &mut SqlWriter, n: usize) {
    for k in 0..n {
        if k > 0 {
            w.push(", ");
        }
        w.param(Value::Null);
    }
}

/// `(?, ?), (?, ?), ...`: `rows` rows of `width` placeholders.
fn placeholder_rows(w: &mut SqlWriter, rows: usize, width: usize) {
    for r in 0..rows {
        w.push(if r == 0 { "(" } else { ", (" });
        placeholders(w, width);
        w.push(")");
    }
}

/// The rows a statement addresses: `"a" = ? AND "b" = ?` for one row, `"a" IN (?, ...)` for
/// several rows of a one-column match, `("a", "b") IN ((?, ?), ...)` for several of a wider one.
/// Binds `columns.len()` values per row, row after row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Match<'a> {
    pub(crate) columns: &'a [usize],
    pub(crate) rows: usize,
}

impl<'a> Match<'a> {
    /// One row by `columns`.
    pub(crate) fn one(columns: &'a [usize]) -> Self {
        Match { columns, rows: 1 }
    }

    /// `rows` rows by `columns`.
    pub(crate) fn many(columns: &'a [usize], rows: usize) -> Self {
        Match { columns, rows }
    }

    fn write(&self, w: &mut SqlWriter, table: &TableDef) {
        let name = |i: usize| table.columns[i].name.as_str();
        match (self.rows, self.columns) {
            (1, cols) => {
                for (n, &i) in cols.iter().enumerate() {
                    if n > 0 {
                        w.push(" AND ");
                    }
                    w.ident(name(i)).push(" = ").param(Value::Null);
                }
            }
            (rows, [one]) => {
                w.ident(name(*one)).push(" IN (");
                placeholders(w, rows);
                w.push(")");
            }
            (rows, cols) => {
                w.push("(").ident_list(names(table, cols)).push(") IN (");
                placeholder_rows(w, rows, cols.len());
                w.push(")");
            }
        }
    }
}

/// `INSERT INTO t (columns) VALUES (...), ... [RETURNING ...]`: binds `columns.len()` values per
/// row. No columns: the dialect's insert of a row of defaults.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InsertRows<'a> {
    pub(crate) table: &'a TableDef,
    pub(crate) columns: &'a [usize],
    pub(crate) rows: usize,
    /// Read back with `RETURNING` (empty: nothing).
    pub(crate) returning: &'a [usize],
}

impl InsertRows<'_> {
    pub(crate) fn sql(&self, dialect: &'static dyn Dialect) -> String {
        let table = self.table;
        let mut w = SqlWriter::new(dialect);
        w.push("INSERT INTO ").ident(&table.name);
        if self.columns.is_empty() {
            w.push(dialect.insert_default_values());
        } else {
            w.push(" (")
                .ident_list(names(table, self.columns))
                .push(") VALUES ");
            placeholder_rows(&mut w, self.rows, self.columns.len());
        }
        if !self.returning.is_empty() {
            w.push(" RETURNING ")
                .ident_list(names(table, self.returning));
        }
        w.finish().0
    }
}

/// `SELECT columns FROM t WHERE <match> [FOR UPDATE]`; no columns selects `1` (does the row
/// exist). Binds the match's values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SelectRows<'a> {
    pub(crate) table: &'a TableDef,
    pub(crate) columns: &'a [usize],
    pub(crate) by: Match<'a>,
    pub(crate) lock: bool,
}

impl SelectRows<'_> {
    pub(crate) fn sql(&self, dialect: &'static dyn Dialect) -> String {
        let table = self.table;
        let mut w = SqlWriter::new(dialect);
        w.push("SELECT ");
        if self.columns.is_empty() {
            w.push("1");
        } else {
            w.ident_list(names(table, self.columns));
        }
        w.push(" FROM ").ident(&table.name).push(" WHERE ");
        self.by.write(&mut w, table);
        if self.lock {
            w.push(" FOR UPDATE");
        }
        w.finish().0
    }
}

/// `UPDATE t SET a = ?, ... WHERE <match>`: binds the new values, then the match's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UpdateRows<'a> {
    pub(crate) table: &'a TableDef,
    pub(crate) set: &'a [usize],
    pub(crate) by: Match<'a>,
}

impl UpdateRows<'_> {
    pub(crate) fn sql(&self, dialect: &'static dyn Dialect) -> String {
        let table = self.table;
        let mut w = SqlWriter::new(dialect);
        w.push("UPDATE ").ident(&table.name).push(" SET ");
        for (n, &i) in self.set.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(&table.columns[i].name)
                .push(" = ")
                .param(Value::Null);
        }
        w.push(" WHERE ");
        self.by.write(&mut w, table);
        w.finish().0
    }
}

/// How a database takes many rows' different new values in one UPDATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchForm {
    /// `UPDATE t SET c = v.c FROM (VALUES (...), ...) AS v (...) WHERE t.k = v.k` (PostgreSQL);
    /// each cell is cast to its column's type (VALUES has none of its own).
    FromValues,
    /// `UPDATE t JOIN (SELECT ? AS v0, ... UNION ALL SELECT ?, ...) AS v ON t.k = v.k SET t.c =
    /// v.c` (MySQL and MariaDB: no `UPDATE ... FROM`, and `VALUES` rows have no column names).
    JoinDerived,
}

impl BatchForm {
    /// The form `dialect` takes, if any.
    pub(crate) fn of(dialect: &dyn Dialect) -> Option<Self> {
        if dialect.supports_update_from_values() && !dialect.is_embedded() {
            Some(BatchForm::FromValues)
        } else if dialect.supports_update_join() {
            Some(BatchForm::JoinDerived)
        } else {
            None
        }
    }
}

/// Many rows, each with its own new values for `set`, matched by `by` (key and version): binds per
/// row the new values, then the row's match values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UpdateBatch<'a> {
    pub(crate) table: &'a TableDef,
    pub(crate) set: &'a [usize],
    pub(crate) by: &'a [usize],
    pub(crate) rows: usize,
    pub(crate) form: BatchForm,
}

impl UpdateBatch<'_> {
    pub(crate) fn sql(&self, dialect: &'static dyn Dialect) -> String {
        let table = self.table;
        let cells: Vec<usize> = self.set.iter().chain(self.by).copied().collect();
        let names: Vec<String> = (0..cells.len()).map(|n| format!("v{n}")).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let (set_names, by_names) = name_refs.split_at(self.set.len());
        let column = |i: usize| table.columns[i].name.as_str();
        let mut w = SqlWriter::new(dialect);
        match self.form {
            BatchForm::FromValues => {
                let casts: Vec<String> = cells
                    .iter()
                    .map(|&i| format!("::{}", dialect.column_type(&table.columns[i].ty)))
                    .collect();
                w.push("UPDATE ").ident(&table.name).push(" SET ");
                for (n, &i) in self.set.iter().enumerate() {
                    if n > 0 {
                        w.push(", ");
                    }
                    w.ident(column(i)).push(" = ").qualified("v", set_names[n]);
                }
                w.push(" FROM (VALUES ");
                for r in 0..self.rows {
                    w.push(if r == 0 { "(" } else { ", (" });
                    for (n, cast) in casts.iter().enumerate() {
                        if n > 0 {
                            w.push(", ");
                        }
                        w.param(Value::Null).push(cast);
                    }
                    w.push(")");
                }
                w.push(") AS ")
                    .ident("v")
                    .push(" (")
                    .ident_list(name_refs.iter().copied())
                    .push(") WHERE ");
                for (n, &i) in self.by.iter().enumerate() {
                    if n > 0 {
                        w.push(" AND ");
                    }
                    w.qualified(&table.name, column(i))
                        .push(" = ")
                        .qualified("v", by_names[n]);
                }
            }
            BatchForm::JoinDerived => {
                // The derived table the upsert's lookup writes too, with placeholders only.
                let shape = vec![Value::Null; self.rows * name_refs.len()];
                w.push("UPDATE ")
                    .ident(&table.name)
                    .push(" JOIN (")
                    .union_rows(&name_refs, &shape)
                    .push(") AS ")
                    .ident("v")
                    .push(" ON ");
                for (n, &i) in self.by.iter().enumerate() {
                    if n > 0 {
                        w.push(" AND ");
                    }
                    w.qualified(&table.name, column(i))
                        .push(" = ")
                        .qualified("v", by_names[n]);
                }
                w.push(" SET ");
                for (n, &i) in self.set.iter().enumerate() {
                    if n > 0 {
                        w.push(", ");
                    }
                    w.qualified(&table.name, column(i))
                        .push(" = ")
                        .qualified("v", set_names[n]);
                }
            }
        }
        w.finish().0
    }
}

/// `DELETE FROM t WHERE <match>`: binds the match's values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeleteRows<'a> {
    pub(crate) table: &'a TableDef,
    pub(crate) by: Match<'a>,
}

impl DeleteRows<'_> {
    pub(crate) fn sql(&self, dialect: &'static dyn Dialect) -> String {
        let mut w = SqlWriter::new(dialect);
        w.push("DELETE FROM ")
            .ident(&self.table.name)
            .push(" WHERE ");
        self.by.write(&mut w, self.table);
        w.finish().0
    }
}

/// The related rows of many parents, for select-in loading: `SELECT <target's columns> FROM target
/// WHERE target.fk IN (?, ...)`, or through an association table, `SELECT <target's columns>,
/// assoc.local FROM target INNER JOIN assoc ON assoc.remote = target.key WHERE assoc.local IN (?,
/// ...)`. Binds one parent key per row; `ordered` sorts by the target's primary key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RelatedRows<'a> {
    pub(crate) target: &'a TableDef,
    /// The target's column matched (directly), or referred to by the association.
    pub(crate) column: usize,
    /// The association table and its (local, remote) foreign key columns.
    pub(crate) through: Option<(&'a TableDef, (usize, usize))>,
    pub(crate) rows: usize,
    pub(crate) ordered: bool,
}

impl RelatedRows<'_> {
    pub(crate) fn sql(&self, dialect: &'static dyn Dialect) -> String {
        let target = self.target;
        let mut w = SqlWriter::new(dialect);
        w.push("SELECT ");
        for (i, c) in target.columns.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.qualified(&target.name, &c.name);
        }
        let remote = target.columns[self.column].name.as_str();
        match self.through {
            Some((assoc, (local_fk, remote_fk))) => {
                let local_fk = assoc.columns[local_fk].name.as_str();
                w.push(", ")
                    .qualified(&assoc.name, local_fk)
                    .push(" FROM ")
                    .ident(&target.name)
                    .push(" INNER JOIN ")
                    .ident(&assoc.name)
                    .push(" ON ")
                    .qualified(&assoc.name, &assoc.columns[remote_fk].name)
                    .push(" = ")
                    .qualified(&target.name, remote)
                    .push(" WHERE ")
                    .qualified(&assoc.name, local_fk);
            }
            None => {
                w.push(" FROM ")
                    .ident(&target.name)
                    .push(" WHERE ")
                    .qualified(&target.name, remote);
            }
        }
        w.push(" IN (");
        placeholders(&mut w, self.rows);
        w.push(")");
        if self.ordered {
            w.push(" ORDER BY ");
            for (i, k) in target.primary_key.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.qualified(&target.name, k);
            }
        }
        w.finish().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{MySql, Postgres, Sqlite};
    use crate::schema::{ColumnDef, ColumnType};

    fn table() -> TableDef {
        let mut t = TableDef::new("item");
        for (name, ty) in [
            ("id", ColumnType::BigInt),
            ("name", ColumnType::Text),
            ("version", ColumnType::BigInt),
        ] {
            t.columns.push(ColumnDef::new(name, ty));
        }
        t
    }

    #[test]
    fn a_match_is_an_equality_for_one_row_and_an_in_list_for_many() {
        let t = table();
        let one = DeleteRows {
            table: &t,
            by: Match::one(&[0, 2]),
        };
        assert_eq!(
            one.sql(&Sqlite),
            r#"DELETE FROM "item" WHERE "id" = ?1 AND "version" = ?2"#
        );
        let many = DeleteRows {
            table: &t,
            by: Match::many(&[0], 3),
        };
        assert_eq!(
            many.sql(&Postgres),
            r#"DELETE FROM "item" WHERE "id" IN ($1, $2, $3)"#
        );
        let wide = SelectRows {
            table: &t,
            columns: &[],
            by: Match::many(&[0, 2], 2),
            lock: true,
        };
        assert_eq!(
            wide.sql(&Postgres),
            r#"SELECT 1 FROM "item" WHERE ("id", "version") IN (($1, $2), ($3, $4)) FOR UPDATE"#
        );
    }

    #[test]
    fn inserts_and_updates_render_placeholders_in_binding_order() {
        let t = table();
        let insert = InsertRows {
            table: &t,
            columns: &[1, 2],
            rows: 2,
            returning: &[0],
        };
        assert_eq!(
            insert.sql(&Postgres),
            r#"INSERT INTO "item" ("name", "version") VALUES ($1, $2), ($3, $4) RETURNING "id""#
        );
        let update = UpdateRows {
            table: &t,
            set: &[1],
            by: Match::one(&[0, 2]),
        };
        assert_eq!(
            update.sql(&Sqlite),
            r#"UPDATE "item" SET "name" = ?1 WHERE "id" = ?2 AND "version" = ?3"#
        );
        let batch = UpdateBatch {
            table: &t,
            set: &[1],
            by: &[0],
            rows: 2,
            form: BatchForm::JoinDerived,
        };
        assert_eq!(
            batch.sql(&MySql::MARIADB),
            "UPDATE `item` JOIN (SELECT ? AS `v0`, ? AS `v1` UNION ALL SELECT ?, ?) AS `v` \
             ON `item`.`id` = `v`.`v1` SET `item`.`name` = `v`.`v0`"
        );
        let batch = UpdateBatch {
            form: BatchForm::FromValues,
            ..batch
        };
        assert_eq!(
            batch.sql(&Postgres),
            r#"UPDATE "item" SET "name" = "v"."v0" FROM (VALUES ($1::TEXT, $2::BIGINT), ($3::TEXT, $4::BIGINT)) AS "v" ("v0", "v1") WHERE "item"."id" = "v"."v1""#
        );
    }
}
