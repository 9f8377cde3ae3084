use orm_core::Model;

#[derive(Model)]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(skip, length = 20, index)]
    cache: String,
}

fn main() {}
