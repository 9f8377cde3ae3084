//! Getting objects: by key through the identity map, loading rows into objects, refreshing them.

use super::identity::IdentityKey;
use super::object::Obj;
use super::state::{Entry, State};
use super::{downcast, Session};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::SqlWriter;
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
        let mut rows = self.connection()?.query(&sql, key)?.rows;
        match rows.pop() {
            Some(row) => self.load::<M>(row).map(Some),
            None => Ok(None),
        }
    }

    /// `SELECT <columns> FROM <table> WHERE <key> = ?`, built once per model and engine.
    fn get_sql<M: Model>(&self) -> std::sync::Arc<str> {
        let dialect = self.engine.dialect();
        self.engine
            .cached_sql(std::any::TypeId::of::<M>(), "get", || {
                let mut w = SqlWriter::new(dialect);
                w.push("SELECT ")
                    .ident_list(M::COLUMNS.iter().copied())
                    .push(" FROM ")
                    .ident(M::TABLE_NAME)
                    .push(" WHERE ");
                for (i, col) in M::PRIMARY_KEY.iter().enumerate() {
                    if i > 0 {
                        w.push(" AND ");
                    }
                    w.ident(col).push(" = ").param(Value::Null);
                }
                w.finish().0
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
        downcast::<M>(&entry.obj).map(|o| Some(Some(o)))
    }

    /// Turns a row (every column of `M`, in order) into an object through the identity map: a row
    /// whose key is loaded already comes back as the same object, its pending changes kept.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] naming the column that does not fit.
    pub fn load<M: Model>(&mut self, row: Vec<Value>) -> Result<Obj<M>> {
        let key = IdentityKey::of_row(M::table().name.as_str(), &row, M::primary_key_indexes());
        if let Some(key) = &key {
            if let Some(entry) = self
                .entries
                .identity
                .get(key)
                .and_then(|&id| self.entries.get(id))
            {
                return downcast::<M>(&entry.obj);
            }
        }
        // The snapshot is what the object itself gives back, not the row as the database spelled it
        // (SQLite's integer for an i32, its text for a timestamp), so that only real changes count.
        // No snapshot yet: the object's own values are the database's until its first write, which
        // takes one (objects only read never pay for a copy). The object gives its values back as
        // its fields hold them, not as the database spelled them (SQLite's text for a timestamp),
        // so only real changes count.
        let obj = Obj::loaded(M::from_values(row)?);
        let entry = Entry {
            obj: obj.erased(),
            state: State::Persistent,
            snapshot: None,
            links: Vec::new(),
        };
        self.entries.push_keyed(entry, key);
        Ok(obj)
    }

    /// Makes room for `n` more tracked objects (a query about to load them).
    pub(crate) fn reserve_entries(&mut self, n: usize) {
        self.entries.reserve(n);
    }

    /// Re-reads an object from the database, discarding its unflushed changes.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the row is gone; a database error.
    pub fn refresh<M: Model>(&mut self, obj: &Obj<M>) -> Result<()> {
        let key = obj.read().primary_key_values();
        let id = self.entries.find(&*obj.erased());
        let sql = self.get_sql::<M>();
        let row = self
            .connection()?
            .query(&sql, &key)?
            .rows
            .pop()
            .ok_or_else(|| Error::NotFound {
                table: M::TABLE_NAME.to_owned(),
            })?;
        let fresh = M::from_values(row)?;
        let row = fresh.to_values();
        *obj.write() = fresh;
        // The row read is the snapshot now; a lazy object's capture is stale.
        obj.erased().settle();
        obj.erased().take_touched();
        if let Some(entry) = id.and_then(|id| self.entries.slots[id].as_mut()) {
            entry.snapshot = Some(row);
        }
        Ok(())
    }
}
