//! The untyped SELECT ([`SelectCore`]): every clause, and how it is written.

use super::expr::{Kind, Node};
use super::order::Order;
use super::writer::SqlWriter;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::schema::TableDef;
use crate::value::Value;

/// A table in FROM or JOIN.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Source {
    pub(crate) table: &'static str,
    pub(crate) alias: Option<&'static str>,
    pub(crate) def: Option<&'static TableDef>,
}

impl Source {
    /// The name columns of this source are qualified with.
    pub(crate) fn qualifier(&self) -> &'static str {
        self.alias.unwrap_or(self.table)
    }

    pub(crate) fn write(&self, w: &mut SqlWriter) {
        w.ident(self.table);
        if let Some(alias) = self.alias {
            w.push(" AS ").ident(alias);
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Join {
    pub(crate) left: bool,
    pub(crate) source: Source,
    pub(crate) on: Node,
}

/// The untyped SELECT: every clause, ready to be written.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct SelectCore {
    pub(crate) distinct: bool,
    pub(crate) columns: Vec<Node>,
    pub(crate) from: Option<Source>,
    /// `FROM (<subquery>) AS "sub"` instead of a table (counting a grouped or limited query).
    pub(crate) from_select: Option<Box<SelectCore>>,
    pub(crate) joins: Vec<Join>,
    pub(crate) filters: Vec<Node>,
    pub(crate) group_by: Vec<Node>,
    pub(crate) having: Vec<Node>,
    pub(crate) order: Vec<Order>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    /// A mistake found while building (a join without a foreign key), reported when the query runs.
    pub(crate) error: Option<String>,
}

fn count_param(n: u64) -> Value {
    Value::I64(i64::try_from(n).unwrap_or(i64::MAX))
}

impl SelectCore {
    /// The first building mistake, here or in a subquery.
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(e) = &self.error {
            return Err(Error::config(e.clone()));
        }
        if let Some(inner) = &self.from_select {
            inner.check()?;
        } else if self.from.is_none() {
            return Err(Error::config(
                "the query selects from no table: name one with `select_from`",
            ));
        }
        let nodes = self
            .columns
            .iter()
            .chain(&self.filters)
            .chain(&self.having)
            .chain(self.joins.iter().map(|j| &j.on));
        for node in nodes {
            node.check()?;
        }
        Ok(())
    }

    /// Writes the statement. Call [`SelectCore::check`] first.
    pub(crate) fn write(&self, w: &mut SqlWriter) {
        w.push("SELECT ");
        if self.distinct {
            w.push("DISTINCT ");
        }
        for (i, c) in self.columns.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            c.write(w);
        }
        if let Some(inner) = &self.from_select {
            w.push(" FROM (");
            inner.write(w);
            w.push(") AS ").ident("sub");
        } else if let Some(from) = &self.from {
            w.push(" FROM ");
            from.write(w);
        }
        for join in &self.joins {
            w.push(if join.left {
                " LEFT JOIN "
            } else {
                " INNER JOIN "
            });
            join.source.write(w);
            w.push(" ON ");
            join.on.write(w);
        }
        self.write_where(w);
        if !self.group_by.is_empty() {
            w.push(" GROUP BY ");
            for (i, g) in self.group_by.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                g.write(w);
            }
        }
        if !self.having.is_empty() {
            w.push(" HAVING ");
            Node(Kind::And(self.having.clone())).write(w);
        }
        if !self.order.is_empty() {
            w.push(" ORDER BY ");
            for (i, o) in self.order.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                o.write(w);
            }
        }
        self.write_limit(w);
    }

    pub(crate) fn write_where(&self, w: &mut SqlWriter) {
        match self.filters.as_slice() {
            [] => {}
            [one] => {
                w.push(" WHERE ");
                one.write(w);
            }
            many => {
                w.push(" WHERE ");
                Node(Kind::And(many.to_vec())).write(w);
            }
        }
    }

    fn write_limit(&self, w: &mut SqlWriter) {
        match (self.limit, self.offset) {
            (Some(limit), offset) => {
                w.push(" LIMIT ").param(count_param(limit));
                if let Some(offset) = offset {
                    w.push(" OFFSET ").param(count_param(offset));
                }
            }
            (None, Some(offset)) => {
                if let Some(no_limit) = w.dialect().limit_before_bare_offset() {
                    w.push(no_limit);
                }
                w.push(" OFFSET ").param(count_param(offset));
            }
            (None, None) => {}
        }
    }

    /// The statement counting the rows this query returns.
    pub(crate) fn count_query(&self) -> SelectCore {
        let count = super::func::count_all().node;
        if !self.distinct
            && self.group_by.is_empty()
            && self.limit.is_none()
            && self.offset.is_none()
        {
            let mut core = self.clone();
            core.columns = vec![count];
            core.order.clear();
            return core;
        }
        let mut inner = self.clone();
        if inner.limit.is_none() && inner.offset.is_none() {
            inner.order.clear();
        }
        SelectCore {
            columns: vec![count],
            from_select: Some(Box::new(inner)),
            ..SelectCore::default()
        }
    }

    /// Writes the statement to text and parameters.
    pub(crate) fn build(&self, dialect: &'static dyn Dialect) -> Result<(String, Vec<Value>)> {
        self.check()?;
        let mut w = SqlWriter::new(dialect);
        self.write(&mut w);
        Ok(w.finish())
    }
}

impl Node {
    fn is_text_with_nul(&self) -> bool {
        matches!(&self.0, Kind::Value(Value::Text(t)) if t.contains('\0'))
    }

    /// The first building mistake inside this expression (a subquery built wrong, a pattern that
    /// no backend can match as written).
    pub(crate) fn check(&self) -> Result<()> {
        match &self.0 {
            Kind::InSelect(n, s, _) => n.check().and_then(|()| s.check()),
            Kind::Exists(s) | Kind::Subquery(s) => s.check(),
            Kind::Like(_, pattern, _) if pattern.is_text_with_nul() => Err(Error::InvalidValue(
                "a LIKE pattern cannot contain a NUL character: SQLite ends the pattern there \
                 (matching far more rows than asked) and PostgreSQL refuses it, so it is refused \
                 on every backend"
                    .to_owned(),
            )),
            Kind::Binary(l, _, r) | Kind::Like(l, r, _) => l.check().and_then(|()| r.check()),
            Kind::And(v) | Kind::Or(v) | Kind::Func(_, v, _) | Kind::InList(_, v, _) => {
                v.iter().try_for_each(Node::check)
            }
            Kind::Not(n) | Kind::IsNull(n, _) | Kind::Cast(n, _) => n.check(),
            Kind::Between(a, b, c) => a.check().and(b.check()).and(c.check()),
            _ => Ok(()),
        }
    }
}

impl SelectCore {
    /// `SELECT EXISTS (SELECT 1 FROM ...)`.
    pub(crate) fn build_exists(
        &self,
        dialect: &'static dyn Dialect,
    ) -> Result<(String, Vec<Value>)> {
        self.check()?;
        let mut inner = self.clone();
        inner.columns = vec![Node(Kind::Literal("1"))];
        if inner.limit.is_none() && inner.offset.is_none() {
            inner.order.clear();
        }
        let mut w = SqlWriter::new(dialect);
        w.push("SELECT EXISTS (");
        inner.write(&mut w);
        w.push(")");
        Ok(w.finish())
    }

    /// The table named in messages about this query's rows.
    pub(crate) fn table_name(&self) -> &'static str {
        self.from.as_ref().map_or("?", |f| f.table)
    }

    /// Caps the LIMIT at `n`.
    pub(crate) fn cap_limit(&mut self, n: u64) {
        self.limit = Some(self.limit.map_or(n, |l| l.min(n)));
    }
}
