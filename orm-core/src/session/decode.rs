//! Decoding rows into what a query returns: [`Decode`] for the query builder's selections, and
//! [`FromRow`] for raw queries. Whole models go through the session's identity map, so decoding
//! belongs to the session; the query module only says which columns a row holds.

use super::Session;
use crate::backend::RowReader;
use crate::error::Result;
use crate::model::Model;
use crate::object::Obj;
use crate::query::{Alias, Column, Entity, Expr, Selection};
use crate::value::SqlType;

/// A [`Selection`] the session can decode rows into.
pub trait Decode: Selection {
    /// Decodes the next columns of `row`, moving past them.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] when a value does not fit its Rust type.
    fn decode(&self, row: &mut RowReader<'_>, session: &mut Session) -> Result<Self::Output>;

    /// Runs after every row was decoded (eager loading of relationships).
    ///
    /// # Errors
    ///
    /// A database error of a load.
    fn finish(&self, out: &mut Vec<Self::Output>, session: &mut Session) -> Result<()> {
        let _ = (out, session);
        Ok(())
    }
}

impl<M: Model> Decode for Entity<M> {
    fn decode(&self, row: &mut RowReader<'_>, session: &mut Session) -> Result<Obj<M>> {
        session.load_from::<M>(row)
    }
}

impl<M: Model> Decode for Alias<M> {
    fn decode(&self, row: &mut RowReader<'_>, session: &mut Session) -> Result<Obj<M>> {
        session.load_from::<M>(row)
    }
}

impl<M: Model, T: SqlType> Decode for Column<M, T> {
    fn decode(&self, row: &mut RowReader<'_>, _: &mut Session) -> Result<T> {
        row.read(M::TABLE_NAME, self.name())
    }
}

impl<T: SqlType> Decode for Expr<T> {
    fn decode(&self, row: &mut RowReader<'_>, _: &mut Session) -> Result<T> {
        row.read("?", "expression")
    }
}

macro_rules! tuple_decode {
    ($($name:ident)+) => {
        impl<$($name: Decode),+> Decode for ($($name,)+) {
            #[allow(non_snake_case)] // the type parameters name the tuple's fields
            fn decode(
                &self,
                row: &mut RowReader<'_>,
                session: &mut Session,
            ) -> Result<Self::Output> {
                let ($($name,)+) = self;
                Ok(($($name.decode(row, session)?,)+))
            }
        }
    };
}

tuple_decode!(A);
tuple_decode!(A B);
tuple_decode!(A B C);
tuple_decode!(A B C D);
tuple_decode!(A B C D E);
tuple_decode!(A B C D E F);
tuple_decode!(A B C D E F G);
tuple_decode!(A B C D E F G H);

/// A type a raw row (or part of one) decodes to: any [`SqlType`] (one value), a model's [`Obj`] (its
/// columns in order), or a tuple of those.
pub trait FromRow: Sized {
    /// Decodes from the next columns of `row`, moving past them.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Decode`] when the values do not fit.
    fn from_row(row: &mut RowReader<'_>, session: &mut Session) -> Result<Self>;
}

impl<T: SqlType> FromRow for T {
    fn from_row(row: &mut RowReader<'_>, _: &mut Session) -> Result<Self> {
        row.read_raw()
    }
}

impl<M: Model> FromRow for Obj<M> {
    fn from_row(row: &mut RowReader<'_>, session: &mut Session) -> Result<Self> {
        session.load_from::<M>(row)
    }
}

macro_rules! tuple_from_row {
    ($($name:ident)+) => {
        impl<$($name: FromRow),+> FromRow for ($($name,)+) {
            fn from_row(row: &mut RowReader<'_>, session: &mut Session) -> Result<Self> {
                Ok(($($name::from_row(row, session)?,)+))
            }
        }
    };
}

tuple_from_row!(A);
tuple_from_row!(A B);
tuple_from_row!(A B C);
tuple_from_row!(A B C D);
tuple_from_row!(A B C D E);
tuple_from_row!(A B C D E F);
tuple_from_row!(A B C D E F G);
tuple_from_row!(A B C D E F G H);
