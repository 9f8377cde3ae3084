use orm_core::Model;

#[derive(Model)]
struct Enrollment {
    #[orm(primary_key)]
    student_id: i64,
    #[orm(primary_key)]
    course_id: i64,
}

fn main() {}
