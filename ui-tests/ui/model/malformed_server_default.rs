use orm_core::Model;

#[derive(Model)]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(server_default = today)]
    created: chrono::NaiveDate,
    #[orm(server_default = lower('x'))]
    slug: String,
}

fn main() {}
