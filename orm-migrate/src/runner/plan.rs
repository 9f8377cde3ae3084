//! Upgrade and downgrade targets (`head`, `heads`, `base`, `+N`, `-N`, a revision prefix) resolved to
//! the list of revisions to run.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::repository::RevisionGraph;

fn invalid(target: &str, reason: impl Into<String>) -> Error {
    Error::InvalidTarget {
        target: target.to_owned(),
        reason: reason.into(),
    }
}

fn count(target: &str, digits: &str) -> Result<usize> {
    digits
        .parse()
        .map_err(|_| invalid(target, "expected a number of steps after the sign"))
}

/// The revisions to upgrade through, oldest first, from the database at `current`.
///
/// # Errors
///
/// [`Error::MultipleHeads`] for `head` with several heads, [`Error::InvalidTarget`] for `+N` past the
/// head, and the errors of [`RevisionGraph::resolve`].
pub fn upgrade_plan(
    graph: &RevisionGraph,
    current: &[String],
    target: &str,
) -> Result<Vec<String>> {
    let applied = graph.ancestors(current.iter().map(String::as_str));
    let pending = |targets: Vec<String>| -> Vec<String> {
        let wanted = graph.ancestors(targets.iter().map(String::as_str));
        graph
            .in_order()
            .map(|m| m.revision.clone())
            .filter(|r| wanted.contains(r) && !applied.contains(r))
            .collect()
    };
    if let Some(n) = target.strip_prefix('+') {
        let n = count(target, n)?;
        let head = graph.head()?.map(str::to_owned).into_iter().collect();
        let all = pending(head);
        if all.len() < n {
            return Err(invalid(
                target,
                format!("only {} revision(s) left to apply", all.len()),
            ));
        }
        return Ok(all.into_iter().take(n).collect());
    }
    let targets = match target {
        "head" => graph.head()?.map(str::to_owned).into_iter().collect(),
        "heads" => graph.heads().into_iter().map(str::to_owned).collect(),
        "base" => Vec::new(),
        prefix => vec![graph.resolve(prefix)?.revision.clone()],
    };
    Ok(pending(targets))
}

/// The revisions to downgrade through, newest first, from the database at `current`.
///
/// # Errors
///
/// [`Error::InvalidTarget`] for `-N` past the base or a revision that is not applied, and the errors
/// of [`RevisionGraph::resolve`].
pub fn downgrade_plan(
    graph: &RevisionGraph,
    current: &[String],
    target: &str,
) -> Result<Vec<String>> {
    let applied = graph.ancestors(current.iter().map(String::as_str));
    let applied_newest_first: Vec<String> = graph
        .in_order()
        .rev()
        .map(|m| m.revision.clone())
        .filter(|r| applied.contains(r))
        .collect();
    if let Some(n) = target.strip_prefix('-') {
        let n = count(target, n)?;
        if applied_newest_first.len() < n {
            return Err(invalid(
                target,
                format!("only {} revision(s) applied", applied_newest_first.len()),
            ));
        }
        return Ok(applied_newest_first.into_iter().take(n).collect());
    }
    let keep: BTreeSet<String> = match target {
        "base" => BTreeSet::new(),
        prefix => {
            let rev = graph.resolve(prefix)?.revision.clone();
            if !applied.contains(&rev) {
                return Err(invalid(target, format!("revision {rev} is not applied")));
            }
            graph.ancestors([rev.as_str()])
        }
    };
    Ok(applied_newest_first
        .into_iter()
        .filter(|r| !keep.contains(r))
        .collect())
}

/// The down revisions of `revision` to record once it is undone: those no other remaining row
/// already includes.
pub(crate) fn after_downgrade(
    graph: &RevisionGraph,
    rows: &[String],
    revision: &str,
    parents: &[String],
) -> Vec<String> {
    let others: Vec<&str> = rows
        .iter()
        .map(String::as_str)
        .filter(|r| *r != revision)
        .collect();
    let covered = graph.ancestors(others);
    parents
        .iter()
        .filter(|p| !covered.contains(*p))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repository::Migration;

    fn graph() -> RevisionGraph {
        let m = |id: &str, down: &[&str]| Migration {
            revision: id.into(),
            down_revisions: down.iter().map(|d| (*d).to_owned()).collect(),
            message: id.into(),
            created: String::new(),
            upgrade: vec![],
            downgrade: vec![],
            irreversible: false,
        };
        RevisionGraph::new([m("a1", &[]), m("b1", &["a1"]), m("c1", &["b1"])]).unwrap()
    }

    #[test]
    fn targets_resolve_to_plans() -> Result<()> {
        let g = graph();
        assert_eq!(upgrade_plan(&g, &[], "head")?, ["a1", "b1", "c1"]);
        assert_eq!(upgrade_plan(&g, &["a1".into()], "+1")?, ["b1"]);
        assert_eq!(upgrade_plan(&g, &[], "b")?, ["a1", "b1"]);
        assert!(upgrade_plan(&g, &["b1".into()], "+2").is_err());
        assert_eq!(
            downgrade_plan(&g, &["c1".into()], "base")?,
            ["c1", "b1", "a1"]
        );
        assert_eq!(downgrade_plan(&g, &["c1".into()], "-1")?, ["c1"]);
        assert_eq!(downgrade_plan(&g, &["c1".into()], "a1")?, ["c1", "b1"]);
        assert!(downgrade_plan(&g, &["a1".into()], "b1").is_err());
        Ok(())
    }
}
