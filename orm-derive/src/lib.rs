//! `#[derive(Model)]`: table metadata, typed column handles and a constructor from a plain struct.
//!
//! Use it through `orm_core`, which re-exports it. The options are documented on [`macro@Model`].
//!
//! Where to find things: `attr.rs` parses `#[orm(...)]`, `ast.rs` holds the parsed model, `check.rs`
//! validates it, `expand.rs` generates the code, `ctxt.rs` collects the errors.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod case;
mod check;
mod check_relation;
mod ctxt;
mod expand;
mod expand_enum;
mod expand_relation;

use proc_macro::TokenStream;

/// Derives `orm_core::Model` for a struct with named fields.
///
/// Struct options, in `#[orm(...)]` on the struct:
/// `table = "name"`, `rename_from = "old_table"`, `primary_key(a, b)`, `index(a, b)`,
/// `index(a, b, name = "ix_custom")`, `unique(a, b)`, `unique(a, b, name = "uq_custom")`,
/// `check(name = "label", expr = "sql")`, `check = "sql"`, `constructor = false`,
/// `crate = "path::to::orm_core"`.
///
/// Field options, in `#[orm(...)]` on a field:
/// `primary_key`, `autoincrement = false`, `length = 64`, `text`, `sql_type = "NUMERIC(10, 2)"`,
/// `index`, `unique`, `default = path::to::fn`, `on_update = path::to::fn`,
/// `server_default = now | 0 | -1 | 1.5 | true | "text"`, `server_default_sql = "lower('x')"`,
/// `foreign_key = Model`, `foreign_key = Model::column`, `on_delete = cascade`,
/// `fk_on_update = cascade`, `column = "db_name"`, `rename_from = "old_name"`, `version`, `skip`.
#[proc_macro_derive(Model, attributes(orm))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive_model(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `orm_core::SqlType` for an enum whose variants hold no data: each variant is stored as
/// its name in snake_case (or `#[orm(rename = "stored")]`), in a `VARCHAR` as wide as the longest,
/// and every column of the type gets a CHECK of the allowed values.
#[proc_macro_derive(SqlEnum, attributes(orm))]
pub fn derive_sql_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand_enum::derive_sql_enum(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
