use orm_core::Model;

#[derive(Model)]
struct Post {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(default = "now")]
    created_at: chrono::DateTime<chrono::Utc>,
    #[orm(on_update = chrono::Utc::now())]
    updated_at: chrono::DateTime<chrono::Utc>,
}

fn main() {}
