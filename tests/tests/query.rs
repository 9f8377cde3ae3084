//! The query builder on SQLite and PostgreSQL: every query of seeds 000 and 004 with the seed's
//! results, then results through the identity map, aggregates, joins, subqueries and streaming.

#[path = "seed/microblog.rs"]
mod microblog;
#[path = "seed/students.rs"]
mod students;

use microblog::{Post, User};
use students::Student;

use chrono::{DateTime, Duration, TimeZone, Utc};
use orm_core::query::{alias, func, select, select_columns};
use orm_core::{Engine, Error, Model, Obj, Session};
use tests::db_test;

/// A tree, for self-joins.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Category {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 40)]
    pub name: String,
    #[orm(foreign_key = Category)]
    pub parent_id: Option<i64>,
}

fn user(name: &str) -> User {
    User::new(name, format!("{name}@example.com"))
}

fn names(users: &[Obj<User>]) -> Vec<String> {
    users.iter().map(|u| u.read().username.clone()).collect()
}

/// Seed 000: john and susan, two posts by susan and one by john.
fn seed_000(engine: &Engine) -> orm_core::Result<Session> {
    engine.create_all()?;
    let mut s = engine.session();
    let john = s.add(user("john"));
    let susan = s.add(user("susan"));
    s.commit()?;
    let (j, su) = (john.read().id.unwrap_or(0), susan.read().id.unwrap_or(0));
    s.add(Post::new("my first post!", j));
    s.add(Post::new("susan's first", su));
    s.add(Post::new("susan's second", su));
    s.commit()?;
    Ok(s)
}

fn student(first: &str, last: &str, age: i32, created: DateTime<Utc>) -> Student {
    let mut s = Student::new(first, last, format!("{}@example.com", first.to_lowercase()));
    s.age = Some(age);
    s.created_at = Some(created);
    s.bio = Some(format!("{first}'s bio"));
    s
}

/// Seed 004: john, Sammy and Carl, then nine more, each created a minute after the previous one.
fn seed_004(engine: &Engine) -> orm_core::Result<Session> {
    engine.create_all()?;
    let mut s = engine.session();
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).unwrap();
    let at = |i: i64| t0 + Duration::minutes(i);
    s.add(student("john", "doe", 23, at(0)));
    s.add(student("Sammy", "Shark", 20, at(1)));
    s.add(student("Carl", "White", 22, at(2)));
    for i in 0..9 {
        s.add(student(
            &format!("s{i}"),
            "extra",
            18 + i,
            at(3 + i64::from(i)),
        ));
    }
    s.commit()?;
    Ok(s)
}

db_test!(fn seed_000_queries(engine) {
    let mut s = seed_000(engine)?;
    // db.session.scalars(sa.select(User)).all()
    assert_eq!(names(&s.all(select::<User>().order_by(User::id))?), ["john", "susan"]);
    // sa.select(User).order_by(User.username.desc())
    assert_eq!(names(&s.all(select::<User>().order_by(User::username.desc()))?), ["susan", "john"]);
    // sa.select(User).where(User.username.like('s%'))
    assert_eq!(names(&s.all(select::<User>().filter(User::username.like("s%")))?), ["susan"]);
    // db.session.get(User, 1)
    let u = s.get::<User>(1)?.ok_or("user 1")?;
    assert_eq!(u.read().username, "john");
    // the posts of susan, through the join along the foreign key
    let posts = s.all(
        select::<Post>()
            .join::<User>()
            .filter(User::username.eq("susan"))
            .order_by(Post::id),
    )?;
    let bodies: Vec<String> = posts.iter().map(|p| p.read().body.clone()).collect();
    assert_eq!(bodies, ["susan's first", "susan's second"]);
    // author listing: (post body, username) ordered by the post's timestamp
    let listing = s.all(
        select_columns((Post::body, User::username))
            .join::<User>()
            .order_by(Post::timestamp.desc())
            .order_by(Post::id.desc()),
    )?;
    assert_eq!(listing.len(), 3);
    assert_eq!(listing[0], ("susan's second".to_owned(), "susan".to_owned()));
    Ok(())
});

db_test!(fn seed_004_queries(engine) {
    let mut s = seed_004(engine)?;
    // Student.query.filter_by(firstname='Sammy').first()
    let sammy = s.first(select::<Student>().filter(Student::firstname.eq("Sammy")))?.ok_or("sammy")?;
    assert_eq!(sammy.read().lastname, "Shark");
    // Student.query.order_by(Student.created_at.desc()).limit(10).all()
    let newest = s.all(select::<Student>().order_by(Student::created_at.desc()).limit(10))?;
    let firsts: Vec<String> = newest.iter().map(|st| st.read().firstname.clone()).collect();
    let mut expected: Vec<String> = (0..9).rev().map(|i| format!("s{i}")).collect();
    expected.push("Carl".into());
    assert_eq!(firsts, expected);
    // db.session.query(Student.email)
    let emails: Vec<(String,)> = s.all(select_columns((Student::email,)).order_by(Student::id))?;
    assert_eq!(emails.len(), 12);
    assert_eq!(emails[0], ("john@example.com".to_owned(),));
    let same: Vec<(String,)> = s.all(select::<Student>().columns((Student::email,)).order_by(Student::id))?;
    assert_eq!(same, emails);
    // Student.query.count(), filter(age > 20).count()
    assert_eq!(s.count(select::<Student>())?, 12);
    assert_eq!(s.count(select::<Student>().filter(Student::age.gt(20)))?, 8);
    // Student.query.paginate(page=2, per_page=5)
    let page = s.paginate(select::<Student>().order_by(Student::id), 2, 5)?;
    assert_eq!((page.total, page.pages(), page.items.len()), (12, 3, 5));
    assert!(page.has_next() && page.has_prev());
    assert_eq!(page.items[0].read().firstname, "s2");
    let last = s.paginate(select::<Student>().order_by(Student::id), 3, 5)?;
    assert_eq!((last.items.len(), last.has_next(), last.next_num()), (2, false, None));
    // per_page is capped
    let capped = s.paginate(select::<Student>(), 1, 1_000_000)?;
    assert_eq!(capped.per_page, 100);
    // get_or_404
    assert!(matches!(s.get_or_not_found::<Student>(999), Err(Error::NotFound { .. })));
    // IntegrityError: a second student with the same email
    s.add(student("Sammy", "Again", 30, Utc::now()));
    let err = s.commit().expect_err("duplicate email");
    assert!(err.is_unique_violation(), "{err}");
    assert!(err.constraint().is_some_and(|c| c.involves("email")), "{err}");
    s.rollback()?;
    assert_eq!(s.count(select::<Student>())?, 12);
    Ok(())
});

db_test!(fn results_go_through_the_identity_map_and_autoflush(engine) {
    let mut s = seed_000(engine)?;
    let john = s.get::<User>(1)?.ok_or("john")?;
    let again = s.one(select::<User>().filter(User::username.eq("john")))?;
    assert!(again.ptr_eq(&john));
    // a pending change is flushed before the query, so the query sees it
    john.write().username = "johnny".into();
    s.add(user("zed"));
    assert_eq!(names(&s.all(select::<User>().order_by(User::username))?), ["johnny", "susan", "zed"]);
    // with autoflush off, the query sees the database as it was
    s.set_autoflush(false);
    s.add(user("amy"));
    assert_eq!(s.count(select::<User>())?, 3);
    s.set_autoflush(true);
    assert_eq!(s.count(select::<User>())?, 4);
    Ok(())
});

db_test!(fn one_first_scalar_exists(engine) {
    let mut s = seed_000(engine)?;
    let err = s.one(select::<User>().filter(User::username.eq("nobody"))).err();
    assert!(matches!(err, Some(Error::NotFound { ref table }) if table == "user"), "{err:?}");
    let err = s.one(select::<User>()).err();
    assert!(matches!(err, Some(Error::MultipleRows { .. })), "{err:?}");
    assert!(s.one_or_none(select::<User>().filter(User::id.eq(42)))?.is_none());
    assert!(matches!(s.one_or_none(select::<Post>()), Err(Error::MultipleRows { .. })));
    let log = engine.record_statements();
    let first = s.first(select::<User>().order_by(User::username.desc()))?.ok_or("first")?;
    assert_eq!(first.read().username, "susan");
    assert!(log.sql().iter().any(|q| q.contains(" LIMIT ")), "{:?}", log.sql());
    assert!(s.exists(select::<User>().filter(User::username.starts_with("su")))?);
    assert!(!s.exists(select::<User>().filter(User::username.ends_with("zz")))?);
    let newest = s.scalar(select_columns(func::max(Post::id)))?.flatten();
    assert_eq!(newest, Some(3));
    let none = s.scalar(select_columns(func::max(Post::id)).filter(Post::id.gt(100)))?.flatten();
    assert_eq!(none, None);
    Ok(())
});

db_test!(fn aggregates_group_by_and_having(engine) {
    let mut s = seed_004(engine)?;
    let (n, sum, avg, min, max) = s
        .one(select_columns((
            func::count_all(),
            func::sum(Student::age),
            func::avg(Student::age),
            func::min(Student::age),
            func::max(Student::firstname),
        )))?;
    assert_eq!((n, sum, min), (12, Some(23 + 20 + 22 + (18..27).sum::<i64>()), Some(18)));
    assert!(avg.is_some_and(|a| (a - sum.unwrap_or(0) as f64 / 12.0).abs() < 1e-9));
    assert_eq!(max.as_deref(), Some("s8"));
    let by_last: Vec<(String, i64)> = s.all(
        select_columns((Student::lastname, func::count_all()))
            .group_by(Student::lastname)
            .having(func::count_all().gt(1))
            .order_by(Student::lastname),
    )?;
    assert_eq!(by_last, [("extra".to_owned(), 9)]);
    let adults = s.count(select_columns(Student::age).distinct().filter(Student::age.ge(20)))?;
    assert_eq!(adults, 7);
    Ok(())
});

db_test!(fn joins_aliases_and_subqueries(engine) {
    let mut s = seed_000(engine)?;
    s.add(user("nopost"));
    // left join: every user with their post count
    let counts: Vec<(String, i64)> = s.all(
        select_columns((User::username, func::count(Post::id)))
            .left_join::<Post>()
            .group_by(User::username)
            .order_by(User::username),
    )?;
    let expected = [("john", 1), ("nopost", 0), ("susan", 2)].map(|(n, c)| (n.to_owned(), c));
    assert_eq!(counts, expected);
    // correlated EXISTS / NOT EXISTS
    let with_posts = || func::exists(select::<Post>().filter(Post::user_id.eq(User::id)));
    assert_eq!(names(&s.all(select::<User>().filter(with_posts()).order_by(User::id))?), ["john", "susan"]);
    assert_eq!(names(&s.all(select::<User>().filter(!with_posts()))?), ["nopost"]);
    // IN / NOT IN a subquery
    let authors = || select_columns(Post::user_id).filter(Post::body.contains("second")).subquery();
    assert_eq!(names(&s.all(select::<User>().filter(User::id.in_(authors())))?), ["susan"]);
    assert_eq!(s.count(select::<User>().filter(User::id.not_in(authors())))?, 2);
    // explicit join condition
    let n = s.count(select::<Post>().join_on::<User>(Post::user_id.eq(User::id) & User::username.ne("john")))?;
    assert_eq!(n, 2);
    // self-join through an alias
    let root = s.add(Category::new("root"));
    s.flush()?;
    let mut child = Category::new("child");
    child.parent_id = root.read().id;
    s.add(child);
    let parent = alias::<Category>("parent");
    let pairs: Vec<(String, String)> = s.all(
        select_columns((Category::name, parent.col(Category::name)))
            .join_alias(parent, Category::parent_id.eq(parent.col(Category::id))),
    )?;
    assert_eq!(pairs, [("child".to_owned(), "root".to_owned())]);
    let both: Vec<(Obj<Category>, Obj<Category>)> = s.all(
        select_columns((orm_core::query::Entity::<Category>::new(), parent))
            .join_alias(parent, Category::parent_id.eq(parent.col(Category::id))),
    )?;
    assert!(both[0].1.ptr_eq(&root));
    // a join with no foreign key to follow is a clear error
    let err = s.all(select::<Category>().join::<User>()).expect_err("no fk");
    assert!(matches!(err, Error::Config(_)), "{err}");
    Ok(())
});

db_test!(fn operators_in_between_null_and_ilike(engine) {
    let mut s = seed_004(engine)?;
    let q = |c| select::<Student>().filter(c);
    assert_eq!(s.count(q(Student::age.between(20, 22)))?, 5);
    assert_eq!(s.count(q(Student::firstname.in_(["john", "Carl", "nobody"])))?, 2);
    assert_eq!(s.count(q(Student::id.not_in(Vec::<i64>::new())))?, 12);
    assert_eq!(s.count(q(Student::id.in_(Vec::<i64>::new())))?, 0);
    assert_eq!(s.count(q(Student::bio.is_null()))?, 0);
    assert_eq!(s.count(q(Student::bio.is_not_null() & Student::age.lt(19) | Student::firstname.eq("Carl")))?, 2);
    assert_eq!(s.count(q(Student::firstname.ilike("SAM%")))?, 1);
    assert_eq!(s.count(q(Student::firstname.icontains("AMM")))?, 1);
    assert_eq!(s.count(q(!Student::lastname.eq("extra")))?, 3);
    let sammy = s.one(q(Student::firstname.eq("Sammy")))?;
    sammy.write().age = None;
    assert_eq!(s.count(q(Student::age.eq(None)))?, 1);
    let ordered = s.all(select::<Student>().order_by(Student::age.asc().nulls_first()).limit(1))?;
    assert!(ordered[0].ptr_eq(&sammy));
    let ordered = s.all(select::<Student>().order_by(Student::age.desc().nulls_last()).offset(11))?;
    assert!(ordered[0].ptr_eq(&sammy));
    Ok(())
});

db_test!(fn streaming_a_large_result_keeps_memory_flat(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let rows = (0..3000).map(|i| {
        let mut st = Student::new(format!("f{i}"), "l", format!("{i}@x"));
        st.age = Some(i % 50);
        st
    });
    s.upsert(orm_core::query::insert_many(rows))?;
    s.commit()?;
    let mut seen = 0;
    let mut total_age = 0i64;
    let n = s.stream(select::<Student>().order_by(Student::id), |st| {
        seen += 1;
        total_age += i64::from(st.read().age.unwrap_or(0));
        Ok(true)
    })?;
    assert_eq!((n, seen), (3000, 3000));
    assert_eq!(total_age, (0..3000).map(|i| i64::from(i % 50)).sum::<i64>());
    let kept = s.all(select::<Student>().limit(1))?;
    assert_eq!(kept.len(), 1, "the session still works after streaming");
    // stopping early
    let n = s.stream(select_columns(Student::email), |_| Ok(false))?;
    assert_eq!(n, 1);
    // keyset pages walk the whole table in order
    let mut cursor = None;
    let mut walked = 0;
    loop {
        let keyset = orm_core::query::Keyset::asc(Student::id).after(cursor).per_page(700);
        let page = s.keyset_page(select::<Student>().filter(Student::age.ge(0)), keyset)?;
        walked += page.items.len();
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(walked, 3000);
    Ok(())
});
