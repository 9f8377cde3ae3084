//! The student application's tests, in one binary (one link instead of four): HTTP tests of every
//! page, `Engine::run`, a browser walkthrough and a load test, each on SQLite, PostgreSQL and
//! MariaDB.

#[macro_use]
mod support;

mod browser;
mod load;
mod migrations;
mod runtime;
mod web;
