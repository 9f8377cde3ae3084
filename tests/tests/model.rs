//! Behaviour of `#[derive(Model)]`: the metadata, handles, constructor and value conversions it
//! generates.

use chrono::{DateTime, Utc};
use orm_core::Model;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct User {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 64, index, unique)]
    pub username: String,
    #[orm(length = 120, index, unique)]
    pub email: String,
    #[orm(length = 256)]
    pub password_hash: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Post {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 140)]
    pub body: String,
    #[orm(index, default = Utc::now)]
    pub timestamp: DateTime<Utc>,
    #[orm(foreign_key = User, index, on_delete = cascade)]
    pub user_id: i64,
}

#[test]
fn smoke() {
    let t = User::table();
    println!("{t:#?}");
    println!("{:#?}", Post::table());
    let u = User::new("john", "john@example.com");
    assert_eq!(u.id, None);
}
