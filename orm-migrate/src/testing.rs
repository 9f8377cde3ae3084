//! A check of an application's migrations for its own test suite, as pytest-alembic gives Alembic
//! users, in one call:
//!
//! ```no_run
//! # fn models() -> orm_core::Metadata { orm_core::Metadata::new() }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // In the application's tests, against an empty database of the kind it runs on:
//! let engine = orm_core::Engine::connect("sqlite::memory:")?;
//! let report = orm_migrate::testing::check_migrations(&engine, "migrations", &models())?;
//! assert_eq!(report.round_trips, report.revisions);
//! # Ok(())
//! # }
//! ```
//!
//! It checks, in order:
//! 1. the history has a single head;
//! 2. every revision upgrades from base to head, one at a time, and after each a row is put into
//!    every table (values made from the column types; nullable columns left NULL);
//! 3. every revision, with those rows present, downgrades and upgrades again;
//! 4. at head, the schema matches the models (no drift, as `check`).

use std::path::PathBuf;

use orm_core::schema::{ColumnDef, ColumnType, Metadata, TableDef};
use orm_core::{Engine, Value};

use crate::autogenerate::detected;
use crate::error::{Error, Result};
use crate::reflect::{is_internal_table, reflect};
use crate::repository::Repository;
use crate::runner::{check, Migrator};

/// What [`check_migrations`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Revisions upgraded, base to head.
    pub revisions: usize,
    /// Revisions downgraded and upgraded again with rows present (all but the irreversible ones).
    pub round_trips: usize,
    /// Rows put into tables along the way.
    pub rows: usize,
    /// Tables no row could be made for (a CHECK or a custom type the values do not meet), with why.
    pub tables_without_rows: Vec<String>,
}

/// Runs the checks of the module documentation on `engine`, whose database must be empty (at base),
/// with the migration repository at `dir`.
///
/// # Errors
///
/// The first check that fails: several heads, a database not at base, a migration that fails up or
/// down, or drift between the upgraded schema and `models` (each detected difference named).
pub fn check_migrations(
    engine: &Engine,
    dir: impl Into<PathBuf>,
    models: &Metadata,
) -> Result<Report> {
    let repo = Repository::open(dir)?;
    repo.graph().head()?; // one head, or Error::MultipleHeads naming them
    let mut migrator = Migrator::new(engine, &repo).with_printer(|_| {});
    if !migrator.current()?.is_empty() {
        return Err(Error::Unsupported(
            "check_migrations needs a database at base (an empty one)".to_owned(),
        ));
    }
    let mut report = Report::default();
    let total = repo.graph().in_order().count();
    for _ in 0..total {
        let applied = migrator.upgrade("+1")?;
        report.revisions += applied.len();
        seed(engine, &mut report)?;
        // A revision that says it cannot be undone is not taken down.
        let irreversible = applied
            .iter()
            .any(|r| repo.graph().get(r).is_some_and(|m| m.irreversible));
        if !irreversible {
            migrator.downgrade("-1")?;
            migrator.upgrade("+1")?;
            report.round_trips += 1;
        }
    }
    let diff = check(engine, models)?;
    if !diff.is_empty() {
        return Err(Error::Unsupported(format!(
            "the schema at head differs from the models: {}",
            detected(&diff.upgrade).join("; ")
        )));
    }
    Ok(report)
}

/// One row into every table, parents first.
fn seed(engine: &Engine, report: &mut Report) -> Result<()> {
    let mut conn = engine.connection()?;
    let tables: Vec<TableDef> = reflect(&mut conn)?
        .into_iter()
        .filter(|t| !is_internal_table(&t.name))
        .collect();
    let ordered = Metadata::from_tables(tables)?;
    let d = conn.dialect();
    for table in ordered.tables() {
        let mut columns = Vec::new();
        let mut values = Vec::new();
        let mut missing = None;
        for c in &table.columns {
            if c.nullable || c.server_default.is_some() || c.autoincrement {
                continue;
            }
            let fk = table.foreign_keys.iter().find_map(|fk| {
                let i = fk.columns.iter().position(|x| *x == c.name)?;
                Some((fk.ref_table.clone(), fk.ref_columns.get(i)?.clone()))
            });
            let value = match fk {
                Some((parent, column)) => {
                    let sql = format!(
                        "SELECT MIN({}) FROM {}",
                        d.quoted(&column),
                        d.quoted(&parent)
                    );
                    conn.query(&sql, &[])?
                        .rows
                        .into_iter()
                        .next()
                        .and_then(|r| r.into_iter().next())
                        .filter(|v| !v.is_null())
                }
                None => sample(c, report.rows),
            };
            match value {
                Some(v) => {
                    columns.push(d.quoted(&c.name));
                    values.push(v);
                }
                None => missing = Some(c.name.clone()),
            }
        }
        if let Some(column) = missing {
            report
                .tables_without_rows
                .push(format!("{}: no value for '{column}'", table.name));
            continue;
        }
        let mut placeholders = String::new();
        for n in 1..=values.len() {
            if n > 1 {
                placeholders.push_str(", ");
            }
            d.placeholder(n, &mut placeholders);
        }
        let sql = if columns.is_empty() {
            format!("INSERT INTO {} DEFAULT VALUES", d.quoted(&table.name))
        } else {
            format!(
                "INSERT INTO {} ({}) VALUES ({placeholders})",
                d.quoted(&table.name),
                columns.join(", ")
            )
        };
        match conn.execute(&sql, &values) {
            Ok(_) => report.rows += 1,
            Err(e) => report
                .tables_without_rows
                .push(format!("{}: {e}", table.name)),
        }
    }
    Ok(())
}

/// A value of the column's type, different for each row put in (`n`).
fn sample(c: &ColumnDef, n: usize) -> Option<Value> {
    let n = i64::try_from(n).unwrap_or(0) + 1;
    let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)?;
    Some(match &c.ty {
        ColumnType::Boolean => Value::Bool(true),
        ColumnType::SmallInt => Value::I16(i16::try_from(n).unwrap_or(1)),
        ColumnType::Integer => Value::I32(i32::try_from(n).unwrap_or(1)),
        ColumnType::BigInt => Value::I64(n),
        ColumnType::Real | ColumnType::Double => Value::F64(n as f64 + 0.5),
        ColumnType::Varchar(len) => {
            let text = format!("v{n}");
            Value::Text(text.chars().take(*len as usize).collect())
        }
        ColumnType::Text => Value::Text(format!("text {n}")),
        ColumnType::Blob => Value::Bytes(vec![1, 2, 3]),
        ColumnType::Date => Value::Date(date),
        ColumnType::Time => Value::Time(chrono::NaiveTime::from_hms_opt(12, 0, 0)?),
        ColumnType::Timestamp => Value::DateTime(date.and_hms_opt(12, 0, 0)?),
        ColumnType::TimestampTz => Value::DateTimeUtc(date.and_hms_opt(12, 0, 0)?.and_utc()),
        ColumnType::Enum { values, .. } => Value::Text(values.first()?.clone()),
        _ => return None,
    })
}
