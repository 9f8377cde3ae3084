//! Compile-fail and compile-pass cases of `#[derive(Model)]` and the query builder (`tests/`,
//! checked with trybuild). Run them with `cargo test -p ui-tests`; regenerate the expected output
//! with `TRYBUILD=overwrite cargo test -p ui-tests`, then read every `.stderr`.
