//! Binding [`Value`]s to PostgreSQL parameters and reading them back, by the server's type of each
//! parameter and column (domains resolved to their base type).

use std::error::Error as StdError;

use bytes::BytesMut;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use postgres::types::{to_sql_checked, FromSql, IsNull, Kind, ToSql, Type};

use crate::value::Value;

type BoxError = Box<dyn StdError + Sync + Send>;

/// The base type of a domain, or the type itself.
pub(crate) fn base(ty: &Type) -> &Type {
    match ty.kind() {
        Kind::Domain(inner) => base(inner),
        _ => ty,
    }
}

fn mismatch(value: &Value, ty: &Type) -> BoxError {
    format!(
        "cannot bind a {} value to a parameter of type {}",
        value.kind(),
        ty.name()
    )
    .into()
}

fn int_to_sql(v: i64, value: &Value, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    let range = |_| -> BoxError { format!("{v} is out of range for {}", ty.name()).into() };
    match *ty {
        Type::INT2 => i16::try_from(v).map_err(range)?.to_sql(ty, out),
        Type::INT4 => i32::try_from(v).map_err(range)?.to_sql(ty, out),
        Type::INT8 => v.to_sql(ty, out),
        Type::OID => u32::try_from(v).map_err(range)?.to_sql(ty, out),
        // Float parameters accept integers, as an SQL literal would.
        Type::FLOAT4 => (v as f32).to_sql(ty, out),
        Type::FLOAT8 => (v as f64).to_sql(ty, out),
        Type::BOOL => match v {
            0 | 1 => (v == 1).to_sql(ty, out),
            _ => Err(mismatch(value, ty)),
        },
        _ => Err(mismatch(value, ty)),
    }
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let ty = base(ty);
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Bool(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                _ => int_to_sql((*b).into(), self, ty, out),
            },
            Value::I16(v) => int_to_sql((*v).into(), self, ty, out),
            Value::I32(v) => int_to_sql((*v).into(), self, ty, out),
            Value::I64(v) => int_to_sql(*v, self, ty, out),
            Value::F32(v) => match *ty {
                Type::FLOAT4 => v.to_sql(ty, out),
                Type::FLOAT8 => f64::from(*v).to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::F64(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                // Narrowing is what the column asks for.
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::Text(s) => match *ty {
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                // Text, varchar, char, name, unknown, and user types with a text representation
                // (enums, citext) all take the string's bytes.
                _ => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
            },
            Value::Bytes(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::Date(d) => match *ty {
                Type::DATE => d.to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::DateTime(d) => match *ty {
                Type::TIMESTAMP => d.to_sql(ty, out),
                Type::TIMESTAMPTZ => d.and_utc().to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::DateTimeUtc(d) => match *ty {
                Type::TIMESTAMPTZ => d.to_sql(ty, out),
                Type::TIMESTAMP => d.naive_utc().to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
        }
    }

    /// Every type: the check happens in `to_sql`, against the parameter's actual type, so that an
    /// `i64` binds to an INT4 column when it fits and fails clearly when it does not.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column value read by the column's type.
pub(crate) struct PgValue(pub(crate) Value);

impl<'a> FromSql<'a> for PgValue {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let ty = base(ty);
        let value = match *ty {
            Type::BOOL => Value::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => Value::I16(i16::from_sql(ty, raw)?),
            Type::INT4 => Value::I32(i32::from_sql(ty, raw)?),
            Type::INT8 => Value::I64(i64::from_sql(ty, raw)?),
            Type::OID => Value::I64(u32::from_sql(ty, raw)?.into()),
            Type::FLOAT4 => Value::F32(f32::from_sql(ty, raw)?),
            Type::FLOAT8 => Value::F64(f64::from_sql(ty, raw)?),
            Type::BYTEA => Value::Bytes(<Vec<u8>>::from_sql(ty, raw)?),
            Type::DATE => Value::Date(NaiveDate::from_sql(ty, raw)?),
            Type::TIMESTAMP => Value::DateTime(NaiveDateTime::from_sql(ty, raw)?),
            Type::TIMESTAMPTZ => Value::DateTimeUtc(DateTime::<Utc>::from_sql(ty, raw)?),
            Type::CHAR => Value::I16(i8::from_sql(ty, raw)?.into()),
            _ if <String as FromSql>::accepts(ty) || matches!(ty.kind(), Kind::Enum(_)) => {
                Value::Text(std::str::from_utf8(raw)?.to_owned())
            }
            _ => {
                return Err(format!("the postgres type {} is not supported", ty.name()).into());
            }
        };
        Ok(PgValue(value))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(PgValue(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Reads nothing: `Option<Present>` tells whether a column is NULL without decoding it.
pub(crate) struct Present;

impl<'a> FromSql<'a> for Present {
    fn from_sql(_: &Type, _: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Present)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}
