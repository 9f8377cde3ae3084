//! The pieces shared by field and struct option parsing.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::{Expr, Ident, Lit, Token};

use super::{FkAction, ForeignKey, Opt, ServerDefault};
use crate::ctxt::Ctxt;

pub(super) const FIELD_OPTIONS: &str =
    "primary_key, autoincrement = false, length = N, text, sql_type = \"...\", \
index, unique, default = path::to::fn, on_update = path::to::fn, server_default = ..., \
server_default_sql = \"...\", foreign_key = Model, on_delete = action, fk_on_update = action, \
column = \"name\", rename_from = \"old_name\", version, skip; on a relationship field: \
via = ..., through = Model, back_populates = field, cascade = \"delete\", passive_deletes, \
lazy = \"selectin\"";

pub(super) const STRUCT_OPTIONS: &str =
    "table = \"name\", rename_from = \"old_name\", primary_key(a, b), \
index(a, b), unique(a, b), check(name = \"label\", expr = \"sql\"), check = \"sql\", \
constructor = false, crate = \"path\"";

pub(super) const FIELD_NAMES: &[&str] = &[
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
    "via",
    "through",
    "back_populates",
    "cascade",
    "passive_deletes",
    "lazy",
];

pub(super) const STRUCT_NAMES: &[&str] = &[
    "table",
    "rename_from",
    "primary_key",
    "index",
    "unique",
    "check",
    "constructor",
    "crate",
];

pub(super) const FK_ACTION_FORM: &str =
    "the actions are cascade, set_null, set_default, restrict and no_action";

/// The option's name as written (a single identifier, or the path rendered).
pub(super) fn option_name(meta: &ParseNestedMeta<'_>) -> String {
    match meta.path.get_ident() {
        Some(i) => i.to_string(),
        None => meta.path.to_token_stream().to_string().replace(' ', ""),
    }
}

/// Stores an option, or records a duplicate.
pub(super) fn set<T>(
    cx: &Ctxt,
    slot: &mut Option<Opt<T>>,
    path: &syn::Path,
    tokens: TokenStream,
    value: T,
) {
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
pub(super) fn flag(
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
pub(super) fn string_option(
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
pub(super) fn value(
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
pub(super) fn peek_group(meta: &ParseNestedMeta<'_>) -> syn::Result<proc_macro2::TokenTree> {
    meta.input.fork().parse()
}

/// Consumes whatever value an option has, so that parsing can go on after an error.
pub(super) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
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
pub(super) fn field_list(
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
pub(super) fn unknown(cx: &Ctxt, path: &syn::Path, name: &str, known: &[&str], list: &str) {
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

pub(super) fn lit_str_token(expr: &Expr) -> Option<&syn::LitStr> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s),
        _ => None,
    }
}

pub(super) fn lit_str(expr: &Expr) -> Option<String> {
    lit_str_token(expr).map(syn::LitStr::value)
}

pub(super) fn lit_bool(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(b), ..
        }) => Some(b.value),
        _ => None,
    }
}

pub(super) fn positive_int(expr: &Expr) -> Option<u32> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) if i.suffix().is_empty() => i.base10_parse::<u32>().ok().filter(|n| *n > 0),
        _ => None,
    }
}

/// `now`, an integer, float, boolean or string literal, optionally negated.
pub(super) fn server_default(expr: &Expr) -> Option<ServerDefault> {
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
pub(super) fn foreign_key(expr: &Expr) -> Option<ForeignKey> {
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

pub(super) fn fk_action(expr: &Expr) -> Option<FkAction> {
    match expr {
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| FkAction::parse(&i.to_string())),
        _ => lit_str(expr).and_then(|s| FkAction::parse(&s)),
    }
}

pub(super) fn expr_text(expr: &Expr) -> String {
    lit_str(expr).unwrap_or_else(|| expr.to_token_stream().to_string())
}

/// `user_id`, `Post::user_id`, or a parenthesized pair of them.
pub(super) fn via(expr: &Expr) -> Option<Vec<super::ViaColumn>> {
    let one = |e: &Expr| -> Option<super::ViaColumn> {
        let Expr::Path(p) = e else { return None };
        if p.qself.is_some() {
            return None;
        }
        let mut model = p.path.clone();
        let column = model.segments.pop()?.into_value().ident;
        if model.segments.is_empty() {
            return Some(super::ViaColumn {
                model: None,
                column,
            });
        }
        let segments = std::mem::take(&mut model.segments);
        model.segments = segments.into_iter().collect();
        Some(super::ViaColumn {
            model: Some(model),
            column,
        })
    };
    match expr {
        Expr::Tuple(t) => t.elems.iter().map(one).collect(),
        Expr::Paren(p) => one(&p.expr).map(|v| vec![v]),
        e => one(e).map(|v| vec![v]),
    }
}

/// `"delete"`, `"delete, delete-orphan"`, `"all"`, `"all, delete-orphan"`, `"save-update"`.
pub(super) fn cascade(expr: &Expr) -> Option<super::Cascade> {
    let s = lit_str(expr)?;
    let mut c = super::Cascade::default();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "delete" | "all" => c.delete = true,
            "delete-orphan" => c.delete_orphan = true,
            "save-update" | "merge" => {}
            _ => return None,
        }
    }
    if c.delete_orphan {
        c.delete = true;
    }
    Some(c)
}

pub(super) fn lazy(expr: &Expr) -> Option<super::Lazy> {
    let s = lit_str(expr).or_else(|| match expr {
        Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    })?;
    match s.as_str() {
        "raise" | "select" | "noload" => Some(super::Lazy::Raise),
        "selectin" => Some(super::Lazy::SelectIn),
        "joined" => Some(super::Lazy::Joined),
        _ => None,
    }
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
