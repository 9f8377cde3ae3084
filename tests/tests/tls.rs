//! TLS to PostgreSQL as libpq reads `sslmode` and `sslrootcert`, against the local server with TLS
//! switched on and a certificate, for the name `localhost` only, signed by a certificate authority
//! made for the tests (`.ci/run` makes both; `TEST_POSTGRES_SSLROOTCERT` names the authority).

use orm_core::prelude::*;
use tests::TestResult;

/// `url` with its host replaced by `host` and `query` appended.
fn at(url: &str, host: &str, query: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let host_start = rest.find('@').map_or(0, |i| i + 1);
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let port = rest[host_start..authority_end]
        .rsplit_once(':')
        .map_or(String::new(), |(_, p)| format!(":{p}"));
    let path_end = rest.find('?').unwrap_or(rest.len());
    format!(
        "{}{}{host}{port}{}?{query}",
        &url[..start],
        &rest[..host_start],
        &rest[authority_end..path_end]
    )
}

/// Whether the engine's connection is encrypted, as the server sees it.
fn encrypted(engine: &Engine) -> Result<bool> {
    let rows: Vec<(bool,)> = engine.session().raw_all(&raw(
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    ))?;
    Ok(rows.first().is_some_and(|r| r.0))
}

#[test]
fn sslmodes_against_the_local_server() -> TestResult {
    let Some((url, ca)) = tests::postgres_tls() else {
        return Ok(());
    };
    let root = format!("sslrootcert={ca}");

    for (host, query, tls) in [
        ("127.0.0.1", "sslmode=disable".to_owned(), false),
        ("127.0.0.1", String::new(), true), // prefer, libpq's default
        ("127.0.0.1", "sslmode=require".to_owned(), true),
        ("127.0.0.1", format!("sslmode=require&{root}"), true), // as verify-ca
        ("127.0.0.1", format!("sslmode=verify-ca&{root}"), true),
        ("localhost", format!("sslmode=verify-full&{root}"), true),
    ] {
        let target = at(&url, host, &query);
        let engine = Engine::connect(&target).map_err(|e| format!("{target}: {e}"))?;
        assert_eq!(encrypted(&engine)?, tls, "{target}");
    }

    // verify-full against a name the certificate does not carry.
    let wrong = at(&url, "127.0.0.1", &format!("sslmode=verify-full&{root}"));
    let err = Engine::connect(&wrong).expect_err("the certificate names localhost only");
    let text = err.to_string();
    assert!(text.contains("PostgreSQL at 127.0.0.1"), "{text}");
    assert!(text.contains("not valid for name"), "{text}");

    // verify-ca against another authority.
    let dir = tempfile::tempdir()?;
    let other = dir.path().join("other.pem");
    std::fs::write(&other, OTHER_CA)?;
    let foreign = at(
        &url,
        "localhost",
        &format!("sslmode=verify-ca&sslrootcert={}", other.display()),
    );
    let err = Engine::connect(&foreign).expect_err("signed by another authority");
    assert!(
        err.to_string().contains("invalid peer certificate"),
        "{err}"
    );
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    Ok(())
}

#[test]
fn tls_settings_that_cannot_work_are_clear_errors() -> TestResult {
    let url = "postgresql://postgres@127.0.0.1:5432/test";
    let err = Engine::connect(&format!("{url}?sslmode=sometimes")).expect_err("unknown mode");
    assert!(err.to_string().contains("sslmode `sometimes`"), "{err}");
    let err = Engine::connect(&format!(
        "{url}?sslmode=verify-full&sslrootcert=/no/such/ca.pem"
    ))
    .expect_err("no such file");
    assert!(err.to_string().contains("/no/such/ca.pem"), "{err}");
    let dir = tempfile::tempdir()?;
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n")?;
    let err = Engine::connect(&format!(
        "{url}?sslmode=verify-ca&sslrootcert={}",
        empty.display()
    ))
    .expect_err("no certificate in the file");
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
    let default_root = std::env::var_os("HOME").is_some_and(|h| {
        std::path::Path::new(&h)
            .join(".postgresql/root.crt")
            .is_file()
    });
    if !default_root {
        let err = Engine::connect(&format!("{url}?sslmode=verify-full"))
            .expect_err("nothing to check against");
        assert!(err.to_string().contains("sslrootcert"), "{err}");
    }
    Ok(())
}

/// A certificate authority that signed nothing of the server's (made once with openssl; its key
/// was thrown away).
const OTHER_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBjDCCATGgAwIBAgIUYn6IIDgqRur52XD/eFjHGxnXNMowCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPYW5vdGhlciB0ZXN0IENBMCAXDTI2MTEzMDIxNDU0OVoYDzIx
MjYxMTA2MjE0NTQ5WjAaMRgwFgYDVQQDDA9hbm90aGVyIHRlc3QgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAARfOtRKpDAu6AHRwQwnvv547akNw3r6ZoFLIyFB
E7WF3UFiHXjjvKKfxbx8zt5IkdmC1yjQBtKc8cQBsHWaYusVo1MwUTAdBgNVHQ4E
FgQUwW84y6jo3C8yXMmeAvpxdC8FmRswHwYDVR0jBBgwFoAUwW84y6jo3C8yXMme
AvpxdC8FmRswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA7/At
6K76q4cyljiR02k0bzmb2QGEp/HiFHX4gWrsR08CIQCnBpht1RndNTgVfzyFYm48
9YrnplNzfR5R+PRbmPClQA==
-----END CERTIFICATE-----
";
