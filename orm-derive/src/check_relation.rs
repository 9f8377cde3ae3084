//! Validation of relationship fields (`BelongsTo<T>`, `HasMany<T>`, `WriteOnly<T>`,
//! `ManyToMany<T>`) and of relationship options on other fields.

use proc_macro2::TokenStream;

use crate::ast::{last_ident, Field, Model, RelKind};
use crate::attr::{FieldAttrs, Lazy};
use crate::ctxt::Ctxt;

const KINDS: &str = "BelongsTo<T>, HasMany<T>, WriteOnly<T> or ManyToMany<T>";

/// The relationship options set on a field, with their tokens.
fn relation_options(a: &FieldAttrs) -> Vec<(&'static str, &TokenStream)> {
    let mut out = Vec::new();
    macro_rules! push {
        ($($name:ident),*) => {
            $(if let Some(o) = &a.$name { out.push((stringify!($name), &o.tokens)); })*
        };
    }
    push!(via, through, back_populates, cascade, passive_deletes, lazy);
    out
}

/// Records the mistakes of field `f`'s relationship options.
pub fn check(cx: &Ctxt, model: &Model, f: &Field, column_options: &[(&'static str, &TokenStream)]) {
    let a = &f.attrs;
    let Some((kind, _)) = f.relation() else {
        for (name, tokens) in relation_options(a) {
            cx.error_spanned_by(
                tokens,
                format!(
                    "`{name}` applies only to a relationship field; help: give the field the type \
                     {KINDS}"
                ),
            );
        }
        return;
    };
    for (name, tokens) in column_options {
        cx.error_spanned_by(
            tokens,
            format!(
                "`{name}` is a column option, and `{}` is a relationship, not a column; help: put \
                 it on the foreign key field",
                f.ident
            ),
        );
    }
    if let Some(s) = &a.skip {
        cx.error_spanned_by(
            s,
            "a relationship field is never a column, so `skip` is not needed; help: remove it",
        );
    }
    let only = |opt: Option<&TokenStream>, name: &str, on: &str| {
        if let Some(tokens) = opt {
            cx.error_spanned_by(
                tokens,
                format!(
                    "`{name}` does not apply to a {kind:?} relationship; help: it goes on {on}"
                ),
            );
        }
    };
    match kind {
        RelKind::BelongsTo => {
            only(
                a.through.as_ref().map(|o| &o.tokens),
                "through",
                "a ManyToMany",
            );
            only(
                a.cascade.as_ref().map(|o| &o.tokens),
                "cascade",
                "the to-many side",
            );
            only(
                a.passive_deletes.as_ref().map(|o| &o.tokens),
                "passive_deletes",
                "the to-many side",
            );
            check_belongs_to_via(cx, model, f);
        }
        RelKind::HasMany | RelKind::WriteOnly => {
            only(
                a.through.as_ref().map(|o| &o.tokens),
                "through",
                "a ManyToMany",
            );
            if let Some(via) = &a.via {
                if !matches!(via.value.as_slice(), [v] if v.model.is_some()) {
                    cx.error_spanned_by(
                        via,
                        "`via` of a to-many relationship names the target's foreign key; help: the \
                         form is `via = Post::user_id`",
                    );
                }
            }
        }
        RelKind::ManyToMany => {
            if a.through.is_none() {
                cx.error_spanned_by(
                    &f.ty,
                    "a ManyToMany relationship needs its association model; help: the form is \
                     #[orm(through = Follow)] or #[orm(through = Follow, via = (Follow::follower_id, \
                     Follow::followed_id))]",
                );
            }
            if let Some(via) = &a.via {
                if !matches!(via.value.as_slice(), [l, r] if l.model.is_some() && r.model.is_some())
                {
                    cx.error_spanned_by(
                        via,
                        "`via` of a ManyToMany names the association's two foreign keys, this \
                         model's first; help: the form is `via = (Follow::follower_id, \
                         Follow::followed_id)`",
                    );
                }
            }
        }
    }
    if let Some(lazy) = &a.lazy {
        if lazy.value == Lazy::Joined && kind != RelKind::BelongsTo {
            cx.error_spanned_by(
                lazy,
                "joined loading is for to-one (BelongsTo) relationships; help: use \
                 `lazy = \"selectin\"`",
            );
        }
        if kind == RelKind::WriteOnly && lazy.value != Lazy::Raise {
            cx.error_spanned_by(
                lazy,
                "a WriteOnly relationship is never loaded; help: make it a HasMany to load it",
            );
        }
    }
}

fn check_belongs_to_via(cx: &Ctxt, model: &Model, f: &Field) {
    let fk_fields: Vec<String> = model
        .columns()
        .filter(|c| c.attrs.foreign_key.is_some())
        .map(|c| c.ident.to_string())
        .collect();
    let listed = if fk_fields.is_empty() {
        "the model has no foreign key field".to_owned()
    } else {
        format!("the foreign key fields are {}", fk_fields.join(", "))
    };
    if let Some(via) = &f.attrs.via {
        let [v] = via.value.as_slice() else {
            cx.error_spanned_by(
                via,
                "`via` of a BelongsTo names one foreign key field of this model; help: the form \
                 is `via = user_id`",
            );
            return;
        };
        if v.model.is_some() {
            cx.error_spanned_by(
                via,
                "`via` of a BelongsTo names a field of this model; help: the form is \
                 `via = user_id`",
            );
        } else if model.column_field(&v.column).is_none() {
            cx.error_spanned_by(
                &v.column,
                format!("unknown field `{}` in `via`; help: {listed}", v.column),
            );
        } else if model
            .column_field(&v.column)
            .is_some_and(|c| c.attrs.foreign_key.is_none())
        {
            cx.error_spanned_by(
                &v.column,
                format!(
                    "`{}` is not a foreign key; help: mark it #[orm(foreign_key = Model)]",
                    v.column
                ),
            );
        }
        return;
    }
    if model.belongs_to_fk(f).is_none() {
        let target = f
            .relation()
            .and_then(|(_, t)| last_ident(t))
            .map(|i| i.to_string())
            .unwrap_or_default();
        cx.error_spanned_by(
            &f.ty,
            format!(
                "cannot tell which field is the foreign key of `{}` to `{target}`; help: name it \
                 with #[orm(via = field)] ({listed}), or add #[orm(foreign_key = {target})] on it",
                f.ident
            ),
        );
    }
}
