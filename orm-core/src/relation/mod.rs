//! Relationships between models, and loading them.
//!
//! - Fields ([`field`]): [`BelongsTo`] (to-one over a local foreign key), [`HasMany`] (to-many over
//!   the target's foreign key), [`WriteOnly`] (to-many that is never loaded, only queried), and
//!   [`ManyToMany`] (through an association model). They are plain struct fields, not columns.
//! - Metadata: the [`RelationDef`] the derive emits for each field, resolved against the tables'
//!   foreign keys (it lives in [`crate::schema`], beside the tables it joins).
//! - Handles ([`handle`]): [`Relation`], generated as `User::posts`, for the session
//!   ([`crate::Session::load_related`], [`crate::Session::append`], [`crate::Session::remove`]) and
//!   queries ([`Relation::select`], [`crate::query::Select::eager`],
//!   [`crate::query::Select::joined`]).
//! - Eager loading ([`eager`]): the [`Eager`] selection.
//!
//! Nothing here loads behind the application's back: reading a relationship that was not loaded is
//! [`crate::Error::NotLoaded`].

pub mod eager;
pub mod field;
pub mod handle;

pub use crate::object::ErasedObj;
pub use crate::schema::{Lazy, RelationDef, RelationKind, Resolved, Through};
pub use eager::{Eager, EagerDefaults};
pub use field::{BelongsTo, HasMany, ManyToMany, Slot, WriteOnly};
pub use handle::{LoadPlan, Relation, Then};
