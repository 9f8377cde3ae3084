use orm_core::Model;

#[derive(Model)]
#[orm(table = "1st products")]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
}

#[derive(Model)]
#[orm(table = "")]
struct Order {
    #[orm(primary_key)]
    id: Option<i64>,
}

fn main() {}
