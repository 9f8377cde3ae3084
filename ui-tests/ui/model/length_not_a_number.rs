use orm_core::Model;

#[derive(Model)]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(length = "64")]
    name: String,
    #[orm(length = 0)]
    code: String,
    #[orm(length)]
    label: String,
}

fn main() {}
