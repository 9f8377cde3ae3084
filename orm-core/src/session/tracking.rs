//! The [`Session`] itself: its connection, and adding, attaching, deleting and linking objects.

use super::state::{Entries, Entry, Link, State};
use crate::engine::{Connection, Engine};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::Obj;
use crate::object::{AnyObj, Cell};
use crate::query::Column;
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
    pub(super) entries: Entries,
    pub(super) autoflush: bool,
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
            entries: Entries::default(),
            autoflush: true,
            savepoints: Vec::new(),
        }
    }
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
            self.conn = Some(self.engine.connection()?);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| Error::Pool("no connection".to_owned()))
    }

    pub(super) fn begin_if_needed(&mut self) -> Result<()> {
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
                    State::Persistent => self.entries.mark_deleting(id),
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
                    Some(held) => self.entries.mark_deleting(held),
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
    }
}
