//! Which tables autogenerate and `check` look at: Alembic's `include_object` for the common case,
//! by table name with glob patterns (`audit_*`, `legacy_?`). Tables another application or an
//! extension owns in the same database are then neither proposed for dropping nor compared.

use orm_core::schema::{Metadata, TableDef};

use crate::error::{Error, Result};

/// Table-name patterns to include and exclude; by default every table is looked at.
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    include: Vec<glob::Pattern>,
    exclude: Vec<glob::Pattern>,
}

impl TableFilter {
    /// Every table.
    pub fn new() -> Self {
        TableFilter::default()
    }

    /// Looks only at tables matching `pattern` (and any other included pattern).
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for a malformed pattern.
    pub fn include(mut self, pattern: &str) -> Result<Self> {
        self.include.push(compile(pattern)?);
        Ok(self)
    }

    /// Never looks at tables matching `pattern`.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] for a malformed pattern.
    pub fn exclude(mut self, pattern: &str) -> Result<Self> {
        self.exclude.push(compile(pattern)?);
        Ok(self)
    }

    /// Whether the table named `table` is looked at.
    pub fn allows(&self, table: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| p.matches(table)))
            && !self.exclude.iter().any(|p| p.matches(table))
    }

    /// The tables of a schema that are looked at.
    pub(crate) fn tables(&self, tables: Vec<TableDef>) -> Vec<TableDef> {
        tables
            .into_iter()
            .filter(|t| self.allows(&t.name))
            .collect()
    }

    /// The models that are looked at.
    pub(crate) fn models(&self, models: &Metadata) -> Result<Metadata> {
        Ok(Metadata::from_tables(
            models
                .tables()
                .iter()
                .filter(|t| self.allows(&t.name))
                .cloned(),
        )?)
    }
}

fn compile(pattern: &str) -> Result<glob::Pattern> {
    glob::Pattern::new(pattern)
        .map_err(|e| Error::Unsupported(format!("table pattern `{pattern}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_include_and_exclude() -> Result<()> {
        let all = TableFilter::new();
        assert!(all.allows("user"));
        let f = TableFilter::new()
            .exclude("audit_*")?
            .exclude("spatial_ref_sys")?;
        assert!(f.allows("user") && !f.allows("audit_log") && !f.allows("spatial_ref_sys"));
        let only = TableFilter::new().include("shop_*")?;
        assert!(only.allows("shop_order") && !only.allows("user"));
        assert!(TableFilter::new().include("[").is_err());
        Ok(())
    }
}
