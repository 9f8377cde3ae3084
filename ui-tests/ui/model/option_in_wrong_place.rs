use orm_core::Model;

#[derive(Model)]
#[orm(length = 10)]
struct Product {
    #[orm(primary_key, table = "products")]
    id: Option<i64>,
}

fn main() {}
