//! The session's bookkeeping: one entry per tracked object, and the journal that lets a failed commit,
//! a rollback or a savepoint put everything back.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use super::identity::{IdentityKey, IdentityMap};
use crate::error::Result;
use crate::object::{AnyObj, WRITES};
use crate::value::Value;

/// Where an object stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Added, not inserted yet.
    Pending,
    /// In the database (as of the snapshot).
    Persistent,
    /// Marked for deletion at the next flush.
    Deleting,
}

/// A foreign key of an object to be filled from another object's key at flush (the parent may still be
/// pending, with no key yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link {
    /// The child's foreign key column.
    pub(crate) column: usize,
    /// The parent's entry.
    pub(crate) parent: usize,
    /// The parent's referred column.
    pub(crate) parent_column: usize,
}

/// One tracked object.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) obj: Arc<dyn AnyObj>,
    pub(crate) state: State,
    /// The values as last loaded or flushed; `None` while pending.
    pub(crate) snapshot: Option<Vec<Value>>,
    pub(crate) links: Vec<Link>,
}

impl Entry {
    pub(crate) fn identity(&self) -> Option<IdentityKey> {
        let table = self.obj.table().name.as_str();
        match &self.snapshot {
            Some(snapshot) => IdentityKey::of_row(table, snapshot, self.obj.pk_indexes()),
            None if self.is_lazy() => {
                let pk = self.obj.pk_indexes();
                let mut key = vec![Value::Null; pk.len()];
                for (slot, &i) in key.iter_mut().zip(pk) {
                    *slot = self.obj.db_value(i).ok()?;
                }
                IdentityKey::new(table, &key)
            }
            None => None,
        }
    }

    /// Loaded and never given a snapshot: the object's values (or, once written, what it held
    /// before) are the database's.
    pub(crate) fn is_lazy(&self) -> bool {
        self.snapshot.is_none() && self.state != State::Pending && self.obj.is_lazy()
    }

    /// The database's value of column `index` (the snapshot's, or a lazy object's), `None` for a
    /// pending object.
    pub(crate) fn db_value(&self, index: usize) -> Option<Value> {
        match &self.snapshot {
            Some(s) => s.get(index).cloned(),
            None if self.is_lazy() => self.obj.db_value(index).ok(),
            None => None,
        }
    }
}

/// What an entry was before a change, so that it can be put back.
pub(crate) struct Record {
    pub(crate) id: usize,
    /// The entry as it was; `None` when the slot was empty (the change created it).
    pub(crate) before: Option<Entry>,
    /// The object's field values as they were, when the change wrote to the object.
    pub(crate) values: Option<Vec<Value>>,
}

/// Numbers the sessions' entry sets, for the objects' slot hints (0 is "none").
static SESSIONS: AtomicU32 = AtomicU32::new(1);

/// Every tracked object, its identity, and the journal of changes since the transaction began.
pub(crate) struct Entries {
    /// This set's number in the objects' slot hints.
    pub(crate) session: u32,
    pub(crate) slots: Vec<Option<Entry>>,
    pub(crate) identity: IdentityMap,
    /// Object address to entry id, for the objects whose slot hint another session holds.
    pub(crate) by_addr: HashMap<usize, usize>,
    pub(crate) journal: Vec<Record>,
    /// Set when something may need flushing: pending or deleted objects, links, restored entries.
    /// Cleared when a flush begins.
    pub(crate) changed: bool,
    /// [`WRITES`] when the last flush began: objects written since make it differ.
    pub(crate) seen_writes: u64,
}

impl Default for Entries {
    fn default() -> Self {
        Entries {
            // A wrap after 4 billion sessions only makes hints collide, which the check of the
            // entry's object catches.
            session: SESSIONS.fetch_add(1, Ordering::Relaxed).max(1),
            slots: Vec::new(),
            identity: IdentityMap::default(),
            by_addr: HashMap::default(),
            journal: Vec::new(),
            changed: false,
            seen_writes: 0,
        }
    }
}

impl Entries {
    /// Makes room for `n` more entries of `table`.
    pub(crate) fn reserve(&mut self, table: &'static str, n: usize) {
        self.slots.reserve(n);
        self.identity.reserve(table, n);
    }

    pub(crate) fn get(&self, id: usize) -> Option<&Entry> {
        self.slots.get(id).and_then(Option::as_ref)
    }

    pub(crate) fn find(&self, obj: &dyn AnyObj) -> Option<usize> {
        if let Some(id) = obj.slot_in(self.session) {
            if self.get(id).is_some_and(|e| e.obj.addr() == obj.addr()) {
                return Some(id);
            }
        }
        self.by_addr.get(&obj.addr()).copied()
    }

    /// Indexes entry `id` by its object: the object's slot hint, or the address map when another
    /// session holds the hint.
    fn index_object(&mut self, obj: &dyn AnyObj, id: usize) {
        if !obj.claim(self.session, id) {
            self.by_addr.insert(obj.addr(), id);
        }
    }

    pub(crate) fn push(&mut self, entry: Entry) -> usize {
        let key = entry.identity();
        self.push_keyed(entry, key)
    }

    /// [`Entries::push`] with the identity already computed.
    pub(crate) fn push_keyed(&mut self, entry: Entry, key: Option<IdentityKey>) -> usize {
        if entry.state != State::Persistent {
            self.note_change();
        }
        let id = self.slots.len();
        self.index_object(&*entry.obj, id);
        if let Some(key) = key {
            self.identity.insert(key, id);
        }
        self.slots.push(Some(entry));
        id
    }

    /// Something may need flushing.
    pub(crate) fn note_change(&mut self) {
        self.changed = true;
    }

    /// Whether anything may need flushing since the last flush began.
    pub(crate) fn may_have_changes(&self) -> bool {
        self.changed || WRITES.load(Ordering::Acquire) != self.seen_writes
    }

    /// A flush begins: what changes from now on is for the next one.
    pub(crate) fn flush_begins(&mut self) {
        self.changed = false;
        self.seen_writes = WRITES.load(Ordering::Acquire);
    }

    /// Sets `child`'s foreign key `link.column` from `link.parent` at flush (replacing an earlier
    /// link of that column).
    pub(crate) fn add_link(&mut self, child: usize, link: Link) {
        if let Some(entry) = self.slots.get_mut(child).and_then(Option::as_mut) {
            entry.links.retain(|l| l.column != link.column);
            entry.links.push(link);
            self.changed = true;
        }
    }

    /// Marks a persistent entry for deletion at the next flush.
    pub(crate) fn mark_deleting(&mut self, id: usize) {
        if let Some(e) = self.slots.get_mut(id).and_then(Option::as_mut) {
            if e.state == State::Persistent {
                e.state = State::Deleting;
                self.changed = true;
            }
        }
    }

    /// Gives a lazy entry its snapshot (what the object held before its first write, or holds now);
    /// every change the flush or the journal makes works on entries with snapshots.
    pub(crate) fn materialize(&mut self, id: usize) -> Result<()> {
        let Some(e) = self.slots.get_mut(id).and_then(Option::as_mut) else {
            return Ok(());
        };
        if !e.is_lazy() {
            return Ok(());
        }
        let values = match e.obj.settle() {
            Some(before) => before,
            None => e.obj.values()?,
        };
        e.snapshot = Some(values);
        Ok(())
    }

    /// Journals the entry `id` as it is now (and, with `values`, its object's values), before a change.
    ///
    /// # Errors
    ///
    /// When a lazy entry's object cannot be read (a guard is held).
    pub(crate) fn record(&mut self, id: usize, values: Option<Vec<Value>>) -> Result<()> {
        self.materialize(id)?;
        let before = self.get(id).cloned();
        self.journal.push(Record { id, before, values });
        Ok(())
    }

    /// Replaces the entry `id`, keeping the identity map and address index in step.
    pub(crate) fn replace(&mut self, id: usize, entry: Option<Entry>) -> Option<Entry> {
        let old = self.slots.get_mut(id).and_then(Option::take);
        let old_key = old.as_ref().and_then(Entry::identity);
        let new_key = entry.as_ref().and_then(Entry::identity);
        if old_key != new_key {
            if let Some(key) = old_key {
                // Another entry may hold the key by now; put it back then.
                if let Some(holder) = self.identity.remove(&key) {
                    if holder != id {
                        self.identity.insert(key, holder);
                    }
                }
            }
            if let Some(key) = new_key {
                self.identity.insert(key, id);
            }
        }
        let old_addr = old.as_ref().map(|e| e.obj.addr());
        let new_addr = entry.as_ref().map(|e| e.obj.addr());
        if old_addr != new_addr {
            if let Some(addr) = old_addr {
                if self.by_addr.get(&addr) == Some(&id) {
                    self.by_addr.remove(&addr);
                }
            }
            if let Some(new) = &entry {
                self.index_object(&*new.obj, id);
            }
        }
        if let Some(new) = entry {
            if id >= self.slots.len() {
                self.slots.resize_with(id + 1, || None);
            }
            self.slots[id] = Some(new);
        }
        old
    }

    /// Undoes the journal down to `mark`, newest first.
    pub(crate) fn restore_to(&mut self, mark: usize) -> Result<()> {
        // What is put back (pending objects, written values) needs flushing again.
        self.note_change();
        let mut first_error = None;
        while self.journal.len() > mark {
            let Some(record) = self.journal.pop() else {
                break;
            };
            let obj = record
                .before
                .as_ref()
                .map(|e| e.obj.clone())
                .or_else(|| self.get(record.id).map(|e| e.obj.clone()));
            if let (Some(obj), Some(values)) = (obj, record.values) {
                if let Err(e) = obj.set_values(values) {
                    first_error.get_or_insert(e);
                }
                // Compared with its snapshot again at the next flush, so a retry writes it.
                obj.mark_touched();
            }
            self.replace(record.id, record.before);
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Ids of the live entries.
    pub(crate) fn ids(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|_| i))
    }
}
