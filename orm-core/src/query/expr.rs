//! Expressions: the untyped [`Node`] tree that is written to SQL, and the typed [`Expr<T>`] the
//! builder hands out, so that a comparison with a value of the wrong type does not compile.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use super::column::Column;
use super::select_clauses::SelectCore;
use super::writer::SqlWriter;
use crate::dialect::BoundList;
use crate::model::Model;
use crate::value::Value;

/// An untyped SQL expression. Built only by the typed API ([`Expr`], [`Column`], the functions of
/// [`crate::query::func`]); it never holds SQL text from outside the library.
#[derive(Clone, Debug, PartialEq)]
pub struct Node(pub(crate) Kind);

/// How a LIKE pattern is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LikeMode {
    /// Case-insensitive (ILIKE, or `lower()` on both sides on SQLite).
    pub(crate) insensitive: bool,
    /// The pattern was escaped by the library: `ESCAPE '\'` is added.
    pub(crate) escaped: bool,
    pub(crate) negated: bool,
}

/// The SQL types an aggregate is cast to, so both backends return the same type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CastTo {
    BigInt,
    Double,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    /// `"table"."column"`, or `"alias"."column"`.
    Column {
        table: &'static str,
        alias: Option<&'static str>,
        name: &'static str,
    },
    /// A bound parameter.
    Value(Value),
    /// Library text: `1`, `*`.
    Literal(&'static str),
    /// `left op right`; `op` is library text with its spaces (` = `).
    Binary(Box<Node>, &'static str, Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    IsNull(Box<Node>, bool),
    Like(Box<Node>, Box<Node>, LikeMode),
    InList(Box<Node>, Vec<Node>, bool),
    InSelect(Box<Node>, Box<SelectCore>, bool),
    Between(Box<Node>, Box<Node>, Box<Node>),
    /// `name(args)`, `name(DISTINCT args)`.
    Func(&'static str, Vec<Node>, bool),
    Cast(Box<Node>, CastTo),
    Exists(Box<SelectCore>),
    Subquery(Box<SelectCore>),
}

impl Node {
    pub(crate) fn value(v: Value) -> Node {
        Node(Kind::Value(v))
    }

    pub(crate) fn column(table: &'static str, name: &'static str) -> Node {
        Node(Kind::Column {
            table,
            alias: None,
            name,
        })
    }

    pub(crate) fn aliased_column(
        table: &'static str,
        alias: &'static str,
        name: &'static str,
    ) -> Node {
        Node(Kind::Column {
            table,
            alias: Some(alias),
            name,
        })
    }

    pub(crate) fn binary(self, op: &'static str, right: Node) -> Node {
        Node(Kind::Binary(Box::new(self), op, Box::new(right)))
    }

    pub(crate) fn is_null_value(&self) -> bool {
        matches!(&self.0, Kind::Value(Value::Null))
    }

    /// The first table (and its alias) this expression names, to infer the FROM clause of a column
    /// select.
    pub(crate) fn first_table(&self) -> Option<(&'static str, Option<&'static str>)> {
        match &self.0 {
            Kind::Column { table, alias, .. } => Some((table, *alias)),
            Kind::Binary(l, _, r) | Kind::Like(l, r, _) => {
                l.first_table().or_else(|| r.first_table())
            }
            Kind::And(v) | Kind::Or(v) | Kind::Func(_, v, _) => {
                v.iter().find_map(Node::first_table)
            }
            Kind::Not(n) | Kind::IsNull(n, _) | Kind::Cast(n, _) => n.first_table(),
            Kind::InList(n, _, _) | Kind::InSelect(n, _, _) | Kind::Between(n, _, _) => {
                n.first_table()
            }
            _ => None,
        }
    }

    /// Writes the expression; values become placeholders, names are quoted.
    pub(crate) fn write(&self, w: &mut SqlWriter) {
        match &self.0 {
            Kind::Column { table, alias, name } => {
                w.qualified(alias.unwrap_or(table), name);
            }
            Kind::Value(v) => {
                w.param(v.clone());
            }
            Kind::Literal(s) => {
                w.push(s);
            }
            Kind::Binary(l, op, r) => {
                l.write_operand(w);
                w.push(op);
                r.write_operand(w);
            }
            Kind::And(items) => write_joined(items, " AND ", w),
            Kind::Or(items) => write_joined(items, " OR ", w),
            Kind::Not(inner) => {
                w.push("NOT (");
                inner.write(w);
                w.push(")");
            }
            Kind::IsNull(inner, negated) => {
                inner.write_operand(w);
                w.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Kind::Like(expr, pattern, mode) => write_like(expr, pattern, *mode, w),
            Kind::InList(expr, items, negated) => {
                if items.is_empty() {
                    // `x IN ()` is a syntax error on PostgreSQL; an empty list matches nothing.
                    w.push(if *negated { "1 = 1" } else { "1 = 0" });
                    return;
                }
                if items.len() > LONG_LIST {
                    if let Some((form, list)) =
                        w.dialect().bound_list().and_then(|f| bound_list(f, items))
                    {
                        write_bound_list(expr, list, form, *negated, w);
                        return;
                    }
                }
                expr.write_operand(w);
                w.push(if *negated { " NOT IN (" } else { " IN (" });
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    item.write(w);
                }
                w.push(")");
            }
            Kind::InSelect(expr, select, negated) => {
                expr.write_operand(w);
                w.push(if *negated { " NOT IN (" } else { " IN (" });
                select.write(w);
                w.push(")");
            }
            Kind::Between(expr, low, high) => {
                expr.write_operand(w);
                w.push(" BETWEEN ");
                low.write_operand(w);
                w.push(" AND ");
                high.write_operand(w);
            }
            Kind::Func(name, args, distinct) => {
                w.push(name).push("(");
                if *distinct {
                    w.push("DISTINCT ");
                }
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    arg.write(w);
                }
                w.push(")");
            }
            Kind::Cast(inner, to) => {
                w.push("CAST(");
                inner.write(w);
                let dialect = w.dialect();
                w.push(" AS ")
                    .push(match to {
                        CastTo::BigInt => dialect.cast_type_bigint(),
                        CastTo::Double => dialect.cast_type_double(),
                    })
                    .push(")");
            }
            Kind::Exists(select) => {
                w.push("EXISTS (");
                select.write(w);
                w.push(")");
            }
            Kind::Subquery(select) => {
                w.push("(");
                select.write(w);
                w.push(")");
            }
        }
    }

    /// Writes the node as an operand of a comparison: compound expressions get parentheses.
    fn write_operand(&self, w: &mut SqlWriter) {
        let compound = matches!(
            &self.0,
            Kind::Binary(..)
                | Kind::And(_)
                | Kind::Or(_)
                | Kind::IsNull(..)
                | Kind::Like(..)
                | Kind::InList(..)
                | Kind::InSelect(..)
                | Kind::Between(..)
        );
        if compound {
            w.push("(");
            self.write(w);
            w.push(")");
        } else {
            self.write(w);
        }
    }
}

fn write_joined(items: &[Node], sep: &str, w: &mut SqlWriter) {
    if items.is_empty() {
        // An empty AND is true, an empty OR is false.
        w.push(if sep == " AND " { "1 = 1" } else { "1 = 0" });
        return;
    }
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.push(sep);
        }
        if matches!(item.0, Kind::And(_) | Kind::Or(_)) && items.len() > 1 {
            w.push("(");
            item.write(w);
            w.push(")");
        } else {
            item.write(w);
        }
    }
}

/// IN lists longer than this are bound as one parameter where the dialect can.
const LONG_LIST: usize = 1000;

/// The one parameter a long list of plain values is bound as, or `None` when an item is not a
/// plain value (an expression) or has no form in `form` (then the list is written out).
fn bound_list(form: BoundList, items: &[Node]) -> Option<(BoundList, Value)> {
    let values = items.iter().map(|n| match &n.0 {
        Kind::Value(v) => Some(v),
        _ => None,
    });
    match form {
        BoundList::Array => values
            .map(|v| v.cloned())
            .collect::<Option<Vec<Value>>>()
            .map(|v| (form, Value::List(v))),
        BoundList::JsonEach => {
            let mut json = String::from("[");
            for (i, v) in values.enumerate() {
                if i > 0 {
                    json.push(',');
                }
                match v? {
                    Value::Bool(b) => json.push_str(if *b { "1" } else { "0" }),
                    Value::I16(n) => json.push_str(&n.to_string()),
                    Value::I32(n) => json.push_str(&n.to_string()),
                    Value::I64(n) => json.push_str(&n.to_string()),
                    Value::F64(f) if f.is_finite() => json.push_str(&format!("{f:?}")),
                    Value::F32(f) if f.is_finite() => {
                        json.push_str(&format!("{:?}", f64::from(*f)))
                    }
                    Value::Text(t) => json_string(t, &mut json),
                    _ => return None,
                }
            }
            json.push(']');
            Some((form, Value::Text(json)))
        }
    }
}

/// `s` as a JSON string.
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_bound_list(expr: &Node, list: Value, form: BoundList, negated: bool, w: &mut SqlWriter) {
    match form {
        BoundList::Array => {
            // `NOT (x = ANY(...))` is NULL for a NULL `x`, as `x NOT IN (...)` is.
            if negated {
                w.push("NOT (");
            }
            expr.write_operand(w);
            w.push(" = ANY(").param(list).push(")");
            if negated {
                w.push(")");
            }
        }
        BoundList::JsonEach => {
            expr.write_operand(w);
            w.push(if negated { " NOT IN" } else { " IN" })
                .push(" (SELECT value FROM json_each(")
                .param(list)
                .push("))");
        }
    }
}

/// Where a library-escaped pattern's text must be found.
#[derive(Clone, Copy, PartialEq)]
enum Anchor {
    /// `%text%` (contains).
    Anywhere,
    /// `text%` (starts_with).
    Start,
    /// `%text` (ends_with).
    End,
}

/// The text a library-escaped pattern looks for, and where, or `None` for any other pattern.
fn anchored_text(pattern: &Node) -> Option<(Anchor, String)> {
    let Kind::Value(Value::Text(p)) = &pattern.0 else {
        return None;
    };
    let leading = p.starts_with('%');
    let body = &p[usize::from(leading)..];
    // A final `%` that is not escaped (an odd run of `\` before it escapes it).
    let trailing = body
        .strip_suffix('%')
        .is_some_and(|rest| rest.chars().rev().take_while(|&c| c == '\\').count() % 2 == 0);
    let inner = &body[..body.len() - usize::from(trailing)];
    let anchor = match (leading, trailing) {
        (true, true) => Anchor::Anywhere,
        (true, false) => Anchor::End,
        (false, true) => Anchor::Start,
        (false, false) => return None,
    };
    Some((anchor, plain_text(inner)?))
}

/// The text of an escaped pattern body, or `None` when it holds an unescaped wildcard (or ends
/// in a lone escape).
fn plain_text(inner: &str) -> Option<String> {
    let mut text = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?),
            '%' | '_' => return None,
            c => text.push(c),
        }
    }
    Some(text)
}

/// `instr(x, ?) > 0` (the dialect's spelling): a substring search, where a LIKE would backtrack
/// over a long value (SQLite: a 3,000-character needle in a 1 MB value took seconds).
fn write_instr(function: &str, expr: &Node, text: String, mode: LikeMode, w: &mut SqlWriter) {
    write_position(function, expr, text, mode, w);
    w.push(if mode.negated { " = 0" } else { " > 0" });
}

/// `function(x, ?)`, both sides folded to lower case for a case-insensitive match.
fn write_position(function: &str, expr: &Node, text: String, mode: LikeMode, w: &mut SqlWriter) {
    w.push(function).push("(");
    if mode.insensitive {
        w.push("lower(");
        expr.write(w);
        w.push("), lower(").param(Value::Text(text)).push("))");
    } else {
        expr.write(w);
        w.push(", ").param(Value::Text(text)).push(")");
    }
}

/// A starts-with or ends-with text longer than the dialect's LIKE takes, as a comparison of the
/// value's start (`instr(x, ?) = 1`) or end (`substr(x, -length(?)) = ?`).
fn write_anchored(anchor: Anchor, expr: &Node, text: String, mode: LikeMode, w: &mut SqlWriter) {
    let eq = if mode.negated { " <> " } else { " = " };
    match anchor {
        Anchor::Start | Anchor::Anywhere => {
            write_position("instr", expr, text, mode, w);
            w.push(eq).push("1");
        }
        Anchor::End => {
            let fold = |w: &mut SqlWriter, open: bool| {
                if mode.insensitive {
                    w.push(if open { "lower(" } else { ")" });
                }
            };
            fold(w, true);
            w.push("substr(");
            expr.write(w);
            w.push(", -length(")
                .param(Value::Text(text.clone()))
                .push("))");
            fold(w, false);
            w.push(eq);
            fold(w, true);
            w.param(Value::Text(text));
            fold(w, false);
        }
    }
}

fn write_like(expr: &Node, pattern: &Node, mode: LikeMode, w: &mut SqlWriter) {
    if let Some((anchor, text)) = mode.escaped.then(|| anchored_text(pattern)).flatten() {
        let dialect = w.dialect();
        if let (Anchor::Anywhere, Some(function)) = (anchor, dialect.substring_position()) {
            write_instr(function, expr, text, mode, w);
            return;
        }
        let pattern_len = match &pattern.0 {
            Kind::Value(Value::Text(p)) => p.len(),
            _ => 0,
        };
        if dialect
            .like_pattern_limit()
            .is_some_and(|max| pattern_len > max)
        {
            write_anchored(anchor, expr, text, mode, w);
            return;
        }
    }
    let not = if mode.negated { " NOT" } else { "" };
    match (mode.insensitive, w.dialect().supports_ilike()) {
        // Without ILIKE, lower() on both sides is portable (and also folds non-ASCII letters that
        // SQLite's own case-insensitive LIKE leaves alone).
        (true, false) => {
            w.push("lower(");
            expr.write(w);
            w.push(")").push(not).push(" LIKE lower(");
            pattern.write(w);
            w.push(")");
        }
        (true, true) => {
            expr.write_operand(w);
            w.push(not).push(" ILIKE ");
            pattern.write_operand(w);
        }
        (false, _) => {
            expr.write_operand(w);
            w.push(not).push(" LIKE ");
            pattern.write_operand(w);
        }
    }
    if mode.escaped {
        w.push(" ESCAPE '\\'");
    } else if w.dialect().like_escapes_backslash_by_default() {
        // PostgreSQL treats `\` as an escape by default and SQLite has none: switching it off makes a
        // pattern mean the same on both (and a trailing `\` is no longer an error).
        w.push(" ESCAPE ''");
    }
}

/// Escapes `\`, `%` and `_` with a backslash, for a LIKE pattern written with `ESCAPE '\'`.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for ch in s.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A typed SQL expression whose value is of Rust type `T`: a column, a function, a condition
/// (`Expr<bool>`, combined with `&`, `|` and `!`).
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::{select, Expr};
///
/// #[derive(Model, Debug)]
/// struct User {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     name: String,
/// }
///
/// let cond: Expr<bool> = User::name.starts_with("s") & !User::id.eq(3);
/// let (sql, params) = select::<User>().filter(cond).build(&orm_core::dialect::Sqlite)?;
/// assert!(sql.ends_with(r#"WHERE "user"."name" LIKE ?1 ESCAPE '\' AND NOT ("user"."id" = ?2)"#));
/// assert_eq!(params.len(), 2);
/// # Ok::<(), orm_core::Error>(())
/// ```
pub struct Expr<T> {
    pub(crate) node: Node,
    _type: PhantomData<fn() -> T>,
}

/// A condition: a boolean expression, as `filter` and `having` take.
pub type Condition = Expr<bool>;

impl<T> Expr<T> {
    pub(crate) fn new(node: Node) -> Self {
        Expr {
            node,
            _type: PhantomData,
        }
    }

    /// The untyped node.
    pub fn into_node(self) -> Node {
        self.node
    }
}

impl<T> Clone for Expr<T> {
    fn clone(&self) -> Self {
        Expr::new(self.node.clone())
    }
}

impl<T> fmt::Debug for Expr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Expr").field(&self.node).finish()
    }
}

impl<M: Model, T> From<Column<M, T>> for Expr<T> {
    fn from(c: Column<M, T>) -> Self {
        Expr::new(Node::column(M::TABLE_NAME, c.name()))
    }
}

impl Expr<bool> {
    /// `self AND other`.
    pub fn and(self, other: impl Into<Expr<bool>>) -> Expr<bool> {
        let mut items = match self.node.0 {
            Kind::And(items) => items,
            other => vec![Node(other)],
        };
        match other.into().node.0 {
            Kind::And(more) => items.extend(more),
            other => items.push(Node(other)),
        }
        Expr::new(Node(Kind::And(items)))
    }

    /// `self OR other`.
    pub fn or(self, other: impl Into<Expr<bool>>) -> Expr<bool> {
        let mut items = match self.node.0 {
            Kind::Or(items) => items,
            other => vec![Node(other)],
        };
        match other.into().node.0 {
            Kind::Or(more) => items.extend(more),
            other => items.push(Node(other)),
        }
        Expr::new(Node(Kind::Or(items)))
    }
}

impl<R: Into<Expr<bool>>> BitAnd<R> for Expr<bool> {
    type Output = Expr<bool>;
    fn bitand(self, rhs: R) -> Expr<bool> {
        self.and(rhs)
    }
}

impl<R: Into<Expr<bool>>> BitOr<R> for Expr<bool> {
    type Output = Expr<bool>;
    fn bitor(self, rhs: R) -> Expr<bool> {
        self.or(rhs)
    }
}

impl Not for Expr<bool> {
    type Output = Expr<bool>;
    /// `NOT (self)`.
    fn not(self) -> Expr<bool> {
        Expr::new(Node(Kind::Not(Box::new(self.node))))
    }
}

/// Every condition ANDed together (true when there is none).
pub fn and_all(conds: impl IntoIterator<Item = Expr<bool>>) -> Expr<bool> {
    Expr::new(Node(Kind::And(conds.into_iter().map(|c| c.node).collect())))
}

/// Any of the conditions (false when there is none).
pub fn or_any(conds: impl IntoIterator<Item = Expr<bool>>) -> Expr<bool> {
    Expr::new(Node(Kind::Or(conds.into_iter().map(|c| c.node).collect())))
}
