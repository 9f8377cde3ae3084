//! Struct options: `#[orm(...)]` on the struct.

use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::Token;

use super::parse::{
    field_list, lit_bool, lit_str, lit_str_token, option_name, peek_group, set, skip_value,
    string_option, unknown, value, FIELD_NAMES, STRUCT_NAMES, STRUCT_OPTIONS,
};
use super::{CheckSpec, ContainerAttrs, IndexSpec};
use crate::ctxt::Ctxt;

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
