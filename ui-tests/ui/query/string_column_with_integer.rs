use orm_core::query::select;
use orm_core::Model;

#[derive(Model, Debug)]
pub struct User {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub username: String,
}

fn main() {
    let _ = select::<User>().filter(User::username.gt(3));
}
