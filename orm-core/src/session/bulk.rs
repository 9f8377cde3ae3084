//! Bulk UPDATE / DELETE by filter and the upsert, keeping the session's loaded objects consistent
//! with the rows they changed.

use super::{Obj, Session};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::{Delete, Insert, Update};

/// A statement [`Session::execute`] runs: an [`Update`] or a [`Delete`].
pub trait BulkStatement: sealed::Sealed {
    /// Runs the statement in `session`; returns the number of rows changed.
    ///
    /// # Errors
    ///
    /// A database error.
    #[doc(hidden)]
    fn run_in(&self, session: &mut Session) -> Result<u64>;
}

mod sealed {
    pub trait Sealed {}
    impl<M> Sealed for crate::query::Update<M> {}
    impl<M> Sealed for crate::query::Delete<M> {}
}

impl<M: Model> BulkStatement for Update<M> {
    fn run_in(&self, session: &mut Session) -> Result<u64> {
        let dialect = session.engine().dialect();
        // Loaded objects are found again by their key: one that the statement changes could not be.
        if session.tracks_table(M::TABLE_NAME) {
            if let Some((_, name, _)) = self
                .sets
                .iter()
                .find(|(i, _, _)| M::primary_key_indexes().contains(i))
            {
                return Err(Error::Unsupported {
                    dialect: dialect.name(),
                    feature: format!(
                    "a bulk update of the key `{}.{name}` while the session holds `{}` objects \
                     (expunge them, or use a session of its own)",
                    M::TABLE_NAME,
                    M::TABLE_NAME
                ),
                });
            }
        }
        session.prepare_bulk()?;
        if !session.tracks_table(M::TABLE_NAME) {
            let (sql, params) = self.build_returning(dialect, false)?;
            return session.connection()?.execute(&sql, &params);
        }
        let returning = dialect.supports_update_returning();
        let build = |r| self.build_returning(dialect, r);
        let (count, rows) = match synchronised::<M>(session, &self.filters, returning, build)? {
            Changed::Returned(rows) => (rows.len() as u64, rows),
            // The new values of the rows whose keys were read before the update.
            Changed::Fetched(count, keys) => {
                let names: Vec<_> = self.sets.iter().map(|(_, name, _)| *name).collect();
                (count, rows_by::<M>(session, M::PRIMARY_KEY, &names, &keys)?)
            }
        };
        let key_len = M::PRIMARY_KEY.len();
        for mut row in rows {
            let values = row.split_off(key_len.min(row.len()));
            let updates: Vec<_> = self.sets.iter().map(|(i, _, _)| *i).zip(values).collect();
            session.sync_updated::<M>(&row, &updates)?;
        }
        Ok(count)
    }
}

impl<M: Model> BulkStatement for Delete<M> {
    fn run_in(&self, session: &mut Session) -> Result<u64> {
        session.prepare_bulk()?;
        let dialect = session.engine().dialect();
        if !session.tracks_table(M::TABLE_NAME) {
            let (sql, params) = self.build_returning(dialect, false)?;
            return session.connection()?.execute(&sql, &params);
        }
        let returning = dialect.supports_returning();
        let build = |r| self.build_returning(dialect, r);
        let (count, keys) = match synchronised::<M>(session, &self.filters, returning, build)? {
            Changed::Returned(keys) => (keys.len() as u64, keys),
            Changed::Fetched(count, keys) => (count, keys),
        };
        for key in &keys {
            session.forget_deleted::<M>(key)?;
        }
        Ok(count)
    }
}

/// What a bulk statement over rows the session may hold gave back.
enum Changed {
    /// Its `RETURNING` rows.
    Returned(Vec<Vec<crate::Value>>),
    /// Without `RETURNING`: the number of rows it changed, and their keys, read and locked before
    /// it ran (SQLAlchemy's "fetch" synchronisation).
    Fetched(u64, Vec<Vec<crate::Value>>),
}

/// Runs the statement `build` writes (with `RETURNING` when `returning`) over the rows `filters`
/// select.
fn synchronised<M: Model>(
    session: &mut Session,
    filters: &[crate::query::expr::Node],
    returning: bool,
    build: impl Fn(bool) -> Result<(String, Vec<crate::Value>)>,
) -> Result<Changed> {
    if returning {
        let (sql, params) = build(true)?;
        return Ok(Changed::Returned(
            session.connection()?.query(&sql, &params)?.rows,
        ));
    }
    let dialect = session.engine().dialect();
    let (sql, params) = crate::query::update::select_keys_for_update::<M>(filters, dialect)?;
    let keys = session.connection()?.query(&sql, &params)?.rows;
    let (sql, params) = build(false)?;
    let count = session.connection()?.execute(&sql, &params)?;
    Ok(Changed::Fetched(count, keys))
}

/// The rows whose `key` columns hold one of `keys`: each key followed by `columns`, in
/// statements of a bounded size.
fn rows_by<M: Model>(
    session: &mut Session,
    key: &[&'static str],
    columns: &[&'static str],
    keys: &[Vec<crate::Value>],
) -> Result<Vec<Vec<crate::Value>>> {
    let dialect = session.engine().dialect();
    let per_statement = (dialect.max_params() / key.len().max(1)).clamp(1, 1000);
    let mut rows = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(per_statement) {
        let (sql, params) = crate::query::update::select_by_keys::<M>(dialect, key, columns, chunk);
        rows.extend(session.connection()?.query(&sql, &params)?.rows);
    }
    Ok(rows)
}

impl Session {
    fn prepare_bulk(&mut self) -> Result<()> {
        self.autoflush()?;
        self.begin_for_write()
    }

    /// Runs a bulk [`Update`] or [`Delete`] by filter in the session's transaction and returns the
    /// number of rows changed. Loaded objects stay consistent: after an update, those whose rows
    /// changed hold the new values (read back with `RETURNING`); after a delete, those whose rows
    /// are gone leave the identity map. A rollback undoes both.
    ///
    /// # Errors
    ///
    /// A database error (a structured [`crate::Error::Constraint`] for a violation), or
    /// [`crate::Error::Config`] for a statement built wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use orm_core::{Engine, Model};
    /// use orm_core::query::update;
    ///
    /// #[derive(Model, Debug)]
    /// struct User {
    ///     #[orm(primary_key)]
    ///     id: Option<i64>,
    ///     username: String,
    /// }
    ///
    /// let engine = Engine::connect("sqlite::memory:")?;
    /// engine.create_all()?;
    /// let mut session = engine.session();
    /// let john = session.add(User::new("john"));
    /// let n = session.execute(update::<User>().set(User::username, "johnny").filter(User::username.eq("john")))?;
    /// assert_eq!(n, 1);
    /// assert_eq!(john.read().username, "johnny");
    /// # Ok::<(), orm_core::Error>(())
    /// ```
    pub fn execute<B: BulkStatement>(&mut self, statement: B) -> Result<u64> {
        statement.run_in(self)
    }

    /// Runs an [`Insert`] (with or without ON CONFLICT) in the session's transaction; returns the
    /// objects of the rows inserted or updated (rows skipped by DO NOTHING are absent), through the
    /// identity map: an object already loaded takes the row's new values.
    ///
    /// # Errors
    ///
    /// A database error (a structured [`crate::Error::Constraint`] for a violation the ON CONFLICT
    /// clause does not cover), or [`crate::Error::Config`] for a statement built wrong.
    pub fn upsert<M: Model>(&mut self, statement: Insert<M>) -> Result<Vec<Obj<M>>> {
        self.prepare_bulk()?;
        let dialect = self.engine().dialect();
        // Many rows go out in statements under the backend's parameter limit, in one transaction.
        let per_statement = (dialect.max_params() / M::COLUMNS.len().max(1)).clamp(1, 1000);
        if statement.row_count() > per_statement {
            let mut out = Vec::new();
            for part in statement.split_rows(per_statement) {
                out.extend(self.upsert(part)?);
            }
            return Ok(out);
        }
        let mut statement = statement;
        if dialect.upsert_on_duplicate_key() && statement.skips_conflicts() {
            // MySQL skips a row as a no-op update, which it reports (and returns) like an insert:
            // the rows whose target exists already are left out first, found and locked by the
            // database's own comparison (its collation), so that what comes back is what this
            // statement inserted.
            match self.without_existing(&statement)? {
                Some(rest) => statement = rest,
                None => return Ok(Vec::new()),
            }
        }
        let rows = if dialect.supports_returning() {
            let (sql, params) = statement.build_returning(dialect, true)?;
            self.connection()?.query(&sql, &params)?.rows
        } else {
            // Without RETURNING: insert, then read the rows back by the conflict target, which
            // the statement's rows all hold.
            let (sql, params) = statement.build_returning(dialect, false)?;
            // A target whose values are not all given (a generated key) cannot find the rows:
            // their keys can.
            let found = statement
                .target_values()
                .filter(|(_, keys)| keys.iter().flatten().all(|v| !v.is_null()));
            let conn = self.connection()?;
            conn.execute(&sql, &params)?;
            // Without a conflict target, a plain INSERT: its rows are found by their keys, given
            // or generated (consecutive from the first the connection reports).
            let (target, keys) = match found {
                Some(found) => found,
                None => (M::PRIMARY_KEY.to_vec(), statement.keys(conn)?),
            };
            let mut rows = rows_by::<M>(self, &target, M::COLUMNS, &keys)?;
            for row in &mut rows {
                row.drain(..target.len());
            }
            rows
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let key: Vec<_> = M::primary_key_indexes()
                .iter()
                .filter_map(|&i| row.get(i).cloned())
                .collect();
            let all: Vec<_> = row.iter().cloned().enumerate().collect();
            let obj = self.load::<M>(row)?;
            self.sync_updated::<M>(&key, &all)?;
            out.push(obj);
        }
        Ok(out)
    }

    /// `statement` without the rows whose conflict target a row of the table holds already (found
    /// in one statement per thousand rows, compared and locked by the database); `None` when no
    /// row is left.
    fn without_existing<M: Model>(&mut self, statement: &Insert<M>) -> Result<Option<Insert<M>>> {
        let dialect = self.engine().dialect();
        let Some((target, keys)) = statement.target_values() else {
            return Err(Error::config(
                "an upsert's conflict target names no column of the table",
            ));
        };
        let per_statement = (dialect.max_params() / (target.len() + 1)).clamp(1, 1000);
        let mut keep = vec![true; keys.len()];
        for (c, chunk) in keys.chunks(per_statement).enumerate() {
            let (sql, params) = crate::query::update::existing_keys::<M>(dialect, &target, chunk);
            for row in self.connection()?.query(&sql, &params)?.rows {
                let at = row.first().and_then(crate::Value::as_i64);
                if let Some(n) = at.and_then(|n| usize::try_from(n).ok()) {
                    if let Some(k) = keep.get_mut(c * per_statement + n) {
                        *k = false;
                    }
                }
            }
        }
        Ok(statement.retain_rows(&keep))
    }
}
