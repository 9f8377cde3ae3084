//! Code generation for relationship fields: the `RelationDef` metadata, the typed `Relation` handles
//! (`User::posts`), the `with_<relationship>` builders, and the field initialisers.
//!
//! Other models are named only through `<T as Model>::...` function pointers and column handles,
//! never called while this model's metadata is built, so self-referential models are safe.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::ast::{Field, Model, RelKind};
use crate::attr::Lazy;

/// The initial value of a relationship field: not loaded, named `table.field` for messages.
pub fn init(m: &Model, f: &Field) -> TokenStream {
    let ty = &f.ty;
    let name = format!("{}.{}", m.table_name(), f.ident);
    quote!(<#ty>::unloaded(#name))
}

/// Items of `impl Model`: `HAS_BELONGS_TO`, `relations`, `take_assigned`.
pub fn model_items(m: &Model) -> TokenStream {
    let rels: Vec<&Field> = m.relations().collect();
    if rels.is_empty() {
        return TokenStream::new();
    }
    let defs = rels.iter().map(|f| relation_def(m, f));
    let mut has_belongs_to = false;
    let take_arms = rels.iter().enumerate().filter_map(|(i, f)| {
        let (kind, _) = f.relation()?;
        (kind == RelKind::BelongsTo).then(|| {
            has_belongs_to = true;
            let ident = &f.ident;
            quote!(#i => self.#ident.take_assigned(),)
        })
    });
    let take_arms: Vec<TokenStream> = take_arms.collect();
    quote! {
        const HAS_BELONGS_TO: bool = #has_belongs_to;

        fn relations() -> &'static [_orm::relation::RelationDef] {
            static RELATIONS: ::std::sync::OnceLock<::std::vec::Vec<_orm::relation::RelationDef>> =
                ::std::sync::OnceLock::new();
            RELATIONS.get_or_init(|| ::std::vec![#(#defs),*])
        }

        fn take_assigned(&mut self, relation: usize) -> ::core::option::Option<_orm::relation::ErasedObj> {
            match relation {
                #(#take_arms)*
                _ => ::core::option::Option::None,
            }
        }
    }
}

/// `impl EagerDefaults`: each relationship's `lazy = "selectin"` / `"joined"` applied to a query.
pub fn eager_defaults_impl(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let defaults = m.relations().filter_map(|f| {
        let field = &f.ident;
        match f.attrs.lazy.as_ref()?.value {
            Lazy::SelectIn => Some(quote!(let select = select.eager(Self::#field);)),
            Lazy::Joined => Some(quote!(let select = select.joined(Self::#field);)),
            Lazy::Raise => None,
        }
    });
    quote! {
        impl _orm::relation::EagerDefaults for #ident {
            fn eager_defaults(
                select: _orm::query::Select<_orm::relation::Eager<Self>>,
            ) -> _orm::query::Select<_orm::relation::Eager<Self>> {
                #(#defaults)*
                select
            }
        }
    }
}

fn relation_def(m: &Model, f: &Field) -> TokenStream {
    let Some((kind, target)) = f.relation() else {
        return TokenStream::new();
    };
    let name = f.ident.to_string();
    let variant = format_ident!("{}", format!("{kind:?}"));
    let a = &f.attrs;
    let via: Vec<TokenStream> = match kind {
        RelKind::BelongsTo => m
            .belongs_to_fk(f)
            .map(|fk| {
                let col = fk.column_name();
                vec![quote!(#col)]
            })
            .unwrap_or_default(),
        _ => a
            .via
            .iter()
            .flat_map(|v| &v.value)
            .map(|v| {
                let col = &v.column;
                let owner = match (&v.model, kind, &a.through) {
                    (_, RelKind::ManyToMany, Some(t)) => {
                        let t = &t.value;
                        quote!(#t)
                    }
                    _ => quote!(#target),
                };
                let model = v
                    .model
                    .as_ref()
                    .map_or_else(|| owner.clone(), |p| quote!(#p));
                // The column must belong to the target (or the association) model.
                quote!({
                    let column: _orm::Column<#owner, _> = #model::#col;
                    column.name()
                })
            })
            .collect(),
    };
    let through = match &a.through {
        Some(t) => {
            let t = &t.value;
            quote!(::core::option::Option::Some(_orm::relation::Through {
                table: <#t as _orm::Model>::table,
                make: _orm::relation::ErasedObj::from_values::<#t>,
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let back = match &a.back_populates {
        Some(b) => {
            let b = b.value.to_string();
            quote!(::core::option::Option::Some(#b))
        }
        None => quote!(::core::option::Option::None),
    };
    let cascade = a.cascade.as_ref().map(|c| c.value).unwrap_or_default();
    let (delete, orphan) = (cascade.delete, cascade.delete_orphan);
    let passive = a.passive_deletes.is_some();
    let lazy = match a.lazy.as_ref().map(|l| l.value) {
        Some(Lazy::SelectIn) => quote!(SelectIn),
        Some(Lazy::Joined) => quote!(Joined),
        _ => quote!(Raise),
    };
    quote! {
        _orm::relation::RelationDef {
            name: #name,
            kind: _orm::relation::RelationKind::#variant,
            table: <Self as _orm::Model>::table,
            target: <#target as _orm::Model>::table,
            target_relations: <#target as _orm::Model>::relations,
            via: ::std::vec![#(#via),*],
            through: #through,
            back_populates: #back,
            cascade_delete: #delete,
            delete_orphan: #orphan,
            passive_deletes: #passive,
            lazy: _orm::relation::Lazy::#lazy,
        }
    }
}

/// Accessor functions (outside the impl), and the handle constants and `with_` builders (inside).
pub fn handles(m: &Model) -> (TokenStream, TokenStream) {
    let ident = &m.ident;
    let vis = &m.vis;
    let mut fns = Vec::new();
    let mut items = Vec::new();
    for (i, f) in m.relations().enumerate() {
        let Some((kind, target)) = f.relation() else {
            continue;
        };
        let field = &f.ident;
        let get = format_ident!("__orm_rel_{}", field);
        fns.push(quote! {
            fn #get(m: &mut #ident) -> &mut dyn _orm::relation::Slot<#target> {
                &mut m.#field
            }
        });
        let back = match &f.attrs.back_populates {
            Some(b) => {
                let back_fn = format_ident!("__orm_back_{}", field);
                let b = &b.value;
                // An inverse field that does not exist, or is not a relationship back to this model,
                // is reported at `back_populates = ...`.
                let access = quote_spanned!(b.span()=> &mut m.#b);
                fns.push(quote! {
                    fn #back_fn(m: &mut #target) -> &mut dyn _orm::relation::Slot<#ident> {
                        #access
                    }
                });
                quote!(::core::option::Option::Some(#back_fn))
            }
            None => quote!(::core::option::Option::None),
        };
        let doc = format!("Relationship `{}.{}`.", m.table_name(), field);
        items.push(quote! {
            #[doc = #doc]
            #vis const #field: _orm::Relation<#ident, #target> = _orm::Relation::new(#i, #get, #back);
        });
        if kind == RelKind::BelongsTo {
            let with = format_ident!("with_{}", field);
            let doc = format!(
                "Sets `{field}` to `target`: the foreign key is filled from its key at flush, \
                 inserting it first when it is new."
            );
            items.push(quote! {
                #[doc = #doc]
                #[must_use]
                #vis fn #with(mut self, target: &_orm::Obj<#target>) -> Self {
                    self.#field.set(target);
                    self
                }
            });
        }
    }
    if items.is_empty() {
        return (TokenStream::new(), TokenStream::new());
    }
    (
        quote!(#(#fns)*),
        quote! {
            #[allow(non_upper_case_globals, dead_code)]
            #[automatically_derived]
            impl #ident {
                #(#items)*
            }
        },
    )
}
