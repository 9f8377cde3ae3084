//! Eager loading per query: `select::<User>().eager(User::posts)` (select-in: one more statement per
//! relationship and level) and `select::<Post>().joined(Post::author)` (a LEFT JOIN in the same
//! statement, for to-one relationships).

use std::fmt;
use std::sync::Arc;

use super::handle::{LoadPlan, Relation};
use crate::backend::RowReader;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::Obj;
use crate::query::{Entity, Join, Node, Select, Selection, Source};
use crate::schema::RelationKind;
use crate::session::{Decode, Session};

/// The loading [`Select::eager_defaults`] applies to a model's relationships: each field's
/// `lazy = "selectin"` / `"joined"`. `#[derive(Model)]` implements it.
pub trait EagerDefaults: Model {
    /// Adds each relationship's default eager loading to `select`.
    fn eager_defaults(select: Select<Eager<Self>>) -> Select<Eager<Self>> {
        select
    }
}

/// A to-one relationship loaded through a LEFT JOIN: decodes its columns from each row.
trait JoinedLoad<P>: Send + Sync {
    fn width(&self) -> usize;
    fn decode(&self, parent: &Obj<P>, row: &mut RowReader<'_>, session: &mut Session)
        -> Result<()>;
    fn name(&self) -> String;
}

impl<P: Model, T: Model> JoinedLoad<P> for Relation<P, T> {
    fn width(&self) -> usize {
        T::COLUMNS.len()
    }

    fn decode(
        &self,
        parent: &Obj<P>,
        row: &mut RowReader<'_>,
        session: &mut Session,
    ) -> Result<()> {
        let at = row.position();
        let mut absent = true;
        for &i in T::primary_key_indexes() {
            absent &= row.row().is_null(at + i).unwrap_or(true);
        }
        let related = if absent {
            row.skip(T::COLUMNS.len());
            Vec::new()
        } else {
            vec![session.load_from::<T>(row)?]
        };
        (self.field)(&mut *parent.write_untracked()?).set_loaded(related);
        Ok(())
    }

    fn name(&self) -> String {
        format!("{self:?}")
    }
}

/// Every column of model `M` plus the eager loads asked for: rows come back as [`Obj<M>`] with the
/// relationships filled. Made by [`Select::eager`], [`Select::joined`] and
/// [`Select::eager_defaults`].
pub struct Eager<M> {
    joined: Vec<Arc<dyn JoinedLoad<M>>>,
    plans: Vec<Arc<dyn LoadPlan<M>>>,
}

impl<M> Clone for Eager<M> {
    fn clone(&self) -> Self {
        Eager {
            joined: self.joined.clone(),
            plans: self.plans.clone(),
        }
    }
}

impl<M: Model> fmt::Debug for Eager<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Eager")
            .field("model", &M::TABLE_NAME)
            .field(
                "joined",
                &self.joined.iter().map(|j| j.name()).collect::<Vec<_>>(),
            )
            .field("select_in", &self.plans)
            .finish()
    }
}

impl<M: Model> Selection for Eager<M> {
    type Output = Obj<M>;

    fn push_nodes(&self, out: &mut Vec<Node>) {
        Entity::<M>::new().push_nodes(out);
    }

    fn width(&self) -> usize {
        M::COLUMNS.len() + self.joined.iter().map(|j| j.width()).sum::<usize>()
    }

    fn first_table(&self) -> Option<crate::query::FromTable> {
        Entity::<M>::new().first_table()
    }
}

impl<M: Model> Decode for Eager<M> {
    fn decode(&self, row: &mut RowReader<'_>, session: &mut Session) -> Result<Obj<M>> {
        let parent = session.load_from::<M>(row)?;
        for j in &self.joined {
            j.decode(&parent, row, session)?;
        }
        Ok(parent)
    }

    fn finish(&self, out: &mut Vec<Obj<M>>, session: &mut Session) -> Result<()> {
        for plan in &self.plans {
            plan.load(session, out)?;
        }
        Ok(())
    }
}

impl<M: Model> Select<Entity<M>> {
    fn into_eager(self) -> Select<Eager<M>> {
        Select {
            core: self.core,
            selection: Eager {
                joined: Vec::new(),
                plans: Vec::new(),
            },
        }
    }

    /// Loads a relationship (or a nested path, `User::posts.then(Post::comments)`) of every row by
    /// select-in: one more statement per relationship and level, however many rows.
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
    /// let users = session.all(select::<User>().eager(User::posts))?; // 2 statements
    /// assert_eq!(users[0].read().posts.get()?.len(), 1);
    /// # Ok::<(), orm_core::Error>(())
    /// ```
    pub fn eager(self, plan: impl LoadPlan<M>) -> Select<Eager<M>> {
        self.into_eager().eager(plan)
    }

    /// Loads a to-one relationship of every row through a LEFT JOIN in the same statement.
    pub fn joined<T: Model>(self, relation: Relation<M, T>) -> Select<Eager<M>> {
        self.into_eager().joined(relation)
    }

    /// Applies each relationship's default loading (`lazy = "selectin"` / `"joined"`).
    pub fn eager_defaults(self) -> Select<Eager<M>>
    where
        M: EagerDefaults,
    {
        M::eager_defaults(self.into_eager())
    }
}

impl<M: Model> Select<Eager<M>> {
    /// As [`Select::eager`] on a model query.
    pub fn eager(mut self, plan: impl LoadPlan<M>) -> Self {
        self.selection.plans.push(Arc::new(plan));
        self
    }

    /// As [`Select::joined`] on a model query.
    pub fn joined<T: Model>(mut self, relation: Relation<M, T>) -> Self {
        match join_on(relation) {
            Ok((join, columns)) => {
                self.core.joins.push(join);
                self.core.columns.extend(columns);
                self.selection.joined.push(Arc::new(relation));
            }
            Err(e) => {
                self.core.error.get_or_insert(e.config_message());
            }
        }
        self
    }

    /// As [`Select::eager_defaults`] on a model query.
    pub fn eager_defaults(self) -> Self
    where
        M: EagerDefaults,
    {
        M::eager_defaults(self)
    }
}

/// The LEFT JOIN of a to-one relationship's table (aliased by the relationship's name) and its
/// columns.
fn join_on<M: Model, T: Model>(relation: Relation<M, T>) -> Result<(Join, Vec<Node>)> {
    let def = relation.def()?;
    if def.kind != RelationKind::BelongsTo {
        return Err(Error::config(format!(
            "joined loading is for to-one relationships; help: load `{}` with `.eager(...)` \
             (select-in)",
            def.qualified_name()
        )));
    }
    let r = def.resolve()?;
    let alias = def.name;
    let on = Node::aliased_column(
        T::TABLE_NAME,
        alias,
        T::table().columns[r.remote].name.as_str(),
    )
    .binary(
        " = ",
        Node::column(M::TABLE_NAME, M::table().columns[r.local].name.as_str()),
    );
    let join = Join {
        left: true,
        source: Source {
            table: T::TABLE_NAME,
            alias: Some(alias),
            def: Some(T::table()),
        },
        on,
    };
    let columns = T::COLUMNS
        .iter()
        .map(|c| Node::aliased_column(T::TABLE_NAME, alias, c))
        .collect();
    Ok((join, columns))
}
