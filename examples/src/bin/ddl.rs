//! Prints the DDL of the seed models for SQLite and for PostgreSQL, without touching a database.
//!
//! `cargo run -p examples --bin ddl`

use orm_core::dialect::{Dialect, Postgres, Sqlite};
use orm_core::Metadata;

use examples::microblog::{Post, User};
use examples::students::Student;

fn main() {
    // An explicit list; `Metadata::registered()` would find the same models by itself.
    let metadata = Metadata::new()
        .with::<User>()
        .with::<Post>()
        .with::<Student>();
    for dialect in [&Sqlite as &dyn Dialect, &Postgres] {
        println!("-- {}", dialect.name());
        for table in metadata.tables() {
            for sql in dialect.create_table_with_indexes(table, &|_| true) {
                println!("{sql};\n");
            }
        }
    }
}
