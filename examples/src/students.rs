//! Seed 004's student records.

use chrono::{DateTime, Utc};
use orm_core::Model;

/// A student.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Student {
    /// Assigned by the database on insert.
    #[orm(primary_key)]
    pub id: Option<i64>,
    /// First name.
    #[orm(length = 100)]
    pub firstname: String,
    /// Last name.
    #[orm(length = 100)]
    pub lastname: String,
    /// Unique e-mail address.
    #[orm(length = 80, unique)]
    pub email: String,
    /// Age in years, if known.
    pub age: Option<i32>,
    /// Set by the database when the row is inserted.
    #[orm(server_default = now)]
    pub created_at: Option<DateTime<Utc>>,
    /// A free-text biography.
    #[orm(text)]
    pub bio: Option<String>,
}
