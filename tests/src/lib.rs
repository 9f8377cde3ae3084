//! Test support: database fixtures for SQLite and PostgreSQL.
