use orm_core::Model;

#[derive(Model)]
struct Tagged<T> {
    #[orm(primary_key)]
    id: Option<i64>,
    value: T,
}

fn main() {}
