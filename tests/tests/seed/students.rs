//! Seed 004's `Student`, shared by the test binaries that need it (included with `#[path]`).

use chrono::{DateTime, Utc};
use orm_core::Model;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Student {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 100)]
    pub firstname: String,
    #[orm(length = 100)]
    pub lastname: String,
    #[orm(length = 80, unique)]
    pub email: String,
    pub age: Option<i32>,
    #[orm(server_default = now)]
    pub created_at: Option<DateTime<Utc>>,
    #[orm(text)]
    pub bio: Option<String>,
}
