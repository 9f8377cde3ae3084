//! Column types beyond the first set, on every backend: unsigned integers (stored in the next wider
//! signed column) and `chrono::NaiveTime`. Each round-trips at its extremes, compares in the query
//! builder, and shows no drift between the models and the reflected schema.

use chrono::NaiveTime;
use orm_core::query::{func, select, select_columns};
use orm_core::{Metadata, Model};
use orm_migrate::autogenerate::{compare, detected};
use orm_migrate::reflect::reflect;
use orm_migrate::SchemaState;
use tests::db_test;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Reading {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub small: u8,
    pub medium: u16,
    pub large: u32,
    pub at: NaiveTime,
    pub until: Option<NaiveTime>,
}

fn time(h: u32, m: u32, s: u32, micro: u32) -> NaiveTime {
    NaiveTime::from_hms_micro_opt(h, m, s, micro).expect("a valid time")
}

db_test!(fn unsigned_integers_and_times_round_trip_and_compare(engine) {
    engine.create_all()?;
    let rows = [
        Reading::new(0u8, 0u16, 0u32, time(0, 0, 0, 0)),
        Reading {
            until: Some(time(23, 59, 59, 999_999)),
            ..Reading::new(u8::MAX, u16::MAX, u32::MAX, time(12, 30, 15, 123_456))
        },
        Reading::new(7u8, 300u16, 70_000u32, time(8, 0, 0, 1)),
    ];
    let mut s = engine.session();
    s.add_all(rows.iter().cloned());
    s.commit()?;
    let mut check = engine.session();
    let back: Vec<Reading> = check
        .all(select::<Reading>().order_by(Reading::id))?
        .iter()
        .map(|r| {
            let r = r.read();
            Reading { id: None, ..r.clone() }
        })
        .collect();
    assert_eq!(back, rows);
    let late = check.count(select::<Reading>().filter(Reading::at.gt(time(8, 0, 0, 0))))?;
    assert_eq!(late, 2);
    let big = check.count(select::<Reading>().filter(Reading::large.ge(70_000u32)))?;
    assert_eq!(big, 2);
    let total: Option<i64> = check.scalar(select_columns(func::sum(Reading::large)))?.flatten();
    assert_eq!(total, Some(i64::from(u32::MAX) + 70_000));
    // A value the field cannot hold is a decode error, not a wrapped number.
    check.raw_execute(&orm_core::query::raw(r#"UPDATE "reading" SET "small" = 300"#))?;
    let err = check.all(select::<Reading>()).unwrap_err();
    assert!(matches!(err, orm_core::Error::Decode { .. }), "{err:?}");
    Ok(())
});

db_test!(fn the_new_types_show_no_drift_after_create_all(engine) {
    let models = Metadata::from_tables([Reading::table().clone()])?;
    engine.create_tables(&models)?;
    let live = reflect(&mut engine.connection()?)?;
    let diff = compare(&models, &SchemaState::from_tables(live.clone()));
    assert!(diff.is_empty(), "false changes: {:?}\n{live:#?}", detected(&diff.upgrade));
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Token {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(unique)]
    pub key: uuid::Uuid,
    pub parent: Option<uuid::Uuid>,
}

db_test!(fn uuids_round_trip_compare_and_show_no_drift(engine) {
    let models = Metadata::from_tables([Token::table().clone()])?;
    engine.create_tables(&models)?;
    let a = uuid::Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
    let b = uuid::Uuid::from_u128(u128::MAX);
    let mut s = engine.session();
    s.add(Token::new(a));
    s.add(Token {
        parent: Some(a),
        ..Token::new(b)
    });
    s.commit()?;
    let mut check = engine.session();
    let found = check.one(select::<Token>().filter(Token::key.eq(b)))?;
    assert_eq!(found.read().parent, Some(a));
    assert_eq!(check.count(select::<Token>().filter(Token::parent.eq(a)))?, 1);
    let keys: Vec<uuid::Uuid> = check.all(select_columns(Token::key).order_by(Token::id))?;
    assert_eq!(keys, [a, b]);
    // A duplicate is the unique violation it should be.
    check.add(Token::new(a));
    assert!(check.commit().unwrap_err().is_unique_violation());
    let live = reflect(&mut engine.connection()?)?;
    let diff = compare(&models, &SchemaState::from_tables(live.clone()));
    assert!(diff.is_empty(), "false changes: {:?}\n{live:#?}", detected(&diff.upgrade));
    Ok(())
});

#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub theme: String,
    pub sizes: Vec<u32>,
    pub note: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Profile {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub doc: serde_json::Value,
    pub settings: Option<orm_core::value::Json<Settings>>,
}

db_test!(fn json_documents_round_trip_and_show_no_drift(engine) {
    use orm_core::value::Json;
    let models = Metadata::from_tables([Profile::table().clone()])?;
    engine.create_tables(&models)?;
    let docs = [
        serde_json::json!({"a": [1, 2.5, "x'\"\\"], "b": null, "ü": {"nested": true}}),
        serde_json::json!([]),
        serde_json::json!("just a string"),
        serde_json::json!(42),
    ];
    let settings = Settings {
        theme: "dark".into(),
        sizes: vec![12, 14],
        note: Some("it's \"quoted\"".into()),
    };
    let mut s = engine.session();
    for (i, d) in docs.iter().enumerate() {
        s.add(Profile {
            settings: (i == 0).then(|| Json(settings.clone())),
            ..Profile::new(d.clone())
        });
    }
    s.commit()?;
    let mut check = engine.session();
    let back: Vec<Profile> = check
        .all(select::<Profile>().order_by(Profile::id))?
        .iter()
        .map(|p| p.read().clone())
        .collect();
    let got: Vec<serde_json::Value> = back.iter().map(|p| p.doc.clone()).collect();
    assert_eq!(got, docs);
    assert_eq!(back[0].settings, Some(Json(settings)));
    assert_eq!(back[1].settings, None);
    let live = reflect(&mut engine.connection()?)?;
    let diff = compare(&models, &SchemaState::from_tables(live.clone()));
    assert!(diff.is_empty(), "false changes: {:?}\n{live:#?}", detected(&diff.upgrade));
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Price {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub amount: rust_decimal::Decimal,
    #[orm(sql_type = "NUMERIC(15, 2)")]
    pub price: rust_decimal::Decimal,
    pub discount: Option<rust_decimal::Decimal>,
}

db_test!(fn decimals_round_trip_exactly_and_show_no_drift(engine) {
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let models = Metadata::from_tables([Price::table().clone()])?;
    engine.create_tables(&models)?;
    let d = |s: &str| Decimal::from_str(s).expect("a decimal");
    // Within 15 significant digits, which SQLite's NUMERIC keeps exactly.
    let rows = [
        Price::new(d("0"), d("0.00")),
        Price {
            discount: Some(d("-0.0000000001")),
            ..Price::new(d("123456.789"), d("9999999999999.99"))
        },
        Price::new(d("-42.5"), d("-0.01")),
    ];
    let mut s = engine.session();
    s.add_all(rows.iter().cloned());
    s.commit()?;
    let mut check = engine.session();
    let back: Vec<Price> = check
        .all(select::<Price>().order_by(Price::id))?
        .iter()
        .map(|p| Price { id: None, ..p.read().clone() })
        .collect();
    // Compared by value: a NUMERIC(15, 2) gives back "0.00" for "0".
    assert_eq!(back, rows);
    let big = check.count(select::<Price>().filter(Price::price.gt(d("1000"))))?;
    assert_eq!(big, 1);
    let live = reflect(&mut engine.connection()?)?;
    let diff = compare(&models, &SchemaState::from_tables(live.clone()));
    assert!(diff.is_empty(), "false changes: {:?}\n{live:#?}", detected(&diff.upgrade));
    Ok(())
});

#[derive(orm_core::SqlEnum, Debug, Clone, Copy, PartialEq)]
pub enum Mood {
    Happy,
    Sad,
    #[orm(rename = "so-so")]
    SoSo,
    VeryTired,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Diary {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub mood: Mood,
    pub previous: Option<Mood>,
}

db_test!(fn enums_are_stored_as_text_with_a_check_of_their_values(engine) {
    use orm_core::query::raw;
    let models = Metadata::from_tables([Diary::table().clone()])?;
    engine.create_tables(&models)?;
    let mut s = engine.session();
    s.add(Diary::new(Mood::Happy));
    s.add(Diary {
        previous: Some(Mood::SoSo),
        ..Diary::new(Mood::VeryTired)
    });
    s.commit()?;
    let mut check = engine.session();
    let moods: Vec<(Mood, Option<Mood>)> =
        check.all(select_columns((Diary::mood, Diary::previous)).order_by(Diary::id))?;
    assert_eq!(moods, [(Mood::Happy, None), (Mood::VeryTired, Some(Mood::SoSo))]);
    let stored: Vec<String> =
        check.raw_all(&raw(r#"SELECT "mood" FROM "diary" ORDER BY "id""#))?;
    assert_eq!(stored, ["happy", "very_tired"]);
    assert_eq!(check.count(select::<Diary>().filter(Diary::previous.eq(Mood::SoSo)))?, 1);
    // A value outside the enum is refused by the database's CHECK.
    let err = check
        .raw_execute(&raw(r#"INSERT INTO "diary" ("mood") VALUES ('angry')"#))
        .unwrap_err();
    assert_eq!(err.constraint().map(|c| c.kind), Some(orm_core::ConstraintKind::Check), "{err}");
    check.rollback()?;
    let live = reflect(&mut engine.connection()?)?;
    let diff = compare(&models, &SchemaState::from_tables(live.clone()));
    assert!(diff.is_empty(), "false changes: {:?}\n{live:#?}", detected(&diff.upgrade));
    // A new value in the enum is a change autogenerate sees: the check is named after the values.
    let mut changed = Diary::table().clone();
    let values = ["happy", "sad", "so-so", "very_tired", "angry"];
    for c in &mut changed.checks {
        if c.name.starts_with("ck_diary_mood_") {
            c.name = orm_core::schema::values_check_name("diary", "mood", &values);
            c.expr = orm_core::schema::values_check("mood", &values);
        }
    }
    let changed = Metadata::from_tables([changed])?;
    let diff = compare(&changed, &SchemaState::from_tables(live));
    assert!(!diff.is_empty(), "a changed enum went unseen");
    Ok(())
});

#[derive(orm_core::SqlEnum, Debug, Clone, Copy, PartialEq)]
#[orm(postgres_enum = "weather")]
pub enum Weather {
    Sunny,
    Rainy,
    #[orm(rename = "it's windy")]
    Windy,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Forecast {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub today: Weather,
    pub tomorrow: Option<Weather>,
}

db_test!(fn a_native_postgres_enum_where_asked_and_text_elsewhere(engine) {
    use orm_core::query::raw;
    use orm_core::DialectKind;
    let models = Metadata::from_tables([Forecast::table().clone()])?;
    engine.create_tables(&models)?;
    let mut s = engine.session();
    s.add(Forecast {
        tomorrow: Some(Weather::Windy),
        ..Forecast::new(Weather::Sunny)
    });
    s.add(Forecast::new(Weather::Rainy));
    s.commit()?;
    let mut check = engine.session();
    let days: Vec<(Weather, Option<Weather>)> =
        check.all(select_columns((Forecast::today, Forecast::tomorrow)).order_by(Forecast::id))?;
    assert_eq!(days, [(Weather::Sunny, Some(Weather::Windy)), (Weather::Rainy, None)]);
    assert_eq!(check.count(select::<Forecast>().filter(Forecast::tomorrow.eq(Weather::Windy)))?, 1);
    // A value outside the enum is refused by the database (its enum type, or the check).
    assert!(check
        .raw_execute(&raw(r#"INSERT INTO "forecast" ("today") VALUES ('snowy')"#))
        .is_err());
    check.rollback()?;
    let live = reflect(&mut engine.connection()?)?;
    if engine.dialect().kind() == DialectKind::Postgres {
        let today = live[0].columns.iter().find(|c| c.name == "today").expect("today");
        assert_eq!(today.ty, orm_core::schema::ColumnType::Custom("weather".into()));
    }
    let diff = compare(&models, &SchemaState::from_tables(live.clone()));
    assert!(diff.is_empty(), "false changes: {:?}\n{live:#?}", detected(&diff.upgrade));
    // The migration of the table creates the type first; dropping the tables drops it, and the
    // table can be made again.
    let op = orm_migrate::Operation::CreateTable {
        table: Forecast::table().clone(),
    };
    let sql = orm_migrate::ddl::render(&op, &SchemaState::new(), engine.dialect().kind())?;
    let makes_type = sql[0].contains("CREATE TYPE \"weather\" AS ENUM ('sunny', 'rainy', 'it''s windy')");
    assert_eq!(makes_type, engine.dialect().kind() == DialectKind::Postgres, "{sql:?}");
    engine.drop_tables(&models)?;
    engine.create_tables(&models)?;
    Ok(())
});
