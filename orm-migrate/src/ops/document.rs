//! [`SchemaDocument`]: a whole schema in the migration-file format.

use orm_core::schema::TableDef;
use serde::{Deserialize, Serialize};

use super::spec;

/// A list of tables written as in migration files (`[[table]]` entries): the before and after
/// schemas of the autogenerate fixtures, or a snapshot of a schema for review.
///
/// # Examples
///
/// ```
/// use orm_migrate::ops::SchemaDocument;
///
/// let doc: SchemaDocument = toml::from_str(r#"
///     [[table]]
///     name = "user"
///     primary_key = ["id"]
///     columns = [
///         { name = "id", type = "INTEGER", autoincrement = true, primary_key = true },
///         { name = "email", type = "VARCHAR(120)", nullable = true },
///     ]
/// "#)?;
/// assert_eq!(doc.tables[0].columns[1].name, "email");
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaDocument {
    /// The tables.
    #[serde(default, rename = "table", with = "spec::tables")]
    pub tables: Vec<TableDef>,
}
