use orm_core::Model;

#[derive(Model)]
struct Student {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(length = 100, text)]
    bio: Option<String>,
}

fn main() {}
