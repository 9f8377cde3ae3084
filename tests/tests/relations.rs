//! Relationships on SQLite and PostgreSQL: belongs-to assignment before flush, has-many kept in step
//! with its inverse, write-only collections, self-referential many-to-many and trees, cascades, and
//! the number of statements each way of loading takes.

use orm_core::query::select;
use orm_core::relation::LoadPlan;
use orm_core::{BelongsTo, ConstraintKind, Error, HasMany, ManyToMany, Model, Obj, WriteOnly};
use tests::db_test;

#[derive(Model, Debug)]
pub struct User {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 64, unique)]
    pub username: String,
    #[orm(back_populates = author, cascade = "delete, delete-orphan", lazy = "selectin")]
    pub posts: HasMany<Post>,
}

#[derive(Model, Debug)]
pub struct Post {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub body: String,
    #[orm(foreign_key = User, index)]
    pub user_id: i64,
    #[orm(back_populates = posts)]
    pub author: BelongsTo<User>,
    #[orm(via = Comment::post_id, cascade = "delete")]
    pub comments: HasMany<Comment>,
}

#[derive(Model, Debug)]
pub struct Comment {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub text: String,
    #[orm(foreign_key = Post)]
    pub post_id: i64,
    pub post: BelongsTo<Post>,
}

/// A write-only collection without a cascade: removing sets the key to NULL, deleting a writer that
/// still has notes is refused.
#[derive(Model, Debug)]
pub struct Writer {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub notes: WriteOnly<Note>,
}

#[derive(Model, Debug)]
pub struct Note {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub text: String,
    #[orm(foreign_key = Writer)]
    pub writer_id: Option<i64>,
}

/// Left to the database: ON DELETE CASCADE.
#[derive(Model, Debug)]
pub struct Team {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[orm(passive_deletes)]
    pub members: HasMany<Member>,
}

#[derive(Model, Debug)]
pub struct Member {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[orm(foreign_key = Team, on_delete = cascade)]
    pub team_id: i64,
}

/// Self-referential many-to-many: followers and followed.
#[derive(Model, Debug)]
pub struct Person {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[orm(through = Follow, via = (Follow::follower_id, Follow::followed_id), back_populates = followers)]
    pub following: ManyToMany<Person>,
    #[orm(through = Follow, via = (Follow::followed_id, Follow::follower_id), back_populates = following)]
    pub followers: ManyToMany<Person>,
}

#[derive(Model, Debug)]
#[orm(primary_key(follower_id, followed_id))]
pub struct Follow {
    #[orm(foreign_key = Person)]
    pub follower_id: i64,
    #[orm(foreign_key = Person)]
    pub followed_id: i64,
}

/// A tree: parent and children, deleting a node deletes its subtree.
#[derive(Model, Debug)]
pub struct Node {
    #[orm(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[orm(foreign_key = Node)]
    pub parent_id: Option<i64>,
    #[orm(back_populates = children)]
    pub parent: BelongsTo<Node>,
    #[orm(via = Node::parent_id, back_populates = parent, cascade = "delete")]
    pub children: HasMany<Node>,
}

fn names<M: Model>(objs: &[Obj<M>], f: impl Fn(&M) -> String) -> Vec<String> {
    let mut v: Vec<String> = objs.iter().map(|o| f(&o.read())).collect();
    v.sort();
    v
}

db_test!(fn belongs_to_is_assigned_before_anything_is_flushed(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let u = s.add(User::new("john"));
    let p = s.add(Post::new("my first post!").with_author(&u));
    assert_eq!(u.read().id, None);
    s.commit()?;
    assert_eq!(Some(p.read().user_id), u.read().id);
    assert!(p.read().author.get()?.ptr_eq(&u));
    // Reassigning a stored post through the relationship moves it.
    let susan = s.add(User::new("susan"));
    p.write().author.set(&susan);
    s.commit()?;
    assert_eq!(Some(p.read().user_id), susan.read().id);
    Ok(())
});

db_test!(fn reading_an_unloaded_relationship_is_an_error_not_a_query(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    s.add(User::new("john"));
    s.commit()?;
    let mut fresh = engine.session();
    let u = fresh.get_or_not_found::<User>(1)?;
    let log = engine.record_statements();
    let err = u.read().posts.get().map(|v| v.len()).unwrap_err();
    assert!(matches!(&err, Error::NotLoaded { relation, .. } if relation == "user.posts"), "{err}");
    assert_eq!(log.count(), 0);
    Ok(())
});

db_test!(fn has_many_is_loaded_and_kept_in_step_with_belongs_to(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let john = s.add(User::new("john"));
    let susan = s.add(User::new("susan"));
    for body in ["a", "b"] {
        s.add(Post::new(body).with_author(&john));
    }
    s.commit()?;
    let mut s = engine.session();
    let users = s.all(select::<User>().order_by(User::username.asc()))?;
    s.load_related(&users, User::posts)?;
    let (john, susan2) = (&users[0], &users[1]);
    assert_eq!(names(&john.read().posts.get()?, |p| p.body.clone()), ["a", "b"]);
    assert!(susan2.read().posts.get()?.is_empty());
    // The inverse side points back at the parent, without a statement.
    let first = john.read().posts.get()?[0].clone();
    assert!(first.read().author.get()?.ptr_eq(john));
    // Appending keeps both sides in step and sets the key at flush.
    let c = s.add(Post::new("c"));
    s.append(susan2, User::posts, &c)?;
    assert_eq!(susan2.read().posts.get()?.len(), 1);
    assert!(c.read().author.get()?.ptr_eq(susan2));
    s.commit()?;
    let susan_id = susan.read().id.expect("susan was inserted");
    assert_eq!(c.read().user_id, susan_id);
    // The row says so too, not only the object.
    let mut fresh = engine.session();
    let row = fresh.get_or_not_found::<Post>(c.read().id.expect("c was inserted"))?;
    assert_eq!(row.read().user_id, susan_id);
    Ok(())
});

db_test!(fn write_only_yields_a_query_and_adds_and_removes(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let w = s.add(Writer::new("ann"));
    let n1 = s.add(Note::new("one"));
    let n2 = s.add(Note::new("two"));
    s.append(&w, Writer::notes, &n1)?;
    s.append(&w, Writer::notes, &n2)?;
    s.commit()?;
    let notes = s.all(Writer::notes.select(&w).order_by(Note::text.asc()))?;
    assert_eq!(names(&notes, |n| n.text.clone()), ["one", "two"]);
    s.remove(&w, Writer::notes, &n1)?;
    s.commit()?;
    assert_eq!(n1.read().writer_id, None);
    assert_eq!(s.count(Writer::notes.select(&w))?, 1);
    // Never loaded: asking to load it is a configuration error pointing at `select`.
    let err = s.load_related_one(&w, Writer::notes).unwrap_err();
    assert!(err.to_string().contains("write-only"), "{err}");
    Ok(())
});

db_test!(fn deleting_a_parent_with_children_and_no_cascade_is_an_error(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let w = s.add(Writer::new("ann"));
    let n = s.add(Note::new("kept"));
    s.append(&w, Writer::notes, &n)?;
    s.commit()?;
    let other = s.add(Writer::new("bob"));
    s.delete(&w);
    let err = s.commit().unwrap_err();
    let c = err.constraint().expect("a constraint error");
    assert_eq!(c.kind, ConstraintKind::ForeignKey);
    assert_eq!(c.table.as_deref(), Some("note"));
    assert!(err.to_string().contains("cascade"), "{err}");
    // Nothing was written: bob was not inserted, ann is still there.
    assert_eq!(other.read().id, None);
    let mut fresh = engine.session();
    assert_eq!(fresh.count(select::<Writer>())?, 1);
    // Moving the note away first makes the delete fine.
    s.rollback()?;
    s.remove(&w, Writer::notes, &n)?;
    s.delete(&w);
    s.commit()?;
    assert_eq!(fresh.count(select::<Writer>())?, 0);
    Ok(())
});

db_test!(fn cascade_delete_reaches_unloaded_grandchildren_and_orphans_are_deleted(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let u = s.add(User::new("john"));
    let p = s.add(Post::new("a").with_author(&u));
    let q = s.add(Post::new("b").with_author(&u));
    for t in ["x", "y"] {
        let c = s.add(Comment::new(t));
        s.append(&p, Post::comments, &c)?;
    }
    s.commit()?;
    // delete-orphan: a post removed from the collection is deleted.
    s.remove(&u, User::posts, &q)?;
    s.commit()?;
    assert_eq!(s.count(select::<Post>())?, 1);
    // delete: the user's posts and their comments go, none of them loaded.
    let mut fresh = engine.session();
    let u = fresh.get_or_not_found::<User>(1)?;
    fresh.delete(&u);
    fresh.commit()?;
    assert_eq!(fresh.count(select::<Post>())?, 0);
    assert_eq!(fresh.count(select::<Comment>())?, 0);
    Ok(())
});

db_test!(fn deleting_many_parents_looks_for_children_once_per_relationship(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let users: Vec<Obj<User>> = (0..30).map(|i| s.add(User::new(format!("u{i}")))).collect();
    for (i, u) in users.iter().enumerate() {
        let p = s.add(Post::new(format!("p{i}")).with_author(u));
        let c = s.add(Comment::new(format!("c{i}")));
        s.append(&p, Post::comments, &c)?;
    }
    // One user keeps its post: the lookup must not take the others' children for its own.
    let keeper = s.add(User::new("keeper"));
    s.add(Post::new("kept").with_author(&keeper));
    s.commit()?;
    let mut fresh = engine.session();
    let loaded = fresh.all(select::<User>().filter(User::username.ne("keeper")))?;
    assert_eq!(loaded.len(), 30);
    let log = engine.record_statements();
    for u in &loaded {
        fresh.delete(u);
    }
    fresh.commit()?;
    let looks: Vec<String> = log
        .sql()
        .into_iter()
        .filter(|q| {
            let from = |t: &str| format!("FROM {}", engine.dialect().quoted(t));
            q.starts_with("SELECT") && (q.contains(&from("post")) || q.contains(&from("comment")))
        })
        .collect();
    // Posts of the 30 users in one statement, their comments in one more: not one per user.
    assert_eq!(looks.len(), 2, "{looks:#?}");
    assert_eq!(fresh.count(select::<User>())?, 1);
    assert_eq!(fresh.count(select::<Post>())?, 1);
    assert_eq!(fresh.count(select::<Comment>())?, 0);
    Ok(())
});

db_test!(fn passive_deletes_leave_it_to_the_database(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let t = s.add(Team::new("red"));
    for n in ["a", "b"] {
        let m = s.add(Member::new(n, 0));
        s.append(&t, Team::members, &m)?;
    }
    s.commit()?;
    let log = engine.record_statements();
    s.delete(&t);
    s.commit()?;
    assert!(log.sql().iter().all(|q| !q.contains("\"member\"")), "{:?}", log.sql());
    assert_eq!(s.count(select::<Member>())?, 0);
    Ok(())
});

db_test!(fn self_referential_many_to_many_persists_association_rows(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let a = s.add(Person::new("a"));
    let b = s.add(Person::new("b"));
    let c = s.add(Person::new("c"));
    s.append(&a, Person::following, &b)?;
    s.append(&a, Person::following, &c)?;
    s.append(&b, Person::following, &c)?;
    s.commit()?;
    assert_eq!(s.count(select::<Follow>())?, 3);
    let mut fresh = engine.session();
    let people = fresh.all(select::<Person>().order_by(Person::name.asc()))?;
    fresh.load_related(&people, Person::following)?;
    fresh.load_related(&people, Person::followers)?;
    assert_eq!(names(&people[0].read().following.get()?, |p| p.name.clone()), ["b", "c"]);
    assert_eq!(names(&people[2].read().followers.get()?, |p| p.name.clone()), ["a", "b"]);
    // Removing deletes the association row; the inverse side follows.
    fresh.remove(&people[0], Person::following, &people[2])?;
    assert_eq!(names(&people[2].read().followers.get()?, |p| p.name.clone()), ["b"]);
    fresh.commit()?;
    assert_eq!(fresh.count(select::<Follow>())?, 2);
    assert_eq!(fresh.count(Person::followers.select(&people[2]))?, 1);
    // Deleting a person deletes its association rows.
    fresh.delete(&people[1]);
    fresh.commit()?;
    assert_eq!(fresh.count(select::<Follow>())?, 0);
    Ok(())
});

db_test!(fn a_tree_of_nodes_loads_and_deletes_its_subtree(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let root = s.add(Node::new("root"));
    let a = s.add(Node::new("a").with_parent(&root));
    s.add(Node::new("b").with_parent(&root));
    s.add(Node::new("a1").with_parent(&a));
    s.commit()?;
    let mut fresh = engine.session();
    let roots = fresh.all(select::<Node>().filter(Node::parent_id.is_null()))?;
    Node::children.then(Node::children).load(&mut fresh, &roots)?;
    let kids = roots[0].read().children.get()?.to_vec();
    assert_eq!(names(&kids, |n| n.name.clone()), ["a", "b"]);
    assert!(kids[0].read().parent.get()?.ptr_eq(&roots[0]));
    fresh.delete(&roots[0]);
    fresh.commit()?;
    assert_eq!(fresh.count(select::<Node>())?, 0);
    Ok(())
});

/// 100 users with one post each, every post with one comment.
fn seed(engine: &orm_core::Engine) -> tests::TestResult {
    engine.create_all()?;
    let mut s = engine.session();
    for i in 0..100 {
        let u = s.add(User::new(format!("user{i}")));
        let p = s.add(Post::new(format!("post{i}")).with_author(&u));
        let c = s.add(Comment::new("nice"));
        s.append(&p, Post::comments, &c)?;
    }
    s.commit()?;
    Ok(())
}

db_test!(fn statement_counts_of_each_way_of_loading(engine) {
    seed(engine)?;
    // select-in: the users, then all their posts.
    let mut s = engine.session();
    let log = engine.record_statements();
    let users = s.all(select::<User>().eager(User::posts))?;
    assert_eq!(users.len(), 100);
    assert!(users.iter().all(|u| u.read().posts.get().map(|v| v.len()).ok() == Some(1)));
    assert_eq!(log.count(), 2, "{:#?}", log.sql());
    // The relationship's default (`lazy = "selectin"`) does the same.
    drop(s);
    let mut s = engine.session();
    log.clear();
    s.all(select::<User>().eager_defaults())?;
    assert_eq!(log.count(), 2);
    // joined: the posts with their authors, in one statement.
    drop(s);
    let mut s = engine.session();
    log.clear();
    let posts = s.all(select::<Post>().joined(Post::author))?;
    assert_eq!(posts.len(), 100);
    // A to-many relationship is refused for joined loading, with the message said once.
    let err = s.all(select::<User>().joined(User::posts)).unwrap_err();
    let text = err.to_string();
    assert_eq!(text.matches("configuration error").count(), 1, "{text}");
    assert!(text.contains("to-one"), "{text}");
    assert!(posts.iter().all(|p| p.read().author.is_loaded()));
    assert_eq!(log.count(), 1, "{:#?}", log.sql());
    // lazily, one by one: the N+1 the eager loads avoid, explicit here.
    drop(s);
    let mut s = engine.session();
    log.clear();
    let users = s.all(select::<User>())?;
    for u in &users {
        s.load_related_one(u, User::posts)?;
    }
    assert_eq!(log.count(), 101);
    // nested: users, posts, comments.
    drop(s);
    let mut s = engine.session();
    log.clear();
    let users = s.all(select::<User>().eager(User::posts.then(Post::comments)))?;
    let post = users[0].read().posts.get()?[0].clone();
    assert_eq!(post.read().comments.get()?.len(), 1);
    assert_eq!(log.count(), 3, "{:#?}", log.sql());
    Ok(())
});

/// Counts drops of the objects it is part of.
#[derive(Debug, Default, PartialEq)]
pub struct Tracked;

thread_local! {
    // Per thread: the SQLite and PostgreSQL runs of a test go in parallel.
    static DROPPED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Drop for Tracked {
    fn drop(&mut self) {
        DROPPED.with(|d| d.set(d.get() + 1));
    }
}

#[derive(Model, Debug)]
pub struct Shelf {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(back_populates = shelf)]
    pub books: HasMany<Book>,
    #[orm(skip)]
    pub tracked: Tracked,
}

#[derive(Model, Debug)]
pub struct Book {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(foreign_key = Shelf)]
    pub shelf_id: i64,
    #[orm(back_populates = books)]
    pub shelf: BelongsTo<Shelf>,
    #[orm(skip)]
    pub tracked: Tracked,
}

// Both sides of a loaded pair point at each other; the inverse side is weak, so nothing leaks.
db_test!(fn loaded_pairs_are_freed_with_their_last_handle(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let shelf = session.add(Shelf::new());
    for _ in 0..3 {
        session.add(Book::new().with_shelf(&shelf));
    }
    session.commit()?;
    drop(session);
    drop(shelf);
    let before = DROPPED.with(std::cell::Cell::get);
    {
        let mut session = engine.session();
        let shelves = session.all(select::<Shelf>().eager(Shelf::books))?;
        let books = shelves[0].read().books.get()?;
        assert_eq!(books.len(), 3);
        // The inverse is there while its target is.
        assert!(books[0].read().shelf.get()?.ptr_eq(&shelves[0]));
        drop(books);
        drop(session);
        let book = shelves[0].read().books.get()?.remove(0);
        drop(shelves);
        // The shelf is gone with its last handle; the book kept alone says its shelf is not loaded.
        assert!(matches!(book.read().shelf.get(), Err(Error::NotLoaded { .. })));
    }
    // One shelf and three books were loaded; all four are freed.
    assert_eq!(DROPPED.with(std::cell::Cell::get) - before, 4);
    Ok(())
});

db_test!(fn a_parent_listed_twice_gets_its_children_once(engine) {
    engine.create_all()?;
    let mut session = engine.session();
    let john = session.add(User::new("john"));
    session.add(Post::new("a").with_author(&john));
    session.add(Post::new("b").with_author(&john));
    session.commit()?;
    let mut fresh = engine.session();
    let users = fresh.all(select::<User>())?;
    let twice = vec![users[0].clone(), users[0].clone()];
    fresh.load_related(&twice, User::posts)?;
    assert_eq!(users[0].read().posts.get()?.len(), 2);
    Ok(())
});
