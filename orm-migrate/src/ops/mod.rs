//! Schema operations: each dialect-neutral, serializable, and knowing its reverse; and the schema
//! state that replaying them builds.

mod column_type;
mod document;
mod operation;
mod spec;
mod state;

pub use column_type::parse_column_type;
pub use document::SchemaDocument;
pub use operation::{ColumnState, Operation};
pub use state::SchemaState;
