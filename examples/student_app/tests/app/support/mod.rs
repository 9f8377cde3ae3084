//! What the application's tests share: a fresh, migrated database per backend, the application served
//! on `127.0.0.1:0`, and a small HTTP client.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use orm_core::{Engine, EngineBuilder};

/// A migrated database of one backend, dropped with the value.
pub struct AppDb {
    /// The backend's name, for messages and file names.
    pub backend: &'static str,
    /// The engine the application runs on.
    pub engine: Engine,
    _keep: Keep,
}

/// What keeps the database alive; dropped with it.
#[allow(dead_code)] // held, never read
enum Keep {
    Dir(tempfile::TempDir),
    Postgres(tests::PgDb),
    MySql(tests::MySqlDb),
}

impl AppDb {
    /// A fresh SQLite file, migrated to the newest revision.
    pub fn sqlite(options: impl FnOnce(EngineBuilder) -> EngineBuilder) -> AppDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite:///{}", dir.path().join("students.db").display());
        let engine = options(Engine::builder(&url))
            .build()
            .expect("open the SQLite file");
        AppDb::migrated("sqlite", engine, Keep::Dir(dir))
    }

    /// A fresh PostgreSQL schema, migrated; `None` (with a note) without `TEST_POSTGRES_URL`
    /// outside CI.
    pub fn postgres(options: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Option<AppDb> {
        let db = tests::postgres_with(options)?;
        let engine = db.engine.clone();
        Some(AppDb::migrated("postgres", engine, Keep::Postgres(db)))
    }

    /// A fresh MySQL/MariaDB database, migrated; `None` (with a note) without `TEST_MYSQL_URL`
    /// outside CI.
    pub fn mysql(options: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Option<AppDb> {
        let db = tests::mysql_with(options)?;
        let engine = db.engine.clone();
        Some(AppDb::migrated("mysql", engine, Keep::MySql(db)))
    }

    /// The database of `backend` (`sqlite`, `postgres`, `mysql`).
    pub fn of(
        backend: &str,
        options: impl FnOnce(EngineBuilder) -> EngineBuilder,
    ) -> Option<AppDb> {
        match backend {
            "sqlite" => Some(AppDb::sqlite(options)),
            "postgres" => AppDb::postgres(options),
            "mysql" => AppDb::mysql(options),
            other => panic!("unknown backend {other}"),
        }
    }

    fn migrated(backend: &'static str, engine: Engine, keep: Keep) -> AppDb {
        let applied = student_app::upgrade(&engine).expect("the migrations apply");
        assert_eq!(applied.len(), 2, "both migrations ran on {backend}");
        AppDb {
            backend,
            engine,
            _keep: keep,
        }
    }
}

/// Defines `name::sqlite`, `name::postgres` and `name::mysql`, each running `body(&AppDb)` on a
/// multi-threaded tokio runtime.
#[macro_export]
macro_rules! app_test {
    ($name:ident, $body:path) => {
        $crate::app_test!($name, $body, |b| b);
    };
    ($name:ident, $body:path, $options:expr) => {
        mod $name {
            use super::*;

            fn run(backend: &str) {
                let Some(db) = $crate::support::AppDb::of(backend, $options) else {
                    return;
                };
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime")
                    .block_on($body(&db));
            }

            #[test]
            fn sqlite() {
                run("sqlite");
            }

            #[test]
            fn postgres() {
                run("postgres");
            }

            #[test]
            fn mysql() {
                run("mysql");
            }
        }
    };
}

/// Serves the application over `engine` on a free loopback port of the current runtime; returns its
/// address.
pub async fn serve(engine: Engine) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move {
        axum::serve(listener, student_app::app(engine))
            .await
            .expect("the server runs");
    });
    addr
}

/// A response, its body read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub cookies: Vec<String>,
    pub body: String,
}

/// An HTTP/1.1 client for one server, with keep-alive.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
}

impl Http {
    pub fn new(addr: SocketAddr) -> Http {
        Http {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: format!("http://{addr}"),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    /// GET with cookies (`name=value`).
    pub async fn get_with_cookies(&self, path: &str, cookies: &[String]) -> Reply {
        self.send(Method::GET, path, None, cookies).await
    }

    /// POST of an url-encoded form.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(Method::POST, path, Some(body), &[]).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        form: Option<String>,
        cookies: &[String],
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if form.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        if !cookies.is_empty() {
            request = request.header("cookie", cookies.join("; "));
        }
        let request = request
            .body(Full::new(Bytes::from(form.unwrap_or_default())))
            .expect("a well-formed request");
        let response = self
            .client
            .request(request)
            .await
            .unwrap_or_else(|e| panic!("request to {path} failed: {e}"));
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect::<Vec<_>>()
        };
        let location = header("location").into_iter().next();
        let cookies = header("set-cookie");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the body arrives")
            .to_bytes();
        Reply {
            status,
            location,
            cookies,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

/// The `name=value` part of each `Set-Cookie`.
pub fn cookie_pairs(reply: &Reply) -> Vec<String> {
    reply
        .cookies
        .iter()
        .filter_map(|c| c.split(';').next().map(str::to_owned))
        .collect()
}
