use orm_core::query::update;
use orm_core::Model;

#[derive(Model, Debug)]
pub struct User {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub age: i32,
}

fn main() {
    let _ = update::<User>().set(User::age, "old");
}
