//! The microblog models of the reference walkthrough (Flask Mega-Tutorial, part IV).

use chrono::{DateTime, Utc};
use orm_core::{BelongsTo, Model, WriteOnly};

/// A registered user.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct User {
    /// Assigned by the database on insert.
    #[orm(primary_key)]
    pub id: Option<i64>,
    /// Unique, indexed.
    #[orm(length = 64, index, unique)]
    pub username: String,
    /// Unique, indexed.
    #[orm(length = 120, index, unique)]
    pub email: String,
    /// Set once the user has a password.
    #[orm(length = 256)]
    pub password_hash: Option<String>,
    /// The user's posts: never loaded, queried with `User::posts.select(&u)`.
    #[orm(back_populates = author)]
    pub posts: WriteOnly<Post>,
}

/// A blog post written by a user.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Post {
    /// Assigned by the database on insert.
    #[orm(primary_key)]
    pub id: Option<i64>,
    /// The text.
    #[orm(length = 140)]
    pub body: String,
    /// When it was written (UTC), indexed for "newest first".
    #[orm(index, default = Utc::now)]
    pub timestamp: DateTime<Utc>,
    /// The author.
    #[orm(foreign_key = User, index)]
    pub user_id: i64,
    /// The author, over `user_id`: `Post::new("...").with_author(&u)`.
    #[orm(back_populates = posts)]
    pub author: BelongsTo<User>,
}

impl std::fmt::Display for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<User {}>", self.username)
    }
}

impl std::fmt::Display for Post {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Post {}>", self.body)
    }
}
