//! `orm-migrate` without an application: the commands that need no models.
//!
//! `migrate` (autogenerate) and `check` compare the application's models with the database, so they
//! run through the CLI the application embeds (`orm_migrate::cli::main()`); here they say so.

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = orm_migrate::cli::run_to(
        None,
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}
