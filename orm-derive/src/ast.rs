//! The model as the derive sees it: the struct, its fields and their parsed options, plus the facts
//! derived from them (column names, key, autoincrement) that both `check.rs` and `expand.rs` use.

use syn::ext::IdentExt;
use syn::{Ident, Type, Visibility};

use crate::attr::{ContainerAttrs, FieldAttrs};
use crate::case::snake_case;
use crate::ctxt::Ctxt;

/// A struct deriving `Model`.
#[derive(Debug)]
pub struct Model {
    pub ident: Ident,
    pub vis: Visibility,
    pub attrs: ContainerAttrs,
    pub fields: Vec<Field>,
}

/// One named field.
#[derive(Debug)]
pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    pub attrs: FieldAttrs,
}

impl Model {
    /// Reads the struct; `None` (with the error recorded) when it is not a struct with named fields.
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> Option<Model> {
        let attrs = ContainerAttrs::from_attrs(cx, &input.attrs);
        let generics = &input.generics;
        if !generics.params.is_empty() || generics.where_clause.is_some() {
            cx.error_spanned_by(
                generics,
                "models cannot be generic; help: remove the type and lifetime parameters, a model \
                 maps to one table",
            );
        }
        let form = "help: #[derive(Model)] maps a struct with named fields to a table, as in \
                    `struct User { #[orm(primary_key)] id: Option<i64>, name: String }`";
        let fields = match &input.data {
            syn::Data::Struct(s) => match &s.fields {
                syn::Fields::Named(named) => &named.named,
                syn::Fields::Unnamed(_) => {
                    cx.error_spanned_by(
                        &s.fields,
                        format!("a model needs named fields, not a tuple struct; {form}"),
                    );
                    return None;
                }
                syn::Fields::Unit => {
                    cx.error_spanned_by(
                        &input.ident,
                        format!("a model needs named fields, not a unit struct; {form}"),
                    );
                    return None;
                }
            },
            syn::Data::Enum(e) => {
                cx.error_at(
                    e.enum_token.span,
                    format!("#[derive(Model)] does not work on an enum; {form}"),
                );
                return None;
            }
            syn::Data::Union(u) => {
                cx.error_at(
                    u.union_token.span,
                    format!("#[derive(Model)] does not work on a union; {form}"),
                );
                return None;
            }
        };
        let fields = fields
            .iter()
            .map(|f| Field {
                ident: f.ident.clone().expect("named fields have names"),
                ty: f.ty.clone(),
                attrs: FieldAttrs::from_attrs(cx, &f.attrs),
            })
            .collect();
        Some(Model {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            attrs,
            fields,
        })
    }

    /// The table name: `table = "..."` or the snake_case struct name.
    pub fn table_name(&self) -> String {
        match &self.attrs.table {
            Some(t) => t.value.clone(),
            None => snake_case(&self.ident.unraw().to_string()),
        }
    }

    /// The path to `orm_core`.
    pub fn crate_path(&self) -> syn::Path {
        match &self.attrs.crate_path {
            Some(p) => p.value.clone(),
            None => syn::parse_quote!(::orm_core),
        }
    }

    /// Whether `new` is generated.
    pub fn constructor(&self) -> bool {
        self.attrs.constructor.as_ref().map_or(true, |c| c.value)
    }

    /// The fields that are columns, in order.
    pub fn columns(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| !f.is_skipped())
    }

    /// The column field named `name`.
    pub fn column_field(&self, name: &Ident) -> Option<&Field> {
        self.columns().find(|f| f.ident == *name)
    }

    /// The primary key fields, in key order (the struct-level list, or the marked fields in order).
    pub fn primary_key(&self) -> Vec<&Field> {
        match &self.attrs.primary_key {
            Some(pk) => pk
                .value
                .iter()
                .filter_map(|n| self.column_field(n))
                .collect(),
            None => self
                .columns()
                .filter(|f| f.attrs.primary_key.is_some())
                .collect(),
        }
    }

    /// The autoincrementing key: the single primary key column, when it has an integer type and
    /// `autoincrement = false` is not given.
    pub fn autoincrement_field(&self) -> Option<&Field> {
        match self.primary_key().as_slice() {
            [f] if f.is_integer() && f.attrs.autoincrement.as_ref().map_or(true, |a| a.value) => {
                Some(f)
            }
            _ => None,
        }
    }

    /// True when `field` is the autoincrementing key.
    pub fn is_autoincrement(&self, field: &Field) -> bool {
        self.autoincrement_field()
            .is_some_and(|f| f.ident == field.ident)
    }

    /// True when `field` is part of the primary key.
    pub fn is_primary_key(&self, field: &Field) -> bool {
        self.primary_key().iter().any(|f| f.ident == field.ident)
    }

    /// The relationship fields, in order.
    pub fn relations(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.relation().is_some())
    }

    /// The local foreign key field of a `BelongsTo` field: the one named by `via`, or the only column
    /// whose `foreign_key` names the target model. `None` when there is no such single field.
    pub fn belongs_to_fk(&self, rel: &Field) -> Option<&Field> {
        let (kind, target) = rel.relation()?;
        if kind != RelKind::BelongsTo {
            return None;
        }
        if let Some(via) = &rel.attrs.via {
            return match via.value.as_slice() {
                [v] if v.model.is_none() => self.column_field(&v.column),
                _ => None,
            };
        }
        let target = last_ident(target)?;
        let mut candidates = self.columns().filter(|f| {
            f.attrs
                .foreign_key
                .as_ref()
                .and_then(|fk| fk.value.model.segments.last())
                .is_some_and(|s| s.ident == *target)
        });
        let first = candidates.next()?;
        candidates.next().is_none().then_some(first)
    }

    /// The fields that are parameters of `new`, in order: columns without a value of their own, and
    /// not the foreign key of a `BelongsTo` (assigned through `with_<relationship>`).
    pub fn required_fields(&self) -> Vec<&Field> {
        let covered: Vec<&Ident> = self
            .relations()
            .filter_map(|r| self.belongs_to_fk(r))
            .map(|f| &f.ident)
            .collect();
        self.columns()
            .filter(|f| {
                !covered.contains(&&f.ident)
                    && !self.is_autoincrement(f)
                    && f.attrs.default.is_none()
                    && f.attrs.version.is_none()
                    && !f.is_option()
            })
            .collect()
    }
}

impl Field {
    /// The column name: `column = "..."` or the field name.
    pub fn column_name(&self) -> String {
        match &self.attrs.column {
            Some(c) => c.value.clone(),
            None => self.ident.unraw().to_string(),
        }
    }

    /// True for `#[orm(skip)]` and relationship fields: not columns.
    pub fn is_skipped(&self) -> bool {
        self.attrs.skip.is_some() || self.relation().is_some()
    }

    /// The relationship kind and target type, for a field typed `BelongsTo<T>`, `HasMany<T>`,
    /// `WriteOnly<T>` or `ManyToMany<T>`.
    pub fn relation(&self) -> Option<(RelKind, &Type)> {
        let Type::Path(p) = &self.ty else { return None };
        let last = p.path.segments.last()?;
        let kind = match last.ident.to_string().as_str() {
            "BelongsTo" => RelKind::BelongsTo,
            "HasMany" => RelKind::HasMany,
            "WriteOnly" => RelKind::WriteOnly,
            "ManyToMany" => RelKind::ManyToMany,
            _ => return None,
        };
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        match args.args.first() {
            Some(syn::GenericArgument::Type(t)) if args.args.len() == 1 => Some((kind, t)),
            _ => None,
        }
    }

    /// True when the type is written `Option<..>`.
    pub fn is_option(&self) -> bool {
        option_inner(&self.ty).is_some()
    }

    /// The last path segment of the type, looking through `Option<..>` (`String`, `i64`).
    pub fn base_type_name(&self) -> Option<String> {
        let ty = option_inner(&self.ty).unwrap_or(&self.ty);
        last_ident(ty).map(|i| i.to_string())
    }

    /// True for `String` or `Option<String>`.
    pub fn is_string(&self) -> bool {
        self.base_type_name().as_deref() == Some("String")
    }

    /// True for `i16`, `i32`, `i64` or `Option` of them.
    pub fn is_integer(&self) -> bool {
        matches!(
            self.base_type_name().as_deref(),
            Some("i16" | "i32" | "i64")
        )
    }
}

/// The kind of a relationship field, from its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    BelongsTo,
    HasMany,
    WriteOnly,
    ManyToMany,
}

/// `T` in `Option<T>` (also `std::option::Option<T>`).
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(t)) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// The identifier of the last path segment of a type.
pub fn last_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| &s.ident),
        Type::Group(g) => last_ident(&g.elem),
        Type::Paren(p) => last_ident(&p.elem),
        _ => None,
    }
}

/// An index or unique constraint, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDesc {
    /// `ix_<table>_<cols>` / `uq_<table>_<cols>` unless named explicitly.
    pub name: String,
    /// The column names (database names).
    pub columns: Vec<String>,
    /// What it is.
    pub kind: IndexKind,
}

/// The three things `index` and `unique` produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// A plain index (`index`).
    Index,
    /// A unique index (`index, unique` on a field, as Flask-SQLAlchemy's `index=True, unique=True`).
    UniqueIndex,
    /// A UNIQUE constraint (`unique` alone, or struct-level `unique(a, b)`).
    Unique,
}

impl Model {
    /// Every index and unique constraint: the fields' first, then the struct's, in order. Unknown field
    /// names in struct-level lists are left out (`check.rs` reports them).
    pub fn indexes(&self) -> Vec<IndexDesc> {
        let table = self.table_name();
        let mut out = Vec::new();
        for f in self.columns() {
            let col = f.column_name();
            let kind = match (f.attrs.index.is_some(), f.attrs.unique.is_some()) {
                (true, true) => IndexKind::UniqueIndex,
                (true, false) => IndexKind::Index,
                (false, true) => IndexKind::Unique,
                (false, false) => continue,
            };
            let prefix = if kind == IndexKind::Unique {
                "uq"
            } else {
                "ix"
            };
            out.push(IndexDesc {
                name: format!("{prefix}_{table}_{col}"),
                columns: vec![col],
                kind,
            });
        }
        for spec in &self.attrs.indexes {
            let columns: Vec<String> = spec
                .fields
                .iter()
                .filter_map(|n| self.column_field(n))
                .map(Field::column_name)
                .collect();
            let (prefix, kind) = if spec.unique {
                ("uq", IndexKind::Unique)
            } else {
                ("ix", IndexKind::Index)
            };
            let name = spec
                .name
                .clone()
                .unwrap_or_else(|| format!("{prefix}_{table}_{}", columns.join("_")));
            out.push(IndexDesc {
                name,
                columns,
                kind,
            });
        }
        out
    }

    /// The check constraints as `(name, expr)`: `ck_<table>_<label>`, the label being the given name
    /// or the 1-based position among the struct's checks.
    pub fn checks(&self) -> Vec<(String, String)> {
        let table = self.table_name();
        self.attrs
            .checks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let label = c.label.clone().unwrap_or_else(|| (i + 1).to_string());
                (format!("ck_{table}_{label}"), c.expr.clone())
            })
            .collect()
    }
}
