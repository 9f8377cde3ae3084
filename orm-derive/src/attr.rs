//! `#[orm(...)]` attributes, parsed into typed options.
//!
//! Parsing only records what was written (with the tokens, for error spans); whether the options make
//! sense together is `check.rs`'s business. Every malformed option is recorded in the [`Ctxt`] and
//! parsing goes on, so all mistakes are reported at once.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::{Expr, Ident, Lit, Token};

use crate::ctxt::Ctxt;

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

const FIELD_OPTIONS: &str =
    "primary_key, autoincrement = false, length = N, text, sql_type = \"...\", \
index, unique, default = path::to::fn, on_update = path::to::fn, server_default = ..., \
server_default_sql = \"...\", foreign_key = Model, on_delete = action, fk_on_update = action, \
column = \"name\", rename_from = \"old_name\", version, skip";

const STRUCT_OPTIONS: &str = "table = \"name\", rename_from = \"old_name\", primary_key(a, b), \
index(a, b), unique(a, b), check(name = \"label\", expr = \"sql\"), check = \"sql\", \
constructor = false, crate = \"path\"";

const FIELD_NAMES: &[&str] = &[
    "primary_key",
    "autoincrement",
    "length",
    "text",
    "sql_type",
    "index",
    "unique",
    "default",
    "on_update",
    "server_default",
    "server_default_sql",
    "foreign_key",
    "on_delete",
    "fk_on_update",
    "column",
    "rename_from",
    "version",
    "skip",
];

const STRUCT_NAMES: &[&str] = &[
    "table",
    "rename_from",
    "primary_key",
    "index",
    "unique",
    "check",
    "constructor",
    "crate",
];

const FK_ACTION_FORM: &str =
    "the actions are cascade, set_null, set_default, restrict and no_action";

impl FieldAttrs {
    /// Parses every `#[orm(...)]` of a field.
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> FieldAttrs {
        let mut out = FieldAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("orm")) {
            if let Err(e) = attr.parse_nested_meta(|meta| out.parse_option(cx, meta)) {
                cx.syn_error(e);
            }
        }
        out
    }

    fn parse_option(&mut self, cx: &Ctxt, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let name = option_name(&meta);
        let path = meta.path.clone();
        match name.as_str() {
            "skip" => flag(cx, &meta, &mut self.skip, "skip")?,
            "primary_key" => flag(cx, &meta, &mut self.primary_key, "primary_key")?,
            "text" => flag(cx, &meta, &mut self.text, "text")?,
            "index" => flag(cx, &meta, &mut self.index, "index")?,
            "unique" => flag(cx, &meta, &mut self.unique, "unique")?,
            "version" => flag(cx, &meta, &mut self.version, "version")?,
            "autoincrement" => {
                let form = "the form is `autoincrement = false`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match lit_bool(&expr) {
                        Some(b) => set(cx, &mut self.autoincrement, &path, tokens, b),
                        None => cx.error_spanned_by(
                            &expr,
                            format!("`autoincrement` must be `true` or `false`; help: {form}"),
                        ),
                    }
                }
            }
            "length" => {
                let form = "the form is `length = 64`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match positive_int(&expr) {
                        Some(n) => set(cx, &mut self.length, &path, tokens, n),
                        None => cx.error_spanned_by(
                            &expr,
                            format!("`length` must be a positive integer; help: {form}"),
                        ),
                    }
                }
            }
            "sql_type" => {
                let form = "the form is `sql_type = \"NUMERIC(10, 2)\"`";
                string_option(cx, &meta, &mut self.sql_type, "sql_type", form)?;
            }
            "column" => {
                let form = "the form is `column = \"db_name\"`";
                string_option(cx, &meta, &mut self.column, "column", form)?;
            }
            "rename_from" => {
                let form = "the form is `rename_from = \"old_name\"`";
                string_option(cx, &meta, &mut self.rename_from, "rename_from", form)?;
            }
            "default" | "on_update" => {
                let form = format!("the form is `{name} = path::to::function`");
                if let Some((tokens, expr)) = value(cx, &meta, &form)? {
                    let slot = if name == "default" {
                        &mut self.default
                    } else {
                        &mut self.on_update
                    };
                    match expr {
                        Expr::Path(p) if p.qself.is_none() => set(cx, slot, &path, tokens, p.path),
                        other => cx.error_spanned_by(
                            &other,
                            format!(
                                "malformed `{name}`: expected the path of a function called with no \
                                 arguments; help: {form}"
                            ),
                        ),
                    }
                }
            }
            "server_default" => {
                let form = "the form is `server_default = now`, `server_default = 0`, \
                            `server_default = true` or `server_default = \"text\"` \
                            (or `server_default_sql = \"lower('x')\"` for an SQL expression)";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match server_default(&expr) {
                        Some(d) => set(cx, &mut self.server_default, &path, tokens, d),
                        None => cx.error_spanned_by(
                            &expr,
                            format!("malformed `server_default`; help: {form}"),
                        ),
                    }
                }
            }
            "server_default_sql" => {
                let form = "the form is `server_default_sql = \"lower('x')\"`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match lit_str(&expr) {
                        Some(s) => set(
                            cx,
                            &mut self.server_default,
                            &path,
                            tokens,
                            ServerDefault::Sql(s),
                        ),
                        None => cx.error_spanned_by(
                            &expr,
                            format!("`server_default_sql` must be a string; help: {form}"),
                        ),
                    }
                }
            }
            "foreign_key" => {
                let form = "the form is `foreign_key = Model` (its primary key) or \
                            `foreign_key = Model::column`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match foreign_key(&expr) {
                        Some(fk) => set(cx, &mut self.foreign_key, &path, tokens, fk),
                        None => cx.error_spanned_by(
                            &expr,
                            format!("malformed `foreign_key`; help: {form}"),
                        ),
                    }
                }
            }
            "on_delete" | "fk_on_update" => {
                let form = format!("the form is `{name} = cascade`; {FK_ACTION_FORM}");
                if let Some((tokens, expr)) = value(cx, &meta, &form)? {
                    let slot = if name == "on_delete" {
                        &mut self.on_delete
                    } else {
                        &mut self.fk_on_update
                    };
                    match fk_action(&expr) {
                        Some(a) => set(cx, slot, &path, tokens, a),
                        None => cx.error_spanned_by(
                            &expr,
                            format!(
                                "unknown {name} action `{}`; help: {FK_ACTION_FORM}",
                                expr_text(&expr)
                            ),
                        ),
                    }
                }
            }
            _ => {
                skip_value(&meta)?;
                if STRUCT_NAMES.contains(&name.as_str()) {
                    cx.error_spanned_by(
                        &path,
                        format!(
                            "`{name}` is a struct option, not a field option; help: put it in \
                             #[orm(...)] on the struct"
                        ),
                    );
                } else {
                    unknown(cx, &path, &name, FIELD_NAMES, FIELD_OPTIONS);
                }
            }
        }
        Ok(())
    }
}

impl ContainerAttrs {
    /// Parses every `#[orm(...)]` of the struct.
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> ContainerAttrs {
        let mut out = ContainerAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("orm")) {
            if let Err(e) = attr.parse_nested_meta(|meta| out.parse_option(cx, meta)) {
                cx.syn_error(e);
            }
        }
        out
    }

    fn parse_option(&mut self, cx: &Ctxt, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let name = option_name(&meta);
        let path = meta.path.clone();
        match name.as_str() {
            "table" => {
                let form = "the form is `table = \"products\"`";
                string_option(cx, &meta, &mut self.table, "table", form)?;
            }
            "rename_from" => {
                let form = "the form is `rename_from = \"old_table\"`";
                string_option(cx, &meta, &mut self.rename_from, "rename_from", form)?;
            }
            "constructor" => {
                let form = "the form is `constructor = false`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match lit_bool(&expr) {
                        Some(b) => set(cx, &mut self.constructor, &path, tokens, b),
                        None => cx.error_spanned_by(
                            &expr,
                            format!("`constructor` must be `true` or `false`; help: {form}"),
                        ),
                    }
                }
            }
            "crate" => {
                let form = "the form is `crate = \"path::to::orm_core\"`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match lit_str_token(&expr).map(|s| s.parse::<syn::Path>()) {
                        Some(Ok(p)) => set(cx, &mut self.crate_path, &path, tokens, p),
                        _ => cx.error_spanned_by(
                            &expr,
                            format!("`crate` must be a path in a string; help: {form}"),
                        ),
                    }
                }
            }
            "primary_key" => {
                let form =
                    "on a struct the form is `primary_key(a, b)`; for a single column write \
                            #[orm(primary_key)] on the field";
                if !meta.input.peek(syn::token::Paren) {
                    skip_value(&meta)?;
                    cx.error_spanned_by(&path, format!("malformed `primary_key`; help: {form}"));
                    return Ok(());
                }
                let group = peek_group(&meta)?;
                let (fields, _) = field_list(cx, &meta, false, form)?;
                let tokens = quote!(#path #group);
                if fields.is_empty() {
                    cx.error_spanned_by(&tokens, format!("empty `primary_key`; help: {form}"));
                } else {
                    set(cx, &mut self.primary_key, &path, tokens, fields);
                }
            }
            "index" | "unique" => {
                let form = format!(
                    "the form is `{name}(a, b)` or `{name}(a, b, name = \"{}_custom\")`",
                    if name == "index" { "ix" } else { "uq" }
                );
                if !meta.input.peek(syn::token::Paren) {
                    skip_value(&meta)?;
                    cx.error_spanned_by(
                        &path,
                        format!(
                            "malformed `{name}` on a struct; help: {form}, or write \
                             #[orm({name})] on a field for a single column"
                        ),
                    );
                    return Ok(());
                }
                let group = peek_group(&meta)?;
                let (fields, index_name) = field_list(cx, &meta, true, &form)?;
                let tokens = quote!(#path #group);
                if fields.is_empty() {
                    cx.error_spanned_by(&tokens, format!("empty `{name}`; help: {form}"));
                } else {
                    self.indexes.push(IndexSpec {
                        tokens,
                        unique: name == "unique",
                        fields,
                        name: index_name,
                    });
                }
            }
            "check" => self.parse_check(cx, &meta)?,
            _ => {
                skip_value(&meta)?;
                if FIELD_NAMES.contains(&name.as_str()) {
                    cx.error_spanned_by(
                        &path,
                        format!(
                            "`{name}` is a field option, not a struct option; help: put it in \
                             #[orm(...)] on the field"
                        ),
                    );
                } else {
                    unknown(cx, &path, &name, STRUCT_NAMES, STRUCT_OPTIONS);
                }
            }
        }
        Ok(())
    }

    fn parse_check(&mut self, cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let form = "the form is `check(name = \"age_positive\", expr = \"age >= 0\")` or \
                    `check = \"age >= 0\"`";
        let path = &meta.path;
        if meta.input.peek(Token![=]) {
            if let Some((tokens, expr)) = value(cx, meta, form)? {
                match lit_str(&expr) {
                    Some(s) => self.checks.push(CheckSpec {
                        tokens,
                        label: None,
                        expr: s,
                    }),
                    None => cx.error_spanned_by(
                        &expr,
                        format!("the check expression must be a string; help: {form}"),
                    ),
                }
            }
            return Ok(());
        }
        if !meta.input.peek(syn::token::Paren) {
            cx.error_spanned_by(path, format!("malformed `check`; help: {form}"));
            return Ok(());
        }
        let mut label = None;
        let mut expr_sql = None;
        let group = peek_group(meta)?;
        meta.parse_nested_meta(|inner| {
            let key = option_name(&inner);
            let Some((_, expr)) = value(cx, &inner, form)? else {
                return Ok(());
            };
            let slot = match key.as_str() {
                "name" => &mut label,
                "expr" => &mut expr_sql,
                _ => {
                    cx.error_spanned_by(
                        &inner.path,
                        format!("unknown `check` option `{key}`; help: {form}"),
                    );
                    return Ok(());
                }
            };
            match lit_str(&expr) {
                Some(s) if slot.is_none() => *slot = Some(s),
                Some(_) => cx.error_spanned_by(
                    &inner.path,
                    format!("duplicate `check` option `{key}`; help: remove one of them"),
                ),
                None => {
                    cx.error_spanned_by(&expr, format!("`{key}` must be a string; help: {form}"))
                }
            }
            Ok(())
        })?;
        let tokens = quote!(#path #group);
        match expr_sql {
            Some(expr) => self.checks.push(CheckSpec {
                tokens,
                label,
                expr,
            }),
            None => cx.error_spanned_by(&tokens, format!("`check` needs an `expr`; help: {form}")),
        }
        Ok(())
    }
}

/// The option's name as written (a single identifier, or the path rendered).
fn option_name(meta: &ParseNestedMeta<'_>) -> String {
    match meta.path.get_ident() {
        Some(i) => i.to_string(),
        None => meta.path.to_token_stream().to_string().replace(' ', ""),
    }
}

/// Stores an option, or records a duplicate.
fn set<T>(cx: &Ctxt, slot: &mut Option<Opt<T>>, path: &syn::Path, tokens: TokenStream, value: T) {
    if slot.is_some() {
        let name = path.to_token_stream().to_string().replace(' ', "");
        cx.error_spanned_by(
            &tokens,
            format!("duplicate option `{name}`; help: remove one of them"),
        );
    } else {
        *slot = Some(Opt { tokens, value });
    }
}

/// A flag option (`index`): takes no value.
fn flag(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<Opt<()>>,
    name: &str,
) -> syn::Result<()> {
    let path = &meta.path;
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        skip_value(meta)?;
        cx.error_spanned_by(
            path,
            format!("`{name}` takes no value; help: the form is `{name}`"),
        );
        return Ok(());
    }
    set(cx, slot, path, path.to_token_stream(), ());
    Ok(())
}

/// A `name = "string"` option.
fn string_option(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<Opt<String>>,
    name: &str,
    form: &str,
) -> syn::Result<()> {
    if let Some((tokens, expr)) = value(cx, meta, form)? {
        match lit_str(&expr) {
            Some(s) => set(cx, slot, &meta.path, tokens, s),
            None => cx.error_spanned_by(&expr, format!("`{name}` must be a string; help: {form}")),
        }
    }
    Ok(())
}

/// The `= value` of an option; records an error (and returns `None`) when there is none.
fn value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    form: &str,
) -> syn::Result<Option<(TokenStream, Expr)>> {
    let path = &meta.path;
    if !meta.input.peek(Token![=]) {
        skip_value(meta)?;
        let name = path.to_token_stream().to_string().replace(' ', "");
        cx.error_spanned_by(path, format!("`{name}` needs a value; help: {form}"));
        return Ok(None);
    }
    let eq: Token![=] = meta.input.parse()?;
    let expr: Expr = meta.input.parse()?;
    Ok(Some((quote!(#path #eq #expr), expr)))
}

/// The parenthesized group that follows an option, as written (for error spans), without consuming it.
fn peek_group(meta: &ParseNestedMeta<'_>) -> syn::Result<proc_macro2::TokenTree> {
    meta.input.fork().parse()
}

/// Consumes whatever value an option has, so that parsing can go on after an error.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Token![=] = meta.input.parse()?;
        let _: Expr = meta.input.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        let _: TokenStream = content.parse()?;
    }
    Ok(())
}

/// `(a, b)` or `(a, b, name = "...")` after `index`, `unique` or `primary_key`.
fn field_list(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    allow_name: bool,
    form: &str,
) -> syn::Result<(Vec<Ident>, Option<String>)> {
    let mut fields = Vec::new();
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        if inner.input.peek(Token![=]) {
            let key = option_name(&inner);
            let parsed = value(cx, &inner, form)?;
            if key != "name" || !allow_name {
                cx.error_spanned_by(
                    &inner.path,
                    format!("unexpected `{key} = ...`; help: {form}"),
                );
            } else if let Some((_, expr)) = parsed {
                match lit_str(&expr) {
                    Some(_) if name.is_some() => cx.error_spanned_by(
                        &inner.path,
                        "duplicate option `name`; help: remove one of them",
                    ),
                    Some(s) => name = Some(s),
                    None => {
                        cx.error_spanned_by(&expr, format!("`name` must be a string; help: {form}"))
                    }
                }
            }
            return Ok(());
        }
        match inner.path.get_ident() {
            Some(ident) if !inner.input.peek(syn::token::Paren) => fields.push(ident.clone()),
            _ => {
                skip_value(&inner)?;
                cx.error_spanned_by(&inner.path, format!("expected a field name; help: {form}"));
            }
        }
        Ok(())
    })?;
    Ok((fields, name))
}

/// Records an unknown option, suggesting the closest known one.
fn unknown(cx: &Ctxt, path: &syn::Path, name: &str, known: &[&str], list: &str) {
    let suggestion = known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    cx.error_spanned_by(
        path,
        format!("unknown option `{name}`; help: {suggestion}the options are {list}"),
    );
}

/// Levenshtein distance, for "did you mean".
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn lit_str_token(expr: &Expr) -> Option<&syn::LitStr> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s),
        _ => None,
    }
}

fn lit_str(expr: &Expr) -> Option<String> {
    lit_str_token(expr).map(syn::LitStr::value)
}

fn lit_bool(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(b), ..
        }) => Some(b.value),
        _ => None,
    }
}

fn positive_int(expr: &Expr) -> Option<u32> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) if i.suffix().is_empty() => i.base10_parse::<u32>().ok().filter(|n| *n > 0),
        _ => None,
    }
}

/// `now`, an integer, float, boolean or string literal, optionally negated.
fn server_default(expr: &Expr) -> Option<ServerDefault> {
    match expr {
        Expr::Path(p) if p.path.is_ident("now") => Some(ServerDefault::CurrentTimestamp),
        Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
            Lit::Int(i) => i.base10_parse().ok().map(ServerDefault::Integer),
            Lit::Float(f) => f
                .base10_parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(ServerDefault::Float),
            Lit::Bool(b) => Some(ServerDefault::Bool(b.value)),
            Lit::Str(s) => Some(ServerDefault::Text(s.value())),
            _ => None,
        },
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match server_default(expr)? {
            ServerDefault::Integer(i) => Some(ServerDefault::Integer(-i)),
            ServerDefault::Float(f) => Some(ServerDefault::Float(-f)),
            _ => None,
        },
        _ => None,
    }
}

/// `User` (the primary key) or `User::id` (a column): a last segment in lower case names a column, as
/// types are written in CamelCase and column handles in snake_case.
fn foreign_key(expr: &Expr) -> Option<ForeignKey> {
    let Expr::Path(p) = expr else { return None };
    if p.qself.is_some() {
        return None;
    }
    let mut model = p.path.clone();
    let last = model.segments.last()?;
    let is_column = model.segments.len() > 1
        && last.arguments.is_none()
        && last
            .ident
            .to_string()
            .trim_start_matches("r#")
            .starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
    if !is_column {
        return Some(ForeignKey {
            model,
            column: None,
        });
    }
    let column = model.segments.pop()?.into_value().ident;
    // `pop` leaves the trailing `::`; drop it so the path prints as `User`.
    let segments = std::mem::take(&mut model.segments);
    model.segments = segments.into_iter().collect();
    Some(ForeignKey {
        model,
        column: Some(column),
    })
}

fn fk_action(expr: &Expr) -> Option<FkAction> {
    match expr {
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| FkAction::parse(&i.to_string())),
        _ => lit_str(expr).and_then(|s| FkAction::parse(&s)),
    }
}

fn expr_text(expr: &Expr) -> String {
    lit_str(expr).unwrap_or_else(|| expr.to_token_stream().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("lenght", "length"), 2);
        assert_eq!(edit_distance("index", "index"), 0);
        assert_eq!(edit_distance("uniq", "unique"), 2);
    }

    #[test]
    fn foreign_key_targets() {
        let fk = foreign_key(&syn::parse_quote!(User)).unwrap();
        assert!(fk.column.is_none());
        let fk = foreign_key(&syn::parse_quote!(models::User)).unwrap();
        assert_eq!(fk.model.to_token_stream().to_string(), "models :: User");
        let fk = foreign_key(&syn::parse_quote!(crate::User::user_id)).unwrap();
        assert_eq!(fk.model.to_token_stream().to_string(), "crate :: User");
        assert_eq!(fk.column.unwrap().to_string(), "user_id");
    }

    #[test]
    fn server_defaults() {
        let d = |e: Expr| server_default(&e);
        assert_eq!(
            d(syn::parse_quote!(now)),
            Some(ServerDefault::CurrentTimestamp)
        );
        assert_eq!(d(syn::parse_quote!(-1)), Some(ServerDefault::Integer(-1)));
        assert_eq!(d(syn::parse_quote!(1.5)), Some(ServerDefault::Float(1.5)));
        assert_eq!(d(syn::parse_quote!(true)), Some(ServerDefault::Bool(true)));
        assert_eq!(
            d(syn::parse_quote!("x")),
            Some(ServerDefault::Text("x".into()))
        );
        assert_eq!(d(syn::parse_quote!(today)), None);
    }
}
