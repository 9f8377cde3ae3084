//! The migration repository: a directory (`migrations/` by default) with a `versions/` folder of
//! TOML files, one per revision, and the revision graph they form.

mod file;
mod graph;
mod store;

pub use file::Migration;
pub use graph::RevisionGraph;
pub use store::{Repository, DEFAULT_DIRECTORY};
