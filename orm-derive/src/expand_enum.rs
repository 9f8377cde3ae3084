//! `#[derive(SqlEnum)]`: a fieldless enum stored as the text of its variants (snake_case, or
//! `#[orm(rename = "...")]`), with a CHECK of the allowed values on every column of it.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::case::snake_case;

pub fn derive_sql_enum(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`SqlEnum` is for enums whose variants hold no data; help: derive `Model` for a struct",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "`SqlEnum` does not take generic parameters",
        ));
    }
    // `#[orm(postgres_enum = "type_name")]`: a native enum type on PostgreSQL.
    let mut native: Option<String> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("orm")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("postgres_enum") {
                native = Some(meta.value()?.parse::<LitStr>()?.value());
                Ok(())
            } else {
                Err(meta.error(
                    "unknown option; help: `#[orm(postgres_enum = \"type_name\")]` for a native \
                     PostgreSQL enum",
                ))
            }
        })?;
    }
    let mut variants = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for v in &data.variants {
        if !matches!(v.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                &v.fields,
                "a `SqlEnum` variant holds no data; help: store the data in columns of the model",
            ));
        }
        let mut name = snake_case(&v.ident.to_string());
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("orm")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    name = meta.value()?.parse::<LitStr>()?.value();
                    Ok(())
                } else {
                    Err(meta.error("unknown option; help: `#[orm(rename = \"stored_name\")]`"))
                }
            })?;
        }
        if names.contains(&name) {
            return Err(syn::Error::new_spanned(
                &v.ident,
                format!("two variants are stored as `{name}`; help: rename one with `#[orm(rename = \"...\")]`"),
            ));
        }
        names.push(name);
        variants.push(&v.ident);
    }
    if variants.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "a `SqlEnum` needs at least one variant",
        ));
    }
    let ident = &input.ident;
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(1)
        .max(1) as u32;
    let column_type = match &native {
        Some(name) => quote! {
            _orm::schema::ColumnType::Enum {
                name: ::std::string::String::from(#name),
                values: ::std::vec![#(::std::string::String::from(#names)),*],
            }
        },
        None => quote!(_orm::schema::ColumnType::Varchar(#width)),
    };
    let type_name = ident.to_string();
    let expected = names.join(", ");
    Ok(quote! {
        const _: () = {
            use ::orm_core as _orm;
            impl _orm::SqlType for #ident {
                fn column_type() -> _orm::schema::ColumnType {
                    #column_type
                }
                fn to_value(&self) -> _orm::Value {
                    _orm::Value::Text(::std::string::String::from(match self {
                        #(Self::#variants => #names,)*
                    }))
                }
                fn from_value(value: _orm::Value) -> ::core::result::Result<Self, _orm::ValueError> {
                    let text = <::std::string::String as _orm::SqlType>::from_value(value)?;
                    match text.as_str() {
                        #(#names => ::core::result::Result::Ok(Self::#variants),)*
                        other => ::core::result::Result::Err(_orm::ValueError(::std::format!(
                            "`{}` is not a {} (expected one of: {})", other, #type_name, #expected
                        ))),
                    }
                }
                fn allowed_values() -> ::core::option::Option<&'static [&'static str]> {
                    ::core::option::Option::Some(&[#(#names),*])
                }
            }
        };
    })
}
