use orm_core::Model;

#[derive(Model)]
struct Product {
    id: Option<i64>,
    name: String,
}

fn main() {}
