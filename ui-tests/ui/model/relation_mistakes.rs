use orm_core::{BelongsTo, HasMany, ManyToMany, Model};

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(via = user_id)]
    name: String,
    #[orm(back_populate = author, length = 5)]
    posts: HasMany<Post>,
    #[orm(lazy = "joined")]
    friends: ManyToMany<User>,
}

#[derive(Model)]
struct Post {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(foreign_key = User)]
    user_id: i64,
    #[orm(via = usr_id, cascade = "delete")]
    author: BelongsTo<User>,
}

fn main() {}
