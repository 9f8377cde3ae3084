//! The routes, the pages and the forms.
//!
//! Every handler does its database work in one closure handed to [`Engine::run`](orm_core::Engine::run): a fresh session on
//! tokio's blocking pool, committed when the closure returns `Ok` and rolled back when it returns
//! `Err`. The closure returns plain view values; no session or object handle crosses an `.await`.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use orm_core::prelude::*;
use orm_core::runtime::Db;
use serde::Deserialize;

use crate::models::{Course, Student};

/// Students per page of the index.
pub const PER_PAGE: u64 = 10;

/// The application's routes over `engine`.
pub fn app(engine: Engine) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/create/", get(create_form).post(create))
        .route("/{id}/", get(student))
        .route("/{id}/edit/", get(edit_form).post(edit))
        .route("/{id}/delete/", get(delete_form).post(delete))
        .fallback(not_found)
        .with_state(engine)
}

// ---------------------------------------------------------------------------------------------
// Views: what the templates see, built inside the database closure.

/// A student as the pages show it.
#[derive(Debug, Clone)]
pub struct StudentView {
    id: i64,
    firstname: String,
    lastname: String,
    email: String,
    age: Option<i32>,
    bio: String,
    created: String,
    courses: Vec<String>,
}

impl StudentView {
    /// From a loaded student whose courses were loaded with it.
    fn of(student: &Obj<Student>) -> Result<Self> {
        let s = student.read();
        let mut courses: Vec<String> = s
            .courses
            .get()?
            .iter()
            .map(|c| c.read().title.clone())
            .collect();
        courses.sort();
        Ok(StudentView {
            id: s.id.unwrap_or_default(),
            firstname: s.firstname.clone(),
            lastname: s.lastname.clone(),
            email: s.email.clone(),
            age: s.age,
            bio: s.bio.clone().unwrap_or_default(),
            created: s
                .created_at
                .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            courses,
        })
    }
}

/// A course in the form's list of checkboxes.
#[derive(Debug, Clone)]
pub struct CourseChoice {
    id: i64,
    title: String,
    checked: bool,
}

/// The student form's fields as typed, and what is wrong with them.
#[derive(Debug, Clone, Default)]
pub struct StudentForm {
    firstname: String,
    lastname: String,
    email: String,
    age: String,
    bio: String,
    courses: Vec<i64>,
    errors: Vec<String>,
}

/// A validated form.
struct ValidStudent {
    firstname: String,
    lastname: String,
    email: String,
    age: Option<i32>,
    bio: Option<String>,
    courses: Vec<i64>,
}

impl StudentForm {
    /// From the submitted pairs (`course` repeats, once per ticked box).
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = StudentForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "firstname" => form.firstname = value.trim().to_owned(),
                "lastname" => form.lastname = value.trim().to_owned(),
                "email" => form.email = value.trim().to_owned(),
                "age" => form.age = value.trim().to_owned(),
                "bio" => form.bio = value.trim().to_owned(),
                "course" => match value.parse() {
                    Ok(id) => form.courses.push(id),
                    Err(_) => form.errors.push(format!("unknown course `{value}`")),
                },
                _ => {}
            }
        }
        form
    }

    /// From a stored student.
    fn of(s: &Student, courses: &[Obj<Course>]) -> Self {
        StudentForm {
            firstname: s.firstname.clone(),
            lastname: s.lastname.clone(),
            email: s.email.clone(),
            age: s.age.map(|a| a.to_string()).unwrap_or_default(),
            bio: s.bio.clone().unwrap_or_default(),
            courses: courses.iter().filter_map(|c| c.read().id).collect(),
            errors: Vec::new(),
        }
    }

    /// Checks the fields; the errors are kept in the form for the page.
    fn validate(&mut self) -> Option<ValidStudent> {
        let mut required = |value: &str, label: &str, max: usize| {
            if value.is_empty() {
                self.errors.push(format!("{label} is required."));
            } else if value.chars().count() > max {
                self.errors
                    .push(format!("{label} is longer than {max} characters."));
            }
        };
        required(&self.firstname.clone(), "First name", 100);
        required(&self.lastname.clone(), "Last name", 100);
        required(&self.email.clone(), "Email", 80);
        if !self.email.is_empty() && !looks_like_email(&self.email) {
            self.errors
                .push("Email must look like name@example.com.".to_owned());
        }
        let age = if self.age.is_empty() {
            None
        } else {
            match self.age.parse::<i32>() {
                Ok(a) if (1..=150).contains(&a) => Some(a),
                _ => {
                    self.errors
                        .push("Age must be a whole number from 1 to 150.".to_owned());
                    None
                }
            }
        };
        if !self.errors.is_empty() {
            return None;
        }
        let mut courses = self.courses.clone();
        courses.sort_unstable();
        courses.dedup();
        Some(ValidStudent {
            firstname: self.firstname.clone(),
            lastname: self.lastname.clone(),
            email: self.email.clone(),
            age,
            bio: (!self.bio.is_empty()).then(|| self.bio.clone()),
            courses,
        })
    }
}

fn looks_like_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !domain.starts_with('.') && !s.contains(' ')
    })
}

/// The numbers the pager shows.
#[derive(Debug, Clone)]
pub struct Pager {
    page: u64,
    pages: u64,
    total: u64,
    prev: Option<u64>,
    next: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Templates.

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    flash: Option<String>,
    students: Vec<StudentView>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "student.html")]
struct StudentPage {
    flash: Option<String>,
    student: StudentView,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    flash: Option<String>,
    title: String,
    action: String,
    form: StudentForm,
    choices: Vec<CourseChoice>,
}

#[derive(Template)]
#[template(path = "delete.html")]
struct DeletePage {
    flash: Option<String>,
    student: StudentView,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    flash: Option<String>,
    title: String,
    message: String,
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// What a handler can fail with; each becomes a page.
#[derive(Debug)]
pub enum AppError {
    /// No such student (or a path that is not a student's): 404.
    NotFound,
    /// The database failed: 503 for a lost connection or a busy database (worth retrying), else
    /// 500. Logged with its cause; the page does not show it.
    Db(orm_core::Error),
    /// A template failed to render: 500.
    Render(askama::Error),
}

impl From<orm_core::Error> for AppError {
    fn from(e: orm_core::Error) -> Self {
        AppError::Db(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Render(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such student.".to_owned(),
            ),
            AppError::Db(e) if e.is_retryable() || e.is_connection_lost() => {
                tracing::warn!(error = %e, "database busy or unreachable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Try again",
                    "The database is busy. Please try again in a moment.".to_owned(),
                )
            }
            AppError::Db(e) => {
                tracing::error!(error = %e, "database error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Error",
                    "Something went wrong on our side.".to_owned(),
                )
            }
            AppError::Render(e) => {
                tracing::error!(error = %e, "template error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Error",
                    "Something went wrong on our side.".to_owned(),
                )
            }
        };
        let page = ErrorPage {
            flash: None,
            title: title.to_owned(),
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}

type Page = std::result::Result<Response, AppError>;

fn render(status: StatusCode, template: &impl Template) -> Page {
    Ok((status, Html(template.render()?)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Flash messages: a cookie set with a redirect and cleared by the page that shows it.

const FLASH_COOKIE: &str = "flash";

/// A redirect to `to` carrying `message` to the next page.
fn redirect_with_flash(to: &str, message: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let cookie = format!(
        "{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax",
        hex_encode(message)
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The flash message of the request, if any.
fn take_flash(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == FLASH_COOKIE)
        .and_then(|(_, value)| hex_decode(value))
        .filter(|m| !m.is_empty())
}

/// `response` with the flash cookie cleared when the request carried one.
fn clearing_flash(mut response: Response, had_flash: bool) -> Response {
    if had_flash {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
        );
    }
    response
}

/// Cookie values may not hold spaces, commas or non-ASCII text: the message travels as hex.
fn hex_encode(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) || hex.len() > 2048 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// `?page=N` on the index.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

fn student_id(raw: &str) -> std::result::Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// `GET /`: the students, ten per page, each with its courses (loaded in one more statement for the
/// whole page, not one per student).
async fn index(db: Db, Query(q): Query<PageQuery>, headers: HeaderMap) -> Page {
    let flash = take_flash(&headers);
    let had_flash = flash.is_some();
    let page_number = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(1);
    let (students, pager) = db
        .run(move |s| {
            let page = s.paginate(
                select::<Student>()
                    .order_by(Student::id.asc())
                    .eager(Student::courses),
                page_number,
                PER_PAGE,
            )?;
            let pager = Pager {
                page: page.page,
                pages: page.pages(),
                total: page.total,
                prev: page.prev_num(),
                next: page.next_num(),
            };
            let students = page
                .items
                .iter()
                .map(StudentView::of)
                .collect::<Result<Vec<_>>>()?;
            Ok::<_, Error>((students, pager))
        })
        .await?;
    let page = render(
        StatusCode::OK,
        &IndexPage {
            flash,
            students,
            pager,
        },
    )?;
    Ok(clearing_flash(page, had_flash))
}

/// One student with its courses, or `None`.
fn find_student(s: &mut Session, id: i64) -> Result<Option<Obj<Student>>> {
    s.first(
        select::<Student>()
            .filter(Student::id.eq(id))
            .eager(Student::courses),
    )
}

/// The course catalogue as checkboxes, `ticked` checked.
fn course_choices(s: &mut Session, ticked: &[i64]) -> Result<Vec<CourseChoice>> {
    let courses = s.all(select::<Course>().order_by(Course::title.asc()))?;
    Ok(courses
        .iter()
        .map(|c| {
            let c = c.read();
            let id = c.id.unwrap_or_default();
            CourseChoice {
                id,
                title: c.title.clone(),
                checked: ticked.contains(&id),
            }
        })
        .collect())
}

/// The student with `id` as the pages show it, or the 404 page.
async fn student_view(db: &Db, id: i64) -> std::result::Result<StudentView, AppError> {
    db.run(move |s| {
        find_student(s, id)?
            .as_ref()
            .map(StudentView::of)
            .transpose()
    })
    .await?
    .ok_or(AppError::NotFound)
}

/// `GET /{id}/`: one student.
async fn student(db: Db, Path(id): Path<String>, headers: HeaderMap) -> Page {
    let id = student_id(&id)?;
    let flash = take_flash(&headers);
    let had_flash = flash.is_some();
    let view = student_view(&db, id).await?;
    let page = render(
        StatusCode::OK,
        &StudentPage {
            flash,
            student: view,
        },
    )?;
    Ok(clearing_flash(page, had_flash))
}

/// `GET /create/`: the empty form.
async fn create_form(db: Db) -> Page {
    let choices = db.run(|s| course_choices(s, &[])).await?;
    render(
        StatusCode::OK,
        &FormPage {
            flash: None,
            title: "Add a New Student".to_owned(),
            action: "/create/".to_owned(),
            form: StudentForm::default(),
            choices,
        },
    )
}

/// Enrolls `student` in exactly `wanted` (course ids that do not exist are ignored).
fn set_courses(s: &mut Session, student: &Obj<Student>, wanted: &[i64]) -> Result<()> {
    let current = student.read().courses.get()?;
    for course in &current {
        let id = course.read().id.unwrap_or_default();
        if !wanted.contains(&id) {
            s.remove(student, Student::courses, course)?;
        }
    }
    let have: Vec<i64> = current.iter().filter_map(|c| c.read().id).collect();
    for id in wanted.iter().filter(|id| !have.contains(id)) {
        if let Some(course) = s.get::<Course>(*id)? {
            s.append(student, Student::courses, &course)?;
        }
    }
    Ok(())
}

/// A commit error that is the unique e-mail address, told apart by the structured violation.
fn duplicate_email(e: &Error) -> bool {
    e.is_unique_violation() && e.constraint().is_some_and(|v| v.involves("email"))
}

/// The form again, with what was typed, its errors and `flash`.
async fn form_again(
    db: &Db,
    status: StatusCode,
    title: &str,
    action: String,
    form: StudentForm,
    flash: Option<String>,
) -> Page {
    let ticked = form.courses.clone();
    let choices = db.run(move |s| course_choices(s, &ticked)).await?;
    render(
        status,
        &FormPage {
            flash,
            title: title.to_owned(),
            action,
            form,
            choices,
        },
    )
}

const DUPLICATE_EMAIL: &str = "A student with that email address already exists.";

/// `POST /create/`: validates, stores, and shows the new student; a duplicate e-mail address shows
/// the form again with a flash message.
async fn create(db: Db, Form(pairs): Form<Vec<(String, String)>>) -> Page {
    let mut form = StudentForm::from_pairs(pairs);
    let title = "Add a New Student";
    let Some(valid) = form.validate() else {
        return form_again(
            &db,
            StatusCode::UNPROCESSABLE_ENTITY,
            title,
            "/create/".into(),
            form,
            None,
        )
        .await;
    };
    let saved = db
        .run(move |s| {
            let mut student = Student::new(valid.firstname, valid.lastname, valid.email);
            student.age = valid.age;
            student.bio = valid.bio;
            let student = s.add(student);
            for id in &valid.courses {
                if let Some(course) = s.get::<Course>(*id)? {
                    s.append(&student, Student::courses, &course)?;
                }
            }
            s.flush()?;
            let id = student.read().id.unwrap_or_default();
            Ok::<_, Error>(id)
        })
        .await;
    answer(
        &db,
        saved.map(Some),
        title,
        "/create/".into(),
        form,
        "The student was added.",
    )
    .await
}

/// The answer to a submitted form: the student's page with `done` as a flash message, the 404
/// page for a student that is gone, or the form again, kept as typed, for an e-mail address that
/// another student has.
async fn answer(
    db: &Db,
    saved: Result<Option<i64>>,
    title: &str,
    action: String,
    form: StudentForm,
    done: &str,
) -> Page {
    match saved {
        Ok(Some(id)) => Ok(redirect_with_flash(&format!("/{id}/"), done)),
        Ok(None) => Err(AppError::NotFound),
        Err(e) if duplicate_email(&e) => {
            form_again(
                db,
                StatusCode::CONFLICT,
                title,
                action,
                form,
                Some(DUPLICATE_EMAIL.to_owned()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /{id}/edit/`: the form filled with the student's values.
async fn edit_form(db: Db, Path(id): Path<String>) -> Page {
    let id = student_id(&id)?;
    let found = db
        .run(move |s| {
            let Some(student) = find_student(s, id)? else {
                return Ok(None);
            };
            let courses = student.read().courses.get()?;
            let form = StudentForm::of(&student.read(), &courses);
            let choices = course_choices(s, &form.courses)?;
            Ok::<_, Error>(Some((form, choices)))
        })
        .await?;
    let (form, choices) = found.ok_or(AppError::NotFound)?;
    render(
        StatusCode::OK,
        &FormPage {
            flash: None,
            title: "Edit Student".to_owned(),
            action: format!("/{id}/edit/"),
            form,
            choices,
        },
    )
}

/// `POST /{id}/edit/`: validates and updates only the columns that changed.
async fn edit(db: Db, Path(id): Path<String>, Form(pairs): Form<Vec<(String, String)>>) -> Page {
    let id = student_id(&id)?;
    let mut form = StudentForm::from_pairs(pairs);
    let title = "Edit Student";
    let action = format!("/{id}/edit/");
    let Some(valid) = form.validate() else {
        return form_again(
            &db,
            StatusCode::UNPROCESSABLE_ENTITY,
            title,
            action,
            form,
            None,
        )
        .await;
    };
    let saved = db
        .run(move |s| {
            let Some(student) = find_student(s, id)? else {
                return Ok(None);
            };
            {
                let mut st = student.write();
                // Plain assignments: the session compares with the stored row and updates only the
                // columns that differ.
                st.firstname = valid.firstname;
                st.lastname = valid.lastname;
                st.email = valid.email;
                st.age = valid.age;
                st.bio = valid.bio;
            }
            set_courses(s, &student, &valid.courses)?;
            s.flush()?;
            Ok::<_, Error>(Some(id))
        })
        .await;
    answer(&db, saved, title, action, form, "The student was updated.").await
}

/// `GET /{id}/delete/`: asks before deleting.
async fn delete_form(db: Db, Path(id): Path<String>) -> Page {
    let id = student_id(&id)?;
    let view = student_view(&db, id).await?;
    render(
        StatusCode::OK,
        &DeletePage {
            flash: None,
            student: view,
        },
    )
}

/// `POST /{id}/delete/`: deletes the student (its enrollments go with it) and returns to the index.
async fn delete(db: Db, Path(id): Path<String>) -> Page {
    let id = student_id(&id)?;
    let name = db
        .run(move |s| {
            let Some(student) = s.get::<Student>(id)? else {
                return Ok(None);
            };
            let name = {
                let st = student.read();
                format!("{} {}", st.firstname, st.lastname)
            };
            s.delete(&student);
            Ok::<_, Error>(Some(name))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(redirect_with_flash(
        "/",
        &format!("The student {name} was deleted."),
    ))
}

/// Any other path.
async fn not_found() -> AppError {
    AppError::NotFound
}
