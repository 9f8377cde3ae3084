//! The identity map: one object per primary key per session.

use rustc_hash::FxHashMap as HashMap;

use crate::backend::Row;
use crate::value::{Value, ValueError};

/// A primary key value made hashable: integers of every width compare equal by value, floats by bits.
/// Ordered too (integers numerically, text and bytes lexicographically), for writing rows in key
/// order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum KeyPart {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Bits(u64),
    Other(String),
}

impl From<&Value> for KeyPart {
    fn from(v: &Value) -> Self {
        match v {
            Value::Null => KeyPart::Null,
            Value::Text(s) => KeyPart::Text(s.clone()),
            Value::Bytes(b) => KeyPart::Bytes(b.clone()),
            Value::F32(f) => KeyPart::Bits(f64::from(*f).to_bits()),
            Value::F64(f) => KeyPart::Bits(f.to_bits()),
            other => match other.as_i64() {
                Some(i) => KeyPart::Int(i),
                None => KeyPart::Other(other.to_string()),
            },
        }
    }
}

/// A primary key's parts; a single-column key (the common case) needs no allocation of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Parts {
    One(KeyPart),
    Many(Vec<KeyPart>),
}

/// A table and a primary key.
#[derive(Debug, Clone, Eq)]
pub(crate) struct IdentityKey {
    table: &'static str,
    key: Parts,
}

impl std::hash::Hash for IdentityKey {
    /// By content, as equality is: the pointer comparison in `eq` is only a shortcut.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.table.hash(state);
        self.key.hash(state);
    }
}

impl PartialEq for IdentityKey {
    fn eq(&self, other: &Self) -> bool {
        // Table names come from the models' static metadata: the same pointer in all but odd cases.
        let same_table = std::ptr::eq(self.table, other.table) || self.table == other.table;
        same_table && self.key == other.key
    }
}

impl IdentityKey {
    /// The key of a row, or `None` while any part of the key is still NULL (not assigned yet).
    pub(crate) fn new(table: &'static str, key: &[Value]) -> Option<Self> {
        match key.len() {
            1 => Self::of_row(table, key, &[0]),
            n => Self::of_row(table, key, &(0..n).collect::<Vec<_>>()),
        }
    }

    /// The key of a full row, from the positions of its key columns.
    pub(crate) fn of_row(table: &'static str, row: &[Value], pk: &[usize]) -> Option<Self> {
        Self::from_parts(table, pk, |i| {
            Ok::<_, std::convert::Infallible>(row.get(i).map(KeyPart::from))
        })
        .unwrap_or_else(|never| match never {})
    }

    /// The key of a row as the driver holds it, its model's columns starting at `offset`.
    pub(crate) fn of_driver_row(
        table: &'static str,
        row: &dyn Row,
        offset: usize,
        pk: &[usize],
    ) -> Result<Option<Self>, ValueError> {
        Self::from_parts(table, pk, |i| {
            row.value(offset + i).map(|v| Some(KeyPart::from(&v)))
        })
    }

    /// The key made of `part(i)` for each key column `i`; `None` while any part is missing or NULL
    /// (not assigned yet).
    fn from_parts<E>(
        table: &'static str,
        pk: &[usize],
        part: impl Fn(usize) -> Result<Option<KeyPart>, E>,
    ) -> Result<Option<Self>, E> {
        let part = |i| Ok(part(i)?.filter(|p| *p != KeyPart::Null));
        let key = match pk {
            [] => None,
            [i] => part(*i)?.map(Parts::One),
            many => many
                .iter()
                .map(|&i| part(i))
                .collect::<Result<Option<Vec<_>>, E>>()?
                .map(Parts::Many),
        };
        Ok(key.map(|key| IdentityKey { table, key }))
    }
}

/// The entries of one table by key: a single integer key (the common case) is its own hash key,
/// without the table name or an enum around it.
#[derive(Default)]
struct TableKeys {
    table: &'static str,
    ints: HashMap<i64, usize>,
    others: HashMap<Parts, usize>,
}

/// Keys to entry ids, one map per table. A session touches few tables, found by a scan that compares
/// the names' pointers first (they come from the models' static metadata).
#[derive(Default)]
pub(crate) struct IdentityMap {
    tables: Vec<TableKeys>,
}

impl IdentityMap {
    /// Where `table`'s map is: pointers compared first, names only when they differ.
    fn position(&self, table: &str) -> Option<usize> {
        self.tables
            .iter()
            .position(|t| std::ptr::eq(t.table, table))
            .or_else(|| self.tables.iter().position(|t| t.table == table))
    }

    fn table(&self, table: &str) -> Option<&TableKeys> {
        self.position(table).map(|i| &self.tables[i])
    }

    fn table_mut(&mut self, table: &'static str) -> &mut TableKeys {
        let i = self.position(table).unwrap_or_else(|| {
            self.tables.push(TableKeys {
                table,
                ..TableKeys::default()
            });
            self.tables.len() - 1
        });
        &mut self.tables[i]
    }

    /// The entry holding `key`.
    pub(crate) fn get(&self, key: &IdentityKey) -> Option<&usize> {
        let t = self.table(key.table)?;
        match &key.key {
            Parts::One(KeyPart::Int(i)) => t.ints.get(i),
            parts => t.others.get(parts),
        }
    }

    /// Maps `key` to entry `id`, returning the entry it mapped to before.
    pub(crate) fn insert(&mut self, key: IdentityKey, id: usize) -> Option<usize> {
        let t = self.table_mut(key.table);
        match key.key {
            Parts::One(KeyPart::Int(i)) => t.ints.insert(i, id),
            parts => t.others.insert(parts, id),
        }
    }

    /// Forgets `key`, returning its entry.
    pub(crate) fn remove(&mut self, key: &IdentityKey) -> Option<usize> {
        let at = self.position(key.table)?;
        let t = &mut self.tables[at];
        match &key.key {
            Parts::One(KeyPart::Int(i)) => t.ints.remove(i),
            parts => t.others.remove(parts),
        }
    }

    /// Keeps only the keys whose entry `keep` says is still there.
    pub(crate) fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        for t in &mut self.tables {
            t.ints.retain(|_, id| keep(*id));
            t.others.retain(|_, id| keep(*id));
        }
    }

    /// Makes room for `n` more integer keys of `table`.
    pub(crate) fn reserve(&mut self, table: &'static str, n: usize) {
        self.table_mut(table).ints.reserve(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_widths_are_one_key_and_null_keys_are_none() {
        assert_eq!(
            IdentityKey::new("t", &[Value::I32(1)]),
            IdentityKey::new("t", &[Value::I64(1)])
        );
        assert_ne!(
            IdentityKey::new("t", &[Value::I64(1)]),
            IdentityKey::new("u", &[Value::I64(1)])
        );
        assert_eq!(IdentityKey::new("t", &[Value::Null]), None);
    }
}
