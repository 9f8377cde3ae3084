//! The [`Session`] itself: its connection, and adding, attaching, deleting and linking objects.

use super::identity::IdentityKey;
use super::state::{Entries, Entry, Link, State};
use crate::engine::{Connection, Engine};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::Obj;
use crate::object::{AnyObj, Cell};
use crate::query::Column;
use crate::schema::TableDef;
use crate::value::Value;
use std::sync::Arc;

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
    pub(super) engine: Engine,
    pub(super) conn: Option<Connection>,
    /// The replica connection reads go through while the session has not written.
    pub(super) replica_conn: Option<Connection>,
    /// Reads and writes go to the primary from now on (the session wrote, or was asked to).
    pub(super) pinned: bool,
    pub(super) entries: Entries,
    pub(super) autoflush: bool,
    /// The statement logs of [`Session::record_statements`], handed to each connection it takes.
    pub(super) logs: Vec<crate::engine::LogSink>,
    /// Open savepoints, innermost last: the journal length when each began.
    pub(super) savepoints: Vec<usize>,
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
            replica_conn: None,
            pinned: false,
            entries: Entries::default(),
            autoflush: true,
            logs: Vec::new(),
            savepoints: Vec::new(),
        }
    }
}

/// An object of another session, given to this one.
pub(super) fn owned_elsewhere(table: &TableDef) -> Error {
    Error::InvalidValue(format!(
        "this `{}` object belongs to another session (an object belongs to one session at a \
         time); help: copy its state into this session with `session.merge(&obj)`, or expunge it \
         from the other session first",
        table.name
    ))
}

pub(super) fn downcast<M: Model>(obj: &Arc<dyn AnyObj>) -> Result<Obj<M>> {
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
            let mut conn = self.engine.connection()?;
            self.logs.retain(|log| log.strong_count() > 0);
            conn.session_logs = self.logs.clone();
            self.conn = Some(conn);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| Error::Pool("no connection".to_owned()))
    }

    /// Sends this session's reads to the primary from now on, as its writes: for a read that must
    /// see what another session committed a moment ago. A session is pinned by its first write
    /// too, so that it reads its own writes. Without replicas this changes nothing.
    pub fn on_primary(&mut self) -> &mut Self {
        self.pinned = true;
        self.replica_conn = None;
        self
    }

    /// Whether the session reads from the primary (pinned, or the engine has no replicas).
    pub fn is_on_primary(&self) -> bool {
        self.pinned || !self.engine.has_replicas()
    }

    pub(super) fn begin_if_needed(&mut self) -> Result<()> {
        self.pinned = true;
        self.replica_conn = None;
        let conn = self.connection()?;
        if conn.in_transaction() {
            return Ok(());
        }
        match conn.begin() {
            Err(e) if e.is_connection_lost() => {
                // The connection the session read through died; no transaction was open on it, so
                // nothing is lost with it: begin on another.
                self.conn = None;
                self.connection()?.begin()
            }
            other => other,
        }
    }

    /// Adds a new object; it is inserted at the next flush. Returns the handle to read and write it.
    pub fn add<M: Model>(&mut self, obj: M) -> Obj<M> {
        let obj = Obj::new(obj);
        self.entries.push_keyed(&obj.erased(), State::Pending, None);
        obj
    }

    /// Adds several new objects.
    pub fn add_all<M: Model>(&mut self, objs: impl IntoIterator<Item = M>) -> Vec<Obj<M>> {
        objs.into_iter().map(|o| self.add(o)).collect()
    }

    /// Adds an object this session does not track: one made transient by a rollback is pending
    /// again (inserted at the next flush); one whose session is gone comes back with its row, and
    /// the changes written to it since are flushed. An object this session tracks already is left
    /// as it is.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when another session owns the object (an object belongs to one
    /// session at a time): copy its state into this one with [`Session::merge`], or
    /// [`Session::expunge`] it from the other session first.
    pub fn attach<M: Model>(&mut self, obj: &Obj<M>) -> Result<()> {
        self.attach_erased(obj.erased()).map(|_| ())
    }

    /// [`Session::attach`] for a type-erased object; returns its entry.
    pub(crate) fn attach_erased(&mut self, obj: Arc<dyn AnyObj>) -> Result<usize> {
        if let Some(id) = self.entries.find(&*obj) {
            return Ok(id);
        }
        if obj.owned_elsewhere(&self.entries.tracker) {
            return Err(owned_elsewhere(obj.table()));
        }
        let persistent = obj.tracked().persistent;
        let state = if persistent {
            State::Persistent
        } else {
            State::Pending
        };
        let key = Entry::new(&obj, state).identity();
        if let Some(held) = key
            .as_ref()
            .and_then(|k| self.entries.identity.get(k))
            .copied()
        {
            if self.entries.get(held).is_some_and(|e| e.obj().is_some()) {
                return Err(Error::InvalidValue(format!(
                    "another `{}` object with the same primary key is in the session already; \
                     help: copy this one's state onto it with `session.merge(&obj)`",
                    obj.table().name
                )));
            }
        }
        let id = self.entries.push_keyed(&obj, state, key);
        if obj.committed().is_some() {
            // Written while no session owned it: compared with its row at the next flush.
            self.entries.tracker.push_modified(obj);
        }
        Ok(id)
    }

    /// Copies the state of `obj` (an object of another session, or of none) onto this session's
    /// object with the same primary key, loading it if needed, and returns that object (SQLAlchemy's
    /// `merge`). An object without a key, or whose row does not exist, is copied into a new pending
    /// object. An object this session owns is returned as it is.
    ///
    /// # Errors
    ///
    /// A database error of the load, or [`Error::Decode`] when the values do not fit.
    pub fn merge<M: Model>(&mut self, obj: &Obj<M>) -> Result<Obj<M>> {
        if self.entries.find(&*obj.erased()).is_some() {
            return Ok(obj.clone());
        }
        let values = obj.try_read()?.to_values();
        let key: Vec<Value> = M::primary_key_indexes()
            .iter()
            .map(|&i| values[i].clone())
            .collect();
        let target = if key.iter().any(Value::is_null) {
            None
        } else {
            self.get_by_key::<M>(&key)?
        };
        match target {
            Some(own) => {
                {
                    let mut own_values = own.write();
                    for (i, v) in values.into_iter().enumerate() {
                        own_values
                            .set_column_value(i, v)
                            .map_err(|e| e.at(M::TABLE_NAME, M::COLUMNS[i]))?;
                    }
                }
                Ok(own)
            }
            None => Ok(self.add(M::from_values(values)?)),
        }
    }

    /// Marks an object for deletion at the next flush. A pending object is simply forgotten; an object
    /// never saved is left alone; an object of another session (or of none) with a key deletes this
    /// session's object with that key, or the row by that key.
    pub fn delete<M: Model>(&mut self, obj: &Obj<M>) {
        let erased = obj.erased();
        if let Some(id) = self.entries.find(&*erased) {
            match self.entries.get(id).map(|e| e.state) {
                Some(State::Pending) => {
                    self.entries.replace(id, None);
                }
                Some(State::Persistent) => self.entries.mark_deleting(id),
                _ => {}
            }
            return;
        }
        let Ok(values) = obj.try_read().map(|o| o.to_values()) else {
            return;
        };
        let key: Vec<Value> = M::primary_key_indexes()
            .iter()
            .map(|&i| values[i].clone())
            .collect();
        let Some(ikey) = IdentityKey::new(M::TABLE_NAME, &key) else {
            return;
        };
        // A copy of an object this session holds under the same key deletes that one: one entry
        // per key, or the identity map would lose the loaded object.
        if let Some(held) = self.entries.identity.get(&ikey).copied() {
            if self.entries.get(held).is_some_and(|e| e.obj().is_some()) {
                self.entries.mark_deleting(held);
                return;
            }
        }
        // Another session's object stays that session's: this one deletes the row through a copy.
        let Ok(copy) = M::from_values(values) else {
            return;
        };
        let copy = Obj::loaded(copy);
        self.entries
            .push_keyed(&copy.erased(), State::Deleting, Some(ikey));
    }

    /// Stops tracking an object: its pending changes are not flushed, and another session may take
    /// it.
    pub fn expunge<M: Model>(&mut self, obj: &Obj<M>) {
        if let Some(id) = self.entries.find(&*obj.erased()) {
            self.entries.replace(id, None);
        }
    }

    /// Records the statements this session runs, and only those (other sessions and threads on
    /// the same engine are not counted): for tests that assert how many statements an operation
    /// takes. Recording stops when the log is dropped.
    pub fn record_statements(&mut self) -> crate::StatementLog {
        let entries = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::downgrade(&entries);
        for conn in [self.conn.as_mut(), self.replica_conn.as_mut()]
            .into_iter()
            .flatten()
        {
            conn.session_logs.push(sink.clone());
        }
        self.logs.push(sink);
        crate::StatementLog {
            entries,
            listener: None,
        }
    }

    /// How many objects the session tracks now: pending, being deleted, written, or loaded and
    /// still held by the application (loaded objects are held weakly, so those the application has
    /// dropped are not counted).
    pub fn tracked(&self) -> usize {
        self.entries.ids().count()
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
        let parent_id = self.attach_erased(parent.erased())?;
        let child_id = self.attach_erased(child.erased())?;
        self.entries.add_link(
            child_id,
            Link {
                column: column.index(),
                parent: parent_id,
                parent_column,
            },
        );
        Ok(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The connection rolls back an open transaction when it goes back to the pool.
        self.conn = None;
        self.replica_conn = None;
    }
}
