//! SQL dialects: identifier quoting, placeholders, type names and DDL, with one small type per backend
//! overriding only what differs.

mod postgres;
mod sqlite;

use std::fmt::{self, Write as _};

pub use self::postgres::Postgres;
pub use self::sqlite::Sqlite;
use crate::schema::{
    CheckDef, ColumnDef, ColumnType, DefaultExpr, ForeignKeyDef, IndexDef, TableDef, UniqueDef,
};

/// Which backend a dialect speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DialectKind {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// How one database spells SQL. The defaults are standard SQL; each backend overrides what differs.
pub trait Dialect: Send + Sync + fmt::Debug + 'static {
    /// The backend.
    fn kind(&self) -> DialectKind;

    /// The name used in messages (`sqlite`, `postgresql`).
    fn name(&self) -> &'static str;

    /// Writes `ident` as a quoted identifier, doubling embedded quotes, so that no name can change a
    /// statement.
    fn quote_ident(&self, ident: &str, out: &mut String) {
        out.push('"');
        for ch in ident.chars() {
            if ch == '"' {
                out.push('"');
            }
            out.push(ch);
        }
        out.push('"');
    }

    /// Writes the placeholder of the `n`th bound parameter (1-based).
    fn placeholder(&self, n: usize, out: &mut String);

    /// The statement that starts a transaction.
    fn begin_sql(&self) -> &'static str {
        "BEGIN"
    }

    /// A query listing the tables of the current database (or schema), one name per row.
    fn list_tables_sql(&self) -> &'static str;

    /// The most parameters one statement may bind.
    fn max_params(&self) -> usize;

    /// Whether `INSERT ... RETURNING` is available.
    fn supports_returning(&self) -> bool {
        true
    }

    /// The type name of a column.
    fn column_type(&self, ty: &ColumnType) -> String {
        ty.to_string()
    }

    /// The type and key clause of an autoincrementing integer primary key column.
    fn autoincrement_type(&self, column: &ColumnDef) -> String;

    /// A string literal, quotes doubled.
    fn string_literal(&self, s: &str, out: &mut String) {
        out.push('\'');
        for ch in s.chars() {
            if ch == '\'' {
                out.push('\'');
            }
            out.push(ch);
        }
        out.push('\'');
    }

    /// A boolean literal.
    fn bool_literal(&self, b: bool) -> &'static str {
        if b {
            "true"
        } else {
            "false"
        }
    }

    /// The SQL of a server default.
    fn default_sql(&self, default: &DefaultExpr) -> String {
        let mut out = String::new();
        match default {
            DefaultExpr::CurrentTimestamp => out.push_str("CURRENT_TIMESTAMP"),
            DefaultExpr::Bool(b) => out.push_str(self.bool_literal(*b)),
            DefaultExpr::Integer(i) => {
                let _ = write!(out, "{i}");
            }
            DefaultExpr::Float(f) => {
                let _ = write!(out, "{f:?}");
            }
            DefaultExpr::Text(s) => self.string_literal(s, &mut out),
            DefaultExpr::Sql(s) => {
                out.push('(');
                out.push_str(s);
                out.push(')');
            }
        }
        out
    }

    /// A quoted identifier as a new string.
    fn quoted(&self, ident: &str) -> String {
        let mut out = String::with_capacity(ident.len() + 2);
        self.quote_ident(ident, &mut out);
        out
    }

    /// A comma-separated list of quoted identifiers.
    fn quoted_list(&self, idents: &[String]) -> String {
        let mut out = String::new();
        for (i, ident) in idents.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.quote_ident(ident, &mut out);
        }
        out
    }

    /// The definition of one column inside CREATE TABLE or ADD COLUMN.
    fn column_definition(&self, column: &ColumnDef) -> String {
        let mut out = self.quoted(&column.name);
        out.push(' ');
        if column.autoincrement {
            out.push_str(&self.autoincrement_type(column));
        } else {
            out.push_str(&self.column_type(&column.ty));
        }
        if let Some(default) = &column.server_default {
            out.push_str(" DEFAULT ");
            out.push_str(&self.default_sql(default));
        }
        if !column.nullable {
            out.push_str(" NOT NULL");
        }
        out
    }

    /// `CONSTRAINT "uq_..." UNIQUE ("a", "b")`.
    fn unique_constraint(&self, unique: &UniqueDef) -> String {
        format!(
            "CONSTRAINT {} UNIQUE ({})",
            self.quoted(&unique.name),
            self.quoted_list(&unique.columns)
        )
    }

    /// `CONSTRAINT "ck_..." CHECK (expr)`.
    fn check_constraint(&self, check: &CheckDef) -> String {
        format!(
            "CONSTRAINT {} CHECK ({})",
            self.quoted(&check.name),
            check.expr
        )
    }

    /// `CONSTRAINT "fk_..." FOREIGN KEY ("a") REFERENCES "t" ("id") ON DELETE CASCADE`.
    fn foreign_key_constraint(&self, fk: &ForeignKeyDef) -> String {
        let mut out = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            self.quoted(&fk.name),
            self.quoted_list(&fk.columns),
            self.quoted(&fk.ref_table),
            self.quoted_list(&fk.ref_columns)
        );
        if fk.on_delete != crate::schema::FkAction::NoAction {
            out.push_str(" ON DELETE ");
            out.push_str(fk.on_delete.as_sql());
        }
        if fk.on_update != crate::schema::FkAction::NoAction {
            out.push_str(" ON UPDATE ");
            out.push_str(fk.on_update.as_sql());
        }
        out
    }

    /// `CREATE TABLE` with every column and constraint; foreign keys for which `inline_fk` answers
    /// false are left out (they close a cycle and are added later with [`Dialect::add_foreign_key`]).
    fn create_table(&self, table: &TableDef, inline_fk: &dyn Fn(&ForeignKeyDef) -> bool) -> String {
        let mut parts: Vec<String> = table
            .columns
            .iter()
            .map(|c| self.column_definition(c))
            .collect();
        if !table.primary_key.is_empty() {
            parts.push(format!(
                "PRIMARY KEY ({})",
                self.quoted_list(&table.primary_key)
            ));
        }
        parts.extend(table.uniques.iter().map(|u| self.unique_constraint(u)));
        parts.extend(
            table
                .foreign_keys
                .iter()
                .filter(|fk| inline_fk(fk))
                .map(|fk| self.foreign_key_constraint(fk)),
        );
        parts.extend(table.checks.iter().map(|c| self.check_constraint(c)));
        format!(
            "CREATE TABLE {} (\n\t{}\n)",
            self.quoted(&table.name),
            parts.join(",\n\t")
        )
    }

    /// `DROP TABLE "t"`.
    fn drop_table(&self, table: &str) -> String {
        format!("DROP TABLE {}", self.quoted(table))
    }

    /// `CREATE [UNIQUE] INDEX "ix_..." ON "t" ("a")`.
    fn create_index(&self, table: &str, index: &IndexDef) -> String {
        format!(
            "CREATE {}INDEX {} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            self.quoted(&index.name),
            self.quoted(table),
            self.quoted_list(&index.columns)
        )
    }

    /// `DROP INDEX "ix_..."`.
    fn drop_index(&self, _table: &str, index: &str) -> String {
        format!("DROP INDEX {}", self.quoted(index))
    }

    /// `ALTER TABLE "t" ADD CONSTRAINT ... FOREIGN KEY ...`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Unsupported`] where the backend cannot add a constraint to an existing table.
    fn add_foreign_key(&self, table: &str, fk: &ForeignKeyDef) -> crate::Result<String> {
        Ok(format!(
            "ALTER TABLE {} ADD {}",
            self.quoted(table),
            self.foreign_key_constraint(fk)
        ))
    }

    /// Every statement that creates `table` and its indexes.
    fn create_table_with_indexes(
        &self,
        table: &TableDef,
        inline_fk: &dyn Fn(&ForeignKeyDef) -> bool,
    ) -> Vec<String> {
        std::iter::once(self.create_table(table, inline_fk))
            .chain(
                table
                    .indexes
                    .iter()
                    .map(|i| self.create_index(&table.name, i)),
            )
            .collect()
    }
}

/// The dialect for a kind.
pub fn dialect_for(kind: DialectKind) -> &'static dyn Dialect {
    match kind {
        DialectKind::Sqlite => &Sqlite,
        DialectKind::Postgres => &Postgres,
    }
}
