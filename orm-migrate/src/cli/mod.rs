//! The command line, as `flask db`: `init`, `migrate`, `revision`, `upgrade`, `downgrade`, `stamp`,
//! `current`, `history`, `heads`, `merge`, `check`. A thin wrapper over the library, embedded by an application
//! in one line so that it sees the application's models:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     orm_migrate::cli::main()
//! }
//! ```

mod args;
mod command;

pub use args::{Cli, Command};
pub use command::{main, run_to, run_with};
