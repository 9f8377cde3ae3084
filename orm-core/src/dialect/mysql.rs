//! MySQL's and MariaDB's spelling: one type, two sets of capabilities.
//!
//! Tables are created in `utf8mb4` with the binary collation, so that comparisons of text are
//! case-sensitive and exact as on SQLite and PostgreSQL (`ilike` lowers both sides); what remains is
//! MySQL's PAD SPACE rule: `=` ignores trailing spaces (`LIKE` does not).
//!
//! The connection pins the session to what this spelling assumes (see the backend): `time_zone` is
//! UTC, so `CURRENT_TIMESTAMP` and a `DATETIME(6)` holding a `DateTime<Utc>` agree whatever the
//! server's zone; `sql_mode` adds `STRICT_ALL_TABLES` (a value that does not fit is an error, never a
//! silent truncation) and `NO_BACKSLASH_ESCAPES` (a string literal means what it says, as in standard
//! SQL, and `LIKE` has no escape character unless told).

use std::fmt::Write as _;

use super::{Dialect, DialectKind};
use crate::schema::{ColumnDef, ColumnType, DefaultExpr, TableDef};
use crate::value::Value;

/// The MySQL family: MySQL 8 and MariaDB 10.5+, which differ in what they can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MySql {
    mariadb: bool,
}

impl MySql {
    /// MySQL 8: no `RETURNING` anywhere; generated keys come from the connection.
    pub const MYSQL8: MySql = MySql { mariadb: false };
    /// MariaDB 10.5+: `INSERT ... RETURNING` and `DELETE ... RETURNING`, but no `UPDATE ...
    /// RETURNING`.
    pub const MARIADB: MySql = MySql { mariadb: true };

    /// Whether this is MariaDB's set of capabilities.
    pub fn is_mariadb(&self) -> bool {
        self.mariadb
    }
}

/// The two dialects as statics, so that an engine can hold `&'static dyn Dialect`.
pub(crate) static MYSQL8: MySql = MySql::MYSQL8;
pub(crate) static MARIADB: MySql = MySql::MARIADB;

/// The length of an index prefix on a TEXT or BLOB column, which MySQL cannot index whole: 768
/// characters of four bytes fill InnoDB's 3072-byte key limit.
const KEY_PREFIX: u32 = 768;

impl Dialect for MySql {
    /// LIKE took 150 ms for a 3,000-character needle in a 1 MB value, `INSTR` 20 ms.
    fn substring_position(&self) -> Option<&'static str> {
        Some("INSTR")
    }

    fn check_float(&self, value: f64) -> crate::Result<()> {
        if !value.is_finite() {
            return Err(crate::Error::InvalidValue(format!(
                "{value} cannot be stored in {}: its floating-point columns hold finite numbers only",
                self.name()
            )));
        }
        Ok(())
    }

    fn kind(&self) -> DialectKind {
        DialectKind::MySql
    }

    fn name(&self) -> &'static str {
        if self.mariadb {
            "mariadb"
        } else {
            "mysql"
        }
    }

    fn quote_ident(&self, ident: &str, out: &mut String) {
        out.push('`');
        for ch in ident.chars() {
            if ch == '`' {
                out.push('`');
            }
            out.push(ch);
        }
        out.push('`');
    }

    /// Positional `?`: the writer binds parameters in the order they appear in the text.
    fn placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }

    /// UTC, strict, no backslash escapes, and `"` quoting identifiers, as the other databases.
    fn session_setup_sql(&self) -> Option<&'static str> {
        Some(SESSION_SETUP)
    }

    fn begin_sql(&self) -> &'static str {
        "START TRANSACTION"
    }

    fn list_tables_sql(&self) -> &'static str {
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name"
    }

    /// The protocol counts a statement's parameters in 16 bits.
    fn max_params(&self) -> usize {
        65_535
    }

    fn supports_returning(&self) -> bool {
        self.mariadb
    }

    /// Neither MySQL nor MariaDB has `UPDATE ... RETURNING`.
    fn supports_update_returning(&self) -> bool {
        false
    }

    /// `LIMIT` is required before `OFFSET`; the largest unsigned 64-bit value means none.
    fn limit_before_bare_offset(&self) -> Option<&'static str> {
        Some(" LIMIT 18446744073709551615")
    }

    fn supports_update_join(&self) -> bool {
        true
    }

    fn supports_nulls_order(&self) -> bool {
        false
    }

    /// MySQL casts to SIGNED, not to BIGINT.
    fn cast_type_bigint(&self) -> &'static str {
        "SIGNED"
    }

    fn cast_type_double(&self) -> &'static str {
        "DOUBLE"
    }

    fn upsert_on_duplicate_key(&self) -> bool {
        true
    }

    fn insert_default_values(&self) -> &'static str {
        " () VALUES ()"
    }

    /// `$n` becomes `?`, and the parameters are laid out in the order they are referred to (a value
    /// referred to twice is bound twice).
    fn raw_sql(&self, sql: &str, params: &[Value]) -> (String, Vec<Value>) {
        let mut order = Vec::new();
        let text = super::rewrite_dollar_params(sql, |n, out| {
            out.push('?');
            order.push(n);
        });
        if order.is_empty() {
            return (text, params.to_vec());
        }
        let params = order
            .into_iter()
            .map(|n| {
                n.checked_sub(1)
                    .and_then(|i| params.get(i))
                    .cloned()
                    .unwrap_or(Value::Null)
            })
            .collect();
        (text, params)
    }

    fn column_type(&self, ty: &ColumnType) -> String {
        match ty {
            ColumnType::Boolean => "BOOL".to_owned(),
            ColumnType::SmallInt => "SMALLINT".to_owned(),
            ColumnType::Integer => "INT".to_owned(),
            ColumnType::Real => "FLOAT".to_owned(),
            ColumnType::Double => "DOUBLE".to_owned(),
            ColumnType::Text => "LONGTEXT".to_owned(),
            ColumnType::Blob => "LONGBLOB".to_owned(),
            // Microseconds, as the other databases keep; a zoned timestamp is stored as its UTC
            // wall time (the session's zone is UTC), so the instant survives any server zone.
            ColumnType::Timestamp | ColumnType::TimestampTz => "DATETIME(6)".to_owned(),
            ColumnType::Time => "TIME(6)".to_owned(),
            ColumnType::Uuid => "CHAR(36)".to_owned(),
            other => super::portable_column_type(other),
        }
    }

    fn autoincrement_type(&self, column: &ColumnDef) -> String {
        format!("{} AUTO_INCREMENT", self.column_type(&column.ty))
    }

    fn default_sql(&self, default: &DefaultExpr) -> String {
        match default {
            // The precision must match the column's DATETIME(6).
            DefaultExpr::CurrentTimestamp => "CURRENT_TIMESTAMP(6)".to_owned(),
            DefaultExpr::Bool(b) => self.bool_literal(*b).to_owned(),
            DefaultExpr::Integer(i) => i.to_string(),
            DefaultExpr::Float(f) => format!("{f:?}"),
            // Parenthesised: MySQL takes a default on a TEXT column only as an expression.
            DefaultExpr::Text(s) => {
                let mut out = String::from("(");
                self.string_literal(s, &mut out);
                out.push(')');
                out
            }
            DefaultExpr::Sql(s) => format!("({s})"),
        }
    }

    /// A TEXT or BLOB column cannot be indexed whole: it takes a prefix.
    fn key_columns(&self, table: &TableDef, columns: &[String]) -> String {
        let mut out = String::new();
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.quote_ident(column, &mut out);
            let long = table
                .columns
                .iter()
                .find(|c| &c.name == column)
                .is_some_and(|c| matches!(c.ty, ColumnType::Text | ColumnType::Blob));
            if long {
                let _ = write!(out, "({KEY_PREFIX})");
            }
        }
        out
    }

    fn create_table_options(&self) -> &'static str {
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    }

    /// Index names are scoped to their table.
    fn drop_index(&self, table: &str, index: &str) -> String {
        format!(
            "DROP INDEX {} ON {}",
            self.quoted(index),
            self.quoted(table)
        )
    }

    /// MariaDB says `IF EXISTS`; MySQL 8 cannot, and drops the key it was told exists.
    fn drop_foreign_key_if_exists(&self, table: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {} DROP FOREIGN KEY {}{}",
            self.quoted(table),
            if self.mariadb { "IF EXISTS " } else { "" },
            self.quoted(name)
        )
    }

    fn max_identifier_length(&self) -> usize {
        64
    }
}

/// The session setup of every MySQL connection ([`Dialect::session_setup_sql`]).
pub(crate) const SESSION_SETUP: &str = "SET time_zone = '+00:00', \
     sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES,ANSI_QUOTES')";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{FkAction, ForeignKeyDef, IndexDef, UniqueDef};

    fn post() -> TableDef {
        let mut t = TableDef::new("post");
        t.columns = vec![
            ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key(),
            ColumnDef::new("body", ColumnType::Text)
                .server_default(DefaultExpr::Text("it's".into())),
            ColumnDef::new("at", ColumnType::TimestampTz)
                .server_default(DefaultExpr::CurrentTimestamp),
            ColumnDef::new("user_id", ColumnType::BigInt),
        ];
        t.primary_key = vec!["id".into()];
        t.uniques = vec![UniqueDef {
            name: "uq_post_body".into(),
            columns: vec!["body".into()],
        }];
        t.indexes = vec![IndexDef {
            name: "ix_post_user_id".into(),
            columns: vec!["user_id".into()],
            unique: false,
        }];
        t.foreign_keys = vec![ForeignKeyDef {
            name: "fk_post_user_id_user".into(),
            columns: vec!["user_id".into()],
            ref_table: "user".into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        }];
        t
    }

    #[test]
    fn create_table_uses_backticks_auto_increment_and_key_prefixes() {
        assert_eq!(
            MySql::MARIADB.create_table_with_indexes(&post(), &|_| true),
            [
                "CREATE TABLE `post` (\n\t`id` BIGINT AUTO_INCREMENT NOT NULL,\n\t`body` LONGTEXT DEFAULT ('it''s') NOT NULL,\n\t`at` DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) NOT NULL,\n\t`user_id` BIGINT NOT NULL,\n\tPRIMARY KEY (`id`),\n\tCONSTRAINT `uq_post_body` UNIQUE (`body`(768)),\n\tCONSTRAINT `fk_post_user_id_user` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
                "CREATE INDEX `ix_post_user_id` ON `post` (`user_id`)",
            ]
        );
        assert_eq!(
            MySql::MYSQL8.drop_foreign_key_if_exists("post", "fk"),
            "ALTER TABLE `post` DROP FOREIGN KEY `fk`"
        );
        assert_eq!(
            MySql::MARIADB.drop_index("post", "ix"),
            "DROP INDEX `ix` ON `post`"
        );
        assert_eq!(MySql::MYSQL8.quoted("we`ird"), "`we``ird`");
    }

    #[test]
    fn raw_parameters_are_laid_out_in_the_order_they_are_referred_to() {
        let (sql, params) = MySql::MYSQL8.raw_sql(
            "SELECT $2, '$1', $1, `$3` FROM t WHERE a = $2",
            &[Value::I64(1), Value::I64(2)],
        );
        assert_eq!(sql, "SELECT ?, '$1', ?, `$3` FROM t WHERE a = ?");
        assert_eq!(params, [Value::I64(2), Value::I64(1), Value::I64(2)]);
    }
}
