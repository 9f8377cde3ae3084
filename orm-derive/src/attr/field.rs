//! Field options: `#[orm(...)]` on a field.

use syn::meta::ParseNestedMeta;
use syn::Expr;

use super::parse::{
    cascade, expr_text, fk_action, flag, foreign_key, lazy, lit_bool, lit_str, lit_str_token,
    option_name, positive_int, server_default, set, skip_value, string_option, unknown, value, via,
    FIELD_NAMES, FIELD_OPTIONS, FK_ACTION_FORM, STRUCT_NAMES,
};
use super::{FieldAttrs, ServerDefault};
use crate::ctxt::Ctxt;

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
            "passive_deletes" => flag(cx, &meta, &mut self.passive_deletes, "passive_deletes")?,
            "via" => {
                let form = "the form is `via = user_id` (a foreign key field of this model) on a \
                            BelongsTo, `via = Post::user_id` on a HasMany or WriteOnly, or \
                            `via = (Follow::follower_id, Follow::followed_id)` on a ManyToMany";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match via(&expr) {
                        Some(v) => set(cx, &mut self.via, &path, tokens, v),
                        None => {
                            cx.error_spanned_by(&expr, format!("malformed `via`; help: {form}"))
                        }
                    }
                }
            }
            "through" => {
                let form = "the form is `through = AssociationModel`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match expr {
                        Expr::Path(p) if p.qself.is_none() => {
                            set(cx, &mut self.through, &path, tokens, p.path)
                        }
                        other => cx
                            .error_spanned_by(&other, format!("malformed `through`; help: {form}")),
                    }
                }
            }
            "back_populates" => {
                let form = "the form is `back_populates = field` (the inverse relationship field)";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    let ident = match &expr {
                        Expr::Path(p) => p.path.get_ident().cloned(),
                        _ => lit_str_token(&expr).and_then(|s| s.parse::<syn::Ident>().ok()),
                    };
                    match ident {
                        Some(i) => set(cx, &mut self.back_populates, &path, tokens, i),
                        None => cx.error_spanned_by(
                            &expr,
                            format!("malformed `back_populates`; help: {form}"),
                        ),
                    }
                }
            }
            "cascade" => {
                let form =
                    "the form is `cascade = \"delete\"` or `cascade = \"delete, delete-orphan\"`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match cascade(&expr) {
                        Some(c) => set(cx, &mut self.cascade, &path, tokens, c),
                        None => {
                            cx.error_spanned_by(&expr, format!("unknown `cascade`; help: {form}"))
                        }
                    }
                }
            }
            "lazy" => {
                let form =
                    "the form is `lazy = \"selectin\"`, `lazy = \"joined\"` or `lazy = \"raise\"`";
                if let Some((tokens, expr)) = value(cx, &meta, form)? {
                    match lazy(&expr) {
                        Some(l) => set(cx, &mut self.lazy, &path, tokens, l),
                        None => cx.error_spanned_by(&expr, format!("unknown `lazy`; help: {form}")),
                    }
                }
            }
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
