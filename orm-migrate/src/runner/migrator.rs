//! [`Migrator`]: upgrades, downgrades and stamps against a live database.

use std::fmt;

use orm_core::schema::Metadata;
use orm_core::{Connection, DialectKind, Engine};

use super::plan::{after_downgrade, downgrade_plan, upgrade_plan};
use super::{progress, version};
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
        let current = version::read_if_exists(&mut self.engine.connection()?)?;
        if let Some(unknown) = current.iter().find(|r| self.repo.graph().get(r).is_none()) {
            return Err(Error::DatabaseAtUnknownRevision {
                revision: unknown.clone(),
                directory: self.repo.dir().to_owned(),
            });
        }
        Ok(current)
    }

    /// Upgrades to `target` (`head`, `heads`, `+N`, a revision prefix); returns the revisions applied.
    ///
    /// # Errors
    ///
    /// A target that does not resolve, or the first failing migration (rolled back, with the database
    /// left at the revision before it).
    pub fn upgrade(&mut self, target: &str) -> Result<Vec<String>> {
        let current = self.current()?;
        let plan = upgrade_plan(self.repo.graph(), &current, target)?;
        // From base over tables that exist already (made by `create_all`): the first CREATE TABLE
        // fails, and the error says `stamp`. Found before running, acted on only if the run fails
        // that way, so that a MySQL migration resuming partway, or another migrator that got there
        // first, goes on as before.
        let clashes = if current.is_empty() {
            self.existing_tables(&plan)?
        } else {
            None
        };
        match self.run(&plan, Direction::Up) {
            Err(e)
                if clashes.is_some() && {
                    let text = e.to_string();
                    text.contains("already exists") || text.contains("exists already")
                } =>
            {
                let (tables, revision) = clashes.unwrap_or_default();
                Err(Error::TablesExist { tables, revision })
            }
            other => other,
        }
    }

    /// From base, the tables of the plan that exist already, and the first revision creating one.
    fn existing_tables(&self, plan: &[String]) -> Result<Option<(Vec<String>, String)>> {
        let existing = self.engine.connection()?.table_names()?;
        for rev in plan {
            let Some(m) = self.repo.graph().get(rev) else {
                continue;
            };
            let clashes: Vec<String> = m
                .upgrade
                .iter()
                .filter_map(|op| match op {
                    crate::Operation::CreateTable { table } => Some(table.name.clone()),
                    _ => None,
                })
                .filter(|name| existing.iter().any(|e| e == name))
                .collect();
            if !clashes.is_empty() {
                return Ok(Some((clashes, rev.clone())));
            }
        }
        Ok(None)
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
        let backend = ddl::for_dialect(conn.dialect().kind())?;
        // Stamping is how a schema repaired by hand after a partway migration is adopted: the
        // record of that migration goes with it (its table made before the transaction, since
        // MySQL's DDL would end it).
        let in_place = !backend.transactional_ddl();
        if in_place {
            progress::read(&mut conn)?;
            version::read(&mut conn)?;
        }
        conn.begin()?;
        let result = lock(&mut conn, backend)
            .and_then(|()| version::read(&mut conn))
            .and_then(|current| version::update(&mut conn, &current, &rows))
            .and_then(|()| {
                if in_place {
                    progress::clear(&mut conn)
                } else {
                    Ok(())
                }
            });
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
        // Refused before anything changes, not half-way down.
        if direction == Direction::Down {
            let graph = self.repo.graph();
            if let Some(rev) = plan
                .iter()
                .find(|r| graph.get(r).is_some_and(|m| m.irreversible))
            {
                return Err(Error::Irreversible(rev.clone()));
            }
        }
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

    /// One revision in one transaction (or, where DDL cannot be rolled back, operation by
    /// operation with its progress recorded); false when another migrator got there first.
    fn step(&mut self, m: &Migration, direction: Direction) -> Result<bool> {
        let mut conn = self.engine.connection()?;
        let kind = conn.dialect().kind();
        let backend = ddl::for_dialect(kind)?;
        if let Some(sql) = backend.before_migration() {
            conn.batch_execute(sql)?;
        }
        let session_lock = backend.session_lock();
        let locked = match session_lock {
            Some((take, _)) => take_session_lock(&mut conn, take),
            None => Ok(()),
        };
        let result = locked.and_then(|()| {
            if backend.transactional_ddl() {
                conn.begin().map_err(Error::from).and_then(|()| {
                    match self.step_in_transaction(&mut conn, m, direction, kind, backend) {
                        Ok(applied) => conn.commit().map(|()| applied).map_err(Error::from),
                        Err(e) => Err(e),
                    }
                })
            } else {
                self.step_in_place(&mut conn, m, direction, backend)
            }
        });
        // Whatever happened, no transaction stays open (a failed COMMIT leaves one on SQLite)...
        if conn.in_transaction() {
            let _ = conn.rollback();
        }
        // ...the migrator's lock is released, and the session is restored (SQLite: foreign keys
        // enforced again) before the connection goes back to the pool; one that cannot be
        // restored is closed instead.
        let restore = session_lock
            .map(|(_, release)| release)
            .into_iter()
            .chain(backend.after_migration());
        for sql in restore {
            if let Err(e) = conn.batch_execute(sql) {
                conn.discard();
                return result.and(Err(e.into()));
            }
        }
        result
    }

    /// What `m` does in `direction` given the revisions the database is at: its operations and the
    /// version rows to remove and add, or `None` when it is applied (or undone) already. Prints
    /// the progress line.
    fn plan_step<'m>(
        &mut self,
        rows: &[String],
        m: &'m Migration,
        direction: Direction,
    ) -> Option<StepPlan<'m>> {
        let graph = self.repo.graph();
        let applied = graph.ancestors(rows.iter().map(String::as_str));
        match direction {
            Direction::Up => {
                if applied.contains(&m.revision) {
                    return None;
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
                Some((&m.upgrade, remove, vec![m.revision.clone()]))
            }
            Direction::Down => {
                if !rows.contains(&m.revision) {
                    return None;
                }
                let line = format!(
                    "Running downgrade {} -> {}, {}",
                    m.revision,
                    m.down_revisions.join(", "),
                    m.message
                );
                (self.printer)(&line);
                let add = after_downgrade(graph, rows, &m.revision, &m.down_revisions);
                Some((&m.downgrade, vec![m.revision.clone()], add))
            }
        }
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
        let Some((ops, remove, add)) = self.plan_step(&rows, m, direction) else {
            return Ok(false);
        };
        let mut state = SchemaState::from_tables(reflect(conn)?);
        let statements = ddl::render_all(ops, &mut state, kind)?;
        let kept_for = if kind == DialectKind::Sqlite {
            rebuilt_tables(&statements)
        } else {
            Vec::new()
        };
        let kept = sqlite_kept(conn, &kept_for)?;
        // The rebuild's final `ALTER TABLE _orm_tmp_x RENAME TO x` must leave the views and the
        // other tables' triggers that name `x` alone (they name the table, which is back under
        // that name): the legacy rename does not rewrite or check them.
        let legacy_rename = !kept_for.is_empty();
        if legacy_rename {
            conn.batch_execute("PRAGMA legacy_alter_table = ON")?;
        }
        let ran = statements
            .iter()
            .try_for_each(|sql| conn.batch_execute(sql).map_err(untmp));
        if legacy_rename {
            conn.batch_execute("PRAGMA legacy_alter_table = OFF")?;
        }
        ran?;
        for (kind, name, sql) in &kept {
            let present = conn
                .query(
                    "SELECT 1 FROM sqlite_master WHERE name = ?1",
                    &[orm_core::Value::Text(name.clone())],
                )?
                .rows;
            if !present.is_empty() {
                continue; // made again by the migration itself
            }
            conn.batch_execute(sql).map_err(|e| {
                Error::Unsupported(format!(
                    "the rebuild could not re-create the {kind} `{name}` as it was written ({sql}): \
                     {e}; nothing was changed"
                ))
            })?;
        }
        version::update(conn, &remove, &add)?;
        if let Some(sql) = backend.foreign_key_check_sql() {
            foreign_key_check(conn, sql, &m.revision)?;
        }
        Ok(true)
    }

    /// The path for a database that commits each DDL statement (MySQL): under the migrator's
    /// session lock, each operation runs and is recorded in the progress table before the next;
    /// a run that failed partway resumes after the operations it recorded. The version table
    /// changes, and the progress row goes, in one transaction once every operation ran.
    fn step_in_place(
        &mut self,
        conn: &mut Connection,
        m: &Migration,
        direction: Direction,
        backend: &dyn ddl::MigrationBackend,
    ) -> Result<bool> {
        let rows = version::read(conn)?;
        let name = direction.name();
        let resume = match progress::read(conn)? {
            Some(p) if p.revision == m.revision && p.direction == name => p.applied,
            Some(p) => {
                return Err(Error::MigrationInProgress {
                    direction: p.direction,
                    revision: p.revision,
                    applied: p.applied,
                })
            }
            None => 0,
        };
        let Some((ops, remove, add)) = self.plan_step(&rows, m, direction) else {
            return Ok(false);
        };
        if resume > 0 {
            (self.printer)(&format!(
                "Resuming {name} {} at operation {} of {}",
                m.revision,
                resume + 1,
                ops.len()
            ));
        }
        let mut state = SchemaState::from_tables(reflect(conn)?);
        for (i, op) in ops.iter().enumerate().skip(resume) {
            let fail = |source: Error| Error::PartialMigration {
                direction: name,
                revision: m.revision.clone(),
                failed: i + 1,
                total: ops.len(),
                operation: op.to_string(),
                source: Box::new(source),
            };
            let statements = backend.render(op, &state).map_err(fail)?;
            state.apply(op).map_err(fail)?;
            for sql in statements {
                conn.batch_execute(&sql).map_err(|e| fail(e.into()))?;
            }
            let done = progress::Progress {
                revision: m.revision.clone(),
                direction: name.to_owned(),
                applied: i + 1,
            };
            progress::record(conn, &done)?;
        }
        // The version moves and the record goes together (`step` rolls back on failure).
        conn.begin()?;
        version::update(conn, &remove, &add)?;
        progress::clear(conn)?;
        conn.commit()?;
        Ok(true)
    }
}

/// A migration's operations and the version rows it removes and adds.
type StepPlan<'m> = (&'m Vec<crate::ops::Operation>, Vec<String>, Vec<String>);

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Up => "upgrade",
            Direction::Down => "downgrade",
        }
    }
}

/// Takes a lock held by the connection, failing clearly when another migrator keeps it.
fn take_session_lock(conn: &mut Connection, take: &str) -> Result<()> {
    let rows = conn.query(take, &[])?.rows;
    match rows
        .first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_i64())
    {
        Some(1) => Ok(()),
        _ => Err(Error::LockTimeout),
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
    check_filtered(engine, models, &crate::autogenerate::TableFilter::new())
}

/// [`check`], looking only at the tables `filter` allows, in the models and in the database.
///
/// # Errors
///
/// As [`check`].
pub fn check_filtered(
    engine: &Engine,
    models: &Metadata,
    filter: &crate::autogenerate::TableFilter,
) -> Result<Diff> {
    let live = filter.tables(reflect(&mut engine.connection()?)?);
    Ok(compare(
        &filter.models(models)?,
        &SchemaState::from_tables(live),
    ))
}

/// The tables a SQLite rendering rebuilds (`ALTER TABLE "_orm_tmp_x" RENAME TO "x"`).
fn rebuilt_tables(statements: &[String]) -> Vec<String> {
    let prefix = format!("ALTER TABLE \"{}", ddl::sqlite::TMP_PREFIX);
    statements
        .iter()
        .filter(|sql| sql.starts_with(&prefix))
        .filter_map(|sql| sql.rsplit_once(" RENAME TO \"").map(|(_, t)| t))
        .map(|t| t.trim_end_matches('"').replace("\"\"", "\""))
        .collect()
}

/// What a rebuild of `tables` would lose and the models do not describe, to write back verbatim
/// afterwards: their triggers and partial or expression indexes, as `(type, name, sql)`. (Views
/// stay: the rename that ends a rebuild is the legacy one, which leaves them be.)
fn sqlite_kept(conn: &mut Connection, tables: &[String]) -> Result<Vec<(String, String, String)>> {
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let rows = conn
        .query(
            "SELECT type, name, tbl_name, sql FROM sqlite_master \
             WHERE sql IS NOT NULL AND type IN ('trigger', 'index') \
             ORDER BY CASE type WHEN 'index' THEN 0 ELSE 1 END, rowid",
            &[],
        )?
        .rows;
    let text = |v: &orm_core::Value| match v {
        orm_core::Value::Text(t) => t.clone(),
        _ => String::new(),
    };
    let mut kept = Vec::new();
    for r in &rows {
        let (kind, name, table, sql) = (text(&r[0]), text(&r[1]), text(&r[2]), text(&r[3]));
        if !tables.contains(&table) {
            continue;
        }
        let keep = kind == "trigger" || {
            let partial = conn
                .query(
                    "SELECT partial FROM pragma_index_list(?1) WHERE name = ?2",
                    &[
                        orm_core::Value::Text(table.clone()),
                        orm_core::Value::Text(name.clone()),
                    ],
                )?
                .rows
                .first()
                .is_some_and(|r| matches!(r[0], orm_core::Value::I64(1)));
            crate::reflect::sqlite::unmodelled_index(conn, &name, partial)?
        };
        if keep {
            kept.push((kind, name, sql));
        }
    }
    Ok(kept)
}

/// A database error during a rebuild names the user's table, not the temporary one.
fn untmp(e: orm_core::Error) -> Error {
    let tmp = ddl::sqlite::TMP_PREFIX;
    match e {
        orm_core::Error::Database {
            message,
            code,
            source,
        } if message.contains(tmp) => orm_core::Error::Database {
            message: message.replace(tmp, ""),
            code,
            source,
        }
        .into(),
        orm_core::Error::Constraint(mut v) => {
            if let Some(t) = v.table.as_mut() {
                *t = t.replace(tmp, "");
            }
            v.message = v.message.replace(tmp, "");
            orm_core::Error::Constraint(v).into()
        }
        other => other.into(),
    }
}
