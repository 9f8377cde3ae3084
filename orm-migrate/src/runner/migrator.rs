//! [`Migrator`]: upgrades, downgrades and stamps against a live database.

use std::fmt;

use orm_core::schema::Metadata;
use orm_core::{Connection, DialectKind, Engine};

use super::plan::{after_downgrade, downgrade_plan, upgrade_plan};
use super::version;
use crate::autogenerate::{compare, Diff};
use crate::ddl;
use crate::error::{Error, Result};
use crate::ops::SchemaState;
use crate::reflect::reflect;
use crate::repository::{Migration, Repository};

type Printer<'a> = Box<dyn FnMut(&str) + 'a>;

/// Runs a repository's migrations against a database, printing progress the way Alembic does
/// (`Running upgrade  -> e517276bb1c2, users table`).
///
/// Each revision runs in its own transaction together with the version-table update, so a failure
/// leaves the database at the previous revision. On PostgreSQL each transaction first takes an
/// advisory lock and re-reads the version, so two migrators at once apply each revision once.
pub struct Migrator<'a> {
    engine: &'a Engine,
    repo: &'a Repository,
    printer: Printer<'a>,
}

impl fmt::Debug for Migrator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migrator")
            .field("engine", self.engine)
            .field("dir", &self.repo.dir())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Up,
    Down,
}

impl<'a> Migrator<'a> {
    /// A migrator printing to standard output.
    pub fn new(engine: &'a Engine, repo: &'a Repository) -> Self {
        Migrator {
            engine,
            repo,
            printer: Box::new(|line| println!("{line}")),
        }
    }

    /// Sends the progress lines to `printer` instead.
    pub fn with_printer(mut self, printer: impl FnMut(&str) + 'a) -> Self {
        self.printer = Box::new(printer);
        self
    }

    /// The revisions the database is at (empty at base).
    ///
    /// # Errors
    ///
    /// A database error.
    pub fn current(&self) -> Result<Vec<String>> {
        version::read_if_exists(&mut self.engine.connection()?)
    }

    /// Upgrades to `target` (`head`, `heads`, `+N`, a revision prefix); returns the revisions applied.
    ///
    /// # Errors
    ///
    /// A target that does not resolve, or the first failing migration (rolled back, with the database
    /// left at the revision before it).
    pub fn upgrade(&mut self, target: &str) -> Result<Vec<String>> {
        let plan = upgrade_plan(self.repo.graph(), &self.current()?, target)?;
        self.run(&plan, Direction::Up)
    }

    /// Downgrades to `target` (`base`, `-N`, a revision prefix); returns the revisions undone.
    ///
    /// # Errors
    ///
    /// As [`Migrator::upgrade`].
    pub fn downgrade(&mut self, target: &str) -> Result<Vec<String>> {
        let plan = downgrade_plan(self.repo.graph(), &self.current()?, target)?;
        self.run(&plan, Direction::Down)
    }

    /// Records `target` (`head`, `heads`, `base`, a revision prefix) as the database's revision
    /// without running anything: to adopt a database made by `create_all`.
    ///
    /// # Errors
    ///
    /// A target that does not resolve, or a database error.
    pub fn stamp(&mut self, target: &str) -> Result<()> {
        let graph = self.repo.graph();
        let rows: Vec<String> = match target {
            "base" => Vec::new(),
            "head" => graph.head()?.map(str::to_owned).into_iter().collect(),
            "heads" => graph.heads().into_iter().map(str::to_owned).collect(),
            prefix => vec![graph.resolve(prefix)?.revision.clone()],
        };
        let mut conn = self.engine.connection()?;
        conn.begin()?;
        let backend = ddl::for_dialect(conn.dialect().kind())?;
        let result = lock(&mut conn, backend)
            .and_then(|()| version::read(&mut conn))
            .and_then(|current| version::update(&mut conn, &current, &rows));
        match result {
            Ok(()) => conn.commit()?,
            Err(e) => {
                let _ = conn.rollback();
                return Err(e);
            }
        }
        let shown = if rows.is_empty() {
            "base".to_owned()
        } else {
            rows.join(", ")
        };
        (self.printer)(&format!("Stamping database at {shown}"));
        Ok(())
    }

    fn run(&mut self, plan: &[String], direction: Direction) -> Result<Vec<String>> {
        let mut done = Vec::new();
        for rev in plan {
            let migration = self
                .repo
                .graph()
                .get(rev)
                .ok_or_else(|| Error::UnknownRevision(rev.clone()))?;
            if self.step(migration, direction)? {
                done.push(rev.clone());
            }
        }
        Ok(done)
    }

    /// One revision in one transaction; false when another migrator got there first.
    fn step(&mut self, m: &Migration, direction: Direction) -> Result<bool> {
        let mut conn = self.engine.connection()?;
        let kind = conn.dialect().kind();
        let backend = ddl::for_dialect(kind)?;
        if let Some(sql) = backend.before_migration() {
            conn.batch_execute(sql)?;
        }
        let result = conn.begin().map_err(Error::from).and_then(|()| {
            match self.step_in_transaction(&mut conn, m, direction, kind, backend) {
                Ok(applied) => conn.commit().map(|()| applied).map_err(Error::from),
                Err(e) => Err(e),
            }
        });
        // Whatever happened, no transaction stays open (a failed COMMIT leaves one on SQLite)...
        if conn.in_transaction() {
            let _ = conn.rollback();
        }
        // ...and the session is restored (SQLite: foreign keys enforced again) before the connection
        // goes back to the pool; one that cannot be restored is closed instead.
        if let Some(sql) = backend.after_migration() {
            if let Err(e) = conn.batch_execute(sql) {
                conn.discard();
                return result.and(Err(e.into()));
            }
        }
        result
    }

    fn step_in_transaction(
        &mut self,
        conn: &mut Connection,
        m: &Migration,
        direction: Direction,
        kind: DialectKind,
        backend: &dyn ddl::MigrationBackend,
    ) -> Result<bool> {
        lock(conn, backend)?;
        let rows = version::read(conn)?;
        let graph = self.repo.graph();
        let applied = graph.ancestors(rows.iter().map(String::as_str));
        let (ops, remove, add) = match direction {
            Direction::Up => {
                if applied.contains(&m.revision) {
                    return Ok(false);
                }
                let line = format!(
                    "Running upgrade {} -> {}, {}",
                    m.down_revisions.join(", "),
                    m.revision,
                    m.message
                );
                (self.printer)(&line);
                let remove: Vec<String> = rows
                    .iter()
                    .filter(|r| m.down_revisions.contains(r))
                    .cloned()
                    .collect();
                (&m.upgrade, remove, vec![m.revision.clone()])
            }
            Direction::Down => {
                if !rows.contains(&m.revision) {
                    return Ok(false);
                }
                let line = format!(
                    "Running downgrade {} -> {}, {}",
                    m.revision,
                    m.down_revisions.join(", "),
                    m.message
                );
                (self.printer)(&line);
                let add = after_downgrade(graph, &rows, &m.revision, &m.down_revisions);
                (&m.downgrade, vec![m.revision.clone()], add)
            }
        };
        let mut state = SchemaState::from_tables(reflect(conn)?);
        for sql in ddl::render_all(ops, &mut state, kind)? {
            conn.batch_execute(&sql)?;
        }
        version::update(conn, &remove, &add)?;
        if let Some(sql) = backend.foreign_key_check_sql() {
            foreign_key_check(conn, sql, &m.revision)?;
        }
        Ok(true)
    }
}

/// Takes the backend's migrator lock, if it has one, until the transaction ends.
fn lock(conn: &mut Connection, backend: &dyn ddl::MigrationBackend) -> Result<()> {
    if let Some(sql) = backend.lock_sql() {
        conn.batch_execute(sql)?;
    }
    Ok(())
}

fn foreign_key_check(conn: &mut Connection, check: &str, revision: &str) -> Result<()> {
    let rows = conn.query(check, &[])?;
    if rows.rows.is_empty() {
        return Ok(());
    }
    let violations = rows
        .rows
        .iter()
        .map(|r| {
            let v: Vec<String> = r.iter().map(|v| format!("{v:?}")).collect();
            let at = |i: usize| v.get(i).map_or("?", String::as_str);
            format!("{} row {} -> {}", at(0), at(1), at(2))
        })
        .collect();
    Err(Error::ForeignKeyCheck {
        revision: revision.to_owned(),
        violations,
    })
}

/// Compares the models with the live database (`check`): an empty diff means no drift.
///
/// # Errors
///
/// A database error.
pub fn check(engine: &Engine, models: &Metadata) -> Result<Diff> {
    let live = reflect(&mut engine.connection()?)?;
    Ok(compare(models, &SchemaState::from_tables(live)))
}
