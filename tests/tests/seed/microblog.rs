//! The seed walkthrough's `User` and `Post` (seed 000), shared by the test binaries that need them.
//!
//! Included with `#[path]` so that each binary registers its own copy and only the models it uses.

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
