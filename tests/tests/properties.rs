//! A property test on every backend: random values of every supported column type are written
//! through the session, read back in a fresh one, and compared; the database must give back what
//! it was given (NUL in text excepted on PostgreSQL, which refuses it, as tested elsewhere).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use orm_core::{DialectKind, Model};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tests::db_test;

#[derive(orm_core::SqlEnum, Debug, Clone, Copy, PartialEq)]
pub enum Level {
    Low,
    Mid,
    High,
}

#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
pub struct Pair {
    pub name: String,
    pub n: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Sample {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub flag: bool,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub unsigned: u32,
    pub byte: u8,
    pub word: u16,
    pub level: Level,
    pub pair: Option<orm_core::value::Json<Pair>>,
    pub real: f64,
    #[orm(text)]
    pub text: String,
    pub bytes: Vec<u8>,
    pub day: NaiveDate,
    pub time: NaiveTime,
    pub at: NaiveDateTime,
    pub instant: DateTime<Utc>,
    pub key: uuid::Uuid,
    pub doc: serde_json::Value,
    #[orm(sql_type = "NUMERIC(15, 2)")]
    pub amount: rust_decimal::Decimal,
    #[orm(text)]
    pub maybe: Option<String>,
}

/// Microseconds from the year 1000 to the year 9999: what every backend's timestamp holds.
fn micros() -> impl Strategy<Value = i64> {
    let from = NaiveDate::from_ymd_opt(1000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_micros())
        .unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc().timestamp_micros())
        .unwrap_or_default();
    from..to
}

fn text(nul: bool) -> impl Strategy<Value = String> {
    any::<String>().prop_map(move |s| if nul { s } else { s.replace('\0', "") })
}

fn sample(nul: bool) -> impl Strategy<Value = Sample> {
    let numbers = (
        any::<bool>(),
        any::<i16>(),
        any::<i32>(),
        any::<i64>(),
        any::<u32>(),
    );
    let more = (
        any::<u8>(),
        any::<u16>(),
        prop_oneof![Just(Level::Low), Just(Level::Mid), Just(Level::High)],
        proptest::option::of((text(nul), any::<i64>())),
    );
    let real = prop_oneof![
        proptest::num::f64::NORMAL,
        proptest::num::f64::SUBNORMAL,
        proptest::num::f64::ZERO,
    ];
    let texts = (
        text(nul),
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::option::of(text(nul)),
    );
    let times = (micros(), micros(), 0u64..86_400_000_000u64);
    // Cents within 15 significant digits: exact on every backend (SQLite's NUMERIC included).
    let others = (
        any::<u128>(),
        text(nul),
        any::<i64>(),
        -999_999_999_999_999i64..=999_999_999_999_999,
    );
    (numbers, real, texts, times, others, more).prop_map(
        |(
            (flag, small, int, big, unsigned),
            real,
            (text, bytes, maybe),
            (a, b, t),
            (key, s, n, cents),
            (byte, word, level, pair),
        )| {
            let at = DateTime::from_timestamp_micros(a).unwrap_or_default();
            let instant = DateTime::from_timestamp_micros(b).unwrap_or_default();
            // Microseconds since midnight.
            let secs = u32::try_from(t / 1_000_000).unwrap_or_default();
            let nanos = u32::try_from(t % 1_000_000).unwrap_or_default() * 1_000;
            let time =
                NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).unwrap_or_default();
            Sample {
                id: None,
                flag,
                small,
                int,
                big,
                unsigned,
                real,
                text,
                bytes,
                day: at.date_naive(),
                time,
                at: at.naive_utc(),
                instant,
                key: uuid::Uuid::from_u128(key),
                doc: serde_json::json!({ "s": s, "n": n, "list": [n, s] }),
                amount: rust_decimal::Decimal::new(cents, 2),
                byte,
                word,
                level,
                pair: pair.map(|(name, n)| orm_core::value::Json(Pair { name, n })),
                maybe,
            }
        },
    )
}

db_test!(fn random_values_of_every_type_read_back_identical(engine) {
    engine.create_all()?;
    let nul = engine.dialect().kind() != DialectKind::Postgres;
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&sample(nul), |value| {
        let fail = |e: orm_core::Error| TestCaseError::fail(e.to_string());
        let mut s = engine.session();
        let obj = s.add(value.clone());
        s.commit().map_err(fail)?;
        let id = obj.read().id;
        let mut fresh = engine.session();
        let back = fresh
            .get::<Sample>(id.unwrap_or_default())
            .map_err(fail)?
            .ok_or_else(|| TestCaseError::fail("the row is gone"))?;
        let back = back.read().clone();
        prop_assert_eq!(Sample { id: None, ..back }, value);
        Ok(())
    });
    result.map_err(|e| format!("{e}"))?;
    Ok(())
});
