//! The application over HTTP on every backend: the pages, the forms and their errors, flash
//! messages, pagination, and the statements a page costs. Every step is checked in the database.

use crate::support::{cookie_pairs, AppDb, Http};
use orm_core::prelude::*;
use student_app::models::{Course, Enrollment, Student};

/// The students with `email`, read from the database.
async fn stored(engine: &Engine, email: &str) -> Vec<Student> {
    let email = email.to_owned();
    engine
        .run(move |s| {
            let found = s.all(select::<Student>().filter(Student::email.eq(email)))?;
            Ok::<_, Error>(found.iter().map(|o| o.read().clone()).collect())
        })
        .await
        .expect("read the students")
}

/// The titles of the courses the student with `id` is enrolled in, from the association table.
async fn enrolled(engine: &Engine, id: i64) -> Vec<String> {
    engine
        .run(move |s| {
            let rows = s.all(select::<Enrollment>().filter(Enrollment::student_id.eq(id)))?;
            let mut titles = Vec::new();
            for row in rows {
                let course_id = row.read().course_id;
                if let Some(c) = s.get::<Course>(course_id)? {
                    titles.push(c.read().title.clone());
                }
            }
            titles.sort();
            Ok::<_, Error>(titles)
        })
        .await
        .expect("read the enrollments")
}

/// The id of the course titled `title`.
async fn course_id(engine: &Engine, title: &str) -> i64 {
    let title = title.to_owned();
    engine
        .run(move |s| {
            let c = s.one(select::<Course>().filter(Course::title.eq(title)))?;
            let id = c.read().id.unwrap_or_default();
            Ok::<_, Error>(id)
        })
        .await
        .expect("the course exists")
}

async fn count_rows<M: Model>(engine: &Engine) -> u64 {
    engine
        .run(|s| s.count(select::<M>()))
        .await
        .expect("count the rows")
}

async fn create_edit_delete(db: &AppDb) {
    let engine = db.engine.clone();
    let http = Http::new(crate::support::serve(engine.clone()).await);
    let biology = course_id(&engine, "Biology").await.to_string();
    let marine = course_id(&engine, "Marine Biology").await.to_string();

    let empty = http.get("/").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("No students yet"), "{}", empty.body);

    // Create: a redirect to the new student's page, with a flash message for it.
    let created = http
        .post(
            "/create/",
            &[
                ("firstname", "Sammy"),
                ("lastname", "Shark"),
                ("email", "sammyshark@example.com"),
                ("age", "20"),
                ("bio", "Marine biology student"),
                ("course", &marine),
                ("course", &biology),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let rows = stored(&engine, "sammyshark@example.com").await;
    assert_eq!(rows.len(), 1);
    let sammy = rows[0].clone();
    let id = sammy.id.expect("an id");
    assert_eq!(
        (sammy.firstname.as_str(), sammy.lastname.as_str(), sammy.age),
        ("Sammy", "Shark", Some(20))
    );
    assert_eq!(sammy.bio.as_deref(), Some("Marine biology student"));
    assert!(sammy.created_at.is_some(), "the server default filled it");
    assert_eq!(enrolled(&engine, id).await, ["Biology", "Marine Biology"]);
    assert_eq!(
        created.location.as_deref(),
        Some(format!("/{id}/").as_str())
    );

    let page = http
        .get_with_cookies(&format!("/{id}/"), &cookie_pairs(&created))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("The student was added."),
        "{}",
        page.body
    );
    assert!(page.body.contains("sammyshark@example.com"));
    assert!(
        page.cookies.iter().any(|c| c.starts_with("flash=;")),
        "the flash message is shown once: {:?}",
        page.cookies
    );

    let index = http.get("/").await;
    assert!(index.body.contains(&format!("id=\"student-{id}\"")));
    assert!(index
        .body
        .contains("<span class=\"course\">Marine Biology</span>"));

    // Edit: only what changed, and the courses follow the boxes.
    let edited = http
        .post(
            &format!("/{id}/edit/"),
            &[
                ("firstname", "Sammy"),
                ("lastname", "Shark"),
                ("email", "sammy@example.com"),
                ("age", "21"),
                ("bio", ""),
                ("course", &biology),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    assert!(stored(&engine, "sammyshark@example.com").await.is_empty());
    let now = stored(&engine, "sammy@example.com").await;
    assert_eq!(
        (now[0].id, now[0].age, now[0].bio.clone()),
        (Some(id), Some(21), None)
    );
    assert_eq!(now[0].created_at, sammy.created_at);
    assert_eq!(enrolled(&engine, id).await, ["Biology"]);

    // A duplicate e-mail address: the form again, with what was typed and a flash message.
    let duplicate = http
        .post(
            "/create/",
            &[
                ("firstname", "Carl"),
                ("lastname", "White"),
                ("email", "sammy@example.com"),
                ("course", &marine),
            ],
        )
        .await;
    assert_eq!(duplicate.status, 409);
    assert!(
        duplicate
            .body
            .contains("A student with that email address already exists."),
        "{}",
        duplicate.body
    );
    assert!(duplicate.body.contains("value=\"Carl\""));
    assert_eq!(count_rows::<Student>(&engine).await, 1);
    assert_eq!(
        count_rows::<Enrollment>(&engine).await,
        1,
        "nothing of Carl was kept"
    );

    // The same through the edit form of another student.
    let carl = http
        .post(
            "/create/",
            &[
                ("firstname", "Carl"),
                ("lastname", "White"),
                ("email", "carlwhite@example.com"),
            ],
        )
        .await;
    assert_eq!(carl.status, 303);
    let carl_id = stored(&engine, "carlwhite@example.com").await[0]
        .id
        .expect("an id");
    let clash = http
        .post(
            &format!("/{carl_id}/edit/"),
            &[
                ("firstname", "Carl"),
                ("lastname", "White"),
                ("email", "sammy@example.com"),
            ],
        )
        .await;
    assert_eq!(clash.status, 409);
    assert_eq!(stored(&engine, "carlwhite@example.com").await.len(), 1);

    // Validation: nothing reaches the database.
    for (form, message) in [
        (
            vec![
                ("firstname", ""),
                ("lastname", "X"),
                ("email", "x@example.com"),
            ],
            "First name is required.",
        ),
        (
            vec![
                ("firstname", "X"),
                ("lastname", "X"),
                ("email", "not-an-email"),
            ],
            "Email must look like",
        ),
        (
            vec![
                ("firstname", "X"),
                ("lastname", "X"),
                ("email", "x@example.com"),
                ("age", "-3"),
            ],
            "Age must be a whole number",
        ),
        (
            vec![
                ("firstname", "X"),
                ("lastname", "X"),
                ("email", "x@example.com"),
                ("course", "1 OR 1=1"),
            ],
            "unknown course",
        ),
    ] {
        let reply = http.post("/create/", &form).await;
        assert_eq!(reply.status, 422, "{form:?}");
        assert!(reply.body.contains(message), "{form:?}: {}", reply.body);
    }
    assert_eq!(count_rows::<Student>(&engine).await, 2);

    // Missing students and unknown paths: the 404 page.
    for path in [
        "/999/",
        "/abc/",
        "/999/edit/",
        "/999/delete/",
        "/no/such/page",
    ] {
        let reply = http.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.body.contains("There is no such student."), "{path}");
    }
    let reply = http
        .post(
            "/999/edit/",
            &[
                ("firstname", "X"),
                ("lastname", "X"),
                ("email", "x@example.com"),
            ],
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(http.post("/999/delete/", &[]).await.status, 404);

    // Delete: the confirmation page, then the student and its enrollments go.
    let confirm = http.get(&format!("/{id}/delete/")).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Delete Sammy Shark?"));
    let deleted = http.post(&format!("/{id}/delete/"), &[]).await;
    assert_eq!(deleted.status, 303);
    assert_eq!(deleted.location.as_deref(), Some("/"));
    let index = http.get_with_cookies("/", &cookie_pairs(&deleted)).await;
    assert!(index.body.contains("The student Sammy Shark was deleted."));
    assert!(stored(&engine, "sammy@example.com").await.is_empty());
    assert!(enrolled(&engine, id).await.is_empty());
    assert_eq!(count_rows::<Enrollment>(&engine).await, 0);
    assert_eq!(count_rows::<Student>(&engine).await, 1);
    assert_eq!(
        count_rows::<Course>(&engine).await,
        6,
        "the catalogue stays"
    );

    // What a user types is shown as text, never as markup.
    let hostile = "<script>alert('x')</script>";
    let eve = http
        .post(
            "/create/",
            &[
                ("firstname", hostile),
                ("lastname", "O'Brien & \"Co\""),
                ("email", "eve@example.com"),
            ],
        )
        .await;
    assert_eq!(eve.status, 303);
    assert_eq!(
        stored(&engine, "eve@example.com").await[0].firstname,
        hostile
    );
    let index = http.get("/").await;
    assert!(!index.body.contains("<script>alert"), "{}", index.body);
    assert!(index.body.contains("&#60;script&#62;") || index.body.contains("&lt;script&gt;"));
}

app_test!(crud, create_edit_delete);

/// Twenty-five students in three pages; a page costs three statements (the count, the page, and
/// every course of the page's students at once), whatever the number of students on it.
async fn pages_and_statements(db: &AppDb) {
    let engine = db.engine.clone();
    let ids: Vec<i64> = {
        let mut ids = Vec::new();
        for title in ["Biology", "Physics"] {
            ids.push(course_id(&engine, title).await);
        }
        ids
    };
    engine
        .run(move |s| {
            let courses: Vec<_> = ids
                .iter()
                .map(|id| s.get::<Course>(*id))
                .collect::<Result<Vec<_>>>()?;
            for n in 1..=25 {
                let st = s.add(Student::new(
                    format!("First{n:02}"),
                    format!("Last{n:02}"),
                    format!("s{n}@example.com"),
                ));
                for c in courses.iter().flatten().take(1 + n % 2) {
                    s.append(&st, Student::courses, c)?;
                }
            }
            Ok::<_, Error>(())
        })
        .await
        .expect("add the students");
    let http = Http::new(crate::support::serve(engine.clone()).await);

    let log = engine.record_statements();
    let first = http.get("/").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body.matches("class=\"student\"").count(), 10);
    assert!(first.body.contains("Page 1 of 3 (25 students)"));
    assert!(first.body.contains("href=\"/?page=2\""));
    assert!(!first.body.contains("id=\"prev\""));
    assert_eq!(log.sql().len(), 3, "count, page, courses: {:#?}", log.sql());
    // Students 2, 4, ... take two courses, the others one.
    assert_eq!(first.body.matches("<span class=\"course\">").count(), 15);

    let log = engine.record_statements();
    let last = http.get("/?page=3").await;
    assert_eq!(last.body.matches("class=\"student\"").count(), 5);
    assert!(last.body.contains("First25"));
    assert!(last.body.contains("Page 3 of 3"));
    assert!(last.body.contains("href=\"/?page=2\""));
    assert!(!last.body.contains("id=\"next\""));
    assert_eq!(log.sql().len(), 3, "{:#?}", log.sql());

    for odd in ["/?page=0", "/?page=abc", "/?page=-1"] {
        let reply = http.get(odd).await;
        assert_eq!(reply.status, 200, "{odd}");
        assert!(reply.body.contains("Page 1 of 3"), "{odd}");
    }
    let beyond = http.get("/?page=99").await;
    assert_eq!(beyond.status, 200);
    assert_eq!(beyond.body.matches("class=\"student\"").count(), 0);
}

app_test!(pagination, pages_and_statements);
