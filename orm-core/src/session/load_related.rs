//! Loading relationships: one batched `SELECT ... WHERE key IN (...)` per relationship and level,
//! the batches bounded by the dialect's parameter limit. Nothing is ever loaded implicitly.

use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::identity::KeyPart;
use super::{Obj, Session};
use crate::backend::RowReader;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::keyed::RelatedRows;
use crate::relation::{Relation, RelationKind};
use crate::value::Value;

/// Related rows grouped by the key they hang from.
type Groups<T> = HashMap<KeyPart, Vec<Obj<T>>>;

impl Session {
    /// Loads relationship `relation` of every object in `parents` (SQLAlchemy's select-in loading):
    /// one statement per batch of parents, however many there are, instead of one per parent. The
    /// related objects go into the parents' relationship fields (and, with `back_populates`, each
    /// child's inverse to-one field points at its parent); they are also returned, each once, for a
    /// next level.
    ///
    /// A to-one relationship whose targets are all in the identity map already runs no statement.
    ///
    /// # Errors
    ///
    /// A database error; [`Error::Config`] for a write-only relationship (query it with
    /// [`Relation::select`]) or a relationship whose foreign key cannot be resolved.
    ///
    /// # Examples
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # use orm_core::{BelongsTo, HasMany};
    /// # #[derive(Model, Debug)]
    /// # pub struct User {
    /// #     #[orm(primary_key)]
    /// #     pub id: Option<i64>,
    /// #     pub name: String,
    /// #     #[orm(back_populates = author)]
    /// #     pub posts: HasMany<Post>,
    /// # }
    /// # #[derive(Model, Debug)]
    /// # pub struct Post {
    /// #     #[orm(primary_key)]
    /// #     pub id: Option<i64>,
    /// #     pub body: String,
    /// #     #[orm(foreign_key = User)]
    /// #     pub user_id: i64,
    /// #     #[orm(back_populates = posts)]
    /// #     pub author: BelongsTo<User>,
    /// # }
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all()?;
    /// # let mut session = engine.session();
    /// # let u = session.add(User::new("john"));
    /// # session.add(Post::new("hello").with_author(&u));
    /// # session.commit()?;
    /// let users = session.all(select::<User>())?;
    /// session.load_related(&users, User::posts)?;          // one statement for all users
    /// assert_eq!(users[0].read().posts.get()?.len(), 1);
    /// # Ok::<(), orm_core::Error>(())
    /// ```
    pub fn load_related<P: Model, T: Model>(
        &mut self,
        parents: &[Obj<P>],
        relation: Relation<P, T>,
    ) -> Result<Vec<Obj<T>>> {
        let def = relation.def()?;
        let r = def.resolve()?;
        if def.kind == RelationKind::WriteOnly {
            return Err(Error::config(format!(
                "`{}` is write-only and never loaded; help: query it with `{}::{}.select(&parent)`",
                def.qualified_name(),
                std::any::type_name::<P>()
                    .rsplit("::")
                    .next()
                    .unwrap_or("Model"),
                def.name
            )));
        }
        self.autoflush()?;
        let keys = parent_keys(parents, r.local)?;
        let target = T::table();
        let mut groups: Groups<T> = HashMap::default();
        let mut missing: Vec<Value> = Vec::new();
        if def.kind == RelationKind::BelongsTo && target.primary_key.len() == 1 {
            // Targets loaded already need no statement.
            for key in &keys {
                match self.lookup::<T>(std::slice::from_ref(key))? {
                    Some(Some(obj)) => {
                        groups.insert(KeyPart::from(key), vec![obj]);
                    }
                    _ => missing.push(key.clone()),
                }
            }
        } else {
            missing = keys;
        }
        let through = match (def.kind, r.through, def.through) {
            (RelationKind::ManyToMany, Some(cols), Some(t)) => Some(((t.table)(), cols)),
            _ => None,
        };
        let batch = self.engine().dialect().max_params().max(1);
        for chunk in missing.chunks(batch) {
            let shape = RelatedRows {
                target,
                column: r.remote,
                through,
                rows: chunk.len(),
                ordered: def.kind.is_many(),
            };
            let sql = shape.sql(self.engine().dialect());
            // The parent key each row hangs from: the association's column after the target's,
            // or the target's own foreign key.
            let group_by = match through {
                Some(_) => T::COLUMNS.len(),
                None => r.remote,
            };
            self.reserve_entries::<T>(chunk.len());
            self.with_connection_taken(|conn, session| {
                conn.query_rows(&sql, chunk, |row| {
                    let key = row
                        .value(group_by)
                        .map_err(|e| e.at(T::TABLE_NAME, row.column_name(group_by)))?;
                    let obj = session.load_from::<T>(&mut RowReader::new(row))?;
                    if !key.is_null() {
                        groups.entry(KeyPart::from(&key)).or_default().push(obj);
                    }
                    Ok(true)
                })
            })?;
        }
        let mut out: Vec<Obj<T>> = Vec::new();
        let mut seen: HashSet<usize> = HashSet::default();
        let mut done: HashSet<usize> = HashSet::default();
        for parent in parents {
            // The same object twice in `parents` (a join repeats rows) is filled once.
            if !done.insert(Arc::as_ptr(&parent.cell) as *const () as usize) {
                continue;
            }
            let key = parent.read().column_value(r.local);
            let related = if key.is_null() {
                Vec::new()
            } else if def.kind == RelationKind::BelongsTo {
                groups
                    .get(&KeyPart::from(&key))
                    .cloned()
                    .unwrap_or_default()
            } else {
                // Distinct parent objects have distinct keys: each group is taken once, not copied.
                groups.remove(&KeyPart::from(&key)).unwrap_or_default()
            };
            for child in &related {
                if seen.insert(Arc::as_ptr(&child.cell) as *const () as usize) {
                    out.push(child.clone());
                }
                // The inverse of a one-to-many is the child's to-one: it is its parent, whole.
                if let (Some(back), RelationKind::HasMany) = (relation.back, def.kind) {
                    back(&mut *child.write_untracked()?).set_inverse(parent);
                }
            }
            (relation.field)(&mut *parent.write_untracked()?).set_loaded(related);
        }
        Ok(out)
    }

    /// [`Session::load_related`] for one object.
    ///
    /// # Errors
    ///
    /// As [`Session::load_related`].
    pub fn load_related_one<P: Model, T: Model>(
        &mut self,
        parent: &Obj<P>,
        relation: Relation<P, T>,
    ) -> Result<Vec<Obj<T>>> {
        self.load_related(std::slice::from_ref(parent), relation)
    }
}

/// The distinct non-NULL values of column `local` of the parents.
fn parent_keys<P: Model>(parents: &[Obj<P>], local: usize) -> Result<Vec<Value>> {
    let mut seen: HashSet<KeyPart> = HashSet::default();
    let mut keys = Vec::with_capacity(parents.len());
    for p in parents {
        let v = p.try_read()?.column_value(local);
        if !v.is_null() && seen.insert(KeyPart::from(&v)) {
            keys.push(v);
        }
    }
    Ok(keys)
}
