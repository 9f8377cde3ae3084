//! Schema metadata: tables, columns, column types, indexes, constraints and foreign keys, and the
//! relationships a model declares over them.
//!
//! The derive builds these for each model; `orm-migrate` builds the same types from a live database
//! and from migration files, so the two can be compared.

mod column;
mod metadata;
mod naming;
mod relation;
mod table;

pub use column::{ColumnDef, ColumnType, DefaultExpr};
pub use metadata::{dependency_order, Metadata, ModelEntry};
pub use naming::{
    check_name, foreign_key_name, index_name, unique_name, values_check, values_check_name,
};
pub use relation::{Lazy, RelationDef, RelationKind, Resolved, Through};
pub use table::{CheckDef, FkAction, ForeignKeyDef, IndexDef, TableDef, UniqueDef};
