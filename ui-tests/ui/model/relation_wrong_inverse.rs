use orm_core::{BelongsTo, HasMany, Model};

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(back_populates = writer)]
    posts: HasMany<Post>,
}

#[derive(Model)]
struct Post {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(foreign_key = User)]
    user_id: i64,
    #[orm(back_populates = posts)]
    author: BelongsTo<User>,
}

fn main() {}
