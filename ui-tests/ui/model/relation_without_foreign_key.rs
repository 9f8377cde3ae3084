use orm_core::{BelongsTo, Model};

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: Option<i64>,
}

#[derive(Model)]
struct Post {
    #[orm(primary_key)]
    id: Option<i64>,
    user_id: i64,
    author: BelongsTo<User>,
}

fn main() {}
