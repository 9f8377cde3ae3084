//! The serde shape of the schema types in migration files: readable TOML (`type = "VARCHAR(64)"`,
//! `server_default = "current_timestamp"`), independent of `orm-core`'s in-memory layout.

use orm_core::dialect::{Dialect, Sqlite};
use orm_core::schema::{
    CheckDef, ColumnDef, DefaultExpr, FkAction, ForeignKeyDef, IndexDef, TableDef, UniqueDef,
};
use serde::{Deserialize, Serialize};

use super::column_type::parse_column_type;

fn is_false(b: &bool) -> bool {
    !*b
}

/// A table as written in a migration file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TableSpec {
    name: String,
    columns: Vec<ColumnSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    primary_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    indexes: Vec<IndexSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    uniques: Vec<UniqueSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    foreign_keys: Vec<ForeignKeySpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    checks: Vec<CheckSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rename_from: Option<String>,
}

/// A column as written in a migration file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ColumnSpec {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    nullable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    primary_key: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    autoincrement: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    server_default: Option<DefaultSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rename_from: Option<String>,
}

/// A server default: `"current_timestamp"`, `{ integer = 0 }`, `{ text = "x" }`, `{ sql = "..." }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DefaultSpec {
    CurrentTimestamp,
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    Sql(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndexSpec {
    name: String,
    columns: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    unique: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UniqueSpec {
    name: String,
    columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckSpec {
    name: String,
    expr: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForeignKeySpec {
    name: String,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_delete: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_update: Option<String>,
}

impl From<&DefaultExpr> for DefaultSpec {
    fn from(d: &DefaultExpr) -> Self {
        match d {
            DefaultExpr::CurrentTimestamp => DefaultSpec::CurrentTimestamp,
            DefaultExpr::Bool(b) => DefaultSpec::Bool(*b),
            DefaultExpr::Integer(i) => DefaultSpec::Integer(*i),
            DefaultExpr::Float(f) => DefaultSpec::Float(*f),
            DefaultExpr::Text(s) => DefaultSpec::Text(s.clone()),
            DefaultExpr::Sql(s) => DefaultSpec::Sql(s.clone()),
            // A kind added to orm-core later: keep its SQL, which every dialect accepts as written.
            other => DefaultSpec::Sql(Sqlite.default_sql(other)),
        }
    }
}

impl From<DefaultSpec> for DefaultExpr {
    fn from(d: DefaultSpec) -> Self {
        match d {
            DefaultSpec::CurrentTimestamp => DefaultExpr::CurrentTimestamp,
            DefaultSpec::Bool(b) => DefaultExpr::Bool(b),
            DefaultSpec::Integer(i) => DefaultExpr::Integer(i),
            DefaultSpec::Float(f) => DefaultExpr::Float(f),
            DefaultSpec::Text(s) => DefaultExpr::Text(s),
            DefaultSpec::Sql(s) => DefaultExpr::Sql(s),
        }
    }
}

impl From<&ColumnDef> for ColumnSpec {
    fn from(c: &ColumnDef) -> Self {
        ColumnSpec {
            name: c.name.clone(),
            ty: c.ty.to_string(),
            nullable: c.nullable,
            primary_key: c.primary_key,
            autoincrement: c.autoincrement,
            server_default: c.server_default.as_ref().map(DefaultSpec::from),
            rename_from: c.rename_from.clone(),
        }
    }
}

impl From<ColumnSpec> for ColumnDef {
    fn from(c: ColumnSpec) -> Self {
        let mut col = ColumnDef::new(c.name, parse_column_type(&c.ty)).nullable(c.nullable);
        col.primary_key = c.primary_key;
        col.autoincrement = c.autoincrement;
        col.server_default = c.server_default.map(DefaultExpr::from);
        col.rename_from = c.rename_from;
        col
    }
}

impl From<&IndexDef> for IndexSpec {
    fn from(i: &IndexDef) -> Self {
        IndexSpec {
            name: i.name.clone(),
            columns: i.columns.clone(),
            unique: i.unique,
        }
    }
}

impl From<IndexSpec> for IndexDef {
    fn from(i: IndexSpec) -> Self {
        IndexDef {
            name: i.name,
            columns: i.columns,
            unique: i.unique,
        }
    }
}

impl From<&UniqueDef> for UniqueSpec {
    fn from(u: &UniqueDef) -> Self {
        UniqueSpec {
            name: u.name.clone(),
            columns: u.columns.clone(),
        }
    }
}

impl From<UniqueSpec> for UniqueDef {
    fn from(u: UniqueSpec) -> Self {
        UniqueDef {
            name: u.name,
            columns: u.columns,
        }
    }
}

impl From<&CheckDef> for CheckSpec {
    fn from(c: &CheckDef) -> Self {
        CheckSpec {
            name: c.name.clone(),
            expr: c.expr.clone(),
        }
    }
}

impl From<CheckSpec> for CheckDef {
    fn from(c: CheckSpec) -> Self {
        CheckDef {
            name: c.name,
            expr: c.expr,
        }
    }
}

fn action_spec(a: FkAction) -> Option<String> {
    (a != FkAction::NoAction).then(|| a.as_sql().to_ascii_lowercase())
}

fn parse_action<E: serde::de::Error>(a: Option<String>) -> Result<FkAction, E> {
    match a {
        None => Ok(FkAction::NoAction),
        Some(s) => FkAction::parse(&s).ok_or_else(|| {
            E::custom(format!(
                "unknown foreign key action `{s}` (expected cascade, set null, set default, restrict or no action)"
            ))
        }),
    }
}

impl From<&ForeignKeyDef> for ForeignKeySpec {
    fn from(f: &ForeignKeyDef) -> Self {
        ForeignKeySpec {
            name: f.name.clone(),
            columns: f.columns.clone(),
            ref_table: f.ref_table.clone(),
            ref_columns: f.ref_columns.clone(),
            on_delete: action_spec(f.on_delete),
            on_update: action_spec(f.on_update),
        }
    }
}

impl ForeignKeySpec {
    fn into_def<E: serde::de::Error>(self) -> Result<ForeignKeyDef, E> {
        Ok(ForeignKeyDef {
            name: self.name,
            columns: self.columns,
            ref_table: self.ref_table,
            ref_columns: self.ref_columns,
            on_delete: parse_action(self.on_delete)?,
            on_update: parse_action(self.on_update)?,
        })
    }
}

impl From<&TableDef> for TableSpec {
    fn from(t: &TableDef) -> Self {
        TableSpec {
            name: t.name.clone(),
            columns: t.columns.iter().map(ColumnSpec::from).collect(),
            primary_key: t.primary_key.clone(),
            indexes: t.indexes.iter().map(IndexSpec::from).collect(),
            uniques: t.uniques.iter().map(UniqueSpec::from).collect(),
            foreign_keys: t.foreign_keys.iter().map(ForeignKeySpec::from).collect(),
            checks: t.checks.iter().map(CheckSpec::from).collect(),
            rename_from: t.rename_from.clone(),
        }
    }
}

impl TableSpec {
    fn into_def<E: serde::de::Error>(self) -> Result<TableDef, E> {
        let mut t = TableDef::new(self.name);
        t.columns = self.columns.into_iter().map(ColumnDef::from).collect();
        t.primary_key = self.primary_key;
        t.rename_from = self.rename_from;
        t.indexes = self.indexes.into_iter().map(IndexDef::from).collect();
        t.uniques = self.uniques.into_iter().map(UniqueDef::from).collect();
        t.checks = self.checks.into_iter().map(CheckDef::from).collect();
        t.foreign_keys = self
            .foreign_keys
            .into_iter()
            .map(ForeignKeySpec::into_def)
            .collect::<Result<_, E>>()?;
        Ok(t)
    }
}

/// `#[serde(with = ...)]` modules, one per schema type, going through the spec types above.
macro_rules! with_module {
    ($module:ident, $def:ty, $spec:ty, |$s:ident| $convert:expr) => {
        pub(crate) mod $module {
            use super::*;

            pub(crate) fn serialize<S: serde::Serializer>(
                v: &$def,
                s: S,
            ) -> Result<S::Ok, S::Error> {
                <$spec>::from(v).serialize(s)
            }

            pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> Result<$def, D::Error> {
                let $s = <$spec>::deserialize(d)?;
                $convert
            }
        }
    };
}

with_module!(table, TableDef, TableSpec, |s| s.into_def());
with_module!(column, ColumnDef, ColumnSpec, |s| Ok(s.into()));
with_module!(index, IndexDef, IndexSpec, |s| Ok(s.into()));
with_module!(unique, UniqueDef, UniqueSpec, |s| Ok(s.into()));
with_module!(check, CheckDef, CheckSpec, |s| Ok(s.into()));
with_module!(foreign_key, ForeignKeyDef, ForeignKeySpec, |s| s.into_def());

/// A list of tables.
pub(crate) mod tables {
    use super::*;

    pub(crate) fn serialize<S: serde::Serializer>(v: &[TableDef], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(TableSpec::from)
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<TableDef>, D::Error> {
        Vec::<TableSpec>::deserialize(d)?
            .into_iter()
            .map(TableSpec::into_def)
            .collect()
    }
}

/// The type of a column in `alter_column`: `"VARCHAR(64)"`.
pub(crate) mod column_type {
    use orm_core::schema::ColumnType;
    use serde::{Deserialize, Serialize};

    pub(crate) fn serialize<S: serde::Serializer>(v: &ColumnType, s: S) -> Result<S::Ok, S::Error> {
        v.to_string().serialize(s)
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<ColumnType, D::Error> {
        Ok(super::parse_column_type(&String::deserialize(d)?))
    }
}

/// An optional server default in `alter_column`.
pub(crate) mod server_default {
    use super::*;

    pub(crate) fn serialize<S: serde::Serializer>(
        v: &Option<DefaultExpr>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref().map(DefaultSpec::from).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DefaultExpr>, D::Error> {
        Ok(Option::<DefaultSpec>::deserialize(d)?.map(DefaultExpr::from))
    }
}
