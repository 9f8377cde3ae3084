//! SQLite's spelling.

use std::fmt::Write as _;

use super::{Dialect, DialectKind};
use crate::schema::{ColumnDef, ColumnType, ForeignKeyDef};

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn check_float(&self, value: f64) -> crate::Result<()> {
        if value.is_nan() {
            return Err(crate::Error::InvalidValue(
                "NaN cannot be stored in SQLite (it would be stored as NULL)".to_owned(),
            ));
        }
        Ok(())
    }

    fn kind(&self) -> DialectKind {
        DialectKind::Sqlite
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    /// Numbered `?N`, so one value can be referred to twice and the order matches the parameter list.
    fn placeholder(&self, n: usize, out: &mut String) {
        let _ = write!(out, "?{n}");
    }

    /// Takes the write lock at once. A deferred transaction that reads and then writes can find
    /// another writer holding the lock, and SQLite then fails at once (SQLITE_BUSY, no waiting) to
    /// avoid a deadlock; sessions begin a transaction only to write, so they ask for the lock up
    /// front and wait their turn under the busy timeout.
    fn begin_sql(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn list_tables_sql(&self) -> &'static str {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    }

    /// SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite (32766 since 3.32).
    fn max_params(&self) -> usize {
        32_766
    }

    fn substring_position(&self) -> Option<&'static str> {
        Some("instr")
    }

    /// SQLITE_MAX_LIKE_PATTERN_LENGTH, in bytes.
    fn like_pattern_limit(&self) -> Option<usize> {
        Some(50_000)
    }

    fn bound_list(&self) -> Option<crate::dialect::BoundList> {
        Some(crate::dialect::BoundList::JsonEach)
    }

    fn column_type(&self, ty: &ColumnType) -> String {
        match ty {
            // Any name is valid in SQLite; these two keep naive and zoned timestamps apart when the
            // schema is reflected (both get NUMERIC affinity, which leaves the text as written).
            ColumnType::TimestampTz => "TIMESTAMPTZ".to_owned(),
            ColumnType::Timestamp => "DATETIME".to_owned(),
            other => super::portable_column_type(other),
        }
    }

    /// Exactly `INTEGER`: only that spelling makes the column an alias of the rowid, which is what
    /// makes SQLite assign it. `AUTOINCREMENT` is left out, as SQLAlchemy does: it costs a table
    /// lookup per insert and only prevents reuse of the largest deleted id.
    fn autoincrement_type(&self, _column: &ColumnDef) -> String {
        "INTEGER".to_owned()
    }

    fn is_embedded(&self) -> bool {
        true
    }

    /// One writer at a time holds the whole database (`BEGIN IMMEDIATE`): no order of rows can
    /// deadlock.
    fn locks_rows(&self) -> bool {
        false
    }

    /// SQLite accepts OFFSET only after a LIMIT; a negative LIMIT means none.
    fn limit_before_bare_offset(&self) -> Option<&'static str> {
        Some(" LIMIT -1")
    }

    fn allows_forward_references(&self) -> bool {
        true
    }

    /// Valid inside the transaction that drops the tables, and reset by its end.
    fn defer_foreign_keys_sql(&self) -> Option<&'static str> {
        Some("PRAGMA defer_foreign_keys = ON")
    }

    /// `?N`: numbered, so one value can still be referred to twice.
    fn raw_sql(&self, sql: &str, params: &[crate::Value]) -> (String, Vec<crate::Value>) {
        (super::dollar_to_question(sql), params.to_vec())
    }

    fn bool_literal(&self, b: bool) -> &'static str {
        if b {
            "1"
        } else {
            "0"
        }
    }

    /// SQLite cannot add a constraint to an existing table; it does not need to either, since it accepts
    /// a foreign key to a table that does not exist yet.
    fn add_foreign_key(&self, _table: &str, _fk: &ForeignKeyDef) -> crate::Result<String> {
        Err(crate::Error::Unsupported {
            dialect: "sqlite",
            feature: "ALTER TABLE ... ADD CONSTRAINT (rebuild the table instead)".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnType, DefaultExpr, FkAction, IndexDef, TableDef, UniqueDef};

    fn user() -> TableDef {
        let mut t = TableDef::new("user");
        t.columns = vec![
            ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key(),
            ColumnDef::new("username", ColumnType::Varchar(64)),
            ColumnDef::new("created", ColumnType::TimestampTz)
                .nullable(true)
                .server_default(DefaultExpr::CurrentTimestamp),
            ColumnDef::new("active", ColumnType::Boolean).server_default(DefaultExpr::Bool(true)),
            ColumnDef::new("note", ColumnType::Text)
                .nullable(true)
                .server_default(DefaultExpr::Text("it's".into())),
        ];
        t.primary_key = vec!["id".into()];
        t.indexes = vec![IndexDef {
            name: "ix_user_username".into(),
            columns: vec!["username".into()],
            unique: true,
        }];
        t.uniques = vec![UniqueDef {
            name: "uq_user_note".into(),
            columns: vec!["note".into()],
        }];
        t
    }

    #[test]
    fn create_table_uses_rowid_alias_and_sqlite_literals() {
        let sql = Sqlite.create_table_with_indexes(&user(), &|_| true);
        assert_eq!(
            sql,
            [
                "CREATE TABLE \"user\" (\n\t\"id\" INTEGER NOT NULL,\n\t\"username\" VARCHAR(64) NOT NULL,\n\t\"created\" TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,\n\t\"active\" BOOLEAN DEFAULT 1 NOT NULL,\n\t\"note\" TEXT DEFAULT 'it''s',\n\tPRIMARY KEY (\"id\"),\n\tCONSTRAINT \"uq_user_note\" UNIQUE (\"note\")\n)",
                "CREATE UNIQUE INDEX \"ix_user_username\" ON \"user\" (\"username\")",
            ]
        );
    }

    #[test]
    fn identifiers_are_quoted_with_doubled_quotes() {
        assert_eq!(Sqlite.quoted("we\"ird"), "\"we\"\"ird\"");
        let mut p = String::new();
        Sqlite.placeholder(3, &mut p);
        assert_eq!(p, "?3");
    }

    #[test]
    fn foreign_keys_render_inline_and_cannot_be_added_later() {
        let fk = ForeignKeyDef {
            name: "fk_post_user_id_user".into(),
            columns: vec!["user_id".into()],
            ref_table: "user".into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        };
        assert_eq!(
            Sqlite.foreign_key_constraint(&fk),
            "CONSTRAINT \"fk_post_user_id_user\" FOREIGN KEY (\"user_id\") REFERENCES \"user\" (\"id\") ON DELETE CASCADE"
        );
        assert!(Sqlite.add_foreign_key("post", &fk).is_err());
        assert_eq!(
            Sqlite.drop_index("user", "ix_user_username"),
            "DROP INDEX \"ix_user_username\""
        );
    }
}
