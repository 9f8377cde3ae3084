//! [`Obj`]: the handle on a mapped object, shared by the session that tracks it, the relationship
//! fields that point at it and the application; below both `relation` and `session`.

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::schema::RelationDef;
use crate::schema::TableDef;
use crate::value::Value;

/// A shared handle on an object tracked by a [`crate::Session`]: read and write its fields through
/// [`Obj::read`] and [`Obj::write`]; the session compares written objects with their snapshot at flush
/// and updates only the changed columns. Clones are the same object; the identity map hands out the
/// same object for the same primary key.
pub struct Obj<M> {
    pub(crate) cell: Arc<Cell<M>>,
}

pub(crate) struct Cell<M> {
    value: RwLock<M>,
    /// Set by [`Obj::write`], cleared by flush: only written objects are compared with their snapshot.
    touched: AtomicBool,
    /// The object was loaded and the session keeps no snapshot of it: the first write takes one
    /// (into `before`), so that objects only read never pay for a copy of their values.
    lazy: AtomicBool,
    /// The values before the first write of a lazy object: what the database holds.
    before: Mutex<Option<Vec<Value>>>,
    /// Where the first session that tracks the object keeps it: the session's number in the high
    /// 32 bits, the entry's number plus one in the low 32 (0: none). The session checks the entry
    /// holds this very object before trusting it, so a stale hint only costs a map lookup.
    slot: AtomicU64,
}

/// Counts [`Obj::write`] calls, process-wide: a session whose last flush saw the same count knows
/// that none of its objects was written since, without looking at each (an autoflush before every
/// query would otherwise cost a pass over every tracked object). A write elsewhere only costs a look.
pub(crate) static WRITES: AtomicU64 = AtomicU64::new(0);

impl<M: Model> Obj<M> {
    pub(crate) fn new(value: M) -> Self {
        Self::with_lazy(value, false)
    }

    /// An object just loaded from the database, whose snapshot is taken by its first write.
    pub(crate) fn loaded(value: M) -> Self {
        Self::with_lazy(value, true)
    }

    fn with_lazy(value: M, lazy: bool) -> Self {
        Obj {
            cell: Arc::new(Cell {
                value: RwLock::new(value),
                touched: AtomicBool::new(false),
                lazy: AtomicBool::new(lazy),
                before: Mutex::new(None),
                slot: AtomicU64::new(0),
            }),
        }
    }

    /// Reads the object.
    pub fn read(&self) -> RwLockReadGuard<'_, M> {
        // A panic while a guard was held cannot leave a plain struct half-updated in a way the
        // snapshot comparison would not catch; keep serving it.
        self.cell.value.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the object; the change is found and flushed by the session.
    pub fn write(&self) -> RwLockWriteGuard<'_, M> {
        let guard = self.cell.value.write().unwrap_or_else(|p| p.into_inner());
        if self.cell.lazy.load(Ordering::Acquire) {
            let mut before = self.cell.before.lock().unwrap_or_else(|p| p.into_inner());
            if before.is_none() {
                *before = Some(guard.to_values());
            }
        }
        self.cell.touched.store(true, Ordering::Relaxed);
        WRITES.fetch_add(1, Ordering::Release);
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
    fn set_value(&self, index: usize, value: Value) -> Result<()>;
    fn set_values(&self, values: Vec<Value>) -> Result<()>;
    fn apply_insert_defaults(&self) -> Result<()>;
    fn apply_update_hooks(&self) -> Result<()>;
    /// Returns and clears the written flag.
    fn take_touched(&self) -> bool;
    /// For a lazy object: the values it held before its first write, taken (and the object stops
    /// being lazy: the session keeps a snapshot from now on).
    fn settle(&self) -> Option<Vec<Value>>;
    /// Whether the object has no session snapshot and takes one at its first write.
    fn is_lazy(&self) -> bool;

    /// The database's value of column `index` of a lazy object: before its first write, or now.
    fn db_value(&self, index: usize) -> Result<Value>;
    fn mark_touched(&self);
    fn is_touched(&self) -> bool;
    fn pk_indexes(&self) -> &'static [usize];
    fn has_update_hooks(&self) -> bool;
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    fn addr(&self) -> usize;
    /// The entry session `session` keeps the object in, if it claimed it.
    fn slot_in(&self, session: u32) -> Option<usize>;
    /// Records that `session` keeps the object in entry `id`; false when another session claimed it
    /// first (that session finds it by address instead).
    fn claim(&self, session: u32, id: usize) -> bool;
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
        self.try_write()?
            .set_column_value(index, value)
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

    fn settle(&self) -> Option<Vec<Value>> {
        let mut before = self.before.lock().unwrap_or_else(|p| p.into_inner());
        self.lazy.store(false, Ordering::Release);
        before.take()
    }

    fn is_lazy(&self) -> bool {
        self.lazy.load(Ordering::Acquire)
    }

    fn db_value(&self, index: usize) -> Result<Value> {
        let before = self.before.lock().unwrap_or_else(|p| p.into_inner());
        match before.as_ref().and_then(|b| b.get(index)) {
            Some(v) => Ok(v.clone()),
            None => self.value(index),
        }
    }

    fn take_touched(&self) -> bool {
        self.touched.swap(false, Ordering::Relaxed)
    }

    fn mark_touched(&self) {
        self.touched.store(true, Ordering::Relaxed);
    }

    fn is_touched(&self) -> bool {
        self.touched.load(Ordering::Relaxed)
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

    fn addr(&self) -> usize {
        self as *const Self as *const () as usize
    }

    fn slot_in(&self, session: u32) -> Option<usize> {
        let slot = self.slot.load(Ordering::Relaxed);
        let low = (slot & u64::from(u32::MAX)) as usize;
        ((slot >> 32) as u32 == session && low > 0).then(|| low - 1)
    }

    fn claim(&self, session: u32, id: usize) -> bool {
        let Ok(low) = u32::try_from(id + 1) else {
            return false;
        };
        let new = (u64::from(session) << 32) | u64::from(low);
        self.slot
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                (old == 0 || (old >> 32) as u32 == session).then_some(new)
            })
            .is_ok()
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
