//! Diesel's "associations" scenario, the ORM against the raw driver in one run: 100 users, 10 posts
//! each, 10 comments per post, loaded with their posts and comments and grouped per parent. The ORM
//! uses eager select-in loading (3 statements); the raw code runs the same three queries and groups
//! the rows into nested vectors by hand. Prints the times and the ratio; goal ≤ 1.3×.
//!
//! `cargo bench -p tests --bench relations` (SQLite in a temporary file; PostgreSQL too when
//! `TEST_POSTGRES_URL` is set).

use std::collections::HashMap;
use std::time::Duration;

use orm_core::query::select;
use orm_core::{BelongsTo, Engine, HasMany, Model};

const USERS: usize = 100;
const PER: usize = 10;
const RUNS: usize = 10;

#[derive(Model, Debug)]
pub struct BUser {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub posts: HasMany<BPost>,
}

#[derive(Model, Debug)]
pub struct BPost {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = BUser, index)]
    pub user_id: i64,
    pub title: String,
    pub user: BelongsTo<BUser>,
    pub comments: HasMany<BComment>,
}

#[derive(Model, Debug)]
pub struct BComment {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = BPost, index)]
    pub post_id: i64,
    pub body: String,
}

/// What the raw code builds: the same tree, by hand.
#[derive(Debug)]
struct RawUser {
    _id: i64,
    _name: String,
    posts: Vec<RawPost>,
}

#[derive(Debug)]
struct RawPost {
    _id: i64,
    _title: String,
    comments: Vec<RawComment>,
}

#[derive(Debug)]
struct RawComment {
    _id: i64,
    _body: String,
}

fn fill(engine: &Engine) -> orm_core::Result<()> {
    engine.create_all()?;
    let mut s = engine.session();
    for u in 0..USERS {
        let user = s.add(BUser::new(format!("user {u}")));
        for p in 0..PER {
            let post = s.add(BPost::new(format!("post {u}.{p}")).with_user(&user));
            for c in 0..PER {
                let comment = s.add(BComment::new(0, format!("comment {c}")));
                s.append(&post, BPost::comments, &comment)?;
            }
        }
    }
    s.commit()
}

/// Counts the comments through the loaded tree, so that both sides walk what they built.
fn orm_load(engine: &Engine) -> usize {
    let mut s = engine.session();
    let users = s
        .all(select::<BUser>().eager(BUser::posts.then(BPost::comments)))
        .expect("load");
    users
        .iter()
        .map(|u| {
            u.read()
                .posts
                .get()
                .expect("loaded")
                .iter()
                .map(|p| p.read().comments.get().expect("loaded").len())
                .sum::<usize>()
        })
        .sum()
}

fn count(users: &[RawUser]) -> usize {
    users
        .iter()
        .map(|u| u.posts.iter().map(|p| p.comments.len()).sum::<usize>())
        .sum()
}

/// Groups children under their parents, in the parents' order.
fn group<T>(rows: Vec<(i64, T)>) -> HashMap<i64, Vec<T>> {
    let mut map: HashMap<i64, Vec<T>> = HashMap::new();
    for (parent, row) in rows {
        map.entry(parent).or_default().push(row);
    }
    map
}

fn placeholders(n: usize, pg: bool) -> String {
    (1..=n)
        .map(|i| if pg { format!("${i}") } else { format!("?{i}") })
        .collect::<Vec<_>>()
        .join(", ")
}

fn raw_sqlite(conn: &rusqlite::Connection) -> usize {
    let q = |sql: &str| conn.prepare(sql).expect("prepare");
    let users: Vec<(i64, String)> = q(r#"SELECT "id", "name" FROM "b_user""#)
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("users")
        .map(|r| r.expect("row"))
        .collect();
    let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
    let sql = format!(
        r#"SELECT "id", "user_id", "title" FROM "b_post" WHERE "user_id" IN ({}) ORDER BY "id""#,
        placeholders(ids.len(), false)
    );
    let posts: Vec<(i64, (i64, String))> = q(&sql)
        .query_map(rusqlite::params_from_iter(&ids), |r| {
            Ok((r.get(1)?, (r.get(0)?, r.get(2)?)))
        })
        .expect("posts")
        .map(|r| r.expect("row"))
        .collect();
    let post_ids: Vec<i64> = posts.iter().map(|p| p.1 .0).collect();
    let sql = format!(
        r#"SELECT "id", "post_id", "body" FROM "b_comment" WHERE "post_id" IN ({}) ORDER BY "id""#,
        placeholders(post_ids.len(), false)
    );
    let comments: Vec<(i64, RawComment)> = q(&sql)
        .query_map(rusqlite::params_from_iter(&post_ids), |r| {
            Ok((
                r.get(1)?,
                RawComment {
                    _id: r.get(0)?,
                    _body: r.get(2)?,
                },
            ))
        })
        .expect("comments")
        .map(|r| r.expect("row"))
        .collect();
    count(&assemble(users, posts, comments))
}

fn assemble(
    users: Vec<(i64, String)>,
    posts: Vec<(i64, (i64, String))>,
    comments: Vec<(i64, RawComment)>,
) -> Vec<RawUser> {
    let mut comments = group(comments);
    let mut posts = group(
        posts
            .into_iter()
            .map(|(u, (id, title))| {
                let comments = comments.remove(&id).unwrap_or_default();
                (
                    u,
                    RawPost {
                        _id: id,
                        _title: title,
                        comments,
                    },
                )
            })
            .collect(),
    );
    users
        .into_iter()
        .map(|(id, name)| RawUser {
            _id: id,
            _name: name,
            posts: posts.remove(&id).unwrap_or_default(),
        })
        .collect()
}

fn raw_postgres(client: &mut postgres::Client) -> usize {
    let users: Vec<(i64, String)> = client
        .query(r#"SELECT "id", "name" FROM "b_user""#, &[])
        .expect("users")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
    let posts: Vec<(i64, (i64, String))> = client
        .query(
            r#"SELECT "id", "user_id", "title" FROM "b_post" WHERE "user_id" = ANY($1) ORDER BY "id""#,
            &[&ids],
        )
        .expect("posts")
        .iter()
        .map(|r| (r.get(1), (r.get(0), r.get(2))))
        .collect();
    let post_ids: Vec<i64> = posts.iter().map(|p| p.1 .0).collect();
    let comments: Vec<(i64, RawComment)> = client
        .query(
            r#"SELECT "id", "post_id", "body" FROM "b_comment" WHERE "post_id" = ANY($1) ORDER BY "id""#,
            &[&post_ids],
        )
        .expect("comments")
        .iter()
        .map(|r| {
            (
                r.get(1),
                RawComment {
                    _id: r.get(0),
                    _body: r.get(2),
                },
            )
        })
        .collect();
    let _ = placeholders(0, true);
    count(&assemble(users, posts, comments))
}

fn report(backend: &str, orm: Duration, raw: Duration) {
    let ratio = orm.as_secs_f64() / raw.as_secs_f64().max(1e-9);
    println!(
        "{backend}: {USERS} users x {PER} posts x {PER} comments, loaded and grouped: orm {orm:?}, \
         raw {raw:?}, ratio {ratio:.2}x (goal 1.3x)"
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tests::plain_postgres_for_benchmarks();
    if !std::env::args().any(|a| a == "--bench") {
        println!("run with `cargo bench -p tests --bench relations`");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let engine = Engine::connect(&format!("sqlite:///{}", path.display()))?;
    fill(&engine)?;
    let raw = rusqlite::Connection::open(&path)?;
    assert_eq!(raw_sqlite(&raw), orm_load(&engine));
    let raw_t = tests::fastest_of(RUNS, || raw_sqlite(&raw));
    let orm_t = tests::fastest_of(RUNS, || orm_load(&engine));
    report("sqlite (file)", orm_t, raw_t);

    let Ok(url) = std::env::var(tests::POSTGRES_URL_VAR) else {
        println!(
            "postgresql: skipped ({} is not set)",
            tests::POSTGRES_URL_VAR
        );
        return Ok(());
    };
    let db = tests::postgres().ok_or("no postgres")?;
    fill(&db.engine)?;
    let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
    client.batch_execute(&format!("SET search_path TO \"{}\"", db.schema()))?;
    assert_eq!(raw_postgres(&mut client), orm_load(&db.engine));
    let raw_t = tests::fastest_of(RUNS, || raw_postgres(&mut client));
    let orm_t = tests::fastest_of(RUNS, || orm_load(&db.engine));
    report("postgresql", orm_t, raw_t);
    Ok(())
}
