use orm_core::Model;

#[derive(Model)]
#[orm(index(firstname, lastnme), unique(email, phone, name = "uq_contact"))]
struct Student {
    #[orm(primary_key)]
    id: Option<i64>,
    firstname: String,
    lastname: String,
    email: String,
}

fn main() {}
