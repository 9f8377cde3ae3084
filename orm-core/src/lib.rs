//! `orm-core`: models, engine, session and queries.
#![forbid(unsafe_code)]

// Lets the derive's `::orm_core` paths resolve inside this crate's own tests and doc tests.
#[allow(unused_extern_crates)] // used by derive-generated code, which the lint cannot see
extern crate self as orm_core;

pub mod backend;
pub mod dialect;
pub mod engine;
pub mod error;
pub mod model;
pub mod query;
pub mod relation;
pub mod schema;
pub mod session;
pub mod value;

pub use dialect::{Dialect, DialectKind};
pub use engine::{Connection, Engine, EngineBuilder, StatementEvent, StatementLog};
pub use error::{ConstraintKind, ConstraintViolation, Error, Result};
pub use model::Model;
pub use orm_derive::Model;
pub use query::{select, select_columns, Column};
pub use relation::{BelongsTo, HasMany, ManyToMany, Relation, WriteOnly};
pub use schema::Metadata;
pub use session::{Obj, Session};
pub use value::{SqlType, ToValue, Value, ValueError};

/// The usual imports for writing queries: `use orm_core::prelude::*;`.
pub mod prelude {
    pub use crate::query::{
        alias, delete, func, insert, insert_many, raw, select, select_columns, update, Expr,
        Keyset, PageRequest,
    };
    pub use crate::relation::{BelongsTo, HasMany, ManyToMany, Relation, WriteOnly};
    pub use crate::{Engine, Error, Model, Obj, Result, Session};
}

/// Items used by the code `#[derive(Model)]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::model::{decode_field, decode_field_with};
    pub use inventory;
}
