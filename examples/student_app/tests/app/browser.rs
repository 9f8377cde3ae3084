//! The application in a real browser, on every backend: headless Chromium driven through
//! chromedriver (WebDriver, with `fantoccini`) creates a student through the form, finds it in the
//! list, edits it, meets the flash message of a duplicate e-mail address and deletes it; the database
//! is checked after each step. A screenshot of the student list is written to
//! `target/tmp/student_app/student_list_<backend>.png`.
//!
//! Needs `chromedriver` and `chromium` (Debian's `chromium-driver` and `chromium`; `CHROMEDRIVER`
//! and `CHROME` name other binaries). Without them the test says it is skipped, except under CI,
//! where that is a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::AppDb;
use fantoccini::{Client, ClientBuilder, Locator};
use orm_core::prelude::*;
use student_app::models::{Course, Enrollment, Student};

/// `var`, else the first of `names` found on `PATH`.
fn binary(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The chromedriver and browser binaries, or `None` with a note (a failure under CI).
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let driver = binary("CHROMEDRIVER", &["chromedriver"]);
    let chrome = binary("CHROME", &["chromium", "chromium-browser", "google-chrome"]);
    match (driver, chrome) {
        (Some(d), Some(c)) => Some((d, c)),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "the browser test may not be skipped in CI: install Debian's chromium and chromium-driver"
            );
            eprintln!(
                "note: chromedriver or chromium not found: the browser test is skipped \
                 (apt-get install chromium chromium-driver)"
            );
            None
        }
    }
}

/// A chromedriver process on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(binary: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, chrome: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": chrome,
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1200,900"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session")
}

async fn fill(client: &Client, id: &str, text: &str) {
    let field = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no field #{id}: {e}"));
    field.clear().await.expect("clear the field");
    field.send_keys(text).await.expect("type into the field");
}

async fn tick(client: &Client, course: &str, on: bool) {
    let xpath = format!("//label[normalize-space(.)='{course}']/input");
    let boxed = client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no checkbox for {course}: {e}"));
    if boxed.is_selected().await.expect("read the checkbox") != on {
        boxed.click().await.expect("tick the checkbox");
    }
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
        .text()
        .await
        .expect("the element's text")
}

async fn path(client: &Client) -> String {
    client
        .current_url()
        .await
        .expect("the url")
        .path()
        .to_owned()
}

/// The stored student with `email`, and its course titles.
async fn stored(engine: &Engine, email: &str) -> Option<(Student, Vec<String>)> {
    let email = email.to_owned();
    engine
        .run(move |s| {
            let Some(st) = s.first(
                select::<Student>()
                    .filter(Student::email.eq(email))
                    .eager(Student::courses),
            )?
            else {
                return Ok(None);
            };
            let mut titles: Vec<String> = st
                .read()
                .courses
                .get()?
                .iter()
                .map(|c| c.read().title.clone())
                .collect();
            titles.sort();
            let value = st.read().clone();
            Ok::<_, Error>(Some((value, titles)))
        })
        .await
        .expect("read the database")
}

async fn count<M: Model>(engine: &Engine) -> u64 {
    engine.run(|s| s.count(select::<M>())).await.expect("count")
}

async fn create_edit_duplicate_delete(db: &AppDb) {
    let Some((driver_bin, chrome)) = browser_binaries() else {
        return;
    };
    let engine = db.engine.clone();
    let addr = crate::support::serve(engine.clone()).await;
    let base = format!("http://{addr}");
    let driver = Driver::start(&driver_bin);
    let client = browser(&driver, &chrome).await;

    // The empty list, then the form through the navigation link.
    client.goto(&base).await.expect("open the index");
    assert!(text(&client, "#empty").await.contains("No students yet"));
    click(&client, "nav a[href='/create/']").await;
    assert_eq!(path(&client).await, "/create/");

    // Create.
    fill(&client, "firstname", "Sammy").await;
    fill(&client, "lastname", "Shark").await;
    fill(&client, "email", "sammyshark@example.com").await;
    fill(&client, "age", "20").await;
    fill(&client, "bio", "Marine biology student").await;
    tick(&client, "Marine Biology", true).await;
    tick(&client, "Marine Geology", true).await;
    click(&client, "#submit").await;
    assert_eq!(text(&client, "#flash").await, "The student was added.");
    let (sammy, courses) = stored(&engine, "sammyshark@example.com")
        .await
        .expect("the student is stored");
    let id = sammy.id.expect("an id");
    assert_eq!(path(&client).await, format!("/{id}/"));
    assert_eq!((sammy.firstname.as_str(), sammy.age), ("Sammy", Some(20)));
    assert_eq!(sammy.bio.as_deref(), Some("Marine biology student"));
    assert_eq!(courses, ["Marine Biology", "Marine Geology"]);

    // In the list, with its courses; the screenshot of the list.
    click(&client, "nav a[href='/']").await;
    let row = text(&client, &format!("#student-{id}")).await;
    assert!(row.contains("Sammy Shark"), "{row}");
    assert!(row.contains("sammyshark@example.com"), "{row}");
    assert!(row.contains("Marine Geology"), "{row}");
    assert!(
        client.find(Locator::Id("flash")).await.is_err(),
        "the flash message was shown once"
    );
    let png = client.screenshot().await.expect("a screenshot");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("student_app");
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    let shot = dir.join(format!("student_list_{}.png", db.backend));
    std::fs::write(&shot, &png).expect("write the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG image");

    // Edit: from the list to the student's page to the form, which shows the stored values.
    click(&client, &format!("#student-{id} h2 a")).await;
    click(&client, "#edit").await;
    let shown = client
        .find(Locator::Id("email"))
        .await
        .expect("the e-mail field")
        .prop("value")
        .await
        .expect("its value");
    assert_eq!(shown.as_deref(), Some("sammyshark@example.com"));
    fill(&client, "email", "sammy@example.com").await;
    fill(&client, "age", "21").await;
    tick(&client, "Marine Geology", false).await;
    tick(&client, "Biology", true).await;
    click(&client, "#submit").await;
    assert_eq!(text(&client, "#flash").await, "The student was updated.");
    assert!(stored(&engine, "sammyshark@example.com").await.is_none());
    let (edited, courses) = stored(&engine, "sammy@example.com")
        .await
        .expect("the edited student");
    assert_eq!((edited.id, edited.age), (Some(id), Some(21)));
    assert_eq!(edited.created_at, sammy.created_at);
    assert_eq!(courses, ["Biology", "Marine Biology"]);

    // A second student with the same e-mail address: the flash message, the form kept.
    click(&client, "nav a[href='/create/']").await;
    fill(&client, "firstname", "Carl").await;
    fill(&client, "lastname", "White").await;
    fill(&client, "email", "sammy@example.com").await;
    tick(&client, "Physics", true).await;
    click(&client, "#submit").await;
    assert_eq!(
        text(&client, "#flash").await,
        "A student with that email address already exists."
    );
    let kept = client
        .find(Locator::Id("firstname"))
        .await
        .expect("the form again")
        .prop("value")
        .await
        .expect("its value");
    assert_eq!(kept.as_deref(), Some("Carl"));
    assert_eq!(count::<Student>(&engine).await, 1);
    assert_eq!(
        count::<Enrollment>(&engine).await,
        2,
        "Carl's course was not kept"
    );

    // Delete, after the confirmation page.
    client
        .goto(&format!("{base}/{id}/"))
        .await
        .expect("the student's page");
    click(&client, "#delete").await;
    assert!(text(&client, "h1").await.contains("Delete Sammy Shark?"));
    click(&client, "#confirm-delete").await;
    assert_eq!(
        text(&client, "#flash").await,
        "The student Sammy Shark was deleted."
    );
    assert_eq!(path(&client).await, "/");
    assert!(text(&client, "#empty").await.contains("No students yet"));
    assert!(stored(&engine, "sammy@example.com").await.is_none());
    assert_eq!(count::<Enrollment>(&engine).await, 0);
    assert_eq!(count::<Course>(&engine).await, 6);

    // A missing student: the 404 page.
    client
        .goto(&format!("{base}/{id}/"))
        .await
        .expect("the page");
    assert_eq!(text(&client, "#error-title").await, "Not found");

    client.close().await.expect("close the browser");
}

app_test!(browser_walkthrough, create_edit_duplicate_delete);
