//! `student_app`: serves the application, or runs the migration CLI over its models.
//!
//! ```sh
//! student_app db upgrade          # any `flask db` command: init, migrate -m, upgrade, downgrade, check, ...
//! student_app                     # serve on 127.0.0.1:5000 (or `student_app serve --addr 0.0.0.0:8000`)
//! ```
//!
//! `DATABASE_URL` chooses the database (`sqlite:///students.db` by default); `RUST_LOG` the log
//! level, `ORM_ECHO=1` logs every statement.

use std::ffi::OsString;
use std::process::ExitCode;

use orm_core::Engine;

const USAGE: &str = "usage: student_app [serve [--addr HOST:PORT]] | student_app db <command> (db --help for the commands)";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    match args.get(1).and_then(|a| a.to_str()) {
        Some("db") => db(&args[2..]),
        None | Some("serve") => serve(&args[args.len().min(2)..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command `{other}`\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The migration CLI over this application's models, its migration directory and its database
/// unless `--directory` or `--database-url` say otherwise.
fn db(rest: &[OsString]) -> ExitCode {
    let given = |flag: &str| {
        rest.iter().any(|a| {
            a.to_str()
                .is_some_and(|a| a == flag || a.starts_with(&format!("{flag}=")))
        })
    };
    let mut args: Vec<OsString> = vec!["student_app db".into()];
    args.extend(rest.iter().cloned());
    if !given("--directory") && !given("-d") {
        args.push("--directory".into());
        args.push(student_app::migrations_dir().into());
    }
    if !given("--database-url") {
        args.push("--database-url".into());
        args.push(student_app::database_url().into());
    }
    orm_migrate::cli::run_with(student_app::models::metadata(), args)
}

fn serve(rest: &[OsString]) -> ExitCode {
    let mut addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:5000".to_owned());
    let mut it = rest.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--addr" => match it.next() {
                Some(a) => addr = a,
                None => {
                    eprintln!("--addr needs HOST:PORT\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("unknown argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(addr: &str) -> Result<(), Box<dyn std::error::Error>> {
    let url = student_app::database_url();
    let engine = Engine::builder(&url)
        .echo(std::env::var_os("ORM_ECHO").is_some_and(|v| v != "0" && !v.is_empty()))
        .build()?;
    let checked = engine.clone();
    if !checked.run_blocking(student_app::is_up_to_date).await?? {
        return Err(format!(
            "the database at {} is not at the newest migration: run `student_app db upgrade` first",
            engine.url()
        )
        .into());
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!(
        "Serving the students of {} on http://{}",
        engine.url(),
        listener.local_addr()?
    );
    axum::serve(listener, student_app::app(engine))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
