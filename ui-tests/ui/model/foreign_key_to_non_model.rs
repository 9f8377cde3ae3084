use orm_core::Model;

struct Author {
    id: i64,
}

#[derive(Model)]
struct Book {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(foreign_key = Author)]
    author_id: i64,
}

fn main() {}
