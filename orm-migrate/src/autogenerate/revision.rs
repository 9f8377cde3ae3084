//! `migrate -m`: compare, then write the new revision file.

use std::path::PathBuf;

use orm_core::schema::Metadata;
use orm_core::Engine;

use super::{compare, detected, warnings};
use crate::error::Result;
use crate::ops::SchemaState;
use crate::reflect::reflect;
use crate::repository::{Migration, Repository};

/// A revision written by [`generate`].
#[derive(Debug, Clone)]
pub struct Generated {
    /// The new revision.
    pub migration: Migration,
    /// Its file.
    pub path: PathBuf,
    /// What was detected (`Detected added table 'user'`, ...).
    pub detected: Vec<String>,
    /// Warnings about operations that lose data.
    pub warnings: Vec<String>,
}

/// Compares `models` with the schema the repository's history builds (or, with `live`, with that
/// database's schema) and writes the difference as a new revision after the head. `None` when
/// nothing changed.
///
/// # Errors
///
/// [`crate::Error::MultipleHeads`] (merge first), a history that does not replay, a database error
/// with `live`, or an I/O error writing the file.
pub fn generate(
    repo: &mut Repository,
    models: &Metadata,
    message: &str,
    live: Option<&Engine>,
) -> Result<Option<Generated>> {
    generate_filtered(repo, models, message, live, &super::TableFilter::new())
}

/// [`generate`], looking only at the tables `filter` allows, in the models and in the schema.
///
/// # Errors
///
/// As [`generate`]; a model table that refers to a table the filter leaves out.
pub fn generate_filtered(
    repo: &mut Repository,
    models: &Metadata,
    message: &str,
    live: Option<&Engine>,
    filter: &super::TableFilter,
) -> Result<Option<Generated>> {
    let head = repo.graph().head()?.map(str::to_owned);
    let current = match live {
        Some(engine) => {
            SchemaState::from_tables(filter.tables(reflect(&mut engine.connection()?)?))
        }
        None => SchemaState::from_tables(filter.tables(repo.schema()?.tables().cloned().collect())),
    };
    let models = filter.models(models)?;
    let diff = compare(&models, &current);
    if diff.is_empty() {
        return Ok(None);
    }
    let detected = detected(&diff.upgrade);
    let warnings = warnings(&diff.upgrade);
    let downgrade = diff.downgrade();
    let (migration, path) =
        repo.add(message, head.into_iter().collect(), diff.upgrade, downgrade)?;
    Ok(Some(Generated {
        migration,
        path,
        detected,
        warnings,
    }))
}
