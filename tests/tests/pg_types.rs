//! On PostgreSQL, the application's own types declared `numeric`, `uuid` and `jsonb` bind as their
//! text and read back as it (a test binary of its own: `create_all` here creates only this model,
//! whose declared types exist on PostgreSQL alone).

use orm_core::query::select;
use orm_core::schema::ColumnType;
use orm_core::{Model, SqlType, Value, ValueError};

/// An application type kept as text in the program and declared with a PostgreSQL type.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Text(String);

impl SqlType for Text {
    fn column_type() -> ColumnType {
        ColumnType::Text
    }
    fn to_value(&self) -> Value {
        Value::Text(self.0.clone())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        String::from_value(value).map(Text)
    }
}

#[derive(Model, Debug)]
pub struct Typed {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(sql_type = "NUMERIC(12, 4)")]
    pub price: Text,
    #[orm(sql_type = "uuid")]
    pub token: Text,
    #[orm(sql_type = "jsonb")]
    pub doc: Text,
}

#[test]
fn postgres_types_declared_by_the_application_bind_as_text() -> tests::TestResult {
    let Some(db) = tests::postgres() else {
        return Ok(());
    };
    let engine = &db.engine;
    engine.create_all()?;
    let mut s = engine.session();
    let row = s.add(Typed::new(
        Text("-1234.5000".into()),
        Text("67E55044-10B1-426F-9247-BB680E5FE0C8".into()),
        Text(r#"{"a": [1, 2]}"#.into()),
    ));
    s.commit()?;
    let id = row.read().id.expect("id");
    let mut check = engine.session();
    let back = check.get::<Typed>(id)?.expect("row");
    let back = back.read();
    assert_eq!(back.price.0, "-1234.5000");
    assert_eq!(back.token.0, "67e55044-10b1-426f-9247-bb680e5fe0c8");
    assert_eq!(back.doc.0, r#"{"a": [1, 2]}"#);
    // Compared by the database's own rules.
    let found = check.count(select::<Typed>().filter(Typed::price.eq(Text("-1234.5".into()))))?;
    assert_eq!(found, 1);
    // A value that is not of the declared type is a clear error.
    let mut bad = engine.session();
    bad.add(Typed::new(
        Text("12,5".into()),
        Text("x".into()),
        Text("{}".into()),
    ));
    let err = bad.commit().unwrap_err();
    assert!(err.to_string().contains("is not a"), "{err}");
    Ok(())
}
