//! Flush, commit, rollback and savepoints: the unit of work's transaction, and putting objects back
//! when it fails.

use super::state::State;
use super::{flush, Session};
use crate::error::{Error, Result};

impl Session {
    /// Writes pending changes to the database inside the session's transaction, without committing.
    ///
    /// # Errors
    ///
    /// The first failing statement's error. The transaction is then rolled back (or, inside
    /// [`Session::savepoint`], left for the savepoint to undo) and every object is as it was.
    pub fn flush(&mut self) -> Result<()> {
        // Cleared before looking, so that a write made from now on is seen by the next autoflush.
        let structural = self.entries.changed;
        self.entries.flush_begins();
        let has_work = self.entries.tracker.has_modified() || (structural && self.has_changes());
        if !has_work {
            return Ok(());
        }
        let prepared = self.link_assigned().and_then(|()| self.begin_if_needed());
        if let Err(e) = prepared {
            // Nothing was written: whatever was to be written still is.
            self.entries.note_change();
            return Err(e);
        }
        if let Err(e) = flush::flush(self, structural) {
            self.entries.note_change();
            if self.savepoints.is_empty() {
                self.abort();
            }
            return Err(e);
        }
        Ok(())
    }

    /// Flushes before a query when autoflush is on and anything may have changed since the last
    /// flush: without looking at every tracked object when nothing was added, deleted or written.
    ///
    /// # Errors
    ///
    /// As [`Session::flush`].
    pub(crate) fn autoflush(&mut self) -> Result<()> {
        if self.autoflush && self.entries.may_have_changes() {
            self.flush()?;
        }
        Ok(())
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
        self.replica_conn = None;
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
        self.replica_conn = None;
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
    /// persistent objects get back the values the database holds.
    fn discard_unflushed(&mut self) -> Result<()> {
        // Nothing written since the last flush is kept: the objects take back the database's
        // values below.
        self.entries.tracker.take_modified();
        let ids: Vec<usize> = self.entries.ids().collect();
        for id in ids {
            let Some(entry) = self.entries.get(id) else {
                continue;
            };
            let Some(obj) = entry.obj() else {
                continue;
            };
            if entry.state == State::Pending {
                self.entries.replace(id, None);
                continue;
            }
            self.entries.set_state(id, State::Persistent, Vec::new());
            if let Some(committed) = obj.committed() {
                obj.set_values(committed)?;
                obj.mark_clean();
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
        self.entries.tracker.has_modified()
            || self
                .entries
                .slots
                .iter()
                .flatten()
                .any(|e| (e.state != State::Persistent || !e.links.is_empty()) && e.obj().is_some())
    }
}
