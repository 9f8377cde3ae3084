use orm_core::Model;

#[derive(Model)]
struct Country {
    #[orm(primary_key)]
    code: Option<String>,
    name: String,
}

fn main() {}
