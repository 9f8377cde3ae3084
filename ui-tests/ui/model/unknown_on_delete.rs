use orm_core::Model;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: Option<i64>,
}

#[derive(Model)]
struct Post {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(foreign_key = User, on_delete = explode)]
    user_id: i64,
}

fn main() {}
