//! The models: seed 004's `Student`, and the courses a student takes (many-to-many through
//! `Enrollment`), which the pages list with eager loading.

use chrono::{DateTime, Utc};
use orm_core::{ManyToMany, Model};

/// A student (seed 004's model, field for field).
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
    /// Unique e-mail address: a duplicate is refused by the database, and the form says so.
    #[orm(length = 80, unique)]
    pub email: String,
    /// Age in years, if given.
    pub age: Option<i32>,
    /// Set by the database when the row is inserted.
    #[orm(server_default = now)]
    pub created_at: Option<DateTime<Utc>>,
    /// A free-text biography.
    #[orm(text)]
    pub bio: Option<String>,
    /// The courses the student is enrolled in.
    #[orm(through = Enrollment, via = (Enrollment::student_id, Enrollment::course_id), back_populates = students)]
    pub courses: ManyToMany<Course>,
}

/// A course from the catalogue (filled by a data migration).
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Course {
    /// Assigned by the database on insert.
    #[orm(primary_key)]
    pub id: Option<i64>,
    /// The course's title.
    #[orm(length = 100, unique)]
    pub title: String,
    /// The students enrolled.
    #[orm(through = Enrollment, via = (Enrollment::course_id, Enrollment::student_id), back_populates = courses)]
    pub students: ManyToMany<Student>,
}

/// A student's enrollment in a course: the association table. Deleting a student deletes its rows.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(primary_key(student_id, course_id))]
pub struct Enrollment {
    /// The student.
    #[orm(foreign_key = Student, on_delete = cascade)]
    pub student_id: i64,
    /// The course.
    #[orm(foreign_key = Course, index)]
    pub course_id: i64,
}

/// This application's models, for the migration CLI and `check`.
pub fn metadata() -> orm_core::Metadata {
    orm_core::Metadata::new()
        .with::<Student>()
        .with::<Course>()
        .with::<Enrollment>()
}
