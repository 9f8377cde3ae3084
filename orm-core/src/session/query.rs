//! Running queries in a session: every result goes through the identity map, and pending changes are
//! flushed first when autoflush is on.

use super::decode::{Decode, FromRow};
use super::{Obj, Session};
use crate::backend::RowReader;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::paginate::{Keyset, KeysetPage, Page, PageRequest};
use crate::query::{AsSelect, Entity, Raw, RowOf, SelectCore};
use crate::value::{SqlType, Value};

impl Session {
    /// Flushes pending changes when autoflush is on, so that the query sees them.
    fn autoflush_before_query(&mut self) -> Result<()> {
        self.autoflush()?;
        Ok(())
    }

    /// Runs `core` and decodes every row straight from the driver's row. On PostgreSQL the driver
    /// fetches the rows in one go: its streaming iterator costs a hand-over to the driver's runtime
    /// per row, several times the decoding itself.
    fn collect<S: Decode>(&mut self, core: &SelectCore, selection: &S) -> Result<Vec<S::Output>> {
        let (sql, params) = core.build(self.engine().dialect())?;
        self.autoflush_before_query()?;
        let mut out = Vec::new();
        self.with_connection_taken(|conn, session| {
            conn.query_rows(&sql, &params, |row| {
                out.push(selection.decode(&mut RowReader::new(row), session)?);
                Ok(true)
            })
        })?;
        selection.finish(&mut out, self)?;
        Ok(out)
    }

    /// Every row of `query`: objects for [`crate::query::select`] (the same object for a row already
    /// loaded), values or tuples for [`crate::query::select_columns`].
    ///
    /// # Errors
    ///
    /// A database error, [`Error::Decode`], or [`Error::Config`] for a query built wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use orm_core::{Engine, Model};
    /// use orm_core::query::select;
    ///
    /// #[derive(Model, Debug)]
    /// struct User {
    ///     #[orm(primary_key)]
    ///     id: Option<i64>,
    ///     username: String,
    /// }
    ///
    /// let engine = Engine::connect("sqlite::memory:")?;
    /// engine.create_all()?;
    /// let mut session = engine.session();
    /// session.add(User::new("john"));
    /// session.add(User::new("susan"));
    /// let users = session.all(select::<User>().order_by(User::username.desc()))?;
    /// let names: Vec<String> = users.iter().map(|u| u.read().username.clone()).collect();
    /// assert_eq!(names, ["susan", "john"]);
    /// # Ok::<(), orm_core::Error>(())
    /// ```
    pub fn all<Q: AsSelect<Selection: Decode>>(&mut self, query: Q) -> Result<Vec<RowOf<Q>>> {
        let q = query.as_select();
        self.collect(&q.core, &q.selection)
    }

    /// The first row, or `None`; adds `LIMIT 1`.
    ///
    /// # Errors
    ///
    /// As [`Session::all`].
    pub fn first<Q: AsSelect<Selection: Decode>>(&mut self, query: Q) -> Result<Option<RowOf<Q>>> {
        let q = query.as_select();
        let mut core = q.core.clone();
        core.cap_limit(1);
        Ok(self.collect(&core, &q.selection)?.into_iter().next())
    }

    /// Exactly one row.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for no row, [`Error::MultipleRows`] for more than one; as [`Session::all`].
    pub fn one<Q: AsSelect<Selection: Decode>>(&mut self, query: Q) -> Result<RowOf<Q>> {
        let table = query.as_select().core.table_name();
        self.one_or_none(query)?.ok_or_else(|| Error::NotFound {
            table: table.to_owned(),
        })
    }

    /// The one row, or `None` when there is none.
    ///
    /// # Errors
    ///
    /// [`Error::MultipleRows`] for more than one row; as [`Session::all`].
    pub fn one_or_none<Q: AsSelect<Selection: Decode>>(
        &mut self,
        query: Q,
    ) -> Result<Option<RowOf<Q>>> {
        let q = query.as_select();
        let mut core = q.core.clone();
        core.cap_limit(2);
        let mut rows = self.collect(&core, &q.selection)?;
        if rows.len() > 1 {
            return Err(Error::MultipleRows {
                table: core.table_name().to_owned(),
            });
        }
        Ok(rows.pop())
    }

    /// The single value of a one-column query (`SELECT max(...)`), `None` when there is no row.
    ///
    /// # Errors
    ///
    /// [`Error::MultipleRows`] for more than one row; as [`Session::all`].
    pub fn scalar<Q: AsSelect<Selection: Decode>>(&mut self, query: Q) -> Result<Option<RowOf<Q>>> {
        self.one_or_none(query)
    }

    /// The number of rows `query` returns (its ORDER BY dropped; grouped, distinct or limited queries
    /// are counted as a subquery).
    ///
    /// # Errors
    ///
    /// As [`Session::all`].
    pub fn count<Q: AsSelect<Selection: Decode>>(&mut self, query: Q) -> Result<u64> {
        let core = query.as_select().core.count_query();
        let n = self
            .collect(&core, &crate::query::func::count_all())?
            .pop()
            .unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Whether `query` returns any row (`SELECT EXISTS (SELECT 1 ...)`).
    ///
    /// # Errors
    ///
    /// As [`Session::all`].
    pub fn exists<Q: AsSelect<Selection: Decode>>(&mut self, query: Q) -> Result<bool> {
        let (sql, params) = query
            .as_select()
            .core
            .build_exists(self.engine().dialect())?;
        self.autoflush_before_query()?;
        let row = self
            .with_connection_taken(|conn, _| conn.query(&sql, &params))?
            .rows
            .pop();
        let value = row
            .and_then(|r| r.into_iter().next())
            .unwrap_or(Value::Null);
        bool::from_value(value).map_err(|e| e.at("?", "exists"))
    }

    /// Streams the rows of `query` to `f` as they arrive, without collecting them; `f` returns
    /// `Ok(false)` to stop. Returns the number of rows handed over.
    ///
    /// Memory stays flat over large results: the session holds loaded objects weakly, so each is
    /// dropped when `f` lets go of it (a written one is kept, and flushed, as always).
    ///
    /// # Errors
    ///
    /// As [`Session::all`], or the first error of `f`.
    pub fn stream<Q, F>(&mut self, query: Q, mut f: F) -> Result<u64>
    where
        Q: AsSelect<Selection: Decode>,
        F: FnMut(RowOf<Q>) -> Result<bool>,
    {
        let q = query.as_select();
        let (sql, params) = q.core.build(self.engine().dialect())?;
        self.autoflush_before_query()?;
        let selection = &q.selection;
        let mut count = 0;
        self.with_connection_taken(|conn, session| {
            conn.stream_rows(&sql, &params, |row| {
                let item = selection.decode(&mut RowReader::new(row), session)?;
                count += 1;
                f(item)
            })
        })?;
        Ok(count)
    }

    /// A numbered page of `query` with `per_page` capped at
    /// [`crate::query::paginate::DEFAULT_MAX_PER_PAGE`]; see [`Session::paginate_with`].
    ///
    /// # Errors
    ///
    /// As [`Session::all`].
    pub fn paginate<Q: AsSelect<Selection: Decode>>(
        &mut self,
        query: Q,
        page: u64,
        per_page: u64,
    ) -> Result<Page<RowOf<Q>>> {
        self.paginate_with(query, PageRequest::new(page, per_page))
    }

    /// A numbered page: the items of `request`'s page and the total row count. Order the query for
    /// stable pages.
    ///
    /// # Errors
    ///
    /// As [`Session::all`].
    pub fn paginate_with<Q: AsSelect<Selection: Decode>>(
        &mut self,
        query: Q,
        request: PageRequest,
    ) -> Result<Page<RowOf<Q>>> {
        let q = query.as_select();
        let total = self.count(q)?;
        let mut core = q.core.clone();
        core.limit = Some(request.per_page());
        core.offset = (request.offset() > 0).then(|| request.offset());
        let items = self.collect(&core, &q.selection)?;
        Ok(Page {
            items,
            page: request.page(),
            per_page: request.per_page(),
            total,
        })
    }

    /// A keyset (seek) page of a model query: rows after `keyset`'s cursor in the order of its
    /// column, and the cursor of the next page.
    ///
    /// # Errors
    ///
    /// As [`Session::all`]; [`Error::Decode`] when a key value does not fit `T`.
    pub fn keyset_page<Q, M, T>(
        &mut self,
        query: Q,
        keyset: Keyset<M, T>,
    ) -> Result<KeysetPage<Obj<M>, T>>
    where
        Q: AsSelect<Selection = Entity<M>>,
        M: Model,
        T: SqlType + Clone,
    {
        let q = query.as_select();
        let mut select = q.clone();
        if let Some(after) = keyset.after {
            let cond = if keyset.desc {
                keyset.column.lt(after)
            } else {
                keyset.column.gt(after)
            };
            select = select.filter(cond);
        }
        let order = if keyset.desc {
            keyset.column.desc()
        } else {
            keyset.column.asc()
        };
        select.core.order.insert(0, order);
        select.core.limit = Some(keyset.per_page.saturating_add(1));
        let mut items = self.collect(&select.core, &select.selection)?;
        let mut next = None;
        if items.len() as u64 > keyset.per_page {
            items.truncate(usize::try_from(keyset.per_page).unwrap_or(usize::MAX));
            if let Some(last) = items.last() {
                let value = last.read().column_value(keyset.column.index());
                next = Some(
                    T::from_value(value).map_err(|e| e.at(M::TABLE_NAME, keyset.column.name()))?,
                );
            }
        }
        Ok(KeysetPage { items, next })
    }

    /// Runs a raw query with bound parameters; rows map to `R`: a model's [`Obj`] (its columns in
    /// order, through the identity map), a value, or a tuple of those.
    ///
    /// # Errors
    ///
    /// A database error, or [`Error::Decode`] when a row does not fit `R`.
    pub fn raw_all<R: FromRow>(&mut self, query: &Raw) -> Result<Vec<R>> {
        let (sql, params) = query.build(self.engine().dialect());
        if !plain_select(&sql) {
            // A raw statement that may write (INSERT ... RETURNING, SELECT ... FOR UPDATE, a
            // data-modifying WITH) runs on the primary, as everything after it in this session.
            self.on_primary();
        }
        self.autoflush_before_query()?;
        let mut out = Vec::new();
        self.with_connection_taken(|conn, session| {
            conn.query_rows(&sql, &params, |row| {
                out.push(R::from_row(&mut RowReader::new(row), session)?);
                Ok(true)
            })
        })?;
        Ok(out)
    }

    /// Runs a raw statement with bound parameters inside the session's transaction; returns the
    /// number of rows changed. Objects the session holds are not refreshed.
    ///
    /// # Errors
    ///
    /// A database error (a structured [`Error::Constraint`] for a violation).
    pub fn raw_execute(&mut self, statement: &Raw) -> Result<u64> {
        let (sql, params) = statement.build(self.engine().dialect());
        self.autoflush_before_query()?;
        self.begin_for_write()?;
        self.connection()?.execute(&sql, &params)
    }
}

/// A `SELECT` that neither locks rows nor calls anything but plain functions: safe on a replica.
fn plain_select(sql: &str) -> bool {
    let lower = sql.trim_start().to_ascii_lowercase();
    lower.starts_with("select")
        && !lower.contains(" for update")
        && !lower.contains(" for share")
        && !lower.contains("nextval(")
}
