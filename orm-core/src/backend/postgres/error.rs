//! PostgreSQL's SQLSTATEs mapped to the portable error kinds.

use postgres::error::SqlState;

use crate::error::{ConstraintKind, ConstraintViolation, Error};

/// Maps a `postgres` error: constraint violations by SQLSTATE class 23 with the table, constraint and
/// columns the server reports; a closed connection or an administrator's termination as
/// [`Error::ConnectionLost`].
pub(crate) fn map_error(err: postgres::Error) -> Error {
    if err.is_closed() {
        return Error::ConnectionLost {
            message: err.to_string(),
        };
    }
    let Some(db) = err.as_db_error() else {
        // No server response at all: the socket failed under us (reset, broken pipe, eof).
        let io = std::error::Error::source(&err).is_some_and(|s| s.is::<std::io::Error>());
        if io || err.to_string().contains("connection closed") {
            return Error::ConnectionLost {
                message: err.to_string(),
            };
        }
        // A value the driver could not bind: the reason is in the source ("error serializing
        // parameter 0" alone says nothing).
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        if err.to_string().starts_with("error serializing parameter") {
            let reason = cause.unwrap_or_default();
            return Error::InvalidValue(format!("{err}: {reason}"));
        }
        let message = match cause {
            Some(cause) => format!("{err}: {cause}"),
            None => err.to_string(),
        };
        return Error::database(message, None, err);
    };
    let code = db.code();
    let kind = if *code == SqlState::UNIQUE_VIOLATION {
        Some(ConstraintKind::Unique)
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        Some(ConstraintKind::ForeignKey)
    } else if *code == SqlState::NOT_NULL_VIOLATION {
        Some(ConstraintKind::NotNull)
    } else if *code == SqlState::CHECK_VIOLATION {
        Some(ConstraintKind::Check)
    } else {
        None
    };
    if *code == SqlState::LOCK_NOT_AVAILABLE {
        return Error::Busy {
            message: db.message().to_owned(),
            code: code.code().to_owned(),
        };
    }
    if *code == SqlState::ADMIN_SHUTDOWN || *code == SqlState::CRASH_SHUTDOWN {
        return Error::ConnectionLost {
            message: db.message().to_owned(),
        };
    }
    let Some(kind) = kind else {
        let message = db.message().to_owned();
        let code = Some(code.code().to_owned());
        return Error::database(message, code, err);
    };
    let mut columns: Vec<String> = db.column().map(|c| vec![c.to_owned()]).unwrap_or_default();
    if columns.is_empty() {
        columns = db.detail().map(key_columns).unwrap_or_default();
    }
    Error::Constraint(ConstraintViolation {
        kind,
        table: db.table().map(str::to_owned),
        constraint: db.constraint().map(str::to_owned),
        columns,
        message: db.message().to_owned(),
    })
}

/// The columns of a detail such as `Key (email)=(a@b.c) already exists.` or
/// `Key (a, b)=(1, 2) is not present in table "t".`
fn key_columns(detail: &str) -> Vec<String> {
    detail
        .strip_prefix("Key (")
        .and_then(|rest| rest.split_once(")="))
        .map(|(cols, _)| {
            cols.split(", ")
                .map(|c| c.trim_matches('"').to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Why a connect failed, in full: the server's own message (a missing database, failed
/// authentication), or the driver's words followed by each cause (the OS error of a refused or
/// unreachable address). `postgres` alone says "db error" or "error connecting to server".
pub(crate) fn connect_cause(err: &postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::key_columns;

    #[test]
    fn key_columns_are_read_from_the_detail() {
        assert_eq!(
            key_columns("Key (email)=(a@b.c) already exists."),
            ["email"]
        );
        assert_eq!(
            key_columns("Key (a, b)=(1, 2) is not present in table \"t\"."),
            ["a", "b"]
        );
        assert!(key_columns("Failing row contains (1).").is_empty());
    }
}
