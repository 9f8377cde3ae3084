//! The [`Session`]: identity map and unit of work.
//!
//! `add` and `delete` accumulate; `commit` flushes inserts, updates (changed columns only) and deletes
//! in one transaction ordered by the foreign-key graph, then commits. A failed commit rolls back and
//! puts every object and the identity map back as they were before it.

mod bulk;
mod flush;
mod identity;
mod load;
pub(crate) mod object;
mod query;
mod relation;
mod state;

use std::sync::Arc;

pub use bulk::BulkStatement;
pub use object::Obj;

use self::identity::IdentityKey;
use self::object::{AnyObj, Cell};
use self::state::{Entries, Entry, Link, State};
use crate::engine::{Connection, Engine};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::{Column, SqlWriter};
use crate::value::{ToValue, Value};

/// A unit of work over one [`Engine`]: tracks objects, flushes their changes, and hands out one object
/// per primary key. A session is `Send`: it can move to another thread.
///
/// # Examples
///
/// ```
/// use orm_core::{Engine, Model};
///
/// #[derive(Model, Debug)]
/// struct Tag {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     #[orm(length = 32, unique)]
///     name: String,
/// }
///
/// let engine = Engine::connect("sqlite::memory:")?;
/// engine.create_all()?;
/// let mut session = engine.session();
/// let tag = session.add(Tag::new("rust"));
/// session.commit()?;
/// assert_eq!(tag.read().id, Some(1));
/// let same = session.get::<Tag>(1)?.expect("tag 1");
/// assert!(same.ptr_eq(&tag));
/// tag.write().name = "rustlang".into();
/// session.commit()?; // UPDATE "tag" SET "name" = ?1 WHERE "id" = ?2
/// # Ok::<(), orm_core::Error>(())
/// ```
pub struct Session {
    engine: Engine,
    conn: Option<Connection>,
    entries: Entries,
    autoflush: bool,
    /// Open savepoints, innermost last: the journal length when each began.
    savepoints: Vec<usize>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("objects", &self.entries.ids().count())
            .field("in_transaction", &self.in_transaction())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A new session on this engine.
    pub fn session(&self) -> Session {
        Session {
            engine: self.clone(),
            conn: None,
            entries: Entries::default(),
            autoflush: true,
            savepoints: Vec::new(),
        }
    }
}

fn downcast<M: Model>(obj: &Arc<dyn AnyObj>) -> Result<Obj<M>> {
    obj.clone()
        .as_any()
        .downcast::<Cell<M>>()
        .map(|cell| Obj { cell })
        .map_err(|_| {
            Error::config(format!(
                "the table `{}` is mapped by another model type than the one asked for",
                M::TABLE_NAME
            ))
        })
}

impl Session {
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether queries flush pending changes first (on by default).
    pub fn set_autoflush(&mut self, on: bool) {
        self.autoflush = on;
    }

    /// Whether a transaction is open (after the first write, until commit or rollback).
    pub fn in_transaction(&self) -> bool {
        self.conn.as_ref().is_some_and(Connection::in_transaction)
    }

    /// The session's connection, taken from the pool on first use and kept until commit or rollback.
    ///
    /// # Errors
    ///
    /// [`Error::Pool`] when no connection can be had.
    pub fn connection(&mut self) -> Result<&mut Connection> {
        if self.conn.is_none() {
            self.conn = Some(self.engine.connection()?);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| Error::Pool("no connection".to_owned()))
    }

    fn begin_if_needed(&mut self) -> Result<()> {
        let conn = self.connection()?;
        if !conn.in_transaction() {
            conn.begin()?;
        }
        Ok(())
    }

    /// Adds a new object; it is inserted at the next flush. Returns the handle to read and write it.
    pub fn add<M: Model>(&mut self, obj: M) -> Obj<M> {
        let obj = Obj::new(obj);
        self.attach(&obj);
        obj
    }

    /// Adds several new objects.
    pub fn add_all<M: Model>(&mut self, objs: impl IntoIterator<Item = M>) -> Vec<Obj<M>> {
        objs.into_iter().map(|o| self.add(o)).collect()
    }

    /// Adds an object the session does not track (one made transient by a rollback, or from another
    /// session) as pending; an object it tracks already is left as it is.
    pub fn attach<M: Model>(&mut self, obj: &Obj<M>) {
        self.attach_erased(obj.erased());
    }

    /// [`Session::attach`] for a type-erased object; returns its entry.
    pub(crate) fn attach_erased(&mut self, obj: Arc<dyn AnyObj>) -> usize {
        if let Some(id) = self.entries.find(&*obj) {
            return id;
        }
        self.entries.push(Entry {
            obj,
            state: State::Pending,
            snapshot: None,
            links: Vec::new(),
        })
    }

    /// Marks an object for deletion at the next flush. A pending object is simply forgotten; an object
    /// never saved is left alone; an object of another session with a key is deleted by that key.
    pub fn delete<M: Model>(&mut self, obj: &Obj<M>) {
        let erased = obj.erased();
        match self.entries.find(&*erased) {
            Some(id) => {
                let Some(entry) = self.entries.get(id) else {
                    return;
                };
                match entry.state {
                    State::Pending => {
                        self.entries.replace(id, None);
                    }
                    State::Persistent => {
                        if let Some(e) = self.entries.slots[id].as_mut() {
                            e.state = State::Deleting;
                        }
                    }
                    State::Deleting => {}
                }
            }
            None => {
                let Ok(values) = erased.values() else {
                    return;
                };
                let entry = Entry {
                    obj: erased,
                    state: State::Deleting,
                    snapshot: Some(values),
                    links: Vec::new(),
                };
                let Some(key) = entry.identity() else {
                    return;
                };
                // A copy of an object this session holds under the same key deletes that one: one
                // entry per key, or the identity map would lose the loaded object.
                match self.entries.identity.get(&key).copied() {
                    Some(held) => {
                        if let Some(e) = self.entries.slots[held].as_mut() {
                            if e.state == State::Persistent {
                                e.state = State::Deleting;
                            }
                        }
                    }
                    None => {
                        self.entries.push_keyed(entry, Some(key));
                    }
                }
            }
        }
    }

    /// Stops tracking an object: its pending changes are not flushed.
    pub fn expunge<M: Model>(&mut self, obj: &Obj<M>) {
        if let Some(id) = self.entries.find(&*obj.erased()) {
            self.entries.replace(id, None);
        }
    }

    /// Whether the session tracks `obj`.
    pub fn contains<M: Model>(&self, obj: &Obj<M>) -> bool {
        self.entries.find(&*obj.erased()).is_some()
    }

    /// Sets `child`'s foreign key `column` to `parent`'s primary key at flush, even while `parent` is
    /// pending and has no key yet (the parent is inserted first).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `column` is not a foreign key to `P`.
    pub fn link<C: Model, P: Model, T>(
        &mut self,
        child: &Obj<C>,
        column: Column<C, T>,
        parent: &Obj<P>,
    ) -> Result<()> {
        let table = C::table();
        let fk = table
            .foreign_keys
            .iter()
            .find(|fk| {
                fk.columns.len() == 1
                    && fk.columns[0] == column.name()
                    && fk.ref_table == P::TABLE_NAME
            })
            .ok_or_else(|| {
                Error::config(format!(
                    "`{}.{}` is not a foreign key to `{}`",
                    C::TABLE_NAME,
                    column.name(),
                    P::TABLE_NAME
                ))
            })?;
        let parent_column = P::table().column_index(&fk.ref_columns[0]).ok_or_else(|| {
            Error::config(format!(
                "`{}` has no column `{}`",
                P::TABLE_NAME,
                fk.ref_columns[0]
            ))
        })?;
        self.attach(parent);
        let parent_id = self
            .entries
            .find(&*parent.erased())
            .ok_or_else(|| Error::config("the parent is not in the session"))?;
        self.attach(child);
        let child_id = self
            .entries
            .find(&*child.erased())
            .ok_or_else(|| Error::config("the child is not in the session"))?;
        if let Some(entry) = self.entries.slots[child_id].as_mut() {
            entry.links.retain(|l| l.column != column.index());
            entry.links.push(Link {
                column: column.index(),
                parent: parent_id,
                parent_column,
            });
        }
        Ok(())
    }

    /// The object with primary key `key`: from the identity map without SQL when it is loaded, else
    /// from the database. `None` when there is no such row.
    ///
    /// # Errors
    ///
    /// A database error, or [`Error::Config`] for a model with a composite key (use
    /// [`Session::get_by_key`]).
    pub fn get<M: Model>(&mut self, key: impl ToValue) -> Result<Option<Obj<M>>> {
        self.get_by_key(&[key.to_value()])
    }

    /// Like [`Session::get`], but a missing row is [`Error::NotFound`].
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], or as [`Session::get`].
    pub fn get_or_not_found<M: Model>(&mut self, key: impl ToValue) -> Result<Obj<M>> {
        self.get(key)?.ok_or_else(|| Error::NotFound {
            table: M::TABLE_NAME.to_owned(),
        })
    }

    /// The object with the given primary key values, in key order.
    ///
    /// # Errors
    ///
    /// As [`Session::get`]; [`Error::Config`] when the number of values does not match the key.
    pub fn get_by_key<M: Model>(&mut self, key: &[Value]) -> Result<Option<Obj<M>>> {
        if key.len() != M::PRIMARY_KEY.len() {
            return Err(Error::config(format!(
                "`{}` has a primary key of {} column(s), {} value(s) given",
                M::TABLE_NAME,
                M::PRIMARY_KEY.len(),
                key.len()
            )));
        }
        if let Some(found) = self.lookup::<M>(key)? {
            return Ok(found);
        }
        if self.autoflush {
            self.flush()?;
            if let Some(found) = self.lookup::<M>(key)? {
                return Ok(found);
            }
        }
        let sql = self.get_sql::<M>();
        let mut rows = self.connection()?.query(&sql, key)?.rows;
        match rows.pop() {
            Some(row) => self.load::<M>(row).map(Some),
            None => Ok(None),
        }
    }

    /// `SELECT <columns> FROM <table> WHERE <key> = ?`, built once per model and engine.
    fn get_sql<M: Model>(&self) -> std::sync::Arc<str> {
        let dialect = self.engine.dialect();
        self.engine
            .cached_sql(std::any::TypeId::of::<M>(), "get", || {
                let mut w = SqlWriter::new(dialect);
                w.push("SELECT ")
                    .ident_list(M::COLUMNS.iter().copied())
                    .push(" FROM ")
                    .ident(M::TABLE_NAME)
                    .push(" WHERE ");
                for (i, col) in M::PRIMARY_KEY.iter().enumerate() {
                    if i > 0 {
                        w.push(" AND ");
                    }
                    w.ident(col).push(" = ").param(Value::Null);
                }
                w.finish().0
            })
    }

    /// The identity map's answer: `Some(Some(obj))` loaded, `Some(None)` deleted in this session,
    /// `None` unknown.
    fn lookup<M: Model>(&self, key: &[Value]) -> Result<Option<Option<Obj<M>>>> {
        let Some(ikey) = IdentityKey::new(M::table().name.as_str(), key) else {
            return Ok(Some(None));
        };
        let Some(entry) = self
            .entries
            .identity
            .get(&ikey)
            .and_then(|&id| self.entries.get(id))
        else {
            return Ok(None);
        };
        if entry.state == State::Deleting {
            return Ok(Some(None));
        }
        downcast::<M>(&entry.obj).map(|o| Some(Some(o)))
    }

    /// Turns a row (every column of `M`, in order) into an object through the identity map: a row
    /// whose key is loaded already comes back as the same object, its pending changes kept.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] naming the column that does not fit.
    pub fn load<M: Model>(&mut self, row: Vec<Value>) -> Result<Obj<M>> {
        let key = IdentityKey::of_row(M::table().name.as_str(), &row, M::primary_key_indexes());
        if let Some(key) = &key {
            if let Some(entry) = self
                .entries
                .identity
                .get(key)
                .and_then(|&id| self.entries.get(id))
            {
                return downcast::<M>(&entry.obj);
            }
        }
        // The snapshot is what the object itself gives back, not the row as the database spelled it
        // (SQLite's integer for an i32, its text for a timestamp), so that only real changes count.
        // No snapshot yet: the object's own values are the database's until its first write, which
        // takes one (objects only read never pay for a copy). The object gives its values back as
        // its fields hold them, not as the database spelled them (SQLite's text for a timestamp),
        // so only real changes count.
        let obj = Obj::loaded(M::from_values(row)?);
        let entry = Entry {
            obj: obj.erased(),
            state: State::Persistent,
            snapshot: None,
            links: Vec::new(),
        };
        self.entries.push_keyed(entry, key);
        Ok(obj)
    }

    /// Makes room for `n` more tracked objects (a query about to load them).
    pub(crate) fn reserve_entries(&mut self, n: usize) {
        self.entries.reserve(n);
    }

    /// Re-reads an object from the database, discarding its unflushed changes.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the row is gone; a database error.
    pub fn refresh<M: Model>(&mut self, obj: &Obj<M>) -> Result<()> {
        let key = obj.read().primary_key_values();
        let id = self.entries.find(&*obj.erased());
        let sql = self.get_sql::<M>();
        let row = self
            .connection()?
            .query(&sql, &key)?
            .rows
            .pop()
            .ok_or_else(|| Error::NotFound {
                table: M::TABLE_NAME.to_owned(),
            })?;
        let fresh = M::from_values(row)?;
        let row = fresh.to_values();
        *obj.write() = fresh;
        // The row read is the snapshot now; a lazy object's capture is stale.
        obj.erased().settle();
        obj.erased().take_touched();
        if let Some(entry) = id.and_then(|id| self.entries.slots[id].as_mut()) {
            entry.snapshot = Some(row);
        }
        Ok(())
    }

    /// Writes pending changes to the database inside the session's transaction, without committing.
    ///
    /// # Errors
    ///
    /// The first failing statement's error. The transaction is then rolled back (or, inside
    /// [`Session::savepoint`], left for the savepoint to undo) and every object is as it was.
    pub fn flush(&mut self) -> Result<()> {
        if !self.has_changes() {
            return Ok(());
        }
        self.link_assigned()?;
        self.begin_if_needed()?;
        match flush::flush(self) {
            Ok(()) => Ok(()),
            Err(e) => {
                if self.savepoints.is_empty() {
                    self.abort();
                }
                Err(e)
            }
        }
    }

    /// Flushes and commits. On failure the transaction is rolled back and every object and the
    /// identity map are exactly as before the commit, so the caller can fix and retry.
    ///
    /// # Errors
    ///
    /// A constraint violation, a stale version, a lost connection, ...
    pub fn commit(&mut self) -> Result<()> {
        if !self.savepoints.is_empty() {
            return Err(Error::config(
                "commit inside a savepoint: return from the savepoint closure first",
            ));
        }
        self.flush()?;
        if let Some(conn) = self.conn.as_mut() {
            if conn.in_transaction() {
                if let Err(e) = conn.commit() {
                    self.abort();
                    return Err(e);
                }
            }
        }
        self.entries.journal.clear();
        // Give the connection back; the next use takes one again.
        self.conn = None;
        Ok(())
    }

    /// Rolls back the transaction and puts the database's state back into the objects: pending objects
    /// become transient (no longer tracked), deleted ones are kept, and loaded objects get back the
    /// values they had when last loaded or committed.
    ///
    /// # Errors
    ///
    /// Only when restoring an object fails to decode (not expected); a lost connection is not an error
    /// here, since the server rolled back already.
    pub fn rollback(&mut self) -> Result<()> {
        if !self.savepoints.is_empty() {
            return Err(Error::config(
                "rollback inside a savepoint: return an error from the savepoint closure to undo it",
            ));
        }
        self.abort();
        self.discard_unflushed()
    }

    /// Rolls the database transaction back and undoes the journal; a connection that fails here is
    /// dropped (the server ends its transaction when the connection goes).
    fn abort(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            if conn.in_transaction() && conn.rollback().is_err() {
                drop(conn);
            }
        }
        // Restoring can only fail on a decode error of values the objects held a moment ago.
        let _ = self.entries.restore_to(0);
        self.entries.journal.clear();
    }

    /// After the journal is undone: pending entries are forgotten, deletions are cancelled, and
    /// persistent objects get their snapshot values back.
    fn discard_unflushed(&mut self) -> Result<()> {
        let ids: Vec<usize> = self.entries.ids().collect();
        for &id in &ids {
            if self
                .entries
                .get(id)
                .is_some_and(|e| e.is_lazy() && e.obj.is_touched())
            {
                self.entries.materialize(id)?;
            }
        }
        for id in ids {
            let Some(entry) = self.entries.get(id) else {
                continue;
            };
            if entry.state == State::Pending {
                self.entries.replace(id, None);
                continue;
            }
            let obj = entry.obj.clone();
            let snapshot = entry.snapshot.clone();
            if let Some(e) = self.entries.slots[id].as_mut() {
                e.state = State::Persistent;
                e.links.clear();
            }
            if let Some(values) = snapshot {
                if obj.take_touched() || obj.values()? != values {
                    obj.set_values(values)?;
                }
            }
        }
        Ok(())
    }

    /// Runs `f` inside a savepoint: when it fails, the database and the session go back to where they
    /// were when the savepoint began (objects added inside are forgotten, changes inside undone), and
    /// the outer transaction goes on.
    ///
    /// # Errors
    ///
    /// The error of `f`, or of the SAVEPOINT statements.
    pub fn savepoint<T>(&mut self, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        self.flush()?;
        self.begin_if_needed()?;
        let name = format!("orm_sp_{}", self.savepoints.len() + 1);
        self.connection()?.savepoint(&name)?;
        let mark = self.entries.journal.len();
        self.savepoints.push(mark);
        let result = f(self).and_then(|v| self.flush().map(|()| v));
        self.savepoints.pop();
        let outcome = match result {
            Ok(v) => self.connection()?.release_savepoint(&name).map(|()| v),
            Err(e) => match self.connection()?.rollback_to_savepoint(&name) {
                Ok(()) => {
                    self.entries.restore_to(mark)?;
                    self.discard_unflushed()?;
                    return Err(e);
                }
                Err(lost) => Err(lost),
            },
        };
        // The savepoint itself could not be released or rolled back to (a lost connection): the
        // whole transaction is gone, so is everything since it began.
        if outcome.is_err() && self.savepoints.is_empty() {
            self.abort();
            self.discard_unflushed()?;
        }
        outcome
    }

    fn has_changes(&self) -> bool {
        self.entries
            .slots
            .iter()
            .flatten()
            .any(|e| e.state != State::Persistent || !e.links.is_empty() || e.obj.is_touched())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The connection rolls back an open transaction when it goes back to the pool.
        self.conn = None;
    }
}

// Small hooks for the query builder's execution (`session/query.rs`); they keep it off the
// session's internals.
impl Session {
    /// Whether queries flush first.
    pub(crate) fn autoflush_enabled(&self) -> bool {
        self.autoflush
    }

    /// Opens the session's transaction if none is open (before a bulk write).
    pub(crate) fn begin_for_write(&mut self) -> Result<()> {
        self.begin_if_needed()
    }

    /// Runs `f` with the connection taken out of the session, so that rows can be decoded into the
    /// session while they stream in.
    pub(crate) fn with_connection_taken<T>(
        &mut self,
        f: impl FnOnce(&mut Connection, &mut Session) -> Result<T>,
    ) -> Result<T> {
        self.connection()?;
        let Some(mut conn) = self.conn.take() else {
            return Err(Error::Pool("no connection".to_owned()));
        };
        let result = f(&mut conn, self);
        self.conn = Some(conn);
        result
    }

    /// A mark of the tracked entries, for [`Session::forget_loaded_since`].
    pub(crate) fn entries_mark(&self) -> usize {
        self.entries.slots.len()
    }

    /// Stops tracking the objects loaded since `mark` (a streamed result keeps memory flat). Only
    /// loads may have happened since the mark.
    pub(crate) fn forget_loaded_since(&mut self, mark: usize) {
        for id in mark..self.entries.slots.len() {
            self.entries.replace(id, None);
        }
        self.entries.slots.truncate(mark);
    }

    /// Whether the session holds loaded objects of `table`.
    pub(crate) fn tracks_table(&self, table: &str) -> bool {
        self.entries
            .slots
            .iter()
            .flatten()
            .any(|e| e.state != State::Pending && e.obj.table().name == table)
    }

    /// After a bulk UPDATE: the loaded object of `M` with primary key `key` (if any) takes the new
    /// values of the updated columns, in the object and in its snapshot (journaled for rollback).
    pub(crate) fn sync_updated<M: Model>(
        &mut self,
        key: &[Value],
        updates: &[(usize, Value)],
    ) -> Result<()> {
        let Some(ikey) = IdentityKey::new(M::table().name.as_str(), key) else {
            return Ok(());
        };
        let Some(&id) = self.entries.identity.get(&ikey) else {
            return Ok(());
        };
        self.entries.materialize(id)?;
        let Some(mut entry) = self.entries.get(id).cloned() else {
            return Ok(());
        };
        let obj = entry.obj.clone();
        let before = obj.values()?;
        self.entries.record(id, Some(before))?;
        for (index, value) in updates {
            obj.set_value(*index, value.clone())?;
            if let Some(slot) = entry.snapshot.as_mut().and_then(|s| s.get_mut(*index)) {
                *slot = obj.value(*index)?;
            }
        }
        // Replacing re-keys the identity map when a key column changed.
        self.entries.replace(id, Some(entry));
        Ok(())
    }

    /// After a bulk DELETE: the loaded object of `M` with primary key `key` leaves the identity map
    /// (journaled, so a rollback brings it back).
    pub(crate) fn forget_deleted<M: Model>(&mut self, key: &[Value]) -> Result<()> {
        let Some(ikey) = IdentityKey::new(M::table().name.as_str(), key) else {
            return Ok(());
        };
        if let Some(&id) = self.entries.identity.get(&ikey) {
            self.entries.record(id, None)?;
            self.entries.replace(id, None);
        }
        Ok(())
    }
}
