//! Using the ORM from async code: tokio (feature `tokio`) and an axum extractor (feature `axum`).
//!
//! The drivers are synchronous: a statement blocks its thread until the database answers. On an
//! async runtime that thread is one of a handful of workers that every request shares, so a query
//! run there stalls every other request on it (the first trap of Diesel and r2d2 users in async
//! servers). [`Engine::run`] moves the work to tokio's blocking thread pool and hands back a future:
//!
//! ```
//! # #[cfg(feature = "sqlite")]
//! # fn main() -> Result<(), orm_core::Error> {
//! use orm_core::prelude::*;
//!
//! #[derive(Model, Debug, Clone)]
//! pub struct Note {
//!     #[orm(primary_key)]
//!     pub id: Option<i64>,
//!     pub text: String,
//! }
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # rt.block_on(async {
//! let engine = Engine::connect("sqlite::memory:")?;
//! engine.run_blocking(|engine| engine.create_all()).await?;
//!
//! // One session per unit of work: committed when the closure returns `Ok`, rolled back on `Err`.
//! let id = engine
//!     .run(|session| {
//!         let note = session.add(Note::new("hello"));
//!         session.flush()?;
//!         let id = note.read().id;
//!         Ok::<_, Error>(id)
//!     })
//!     .await?;
//!
//! // Hand plain values back to the async side, not the session or its handles.
//! let notes: Vec<Note> = engine
//!     .run(|session| {
//!         let all = session.all(select::<Note>())?;
//!         Ok::<_, Error>(all.iter().map(|n| n.read().clone()).collect())
//!     })
//!     .await?;
//! assert_eq!(notes[0].id, id);
//! # Ok::<(), Error>(())
//! # })
//! # }
//! # #[cfg(not(feature = "sqlite"))]
//! # fn main() {}
//! ```
//!
//! # The rule: never hold a session across an `.await`
//!
//! A [`Session`] holds a pooled connection and, while it writes, an open transaction. Kept across an
//! `.await` it would keep both for as long as the awaited thing takes (a slow client, a timer, another
//! service), and every statement it ran would block the worker thread it happens to be on. Do the
//! database work of a step in one closure, return plain values, await what you need, and open another
//! closure for the next step. The closure's type enforces the rest: it is not `async`, so it cannot
//! await.
//!
//! # Cancellation
//!
//! Work handed to the blocking pool runs to its end even when the future is dropped (a client that
//! disconnects, a timeout around the handler): a closure that returned `Ok` is committed, one that
//! returned `Err` is rolled back, and never half of one.

use crate::error::{Error, Result};
use crate::{Engine, Session};

impl Engine {
    /// Runs `work` with a fresh [`Session`] on tokio's blocking thread pool: the session is committed
    /// when `work` returns `Ok`, and rolled back when it returns `Err` (or panics). A session per
    /// request, as Flask-SQLAlchemy's.
    ///
    /// # Errors
    ///
    /// `work`'s own error; the commit's error (a constraint violation, a lost connection) converted
    /// with `E: From<Error>`; [`Error::Config`] when called outside a tokio runtime.
    ///
    /// # Panics
    ///
    /// A panic inside `work` is resumed on the awaiting task, as if `work` had run there.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Session) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.run_blocking(move |engine| {
            let mut session = engine.session();
            match work(&mut session) {
                Ok(value) => {
                    session.commit()?;
                    Ok(value)
                }
                Err(e) => {
                    // The work's error is the one to report; a rollback that fails (a dropped
                    // connection) has rolled back on the server already.
                    let _ = session.rollback();
                    Err(e)
                }
            }
        })
        .await
        .unwrap_or_else(|e| Err(E::from(e)))
    }

    /// Runs `work` with this engine on tokio's blocking thread pool, without a session: DDL,
    /// [`Engine::connection`], a session managed by hand.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when called outside a tokio runtime; [`Error::Pool`] when the runtime shut
    /// down before the work could start.
    ///
    /// # Panics
    ///
    /// A panic inside `work` is resumed on the awaiting task.
    pub async fn run_blocking<T, F>(&self, work: F) -> Result<T>
    where
        F: FnOnce(&Engine) -> T + Send + 'static,
        T: Send + 'static,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::config(
                "Engine::run needs a tokio runtime: call it from async code running on tokio",
            )
        })?;
        let engine = self.clone();
        match runtime.spawn_blocking(move || work(&engine)).await {
            Ok(value) => Ok(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(Error::Pool(
                "the async runtime shut down before the database work could start".to_owned(),
            )),
        }
    }
}

/// The engine as an axum extractor, taken from the router's state by [`axum_core::extract::FromRef`]:
/// `Router::new().route(…).with_state(engine)`, or any state with `impl FromRef<AppState> for Engine`.
///
/// ```
/// use orm_core::runtime::Db;
///
/// // GET /tables: `Router::new().route("/tables", get(tables)).with_state(engine)`.
/// async fn tables(db: Db) -> Result<String, String> {
///     db.run_blocking(|engine| engine.connection()?.table_names())
///         .await
///         .and_then(|names| names)
///         .map(|names| names.join(", "))
///         .map_err(|e| e.to_string())
/// }
/// ```
#[cfg(feature = "axum")]
#[derive(Clone, Debug)]
pub struct Db(pub Engine);

#[cfg(feature = "axum")]
impl std::ops::Deref for Db {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.0
    }
}

#[cfg(feature = "axum")]
impl<S> axum_core::extract::FromRequestParts<S> for Db
where
    Engine: axum_core::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _parts: &mut http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Db(<Engine as axum_core::extract::FromRef<S>>::from_ref(
            state,
        )))
    }
}
