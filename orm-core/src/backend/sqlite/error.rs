//! SQLite's error codes mapped to the portable error kinds.

use rusqlite::ffi;

use crate::error::{ConstraintKind, ConstraintViolation, Error};

/// Maps a rusqlite error. Constraint messages look like `UNIQUE constraint failed: user.email, user.x`,
/// `NOT NULL constraint failed: user.email`, `CHECK constraint failed: ck_student_age` and
/// `FOREIGN KEY constraint failed` (SQLite names nothing for foreign keys).
pub(crate) fn map_error(err: rusqlite::Error) -> Error {
    let rusqlite::Error::SqliteFailure(code, message) = &err else {
        return Error::database(err.to_string(), None, err);
    };
    let message = message.clone().unwrap_or_else(|| code.to_string());
    let kind = match code.extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            Some(ConstraintKind::Unique)
        }
        ffi::SQLITE_CONSTRAINT_NOTNULL => Some(ConstraintKind::NotNull),
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(ConstraintKind::ForeignKey),
        ffi::SQLITE_CONSTRAINT_CHECK => Some(ConstraintKind::Check),
        _ => None,
    };
    let Some(kind) = kind else {
        if matches!(
            code.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        ) {
            return Error::Busy {
                message,
                code: code.extended_code.to_string(),
            };
        }
        let code = Some(code.extended_code.to_string());
        return Error::database(message, code, err);
    };
    let detail = message
        .split_once("constraint failed: ")
        .map(|(_, d)| d.trim())
        .unwrap_or("");
    let mut violation = ConstraintViolation {
        kind,
        table: None,
        constraint: None,
        columns: Vec::new(),
        message: message.clone(),
    };
    match kind {
        ConstraintKind::Unique | ConstraintKind::NotNull => {
            for qualified in detail.split(", ") {
                if let Some((table, column)) = qualified.split_once('.') {
                    violation.table = Some(table.to_owned());
                    violation.columns.push(column.to_owned());
                }
            }
        }
        ConstraintKind::Check if !detail.is_empty() => {
            violation.constraint = Some(detail.to_owned())
        }
        _ => {}
    }
    Error::Constraint(violation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(sql: &str) -> ConstraintViolation {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE p (id INTEGER PRIMARY KEY);
             CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,
                 age INTEGER CONSTRAINT ck_t_age CHECK (age >= 0), p_id INTEGER REFERENCES p (id));
             INSERT INTO t (id, email) VALUES (1, 'a');",
        )
        .unwrap();
        match map_error(conn.execute(sql, []).unwrap_err()) {
            Error::Constraint(v) => v,
            other => panic!("not a constraint violation: {other:?}"),
        }
    }

    #[test]
    fn each_constraint_kind_is_structured() {
        let v = violation("INSERT INTO t (email) VALUES ('a')");
        assert_eq!(
            (v.kind, v.table.as_deref(), v.columns.as_slice()),
            (ConstraintKind::Unique, Some("t"), &["email".to_owned()][..])
        );
        let v = violation("INSERT INTO t (id) VALUES (2)");
        assert_eq!(
            (v.kind, v.columns.as_slice()),
            (ConstraintKind::NotNull, &["email".to_owned()][..])
        );
        let v = violation("INSERT INTO t (email, age) VALUES ('b', -1)");
        assert_eq!(
            (v.kind, v.constraint.as_deref()),
            (ConstraintKind::Check, Some("ck_t_age"))
        );
        let v = violation("INSERT INTO t (email, p_id) VALUES ('c', 9)");
        assert_eq!(v.kind, ConstraintKind::ForeignKey);
        let v = violation("INSERT INTO t (id, email) VALUES (1, 'd')");
        assert_eq!(
            (v.kind, v.columns.as_slice()),
            (ConstraintKind::Unique, &["id".to_owned()][..])
        );
    }
}
