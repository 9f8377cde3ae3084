//! The [`Session`]: identity map and unit of work.
//!
//! `add` and `delete` accumulate; `commit` flushes inserts, updates (changed columns only) and deletes
//! in one transaction ordered by the foreign-key graph, then commits. A failed commit rolls back and
//! puts every object and the identity map back as they were before it.

mod bulk;
mod crate_hooks;
mod decode;
mod flush;
mod get;
mod identity;
mod load_related;
mod query;
mod relation_writes;
mod state;
mod tracking;
mod transaction;

pub use crate::object::Obj;
pub use bulk::BulkStatement;
pub use decode::{Decode, FromRow};
pub use tracking::Session;

use tracking::downcast;
