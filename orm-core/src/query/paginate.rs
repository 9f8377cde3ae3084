//! Pagination: numbered pages ([`PageRequest`] → [`Page`]) and keyset (seek) pages ([`Keyset`] →
//! [`KeysetPage`]) for large tables, where OFFSET would scan every skipped row.

use super::column::Column;

/// The default cap on `per_page`.
pub const DEFAULT_MAX_PER_PAGE: u64 = 100;

/// Which page to read: `page` counts from 1; `per_page` is capped at `max_per_page`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    page: u64,
    per_page: u64,
    max_per_page: u64,
}

impl PageRequest {
    /// Page `page` (from 1; 0 reads as 1) of `per_page` items (at least 1, at most the cap).
    pub fn new(page: u64, per_page: u64) -> Self {
        PageRequest {
            page,
            per_page,
            max_per_page: DEFAULT_MAX_PER_PAGE,
        }
    }

    /// Changes the cap on `per_page` (default [`DEFAULT_MAX_PER_PAGE`]; at least 1).
    pub fn max_per_page(mut self, max: u64) -> Self {
        self.max_per_page = max.max(1);
        self
    }

    /// The page number, from 1.
    pub fn page(&self) -> u64 {
        self.page.max(1)
    }

    /// The number of items per page after the cap.
    pub fn per_page(&self) -> u64 {
        self.per_page.clamp(1, self.max_per_page)
    }

    /// The rows skipped before this page.
    pub fn offset(&self) -> u64 {
        (self.page() - 1).saturating_mul(self.per_page())
    }
}

/// One page of results with the counts to navigate (Flask-SQLAlchemy's `Pagination`).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The page number, from 1.
    pub page: u64,
    /// Items per page (after the cap).
    pub per_page: u64,
    /// Rows matching the query, over every page.
    pub total: u64,
}

impl<T> Page<T> {
    /// The number of pages (0 when there is no row).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1))
    }

    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    /// Whether a page comes before this one.
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    /// The next page number, if any.
    pub fn next_num(&self) -> Option<u64> {
        self.has_next().then(|| self.page.checked_add(1)).flatten()
    }

    /// The previous page number, if any.
    pub fn prev_num(&self) -> Option<u64> {
        self.has_prev().then(|| self.page - 1)
    }
}

/// A keyset (seek) page request: rows ordered by a unique `column`, starting after a cursor value —
/// `WHERE col > ?  ORDER BY col LIMIT n`, which an index answers without scanning skipped rows.
#[derive(Debug, Clone)]
pub struct Keyset<M, T> {
    pub(crate) column: Column<M, T>,
    pub(crate) desc: bool,
    pub(crate) after: Option<T>,
    pub(crate) per_page: u64,
}

impl<M, T> Keyset<M, T> {
    /// Ascending by `column`, which must be unique (the primary key, say).
    pub fn asc(column: Column<M, T>) -> Self {
        Keyset {
            column,
            desc: false,
            after: None,
            per_page: DEFAULT_MAX_PER_PAGE,
        }
    }

    /// Descending by `column`.
    pub fn desc(column: Column<M, T>) -> Self {
        Keyset {
            desc: true,
            ..Keyset::asc(column)
        }
    }

    /// Starts after the row whose key is `cursor` ([`KeysetPage::next`] of the previous page).
    pub fn after(mut self, cursor: Option<T>) -> Self {
        self.after = cursor;
        self
    }

    /// Items per page (at least 1).
    pub fn per_page(mut self, n: u64) -> Self {
        self.per_page = n.max(1);
        self
    }
}

/// A keyset page: its items, and the cursor of the next page (`None` on the last page).
#[derive(Debug, Clone)]
pub struct KeysetPage<I, T> {
    /// The items of this page.
    pub items: Vec<I>,
    /// Pass to [`Keyset::after`] for the next page; `None` when this page is the last.
    pub next: Option<T>,
}
