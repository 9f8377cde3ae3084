//! Validation of a parsed model: everything that is wrong with it is recorded in the [`Ctxt`], each
//! mistake at its own span.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::ast::{Field, Model};
use crate::attr::{edit_distance, FieldAttrs, FkAction};
use crate::ctxt::Ctxt;

/// Records every mistake in `model`.
pub fn check(cx: &Ctxt, model: &Model) {
    check_table(cx, model);
    check_primary_key(cx, model);
    for field in &model.fields {
        check_field(cx, model, field);
    }
    check_versions(cx, model);
    check_struct_lists(cx, model);
    check_names(cx, model);
}

const IDENT_HINT: &str = "help: use letters, digits and underscores, not starting with a digit";

/// True for a name made of `[A-Za-z0-9_]`, not empty and not starting with a digit.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_table(cx: &Ctxt, model: &Model) {
    if let Some(t) = &model.attrs.table {
        if !is_valid_name(&t.value) {
            cx.error_spanned_by(t, format!("invalid table name `{}`; {IDENT_HINT}", t.value));
        }
    }
    if let Some(r) = &model.attrs.rename_from {
        if !is_valid_name(&r.value) {
            cx.error_spanned_by(r, format!("invalid table name `{}`; {IDENT_HINT}", r.value));
        }
    }
    if model.constructor() {
        if let Some(f) = model.fields.iter().find(|f| f.ident == "new") {
            cx.error_spanned_by(
                &f.ident,
                "a field named `new` clashes with the generated constructor `new`; help: add \
                 #[orm(constructor = false)] on the struct, or rename the field and keep the column \
                 name with #[orm(column = \"new\")]",
            );
        }
    }
}

fn check_primary_key(cx: &Ctxt, model: &Model) {
    let marked: Vec<&Field> = model
        .fields
        .iter()
        .filter(|f| f.attrs.primary_key.is_some())
        .collect();
    if let Some(pk) = &model.attrs.primary_key {
        for f in &marked {
            cx.error_spanned_by(
                &f.attrs.primary_key,
                "the primary key is declared on the struct already; help: remove this \
                 #[orm(primary_key)] or the struct's primary_key(..)",
            );
        }
        let mut seen = Vec::new();
        for name in &pk.value {
            if seen.contains(&name) {
                cx.error_spanned_by(name, format!("`{name}` is listed twice in `primary_key`"));
            }
            seen.push(name);
            unknown_field(cx, model, name, "primary_key");
        }
    } else {
        match marked.as_slice() {
            [] => cx.error_spanned_by(
                &model.ident,
                "a model needs a primary key; help: mark a field #[orm(primary_key)], as in \
                 `#[orm(primary_key)] id: Option<i64>`, or list the key columns with \
                 #[orm(primary_key(a, b))] on the struct",
            ),
            [_] => {}
            [_, rest @ ..] => {
                for f in rest {
                    cx.error_spanned_by(
                        &f.attrs.primary_key,
                        "two fields are marked primary_key; help: for a composite key write \
                         #[orm(primary_key(a, b))] on the struct",
                    );
                }
            }
        }
    }
    let auto = model.autoincrement_field().map(|f| &f.ident);
    for f in model.primary_key() {
        if f.is_option() && auto != Some(&f.ident) {
            cx.error_spanned_by(
                &f.ty,
                "a primary key cannot be nullable; help: Option<..> is only for an \
                 autoincrementing integer key, which is None until the database assigns it",
            );
        }
    }
    for f in &model.fields {
        let Some(a) = &f.attrs.autoincrement else {
            continue;
        };
        if !model.is_primary_key(f) {
            cx.error_spanned_by(
                a,
                "`autoincrement` applies only to the primary key; help: remove it",
            );
        } else if a.value && auto != Some(&f.ident) {
            cx.error_spanned_by(
                a,
                "only a single integer primary key (i16, i32, i64) can autoincrement; help: remove \
                 `autoincrement = true`",
            );
        }
    }
}

/// The options set on a field, with their tokens, for "conflicts with" messages.
fn options(a: &FieldAttrs) -> Vec<(&'static str, &TokenStream)> {
    let mut out = Vec::new();
    macro_rules! push {
        ($($name:ident),*) => {
            $(if let Some(o) = &a.$name { out.push((stringify!($name), &o.tokens)); })*
        };
    }
    push!(
        primary_key,
        autoincrement,
        length,
        text,
        sql_type,
        index,
        unique,
        default,
        on_update,
        server_default,
        foreign_key,
        on_delete,
        fk_on_update,
        column,
        rename_from,
        version
    );
    out
}

fn check_field(cx: &Ctxt, model: &Model, f: &Field) {
    let a = &f.attrs;
    crate::check_relation::check(cx, model, f, &options(a));
    if f.relation().is_some() {
        return;
    }
    if a.skip.is_some() {
        for (name, tokens) in options(a) {
            cx.error_spanned_by(
                tokens,
                format!(
                    "`{name}` cannot go with `skip`: a skipped field is not a column; help: remove \
                     one of them"
                ),
            );
        }
        return;
    }
    if let Some(len) = &a.length {
        if !f.is_string() {
            cx.error_spanned_by(
                len,
                "`length` applies only to a `String` or `Option<String>` field (it makes a \
                 VARCHAR(n)); help: for another type spell the column type with `sql_type = \"...\"`",
            );
        }
    }
    if let Some(text) = &a.text {
        if a.length.is_some() {
            cx.error_spanned_by(
                text,
                "`text` conflicts with `length`; help: `length = N` makes a VARCHAR(N) and `text` an \
                 unbounded TEXT: keep one",
            );
        } else if !f.is_string() {
            cx.error_spanned_by(
                text,
                "`text` applies only to a `String` or `Option<String>` field; help: for another type \
                 spell the column type with `sql_type = \"...\"`",
            );
        }
    }
    if let Some(sql) = &a.sql_type {
        if a.length.is_some() || a.text.is_some() {
            cx.error_spanned_by(
                sql,
                "`sql_type` conflicts with `length` and `text`; help: keep one way of giving the type",
            );
        }
        if sql.value.trim().is_empty() {
            cx.error_spanned_by(
                sql,
                "empty `sql_type`; help: the form is `sql_type = \"NUMERIC(10, 2)\"`",
            );
        }
    }
    if let Some(v) = &a.version {
        let ok = !f.is_option() && matches!(f.base_type_name().as_deref(), Some("i32" | "i64"));
        if !ok {
            cx.error_spanned_by(
                v,
                "`version` applies only to an `i32` or `i64` field; help: the form is \
                 `#[orm(version)] version: i64`",
            );
        }
        if model.is_primary_key(f) {
            cx.error_spanned_by(v, "the version column cannot be part of the primary key");
        }
    }
    for (name, action) in [
        ("on_delete", &a.on_delete),
        ("fk_on_update", &a.fk_on_update),
    ] {
        let Some(action) = action else { continue };
        if a.foreign_key.is_none() {
            cx.error_spanned_by(
                action,
                format!(
                    "`{name}` needs `foreign_key`; help: the form is \
                     `foreign_key = Model, {name} = cascade`"
                ),
            );
        } else if action.value == FkAction::SetNull && !f.is_option() {
            cx.error_spanned_by(
                action,
                format!(
                    "`{name} = set_null` needs a nullable column; help: make the field an \
                     `Option<..>` or choose another action"
                ),
            );
        }
    }
    for name in [&a.column, &a.rename_from].into_iter().flatten() {
        if !is_valid_name(&name.value) {
            cx.error_spanned_by(
                name,
                format!("invalid column name `{}`; {IDENT_HINT}", name.value),
            );
        }
    }
}

fn check_versions(cx: &Ctxt, model: &Model) {
    let versions: Vec<_> = model
        .columns()
        .filter_map(|f| f.attrs.version.as_ref())
        .collect();
    for v in versions.iter().skip(1) {
        cx.error_spanned_by(
            v,
            "two fields are marked version; help: a model has at most one version column",
        );
    }
}

fn unknown_field(cx: &Ctxt, model: &Model, name: &syn::Ident, option: &str) {
    if model.column_field(name).is_some() {
        return;
    }
    if model.fields.iter().any(|f| f.ident == *name) {
        cx.error_spanned_by(
            name,
            format!("`{name}` is marked skip, so it is not a column and cannot be in `{option}`"),
        );
        return;
    }
    let fields: Vec<String> = model.columns().map(|f| f.ident.to_string()).collect();
    let written = name.to_string();
    let suggestion = fields
        .iter()
        .map(|f| (edit_distance(&written, f), f))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, f)| format!("did you mean `{f}`? "))
        .unwrap_or_default();
    cx.error_spanned_by(
        name,
        format!(
            "unknown field `{name}` in `{option}`; help: {suggestion}the fields are {}",
            fields.join(", ")
        ),
    );
}

fn check_struct_lists(cx: &Ctxt, model: &Model) {
    for spec in &model.attrs.indexes {
        let option = if spec.unique { "unique" } else { "index" };
        let mut seen = Vec::new();
        for name in &spec.fields {
            if seen.contains(&name) {
                cx.error_spanned_by(name, format!("`{name}` is listed twice in `{option}`"));
            }
            seen.push(name);
            unknown_field(cx, model, name, option);
        }
        if let Some(n) = &spec.name {
            if !is_valid_name(n) {
                cx.error_spanned_by(
                    &spec.tokens,
                    format!("invalid {option} name `{n}`; {IDENT_HINT}"),
                );
            }
        }
    }
    for c in &model.attrs.checks {
        if let Some(label) = &c.label {
            if !is_valid_name(label) {
                cx.error_spanned_by(
                    &c.tokens,
                    format!("invalid check name `{label}`; {IDENT_HINT}"),
                );
            }
        }
        if c.expr.trim().is_empty() {
            cx.error_spanned_by(
                &c.tokens,
                "empty check expression; help: the form is `check = \"age >= 0\"`",
            );
        }
    }
}

/// Column names and index, constraint and check names must be unique.
fn check_names(cx: &Ctxt, model: &Model) {
    let mut columns: BTreeMap<String, &Field> = BTreeMap::new();
    for f in model.columns() {
        let name = f.column_name();
        if let Some(first) = columns.get(&name) {
            let at = match &f.attrs.column {
                Some(c) => c.tokens.clone(),
                None => f.ident.to_token_stream(),
            };
            cx.error_spanned_by(
                at,
                format!(
                    "duplicate column name `{name}` (field `{}` has it already); help: give one of \
                     them another name with #[orm(column = \"...\")]",
                    first.ident
                ),
            );
        } else {
            columns.insert(name, f);
        }
    }
    let mut names = BTreeMap::new();
    let all = model
        .indexes()
        .into_iter()
        .map(|i| i.name)
        .chain(model.checks().into_iter().map(|(n, _)| n));
    for name in all {
        *names.entry(name).or_insert(0) += 1;
    }
    for (name, count) in names {
        if count > 1 {
            cx.error_spanned_by(
                &model.ident,
                format!(
                    "two indexes or constraints are named `{name}`; help: give one of them \
                     `name = \"...\"`, or drop the duplicate"
                ),
            );
        }
    }
}
