//! What every side works on: the sizes, the rows' values, the tables for the sides that create their
//! own (raw and Diesel), and the plain structs the raw drivers fill.

use std::collections::HashMap;

/// Items inserted, updated and deleted per write round; rows loaded.
pub const N: usize = 100_000;
/// Gets by key, each of one row.
pub const GETS: i64 = 10_000;
/// Rows per statement where a side batches them itself (raw PostgreSQL, Diesel).
pub const BATCH: usize = 1000;
/// Users in the relationship scenario; posts per user and comments per post.
pub const USERS: usize = 100;
pub const PER: usize = 10;

/// The values of the `i`-th new item (0-based): name, qty, price.
pub fn item_values(i: usize) -> (String, i64, f64) {
    (format!("item {i}"), i as i64, i as f64 * 0.5)
}

/// One row of `bench_row`; its key is `i + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub score: i64,
    pub note: Option<String>,
}

/// The `i`-th row of `bench_row` (0-based), as every side stores it.
pub fn row(i: usize) -> Row {
    Row {
        id: i as i64 + 1,
        name: format!("name {i}"),
        email: format!("user{i}@example.com"),
        score: (i % 97) as i64,
        note: (i % 3 == 0).then(|| format!("note {i}")),
    }
}

/// The users, posts and comments, with the keys the ORM's flush gives them (each table in the
/// order of adding, from 1): `(id, name)`, `(id, user_id, title)`, `(id, post_id, body)`.
pub struct Tree {
    pub users: Vec<(i64, String)>,
    pub posts: Vec<(i64, i64, String)>,
    pub comments: Vec<(i64, i64, String)>,
}

pub fn tree() -> Tree {
    let mut t = Tree {
        users: Vec::new(),
        posts: Vec::new(),
        comments: Vec::new(),
    };
    for u in 0..USERS {
        let user_id = u as i64 + 1;
        t.users.push((user_id, format!("user {u}")));
        for p in 0..PER {
            let post_id = t.posts.len() as i64 + 1;
            t.posts.push((post_id, user_id, format!("post {u}.{p}")));
            for c in 0..PER {
                let id = t.comments.len() as i64 + 1;
                t.comments.push((id, post_id, format!("comment {c}")));
            }
        }
    }
    t
}

/// The tables of the ORM's models, for the sides that create them by hand; `key` is the primary
/// key's column type on the backend.
pub fn ddl(key: &str) -> String {
    format!(
        "CREATE TABLE item (id {key}, name VARCHAR(64) NOT NULL, qty BIGINT NOT NULL, \
           price DOUBLE PRECISION NOT NULL);
         CREATE TABLE bench_row (id {key}, name VARCHAR(64) NOT NULL, email VARCHAR(120) NOT NULL, \
           score BIGINT NOT NULL, note TEXT);
         CREATE TABLE b_user (id {key}, name TEXT NOT NULL);
         CREATE TABLE b_post (id {key}, user_id BIGINT NOT NULL REFERENCES b_user (id), \
           title TEXT NOT NULL);
         CREATE INDEX ix_b_post_user_id ON b_post (user_id);
         CREATE TABLE b_comment (id {key}, post_id BIGINT NOT NULL REFERENCES b_post (id), \
           body TEXT NOT NULL);
         CREATE INDEX ix_b_comment_post_id ON b_comment (post_id);"
    )
}

/// An item as the raw drivers keep it.
#[derive(Debug)]
pub struct Item {
    pub id: Option<i64>,
    pub name: String,
    pub qty: i64,
    pub price: f64,
}

pub fn items() -> Vec<Item> {
    (0..N)
        .map(|i| {
            let (name, qty, price) = item_values(i);
            Item {
                id: None,
                name,
                qty,
                price,
            }
        })
        .collect()
}

/// The tree the raw drivers build by hand from three result sets. Only the comments are counted
/// afterwards; the other fields are there because the ORM's and Diesel's structs have them too.
#[derive(Debug)]
#[allow(dead_code)] // see above: built, not read
pub struct User {
    pub id: i64,
    pub name: String,
    pub posts: Vec<Post>,
}

#[derive(Debug)]
#[allow(dead_code)] // built, not read
pub struct Post {
    pub id: i64,
    pub title: String,
    pub comments: Vec<Comment>,
}

#[derive(Debug)]
#[allow(dead_code)] // built, not read
pub struct Comment {
    pub id: i64,
    pub body: String,
}

/// Puts the posts under their users and the comments under their posts, each list in the order the
/// rows came; `posts` are `(user_id, post)`, `comments` are `(post_id, comment)`.
pub fn assemble(
    users: Vec<(i64, String)>,
    posts: Vec<(i64, Post)>,
    comments: Vec<(i64, Comment)>,
) -> Vec<User> {
    let mut by_post: HashMap<i64, Vec<Comment>> = HashMap::new();
    for (post_id, c) in comments {
        by_post.entry(post_id).or_default().push(c);
    }
    let mut by_user: HashMap<i64, Vec<Post>> = HashMap::new();
    for (user_id, mut p) in posts {
        p.comments = by_post.remove(&p.id).unwrap_or_default();
        by_user.entry(user_id).or_default().push(p);
    }
    users
        .into_iter()
        .map(|(id, name)| User {
            id,
            name,
            posts: by_user.remove(&id).unwrap_or_default(),
        })
        .collect()
}

/// The comments reached through the tree, so that every side walks what it built.
pub fn comments_in(users: &[User]) -> usize {
    users
        .iter()
        .map(|u| u.posts.iter().map(|p| p.comments.len()).sum::<usize>())
        .sum()
}
