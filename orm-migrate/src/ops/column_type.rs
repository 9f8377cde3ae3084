//! Column type names back to [`ColumnType`]: the spelling in migration files and the names the
//! databases report when reflected.

use orm_core::schema::ColumnType;

/// Parses a type name as written in a migration file or reported by SQLite or PostgreSQL
/// (`VARCHAR(64)`, `character varying(64)`, `int8`, `timestamp with time zone`, ...).
///
/// Names that match no portable type become [`ColumnType::Custom`], kept as written.
///
/// # Examples
///
/// ```
/// use orm_core::schema::ColumnType;
/// use orm_migrate::ops::parse_column_type;
///
/// assert_eq!(parse_column_type("character varying(120)"), ColumnType::Varchar(120));
/// assert_eq!(parse_column_type("DATETIME"), ColumnType::Timestamp);
/// ```
pub fn parse_column_type(name: &str) -> ColumnType {
    let trimmed = name.trim();
    if let Some(ty) = parse_enum(trimmed) {
        return ty;
    }
    let upper = trimmed.to_ascii_uppercase();
    let upper = upper.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(len) = varchar_length(&upper) {
        return ColumnType::Varchar(len);
    }
    match upper.as_str() {
        "BOOLEAN" | "BOOL" => ColumnType::Boolean,
        "SMALLINT" | "INT2" => ColumnType::SmallInt,
        "INTEGER" | "INT" | "INT4" => ColumnType::Integer,
        "BIGINT" | "INT8" => ColumnType::BigInt,
        "REAL" | "FLOAT4" => ColumnType::Real,
        "DOUBLE PRECISION" | "DOUBLE" | "FLOAT8" => ColumnType::Double,
        "TEXT" => ColumnType::Text,
        "BLOB" | "BYTEA" => ColumnType::Blob,
        "DATE" => ColumnType::Date,
        "TIME" | "TIME WITHOUT TIME ZONE" | "TIME(6)" => ColumnType::Time,
        "UUID" => ColumnType::Uuid,
        "JSON" | "JSONB" => ColumnType::Json,
        "DATETIME" | "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => ColumnType::Timestamp,
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => ColumnType::TimestampTz,
        _ => ColumnType::Custom(trimmed.to_owned()),
    }
}

/// `ENUM name ('a', 'b')`, as [`ColumnType::Enum`] displays itself in a migration file.
fn parse_enum(text: &str) -> Option<ColumnType> {
    let rest = text.strip_prefix("ENUM ")?;
    let (name, list) = rest.split_once(" (")?;
    let list = list.strip_suffix(')')?;
    let mut values = Vec::new();
    let mut chars = list.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        if chars.next() != Some('\'') {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                c => value.push(c),
            }
        }
        values.push(value);
    }
    Some(ColumnType::Enum {
        name: name.trim().to_owned(),
        values,
    })
}

/// `VARCHAR(n)` or `CHARACTER VARYING(n)`, spaces already collapsed and upper-cased.
fn varchar_length(upper: &str) -> Option<u32> {
    let rest = upper
        .strip_prefix("VARCHAR")
        .or_else(|| upper.strip_prefix("CHARACTER VARYING"))?;
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    inner.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_portable_type_round_trips_through_its_display() {
        for ty in [
            ColumnType::Boolean,
            ColumnType::SmallInt,
            ColumnType::Integer,
            ColumnType::BigInt,
            ColumnType::Real,
            ColumnType::Double,
            ColumnType::Varchar(64),
            ColumnType::Text,
            ColumnType::Blob,
            ColumnType::Date,
            ColumnType::Time,
            ColumnType::Uuid,
            ColumnType::Json,
            ColumnType::Enum {
                name: "mood".into(),
                values: vec!["happy".into(), "it's, ok".into()],
            },
            ColumnType::Timestamp,
            ColumnType::TimestampTz,
            ColumnType::Custom("NUMERIC(10, 2)".into()),
        ] {
            assert_eq!(parse_column_type(&ty.to_string()), ty);
        }
    }

    #[test]
    fn database_spellings_are_recognised() {
        assert_eq!(
            parse_column_type("character varying(64)"),
            ColumnType::Varchar(64)
        );
        assert_eq!(parse_column_type("VARCHAR (8)"), ColumnType::Varchar(8));
        assert_eq!(parse_column_type("int8"), ColumnType::BigInt);
        assert_eq!(
            parse_column_type("timestamp without time zone"),
            ColumnType::Timestamp
        );
        assert_eq!(parse_column_type("TIMESTAMPTZ"), ColumnType::TimestampTz);
        assert_eq!(parse_column_type("bytea"), ColumnType::Blob);
    }
}
