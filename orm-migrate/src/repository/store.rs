//! The directory on disk: `init`, reading every file, writing a new revision.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use super::{Migration, RevisionGraph};
use crate::error::{Error, Result};
use crate::ops::{Operation, SchemaState};

/// The default repository directory, as Flask-Migrate's.
pub const DEFAULT_DIRECTORY: &str = "migrations";

const README: &str =
    "Migrations managed by orm-migrate: one TOML file per revision in versions/.\n\
Generate with `migrate -m \"message\"`, apply with `upgrade`, undo with `downgrade`.\n";

/// A migration repository: its directory and its revisions.
#[derive(Debug, Clone)]
pub struct Repository {
    dir: PathBuf,
    graph: RevisionGraph,
}

impl Repository {
    /// Creates `dir` and `dir/versions`.
    ///
    /// # Errors
    ///
    /// [`Error::Repository`] if `dir/versions` exists already; [`Error::Io`] if it cannot be created.
    pub fn init(dir: impl Into<PathBuf>) -> Result<Repository> {
        let dir = dir.into();
        let versions = dir.join("versions");
        if versions.exists() {
            return Err(Error::Repository {
                message: "the migration repository exists already",
                path: dir,
            });
        }
        std::fs::create_dir_all(&versions)
            .map_err(|e| Error::io("create directory", &versions, e))?;
        let readme = dir.join("README");
        std::fs::write(&readme, README).map_err(|e| Error::io("write", &readme, e))?;
        Ok(Repository {
            dir,
            graph: RevisionGraph::default(),
        })
    }

    /// Reads every `versions/*.toml` file of `dir`.
    ///
    /// # Errors
    ///
    /// [`Error::Repository`] when `dir/versions` is missing (run `init`), [`Error::MalformedFile`]
    /// naming a file that does not parse, [`Error::Graph`] for a broken revision graph.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Repository> {
        let dir = dir.into();
        let versions = dir.join("versions");
        if !versions.is_dir() {
            return Err(Error::Repository {
                message: "no migration repository here; run `init` first",
                path: dir,
            });
        }
        let entries =
            std::fs::read_dir(&versions).map_err(|e| Error::io("read directory", &versions, e))?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| Error::io("read directory", &versions, e))?
                .path();
            if path.extension().is_some_and(|x| x == "toml") {
                paths.push(path);
            }
        }
        paths.sort();
        let mut migrations = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
            migrations.push(Migration::parse(&path, &text)?);
        }
        Ok(Repository {
            dir,
            graph: RevisionGraph::new(migrations)?,
        })
    }

    /// The repository directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The revisions.
    pub fn graph(&self) -> &RevisionGraph {
        &self.graph
    }

    /// The schema the whole history builds (autogenerate without a database).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOperation`] when a migration does not fit what the ones before it built.
    pub fn schema(&self) -> Result<SchemaState> {
        let mut state = SchemaState::new();
        for m in self.graph.in_order() {
            state.apply_all(&m.upgrade)?;
        }
        Ok(state)
    }

    /// Writes a new revision after `down_revisions` and adds it to the graph; returns it with its
    /// path.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be written.
    pub fn add(
        &mut self,
        message: &str,
        down_revisions: Vec<String>,
        upgrade: Vec<Operation>,
        downgrade: Vec<Operation>,
    ) -> Result<(Migration, PathBuf)> {
        let migration = Migration {
            revision: new_revision_id(),
            down_revisions,
            message: message.to_owned(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            upgrade,
            downgrade,
            irreversible: false,
        };
        let path = self.dir.join("versions").join(migration.file_name());
        std::fs::write(&path, migration.to_toml()?).map_err(|e| Error::io("write", &path, e))?;
        self.graph = RevisionGraph::new(self.graph.in_order().cloned().chain([migration.clone()]))?;
        Ok((migration, path))
    }
}

impl Repository {
    /// Writes a revision that follows every head, joining them into one.
    ///
    /// # Errors
    ///
    /// [`Error::Graph`] when there are fewer than two heads; [`Error::Io`] as [`Repository::add`].
    pub fn merge(&mut self, message: &str) -> Result<(Migration, PathBuf)> {
        let heads: Vec<String> = self.graph.heads().into_iter().map(str::to_owned).collect();
        if heads.len() < 2 {
            return Err(Error::Graph(format!(
                "nothing to merge: there is {} head",
                heads.len()
            )));
        }
        self.add(message, heads, Vec::new(), Vec::new())
    }
}

/// 12 random hexadecimal digits (the standard library's randomly keyed hasher over the time and a
/// counter: unique enough for ids, no extra dependency).
fn new_revision_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_are_written_and_read_back() -> Result<()> {
        let tmp = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        let dir = tmp.path().join("migrations");
        let mut repo = Repository::init(&dir)?;
        assert!(Repository::init(&dir).is_err());
        let (first, path) = repo.add("users table", vec![], vec![], vec![])?;
        assert_eq!(first.revision.len(), 12);
        assert!(path.ends_with(format!("{}_users_table.toml", first.revision)));
        let (second, _) = repo.add("posts table", vec![first.revision.clone()], vec![], vec![])?;
        let repo = Repository::open(&dir)?;
        assert_eq!(repo.graph().head()?, Some(second.revision.as_str()));
        std::fs::write(dir.join("versions/bad.toml"), "revision = [").unwrap();
        let err = Repository::open(&dir).unwrap_err().to_string();
        assert!(err.contains("bad.toml"), "{err}");
        Ok(())
    }
}
