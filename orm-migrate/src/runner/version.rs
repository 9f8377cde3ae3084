//! The version table, `orm_version`: the revisions the database is at.

/// The name of the version table.
pub const VERSION_TABLE: &str = "orm_version";
