//! Offline SQL (`upgrade --sql`): the script of a range of revisions for a DBA to review and run.

use orm_core::dialect::dialect_for;
use orm_core::DialectKind;

use super::plan::upgrade_plan;
use super::version;
use crate::ddl;
use crate::error::{Error, Result};
use crate::ops::SchemaState;
use crate::repository::Repository;

/// The SQL that upgrades a database at `from` (revisions; empty for base) to `target`, one
/// transaction per revision, with the version-table updates, for `dialect`.
///
/// The schema each statement applies to is the one the history builds, as no database is read.
///
/// # Errors
///
/// As [`upgrade_plan`], and [`Error::InvalidOperation`] when a migration does not fit the history.
pub fn upgrade_sql(
    repo: &Repository,
    dialect: DialectKind,
    from: &[String],
    target: &str,
) -> Result<String> {
    let graph = repo.graph();
    let d = dialect_for(dialect);
    let backend = ddl::for_dialect(dialect)?;
    let plan = upgrade_plan(graph, from, target)?;
    let applied = graph.ancestors(from.iter().map(String::as_str));
    let mut state = SchemaState::new();
    for m in graph.in_order().filter(|m| applied.contains(&m.revision)) {
        state.apply_all(&m.upgrade)?;
    }
    let mut rows: Vec<String> = from.to_vec();
    let mut out = format!("{};\n\n", version::create_sql(d));
    for rev in plan {
        let m = graph
            .get(&rev)
            .ok_or_else(|| Error::UnknownRevision(rev.clone()))?;
        out.push_str(&format!(
            "-- Running upgrade {} -> {}, {}\n",
            m.down_revisions.join(", "),
            m.revision,
            m.message
        ));
        if let Some(sql) = backend.before_migration() {
            out.push_str(&format!("{sql};\n"));
        }
        out.push_str("BEGIN;\n");
        for sql in ddl::render_all(&m.upgrade, &mut state, dialect)? {
            out.push_str(&sql);
            out.push_str(";\n");
        }
        let remove: Vec<String> = rows
            .iter()
            .filter(|r| m.down_revisions.contains(r))
            .cloned()
            .collect();
        for sql in version::update_literal(d, &remove, std::slice::from_ref(&m.revision)) {
            out.push_str(&sql);
            out.push_str(";\n");
        }
        rows.retain(|r| !remove.contains(r));
        rows.push(m.revision.clone());
        if let Some(sql) = backend.foreign_key_check_sql() {
            out.push_str(&format!("{sql};\n"));
        }
        out.push_str("COMMIT;\n");
        if let Some(sql) = backend.after_migration() {
            out.push_str(&format!("{sql};\n"));
        }
        out.push('\n');
    }
    Ok(out)
}
