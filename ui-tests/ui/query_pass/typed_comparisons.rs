//! What must compile: &str for String columns, T for Option<T> columns, a foreign key compared with
//! the key it refers to.
#![deny(warnings)]

use orm_core::query::{func, select, select_columns};
use orm_core::Model;

#[derive(Model, Debug)]
pub struct User {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub username: String,
    pub nick: Option<String>,
    pub active: bool,
}

#[derive(Model, Debug)]
pub struct Post {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = User)]
    pub user_id: i64,
}

fn main() {
    let name = String::from("sammy");
    let _ = select::<User>()
        .filter(User::username.eq("Sammy"))
        .filter(User::username.eq(&name))
        .filter(User::username.eq(name.clone()))
        .filter(User::nick.eq("x") | User::nick.eq(None::<String>))
        .filter(User::id.eq(1))
        .filter(User::id.in_([1, 2, 3]))
        .filter(User::active)
        .filter(User::id.in_(select_columns(Post::user_id).subquery()));
    let _ = select::<Post>().join_on::<User>(Post::user_id.eq(User::id));
    let _ = select::<User>().filter(User::id.eq(Post::user_id));
    let _ = select_columns((User::username, func::count_all())).group_by(User::username);
}
