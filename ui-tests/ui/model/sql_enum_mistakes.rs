use orm_core::SqlEnum;

#[derive(SqlEnum)]
enum Shape {
    Circle(f64),
    Square,
}

#[derive(SqlEnum)]
enum Twice {
    #[orm(rename = "a")]
    First,
    A,
}

#[derive(SqlEnum)]
struct NotAnEnum {
    x: i64,
}

#[derive(SqlEnum)]
#[orm(native)]
enum Unknown {
    A,
}

fn main() {}
