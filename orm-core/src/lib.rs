//! `orm-core`: models, engine, session and queries — an object-relational mapper in the spirit of
//! SQLAlchemy, for SQLite (embedded) and PostgreSQL.
//!
//! # Quickstart
//!
//! ```
//! use orm_core::prelude::*;
//!
//! #[derive(Model, Debug)]
//! pub struct User {
//!     #[orm(primary_key)]
//!     pub id: Option<i64>,
//!     #[orm(length = 64, index, unique)]
//!     pub username: String,
//!     #[orm(length = 120, index, unique)]
//!     pub email: String,
//! }
//!
//! let engine = Engine::connect("sqlite::memory:")?;
//! engine.create_all()?;
//! let mut session = engine.session();
//! let john = session.add(User::new("john", "john@example.com"));
//! session.add(User::new("susan", "susan@example.com"));
//! session.commit()?;
//! assert_eq!(john.read().id, Some(1));
//!
//! // The identity map: the same object, without SQL.
//! assert!(session.get::<User>(1)?.expect("user 1").ptr_eq(&john));
//!
//! // Typed queries: comparing a column with a value of another type does not compile.
//! let users = session.all(select::<User>().order_by(User::username.desc()))?;
//! let names: Vec<String> = users.iter().map(|u| u.read().username.clone()).collect();
//! assert_eq!(names, ["susan", "john"]);
//! let s_users = session.all(select::<User>().filter(User::username.like("s%")))?;
//! assert_eq!(s_users.len(), 1);
//!
//! // Plain field writes are tracked; only the changed column is updated.
//! john.write().email = "john@new.example".into();
//! session.commit()?;
//!
//! // Constraint violations are structured, the same on SQLite and PostgreSQL.
//! session.add(User::new("john", "other@example.com"));
//! let err = session.commit().unwrap_err();
//! assert!(err.is_unique_violation());
//! assert_eq!(err.constraint().unwrap().columns, ["username"]);
//! # Ok::<(), orm_core::Error>(())
//! ```
//!
//! # Where to find things
//!
//! - [`Model`] (derive it) and [`SqlType`] (map your own field types): [`model`], [`value`].
//! - [`Engine`]: URLs, the connection pool, echo, statement events, `create_all` / `drop_all`:
//!   [`engine`].
//! - [`Session`]: identity map, unit of work, savepoints, optimistic locking: [`session`].
//! - Queries: [`select`], [`select_columns`], expressions, joins, aggregates, pagination, bulk
//!   writes, upserts and raw SQL: [`query`]; the usual imports are in [`prelude`].
//! - Schema metadata shared with `orm-migrate` ([`schema`]), SQL dialects ([`dialect`]), the raw
//!   backends ([`backend`]), and the one error type ([`error`]).
//! - Async servers (features `tokio`, `axum`): `Engine::run` and the `Db` extractor in `runtime`.
#![forbid(unsafe_code)]
// Built without any driver (the compile-fail suite checks the derive and the query builder that
// way), the helpers the drivers share have no user.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code, unused_imports)
)]

// Lets the derive's `::orm_core` paths resolve inside this crate's own tests and doc tests.
#[allow(unused_extern_crates)] // used by derive-generated code, which the lint cannot see
extern crate self as orm_core;

pub mod backend;
pub mod dialect;
pub mod engine;
pub mod error;
pub mod model;
pub mod object;
pub mod query;
pub mod relation;
#[cfg(feature = "tokio")]
pub mod runtime;
pub mod schema;
pub mod session;
pub mod value;

pub use dialect::{Dialect, DialectKind};
pub use engine::{Connection, Engine, EngineBuilder, StatementEvent, StatementLog};
pub use error::{ConstraintKind, ConstraintViolation, Error, Result};
pub use model::Model;
pub use orm_derive::{Model, SqlEnum};
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
    pub use crate::model::{decode_field, decode_field_with, read_field_with};
    pub use inventory;
}
