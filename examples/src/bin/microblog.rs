//! The interactive session of the reference walkthrough (seed 000), end to end: users john and
//! susan, `get(1)`, a post whose author is assigned through the relationship, the write-only
//! `posts` query, and the listings.
//!
//! `cargo run -p examples --bin microblog` runs it on `sqlite:///app.db`; set `DATABASE_URL` to run it
//! elsewhere (`postgresql://postgres@127.0.0.1/test`), and `ORM_ECHO=1` to see every statement.

use examples::microblog::{Post, User};
use orm_core::query::select;
use orm_core::{Engine, Obj};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// `[<User susan>, <User john>]`, as the Python shell prints a list.
fn list<M: orm_core::Model + std::fmt::Display>(objs: &[Obj<M>]) -> String {
    let items: Vec<String> = objs.iter().map(|o| o.read().to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn run() -> Result<(), orm_core::Error> {
    let echo = std::env::var_os("ORM_ECHO").is_some();
    if echo {
        // Colour only on a terminal: redirected to a file, the log stays plain text.
        use std::io::IsTerminal;
        tracing_subscriber::fmt()
            .with_target(false)
            .with_ansi(std::io::stdout().is_terminal())
            .init();
    }
    let engine = Engine::from_env()?;
    engine.set_echo(echo);
    println!("database: {}", engine.url());
    // Start from an empty database each run, as the walkthrough does after `flask db upgrade`.
    engine.drop_all()?;
    engine.create_all()?;
    let mut session = engine.session();

    // >>> u = User(username='john', email='john@example.com'); db.session.add(u); db.session.commit()
    session.add(User::new("john", "john@example.com"));
    session.commit()?;
    // >>> u = User(username='susan', email='susan@example.com'); ...
    session.add(User::new("susan", "susan@example.com"));
    session.commit()?;

    // >>> users = db.session.scalars(sa.select(User)).all()
    let users = session.all(select::<User>())?;
    println!("{}", list(&users));
    // >>> for u in users: print(u.id, u.username)
    for u in &users {
        let u = u.read();
        println!("{} {}", u.id.unwrap_or_default(), u.username);
    }

    // >>> u = db.session.get(User, 1)
    let u = session.get_or_not_found::<User>(1)?;
    println!("{}", u.read());

    // >>> p = Post(body='my first post!', author=u); db.session.add(p); db.session.commit()
    session.add(Post::new("my first post!").with_author(&u));
    session.commit()?;

    // >>> query = u.posts.select(); db.session.scalars(query).all()
    let u = session.get_or_not_found::<User>(1)?;
    println!("{}", u.read());
    println!("{}", list(&session.all(User::posts.select(&u))?));
    let u = session.get_or_not_found::<User>(2)?;
    println!("{}", u.read());
    println!("{}", list(&session.all(User::posts.select(&u))?));

    // >>> for p in db.session.scalars(sa.select(Post)): print(p.id, p.author.username, p.body)
    // The author is loaded in the same statement (LEFT JOIN), not one query per post.
    for p in session.all(select::<Post>().joined(Post::author))? {
        let p = p.read();
        let author = p.author.get()?.read().username.clone();
        println!("{} {} {}", p.id.unwrap_or_default(), author, p.body);
    }

    // >>> db.session.scalars(sa.select(User).order_by(User.username.desc())).all()
    let users = session.all(select::<User>().order_by(User::username.desc()))?;
    println!("{}", list(&users));
    // >>> db.session.scalars(sa.select(User).where(User.username.like('s%'))).all()
    let users = session.all(select::<User>().filter(User::username.like("s%")))?;
    println!("{}", list(&users));
    Ok(())
}
