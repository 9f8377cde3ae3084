//! The [`Dialect`] trait with the common (ANSI) behaviour as its default methods; each backend's dialect overrides only what differs.

use super::{Postgres, Sqlite};
use crate::schema::{
    CheckDef, ColumnDef, ColumnType, DefaultExpr, ForeignKeyDef, IndexDef, TableDef, UniqueDef,
};
use std::fmt::{self, Write as _};

/// How a long IN list is bound as one parameter ([`Dialect::bound_list`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BoundList {
    /// `x = ANY($1)` with an array of the column's type (PostgreSQL).
    Array,
    /// `x IN (SELECT value FROM json_each(?1))` with a JSON array (SQLite).
    JsonEach,
}

/// Which backend a dialect speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DialectKind {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB (the dialect's [`super::MySql::is_mariadb`] tells which capabilities).
    MySql,
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

    /// What every connection sets up before its first statement, as SQL (MySQL's session
    /// `sql_mode` and time zone), so that a script run by another client means the same.
    fn session_setup_sql(&self) -> Option<&'static str> {
        None
    }

    /// The statement that starts a transaction.
    fn begin_sql(&self) -> &'static str {
        "BEGIN"
    }

    /// A query listing the tables of the current database (or schema), one name per row.
    fn list_tables_sql(&self) -> &'static str;

    /// The most parameters one statement may bind.
    fn max_params(&self) -> usize;

    /// The most parameters the database takes in one statement at all (by default
    /// [`Dialect::max_params`]); a statement with more is refused before it is sent.
    fn param_limit(&self) -> usize {
        self.max_params()
    }

    /// How a long IN list of values is bound as one parameter, where the database can: without
    /// it, thousands of values would exceed the parameter limit.
    fn bound_list(&self) -> Option<BoundList> {
        None
    }

    // Capabilities: the questions the layers above ask instead of the backend's name.

    /// Whether `INSERT`, `UPDATE` and `DELETE` take a `RETURNING` clause. Without it, the flush
    /// inserts one row per statement and reads its generated key back from the connection.
    fn supports_returning(&self) -> bool {
        true
    }

    /// Whether `UPDATE` takes a `RETURNING` clause (MariaDB returns from INSERT and DELETE only).
    fn supports_update_returning(&self) -> bool {
        self.supports_returning()
    }

    /// The query returning the key the connection's last INSERT generated, for a backend whose
    /// driver does not report it by itself (SQLite's does).
    fn last_insert_id_sql(&self) -> Option<&'static str> {
        None
    }

    /// Whether the database runs in the process: a prepared statement per row costs no round trip,
    /// and beats building a long `IN` list or `VALUES` table (SQLite).
    fn is_embedded(&self) -> bool {
        false
    }

    /// Whether writers lock rows (not the whole database), so that sessions writing the same rows in
    /// different orders can deadlock: the flush then writes each table's rows in key order.
    fn locks_rows(&self) -> bool {
        true
    }

    /// Whether the flush may update many rows in one `UPDATE ... FROM (VALUES ...)` statement.
    fn supports_update_from_values(&self) -> bool {
        false
    }

    /// Whether the flush may update many rows in one `UPDATE t JOIN (SELECT ... UNION ALL SELECT
    /// ...) AS v ON ... SET ...` statement (MySQL's multi-table UPDATE).
    fn supports_update_join(&self) -> bool {
        false
    }

    /// Whether the database stores `value` as the float it is: SQLite turns NaN into NULL and
    /// MySQL refuses NaN and the infinities, which are then refused here with a clear error.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidValue`] naming the value and the database.
    fn check_float(&self, value: f64) -> crate::Result<()> {
        let _ = value;
        Ok(())
    }

    /// The longest LIKE pattern the database takes, in bytes (SQLite: 50,000); a starts-with or
    /// ends-with text near it is compared with `instr`, `substr` and `length` instead, as SQLite
    /// spells them.
    fn like_pattern_limit(&self) -> Option<usize> {
        None
    }

    /// The function giving the position of a substring (`instr(x, ?)`), with which `contains` is
    /// a substring search rather than `LIKE '%...%'`: SQLite's LIKE backtracks (seconds for a
    /// 3,000-character needle in a 1 MB value), MySQL's and PostgreSQL's are slower too.
    fn substring_position(&self) -> Option<&'static str> {
        None
    }

    /// Whether `ILIKE` exists; without it a case-insensitive match is `lower(a) LIKE lower(b)`.
    fn supports_ilike(&self) -> bool {
        false
    }

    /// Whether `LIKE` takes `\` as its escape character unless told otherwise (PostgreSQL); a
    /// pattern without an escape then says `ESCAPE ''`, so that it means the same everywhere.
    fn like_escapes_backslash_by_default(&self) -> bool {
        false
    }

    /// What stands in for "no limit" before an OFFSET, where the grammar requires a LIMIT.
    fn limit_before_bare_offset(&self) -> Option<&'static str> {
        None
    }

    /// Whether `ORDER BY` takes `NULLS FIRST` / `NULLS LAST`; without it, the order of NULLs is
    /// asked for with an `x IS NULL` term before the column.
    fn supports_nulls_order(&self) -> bool {
        true
    }

    /// The type `CAST(x AS ...)` names for a 64-bit integer.
    fn cast_type_bigint(&self) -> &'static str {
        "BIGINT"
    }

    /// The type `CAST(x AS ...)` names for a 64-bit float.
    fn cast_type_double(&self) -> &'static str {
        "DOUBLE PRECISION"
    }

    /// Whether a failed statement aborts the rest of its transaction (PostgreSQL): only a rollback
    /// (to a savepoint) can follow, and a COMMIT would silently roll back.
    fn failed_statement_aborts_transaction(&self) -> bool {
        false
    }

    /// Whether a foreign key may name a table that does not exist yet (SQLite), so a cycle of
    /// tables needs no `ALTER TABLE ... ADD CONSTRAINT` afterwards.
    fn allows_forward_references(&self) -> bool {
        false
    }

    /// The statement that postpones foreign key checks to the commit, inside a transaction, so
    /// tables that refer to each other can be dropped in any order; `None` where the constraints
    /// that close a cycle are dropped first instead.
    fn defer_foreign_keys_sql(&self) -> Option<&'static str> {
        None
    }

    /// Raw SQL written with `$1`, `$2` placeholders, and its parameters, in this dialect's spelling
    /// (a dialect with positional placeholders lays the parameters out in the order of reference).
    fn raw_sql(&self, sql: &str, params: &[crate::Value]) -> (String, Vec<crate::Value>) {
        (sql.to_owned(), params.to_vec())
    }

    /// Whether the upsert is spelled `ON DUPLICATE KEY UPDATE` (MySQL) rather than `ON CONFLICT`.
    fn upsert_on_duplicate_key(&self) -> bool {
        false
    }

    /// What follows `INSERT INTO "t"` to insert a row of defaults only.
    fn insert_default_values(&self) -> &'static str {
        " DEFAULT VALUES"
    }

    /// The longest name of a table, column, index or constraint the database keeps whole.
    fn max_identifier_length(&self) -> usize {
        usize::MAX
    }

    /// The type name of a column.
    fn column_type(&self, ty: &ColumnType) -> String {
        portable_column_type(ty)
    }

    /// The statement that creates the type `ty` needs before a table can use it (a native enum),
    /// if any; it does nothing when the type exists.
    fn create_type(&self, ty: &ColumnType) -> Option<String> {
        let _ = ty;
        None
    }

    /// The statement that drops the type `ty` made by [`Dialect::create_type`], if any; it leaves
    /// a type another table still uses.
    fn drop_type(&self, ty: &ColumnType) -> Option<String> {
        let _ = ty;
        None
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

    /// The columns of a key (primary, unique, index) of `table`, quoted and comma-separated; a
    /// dialect that cannot index some types whole adds a prefix length (MySQL).
    fn key_columns(&self, table: &TableDef, columns: &[String]) -> String {
        let _ = table;
        self.quoted_list(columns)
    }

    /// What follows the closing parenthesis of `CREATE TABLE` (MySQL: engine and collation).
    fn create_table_options(&self) -> &'static str {
        ""
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
                self.key_columns(table, &table.primary_key)
            ));
        }
        parts.extend(table.uniques.iter().map(|u| {
            format!(
                "CONSTRAINT {} UNIQUE ({})",
                self.quoted(&u.name),
                self.key_columns(table, &u.columns)
            )
        }));
        parts.extend(
            table
                .foreign_keys
                .iter()
                .filter(|fk| inline_fk(fk))
                .map(|fk| self.foreign_key_constraint(fk)),
        );
        parts.extend(table.checks.iter().map(|c| self.check_constraint(c)));
        format!(
            "CREATE TABLE {} (\n\t{}\n){}",
            self.quoted(&table.name),
            parts.join(",\n\t"),
            self.create_table_options()
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

    /// `CREATE [UNIQUE] INDEX` on `table`, whose definition the dialect may need (key prefixes).
    fn create_index_on(&self, table: &TableDef, index: &IndexDef) -> String {
        format!(
            "CREATE {}INDEX {} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            self.quoted(&index.name),
            self.quoted(&table.name),
            self.key_columns(table, &index.columns)
        )
    }

    /// `DROP INDEX "ix_..."`.
    fn drop_index(&self, _table: &str, index: &str) -> String {
        format!("DROP INDEX {}", self.quoted(index))
    }

    /// `ALTER TABLE "t" DROP CONSTRAINT IF EXISTS "fk_..."`.
    fn drop_foreign_key_if_exists(&self, table: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
            self.quoted(table),
            self.quoted(name)
        )
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
        let mut types: Vec<String> = Vec::new();
        for sql in table.columns.iter().filter_map(|c| self.create_type(&c.ty)) {
            if !types.contains(&sql) {
                types.push(sql);
            }
        }
        types
            .into_iter()
            .chain(std::iter::once(self.create_table(table, inline_fk)))
            .chain(table.indexes.iter().map(|i| self.create_index_on(table, i)))
            .collect()
    }
}

/// A column type as every dialect spells it unless it says otherwise: the type's own display, an
/// enum as the `VARCHAR` it is stored in where there is no native one.
pub fn portable_column_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Enum { values, .. } => format!("VARCHAR({})", ColumnType::enum_width(values)),
        other => other.to_string(),
    }
}

/// Rewrites `$n` placeholders as `?n`, leaving literals, quoted names and comments alone.
pub(crate) fn dollar_to_question(sql: &str) -> String {
    rewrite_dollar_params(sql, |n, out| {
        let _ = write!(out, "?{n}");
    })
}

/// Replaces each `$n` placeholder by what `write` writes for `n`, leaving literals, quoted names and
/// comments alone.
pub(crate) fn rewrite_dollar_params(
    sql: &str,
    mut write: impl FnMut(usize, &mut String),
) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                out.push(c);
                // A doubled quote inside is two quotes in a row: leaving and re-entering is the same.
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                out.push(c);
                let mut prev = '\0';
                for d in chars.by_ref() {
                    out.push(d);
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(d as usize);
                    chars.next();
                }
                write(n, &mut out);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The dialect for a kind.
pub fn dialect_for(kind: DialectKind) -> &'static dyn Dialect {
    match kind {
        DialectKind::Sqlite => &Sqlite,
        DialectKind::Postgres => &Postgres,
        DialectKind::MySql => &super::mysql::MYSQL8,
    }
}
