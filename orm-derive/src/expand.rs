//! Code generation, from the checked [`Model`] only.
//!
//! Everything goes inside `const _: () = { ... };` and reaches `orm_core` through the alias `_orm`, so
//! the generated code depends on none of the user's imports.
//!
//! Field types are named only in `<T as SqlType>::...` and foreign key targets only in
//! `<M as Model>::...`, with the user's tokens: an unsupported field type or a foreign key to a type
//! that is not a model is then one error at the type or path as written (rustc folds the identical
//! errors of the several uses into one), rather than an assertion error plus the same error again.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::ast::{Field, IndexKind, Model};
use crate::attr::ServerDefault;
use crate::check;
use crate::ctxt::Ctxt;

/// Parses, checks and expands `#[derive(Model)]`; every mistake in the model comes back in one
/// combined error.
pub fn derive_model(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let model = Model::from_ast(&cx, input);
    if let Some(model) = &model {
        check::check(&cx, model);
    }
    cx.check()?;
    let model = model.expect("from_ast records an error whenever it returns None");
    Ok(expand(&model))
}

fn expand(m: &Model) -> TokenStream {
    let krate = m.crate_path();
    let model_impl = model_impl(m);
    let handles = handles(m);
    let (relation_fns, relation_handles) = crate::expand_relation::handles(m);
    let constructor = if m.constructor() {
        constructor(m)
    } else {
        TokenStream::new()
    };
    let ident = &m.ident;
    let type_name = ident.to_string();
    quote! {
        const _: () = {
            use #krate as _orm;
            #model_impl
            #handles
            #relation_fns
            #relation_handles
            #constructor
            _orm::__private::inventory::submit! {
                _orm::schema::ModelEntry {
                    type_name: #type_name,
                    table: <#ident as _orm::Model>::table,
                }
            }
        };
    }
}

fn string(s: &str) -> TokenStream {
    quote!(::std::string::String::from(#s))
}

fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> TokenStream {
    let items = items.into_iter().map(|s| string(s));
    quote!(::std::vec![#(#items),*])
}

fn index_literal(i: usize) -> Literal {
    Literal::usize_unsuffixed(i)
}

fn model_impl(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let table = m.table_name();
    let columns: Vec<&Field> = m.columns().collect();
    let column_names: Vec<String> = columns.iter().map(|f| f.column_name()).collect();
    let pk = m.primary_key();
    let pk_names: Vec<String> = pk.iter().map(|f| f.column_name()).collect();
    let pk_indexes = pk.iter().map(|p| {
        let i = columns
            .iter()
            .position(|c| c.ident == p.ident)
            .expect("primary key fields are columns");
        index_literal(i)
    });
    let table_fn = table_fn(m, &columns, &pk_names);

    let idents: Vec<&syn::Ident> = columns.iter().map(|f| &f.ident).collect();
    let types: Vec<&syn::Type> = columns.iter().map(|f| &f.ty).collect();
    let positions: Vec<Literal> = (0..columns.len()).map(index_literal).collect();
    let decode = columns.iter().zip(&column_names).map(|(f, name)| {
        let (ident, ty) = (&f.ident, &f.ty);
        quote! {
            #ident: _orm::__private::decode_field_with(
                #table,
                #name,
                ::core::iter::Iterator::next(&mut values),
                <#ty as _orm::SqlType>::from_value,
            )?
        }
    });
    let read = columns
        .iter()
        .zip(&column_names)
        .zip(&positions)
        .map(|((f, name), at)| {
            let (ident, ty) = (&f.ident, &f.ty);
            quote! {
                #ident: _orm::__private::read_field_with(
                    #table,
                    #name,
                    row,
                    offset + #at,
                    <#ty as _orm::SqlType>::read,
                )?
            }
        });
    let skipped: Vec<TokenStream> = m
        .fields
        .iter()
        .filter(|f| f.is_skipped())
        .map(|f| {
            let ident = &f.ident;
            if f.relation().is_some() {
                let init = crate::expand_relation::init(m, f);
                return quote!(#ident: #init);
            }
            quote!(#ident: ::core::default::Default::default())
        })
        .collect();
    let relation_items = crate::expand_relation::model_items(m);
    let eager_defaults = crate::expand_relation::eager_defaults_impl(m);
    let insert_defaults = columns.iter().filter(|f| f.is_option()).filter_map(|f| {
        let path = &f.attrs.default.as_ref()?.value;
        let ident = &f.ident;
        Some(quote! {
            if ::core::option::Option::is_none(&self.#ident) {
                self.#ident = ::core::convert::Into::into(#path());
            }
        })
    });
    let update_hooks: Vec<TokenStream> = columns
        .iter()
        .filter_map(|f| {
            let path = &f.attrs.on_update.as_ref()?.value;
            let ident = &f.ident;
            Some(quote!(self.#ident = ::core::convert::Into::into(#path());))
        })
        .collect();
    let has_update_hooks = !update_hooks.is_empty();

    quote! {
        #[automatically_derived]
        impl _orm::Model for #ident {
            const TABLE_NAME: &'static str = #table;
            const PRIMARY_KEY: &'static [&'static str] = &[#(#pk_names),*];
            const COLUMNS: &'static [&'static str] = &[#(#column_names),*];
            const HAS_UPDATE_HOOKS: bool = #has_update_hooks;

            #table_fn

            fn to_values(&self) -> ::std::vec::Vec<_orm::Value> {
                ::std::vec![#(<#types as _orm::SqlType>::to_value(&self.#idents)),*]
            }

            fn column_value(&self, index: usize) -> _orm::Value {
                match index {
                    #(#positions => <#types as _orm::SqlType>::to_value(&self.#idents),)*
                    _ => _orm::Value::Null,
                }
            }

            fn set_column_value(
                &mut self,
                index: usize,
                value: _orm::Value,
            ) -> ::core::result::Result<(), _orm::ValueError> {
                match index {
                    #(#positions => self.#idents = <#types as _orm::SqlType>::from_value(value)?,)*
                    _ => {
                        return ::core::result::Result::Err(_orm::ValueError(::std::format!(
                            "column index {} is out of range for `{}`",
                            index,
                            #table,
                        )))
                    }
                }
                ::core::result::Result::Ok(())
            }

            fn from_values(values: ::std::vec::Vec<_orm::Value>) -> _orm::Result<Self> {
                let mut values = ::core::iter::IntoIterator::into_iter(values);
                ::core::result::Result::Ok(Self {
                    #(#decode,)*
                    #(#skipped,)*
                })
            }

            fn from_row(
                row: &dyn _orm::backend::Row,
                offset: usize,
            ) -> _orm::Result<Self> {
                ::core::result::Result::Ok(Self {
                    #(#read,)*
                    #(#skipped,)*
                })
            }

            fn apply_insert_defaults(&mut self) {
                #(#insert_defaults)*
            }

            fn apply_update_hooks(&mut self) {
                #(#update_hooks)*
            }

            fn primary_key_indexes() -> &'static [usize] {
                &[#(#pk_indexes),*]
            }

            #relation_items
        }

        #eager_defaults
    }
}

/// `table()`: the `TableDef`, built once. Refers to other models only through their associated
/// constants, never their `table()`, so that a self-referential model does not re-enter its own
/// `OnceLock` initialisation.
fn table_fn(m: &Model, columns: &[&Field], pk_names: &[String]) -> TokenStream {
    let table = m.table_name();
    let column_defs = columns.iter().map(|f| column_def(m, f));
    let rename_from = m.attrs.rename_from.as_ref().map(|r| {
        let r = string(&r.value);
        quote!(t.rename_from = ::core::option::Option::Some(#r);)
    });
    let pk = strings(pk_names);
    let indexes = m.indexes().into_iter().map(|ix| {
        let name = string(&ix.name);
        let cols = strings(&ix.columns);
        match ix.kind {
            IndexKind::Index | IndexKind::UniqueIndex => {
                let unique = ix.kind == IndexKind::UniqueIndex;
                quote! {
                    t.indexes.push(_orm::schema::IndexDef { name: #name, columns: #cols, unique: #unique });
                }
            }
            IndexKind::Unique => quote! {
                t.uniques.push(_orm::schema::UniqueDef { name: #name, columns: #cols });
            },
        }
    });
    let checks = m.checks().into_iter().map(|(name, expr)| {
        let (name, expr) = (string(&name), string(&expr));
        quote!(t.checks.push(_orm::schema::CheckDef { name: #name, expr: #expr });)
    });
    // A column of a closed set of values (an enum) gets a CHECK of them.
    let value_checks = columns.iter().map(|f| {
        let ty = &f.ty;
        let column = f.column_name();
        quote! {
            if let ::core::option::Option::Some(values) = <#ty as _orm::SqlType>::allowed_values() {
                t.checks.push(_orm::schema::CheckDef {
                    name: _orm::schema::values_check_name(#table, #column, values),
                    expr: _orm::schema::values_check(#column, values),
                });
            }
        }
    });
    let foreign_keys = columns.iter().filter_map(|f| {
        let fk = f.attrs.foreign_key.as_ref()?;
        let model = &fk.value.model;
        let column = f.column_name();
        let columns = strings([&column]);
        let ref_column = match &fk.value.column {
            Some(c) => quote!(#model::#c.name()),
            None => quote!(<#model as _orm::Model>::PRIMARY_KEY[0]),
        };
        let action = |a: &Option<crate::attr::Opt<crate::attr::FkAction>>| {
            let v = a
                .as_ref()
                .map_or_else(|| format_ident!("NoAction"), |a| a.value.variant());
            quote!(_orm::schema::FkAction::#v)
        };
        let on_delete = action(&f.attrs.on_delete);
        let on_update = action(&f.attrs.fk_on_update);
        Some(quote! {
            {
                let ref_table: &'static str = <#model as _orm::Model>::TABLE_NAME;
                t.foreign_keys.push(_orm::schema::ForeignKeyDef {
                    name: _orm::schema::foreign_key_name(#table, &[#column], ref_table),
                    columns: #columns,
                    ref_table: ::std::string::String::from(ref_table),
                    ref_columns: ::std::vec![::std::string::String::from(#ref_column)],
                    on_delete: #on_delete,
                    on_update: #on_update,
                });
            }
        })
    });
    quote! {
        fn table() -> &'static _orm::schema::TableDef {
            static TABLE: ::std::sync::OnceLock<_orm::schema::TableDef> =
                ::std::sync::OnceLock::new();
            TABLE.get_or_init(|| {
                let mut t = _orm::schema::TableDef::new(#table);
                #rename_from
                t.columns = ::std::vec![#(#column_defs),*];
                t.primary_key = #pk;
                #(#indexes)*
                #(#checks)*
                #(#value_checks)*
                #(#foreign_keys)*
                t
            })
        }
    }
}

fn column_def(m: &Model, f: &Field) -> TokenStream {
    let ty = &f.ty;
    let name = f.column_name();
    let a = &f.attrs;
    let column_type = if let Some(n) = &a.length {
        let n = Literal::u32_unsuffixed(n.value);
        quote!(_orm::schema::ColumnType::Varchar(#n))
    } else if a.text.is_some() {
        quote!(_orm::schema::ColumnType::Text)
    } else if let Some(s) = &a.sql_type {
        let s = string(&s.value);
        quote!(_orm::schema::ColumnType::Custom(#s))
    } else {
        quote!(<#ty as _orm::SqlType>::column_type())
    };
    let mut sets = Vec::new();
    if m.is_primary_key(f) {
        // A key is never NULL; `check` has refused `Option` keys other than the autoincrementing one.
        sets.push(quote!(c.primary_key = true;));
    } else {
        sets.push(quote!(c.nullable = <#ty as _orm::SqlType>::NULLABLE;));
    }
    if m.is_autoincrement(f) {
        sets.push(quote!(c.autoincrement = true;));
    }
    if let Some(d) = &a.server_default {
        let d = server_default(&d.value);
        sets.push(quote!(c.server_default = ::core::option::Option::Some(#d);));
    }
    if a.version.is_some() {
        sets.push(quote!(c.version = true;));
    }
    if let Some(r) = &a.rename_from {
        let r = string(&r.value);
        sets.push(quote!(c.rename_from = ::core::option::Option::Some(#r);));
    }
    quote! {
        {
            let mut c = _orm::schema::ColumnDef::new(#name, #column_type);
            #(#sets)*
            c
        }
    }
}

fn server_default(d: &ServerDefault) -> TokenStream {
    match d {
        ServerDefault::CurrentTimestamp => quote!(_orm::schema::DefaultExpr::CurrentTimestamp),
        ServerDefault::Bool(b) => quote!(_orm::schema::DefaultExpr::Bool(#b)),
        ServerDefault::Integer(i) => {
            let i = Literal::i64_unsuffixed(*i);
            quote!(_orm::schema::DefaultExpr::Integer(#i))
        }
        ServerDefault::Float(x) => {
            let x = Literal::f64_unsuffixed(*x);
            quote!(_orm::schema::DefaultExpr::Float(#x))
        }
        ServerDefault::Text(s) => {
            let s = string(s);
            quote!(_orm::schema::DefaultExpr::Text(#s))
        }
        ServerDefault::Sql(s) => {
            let s = string(s);
            quote!(_orm::schema::DefaultExpr::Sql(#s))
        }
    }
}

/// One typed handle per column: `User::username` is a `Column<User, String>`.
fn handles(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let vis = &m.vis;
    let table = m.table_name();
    let consts = m.columns().enumerate().map(|(i, f)| {
        let (field, ty) = (&f.ident, &f.ty);
        let name = f.column_name();
        let doc = format!("Column `{table}.{name}`.");
        let i = index_literal(i);
        quote! {
            #[doc = #doc]
            #vis const #field: _orm::Column<#ident, #ty> = _orm::Column::new(#name, #i);
        }
    });
    quote! {
        // The handles are named after the fields so that queries read `User::username`; a model need
        // not use every handle.
        #[allow(non_upper_case_globals, dead_code)]
        #[automatically_derived]
        impl #ident {
            #(#consts)*
        }
    }
}

/// `new`: one `impl Into<T>` parameter per required field, in declaration order.
fn constructor(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let vis = &m.vis;
    let required = m.required_fields();
    let params = required.iter().map(|f| {
        let (field, ty) = (&f.ident, &f.ty);
        quote!(#field: impl ::core::convert::Into<#ty>)
    });
    let inits = m.fields.iter().map(|f| {
        let field = &f.ident;
        let value = if f.relation().is_some() {
            crate::expand_relation::init(m, f)
        } else if f.is_skipped() {
            quote!(::core::default::Default::default())
        } else if let Some(d) = &f.attrs.default {
            let path = &d.value;
            quote!(::core::convert::Into::into(#path()))
        } else if required.iter().any(|r| r.ident == f.ident) {
            quote!(::core::convert::Into::into(#field))
        } else if f.is_option() {
            quote!(::core::option::Option::None)
        } else {
            // The autoincrementing key before the database assigns it, or the version column.
            quote!(::core::default::Default::default())
        };
        quote!(#field: #value)
    });
    let names: Vec<String> = required.iter().map(|f| format!("`{}`", f.ident)).collect();
    let doc = if names.is_empty() {
        format!("Creates a `{ident}`; every column has a default.")
    } else {
        format!(
            "Creates a `{ident}` from its required fields ({}); the others get their defaults.",
            names.join(", ")
        )
    };
    let no_default = required
        .is_empty()
        .then(|| quote!(#[allow(clippy::new_without_default)]));
    let span = Span::call_site();
    quote_spanned! {span=>
        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            #[doc = #doc]
            // One parameter per required column: the constructor mirrors the table, however wide.
            #[allow(clippy::too_many_arguments)]
            #no_default
            #vis fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::derive_model;
    use quote::quote;

    fn expand(input: proc_macro2::TokenStream) -> String {
        let input = syn::parse2(input).unwrap();
        derive_model(&input).unwrap().to_string()
    }

    fn errors(input: proc_macro2::TokenStream) -> Vec<String> {
        let input = syn::parse2(input).unwrap();
        let err = derive_model(&input).unwrap_err();
        err.into_iter().map(|e| e.to_string()).collect()
    }

    /// Asserts that `code` contains `fragment`, both rendered by `quote` so that spacing matches.
    #[track_caller]
    fn assert_has(code: &str, fragment: proc_macro2::TokenStream) {
        let fragment = fragment.to_string();
        assert!(
            code.contains(&fragment),
            "missing\n  {fragment}\nin\n  {code}"
        );
    }

    fn user() -> proc_macro2::TokenStream {
        quote! {
            pub struct User {
                #[orm(primary_key)]
                pub id: Option<i64>,
                #[orm(length = 64, index, unique)]
                pub username: String,
                #[orm(length = 120, unique)]
                pub email: String,
                #[orm(length = 256)]
                pub password_hash: Option<String>,
            }
        }
    }

    #[test]
    fn the_seed_user_expands_to_its_metadata() {
        let code = expand(user());
        assert_has(
            &code,
            quote!(
                use ::orm_core as _orm;
            ),
        );
        assert_has(&code, quote!(impl _orm::Model for User));
        assert_has(
            &code,
            quote!(
                const TABLE_NAME: &'static str = "user";
            ),
        );
        assert_has(
            &code,
            quote!(
                const PRIMARY_KEY: &'static [&'static str] = &["id"];
            ),
        );
        assert_has(
            &code,
            quote!(
                const COLUMNS: &'static [&'static str] =
                    &["id", "username", "email", "password_hash"];
            ),
        );
        assert_has(
            &code,
            quote! {
                let mut c = _orm::schema::ColumnDef::new("id", <Option<i64> as _orm::SqlType>::column_type());
                c.primary_key = true;
                c.autoincrement = true;
                c
            },
        );
        assert_has(
            &code,
            quote! {
                let mut c = _orm::schema::ColumnDef::new("username", _orm::schema::ColumnType::Varchar(64));
                c.nullable = <String as _orm::SqlType>::NULLABLE;
                c
            },
        );
        assert_has(
            &code,
            quote! {
                t.indexes.push(_orm::schema::IndexDef {
                    name: ::std::string::String::from("ix_user_username"),
                    columns: ::std::vec![::std::string::String::from("username")],
                    unique: true
                });
            },
        );
        assert_has(
            &code,
            quote! {
                t.uniques.push(_orm::schema::UniqueDef {
                    name: ::std::string::String::from("uq_user_email"),
                    columns: ::std::vec![::std::string::String::from("email")]
                });
            },
        );
        assert_has(
            &code,
            quote! {
                id: _orm::__private::decode_field_with(
                    "user",
                    "id",
                    ::core::iter::Iterator::next(&mut values),
                    <Option<i64> as _orm::SqlType>::from_value,
                )?
            },
        );
        assert_has(
            &code,
            quote! {
                #[doc = "Column `user.username`."]
                pub const username: _orm::Column<User, String> = _orm::Column::new("username", 1);
            },
        );
        assert_has(
            &code,
            quote! {
                pub fn new(
                    username: impl ::core::convert::Into<String>,
                    email: impl ::core::convert::Into<String>
                ) -> Self {
                    Self {
                        id: ::core::option::Option::None,
                        username: ::core::convert::Into::into(username),
                        email: ::core::convert::Into::into(email),
                        password_hash: ::core::option::Option::None
                    }
                }
            },
        );
        assert_has(
            &code,
            quote!(
                fn primary_key_indexes() -> &'static [usize] {
                    &[0]
                }
            ),
        );
        assert_has(
            &code,
            quote! {
                _orm::__private::inventory::submit! {
                    _orm::schema::ModelEntry {
                        type_name: "User",
                        table: <User as _orm::Model>::table,
                    }
                }
            },
        );
    }

    #[test]
    fn foreign_keys_use_only_the_target_constants() {
        let code = expand(quote! {
            #[orm(crate = "my::orm")]
            struct Node {
                #[orm(primary_key)]
                id: Option<i64>,
                #[orm(foreign_key = Node, on_delete = "set null")]
                parent_id: Option<i64>,
                #[orm(foreign_key = Node::id, fk_on_update = cascade)]
                root_id: i64,
            }
        });
        assert_has(
            &code,
            quote!(
                use my::orm as _orm;
            ),
        );
        assert_has(
            &code,
            quote! {
                let ref_table: &'static str = <Node as _orm::Model>::TABLE_NAME;
                t.foreign_keys.push(_orm::schema::ForeignKeyDef {
                    name: _orm::schema::foreign_key_name("node", &["parent_id"], ref_table),
                    columns: ::std::vec![::std::string::String::from("parent_id")],
                    ref_table: ::std::string::String::from(ref_table),
                    ref_columns: ::std::vec![::std::string::String::from(<Node as _orm::Model>::PRIMARY_KEY[0])],
                    on_delete: _orm::schema::FkAction::SetNull,
                    on_update: _orm::schema::FkAction::NoAction,
                });
            },
        );
        assert_has(&code, quote!(::std::string::String::from(Node::id.name())));
        assert_has(&code, quote!(on_update: _orm::schema::FkAction::Cascade));
        // `table()` must not call a target's `table()`: a self-reference would re-enter the OnceLock.
        assert_eq!(
            code.matches(":: table").count(),
            1,
            "only the inventory entry names table: {code}"
        );
    }

    #[test]
    fn defaults_hooks_skip_and_struct_options() {
        let code = expand(quote! {
            #[orm(table = "students", rename_from = "pupils", constructor = false)]
            #[orm(unique(first, last), index(last, name = "ix_by_last"), check = "age >= 0")]
            #[orm(check(name = "adult", expr = "age >= 18"))]
            struct Student {
                #[orm(primary_key, autoincrement = false)]
                id: i64,
                #[orm(column = "firstname")]
                first: String,
                last: String,
                #[orm(default = Utc::now, on_update = Utc::now, server_default = now)]
                seen: Option<DateTime<Utc>>,
                #[orm(version, rename_from = "rev")]
                version: i64,
                #[orm(skip)]
                cache: Vec<String>,
            }
        });
        assert_has(
            &code,
            quote!(t.rename_from = ::core::option::Option::Some(::std::string::String::from("pupils"));),
        );
        assert_has(
            &code,
            quote!(name: ::std::string::String::from("uq_students_firstname_last")),
        );
        assert_has(
            &code,
            quote!(name: ::std::string::String::from("ix_by_last")),
        );
        assert_has(
            &code,
            quote!(name: ::std::string::String::from("ck_students_1")),
        );
        assert_has(
            &code,
            quote!(name: ::std::string::String::from("ck_students_adult")),
        );
        assert_has(
            &code,
            quote! {
                if ::core::option::Option::is_none(&self.seen) {
                    self.seen = ::core::convert::Into::into(Utc::now());
                }
            },
        );
        assert_has(
            &code,
            quote!(
                fn apply_update_hooks(&mut self) {
                    self.seen = ::core::convert::Into::into(Utc::now());
                }
            ),
        );
        assert_has(
            &code,
            quote!(c.server_default = ::core::option::Option::Some(_orm::schema::DefaultExpr::CurrentTimestamp);),
        );
        assert_has(
            &code,
            quote!(c.version = true; c.rename_from = ::core::option::Option::Some(::std::string::String::from("rev"));),
        );
        assert_has(&code, quote!(cache: ::core::default::Default::default()));
        assert!(
            !code.contains("c . autoincrement = true"),
            "autoincrement = false: {code}"
        );
        assert!(!code.contains("fn new"), "constructor = false: {code}");
        assert!(
            !code.contains("const cache"),
            "a skipped field has no handle: {code}"
        );
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let errors = errors(quote! {
            struct Product {
                #[orm(primary_key)]
                id: Option<i64>,
                #[orm(lenght = 64)]
                name: String,
                #[orm(length = 10)]
                stock: i32,
                #[orm(version)]
                label: String,
            }
        });
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].starts_with("unknown option `lenght`; help: did you mean `length`?"));
        assert!(errors[1].starts_with("`length` applies only to a `String`"));
        assert!(errors[2].starts_with("`version` applies only to an `i32` or `i64` field"));
    }

    #[test]
    fn shape_and_key_errors() {
        let e = errors(quote!(
            enum E {
                A,
            }
        ));
        assert!(e[0].contains("does not work on an enum"), "{e:?}");
        let e = errors(quote!(
            struct T<'a> {
                #[orm(primary_key)]
                id: i64,
                s: &'a str,
            }
        ));
        assert!(e[0].starts_with("models cannot be generic"), "{e:?}");
        let e = errors(quote!(
            struct T {
                id: i64,
            }
        ));
        assert!(
            e[0].starts_with("a model needs a primary key; help:"),
            "{e:?}"
        );
        let e = errors(quote!(
            struct T {
                #[orm(primary_key)]
                a: i64,
                #[orm(primary_key)]
                b: i64,
            }
        ));
        assert!(
            e[0].starts_with("two fields are marked primary_key"),
            "{e:?}"
        );
        let e = errors(quote!(
            struct T {
                #[orm(primary_key)]
                code: Option<String>,
            }
        ));
        assert!(
            e[0].starts_with("a primary key cannot be nullable"),
            "{e:?}"
        );
        let e = errors(quote! {
            #[orm(table = "9lives")]
            struct T { #[orm(primary_key)] id: i64, #[orm(column = "id")] other: i64 }
        });
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("invalid table name `9lives`"), "{e:?}");
        assert!(e[1].starts_with("duplicate column name `id`"), "{e:?}");
    }

    #[test]
    fn every_error_message_is_lowercase_with_a_hint() {
        let e = errors(quote! {
            #[orm(tabel = "x", index(nope), primary_key)]
            struct T {
                #[orm(length = 0, default = "now", server_default = today, on_delete = explode)]
                a: String,
                #[orm(text, length = 3, skip)]
                b: String,
                #[orm(foreign_key = "User", version, autoincrement = true)]
                c: f64,
            }
        });
        // Every mistake of the struct, each once, in the order they are checked.
        let expected = [
            "unknown option `tabel`; help: did you mean `table`?",
            "malformed `primary_key`; help: on a struct the form is `primary_key(a, b)`",
            "`length` must be a positive integer",
            "malformed `default`: expected the path of a function",
            "malformed `server_default`",
            "unknown on_delete action `explode`",
            "malformed `foreign_key`",
            "a model needs a primary key",
            "`autoincrement` applies only to the primary key",
            "`length` cannot go with `skip`",
            "`text` cannot go with `skip`",
            "`version` applies only to an `i32` or `i64` field",
            "unknown field `nope` in `index`; help: the fields are a, c",
        ];
        assert_eq!(e.len(), expected.len(), "{e:#?}");
        for (message, start) in e.iter().zip(expected) {
            assert!(
                message.starts_with(start),
                "{message:?} should start with {start:?}"
            );
        }
        for m in &e {
            assert!(
                m.starts_with(|c: char| !c.is_uppercase()),
                "not lowercase: {m}"
            );
        }
        let hinted = e.iter().filter(|m| m.contains("help:")).count();
        assert!(
            hinted * 10 >= e.len() * 8,
            "most errors carry a hint: {e:#?}"
        );
    }
}
