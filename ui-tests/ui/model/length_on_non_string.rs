use orm_core::Model;

#[derive(Model)]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(length = 10)]
    stock: i32,
}

fn main() {}
