//! The relationship field types: [`BelongsTo`], [`HasMany`], [`WriteOnly`], [`ManyToMany`].
//!
//! A field holds what was loaded into it (or, for a `BelongsTo`, the object assigned to it); it never
//! loads anything by itself. Reading one that was not loaded is [`Error::NotLoaded`].
//!
//! A relationship filled in as the *inverse* of another (`post.author` when `user.posts` is loaded
//! with `back_populates`) holds a weak reference: the other side already holds this object, and two
//! strong references would keep both alive for ever. Such a back-reference is there while its target
//! is; once the target is dropped, reading it is [`Error::NotLoaded`].
//!
//! The fields take no part in equality (`PartialEq` is always true for them: two objects are equal
//! when their columns are), and their `Debug` does not print the related objects, which may point back.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Weak};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::{Cell, ErasedObj, Obj};

/// Where the session puts loaded objects, and keeps an inverse relationship in step.
pub trait Slot<T>: Send + Sync {
    /// Stores the loaded related objects (a to-one keeps the first, or none).
    fn set_loaded(&mut self, objs: Vec<Obj<T>>);
    /// `obj` was added to the relationship: keep a loaded value in step.
    fn added(&mut self, obj: &Obj<T>);
    /// `obj` is this relationship's target as the inverse of another one that holds this object:
    /// kept as a weak reference, so that the pair does not keep itself alive.
    fn set_inverse(&mut self, obj: &Obj<T>);
    /// `obj` was removed from the relationship: keep a loaded value in step.
    fn removed(&mut self, obj: &Obj<T>);
}

fn not_loaded(name: &'static str, target: &'static str) -> Error {
    Error::NotLoaded {
        relation: if name.is_empty() { "?" } else { name }.to_owned(),
        target: target.to_owned(),
    }
}

enum ToOne<T> {
    NotLoaded,
    Loaded(Option<Obj<T>>),
    /// The inverse of a loaded collection: weak (see the module docs).
    Back(Weak<Cell<T>>),
    /// Assigned by the application; the session turns it into a foreign key link.
    Assigned(Obj<T>),
}

/// A to-one relationship over a foreign key of this model (`Post.author` over `post.user_id`).
///
/// Assign it before anything is flushed (`Post::new("hi").with_author(&u)`, or
/// `p.write().author.set(&u)`): the flush fills the foreign key from the target's key, inserting the
/// target first when it is new.
pub struct BelongsTo<T> {
    name: &'static str,
    state: ToOne<T>,
}

impl<T: Model> BelongsTo<T> {
    /// Not loaded; `name` is `table.field`, for messages.
    #[doc(hidden)]
    pub const fn unloaded(name: &'static str) -> Self {
        BelongsTo {
            name,
            state: ToOne::NotLoaded,
        }
    }

    /// Points the relationship at `target`; the foreign key is filled at flush.
    pub fn set(&mut self, target: &Obj<T>) {
        self.state = ToOne::Assigned(target.clone());
    }

    /// The related object.
    ///
    /// # Errors
    ///
    /// [`Error::NotLoaded`] when it was not loaded; [`Error::NotFound`] when it was loaded and there is
    /// none (a NULL foreign key).
    pub fn get(&self) -> Result<Obj<T>> {
        self.get_opt()?.ok_or_else(|| Error::NotFound {
            table: T::TABLE_NAME.to_owned(),
        })
    }

    /// The related object, `None` for a NULL foreign key.
    ///
    /// # Errors
    ///
    /// [`Error::NotLoaded`] when it was not loaded.
    pub fn get_opt(&self) -> Result<Option<Obj<T>>> {
        match &self.state {
            ToOne::NotLoaded => Err(not_loaded(self.name, T::TABLE_NAME)),
            ToOne::Loaded(o) => Ok(o.clone()),
            ToOne::Back(weak) => match weak.upgrade() {
                Some(cell) => Ok(Some(Obj { cell })),
                None => Err(not_loaded(self.name, T::TABLE_NAME)),
            },
            ToOne::Assigned(o) => Ok(Some(o.clone())),
        }
    }

    /// Whether it was loaded or assigned.
    pub fn is_loaded(&self) -> bool {
        !matches!(self.state, ToOne::NotLoaded)
    }

    /// The assigned target, once: it becomes the loaded value. Used by the session.
    #[doc(hidden)]
    pub fn take_assigned(&mut self) -> Option<ErasedObj> {
        if let ToOne::Assigned(o) = &self.state {
            let o = o.clone();
            let erased = ErasedObj::of(&o);
            self.state = ToOne::Loaded(Some(o));
            return Some(erased);
        }
        None
    }
}

impl<T: Model> Slot<T> for BelongsTo<T> {
    fn set_loaded(&mut self, objs: Vec<Obj<T>>) {
        if !matches!(self.state, ToOne::Assigned(_)) {
            self.state = ToOne::Loaded(objs.into_iter().next());
        }
    }

    fn added(&mut self, obj: &Obj<T>) {
        self.state = ToOne::Loaded(Some(obj.clone()));
    }

    fn set_inverse(&mut self, obj: &Obj<T>) {
        if !matches!(self.state, ToOne::Assigned(_)) {
            self.state = ToOne::Back(Arc::downgrade(&obj.cell));
        }
    }

    fn removed(&mut self, obj: &Obj<T>) {
        let points_at = match &self.state {
            ToOne::Loaded(Some(o)) | ToOne::Assigned(o) => o.ptr_eq(obj),
            ToOne::Back(weak) => std::ptr::eq(weak.as_ptr(), Arc::as_ptr(&obj.cell)),
            _ => false,
        };
        if points_at {
            self.state = ToOne::Loaded(None);
        }
    }
}

/// A member of a loaded collection: strong, or weak when it was added as the inverse of a
/// relationship that holds this collection's owner (see the module docs).
enum Member<T> {
    Strong(Obj<T>),
    Weak(Weak<Cell<T>>),
}

impl<T> Member<T> {
    fn is(&self, obj: &Obj<T>) -> bool {
        match self {
            Member::Strong(o) => Arc::ptr_eq(&o.cell, &obj.cell),
            Member::Weak(w) => std::ptr::eq(w.as_ptr(), Arc::as_ptr(&obj.cell)),
        }
    }

    fn upgrade(&self) -> Option<Obj<T>> {
        match self {
            Member::Strong(o) => Some(Obj {
                cell: o.cell.clone(),
            }),
            Member::Weak(w) => w.upgrade().map(|cell| Obj { cell }),
        }
    }
}

impl<T> Clone for Member<T> {
    fn clone(&self) -> Self {
        match self {
            Member::Strong(o) => Member::Strong(Obj {
                cell: o.cell.clone(),
            }),
            Member::Weak(w) => Member::Weak(w.clone()),
        }
    }
}

/// Collections: `HasMany` and `ManyToMany` share their storage.
struct Many<T> {
    name: &'static str,
    loaded: Option<Vec<Member<T>>>,
}

impl<T: Model> Many<T> {
    fn get(&self) -> Result<Vec<Obj<T>>> {
        let members = self
            .loaded
            .as_deref()
            .ok_or_else(|| not_loaded(self.name, T::TABLE_NAME))?;
        // A member held weakly that is gone leaves the collection incomplete: say so.
        members
            .iter()
            .map(|m| {
                m.upgrade()
                    .ok_or_else(|| not_loaded(self.name, T::TABLE_NAME))
            })
            .collect()
    }

    fn push(&mut self, member: Member<T>, obj: &Obj<T>) {
        if let Some(v) = &mut self.loaded {
            if !v.iter().any(|m| m.is(obj)) {
                v.push(member);
            }
        }
    }

    fn added(&mut self, obj: &Obj<T>) {
        self.push(Member::Strong(obj.clone()), obj);
    }

    fn set_inverse(&mut self, obj: &Obj<T>) {
        self.push(Member::Weak(Arc::downgrade(&obj.cell)), obj);
    }

    fn removed(&mut self, obj: &Obj<T>) {
        if let Some(v) = &mut self.loaded {
            v.retain(|m| !m.is(obj));
        }
    }
}

macro_rules! collection {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<T> {
            many: Many<T>,
        }

        impl<T: Model> $name<T> {
            /// Not loaded; `name` is `table.field`, for messages.
            #[doc(hidden)]
            pub const fn unloaded(name: &'static str) -> Self {
                $name { many: Many { name, loaded: None } }
            }

            /// The loaded objects.
            ///
            /// # Errors
            ///
            /// [`Error::NotLoaded`] when the collection was not loaded.
            pub fn get(&self) -> Result<Vec<Obj<T>>> {
                self.many.get()
            }

            /// Whether the collection was loaded.
            pub fn is_loaded(&self) -> bool {
                self.many.loaded.is_some()
            }
        }

        impl<T: Model> Slot<T> for $name<T> {
            fn set_loaded(&mut self, objs: Vec<Obj<T>>) {
                self.many.loaded = Some(objs.into_iter().map(Member::Strong).collect());
            }

            fn added(&mut self, obj: &Obj<T>) {
                self.many.added(obj);
            }

            fn set_inverse(&mut self, obj: &Obj<T>) {
                self.many.set_inverse(obj);
            }

            fn removed(&mut self, obj: &Obj<T>) {
                self.many.removed(obj);
            }
        }

        impl<T> Default for $name<T> {
            fn default() -> Self {
                $name { many: Many { name: "", loaded: None } }
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name { many: Many { name: self.many.name, loaded: self.many.loaded.clone() } }
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.many.loaded {
                    Some(v) => write!(f, "{}({} loaded)", stringify!($name), v.len()),
                    None => write!(f, "{}(not loaded)", stringify!($name)),
                }
            }
        }

        impl<T> PartialEq for $name<T> {
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }
    };
}

collection!(
    /// A to-many relationship over a foreign key of the target (`User.posts` over `post.user_id`),
    /// loaded explicitly ([`crate::Session::load_related`]) or eagerly per query.
    HasMany
);

collection!(
    /// A to-many relationship through an association model (`User.following` through `follow`).
    ManyToMany
);

/// A to-many relationship that is never loaded (the seed's `so.WriteOnlyMapped`): it yields a query
/// of the related rows (`User::posts.select(&u)`) and adds and removes through the session.
pub struct WriteOnly<T> {
    _target: PhantomData<fn() -> T>,
}

impl<T> WriteOnly<T> {
    /// The (empty) field.
    #[doc(hidden)]
    pub const fn unloaded(_name: &'static str) -> Self {
        WriteOnly {
            _target: PhantomData,
        }
    }
}

impl<T: Model> Slot<T> for WriteOnly<T> {
    fn set_loaded(&mut self, _: Vec<Obj<T>>) {}
    fn added(&mut self, _: &Obj<T>) {}
    fn set_inverse(&mut self, _: &Obj<T>) {}
    fn removed(&mut self, _: &Obj<T>) {}
}

impl<T> Default for WriteOnly<T> {
    fn default() -> Self {
        WriteOnly::unloaded("")
    }
}

impl<T> Clone for WriteOnly<T> {
    fn clone(&self) -> Self {
        WriteOnly::unloaded("")
    }
}

impl<T> fmt::Debug for WriteOnly<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WriteOnly")
    }
}

impl<T> PartialEq for WriteOnly<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Default for BelongsTo<T> {
    fn default() -> Self {
        BelongsTo {
            name: "",
            state: ToOne::NotLoaded,
        }
    }
}

impl<T> Clone for BelongsTo<T> {
    fn clone(&self) -> Self {
        let state = match &self.state {
            ToOne::NotLoaded => ToOne::NotLoaded,
            ToOne::Loaded(o) => ToOne::Loaded(o.clone()),
            ToOne::Back(w) => ToOne::Back(w.clone()),
            ToOne::Assigned(o) => ToOne::Assigned(o.clone()),
        };
        BelongsTo {
            name: self.name,
            state,
        }
    }
}

impl<T> fmt::Debug for BelongsTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match &self.state {
            ToOne::NotLoaded => "BelongsTo(not loaded)",
            ToOne::Loaded(Some(_)) => "BelongsTo(loaded)",
            ToOne::Loaded(None) => "BelongsTo(none)",
            ToOne::Back(_) => "BelongsTo(loaded, inverse)",
            ToOne::Assigned(_) => "BelongsTo(assigned)",
        })
    }
}

impl<T> PartialEq for BelongsTo<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
