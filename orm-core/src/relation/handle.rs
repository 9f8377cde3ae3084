//! [`Relation`]: the typed handle `#[derive(Model)]` generates for each relationship field
//! (`User::posts`), and load plans built from it ([`Then`] for nested loading).

use std::fmt;
use std::marker::PhantomData;

use super::field::Slot;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::Obj;
use crate::query::{select, Entity, Join, Node, Select, Source};
use crate::schema::{RelationDef, RelationKind};
use crate::session::Session;

/// A typed handle on relationship field number `index` of model `P`, whose objects are `T`s:
/// `User::posts` is a `Relation<User, Post>`. Pass it to [`Session::load_related`],
/// [`Session::append`], [`Session::remove`], or a query's `.eager(...)` / `.joined(...)`.
pub struct Relation<P, T> {
    index: usize,
    pub(crate) field: fn(&mut P) -> &mut dyn Slot<T>,
    pub(crate) back: Option<fn(&mut T) -> &mut dyn Slot<P>>,
    _marker: PhantomData<fn() -> (P, T)>,
}

impl<P, T> Clone for Relation<P, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, T> Copy for Relation<P, T> {}

impl<P: Model, T: Model> fmt::Debug for Relation<P, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.def() {
            Ok(def) => write!(f, "Relation({})", def.qualified_name()),
            Err(_) => write!(f, "Relation({}#{})", P::TABLE_NAME, self.index),
        }
    }
}

impl<P: Model, T: Model> Relation<P, T> {
    /// The handle of relationship `index`; `field` reaches the field, `back` the inverse one.
    #[doc(hidden)]
    pub const fn new(
        index: usize,
        field: fn(&mut P) -> &mut dyn Slot<T>,
        back: Option<fn(&mut T) -> &mut dyn Slot<P>>,
    ) -> Self {
        Relation {
            index,
            field,
            back,
            _marker: PhantomData,
        }
    }

    /// The relationship's metadata.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a handle that does not match the model's metadata (a hand-written model).
    pub fn def(&self) -> Result<&'static RelationDef> {
        P::relations().get(self.index).ok_or_else(|| {
            Error::config(format!(
                "`{}` has no relationship number {}",
                P::TABLE_NAME,
                self.index
            ))
        })
    }

    /// Loads the next level after this one: `User::posts.then(Post::comments)` loads the users'
    /// posts, then those posts' comments (one statement per level).
    pub fn then<R: LoadPlan<T>>(self, next: R) -> Then<P, T, R> {
        Then { first: self, next }
    }

    /// The related rows of `parent` as a query (the seed's `u.posts.select()`), for any to-many
    /// relationship; run it with [`Session::all`], filter or order it further.
    ///
    /// A parent without a key yet (not flushed) makes the query fail with [`Error::Config`].
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
    /// let posts = session.all(User::posts.select(&u))?;
    /// assert_eq!(posts[0].read().body, "hello");
    /// # Ok::<(), orm_core::Error>(())
    /// ```
    pub fn select(&self, parent: &Obj<P>) -> Select<Entity<T>> {
        let mut q = select::<T>();
        if let Err(e) = self.filter_into(parent, &mut q) {
            q.core.error.get_or_insert(e.config_message());
        }
        q
    }

    fn filter_into(&self, parent: &Obj<P>, q: &mut Select<Entity<T>>) -> Result<()> {
        let def = self.def()?;
        let r = def.resolve()?;
        let key = parent.read().column_value(r.local);
        if key.is_null() {
            return Err(Error::config(format!(
                "`{}`: the parent has no key yet; flush or commit it first",
                def.qualified_name()
            )));
        }
        let target = T::table();
        let remote = Node::column(T::TABLE_NAME, target.columns[r.remote].name.as_str());
        match (def.kind, r.through, def.through) {
            (RelationKind::ManyToMany, Some((local_fk, remote_fk)), Some(through)) => {
                let assoc = (through.table)();
                let on = Node::column(assoc.name.as_str(), assoc.columns[remote_fk].name.as_str())
                    .binary(" = ", remote);
                q.core.joins.push(Join {
                    left: false,
                    source: Source {
                        table: assoc.name.as_str(),
                        alias: None,
                        def: Some(assoc),
                    },
                    on,
                });
                q.core.filters.push(
                    Node::column(assoc.name.as_str(), assoc.columns[local_fk].name.as_str())
                        .binary(" = ", Node::value(key)),
                );
            }
            (RelationKind::BelongsTo, ..) => {
                return Err(Error::config(format!(
                    "`{}` is a to-one relationship: use `load_related` or `joined`",
                    def.qualified_name()
                )))
            }
            _ => q.core.filters.push(remote.binary(" = ", Node::value(key))),
        }
        Ok(())
    }
}

/// Something that loads related objects into a slice of parents: a [`Relation`] (one level) or a
/// [`Then`] (nested levels).
pub trait LoadPlan<P>: Send + Sync + fmt::Debug + 'static {
    /// Loads the related objects of `parents` into their relationship fields.
    ///
    /// # Errors
    ///
    /// A database error, or [`Error::Config`] for a relationship that cannot be loaded.
    fn load(&self, session: &mut Session, parents: &[Obj<P>]) -> Result<()>;
}

impl<P: Model, T: Model> LoadPlan<P> for Relation<P, T> {
    fn load(&self, session: &mut Session, parents: &[Obj<P>]) -> Result<()> {
        session.load_related(parents, *self).map(drop)
    }
}

/// A relationship, then a plan for its objects: `User::posts.then(Post::comments)`.
pub struct Then<P, T, R> {
    first: Relation<P, T>,
    next: R,
}

impl<P: Model, T: Model, R: fmt::Debug> fmt::Debug for Then<P, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}.then({:?})", self.first, self.next)
    }
}

impl<P: Model, T: Model, R: LoadPlan<T>> LoadPlan<P> for Then<P, T, R> {
    fn load(&self, session: &mut Session, parents: &[Obj<P>]) -> Result<()> {
        let children = session.load_related(parents, self.first)?;
        self.next.load(session, &children)
    }
}
