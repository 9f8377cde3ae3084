//! Getting objects: by key through the identity map, loading rows into objects, refreshing them.

use super::identity::IdentityKey;
use super::state::{Entry, State};
use super::{downcast, Session};
use crate::backend::RowReader;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::Obj;
use crate::query::keyed::{Match, SelectRows};
use crate::value::{ToValue, Value};

impl Session {
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
        if self.autoflush && self.entries.may_have_changes() {
            self.flush()?;
            if let Some(found) = self.lookup::<M>(key)? {
                return Ok(found);
            }
        }
        let sql = self.get_sql::<M>();
        let mut found = None;
        self.with_connection_taken(|conn, session| {
            conn.query_rows(&sql, key, |row| {
                found = Some(session.load_from::<M>(&mut RowReader::new(row))?);
                Ok(false)
            })
        })?;
        Ok(found)
    }

    /// `SELECT <columns> FROM <table> WHERE <key> = ?`, built once per model and engine.
    fn get_sql<M: Model>(&self) -> std::sync::Arc<str> {
        let dialect = self.engine.dialect();
        self.engine
            .cached_sql(std::any::TypeId::of::<M>(), "get", || {
                let columns: Vec<usize> = (0..M::COLUMNS.len()).collect();
                SelectRows {
                    table: M::table(),
                    columns: &columns,
                    by: Match::one(M::primary_key_indexes()),
                    lock: false,
                }
                .sql(dialect)
            })
    }

    /// The identity map's answer: `Some(Some(obj))` loaded, `Some(None)` deleted in this session,
    /// `None` unknown.
    pub(super) fn lookup<M: Model>(&self, key: &[Value]) -> Result<Option<Option<Obj<M>>>> {
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
        match entry.obj() {
            Some(obj) => downcast::<M>(&obj).map(|o| Some(Some(o))),
            // Dropped by the application: not loaded any more.
            None => Ok(None),
        }
    }

    /// Turns a row (every column of `M`, in order) into an object through the identity map: a row
    /// whose key is loaded already comes back as the same object, its pending changes kept.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] naming the column that does not fit.
    pub fn load<M: Model>(&mut self, row: Vec<Value>) -> Result<Obj<M>> {
        let key = IdentityKey::of_row(M::table().name.as_str(), &row, M::primary_key_indexes());
        if let Some(obj) = self.loaded::<M>(key.as_ref())? {
            return Ok(obj);
        }
        Ok(self.track_loaded(M::from_values(row)?, key))
    }

    /// [`Session::load`] from the next columns of a driver row: the key columns are read first, and
    /// a row whose object is loaded already is not decoded further.
    pub(crate) fn load_from<M: Model>(&mut self, reader: &mut RowReader<'_>) -> Result<Obj<M>> {
        reader.expect(M::COLUMNS.len(), M::TABLE_NAME)?;
        let (row, at) = (reader.row(), reader.position());
        reader.skip(M::COLUMNS.len());
        let key =
            IdentityKey::of_driver_row(M::table().name.as_str(), row, at, M::primary_key_indexes())
                .map_err(|e| e.at(M::TABLE_NAME, &M::PRIMARY_KEY.join(", ")))?;
        if let Some(obj) = self.loaded::<M>(key.as_ref())? {
            return Ok(obj);
        }
        Ok(self.track_loaded(M::from_row(row, at)?, key))
    }

    /// The object already loaded under `key`, if any.
    fn loaded<M: Model>(&self, key: Option<&IdentityKey>) -> Result<Option<Obj<M>>> {
        match key
            .and_then(|key| self.entries.identity.get(key))
            .and_then(|&id| self.entries.get(id))
            .and_then(Entry::obj)
        {
            Some(obj) => downcast::<M>(&obj).map(Some),
            None => Ok(None),
        }
    }

    /// Tracks an object just read from the database, weakly: the object's own values are the
    /// database's until its first write, which keeps a copy (objects only read never pay for one),
    /// and the object gives its values back as its fields hold them, not as the database spelled
    /// them (SQLite's text for a timestamp), so only real changes count.
    fn track_loaded<M: Model>(&mut self, object: M, key: Option<IdentityKey>) -> Obj<M> {
        let obj = Obj::loaded(object);
        self.entries
            .push_keyed(&obj.erased(), State::Persistent, key);
        obj
    }

    /// Makes room for `n` more tracked objects (a query about to load them).
    pub(crate) fn reserve_entries<M: Model>(&mut self, n: usize) {
        self.entries.reserve(M::table().name.as_str(), n);
    }

    /// Re-reads an object from the database, discarding its unflushed changes.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the row is gone; a database error.
    pub fn refresh<M: Model>(&mut self, obj: &Obj<M>) -> Result<()> {
        let key = obj.read().primary_key_values();
        let sql = self.get_sql::<M>();
        let mut fresh = None;
        self.connection()?.query_rows(&sql, &key, |row| {
            fresh = Some(M::from_row(row, 0)?);
            Ok(false)
        })?;
        let fresh = fresh.ok_or_else(|| Error::NotFound {
            table: M::TABLE_NAME.to_owned(),
        })?;
        *obj.write_untracked()? = fresh;
        // What the database holds is what the object holds now.
        obj.erased().mark_clean();
        Ok(())
    }
}
