use orm_core::Model;

#[derive(Model)]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(length = 64, index, length = 32)]
    name: String,
    #[orm(unique)]
    #[orm(unique)]
    code: String,
}

fn main() {}
