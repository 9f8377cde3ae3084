use orm_core::Model;

#[derive(Model)]
struct Document {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(version)]
    revision: String,
}

fn main() {}
