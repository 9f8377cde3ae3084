//! Reflection: a live database's schema read back into `orm-core`'s [`TableDef`]s, so that it can be
//! compared with the models.
//!
//! [`TableDef`]: orm_core::schema::TableDef

mod inspect;
pub mod mysql;
pub mod postgres;
pub mod sqlite;

pub use inspect::{is_internal_table, parse_default, reflect};
