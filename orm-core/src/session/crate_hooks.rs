//! Crate-internal entry points for the query, bulk and relationship code.

use super::identity::IdentityKey;
use super::state::{Entry, State};
use super::Session;
use crate::engine::Connection;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::Tracked;
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
        // A read: on a replica while the session has not written and holds no primary connection.
        if !self.pinned && self.conn.is_none() && self.engine.has_replicas() {
            // A replica taken out of use since (lagging, unreachable) is left at once.
            let held = self
                .replica_conn
                .take()
                .filter(|c| self.engine.replica_still_usable(c));
            let conn = match held {
                Some(conn) => Some(conn),
                None => self.engine.replica_connection().map(|mut conn| {
                    self.logs.retain(|log| log.strong_count() > 0);
                    conn.session_logs = self.logs.clone();
                    conn
                }),
            };
            if let Some(mut conn) = conn {
                let result = f(&mut conn, self);
                if !result.as_ref().is_err_and(Error::is_connection_lost) {
                    if conn.is_on_replica() {
                        self.replica_conn = Some(conn);
                    } else if self.conn.is_none() {
                        // It fell back to the primary: the session's one primary connection.
                        self.conn = Some(conn);
                    }
                }
                return result;
            }
        }
        self.connection()?;
        let Some(mut conn) = self.conn.take() else {
            return Err(Error::Pool("no connection".to_owned()));
        };
        let result = f(&mut conn, self);
        // A connection that died outside a transaction is not kept: the next statement takes
        // another. (Inside one, the commit or rollback that must follow deals with it.)
        let dead = result.as_ref().is_err_and(Error::is_connection_lost);
        if !dead || conn.in_transaction() {
            self.conn = Some(conn);
        }
        result
    }

    /// Whether the session holds loaded objects of `table`.
    pub(crate) fn tracks_table(&self, table: &str) -> bool {
        self.entries
            .slots
            .iter()
            .flatten()
            .any(|e| e.state != State::Pending && e.obj().is_some_and(|o| o.table().name == table))
    }

    /// After a bulk UPDATE: the loaded object of `M` with primary key `key` (if any) takes the new
    /// values of the updated columns, in the object and in what it keeps of the database's values
    /// (journaled for rollback).
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
        let Some(obj) = self.entries.get(id).and_then(Entry::obj) else {
            return Ok(());
        };
        let before = obj.values()?;
        let key = self.entries.get(id).and_then(Entry::identity);
        self.entries.record(id, Some(before));
        // The database holds the new values: so does the object, and (when it was written) what
        // the session keeps of the database's values.
        let mut committed = obj.committed();
        for (index, value) in updates {
            obj.set_value(*index, value.clone())?;
            if let Some(slot) = committed.as_mut().and_then(|c| c.get_mut(*index)) {
                *slot = obj.value(*index)?;
            }
        }
        obj.set_tracked(Tracked {
            persistent: true,
            committed,
        });
        self.entries.rekey(id, key);
        Ok(())
    }

    /// After a bulk DELETE: the loaded object of `M` with primary key `key` leaves the identity map
    /// (journaled, so a rollback brings it back).
    pub(crate) fn forget_deleted<M: Model>(&mut self, key: &[Value]) -> Result<()> {
        let Some(ikey) = IdentityKey::new(M::table().name.as_str(), key) else {
            return Ok(());
        };
        if let Some(&id) = self.entries.identity.get(&ikey) {
            self.entries.record(id, None);
            self.entries.replace(id, None);
        }
        Ok(())
    }
}
