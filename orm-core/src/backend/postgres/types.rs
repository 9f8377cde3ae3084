//! Binding [`Value`]s to PostgreSQL parameters and reading them back, by the server's type of each
//! parameter and column (domains resolved to their base type).

use std::error::Error as StdError;

use bytes::BytesMut;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
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
        Type::NUMERIC => numeric_to_sql(&v.to_string(), out),
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
                Type::NUMERIC if v.is_finite() => numeric_to_sql(&v.to_string(), out),
                // Narrowing is what the column asks for.
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::Text(s) => match *ty {
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                // The binary forms of these are text (jsonb after a version byte); the server
                // checks the syntax.
                Type::JSON => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSONB => {
                    out.extend_from_slice(&[1]);
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::UUID => uuid_to_sql(s, out),
                Type::NUMERIC => numeric_to_sql(s, out),
                // Text, varchar, char, name, unknown, and user types with a text representation
                // (enums, citext) take the string's bytes. Nothing else does: a string bound to an
                // integer parameter would otherwise be read as the integer its bytes spell.
                _ if <&str as ToSql>::accepts(ty) || matches!(ty.kind(), Kind::Enum(_)) => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => Err(mismatch(self, ty)),
            },
            Value::Bytes(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::Date(d) => match *ty {
                Type::DATE => d.to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            Value::Time(t) => match *ty {
                Type::TIME => t.to_sql(ty, out),
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
            // An array of the parameter's element type, each element bound as above.
            Value::List(items) => match ty.kind() {
                Kind::Array(_) => items.to_sql(ty, out),
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

/// A UUID written as 32 hexadecimal digits, with or without hyphens (and braces).
fn uuid_to_sql(s: &str, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    let digits: Vec<u8> = s
        .trim_matches(|c| c == '{' || c == '}')
        .bytes()
        .filter(|&b| b != b'-')
        .collect();
    let bad = || -> BoxError { format!("`{s}` is not a uuid").into() };
    if digits.len() != 32 {
        return Err(bad());
    }
    let mut bytes = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).map_err(|_| bad())?;
        bytes[i] = u8::from_str_radix(text, 16).map_err(|_| bad())?;
    }
    out.extend_from_slice(&bytes);
    Ok(IsNull::No)
}

fn uuid_from_sql(raw: &[u8]) -> Result<String, BoxError> {
    if raw.len() != 16 {
        return Err("a uuid is 16 bytes".into());
    }
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;

/// A decimal number (`-12.50`, `NaN`) in PostgreSQL's binary NUMERIC form: base-10000 digits
/// around the decimal point, the weight of the first, the sign and the scale.
fn numeric_to_sql(s: &str, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    let bad = || -> BoxError { format!("`{s}` is not a decimal number").into() };
    let text = s.trim();
    let (sign, body) = match text.as_bytes().first() {
        _ if text.eq_ignore_ascii_case("nan") => (NUMERIC_NAN, ""),
        Some(b'-') => (NUMERIC_NEG, &text[1..]),
        Some(b'+') => (0, &text[1..]),
        _ => (0, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if sign != NUMERIC_NAN
        && ((int.is_empty() && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let scale = u16::try_from(frac.len()).map_err(|_| bad())?;
    let int = int.trim_start_matches('0');
    // Base-10000 groups: the integer part from the point leftwards, the fraction rightwards.
    let int_pad = (4 - int.len() % 4) % 4;
    let int_digits = format!("{}{int}", "0".repeat(int_pad));
    let frac_pad = (4 - frac.len() % 4) % 4;
    let frac_digits = format!("{frac}{}", "0".repeat(frac_pad));
    let group = |g: &[u8]| -> i16 { g.iter().fold(0i16, |n, d| n * 10 + i16::from(d - b'0')) };
    let mut groups: Vec<i16> = int_digits.as_bytes().chunks(4).map(group).collect();
    let mut weight = groups.len() as i32 - 1;
    groups.extend(frac_digits.as_bytes().chunks(4).map(group));
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() || sign == NUMERIC_NAN {
        weight = 0;
        groups.clear();
    }
    let header = [
        i16::try_from(groups.len()).map_err(|_| bad())?,
        i16::try_from(weight).map_err(|_| bad())?,
    ];
    for n in header {
        out.extend_from_slice(&n.to_be_bytes());
    }
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&scale.to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    Ok(IsNull::No)
}

/// The text of a binary NUMERIC, with as many decimals as its scale.
fn numeric_from_sql(raw: &[u8]) -> Result<String, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        raw.get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a truncated numeric".into())
    };
    let (ndigits, weight, sign, scale) = (
        usize::from(word(0)?),
        i32::from(word(1)? as i16),
        word(2)?,
        usize::from(word(3)?),
    );
    if sign == NUMERIC_NAN {
        return Ok("NaN".to_owned());
    }
    let digit = |i: i32| -> Result<u16, BoxError> {
        match usize::try_from(i) {
            Ok(i) if i < ndigits => word(4 + i),
            _ => Ok(0),
        }
    };
    let mut text = String::new();
    if sign == NUMERIC_NEG {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for i in 0..=weight {
            let d = digit(i)?;
            if i == 0 {
                text.push_str(&d.to_string());
            } else {
                text.push_str(&format!("{d:04}"));
            }
        }
    }
    if scale > 0 {
        let mut frac = String::new();
        let mut i = weight + 1;
        while frac.len() < scale {
            frac.push_str(&format!("{:04}", digit(i)?));
            i += 1;
        }
        frac.truncate(scale);
        text.push('.');
        text.push_str(&frac);
    }
    Ok(text)
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
            Type::TIME => Value::Time(NaiveTime::from_sql(ty, raw)?),
            Type::TIMESTAMP => Value::DateTime(NaiveDateTime::from_sql(ty, raw)?),
            Type::TIMESTAMPTZ => Value::DateTimeUtc(DateTime::<Utc>::from_sql(ty, raw)?),
            Type::CHAR => Value::I16(i8::from_sql(ty, raw)?.into()),
            // Read as their text, for the application's own `SqlType` to parse.
            Type::NUMERIC => Value::Text(numeric_from_sql(raw)?),
            Type::UUID => Value::Text(uuid_from_sql(raw)?),
            Type::JSON => Value::Text(std::str::from_utf8(raw)?.to_owned()),
            Type::JSONB => match raw.split_first() {
                Some((1, json)) => Value::Text(std::str::from_utf8(json)?.to_owned()),
                _ => return Err("unsupported jsonb version".into()),
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let mut out = BytesMut::new();
        numeric_to_sql(text, &mut out).expect("encode");
        numeric_from_sql(&out).expect("decode")
    }

    #[test]
    fn numerics_round_trip_through_the_binary_form() {
        for (given, back) in [
            ("0", "0"),
            ("12.50", "12.50"),
            ("-12.5", "-12.5"),
            ("10000", "10000"),
            ("123456789.000001", "123456789.000001"),
            ("0.0001", "0.0001"),
            ("-0.00000123", "-0.00000123"),
            ("007.10", "7.10"),
            ("NaN", "NaN"),
        ] {
            assert_eq!(round_trip(given), back, "{given}");
        }
        for bad in ["", "1e5", "1.2.3", "abc", "--1"] {
            assert!(numeric_to_sql(bad, &mut BytesMut::new()).is_err(), "{bad}");
        }
    }

    #[test]
    fn uuids_round_trip_and_bad_ones_are_refused() {
        let mut out = BytesMut::new();
        uuid_to_sql("{67E55044-10B1-426F-9247-BB680E5FE0C8}", &mut out).expect("uuid");
        assert_eq!(
            uuid_from_sql(&out).expect("uuid"),
            "67e55044-10b1-426f-9247-bb680e5fe0c8"
        );
        assert!(uuid_to_sql("67e55044", &mut BytesMut::new()).is_err());
        assert!(uuid_to_sql("zze55044-10b1-426f-9247-bb680e5fe0c8", &mut BytesMut::new()).is_err());
    }
}
