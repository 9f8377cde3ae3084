//! `flask db` for the microblog: the migration CLI embedded in one line, over the application's models.
//!
//! ```sh
//! cargo run -p examples --bin db -- init
//! cargo run -p examples --bin db -- migrate -m "users table"
//! cargo run -p examples --bin db -- upgrade
//! ```
//!
//! The database is `DATABASE_URL` (or `--database-url`), `sqlite:///app.db` by default.

use std::process::ExitCode;

use examples::microblog::{Post, User};
use orm_core::Metadata;

fn main() -> ExitCode {
    orm_migrate::cli::run_with(
        Metadata::new().with::<User>().with::<Post>(),
        std::env::args_os(),
    )
}
