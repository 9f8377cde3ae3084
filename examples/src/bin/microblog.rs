//! The interactive session of the reference walkthrough (seed 000), end to end:
//! users john and susan, `get(1)`, a post whose author is a user not saved yet, and the listings.
//!
//! `cargo run -p examples --bin microblog` runs it on `sqlite:///app.db`; set `DATABASE_URL` to run it
//! elsewhere (`postgresql://postgres@127.0.0.1/test`), and `ORM_ECHO=1` to see every statement.

use examples::microblog::{Post, User};
use orm_core::{Engine, Value};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), orm_core::Error> {
    let echo = std::env::var_os("ORM_ECHO").is_some();
    if echo {
        tracing_subscriber::fmt().with_target(false).init();
    }
    let engine = Engine::from_env()?;
    engine.set_echo(echo);
    println!("database: {}", engine.url());
    // Start from an empty database each run, as the walkthrough does after `flask db upgrade`.
    engine.drop_all()?;
    engine.create_all()?;

    let mut session = engine.session();
    // >>> u = User(username='john', email='john@example.com'); db.session.add(u); db.session.commit()
    let john = session.add(User::new("john", "john@example.com"));
    session.commit()?;
    let susan = session.add(User::new("susan", "susan@example.com"));
    session.commit()?;
    println!(
        "added {} (id {:?}) and {} (id {:?})",
        john.read(),
        john.read().id,
        susan.read(),
        susan.read().id
    );

    // >>> u = db.session.get(User, 1)
    let u = session.get::<User>(1)?.ok_or(orm_core::Error::NotFound {
        table: "user".into(),
    })?;
    println!(
        "get(1): {} (the same object: {})",
        u.read(),
        u.ptr_eq(&john)
    );

    // >>> p = Post(body='my first post!', author=u); db.session.add(p); db.session.commit()
    // The author may be unsaved too: the flush inserts it first and fills in the key.
    let ann = session.add(User::new("ann", "ann@example.com"));
    let p = session.add(Post::new("my first post!", 0));
    session.link(&p, Post::user_id, &u)?;
    let q = session.add(Post::new("hello from ann", 0));
    session.link(&q, Post::user_id, &ann)?;
    session.commit()?;
    println!(
        "{} by user {}, {} by user {}",
        p.read(),
        p.read().user_id,
        q.read(),
        q.read().user_id
    );

    // >>> for p in posts: print(p.id, p.author.username, p.body)
    let sql = "SELECT p.id, u.username, p.body FROM post p JOIN \"user\" u ON u.id = p.user_id ORDER BY p.id";
    for row in session.connection()?.query(sql, &[])?.rows {
        let text = |v: &Value| match v {
            Value::Text(s) => s.clone(),
            other => other.to_string(),
        };
        println!("{} {} {}", text(&row[0]), text(&row[1]), text(&row[2]));
    }

    // Edit through the handle: only the changed column is written.
    u.write().email = "john@newmail.example".into();
    session.commit()?;
    println!("john's e-mail is now {}", u.read().email);

    // A unique violation is structured: no string parsing to tell the user what is taken.
    session.add(User::new("john2", "susan@example.com"));
    match session.commit() {
        Err(e) if e.is_unique_violation() => {
            let v = e
                .constraint()
                .map(|c| c.columns.join(", "))
                .unwrap_or_default();
            println!("a user with that {v} already exists");
            session.rollback()?;
        }
        other => other?,
    }
    Ok(())
}
