//! A model using every option compiles, with no imports beyond the derive.
#![deny(warnings)]

use orm_core::Model;

fn zero() -> i32 {
    0
}

#[derive(Model, Debug)]
#[orm(table = "customers", rename_from = "clients")]
#[orm(index(last_name, first_name), unique(email, first_name, name = "uq_customer_contact"))]
#[orm(check(name = "age_positive", expr = "age >= 0"), check = "length(email) > 3")]
pub struct Customer {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 40, column = "given_name")]
    pub first_name: String,
    #[orm(length = 40, rename_from = "surname")]
    pub last_name: String,
    #[orm(length = 120, index, unique)]
    pub email: String,
    #[orm(default = zero)]
    pub age: i32,
    #[orm(text)]
    pub notes: Option<String>,
    #[orm(sql_type = "NUMERIC(10, 2)")]
    pub balance: f64,
    #[orm(server_default = now, on_update = chrono::Utc::now)]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    #[orm(server_default = -1)]
    pub score: i16,
    #[orm(server_default = 1.5)]
    pub ratio: f32,
    #[orm(server_default = true)]
    pub active: bool,
    #[orm(server_default = "new", length = 10)]
    pub status: String,
    #[orm(server_default_sql = "lower('X')")]
    pub code: Option<String>,
    #[orm(foreign_key = Customer::id, on_delete = "set null", fk_on_update = cascade)]
    pub referrer_id: Option<i64>,
    #[orm(version)]
    pub version: i64,
    #[orm(skip)]
    pub cached: Vec<String>,
}

#[derive(Model, Debug)]
#[orm(primary_key(customer_id, tag), constructor = false, crate = "orm_core")]
struct CustomerTag {
    #[orm(foreign_key = Customer)]
    customer_id: i64,
    #[orm(length = 20)]
    tag: String,
}

fn main() {
    let c = Customer::new("Ada", "Lovelace", "ada@example.com", 0.0, 0_i16, 1.0_f32, true, "new");
    assert_eq!(c.age, 0);
    assert_eq!(Customer::first_name.name(), "given_name");
    assert_eq!(<CustomerTag as Model>::PRIMARY_KEY, ["customer_id", "tag"]);
    let _ = CustomerTag {
        customer_id: 1,
        tag: "vip".into(),
    };
    let _ = CustomerTag::tag;
}
