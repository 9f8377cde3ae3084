//! Bulk DELETE by filter: [`delete`].

use std::marker::PhantomData;

use super::expr::{Expr, Node};
use super::update::write_where;
use super::writer::SqlWriter;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::model::Model;
use crate::value::Value;

/// `DELETE FROM "t" WHERE ...`, run with [`crate::Session::execute`], which also takes the deleted
/// rows' objects out of the session's identity map.
///
/// # Examples
///
/// ```
/// use orm_core::Model;
/// use orm_core::query::delete;
///
/// #[derive(Model, Debug)]
/// struct User {
///     #[orm(primary_key)]
///     id: Option<i64>,
///     username: String,
/// }
///
/// let (sql, _) = delete::<User>()
///     .filter(User::username.eq("john"))
///     .build(&orm_core::dialect::Sqlite)?;
/// assert_eq!(sql, r#"DELETE FROM "user" WHERE "user"."username" = ?1"#);
/// # Ok::<(), orm_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Delete<M> {
    pub(crate) filters: Vec<Node>,
    _model: PhantomData<fn() -> M>,
}

/// A bulk delete from model `M`'s table (every row unless filtered).
pub fn delete<M: Model>() -> Delete<M> {
    Delete {
        filters: Vec::new(),
        _model: PhantomData,
    }
}

impl<M: Model> Delete<M> {
    /// Deletes only the rows matching `condition` (ANDed with earlier filters).
    pub fn filter(mut self, condition: impl Into<Expr<bool>>) -> Self {
        self.filters.push(condition.into().node);
        self
    }

    /// The statement's SQL text and parameters.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] for a subquery built wrong.
    pub fn build(&self, dialect: &'static dyn Dialect) -> Result<(String, Vec<Value>)> {
        self.build_returning(dialect, false)
    }

    /// With `returning`, the deleted rows' keys are returned.
    pub(crate) fn build_returning(
        &self,
        dialect: &'static dyn Dialect,
        returning: bool,
    ) -> Result<(String, Vec<Value>)> {
        for filter in &self.filters {
            filter.check()?;
        }
        let mut w = SqlWriter::new(dialect);
        w.push("DELETE FROM ").ident(M::TABLE_NAME);
        write_where(&self.filters, &mut w);
        if returning {
            w.push(" RETURNING ")
                .ident_list(M::PRIMARY_KEY.iter().copied());
        }
        Ok(w.finish())
    }
}
