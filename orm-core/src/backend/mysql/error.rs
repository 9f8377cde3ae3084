//! MySQL's and MariaDB's error numbers mapped to the portable error kinds.

use crate::backend::driver::identifier;
use crate::error::{ConstraintKind, ConstraintViolation, Error};

/// Server errors that mean the session is gone: shutdown (1053), killed (1927), and MySQL 8's
/// inactivity disconnect (4031); the client's own "server has gone away" (2006) and "lost connection"
/// (2013) numbers, should a proxy pass them on.
const CONNECTION_GONE: [u16; 5] = [1053, 1927, 4031, 2006, 2013];

/// Maps a `mysql` error: constraint violations by error number, with the table, constraint and
/// columns read from the server's message; a broken socket or a killed session as
/// [`Error::ConnectionLost`].
pub(crate) fn map_error(err: mysql::Error) -> Error {
    let db = match &err {
        mysql::Error::MySqlError(db) => db,
        mysql::Error::IoError(_) | mysql::Error::CodecError(_) => {
            return Error::ConnectionLost {
                message: err.to_string(),
            }
        }
        // The conversation with the server lost its place: nothing more can be read on it.
        mysql::Error::DriverError(
            mysql::DriverError::PacketOutOfSync | mysql::DriverError::UnexpectedPacket,
        ) => {
            return Error::ConnectionLost {
                message: err.to_string(),
            }
        }
        _ => return Error::database(err.to_string(), None, err),
    };
    if CONNECTION_GONE.contains(&db.code) {
        return Error::ConnectionLost {
            message: db.message.clone(),
        };
    }
    // ER_LOCK_WAIT_TIMEOUT.
    if db.code == 1205 {
        return Error::Busy {
            message: db.message.clone(),
            code: db.code.to_string(),
        };
    }
    match violation(db.code, &db.message) {
        Some(v) => Error::Constraint(v),
        None => {
            let (message, code) = (db.message.clone(), Some(db.code.to_string()));
            Error::database(message, code, err)
        }
    }
}

/// The constraint violation an error number and message describe, if they describe one.
fn violation(code: u16, message: &str) -> Option<ConstraintViolation> {
    let mut v = ConstraintViolation {
        kind: ConstraintKind::Unique,
        table: None,
        constraint: None,
        columns: Vec::new(),
        message: message.to_owned(),
    };
    match code {
        // ER_DUP_ENTRY: "Duplicate entry 'a' for key 'uq_user_email'"; MySQL 8 writes
        // 'user.uq_user_email'. The key of a primary key is called PRIMARY.
        1062 | 1586 => {
            let key = message.rsplit_once(" for key ").map(|(_, k)| unquote(k))?;
            match key.split_once('.') {
                Some((table, name)) => {
                    v.table = Some(table.to_owned());
                    v.constraint = Some(name.to_owned());
                }
                None => v.constraint = Some(key.to_owned()),
            }
        }
        // ER_ROW_IS_REFERENCED(_2), ER_NO_REFERENCED_ROW(_2): "... a foreign key constraint fails
        // (`db`.`post`, CONSTRAINT `fk_post_user_id_user` FOREIGN KEY (`user_id`) REFERENCES ...)".
        1451 | 1452 | 1216 | 1217 => {
            v.kind = ConstraintKind::ForeignKey;
            if let Some(detail) = message.split_once(" fails (").map(|(_, d)| d) {
                let names = backquoted(detail);
                v.table = names.get(1).cloned();
                v.constraint = names.get(2).cloned();
                v.columns = detail
                    .split_once("FOREIGN KEY (")
                    .and_then(|(_, rest)| rest.split_once(')'))
                    .map(|(cols, _)| backquoted(cols))
                    .unwrap_or_default();
            }
        }
        // ER_BAD_NULL_ERROR: "Column 'email' cannot be null"; ER_NO_DEFAULT_FOR_FIELD: "Field
        // 'email' doesn't have a default value" (a NOT NULL column left out of the INSERT).
        1048 | 1364 => {
            v.kind = ConstraintKind::NotNull;
            let column = message.split('\'').nth(1)?;
            v.columns.push(column.to_owned());
        }
        // MySQL's ER_CHECK_CONSTRAINT_VIOLATED: "Check constraint 'ck_x' is violated."; MariaDB's
        // ER_CONSTRAINT_FAILED: "CONSTRAINT `ck_x` failed for `db`.`t`".
        3819 => {
            v.kind = ConstraintKind::Check;
            v.constraint = message.split('\'').nth(1).map(str::to_owned);
        }
        4025 => {
            v.kind = ConstraintKind::Check;
            let names = backquoted(message);
            v.constraint = names.first().cloned();
            v.table = names.get(2).cloned();
        }
        _ => return None,
    }
    Some(v)
}

/// The text of `'quoted'`, or the text itself.
fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or(s)
}

/// Every `` `name` `` in `s`, in order, doubled backquotes undone.
fn backquoted(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some((name, after)) = rest.find('`').and_then(|i| identifier(&rest[i..])) {
        out.push(name);
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_name_the_key_and_on_mysql_8_the_table() {
        let v = violation(1062, "Duplicate entry 'a@b.c' for key 'uq_user_email'").unwrap();
        assert_eq!(v.kind, ConstraintKind::Unique);
        assert_eq!(
            (v.table, v.constraint.as_deref()),
            (None, Some("uq_user_email"))
        );
        let v = violation(1062, "Duplicate entry 'it's' for key 'user.uq_user_email'").unwrap();
        assert_eq!(v.table.as_deref(), Some("user"));
        assert_eq!(v.constraint.as_deref(), Some("uq_user_email"));
    }

    #[test]
    fn foreign_keys_name_the_child_table_constraint_and_columns() {
        let v = violation(
            1452,
            "Cannot add or update a child row: a foreign key constraint fails (`test`.`post`, CONSTRAINT `fk_post_user_id_user` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`))",
        )
        .unwrap();
        assert_eq!(v.kind, ConstraintKind::ForeignKey);
        assert_eq!(v.table.as_deref(), Some("post"));
        assert_eq!(v.constraint.as_deref(), Some("fk_post_user_id_user"));
        assert_eq!(v.columns, ["user_id"]);
    }

    #[test]
    fn not_null_and_check_violations() {
        let v = violation(1048, "Column 'email' cannot be null").unwrap();
        assert_eq!(
            (v.kind, v.columns.as_slice()),
            (ConstraintKind::NotNull, &["email".to_owned()][..])
        );
        let v = violation(
            4025,
            "CONSTRAINT `ck_student_age` failed for `test`.`student`",
        )
        .unwrap();
        assert_eq!(v.constraint.as_deref(), Some("ck_student_age"));
        assert_eq!(v.table.as_deref(), Some("student"));
        let v = violation(3819, "Check constraint 'ck_student_age' is violated.").unwrap();
        assert_eq!(v.constraint.as_deref(), Some("ck_student_age"));
        assert!(violation(1146, "Table 'test.x' doesn't exist").is_none());
    }
}
