use orm_core::Model;

#[derive(Model)]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(lenght = 64)]
    name: String,
    #[orm(nullable)]
    note: String,
}

fn main() {}
