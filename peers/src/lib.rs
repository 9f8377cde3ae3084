//! The peers benchmark: the ORM beside Diesel 2.3 and the raw drivers (rusqlite, postgres) on the
//! same scenarios, in one run, printing the times and the ratios.
//!
//! The crate holds nothing but `benches/peers.rs`. Diesel is an optional dependency behind the
//! `bench` feature, so `cargo test --workspace` and `cargo clippy --all-targets` never build it.
//! Run it with
//!
//! ```text
//! cargo bench -p peers --features bench
//! ```
//!
//! (in-memory SQLite; PostgreSQL too when `TEST_POSTGRES_URL` is set).
