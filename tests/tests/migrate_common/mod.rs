//! Hand-built table definitions for the migration tests (the models of seeds 000 and 003), until
//! `#[derive(Model)]` can declare them.
#![allow(dead_code)] // each test file uses its own subset

use orm_core::schema::{
    index_name, CheckDef, ColumnDef, ColumnType, DefaultExpr, FkAction, ForeignKeyDef, IndexDef,
    Metadata, TableDef, UniqueDef,
};

/// An index named by the convention.
pub fn index(table: &str, columns: &[&str], unique: bool) -> IndexDef {
    IndexDef {
        name: index_name(table, columns),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        unique,
    }
}

fn id() -> ColumnDef {
    ColumnDef::new("id", ColumnType::BigInt).autoincrement_primary_key()
}

/// Seed 000's `User`.
pub fn user() -> TableDef {
    let mut t = TableDef::new("user");
    t.columns = vec![
        id(),
        ColumnDef::new("username", ColumnType::Varchar(64)),
        ColumnDef::new("email", ColumnType::Varchar(120)),
        ColumnDef::new("password_hash", ColumnType::Varchar(256)).nullable(true),
    ];
    t.primary_key = vec!["id".into()];
    t.indexes = vec![
        index("user", &["username"], true),
        index("user", &["email"], true),
    ];
    t
}

/// Seed 000's `Post`.
pub fn post() -> TableDef {
    let mut t = TableDef::new("post");
    t.columns = vec![
        id(),
        ColumnDef::new("body", ColumnType::Varchar(140)),
        ColumnDef::new("timestamp", ColumnType::TimestampTz)
            .server_default(DefaultExpr::CurrentTimestamp),
        ColumnDef::new("user_id", ColumnType::BigInt),
    ];
    t.primary_key = vec!["id".into()];
    t.indexes = vec![
        index("post", &["timestamp"], false),
        index("post", &["user_id"], false),
    ];
    t.foreign_keys = vec![ForeignKeyDef {
        name: "fk_post_user_id_user".into(),
        columns: vec!["user_id".into()],
        ref_table: "user".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
    }];
    t
}

/// Seed 003's `Product`, with or without `price`.
pub fn products(with_price: bool) -> TableDef {
    let mut t = TableDef::new("products");
    t.columns = vec![
        ColumnDef::new("id", ColumnType::Integer).autoincrement_primary_key(),
        ColumnDef::new("name", ColumnType::Varchar(50)).nullable(true),
    ];
    if with_price {
        t.columns
            .push(ColumnDef::new("price", ColumnType::Integer).nullable(true));
    }
    t.primary_key = vec!["id".into()];
    t
}

/// A table using every kind of column, default and constraint.
pub fn everything() -> TableDef {
    let mut t = TableDef::new("everything");
    t.columns = vec![
        id(),
        ColumnDef::new("flag", ColumnType::Boolean).server_default(DefaultExpr::Bool(true)),
        ColumnDef::new("small", ColumnType::SmallInt).nullable(true),
        ColumnDef::new("count", ColumnType::Integer).server_default(DefaultExpr::Integer(0)),
        ColumnDef::new("ratio", ColumnType::Double).nullable(true),
        ColumnDef::new("real", ColumnType::Real).nullable(true),
        ColumnDef::new("label", ColumnType::Text).server_default(DefaultExpr::Text("it's".into())),
        ColumnDef::new("data", ColumnType::Blob).nullable(true),
        ColumnDef::new("day", ColumnType::Date).nullable(true),
        ColumnDef::new("naive", ColumnType::Timestamp).nullable(true),
        ColumnDef::new("owner_id", ColumnType::BigInt).nullable(true),
        ColumnDef::new("code", ColumnType::Varchar(10)),
    ];
    t.primary_key = vec!["id".into()];
    t.uniques = vec![UniqueDef {
        name: "uq_everything_code_label".into(),
        columns: vec!["code".into(), "label".into()],
    }];
    t.checks = vec![CheckDef {
        name: "ck_everything_count".into(),
        expr: "count >= 0".into(),
    }];
    t.foreign_keys = vec![ForeignKeyDef {
        name: "fk_everything_owner_id_user".into(),
        columns: vec!["owner_id".into()],
        ref_table: "user".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::SetNull,
        on_update: FkAction::NoAction,
    }];
    t.indexes = vec![index("everything", &["day", "naive"], false)];
    t
}

/// A metadata of the given tables.
pub fn metadata(tables: impl IntoIterator<Item = TableDef>) -> Metadata {
    Metadata::from_tables(tables).expect("distinct table names")
}
