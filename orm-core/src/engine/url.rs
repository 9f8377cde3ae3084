//! Database URLs: `sqlite::memory:`, `sqlite:///relative.db`, `sqlite:////abs/path.db`,
//! `postgresql://user:pass@host:port/db` and `postgres://...`, `mysql://user:pass@host:port/db` and
//! `mariadb://...`.

#[cfg(any(feature = "sqlite", feature = "postgres"))]
use std::path::PathBuf;
#[cfg(feature = "postgres")]
use std::str::FromStr;

use crate::error::{Error, Result};

/// libpq's `sslmode`: whether to encrypt, and what to check of the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(text: &str) -> Option<SslMode> {
        [
            SslMode::Disable,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

/// A PostgreSQL server and how to speak TLS to it.
#[cfg(feature = "postgres")]
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub(crate) struct PgTarget {
    pub(crate) config: postgres::Config,
    pub(crate) ssl_mode: SslMode,
    pub(crate) root_cert: Option<PathBuf>,
}

/// Where an engine connects.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A fresh in-memory SQLite database, shared by the engine's connections under this name.
    #[cfg(feature = "sqlite")]
    SqliteMemory(String),
    /// A SQLite database file.
    #[cfg(feature = "sqlite")]
    SqliteFile(PathBuf),
    /// A PostgreSQL server.
    #[cfg(feature = "postgres")]
    Postgres(Box<PgTarget>),
    /// A MySQL or MariaDB server; `mariadb://` says which before connecting.
    #[cfg(feature = "mysql")]
    MySql(Box<mysql::Opts>, &'static crate::dialect::MySql),
    /// No driver was built in (the URL was understood, but cannot be opened).
    #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
    #[allow(dead_code)] // never made: parsing fails first
    None,
}

impl Target {
    /// An in-memory SQLite database, which lives as long as one of its connections does.
    pub(crate) fn is_shared_memory(&self) -> bool {
        #[cfg(feature = "sqlite")]
        if let Target::SqliteMemory(_) = self {
            return true;
        }
        false
    }

    /// The dialect spoken at this target.
    pub(crate) fn dialect(&self) -> &'static dyn crate::Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Target::SqliteMemory(_) | Target::SqliteFile(_) => &crate::dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Target::Postgres(_) => &crate::dialect::Postgres,
            #[cfg(feature = "mysql")]
            Target::MySql(_, dialect) => *dialect,
            #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
            Target::None => &crate::dialect::Sqlite,
        }
    }
}

/// The dialect of the database at `url`, without connecting (for offline SQL).
///
/// # Errors
///
/// [`Error::InvalidUrl`] for a URL that cannot be understood.
pub fn dialect_of(url: &str) -> Result<&'static dyn crate::Dialect> {
    parse(url).map(|t| t.dialect())
}

/// The URL with its password masked, for messages and logs: the password of `user:password@host`,
/// and every `password=` value, in a query string (`?password=...`) or a libpq connection string
/// (`host=... password=secret`, quoted or not).
pub(crate) fn redact(url: &str) -> String {
    let masked = match url.split_once("://") {
        // A password may hold `/`, `?`, `#` or even `@` (the drivers differ on where it ends):
        // everything between the user's `:` and the last `@` is masked, whatever reads it.
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                None => url.to_owned(),
            },
            None => url.to_owned(),
        },
        None => url.to_owned(),
    };
    mask_password_values(&masked)
}

/// Replaces the value of every `password=` (any case) with `***`.
fn mask_password_values(text: &str) -> String {
    const KEY: &str = "password=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.to_ascii_lowercase().find(KEY) {
        let (before, after) = rest.split_at(at + KEY.len());
        out.push_str(before);
        out.push_str("***");
        let end = if let Some(quoted) = after.strip_prefix('\'') {
            // libpq quoting: '...' with \' and \\ escapes.
            let mut escaped = false;
            let close = quoted.char_indices().find_map(|(i, c)| match c {
                '\\' if !escaped => {
                    escaped = true;
                    None
                }
                '\'' if !escaped => Some(i),
                _ => {
                    escaped = false;
                    None
                }
            });
            close.map_or(after.len(), |i| i + 2)
        } else {
            after
                .find(|c: char| c.is_whitespace() || c == '&')
                .unwrap_or(after.len())
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn invalid(url: &str, reason: impl Into<String>) -> Error {
    Error::InvalidUrl {
        url: redact(url),
        reason: reason.into(),
    }
}

/// Parses a database URL.
pub(crate) fn parse(url: &str) -> Result<Target> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(invalid(url, "the url is empty"));
    }
    if let Some(rest) = trimmed.strip_prefix("sqlite:") {
        return parse_sqlite(url, rest);
    }
    if trimmed.starts_with("postgresql://") || trimmed.starts_with("postgres://") {
        return parse_postgres(url, trimmed);
    }
    if let Some(rest) = trimmed
        .strip_prefix("mysql://")
        .or_else(|| trimmed.strip_prefix("mariadb://"))
    {
        return parse_mysql(url, trimmed, rest);
    }
    let scheme = trimmed.split(':').next().unwrap_or(trimmed);
    if scheme.contains(['=', ' ']) {
        return Err(invalid(
            url,
            "this looks like a libpq `key=value` connection string; write it as a url: \
             postgresql://user:password@host:port/database?sslmode=require",
        ));
    }
    Err(invalid(
        url,
        format!(
            "unsupported scheme `{scheme}`; expected sqlite::memory:, sqlite:///path.db, postgresql://user@host/db or mysql://user@host/db"
        ),
    ))
}

/// A URL whose driver this build of orm-core leaves out (a cargo feature).
#[allow(dead_code)] // unused when every driver is built in
fn not_built(url: &str, feature: &str) -> Error {
    invalid(
        url,
        format!("orm-core was built without the `{feature}` feature, which this url needs"),
    )
}

/// `postgresql://...`; `sslmode` and `sslrootcert` are read here, as libpq reads them (the driver
/// knows neither `verify-ca`, `verify-full` nor `sslrootcert`), the rest by the driver.
#[cfg(feature = "postgres")]
fn parse_postgres(url: &str, trimmed: &str) -> Result<Target> {
    let (base, query) = trimmed.split_once('?').unwrap_or((trimmed, ""));
    let mut kept = Vec::new();
    let mut ssl_mode = SslMode::Prefer;
    let mut root_cert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                let value = percent_decode(value);
                ssl_mode = SslMode::parse(&value).ok_or_else(|| {
                    invalid(
                        url,
                        format!(
                            "sslmode `{value}`: expected disable, prefer, require, verify-ca or verify-full"
                        ),
                    )
                })?;
            }
            "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(value))),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config = postgres::Config::from_str(&rest).map_err(|e| invalid(url, e.to_string()))?;
    if config.get_hosts().is_empty() {
        return Err(invalid(url, "no host given"));
    }
    if cfg!(not(feature = "tls")) {
        // As libpq built without TLS: `prefer` means no TLS; asking for it is an error.
        if !matches!(ssl_mode, SslMode::Disable | SslMode::Prefer) {
            return Err(not_built(url, "tls"));
        }
        ssl_mode = SslMode::Disable;
    }
    config.ssl_mode(match ssl_mode {
        SslMode::Disable => postgres::config::SslMode::Disable,
        SslMode::Prefer => postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            postgres::config::SslMode::Require
        }
    });
    Ok(Target::Postgres(Box::new(PgTarget {
        config,
        ssl_mode,
        root_cert,
    })))
}

/// Decodes `%XX` escapes (a path in a query string); anything else is kept as it is.
#[cfg(feature = "postgres")]
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(not(feature = "postgres"))]
fn parse_postgres(url: &str, _: &str) -> Result<Target> {
    Err(not_built(url, "postgres"))
}

#[cfg(not(feature = "mysql"))]
fn parse_mysql(url: &str, _: &str, _: &str) -> Result<Target> {
    Err(not_built(url, "mysql"))
}

#[cfg(not(feature = "sqlite"))]
fn parse_sqlite(url: &str, _: &str) -> Result<Target> {
    Err(not_built(url, "sqlite"))
}

/// `mysql://` and `mariadb://` (the driver reads both as `mysql://`). Without a database the server
/// would accept the connection and fail every statement: it is required here.
#[cfg(feature = "mysql")]
fn parse_mysql(url: &str, trimmed: &str, rest: &str) -> Result<Target> {
    let opts = mysql::Opts::from_url(&format!("mysql://{rest}"))
        .map_err(|e| invalid(url, e.to_string()))?;
    if opts.get_db_name().map_or(true, str::is_empty) {
        return Err(invalid(
            url,
            "no database given (mysql://user@host/database)",
        ));
    }
    let dialect = if trimmed.starts_with("mariadb://") {
        &crate::dialect::mysql::MARIADB
    } else {
        &crate::dialect::mysql::MYSQL8
    };
    Ok(Target::MySql(Box::new(opts), dialect))
}

#[cfg(feature = "sqlite")]
fn parse_sqlite(url: &str, rest: &str) -> Result<Target> {
    if rest == ":memory:" || rest == "//" || rest == "///:memory:" {
        return Ok(Target::SqliteMemory(memory_name()));
    }
    let Some(path) = rest.strip_prefix("///") else {
        return Err(invalid(
            url,
            "a sqlite url is sqlite::memory:, sqlite:///relative/path.db or sqlite:////absolute/path.db",
        ));
    };
    if path.is_empty() {
        return Err(invalid(url, "no database file given"));
    }
    if path.contains('?') {
        return Err(invalid(url, "sqlite urls take no query parameters"));
    }
    Ok(Target::SqliteFile(PathBuf::from(path)))
}

/// A name unique within the process, so that two in-memory engines never share a database.
#[cfg(feature = "sqlite")]
fn memory_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "orm-memory-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(all(test, feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        for (url, shown) in [
            (
                "postgresql://u:secret@h:5432/db",
                "postgresql://u:***@h:5432/db",
            ),
            ("postgresql://u:p@ss:w@h/db", "postgresql://u:***@h/db"),
            ("postgresql://u:se/cr?et#x@h/db", "postgresql://u:***@h/db"),
            (
                "postgresql://u@h/db?password=secret&sslmode=require",
                "postgresql://u@h/db?password=***&sslmode=require",
            ),
            (
                "host=h user=u password=secret dbname=d",
                "host=h user=u password=*** dbname=d",
            ),
            (
                "host=h PASSWORD='se cr\\'et' dbname=d",
                "host=h PASSWORD=*** dbname=d",
            ),
            ("host=h password=", "host=h password=***"),
            ("mysql://root@h/db", "mysql://root@h/db"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
            assert!(
                !redact(url).contains("secret") && !redact(url).contains("cr"),
                "{url}"
            );
        }
        let err = parse("host=h user=u password=secret")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn sqlite_forms() {
        assert!(matches!(
            parse("sqlite::memory:"),
            Ok(Target::SqliteMemory(_))
        ));
        match parse("sqlite:///app.db") {
            Ok(Target::SqliteFile(p)) => assert_eq!(p, PathBuf::from("app.db")),
            other => panic!("{other:?}"),
        }
        match parse("sqlite:////tmp/x/app.db") {
            Ok(Target::SqliteFile(p)) => assert_eq!(p, PathBuf::from("/tmp/x/app.db")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn postgres_forms() {
        for url in [
            "postgresql://postgres@127.0.0.1:5432/test",
            "postgres://u:p@h/db",
        ] {
            assert!(matches!(parse(url), Ok(Target::Postgres(_))), "{url}");
        }
    }

    #[test]
    fn mysql_forms() {
        for (url, name) in [
            ("mysql://root@127.0.0.1:3306/test", "mysql"),
            ("mariadb://u:p@h/db", "mariadb"),
        ] {
            let target = parse(url).unwrap();
            assert!(matches!(target, Target::MySql(..)), "{url}");
            assert_eq!(target.dialect().name(), name);
        }
    }

    #[test]
    fn bad_urls_are_clear_errors_with_the_password_masked() {
        for (url, needle) in [
            ("", "empty"),
            ("mssql://root@localhost/db", "unsupported scheme `mssql`"),
            ("mysql://root:secret@localhost", "no database"),
            ("mysql://root:secret@localhost:port/db", "invalid"),
            ("sqlite:app.db", "sqlite:///relative"),
            ("sqlite:///", "no database file"),
            ("postgresql://u:secret@h:notaport/db", "invalid"),
        ] {
            let err = parse(url).unwrap_err().to_string();
            assert!(err.contains(needle), "{url}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
    }
}
