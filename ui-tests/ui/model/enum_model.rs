use orm_core::Model;

#[derive(Model)]
enum Status {
    Active,
    Banned,
}

fn main() {}
