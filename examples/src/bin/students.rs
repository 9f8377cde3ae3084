//! Seed 004's student records, end to end: create, list, filter, get, edit, delete, the efficient
//! queries (one column, newest first with a limit, counts, pages) and the duplicate e-mail handled
//! without parsing error strings.
//!
//! `cargo run -p examples --bin students` (`DATABASE_URL` to use another database).

use examples::students::Student;
use orm_core::query::{select, select_columns};
use orm_core::{Engine, Error};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn student(first: &str, last: &str, email: &str, age: i32, bio: &str) -> Student {
    let mut s = Student::new(first, last, email);
    s.age = Some(age);
    s.bio = Some(bio.to_owned());
    s
}

fn run() -> Result<(), Error> {
    let engine = Engine::from_env()?;
    engine.drop_all()?;
    engine.create_all()?;
    let mut session = engine.session();

    // db.session.add(student_john); db.session.commit()
    let john = session.add(student(
        "john",
        "Doe",
        "jd@example.com",
        23,
        "Biology student",
    ));
    session.commit()?;
    {
        let john = john.read();
        let created = john.created_at.map_or_else(
            || "unknown".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        );
        println!(
            "john has id {}, created at {created} UTC",
            john.id
                .map_or_else(|| "none".to_owned(), |id| id.to_string())
        );
    }

    // Editing through the handle: only the e-mail is updated.
    john.write().email = "john_doe@example.com".into();
    session.commit()?;

    session.add_all([
        student(
            "Sammy",
            "Shark",
            "sammyshark@example.com",
            20,
            "Marine biology student",
        ),
        student(
            "Carl",
            "White",
            "carlwhite@example.com",
            22,
            "Marine geology student",
        ),
    ]);
    session.commit()?;

    // Student.query.all()
    let all = session.all(select::<Student>().order_by(Student::id.asc()))?;
    let names: Vec<String> = all
        .iter()
        .map(|s| format!("<Student {}>", s.read().firstname))
        .collect();
    println!("all: [{}]", names.join(", "));

    // Student.query.filter_by(firstname='Sammy').first()
    if let Some(sammy) =
        session.first(select::<Student>().filter(Student::firstname.eq("Sammy")))?
    {
        let s = sammy.read();
        let age = s
            .age
            .map_or_else(|| "age unknown".to_owned(), |a| format!("age {a}"));
        println!(
            "filter_by firstname='Sammy': {} {}, {} ({age})",
            s.firstname, s.lastname, s.email
        );
    }

    // Student.query.get(3) and get_or_404
    let carl = session.get_or_not_found::<Student>(3)?;
    println!("get(3): {}", carl.read().firstname);
    match session.get_or_not_found::<Student>(99) {
        Err(Error::NotFound { table }) => println!("get_or_404(99): no such row in {table}"),
        other => println!("get_or_404(99): unexpected {other:?}"),
    }

    // db.session.query(Student.email).all()
    let emails: Vec<String> =
        session.all(select_columns(Student::email).order_by(Student::email.asc()))?;
    println!("emails: {emails:?}");

    // Student.query.order_by(Student.created_at.desc()).limit(10).all()
    let recent = session.all(
        select::<Student>()
            .order_by(Student::created_at.desc())
            .order_by(Student::id.desc())
            .limit(10),
    )?;
    println!(
        "newest first: {:?}",
        recent
            .iter()
            .map(|s| s.read().firstname.clone())
            .collect::<Vec<_>>()
    );

    // Older than 21, counted and paged.
    let older = select::<Student>()
        .filter(Student::age.gt(21))
        .order_by(Student::age.asc());
    println!("older than 21: {}", session.count(&older)?);
    let page = session.paginate(&older, 1, 1)?;
    println!(
        "page {} of {}: {:?} (has next: {}, has prev: {})",
        page.page,
        page.pages(),
        page.items
            .iter()
            .map(|s| s.read().firstname.clone())
            .collect::<Vec<_>>(),
        page.has_next(),
        page.has_prev()
    );

    // A duplicate e-mail: the unique violation is structured, the session is rolled back and usable.
    session.add(student("Alice", "Doe", "sammyshark@example.com", 19, ""));
    match session.commit() {
        Err(e) if e.is_unique_violation() => {
            session.rollback()?;
            println!("error: a student with that email already exists");
        }
        other => other?,
    }

    // db.session.delete(student); db.session.commit()
    session.delete(&carl);
    session.commit()?;
    println!(
        "after delete: {} students",
        session.count(select::<Student>())?
    );
    Ok(())
}
