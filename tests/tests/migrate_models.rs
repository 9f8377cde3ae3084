//! The seed 000 flow with `#[derive(Model)]` models, on SQLite and PostgreSQL: what the derive
//! declares is what autogenerate creates and reflection reads back.

use chrono::{DateTime, Utc};
use orm_core::schema::Metadata;
use orm_core::Model;
use orm_migrate::autogenerate::{detected, generate};
use orm_migrate::repository::Repository;
use orm_migrate::runner::{check, Migrator};
use tests::db_test;

#[derive(Model, Debug)]
#[orm(table = "user")]
struct User {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(length = 64, index, unique)]
    username: String,
    #[orm(length = 120, index, unique)]
    email: String,
    #[orm(length = 256)]
    password_hash: Option<String>,
}

#[derive(Model, Debug)]
#[orm(table = "post")]
struct Post {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(length = 140)]
    body: String,
    #[orm(index, default = Utc::now)]
    timestamp: DateTime<Utc>,
    #[orm(foreign_key = User, index)]
    user_id: i64,
}

db_test!(fn seed_000_with_derived_models(engine) {
    let tmp = tempfile::tempdir()?;
    let mut repo = Repository::init(tmp.path().join("migrations"))?;
    let v1 = Metadata::new().with::<User>();
    let users = generate(&mut repo, &v1, "users table", None)?.ok_or("no changes")?;
    assert_eq!(users.detected[0], "Detected added table 'user'");
    assert!(users
        .detected
        .contains(&"Detected added index 'ix_user_email' on '['email']'".to_owned()));
    Migrator::new(engine, &repo).with_printer(|_| {}).upgrade("head")?;
    let drift = check(engine, &v1)?;
    assert!(drift.is_empty(), "{:?}", detected(&drift.upgrade));

    let v2 = Metadata::new().with::<User>().with::<Post>();
    generate(&mut repo, &v2, "posts table", None)?.ok_or("no changes")?;
    Migrator::new(engine, &repo).with_printer(|_| {}).upgrade("head")?;
    let drift = check(engine, &v2)?;
    assert!(drift.is_empty(), "{:?}", detected(&drift.upgrade));
    Migrator::new(engine, &repo).with_printer(|_| {}).downgrade("base")?;
    assert!(check(engine, &Metadata::new())?.is_empty());
    Migrator::new(engine, &repo).with_printer(|_| {}).upgrade("head")?;
    assert!(check(engine, &v2)?.is_empty());
    Ok(())
});
