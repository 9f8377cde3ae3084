//! [`Obj`]: the handle on a mapped object, shared by the session that tracks it, the relationship
//! fields that point at it and the application; below both `relation` and `session`.

use std::any::Any;
use std::fmt;
use std::sync::{
    Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError, Weak,
};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::schema::RelationDef;
use crate::schema::TableDef;
use crate::value::Value;

/// A shared handle on a mapped object: read and write its fields through [`Obj::read`] and
/// [`Obj::write`]. Clones are the same object; the identity map hands out the same object for the
/// same primary key.
///
/// An object belongs to one [`crate::Session`] at a time. Its first write after a load or a flush
/// keeps what the database holds and tells the session, which compares the two at flush and
/// updates only the changed columns. The session holds an object strongly while it has work with
/// it (pending, written, being deleted) and weakly once it is only loaded.
pub struct Obj<M> {
    pub(crate) cell: Arc<Cell<M>>,
}

pub(crate) struct Cell<M> {
    value: RwLock<M>,
    track: Mutex<Track>,
}

/// Where an object stands with the session that owns it.
struct Track {
    /// The session that owns the object (one at a time); dangling when none does.
    owner: Weak<Tracker>,
    /// The object's entry in its owner.
    entry: usize,
    /// The object has a row in the database (loaded, or inserted by a flush).
    persistent: bool,
    /// What the database holds, taken at the first write after the object was loaded or flushed;
    /// `None` while the object is unmodified (its values are the database's).
    committed: Option<Vec<Value>>,
}

/// A session's side of object ownership: the objects written since its last flush, handed over
/// by [`Obj::write`] at each object's first write. Held strongly here, so that a modified object
/// outlives the application's handles until it is flushed.
#[derive(Default)]
pub(crate) struct Tracker {
    modified: Mutex<Vec<Arc<dyn AnyObj>>>,
}

impl Tracker {
    /// Takes the objects written since the last call.
    pub(crate) fn take_modified(&self) -> Vec<Arc<dyn AnyObj>> {
        std::mem::take(&mut *self.modified.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Whether any object was written since the last [`Tracker::take_modified`].
    pub(crate) fn has_modified(&self) -> bool {
        !self
            .modified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Hands `obj` over as modified (a write, or a change put back by a rollback).
    pub(crate) fn push_modified(&self, obj: Arc<dyn AnyObj>) {
        self.modified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(obj);
    }
}

/// An object's state in its session, saved by the journal before a change and put back by it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tracked {
    pub(crate) persistent: bool,
    pub(crate) committed: Option<Vec<Value>>,
}

impl<M: Model> Obj<M> {
    /// A new object: in no session, no row.
    pub(crate) fn new(value: M) -> Self {
        Self::with_state(value, false)
    }

    /// An object just loaded from the database.
    pub(crate) fn loaded(value: M) -> Self {
        Self::with_state(value, true)
    }

    fn with_state(value: M, persistent: bool) -> Self {
        Obj {
            cell: Arc::new(Cell {
                value: RwLock::new(value),
                track: Mutex::new(Track {
                    owner: Weak::new(),
                    entry: 0,
                    persistent,
                    committed: None,
                }),
            }),
        }
    }

    /// Reads the object.
    pub fn read(&self) -> RwLockReadGuard<'_, M> {
        // A panic while a guard was held cannot leave a plain struct half-updated in a way the
        // comparison with the database's values would not catch; keep serving it.
        self.cell.value.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the object; the change is found and flushed by the session that owns it. The first
    /// write after a load or a flush keeps what the database holds and tells the session.
    pub fn write(&self) -> RwLockWriteGuard<'_, M> {
        let guard = self.cell.value.write().unwrap_or_else(|p| p.into_inner());
        let mut track = self.cell.track();
        if track.persistent && track.committed.is_none() {
            track.committed = Some(guard.to_values());
            if let Some(owner) = track.owner.upgrade() {
                owner.push_modified(self.cell.clone());
            }
        }
        guard
    }

    /// Whether two handles are the same object.
    pub fn ptr_eq(&self, other: &Obj<M>) -> bool {
        Arc::ptr_eq(&self.cell, &other.cell)
    }

    pub(crate) fn erased(&self) -> Arc<dyn AnyObj> {
        self.cell.clone()
    }

    /// Writes the object without marking it written (relationship fields are not columns), failing
    /// instead of waiting when a guard is held.
    pub(crate) fn write_untracked(&self) -> Result<RwLockWriteGuard<'_, M>> {
        self.cell.try_write()
    }

    /// Reads the object, failing instead of waiting when a write guard is held.
    pub(crate) fn try_read(&self) -> Result<RwLockReadGuard<'_, M>> {
        self.cell.try_read()
    }
}

impl<M> Clone for Obj<M> {
    fn clone(&self) -> Self {
        Obj {
            cell: self.cell.clone(),
        }
    }
}

impl<M: Model + fmt::Debug> fmt::Debug for Obj<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.value.try_read() {
            Ok(v) => v.fmt(f),
            Err(_) => write!(f, "<{} being written>", M::TABLE_NAME),
        }
    }
}

/// The session's type-erased view of an object.
pub(crate) trait AnyObj: Send + Sync {
    fn table(&self) -> &'static TableDef;
    fn values(&self) -> Result<Vec<Value>>;
    fn value(&self, index: usize) -> Result<Value>;
    /// Changes column `index` (a foreign key filled in, a key or default read back): like a write,
    /// it keeps what the database holds first.
    fn set_value(&self, index: usize, value: Value) -> Result<()>;
    /// Puts values back into the fields (a rollback), leaving the tracked state alone.
    fn set_values(&self, values: Vec<Value>) -> Result<()>;
    fn apply_insert_defaults(&self) -> Result<()>;
    fn apply_update_hooks(&self) -> Result<()>;

    /// The object's state in its session, for the journal.
    fn tracked(&self) -> Tracked;
    /// Puts back a state the journal saved.
    fn set_tracked(&self, state: Tracked);
    /// What the database holds when the object was written since its load or flush.
    fn committed(&self) -> Option<Vec<Value>>;
    /// Takes what the database holds of a written object: unmodified from here on.
    fn take_committed(&self) -> Option<Vec<Value>>;
    /// The database now holds the object's values (after a flush): unmodified from here on.
    fn mark_clean(&self);
    /// The object has a row from now on (`true`), or has none (inserted and rolled back, deleted).
    fn set_persistent(&self, persistent: bool);
    /// The database's value of column `index`: as of the first write, or now. `None` for an object
    /// with no row.
    fn db_value(&self, index: usize) -> Result<Option<Value>>;

    /// The entry `owner` keeps the object in, if `owner` owns it.
    fn entry_in(&self, owner: &Arc<Tracker>) -> Option<usize>;
    /// Whether a session other than `owner` owns the object (and still exists).
    fn owned_elsewhere(&self, owner: &Arc<Tracker>) -> bool;
    /// `owner` owns the object from now on, in entry `entry`.
    fn claim(&self, owner: &Arc<Tracker>, entry: usize);
    /// `owner` lets the object go (if it owns it).
    fn release(&self, owner: &Arc<Tracker>);

    fn pk_indexes(&self) -> &'static [usize];
    fn has_update_hooks(&self) -> bool;
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    fn relations(&self) -> &'static [RelationDef];
    /// The targets assigned to `BelongsTo` fields since the last flush, by relationship number.
    fn take_assigned(&self) -> Result<Vec<(usize, ErasedObj)>>;
}

fn busy(table: &str) -> Error {
    Error::InvalidValue(format!(
        "an object of `{table}` is borrowed by a read or write guard while the session needs it; drop the guard first"
    ))
}

impl<M: Model> Cell<M> {
    fn try_read(&self) -> Result<RwLockReadGuard<'_, M>> {
        match self.value.try_read() {
            Ok(g) => Ok(g),
            Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(TryLockError::WouldBlock) => Err(busy(M::TABLE_NAME)),
        }
    }

    fn try_write(&self) -> Result<RwLockWriteGuard<'_, M>> {
        match self.value.try_write() {
            Ok(g) => Ok(g),
            Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(TryLockError::WouldBlock) => Err(busy(M::TABLE_NAME)),
        }
    }
}

impl<M> Cell<M> {
    fn track(&self) -> MutexGuard<'_, Track> {
        self.track.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn decode_into(table: &TableDef, index: usize, e: crate::ValueError) -> Error {
    match table.columns.get(index) {
        Some(c) => e.at(&table.name, &c.name),
        None => e.at(&table.name, &format!("#{index}")),
    }
}

impl<M: Model> AnyObj for Cell<M> {
    fn table(&self) -> &'static TableDef {
        M::table()
    }

    fn values(&self) -> Result<Vec<Value>> {
        Ok(self.try_read()?.to_values())
    }

    fn value(&self, index: usize) -> Result<Value> {
        Ok(self.try_read()?.column_value(index))
    }

    fn set_value(&self, index: usize, value: Value) -> Result<()> {
        let mut obj = self.try_write()?;
        {
            let mut track = self.track();
            if track.persistent && track.committed.is_none() {
                track.committed = Some(obj.to_values());
            }
        }
        obj.set_column_value(index, value)
            .map_err(|e| decode_into(M::table(), index, e))
    }

    fn set_values(&self, values: Vec<Value>) -> Result<()> {
        let mut obj = self.try_write()?;
        for (i, v) in values.into_iter().enumerate() {
            obj.set_column_value(i, v)
                .map_err(|e| decode_into(M::table(), i, e))?;
        }
        Ok(())
    }

    fn apply_insert_defaults(&self) -> Result<()> {
        self.try_write()?.apply_insert_defaults();
        Ok(())
    }

    fn apply_update_hooks(&self) -> Result<()> {
        self.try_write()?.apply_update_hooks();
        Ok(())
    }

    fn tracked(&self) -> Tracked {
        let track = self.track();
        Tracked {
            persistent: track.persistent,
            committed: track.committed.clone(),
        }
    }

    fn set_tracked(&self, state: Tracked) {
        let mut track = self.track();
        track.persistent = state.persistent;
        track.committed = state.committed;
    }

    fn committed(&self) -> Option<Vec<Value>> {
        self.track().committed.clone()
    }

    fn take_committed(&self) -> Option<Vec<Value>> {
        self.track().committed.take()
    }

    fn mark_clean(&self) {
        self.track().committed = None;
    }

    fn set_persistent(&self, persistent: bool) {
        let mut track = self.track();
        track.persistent = persistent;
        track.committed = None;
    }

    fn db_value(&self, index: usize) -> Result<Option<Value>> {
        {
            let track = self.track();
            if !track.persistent {
                return Ok(None);
            }
            if let Some(committed) = &track.committed {
                return Ok(committed.get(index).cloned());
            }
        }
        self.value(index).map(Some)
    }

    fn entry_in(&self, owner: &Arc<Tracker>) -> Option<usize> {
        let track = self.track();
        std::ptr::eq(track.owner.as_ptr(), Arc::as_ptr(owner)).then_some(track.entry)
    }

    fn owned_elsewhere(&self, owner: &Arc<Tracker>) -> bool {
        let track = self.track();
        !std::ptr::eq(track.owner.as_ptr(), Arc::as_ptr(owner)) && track.owner.strong_count() > 0
    }

    fn claim(&self, owner: &Arc<Tracker>, entry: usize) {
        let mut track = self.track();
        track.owner = Arc::downgrade(owner);
        track.entry = entry;
    }

    fn release(&self, owner: &Arc<Tracker>) {
        let mut track = self.track();
        if std::ptr::eq(track.owner.as_ptr(), Arc::as_ptr(owner)) {
            track.owner = Weak::new();
        }
    }

    fn pk_indexes(&self) -> &'static [usize] {
        M::primary_key_indexes()
    }

    fn has_update_hooks(&self) -> bool {
        M::HAS_UPDATE_HOOKS
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn relations(&self) -> &'static [RelationDef] {
        M::relations()
    }

    fn take_assigned(&self) -> Result<Vec<(usize, ErasedObj)>> {
        if !M::HAS_BELONGS_TO {
            return Ok(Vec::new());
        }
        let mut obj = self.try_write()?;
        Ok((0..M::relations().len())
            .filter_map(|i| obj.take_assigned(i).map(|o| (i, o)))
            .collect())
    }
}

/// An object of any model, type-erased; used by generated code and relationship metadata.
#[doc(hidden)]
#[derive(Clone)]
pub struct ErasedObj(pub(crate) Arc<dyn AnyObj>);

impl ErasedObj {
    /// The erased handle of `obj`.
    pub fn of<M: Model>(obj: &Obj<M>) -> Self {
        ErasedObj(obj.erased())
    }

    /// A new object of `M` from a full row of values (an association row).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when a value does not fit its field.
    pub fn from_values<M: Model>(values: Vec<Value>) -> Result<Self> {
        Ok(ErasedObj::of(&Obj::new(M::from_values(values)?)))
    }
}

impl fmt::Debug for ErasedObj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} object>", self.0.table().name)
    }
}
