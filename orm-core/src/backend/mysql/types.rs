//! Binding [`Value`]s to MySQL parameters and reading columns back by the type the server reports.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use mysql::consts::{ColumnFlags, ColumnType};
use mysql::Value as My;

use crate::value::{Value, ValueError};

/// The character set number of binary strings (BLOB, VARBINARY).
const BINARY: u16 = 63;

/// A value as the driver binds it. Timestamps go as their wall time: a `DateTime<Utc>` as UTC's,
/// which the connection's UTC session zone keeps.
pub(crate) fn to_mysql(value: &Value) -> My {
    match value {
        Value::Null => My::NULL,
        Value::Bool(b) => My::Int((*b).into()),
        Value::I16(v) => My::Int((*v).into()),
        Value::I32(v) => My::Int((*v).into()),
        Value::I64(v) => My::Int(*v),
        Value::F32(v) => My::Float(*v),
        Value::F64(v) => My::Double(*v),
        Value::Text(s) => My::Bytes(s.as_bytes().to_vec()),
        Value::Bytes(b) => My::Bytes(b.clone()),
        Value::Date(d) => datetime(&d.and_time(NaiveTime::MIN)),
        Value::Time(t) => My::Time(
            false,
            0,
            t.hour() as u8,
            t.minute() as u8,
            t.second() as u8,
            t.nanosecond() / 1_000,
        ),
        Value::DateTime(d) => datetime(d),
        Value::DateTimeUtc(d) => datetime(&d.naive_utc()),
        // Lists are written out as IN lists for MySQL, never bound (see `Dialect::bound_list`).
        Value::List(_) => My::NULL,
    }
}

fn datetime(d: &NaiveDateTime) -> My {
    // The year is in 0..=9999 for any date MySQL stores; a wider one fails on the server's side.
    My::Date(
        u16::try_from(d.year()).unwrap_or(u16::MAX),
        d.month() as u8,
        d.day() as u8,
        d.hour() as u8,
        d.minute() as u8,
        d.second() as u8,
        d.nanosecond() / 1_000,
    )
}

/// A date and time the driver read, as chrono's.
fn naive(v: &My) -> Result<NaiveDateTime, ValueError> {
    let My::Date(y, mo, d, h, mi, s, us) = *v else {
        return Err(ValueError(format!("{v:?} is not a date")));
    };
    NaiveDate::from_ymd_opt(y.into(), mo.into(), d.into())
        .and_then(|date| date.and_hms_micro_opt(h.into(), mi.into(), s.into(), us))
        .ok_or_else(|| {
            ValueError(format!(
                "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} is not a valid date (a zero date?)"
            ))
        })
}

/// The dynamic value of a column the driver read, by the column's declared type.
pub(crate) fn from_mysql(v: &My, column: &mysql::Column) -> Result<Value, ValueError> {
    let ty = column.column_type();
    Ok(match v {
        My::NULL => Value::Null,
        My::Int(i) => match ty {
            // BOOL is TINYINT(1).
            ColumnType::MYSQL_TYPE_TINY if column.column_length() == 1 => Value::Bool(*i != 0),
            ColumnType::MYSQL_TYPE_TINY | ColumnType::MYSQL_TYPE_SHORT => Value::I16(*i as i16),
            ColumnType::MYSQL_TYPE_LONG | ColumnType::MYSQL_TYPE_INT24
                if !column.flags().contains(ColumnFlags::UNSIGNED_FLAG) =>
            {
                Value::I32(*i as i32)
            }
            _ => Value::I64(*i),
        },
        My::UInt(u) => Value::I64(
            i64::try_from(*u).map_err(|_| ValueError(format!("{u} is out of range for i64")))?,
        ),
        My::Float(f) => Value::F32(*f),
        My::Double(f) => Value::F64(*f),
        My::Bytes(b) => {
            if column.character_set() == BINARY && !is_number(ty) {
                Value::Bytes(b.clone())
            } else {
                Value::Text(text(b)?)
            }
        }
        My::Date(..) if ty == ColumnType::MYSQL_TYPE_DATE => Value::Date(naive(v)?.date()),
        My::Date(..) => Value::DateTime(naive(v)?),
        // A time of day; a negative or longer duration stays text.
        My::Time(false, 0, h, m, s, us) => {
            NaiveTime::from_hms_micro_opt((*h).into(), (*m).into(), (*s).into(), *us).map_or_else(
                || Value::Text(format!("{h:02}:{m:02}:{s:02}.{us:06}")),
                Value::Time,
            )
        }
        My::Time(neg, d, h, m, s, us) => Value::Text(format!(
            "{}{:02}:{m:02}:{s:02}.{us:06}",
            if *neg { "-" } else { "" },
            u64::from(*d) * 24 + u64::from(*h)
        )),
    })
}

/// DECIMAL and friends arrive as text with the binary character set.
fn is_number(ty: ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL
    )
}

pub(crate) fn text(b: &[u8]) -> Result<String, ValueError> {
    String::from_utf8(b.to_vec()).map_err(|e| ValueError(format!("text is not UTF-8: {e}")))
}

/// An integer column read without a [`Value`].
pub(crate) fn as_i64(v: &My) -> Result<Option<i64>, ValueError> {
    match v {
        My::NULL => Ok(None),
        My::Int(i) => Ok(Some(*i)),
        My::UInt(u) => i64::try_from(*u)
            .map(Some)
            .map_err(|_| ValueError(format!("{u} is out of range for i64"))),
        // A decimal or text column holding an integer (COUNT over a DECIMAL, a SUM).
        My::Bytes(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or_else(|| ValueError(format!("{v:?} is not an integer"))),
        other => Err(ValueError(format!("{other:?} is not an integer"))),
    }
}

/// A float column read without a [`Value`].
pub(crate) fn as_f64(v: &My) -> Result<Option<f64>, ValueError> {
    match v {
        My::NULL => Ok(None),
        My::Double(f) => Ok(Some(*f)),
        My::Float(f) => Ok(Some((*f).into())),
        My::Int(i) => Ok(Some(*i as f64)),
        My::UInt(u) => Ok(Some(*u as f64)),
        // DECIMAL: AVG and SUM over integers.
        My::Bytes(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or_else(|| ValueError(format!("{v:?} is not a number"))),
        other => Err(ValueError(format!("{other:?} is not a number"))),
    }
}
