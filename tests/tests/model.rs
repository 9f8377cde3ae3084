//! Behaviour of `#[derive(Model)]`: the metadata, handles, constructor and value conversions it
//! generates, on the seed models and on models using every option.

#[path = "seed/microblog.rs"]
mod microblog;
#[path = "seed/students.rs"]
mod students;

use microblog::{Post, User};
use students::Student;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use orm_core::schema::{
    CheckDef, ColumnDef, ColumnType, DefaultExpr, FkAction, ForeignKeyDef, IndexDef, UniqueDef,
};
use orm_core::{Error, Metadata, Model, SqlType, Value, ValueError};

/// A tree: a foreign key to its own table.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Node {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = Node, on_delete = set_null)]
    pub parent_id: Option<i64>,
}

/// A user type mapped onto text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Email(String);

impl SqlType for Email {
    fn column_type() -> ColumnType {
        ColumnType::Varchar(200)
    }
    fn to_value(&self) -> Value {
        Value::Text(self.0.clone())
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        String::from_value(value).map(Email)
    }
}

fn default_score() -> i16 {
    7
}

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// Every supported type, and the struct-level options.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "everything", rename_from = "all_types")]
#[orm(unique(small, int, name = "uq_small_int"), index(big, real))]
#[orm(check(name = "int_positive", expr = "int >= 0"), check = "big <> 0")]
pub struct AllTypes {
    #[orm(primary_key, autoincrement = false)]
    pub code: i32,
    pub flag: bool,
    #[orm(default = default_score, server_default = 7)]
    pub small: i16,
    #[orm(column = "int_value", rename_from = "integer_value")]
    pub int: i32,
    pub big: i64,
    pub real: f32,
    #[orm(server_default = -1.5)]
    pub double: f64,
    #[orm(server_default = "none")]
    pub text: String,
    pub bytes: Vec<u8>,
    pub day: NaiveDate,
    #[orm(on_update = epoch)]
    pub local: NaiveDateTime,
    #[orm(default = Utc::now)]
    pub instant: Option<DateTime<Utc>>,
    pub email: Email,
    #[orm(sql_type = "NUMERIC(10, 2)", server_default_sql = "0.00")]
    pub price: Option<f64>,
    #[orm(server_default = false)]
    pub archived: bool,
    #[orm(version)]
    pub version: i64,
    #[orm(skip)]
    pub scratch: Vec<String>,
}

/// A composite key, referring to other models' columns.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(primary_key(student_id, post_id))]
pub struct Enrollment {
    #[orm(foreign_key = Student::id, on_delete = "CASCADE", fk_on_update = "set default")]
    pub student_id: i64,
    #[orm(foreign_key = Post, on_delete = restrict)]
    pub post_id: i64,
}

fn column(name: &str, ty: ColumnType) -> ColumnDef {
    ColumnDef::new(name, ty)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn user_table_is_the_seed_schema() {
    let t = User::table();
    assert_eq!(t.name, "user");
    assert_eq!(
        t.columns,
        [
            column("id", ColumnType::BigInt).autoincrement_primary_key(),
            column("username", ColumnType::Varchar(64)),
            column("email", ColumnType::Varchar(120)),
            column("password_hash", ColumnType::Varchar(256)).nullable(true),
        ]
    );
    assert_eq!(t.primary_key, ["id"]);
    assert_eq!(
        t.indexes,
        [
            IndexDef {
                name: "ix_user_username".into(),
                columns: strings(&["username"]),
                unique: true,
            },
            IndexDef {
                name: "ix_user_email".into(),
                columns: strings(&["email"]),
                unique: true,
            },
        ]
    );
    assert!(t.uniques.is_empty() && t.checks.is_empty() && t.foreign_keys.is_empty());
    assert_eq!(t.rename_from, None);
    assert_eq!(User::TABLE_NAME, "user");
    assert_eq!(User::PRIMARY_KEY, ["id"]);
    assert_eq!(User::COLUMNS, ["id", "username", "email", "password_hash"]);
    assert_eq!(User::primary_key_indexes(), [0]);
    assert!(std::ptr::eq(User::table(), t), "built once");
}

#[test]
fn post_table_has_its_foreign_key_and_indexes() {
    let t = Post::table();
    assert_eq!(t.name, "post");
    assert_eq!(
        t.columns,
        [
            column("id", ColumnType::BigInt).autoincrement_primary_key(),
            column("body", ColumnType::Varchar(140)),
            column("timestamp", ColumnType::TimestampTz),
            column("user_id", ColumnType::BigInt),
        ]
    );
    let names: Vec<_> = t
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.unique))
        .collect();
    assert_eq!(
        names,
        [("ix_post_timestamp", false), ("ix_post_user_id", false)]
    );
    assert_eq!(
        t.foreign_keys,
        [ForeignKeyDef {
            name: "fk_post_user_id_user".into(),
            columns: strings(&["user_id"]),
            ref_table: "user".into(),
            ref_columns: strings(&["id"]),
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        }]
    );
}

#[test]
fn student_table_is_seed_004() {
    let t = Student::table();
    assert_eq!(
        t.columns,
        [
            column("id", ColumnType::BigInt).autoincrement_primary_key(),
            column("firstname", ColumnType::Varchar(100)),
            column("lastname", ColumnType::Varchar(100)),
            column("email", ColumnType::Varchar(80)),
            column("age", ColumnType::Integer).nullable(true),
            column("created_at", ColumnType::TimestampTz)
                .nullable(true)
                .server_default(DefaultExpr::CurrentTimestamp),
            column("bio", ColumnType::Text).nullable(true),
        ]
    );
    assert_eq!(
        t.uniques,
        [UniqueDef {
            name: "uq_student_email".into(),
            columns: strings(&["email"]),
        }]
    );
    assert!(t.indexes.is_empty());
}

#[test]
fn a_self_reference_refers_to_its_own_table() {
    let t = Node::table();
    assert_eq!(t.foreign_keys.len(), 1);
    let fk = &t.foreign_keys[0];
    assert_eq!(fk.name, "fk_node_parent_id_node");
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.as_slice()),
        ("node", &strings(&["id"])[..])
    );
    assert_eq!(fk.on_delete, FkAction::SetNull);
    assert!(t.column("parent_id").unwrap().nullable);
}

#[test]
fn every_type_and_struct_option() {
    let t = AllTypes::table();
    assert_eq!(t.name, "everything");
    assert_eq!(t.rename_from.as_deref(), Some("all_types"));
    let mut code = column("code", ColumnType::Integer);
    code.primary_key = true;
    let mut int = column("int_value", ColumnType::Integer);
    int.rename_from = Some("integer_value".into());
    let mut version = column("version", ColumnType::BigInt);
    version.version = true;
    assert_eq!(
        t.columns,
        [
            code,
            column("flag", ColumnType::Boolean),
            column("small", ColumnType::SmallInt).server_default(DefaultExpr::Integer(7)),
            int,
            column("big", ColumnType::BigInt),
            column("real", ColumnType::Real),
            column("double", ColumnType::Double).server_default(DefaultExpr::Float(-1.5)),
            column("text", ColumnType::Text).server_default(DefaultExpr::Text("none".into())),
            column("bytes", ColumnType::Blob),
            column("day", ColumnType::Date),
            column("local", ColumnType::Timestamp),
            column("instant", ColumnType::TimestampTz).nullable(true),
            column("email", ColumnType::Varchar(200)),
            column("price", ColumnType::Custom("NUMERIC(10, 2)".into()))
                .nullable(true)
                .server_default(DefaultExpr::Sql("0.00".into())),
            column("archived", ColumnType::Boolean).server_default(DefaultExpr::Bool(false)),
            version,
        ]
    );
    assert_eq!(t.primary_key, ["code"]);
    assert_eq!(t.autoincrement_column(), None);
    assert_eq!(t.version_column().map(|c| c.name.as_str()), Some("version"));
    assert_eq!(
        t.uniques,
        [UniqueDef {
            name: "uq_small_int".into(),
            columns: strings(&["small", "int_value"]),
        }]
    );
    assert_eq!(
        t.indexes,
        [IndexDef {
            name: "ix_everything_big_real".into(),
            columns: strings(&["big", "real"]),
            unique: false,
        }]
    );
    assert_eq!(
        t.checks,
        [
            CheckDef {
                name: "ck_everything_int_positive".into(),
                expr: "int >= 0".into(),
            },
            CheckDef {
                name: "ck_everything_2".into(),
                expr: "big <> 0".into(),
            },
        ]
    );
    assert_eq!(
        AllTypes::COLUMNS.len(),
        16,
        "the skipped field is not a column"
    );
    assert_eq!(AllTypes::int.name(), "int_value");
    assert_eq!(AllTypes::int.index(), 3);
}

#[test]
fn a_composite_key_and_foreign_keys_to_named_columns() {
    let t = Enrollment::table();
    assert_eq!(t.primary_key, ["student_id", "post_id"]);
    assert_eq!(Enrollment::PRIMARY_KEY, ["student_id", "post_id"]);
    assert_eq!(Enrollment::primary_key_indexes(), [0, 1]);
    assert!(t
        .columns
        .iter()
        .all(|c| c.primary_key && !c.autoincrement && !c.nullable));
    let fks: Vec<_> = t
        .foreign_keys
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.ref_table.as_str(),
                f.ref_columns[0].as_str(),
                f.on_delete,
                f.on_update,
            )
        })
        .collect();
    assert_eq!(
        fks,
        [
            (
                "fk_enrollment_student_id_student",
                "student",
                "id",
                FkAction::Cascade,
                FkAction::SetDefault
            ),
            (
                "fk_enrollment_post_id_post",
                "post",
                "id",
                FkAction::Restrict,
                FkAction::NoAction
            ),
        ]
    );
    let e = Enrollment::new(1_i64, 2_i64);
    assert_eq!(e.primary_key_values(), [Value::I64(1), Value::I64(2)]);
}

#[test]
fn handles_name_their_columns() {
    assert_eq!(User::username.name(), "username");
    assert_eq!(User::username.index(), 1);
    assert_eq!(User::id.name(), "id");
    assert_eq!(Post::user_id.name(), "user_id");
    assert_eq!(Student::created_at.index(), 5);
    assert_eq!(format!("{:?}", User::email), "Column(email)");
}

#[test]
fn new_takes_the_required_fields() {
    let u = User::new("john", "john@example.com");
    assert_eq!(
        u,
        User {
            id: None,
            username: "john".into(),
            email: "john@example.com".into(),
            password_hash: None,
        }
    );
    let before = Utc::now();
    let p = Post::new("hello", 1_i64);
    assert!(
        p.timestamp >= before && p.timestamp <= Utc::now(),
        "default = Utc::now"
    );
    assert_eq!((p.id, p.body.as_str(), p.user_id), (None, "hello", 1));

    let s = Student::new("Sammy", "Shark", "sammy@example.com");
    assert_eq!((s.age, s.created_at, s.bio), (None, None, None));

    let a = AllTypes::new(
        1,
        true,
        2,
        3_i64,
        4.0_f32,
        5.0,
        "six",
        vec![7_u8],
        NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
        epoch(),
        Email("a@b.c".into()),
        true,
    );
    assert_eq!(a.small, 7, "the default function");
    assert!(
        a.instant.is_some(),
        "an Option field with a default gets it in new"
    );
    assert_eq!(a.price, None);
    assert_eq!(a.version, 0);
    assert!(a.scratch.is_empty());
}

#[test]
fn values_round_trip() {
    let u = User {
        id: Some(7),
        username: "susan".into(),
        email: "susan@example.com".into(),
        password_hash: Some("x".into()),
    };
    let values = u.to_values();
    assert_eq!(
        values,
        [
            Value::I64(7),
            Value::Text("susan".into()),
            Value::Text("susan@example.com".into()),
            Value::Text("x".into()),
        ]
    );
    assert_eq!(User::from_values(values).unwrap(), u);
    assert_eq!(u.column_value(2), Value::Text("susan@example.com".into()));
    assert_eq!(u.column_value(99), Value::Null);
    assert_eq!(u.primary_key_values(), [Value::I64(7)]);

    let a = AllTypes {
        code: 1,
        flag: true,
        small: 2,
        int: 3,
        big: 4,
        real: 5.5,
        double: 6.25,
        text: "seven".into(),
        bytes: vec![8, 9],
        day: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        local: epoch(),
        instant: Some(Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap()),
        email: Email("e@x.y".into()),
        price: None,
        archived: false,
        version: 3,
        scratch: vec!["not stored".into()],
    };
    let back = AllTypes::from_values(a.to_values()).unwrap();
    assert_eq!(
        back,
        AllTypes {
            scratch: Vec::new(),
            ..a
        },
        "skipped fields come back as Default"
    );
}

#[test]
fn decode_errors_name_table_and_column() {
    let values = vec![
        Value::Text("one".into()),
        Value::Text("susan".into()),
        Value::Text("susan@example.com".into()),
        Value::Null,
    ];
    match User::from_values(values) {
        Err(Error::Decode { table, column, .. }) => {
            assert_eq!((table.as_str(), column.as_str()), ("user", "id"))
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match User::from_values(vec![Value::I64(1), Value::Null]) {
        Err(e @ Error::Decode { .. }) => {
            assert_eq!(
                e.to_string(),
                "cannot decode column `user.username`: expected text, found null (NULL)"
            )
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match User::from_values(vec![Value::I64(1), Value::Text("a".into())]) {
        Err(Error::Decode {
            column, message, ..
        }) => {
            assert_eq!(column, "email");
            assert!(message.contains("fewer columns"), "{message}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match AllTypes::from_values(vec![Value::I64(1); 16]) {
        Err(Error::Decode { table, column, .. }) => {
            assert_eq!((table.as_str(), column.as_str()), ("everything", "text"))
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn set_column_value_writes_the_field() {
    let mut u = User::new("john", "john@example.com");
    u.set_column_value(0, Value::I64(42)).unwrap();
    assert_eq!(u.id, Some(42));
    u.set_column_value(3, Value::Text("hash".into())).unwrap();
    assert_eq!(u.password_hash.as_deref(), Some("hash"));
    assert!(
        u.set_column_value(1, Value::Null).is_err(),
        "username is NOT NULL"
    );
    assert_eq!(u.username, "john", "unchanged after an error");
    let err = u.set_column_value(4, Value::Null).unwrap_err();
    assert!(err.0.contains("out of range"), "{err}");
}

#[test]
fn insert_defaults_and_update_hooks() {
    let mut a = AllTypes::from_values(
        AllTypes::new(
            1,
            true,
            2,
            3_i64,
            4.0_f32,
            5.0,
            "six",
            Vec::new(),
            NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
            NaiveDate::from_ymd_opt(2024, 1, 2)
                .unwrap()
                .and_hms_opt(1, 2, 3)
                .unwrap(),
            Email::default(),
            false,
        )
        .to_values(),
    )
    .unwrap();
    a.instant = None;
    a.apply_insert_defaults();
    assert!(
        a.instant.is_some(),
        "an Option field with a default is filled when still None"
    );
    let kept = a.instant;
    a.apply_insert_defaults();
    assert_eq!(a.instant, kept, "a value already there is kept");
    a.apply_update_hooks();
    assert_eq!(a.local, epoch(), "on_update assigns");

    let mut u = User::new("a", "b");
    let before = u.clone();
    u.apply_insert_defaults();
    u.apply_update_hooks();
    assert_eq!(u, before, "no defaults, no hooks: nothing changes");
}

#[test]
fn models_register_themselves_parents_first() {
    let m = Metadata::registered().unwrap();
    let names: Vec<&str> = m.tables().iter().map(|t| t.name.as_str()).collect();
    let pos = |n: &str| {
        names
            .iter()
            .position(|t| *t == n)
            .unwrap_or_else(|| panic!("{n} in {names:?}"))
    };
    for t in [
        "user",
        "post",
        "student",
        "node",
        "everything",
        "enrollment",
    ] {
        pos(t);
    }
    assert!(pos("user") < pos("post"));
    assert!(pos("post") < pos("enrollment"));
    assert!(pos("student") < pos("enrollment"));
    assert_eq!(m.table("post"), Some(Post::table()));
    assert!(!m.deferred_foreign_keys("node", "fk_node_parent_id_node"));
}
