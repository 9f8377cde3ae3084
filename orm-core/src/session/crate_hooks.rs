//! Crate-internal entry points for the query, bulk and relationship code.

use super::identity::IdentityKey;
use super::state::State;
use super::Session;
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::value::Value;

// Small hooks for the query builder's execution (`session/query.rs`); they keep it off the
// session's internals.
impl Session {
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
