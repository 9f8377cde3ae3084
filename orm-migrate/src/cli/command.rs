//! Running a parsed command, printing what it does.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use orm_core::schema::Metadata;
use orm_core::Engine;

use super::{Cli, Command};
use crate::autogenerate::{detected, generate_filtered, TableFilter};
use crate::error::{Error, Result};
use crate::repository::Repository;
use crate::runner::{check_filtered, downgrade_sql, upgrade_sql, Migrator};

const INFO: &str = "INFO  [orm_migrate]";

/// The CLI over every model linked into the program, with the process's arguments.
pub fn main() -> ExitCode {
    let models = Metadata::registered();
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let code = match &models {
        Ok(models) => run_to(Some(models), std::env::args_os(), &mut out, &mut err),
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            1
        }
    };
    ExitCode::from(code)
}

/// The CLI over `models`, with the given arguments (the program name first).
pub fn run_with<I, T>(models: Metadata, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let code = run_to(
        Some(&models),
        args,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}

/// Runs the CLI, writing to `out` and `err`; returns the exit code: 0, 1 for an error or drift, 2
/// for bad arguments. `models` may be `None` for the commands that need none.
pub fn run_to<I, T>(
    models: Option<&Metadata>,
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let to_out = !e.use_stderr();
            let text = e.render().to_string();
            let _ = if to_out {
                write!(out, "{text}")
            } else {
                write!(err, "{text}")
            };
            return if to_out { 0 } else { 2 };
        }
    };
    match execute(&cli, models, out, err) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            // `check` tells drift (1) from a check that could not be made.
            if matches!(cli.command, Command::Check) {
                2
            } else {
                1
            }
        }
    }
}

/// `--database-url`, else `DATABASE_URL`, else the engine's default (`sqlite:///app.db`), as the
/// application itself connects.
fn database_url(cli: &Cli) -> String {
    cli.database_url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .unwrap_or_else(|| orm_core::engine::DEFAULT_URL.to_owned())
}

fn engine(cli: &Cli) -> Result<Engine> {
    Ok(Engine::connect(&database_url(cli))?)
}

fn table_filter(cli: &Cli) -> Result<TableFilter> {
    let mut filter = TableFilter::new();
    for p in &cli.include_tables {
        filter = filter.include(p)?;
    }
    for p in &cli.exclude_tables {
        filter = filter.exclude(p)?;
    }
    Ok(filter)
}

fn need_models(models: Option<&Metadata>) -> Result<&Metadata> {
    models.ok_or_else(|| {
        Error::Unsupported(
            "this command needs the application's models: run it through the application's \
             embedded CLI (orm_migrate::cli::main())"
                .to_owned(),
        )
    })
}

fn line(out: &mut dyn Write, text: &str) -> Result<()> {
    writeln!(out, "{text}").map_err(|e| Error::io("write", "the output", e))
}

/// Runs a command: what it reports as it goes (`INFO`, `WARNING`, `ERROR` lines, as Alembic's log) goes
/// to `log`, standard error; what it produces (revisions, history, SQL, the files it writes) to
/// `out`, standard output, so that `db current > rev.txt` or `db upgrade --sql > up.sql` hold only
/// that.
fn execute(
    cli: &Cli,
    models: Option<&Metadata>,
    out: &mut dyn Write,
    log: &mut dyn Write,
) -> Result<u8> {
    let dir = &cli.directory;
    match &cli.command {
        Command::Init => {
            let repo = Repository::init(dir)?;
            let d = repo.dir().display();
            line(out, &format!("  Creating directory {d} ... done"))?;
            line(out, &format!("  Creating directory {d}/versions ... done"))?;
            line(out, &format!("  Generating {d}/README ... done"))?;
        }
        Command::Migrate { message, from_db } => {
            let models = need_models(models)?;
            let mut repo = Repository::open(dir)?;
            let live = if *from_db { Some(engine(cli)?) } else { None };
            let filter = table_filter(cli)?;
            match generate_filtered(&mut repo, models, message, live.as_ref(), &filter)? {
                None => line(log, &format!("{INFO} No changes in schema detected."))?,
                Some(g) => {
                    for d in &g.detected {
                        line(log, &format!("{INFO} {d}"))?;
                    }
                    for w in &g.warnings {
                        line(log, &format!("WARNING [orm_migrate] {w}"))?;
                    }
                    line(out, &format!("  Generating {} ... done", g.path.display()))?;
                }
            }
        }
        Command::Revision { message } => {
            let mut repo = Repository::open(dir)?;
            let head = repo.graph().head()?.map(str::to_owned);
            let (_, path) =
                repo.add(message, head.into_iter().collect(), Vec::new(), Vec::new())?;
            line(out, &format!("  Generating {} ... done", path.display()))?;
        }
        Command::Upgrade { target, sql: true } => {
            let repo = Repository::open(dir)?;
            let (from, to) = match target.split_once(':') {
                Some((from, to)) => (vec![repo.graph().resolve(from)?.revision.clone()], to),
                None => (Vec::new(), target.as_str()),
            };
            // Offline: the dialect comes from the URL's scheme, without connecting.
            let kind = orm_core::engine::dialect_of(&database_url(cli))?.kind();
            let sql = upgrade_sql(&repo, kind, &from, to)?;
            write!(out, "{sql}").map_err(|e| Error::io("write", "standard output", e))?;
        }
        Command::Upgrade { target, sql: false } => {
            let repo = Repository::open(dir)?;
            let engine = engine(cli)?;
            let mut lines = Vec::new();
            let result = Migrator::new(&engine, &repo)
                .with_printer(|l| lines.push(l.to_owned()))
                .upgrade(target);
            for l in lines {
                line(log, &format!("{INFO} {l}"))?;
            }
            result?;
        }
        Command::Downgrade { target, sql: true } => {
            let repo = Repository::open(dir)?;
            let (from, to) = match target.split_once(':') {
                Some((from, to)) if from != "head" => {
                    (vec![repo.graph().resolve(from)?.revision.clone()], to)
                }
                Some((_, to)) => (
                    repo.graph()
                        .head()?
                        .map(str::to_owned)
                        .into_iter()
                        .collect(),
                    to,
                ),
                None => (
                    repo.graph()
                        .head()?
                        .map(str::to_owned)
                        .into_iter()
                        .collect(),
                    target.as_str(),
                ),
            };
            let kind = orm_core::engine::dialect_of(&database_url(cli))?.kind();
            let sql = downgrade_sql(&repo, kind, &from, to)?;
            write!(out, "{sql}").map_err(|e| Error::io("write", "standard output", e))?;
        }
        Command::Downgrade { target, sql: false } => {
            let repo = Repository::open(dir)?;
            let engine = engine(cli)?;
            let mut lines = Vec::new();
            let result = Migrator::new(&engine, &repo)
                .with_printer(|l| lines.push(l.to_owned()))
                .downgrade(target);
            for l in lines {
                line(log, &format!("{INFO} {l}"))?;
            }
            result?;
        }
        Command::Stamp { target } => {
            let repo = Repository::open(dir)?;
            let engine = engine(cli)?;
            let mut lines = Vec::new();
            Migrator::new(&engine, &repo)
                .with_printer(|l| lines.push(l.to_owned()))
                .stamp(target)?;
            for l in lines {
                line(log, &format!("{INFO} {l}"))?;
            }
        }
        Command::Current => {
            let repo = Repository::open(dir)?;
            let engine = engine(cli)?;
            let heads = repo.graph().heads();
            for rev in Migrator::new(&engine, &repo).current()? {
                let tag = if heads.contains(&rev.as_str()) {
                    " (head)"
                } else {
                    ""
                };
                line(out, &format!("{rev}{tag}"))?;
            }
        }
        Command::History => {
            let repo = Repository::open(dir)?;
            let heads = repo.graph().heads();
            for m in repo.graph().in_order().rev() {
                let from = if m.down_revisions.is_empty() {
                    "<base>".to_owned()
                } else {
                    m.down_revisions.join(", ")
                };
                let tag = if heads.contains(&m.revision.as_str()) {
                    " (head)"
                } else {
                    ""
                };
                line(
                    out,
                    &format!("{from} -> {}{tag}, {}", m.revision, m.message),
                )?;
            }
        }
        Command::Heads => {
            let repo = Repository::open(dir)?;
            for h in repo.graph().heads() {
                line(out, &format!("{h} (head)"))?;
            }
        }
        Command::Merge { message } => {
            let mut repo = Repository::open(dir)?;
            let (_, path) = repo.merge(message)?;
            line(out, &format!("  Generating {} ... done", path.display()))?;
        }
        Command::Check => {
            let models = need_models(models)?;
            let engine = engine(cli)?;
            let diff = check_filtered(&engine, models, &table_filter(cli)?)?;
            if diff.is_empty() {
                line(log, &format!("{INFO} No new upgrade operations detected."))?;
            } else {
                for d in detected(&diff.upgrade) {
                    line(log, &format!("{INFO} {d}"))?;
                }
                line(log, "ERROR [orm_migrate] New upgrade operations detected: the database differs from the models")?;
                return Ok(1);
            }
        }
    }
    Ok(0)
}
