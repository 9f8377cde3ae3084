//! Writing through relationships: assignments to `BelongsTo` fields become foreign key links at
//! flush; [`Session::append`] and [`Session::remove`] add and remove related objects (association
//! rows for a many-to-many), all flushed and journaled like every other change.

use std::sync::Arc;

use super::identity::IdentityKey;
use super::state::{Entry, Link, State};
use super::{Obj, Session};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::AnyObj;
use crate::relation::{Relation, RelationKind};
use crate::value::Value;

impl Session {
    /// Turns the targets assigned to `BelongsTo` fields of new and written objects into foreign key
    /// links, adding targets the session does not track yet (SQLAlchemy's save-update cascade).
    pub(crate) fn link_assigned(&mut self) -> Result<()> {
        let ids: Vec<usize> = self
            .entries
            .ids()
            .filter(|&id| {
                self.entries
                    .get(id)
                    .and_then(|e| e.obj().map(|o| (e.state, o)))
                    .is_some_and(|(state, o)| {
                        !o.relations().is_empty()
                            && (state == State::Pending || o.committed().is_some())
                    })
            })
            .collect();
        for id in ids {
            let Some(obj) = self.entries.get(id).and_then(Entry::obj) else {
                continue;
            };
            for (i, target) in obj.take_assigned()? {
                let def = &obj.relations()[i];
                let r = def.resolve()?;
                let parent = self.attach_erased(target.0)?;
                self.push_link(id, r.local, parent, r.remote);
            }
        }
        Ok(())
    }

    fn push_link(&mut self, child: usize, column: usize, parent: usize, parent_column: usize) {
        self.entries.add_link(
            child,
            Link {
                column,
                parent,
                parent_column,
            },
        );
    }

    /// Adds `child` to `parent`'s to-many relationship: its foreign key is set at flush (after
    /// `parent` is inserted, when it is new), or, for a many-to-many, an association row is inserted
    /// at flush. Both objects join the session when they are not in it; a loaded collection and the
    /// inverse relationship (`back_populates`) are kept in step.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a to-one relationship (assign it instead: `p.write().author.set(&u)`)
    /// or one whose foreign key cannot be resolved.
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
    /// let p = session.add(Post::new("second"));
    /// session.append(&u, User::posts, &p)?;
    /// session.commit()?; // INSERT the post with user_id = u's id
    /// assert_eq!(p.read().user_id, u.read().id.unwrap());
    /// # Ok::<(), orm_core::Error>(())
    /// ```
    pub fn append<P: Model, T: Model>(
        &mut self,
        parent: &Obj<P>,
        relation: Relation<P, T>,
        child: &Obj<T>,
    ) -> Result<()> {
        let def = relation.def()?;
        let r = def.resolve()?;
        let parent_id = self.attach_erased(parent.erased())?;
        let child_id = self.attach_erased(child.erased())?;
        match (def.kind, r.through, def.through) {
            (RelationKind::BelongsTo, ..) => {
                return Err(Error::config(format!(
                    "`{}` is a to-one relationship: assign it with `.set(&target)`",
                    def.qualified_name()
                )))
            }
            (RelationKind::ManyToMany, Some((lf, rf)), Some(through)) => {
                let assoc = (through.table)();
                let pv = parent.try_read()?.column_value(r.local);
                let cv = child.try_read()?.column_value(r.remote);
                let placeholder = |v: Value| if v.is_null() { Value::I64(0) } else { v };
                let (pv, cv) = (placeholder(pv), placeholder(cv));
                let values = (0..assoc.columns.len())
                    .map(|i| match i {
                        _ if i == lf => pv.clone(),
                        _ if i == rf => cv.clone(),
                        _ => Value::Null,
                    })
                    .collect();
                let row = (through.make)(values)?;
                let row_id = self.attach_erased(row.0)?;
                self.push_link(row_id, lf, parent_id, r.local);
                self.push_link(row_id, rf, child_id, r.remote);
            }
            _ => self.push_link(child_id, r.remote, parent_id, r.local),
        }
        (relation.field)(&mut *parent.write_untracked()?).added(child);
        if let Some(back) = relation.back {
            back(&mut *child.write_untracked()?).set_inverse(parent);
        }
        Ok(())
    }

    /// Removes `child` from `parent`'s to-many relationship: with `cascade = "delete, delete-orphan"`
    /// the child is deleted at flush, otherwise its foreign key is set to NULL; for a many-to-many
    /// the association row is deleted at flush.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the foreign key is not nullable and the relationship does not delete
    /// orphans, for a to-one relationship, or a many-to-many pair whose keys are not known yet.
    pub fn remove<P: Model, T: Model>(
        &mut self,
        parent: &Obj<P>,
        relation: Relation<P, T>,
        child: &Obj<T>,
    ) -> Result<()> {
        let def = relation.def()?;
        let r = def.resolve()?;
        match (def.kind, r.through, def.through) {
            (RelationKind::BelongsTo, ..) => {
                return Err(Error::config(format!(
                    "`{}` is a to-one relationship: assign another target instead",
                    def.qualified_name()
                )))
            }
            (RelationKind::ManyToMany, Some((lf, rf)), Some(through)) => {
                self.remove_pair(parent, child, (lf, rf), r.local, r.remote, through)?;
            }
            _ if def.delete_orphan => self.delete(child),
            _ => {
                let column = &T::table().columns[r.remote];
                if !column.nullable {
                    return Err(Error::config(format!(
                        "cannot remove from `{}`: `{}.{}` is not nullable; help: declare \
                         cascade = \"delete, delete-orphan\" on the relationship, or delete the object",
                        def.qualified_name(),
                        T::TABLE_NAME,
                        column.name
                    )));
                }
                if let Some(id) = self.entries.find(&*child.erased()) {
                    if let Some(e) = self.entries.get(id) {
                        let state = e.state;
                        let links = e.links.iter().filter(|l| l.column != r.remote).copied();
                        let links = links.collect();
                        self.entries.set_state(id, state, links);
                    }
                }
                child
                    .write()
                    .set_column_value(r.remote, Value::Null)
                    .map_err(|e| Error::InvalidValue(e.0))?;
            }
        }
        (relation.field)(&mut *parent.write_untracked()?).removed(child);
        if let Some(back) = relation.back {
            back(&mut *child.write_untracked()?).removed(parent);
        }
        Ok(())
    }

    /// Deletes the association row of a many-to-many pair: a pending one is forgotten, a stored one is
    /// deleted by its key at flush.
    fn remove_pair<P: Model, T: Model>(
        &mut self,
        parent: &Obj<P>,
        child: &Obj<T>,
        (lf, rf): (usize, usize),
        local: usize,
        remote: usize,
        through: crate::relation::Through,
    ) -> Result<()> {
        let assoc = (through.table)();
        let parent_id = self.entries.find(&*parent.erased());
        let child_id = self.entries.find(&*child.erased());
        let links_to = |e: &Entry, column: usize, id: Option<usize>| {
            e.links
                .iter()
                .any(|l| l.column == column && Some(l.parent) == id)
        };
        let pending = self.entries.ids().find(|&id| {
            self.entries.get(id).is_some_and(|e| {
                e.state == State::Pending
                    && e.obj().is_some_and(|o| o.table().name == assoc.name)
                    && links_to(e, lf, parent_id)
                    && links_to(e, rf, child_id)
            })
        });
        if let Some(id) = pending {
            self.entries.replace(id, None);
            return Ok(());
        }
        let pv = parent.try_read()?.column_value(local);
        let cv = child.try_read()?.column_value(remote);
        if pv.is_null() || cv.is_null() {
            return Err(Error::config(format!(
                "cannot remove a `{}` pair whose objects have no key yet",
                assoc.name
            )));
        }
        let values: Vec<Value> = (0..assoc.columns.len())
            .map(|i| match i {
                _ if i == lf => pv.clone(),
                _ if i == rf => cv.clone(),
                _ => Value::Null,
            })
            .collect();
        let row: Arc<dyn AnyObj> = (through.make)(values.clone())?.0;
        let Some(key) = IdentityKey::of_row(assoc.name.as_str(), &values, row.pk_indexes()) else {
            return Err(Error::config(format!(
                "cannot remove a pair from `{}`: its primary key must be its two foreign keys",
                assoc.name
            )));
        };
        if let Some(&id) = self.entries.identity.get(&key) {
            if self.entries.get(id).is_some_and(|e| e.obj().is_some()) {
                self.entries.mark_deleting(id);
                return Ok(());
            }
        }
        // The row is in the database: deleted by its key.
        row.set_persistent(true);
        self.entries.push_keyed(&row, State::Deleting, Some(key));
        Ok(())
    }
}
