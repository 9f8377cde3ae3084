//! The revision graph: heads, bases, history order, ancestors, prefixes.

use std::collections::{BTreeMap, BTreeSet};

use super::Migration;
use crate::error::{Error, Result};

/// The revisions of a repository and the edges between them, checked on construction: unique ids,
/// known down revisions, no cycles.
#[derive(Debug, Clone, Default)]
pub struct RevisionGraph {
    by_id: BTreeMap<String, Migration>,
    /// Oldest first: every revision after the revisions it follows.
    order: Vec<String>,
}

impl RevisionGraph {
    /// The graph of `migrations`.
    ///
    /// # Errors
    ///
    /// [`Error::Graph`] for a duplicate id, an unknown down revision or a cycle.
    pub fn new(migrations: impl IntoIterator<Item = Migration>) -> Result<Self> {
        let mut by_id = BTreeMap::new();
        for m in migrations {
            if by_id.contains_key(&m.revision) {
                return Err(Error::Graph(format!(
                    "two files declare revision {}",
                    m.revision
                )));
            }
            by_id.insert(m.revision.clone(), m);
        }
        for m in by_id.values() {
            for d in &m.down_revisions {
                if !by_id.contains_key(d) {
                    return Err(Error::Graph(format!(
                        "revision {} follows {d}, which does not exist",
                        m.revision
                    )));
                }
            }
        }
        // Kahn's algorithm; ties go to the oldest (then the smallest id), so the order is stable.
        let mut placed: BTreeSet<String> = BTreeSet::new();
        let mut order = Vec::new();
        while order.len() < by_id.len() {
            let next = by_id
                .values()
                .filter(|m: &&Migration| !placed.contains(&m.revision))
                .filter(|m| m.down_revisions.iter().all(|d| placed.contains(d)))
                .min_by(|a, b| (&a.created, &a.revision).cmp(&(&b.created, &b.revision)))
                .map(|m| m.revision.clone());
            let Some(next) = next else {
                let rest: Vec<&String> = by_id.keys().filter(|k| !placed.contains(*k)).collect();
                return Err(Error::Graph(format!("the revisions {rest:?} form a cycle")));
            };
            placed.insert(next.clone());
            order.push(next);
        }
        Ok(RevisionGraph { by_id, order })
    }

    /// True when there are no revisions.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The revision with exactly this id.
    pub fn get(&self, id: &str) -> Option<&Migration> {
        self.by_id.get(id)
    }

    /// Every revision, oldest first.
    pub fn in_order(&self) -> impl DoubleEndedIterator<Item = &Migration> {
        self.order.iter().filter_map(|id| self.by_id.get(id))
    }

    /// The revisions no other revision follows, oldest first.
    pub fn heads(&self) -> Vec<&str> {
        let followed: BTreeSet<&str> = self
            .by_id
            .values()
            .flat_map(|m| m.down_revisions.iter().map(String::as_str))
            .collect();
        self.order
            .iter()
            .map(String::as_str)
            .filter(|id| !followed.contains(id))
            .collect()
    }

    /// The one head.
    ///
    /// # Errors
    ///
    /// [`Error::MultipleHeads`] naming them, suggesting `merge`.
    pub fn head(&self) -> Result<Option<&str>> {
        match self.heads().as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => Err(Error::MultipleHeads {
                heads: many.iter().map(|s| (*s).to_owned()).collect(),
            }),
        }
    }

    /// The revision whose id is `prefix` or starts with it.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRevision`], or [`Error::AmbiguousRevision`] naming the candidates.
    pub fn resolve(&self, prefix: &str) -> Result<&Migration> {
        if let Some(m) = self.by_id.get(prefix) {
            return Ok(m);
        }
        let candidates: Vec<&Migration> = self
            .by_id
            .values()
            .filter(|m| !prefix.is_empty() && m.revision.starts_with(prefix))
            .collect();
        match candidates.as_slice() {
            [] => Err(Error::UnknownRevision(prefix.to_owned())),
            [one] => Ok(one),
            many => Err(Error::AmbiguousRevision {
                prefix: prefix.to_owned(),
                candidates: many.iter().map(|m| m.revision.clone()).collect(),
            }),
        }
    }

    /// The given revisions and every revision they follow, directly or not.
    pub fn ancestors<'a>(&self, revisions: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = revisions.into_iter().map(str::to_owned).collect();
        while let Some(id) = stack.pop() {
            if seen.insert(id.clone()) {
                if let Some(m) = self.by_id.get(&id) {
                    stack.extend(m.down_revisions.iter().cloned());
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: &str, down: &[&str]) -> Migration {
        Migration {
            revision: id.into(),
            down_revisions: down.iter().map(|d| (*d).to_owned()).collect(),
            message: id.into(),
            created: String::new(),
            upgrade: vec![],
            downgrade: vec![],
            irreversible: false,
        }
    }

    #[test]
    fn branches_are_heads_until_merged() -> Result<()> {
        let g = RevisionGraph::new([m("c1", &["a1"]), m("a1", &[]), m("b1", &["a1"])])?;
        let ids: Vec<&str> = g.in_order().map(|m| m.revision.as_str()).collect();
        assert_eq!(ids, ["a1", "b1", "c1"]);
        let err = g.head().unwrap_err();
        assert_eq!(
            err.to_string(),
            "multiple heads: b1, c1; run `merge` to join them into one"
        );
        let g = RevisionGraph::new(g.in_order().cloned().chain([m("d1", &["b1", "c1"])]))?;
        assert_eq!(g.head()?, Some("d1"));
        assert_eq!(g.ancestors(["c1"]).len(), 2);
        Ok(())
    }

    #[test]
    fn prefixes_resolve_or_say_why_not() -> Result<()> {
        let g = RevisionGraph::new([m("ab12", &[]), m("ab34", &["ab12"])])?;
        assert_eq!(g.resolve("ab3")?.revision, "ab34");
        assert!(matches!(
            g.resolve("ab"),
            Err(Error::AmbiguousRevision { .. })
        ));
        assert!(matches!(g.resolve("zz"), Err(Error::UnknownRevision(_))));
        Ok(())
    }

    #[test]
    fn broken_graphs_are_errors() {
        assert!(RevisionGraph::new([m("a", &["x"])]).is_err());
        assert!(RevisionGraph::new([m("a", &["b"]), m("b", &["a"])]).is_err());
    }
}
