//! `#[orm(...)]` attributes, parsed into typed options.
//!
//! Parsing only records what was written (with the tokens, for error spans); whether the options make
//! sense together is `check.rs`'s business. Every malformed option is recorded in the [`Ctxt`] and
//! parsing goes on, so all mistakes are reported at once.
//!
//! `field.rs` and `container.rs` parse the field and struct options, `parse.rs` holds the shared
//! pieces (values, flags, duplicates, "did you mean").
//!
//! [`Ctxt`]: crate::ctxt::Ctxt

mod container;
mod field;
mod parse;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::Ident;

pub use parse::edit_distance;

/// An option as written: its value and the tokens it spans, for error messages.
#[derive(Debug, Clone)]
pub struct Opt<T> {
    /// The tokens of the option (`length = 64`), for error spans.
    pub tokens: TokenStream,
    /// The parsed value.
    pub value: T,
}

impl<T> ToTokens for Opt<T> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.tokens.to_tokens(tokens);
    }
}

/// A default computed by the database.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerDefault {
    CurrentTimestamp,
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    Sql(String),
}

/// The target of a foreign key.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    /// The referred model (`User`).
    pub model: syn::Path,
    /// The referred column handle (`id` in `User::id`), or `None` for the model's primary key.
    pub column: Option<Ident>,
}

/// What a foreign key does on delete or update of the referred row (mirrors `orm_core::schema::FkAction`,
/// which this crate cannot depend on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// Parses `cascade`, `set_null`, `"SET NULL"`, ... case-insensitively, as `FkAction::parse` does.
    pub fn parse(s: &str) -> Option<FkAction> {
        match s.trim().to_ascii_uppercase().replace('_', " ").as_str() {
            "NO ACTION" => Some(FkAction::NoAction),
            "RESTRICT" => Some(FkAction::Restrict),
            "CASCADE" => Some(FkAction::Cascade),
            "SET NULL" => Some(FkAction::SetNull),
            "SET DEFAULT" => Some(FkAction::SetDefault),
            _ => None,
        }
    }

    /// The variant name in `orm_core::schema::FkAction`.
    pub fn variant(self) -> Ident {
        let name = match self {
            FkAction::NoAction => "NoAction",
            FkAction::Restrict => "Restrict",
            FkAction::Cascade => "Cascade",
            FkAction::SetNull => "SetNull",
            FkAction::SetDefault => "SetDefault",
        };
        Ident::new(name, proc_macro2::Span::call_site())
    }
}

/// Options of one field.
#[derive(Debug, Default)]
pub struct FieldAttrs {
    pub skip: Option<Opt<()>>,
    pub primary_key: Option<Opt<()>>,
    pub autoincrement: Option<Opt<bool>>,
    pub length: Option<Opt<u32>>,
    pub text: Option<Opt<()>>,
    pub sql_type: Option<Opt<String>>,
    pub index: Option<Opt<()>>,
    pub unique: Option<Opt<()>>,
    pub default: Option<Opt<syn::Path>>,
    pub on_update: Option<Opt<syn::Path>>,
    pub server_default: Option<Opt<ServerDefault>>,
    pub foreign_key: Option<Opt<ForeignKey>>,
    pub on_delete: Option<Opt<FkAction>>,
    pub fk_on_update: Option<Opt<FkAction>>,
    pub column: Option<Opt<String>>,
    pub rename_from: Option<Opt<String>>,
    pub version: Option<Opt<()>>,
    /// Relationship options.
    pub via: Option<Opt<Vec<ViaColumn>>>,
    pub through: Option<Opt<syn::Path>>,
    pub back_populates: Option<Opt<Ident>>,
    pub cascade: Option<Opt<Cascade>>,
    pub passive_deletes: Option<Opt<()>>,
    pub lazy: Option<Opt<Lazy>>,
}

/// A column named by `via`: `user_id` (a field of this model) or `Post::user_id`.
#[derive(Debug, Clone)]
pub struct ViaColumn {
    /// The model, when written `Model::column`.
    pub model: Option<syn::Path>,
    /// The column handle.
    pub column: Ident,
}

/// `cascade = "delete"` or `"delete, delete-orphan"` (also `"all"`, `"all, delete-orphan"`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cascade {
    pub delete: bool,
    pub delete_orphan: bool,
}

/// `lazy = "raise" | "selectin" | "joined"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lazy {
    Raise,
    SelectIn,
    Joined,
}

/// A struct-level `index(...)` or `unique(...)`.
#[derive(Debug)]
pub struct IndexSpec {
    /// The whole option, for error spans.
    pub tokens: TokenStream,
    /// `unique(...)` rather than `index(...)`.
    pub unique: bool,
    /// The field names, as written.
    pub fields: Vec<Ident>,
    /// An explicit name.
    pub name: Option<String>,
}

/// A struct-level `check(...)` or `check = "..."`.
#[derive(Debug)]
pub struct CheckSpec {
    /// The whole option, for error spans.
    pub tokens: TokenStream,
    /// The label in `ck_<table>_<label>`, when named.
    pub label: Option<String>,
    /// The SQL expression.
    pub expr: String,
}

/// Options of the struct.
#[derive(Debug, Default)]
pub struct ContainerAttrs {
    pub table: Option<Opt<String>>,
    pub rename_from: Option<Opt<String>>,
    pub primary_key: Option<Opt<Vec<Ident>>>,
    pub indexes: Vec<IndexSpec>,
    pub checks: Vec<CheckSpec>,
    pub constructor: Option<Opt<bool>>,
    pub crate_path: Option<Opt<syn::Path>>,
}
