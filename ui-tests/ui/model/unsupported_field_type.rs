use orm_core::Model;

struct Money {
    cents: i64,
}

#[derive(Model)]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
    stock: u64,
    price: Money,
}

fn main() {}
