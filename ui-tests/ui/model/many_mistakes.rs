use orm_core::Model;

#[derive(Model)]
#[orm(tabel = "products", check(expr = ""))]
struct Product {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(length = 64, uniqe)]
    name: String,
    #[orm(length = 10)]
    stock: i32,
    #[orm(on_delete = cascade)]
    category_id: i64,
    #[orm(version)]
    #[orm(column = "name")]
    revision: f64,
}

fn main() {}
