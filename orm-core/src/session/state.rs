//! The session's bookkeeping: one entry per tracked object, and the journal that lets a failed commit,
//! a rollback or a savepoint put everything back.
//!
//! An entry holds its object strongly while the session has something to do with it (pending,
//! being deleted, linked) and weakly once it is only loaded: objects the application no longer
//! holds are dropped and their entries swept, so a long session over many rows does not keep them
//! all. A written object is held by the session's [`Tracker`] until it is flushed.

use std::sync::{Arc, Weak};

use super::identity::{IdentityKey, IdentityMap};
use crate::error::Result;
use crate::object::{AnyObj, Tracked, Tracker};
use crate::value::Value;

/// Where an object stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Added, not inserted yet.
    Pending,
    /// In the database.
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

#[derive(Clone)]
enum Held {
    Strong(Arc<dyn AnyObj>),
    Weak(Weak<dyn AnyObj>),
}

/// One tracked object.
#[derive(Clone)]
pub(crate) struct Entry {
    held: Held,
    pub(crate) state: State,
    pub(crate) links: Vec<Link>,
    /// Another entry's link names this one as its parent: held while the session lives.
    pinned: bool,
}

impl Entry {
    pub(crate) fn new(obj: &Arc<dyn AnyObj>, state: State) -> Self {
        Entry {
            held: match state {
                State::Persistent => Held::Weak(Arc::downgrade(obj)),
                _ => Held::Strong(obj.clone()),
            },
            state,
            links: Vec::new(),
            pinned: false,
        }
    }

    /// The object, unless it was only loaded and the application dropped it.
    pub(crate) fn obj(&self) -> Option<Arc<dyn AnyObj>> {
        match &self.held {
            Held::Strong(o) => Some(o.clone()),
            Held::Weak(w) => w.upgrade(),
        }
    }

    /// Whether the entry holds `obj`.
    pub(crate) fn holds(&self, obj: &dyn AnyObj) -> bool {
        let ptr = obj as *const dyn AnyObj as *const ();
        match &self.held {
            Held::Strong(o) => Arc::as_ptr(o) as *const () == ptr,
            Held::Weak(w) => w.as_ptr() as *const () == ptr,
        }
    }

    fn is_live(&self) -> bool {
        match &self.held {
            Held::Strong(_) => true,
            Held::Weak(w) => w.strong_count() > 0,
        }
    }

    /// Holds the object strongly while the session has work with it, weakly otherwise.
    fn settle(&mut self) {
        let strong = self.state != State::Persistent || !self.links.is_empty() || self.pinned;
        self.held = match (&self.held, strong) {
            (Held::Weak(w), true) => match w.upgrade() {
                Some(o) => Held::Strong(o),
                None => return,
            },
            (Held::Strong(o), false) => Held::Weak(Arc::downgrade(o)),
            (held, _) => held.clone(),
        };
    }

    pub(crate) fn identity(&self) -> Option<IdentityKey> {
        let obj = self.obj()?;
        let table = obj.table().name.as_str();
        let pk = obj.pk_indexes();
        let mut key = vec![Value::Null; pk.len()];
        for (slot, &i) in key.iter_mut().zip(pk) {
            *slot = obj.db_value(i).ok()??;
        }
        IdentityKey::new(table, &key)
    }

    /// The database's value of column `index`, `None` for a pending object.
    pub(crate) fn db_value(&self, index: usize) -> Option<Value> {
        self.obj()?.db_value(index).ok()?
    }
}

/// What an entry and its object were before a change, so that they can be put back.
pub(crate) struct Record {
    pub(crate) id: usize,
    /// The entry as it was; `None` when the slot was empty (the change created it).
    pub(crate) before: Option<Entry>,
    /// The object (held until the transaction ends) and its state in the session.
    pub(crate) obj: Option<(Arc<dyn AnyObj>, Tracked)>,
    /// The object's field values as they were, when the change wrote to the object.
    pub(crate) values: Option<Vec<Value>>,
}

/// Every tracked object, its identity, and the journal of changes since the transaction began.
pub(crate) struct Entries {
    /// The objects this session owns hand their first writes over here.
    pub(crate) tracker: Arc<Tracker>,
    pub(crate) slots: Vec<Option<Entry>>,
    pub(crate) identity: IdentityMap,
    /// Slots swept empty, for reuse.
    free: Vec<usize>,
    /// Entries added since the last sweep.
    added: usize,
    pub(crate) journal: Vec<Record>,
    /// Set when something may need flushing: pending or deleted objects, links, restored entries.
    /// Cleared when a flush begins.
    pub(crate) changed: bool,
}

/// Fewer entries than this are never swept.
const SWEEP_MIN: usize = 1024;

impl Default for Entries {
    fn default() -> Self {
        Entries {
            tracker: Arc::new(Tracker::default()),
            slots: Vec::new(),
            identity: IdentityMap::default(),
            free: Vec::new(),
            added: 0,
            journal: Vec::new(),
            changed: false,
        }
    }
}

impl Entries {
    /// Makes room for `n` more entries of `table`.
    pub(crate) fn reserve(&mut self, table: &'static str, n: usize) {
        self.slots.reserve(n.saturating_sub(self.free.len()));
        self.identity.reserve(table, n);
    }

    pub(crate) fn get(&self, id: usize) -> Option<&Entry> {
        self.slots.get(id).and_then(Option::as_ref)
    }

    /// The entry of `obj`, when this session owns it.
    pub(crate) fn find(&self, obj: &dyn AnyObj) -> Option<usize> {
        let id = obj.entry_in(&self.tracker)?;
        self.get(id).is_some_and(|e| e.holds(obj)).then_some(id)
    }

    /// Adds `obj` in `state` under `key` (its identity, computed by the caller).
    pub(crate) fn push_keyed(
        &mut self,
        obj: &Arc<dyn AnyObj>,
        state: State,
        key: Option<IdentityKey>,
    ) -> usize {
        if state != State::Persistent {
            self.note_change();
        }
        self.added += 1;
        // Sweeps double apart: amortised, each entry is looked at a bounded number of times.
        if self.added > SWEEP_MIN.max(self.slots.len()) {
            self.sweep();
        }
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        obj.claim(&self.tracker, id);
        if let Some(key) = key {
            self.identity.insert(key, id);
        }
        self.slots[id] = Some(Entry::new(obj, state));
        id
    }

    /// Forgets the entries of objects the application dropped, and makes their slots reusable.
    /// Empty slots are reused only when no journal record can name them any more.
    fn sweep(&mut self) {
        self.added = 0;
        let reuse_empty = self.journal.is_empty();
        self.free.clear();
        for (id, slot) in self.slots.iter_mut().enumerate() {
            if slot.as_ref().is_some_and(|e| !e.is_live()) {
                *slot = None;
                self.free.push(id);
            } else if slot.is_none() && reuse_empty {
                self.free.push(id);
            }
        }
        if self.free.is_empty() {
            return;
        }
        let slots = &self.slots;
        self.identity
            .retain(|id| slots.get(id).is_some_and(Option::is_some));
        // Lowest ids last: they are reused first.
        self.free.reverse();
    }

    /// Something may need flushing.
    pub(crate) fn note_change(&mut self) {
        self.changed = true;
    }

    /// Whether anything may need flushing since the last flush began.
    pub(crate) fn may_have_changes(&self) -> bool {
        self.changed || self.tracker.has_modified()
    }

    /// A flush begins: what changes from now on is for the next one.
    pub(crate) fn flush_begins(&mut self) {
        self.changed = false;
    }

    /// Sets `child`'s foreign key `link.column` from `link.parent` at flush (replacing an earlier
    /// link of that column).
    pub(crate) fn add_link(&mut self, child: usize, link: Link) {
        if let Some(parent) = self.slots.get_mut(link.parent).and_then(Option::as_mut) {
            parent.pinned = true;
            parent.settle();
        }
        if let Some(entry) = self.slots.get_mut(child).and_then(Option::as_mut) {
            entry.links.retain(|l| l.column != link.column);
            entry.links.push(link);
            entry.settle();
            self.changed = true;
        }
    }

    /// Marks a persistent entry for deletion at the next flush.
    pub(crate) fn mark_deleting(&mut self, id: usize) {
        if let Some(e) = self.slots.get_mut(id).and_then(Option::as_mut) {
            if e.state == State::Persistent {
                e.state = State::Deleting;
                e.settle();
                self.changed = true;
            }
        }
    }

    /// Sets the state and links of entry `id`, holding its object as they require.
    pub(crate) fn set_state(&mut self, id: usize, state: State, links: Vec<Link>) {
        if let Some(e) = self.slots.get_mut(id).and_then(Option::as_mut) {
            e.state = state;
            e.links = links;
            e.settle();
        }
    }

    /// Journals the entry `id` and its object's state as they are now (and, with `values`, the
    /// object's values), before a change.
    pub(crate) fn record(&mut self, id: usize, values: Option<Vec<Value>>) {
        let before = self.get(id).cloned();
        let obj = before
            .as_ref()
            .and_then(Entry::obj)
            .map(|o| (o.clone(), o.tracked()));
        self.journal.push(Record {
            id,
            before,
            obj,
            values,
        });
    }

    /// Journals entry `id` with its object's state as given (taken from the object by the caller).
    pub(crate) fn record_as(&mut self, id: usize, tracked: Tracked, values: Option<Vec<Value>>) {
        let before = self.get(id).cloned();
        let obj = before.as_ref().and_then(Entry::obj).map(|o| (o, tracked));
        self.journal.push(Record {
            id,
            before,
            obj,
            values,
        });
    }

    /// Replaces the entry `id`, keeping the identity map and the objects' ownership in step.
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
        let old_obj = old.as_ref().and_then(Entry::obj);
        let new_obj = entry.as_ref().and_then(Entry::obj);
        if let Some(o) = &old_obj {
            if !new_obj.as_ref().is_some_and(|n| Arc::ptr_eq(n, o)) {
                o.release(&self.tracker);
            }
        }
        if let Some(n) = &new_obj {
            n.claim(&self.tracker, id);
        }
        if let Some(new) = entry {
            if id >= self.slots.len() {
                self.slots.resize_with(id + 1, || None);
            }
            self.slots[id] = Some(new);
        }
        old
    }

    /// Removes entry `id` whose identity is `key`, journaled; its object leaves the session.
    pub(crate) fn remove_recorded(&mut self, id: usize, key: Option<&IdentityKey>) {
        self.record(id, None);
        let Some(old) = self.slots.get_mut(id).and_then(Option::take) else {
            return;
        };
        if let Some(key) = key {
            if self.identity.get(key) == Some(&id) {
                self.identity.remove(key);
            }
        }
        if let Some(obj) = old.obj() {
            obj.release(&self.tracker);
            // Its row is gone: added again, it would be inserted.
            obj.set_persistent(false);
        }
    }

    /// Moves entry `id` in the identity map from `old` to its key now (a key column changed).
    pub(crate) fn rekey(&mut self, id: usize, old: Option<IdentityKey>) {
        let new = self.get(id).and_then(Entry::identity);
        if old == new {
            return;
        }
        if let Some(key) = old {
            if self.identity.get(&key) == Some(&id) {
                self.identity.remove(&key);
            }
        }
        if let Some(key) = new {
            self.identity.insert(key, id);
        }
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
            let key_now = self.get(record.id).and_then(Entry::identity);
            if let Some((obj, tracked)) = record.obj {
                if let Some(values) = record.values {
                    if let Err(e) = obj.set_values(values) {
                        first_error.get_or_insert(e);
                    }
                }
                let modified = tracked.committed.is_some();
                obj.set_tracked(tracked);
                if modified {
                    // Compared with what the database holds again at the next flush.
                    self.tracker.push_modified(obj);
                }
            }
            self.replace(record.id, record.before);
            self.rekey(record.id, key_now);
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Ids of the live entries.
    pub(crate) fn ids(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().filter(|e| e.is_live()).map(|_| i))
    }
}
