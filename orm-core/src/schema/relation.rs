//! [`RelationDef`]: the metadata `#[derive(Model)]` emits for each relationship field, and how its
//! columns are resolved against the tables' foreign keys.

use std::fmt;

use crate::error::{Error, Result};
use crate::object::ErasedObj;
use crate::schema::TableDef;

/// What a relationship field is, from its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// `BelongsTo<T>`: to-one, over a foreign key of this model.
    BelongsTo,
    /// `HasMany<T>`: to-many, over a foreign key of the target model; loadable.
    HasMany,
    /// `WriteOnly<T>`: to-many that is never loaded; it yields a query and can add and remove.
    WriteOnly,
    /// `ManyToMany<T>`: to-many through an association model.
    ManyToMany,
}

impl RelationKind {
    /// True for the to-many kinds.
    pub fn is_many(self) -> bool {
        !matches!(self, RelationKind::BelongsTo)
    }
}

/// The loading a query's [`crate::query::Select::eager_defaults`] applies to a relationship
/// (`lazy = "..."` on the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lazy {
    /// Not loaded unless asked for; reading it unloaded is [`Error::NotLoaded`] (the default).
    #[default]
    Raise,
    /// Loaded by a second SELECT ... WHERE key IN (...) per level.
    SelectIn,
    /// Loaded by a LEFT JOIN in the same statement (to-one only).
    Joined,
}

/// The association model of a many-to-many relationship.
#[derive(Clone, Copy)]
pub struct Through {
    /// The association table.
    pub table: fn() -> &'static TableDef,
    /// Makes an association object from a full row of values (to add or remove a pair).
    pub make: fn(Vec<crate::Value>) -> Result<ErasedObj>,
}

impl fmt::Debug for Through {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Through({})", (self.table)().name)
    }
}

/// One relationship of a model, as declared on its field.
#[derive(Debug, Clone)]
pub struct RelationDef {
    /// The field name.
    pub name: &'static str,
    /// The kind, from the field type.
    pub kind: RelationKind,
    /// This model's table.
    pub table: fn() -> &'static TableDef,
    /// The target model's table.
    pub target: fn() -> &'static TableDef,
    /// The target model's relationships (for cascades and inverses).
    pub target_relations: fn() -> &'static [RelationDef],
    /// The columns named by `via`: the local foreign key of a `BelongsTo`, the remote foreign key of a
    /// `HasMany`/`WriteOnly`, the association's (local, remote) foreign keys of a `ManyToMany`. Empty
    /// when `via` is omitted: the one foreign key between the tables is used.
    pub via: Vec<&'static str>,
    /// The association model of a `ManyToMany`.
    pub through: Option<Through>,
    /// `back_populates = field`: the inverse relationship on the target, kept in step.
    pub back_populates: Option<&'static str>,
    /// `cascade = "delete"`: deleting this object deletes the related rows.
    pub cascade_delete: bool,
    /// `cascade = "delete, delete-orphan"`: removing a child from the collection deletes it.
    pub delete_orphan: bool,
    /// `passive_deletes`: the database's ON DELETE CASCADE removes the children.
    pub passive_deletes: bool,
    /// The default eager loading.
    pub lazy: Lazy,
}

/// A relationship's columns, as positions in the tables' columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// This table's column the relationship starts from (a `BelongsTo`'s foreign key; the referred key
    /// of a to-many).
    pub local: usize,
    /// The target table's column it meets (the referred key of a `BelongsTo`; a `HasMany`'s foreign
    /// key; the target's referred key of a `ManyToMany`).
    pub remote: usize,
    /// For a `ManyToMany`: the association's (local foreign key, remote foreign key) positions.
    pub through: Option<(usize, usize)>,
}

fn column(table: &TableDef, name: &str) -> Result<usize> {
    table.column_index(name).ok_or_else(|| {
        Error::config(format!(
            "`{}` has no column `{name}` for a relationship",
            table.name
        ))
    })
}

/// The single-column foreign key of `from` to `to`, named by `via` or the only one there is.
fn one_fk<'a>(
    relation: &str,
    from: &'a TableDef,
    to: &str,
    via: Option<&str>,
) -> Result<&'a crate::schema::ForeignKeyDef> {
    let candidates: Vec<_> = from
        .foreign_keys
        .iter()
        .filter(|fk| fk.ref_table == to && fk.columns.len() == 1)
        .filter(|fk| via.map_or(true, |v| fk.columns[0] == v))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::config(match via {
            Some(v) => format!(
                "relationship `{relation}`: `{}.{v}` is not a foreign key to `{to}`",
                from.name
            ),
            None => format!(
                "relationship `{relation}`: no foreign key of `{}` refers to `{to}`; help: add \
                 #[orm(foreign_key = ...)] on the column",
                from.name
            ),
        })),
        many => Err(Error::config(format!(
            "relationship `{relation}`: {} foreign keys of `{}` refer to `{to}` ({}); help: name one \
             with #[orm(via = ...)]",
            many.len(),
            from.name,
            many.iter()
                .map(|fk| fk.columns[0].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

impl RelationDef {
    /// `Model.field`, for messages.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", (self.table)().name, self.name)
    }

    /// The relationship's columns, from `via` or the one foreign key between the tables.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no foreign key, or more than one, connects the tables (the candidates are
    /// named), or a `via` column is not a foreign key to the other table.
    pub fn resolve(&self) -> Result<Resolved> {
        let this = (self.table)();
        let target = (self.target)();
        let name = self.qualified_name();
        let via = |i: usize| self.via.get(i).copied();
        match self.kind {
            RelationKind::BelongsTo => {
                let fk = one_fk(&name, this, &target.name, via(0))?;
                Ok(Resolved {
                    local: column(this, &fk.columns[0])?,
                    remote: column(target, &fk.ref_columns[0])?,
                    through: None,
                })
            }
            RelationKind::HasMany | RelationKind::WriteOnly => {
                let fk = one_fk(&name, target, &this.name, via(0))?;
                Ok(Resolved {
                    local: column(this, &fk.ref_columns[0])?,
                    remote: column(target, &fk.columns[0])?,
                    through: None,
                })
            }
            RelationKind::ManyToMany => {
                let through = self.through.ok_or_else(|| {
                    Error::config(format!(
                        "relationship `{name}` needs `through = AssociationModel`"
                    ))
                })?;
                let assoc = (through.table)();
                if this.name == target.name && self.via.len() != 2 {
                    return Err(Error::config(format!(
                        "relationship `{name}` joins `{}` to itself: name both foreign keys with \
                         #[orm(via = ({0}::local_fk, {0}::remote_fk))]",
                        assoc.name
                    )));
                }
                let local_fk = one_fk(&name, assoc, &this.name, via(0))?;
                let remote_fk = one_fk(&name, assoc, &target.name, via(1))?;
                Ok(Resolved {
                    local: column(this, &local_fk.ref_columns[0])?,
                    remote: column(target, &remote_fk.ref_columns[0])?,
                    through: Some((
                        column(assoc, &local_fk.columns[0])?,
                        column(assoc, &remote_fk.columns[0])?,
                    )),
                })
            }
        }
    }
}
