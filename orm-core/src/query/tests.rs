//! Exact SQL of every construct, per dialect, without a database.

use super::*;
use crate::dialect::{Dialect, Postgres, Sqlite};
use crate::{Model, Value};

#[derive(Model, Debug)]
struct User {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(unique)]
    username: String,
    email: Option<String>,
}

#[derive(Model, Debug)]
struct Post {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(foreign_key = User)]
    user_id: i64,
    score: Option<i32>,
}

#[derive(Model, Debug)]
struct Node {
    #[orm(primary_key)]
    id: Option<i64>,
    #[orm(foreign_key = Node)]
    parent_id: Option<i64>,
}

const U: &str = r#"SELECT "user"."id", "user"."username", "user"."email" FROM "user""#;

/// Checks the SQL on both dialects: `$n` placeholders in `pg` become `?n` for SQLite.
fn both<S: Selection>(q: &Select<S>, pg: &str) -> Vec<Value> {
    let (sql, params) = q.build(&Postgres).unwrap();
    assert_eq!(sql, pg, "postgresql");
    let (lite, lite_params) = q.build(&Sqlite).unwrap();
    assert_eq!(lite, pg.replace('$', "?"), "sqlite");
    assert_eq!(params, lite_params);
    params
}

fn sql<S: Selection>(q: &Select<S>, d: &'static dyn Dialect) -> String {
    q.build(d).unwrap().0
}

#[test]
fn comparisons() {
    let p = both(
        &select::<User>()
            .filter(User::id.eq(1))
            .filter(User::id.ne(2)),
        &format!(r#"{U} WHERE "user"."id" = $1 AND "user"."id" <> $2"#),
    );
    assert_eq!(p, [Value::I64(1), Value::I64(2)]);
    both(
        &select::<User>().filter(User::id.lt(1) | User::id.le(2) | User::id.gt(3) & User::id.ge(4)),
        &format!(
            r#"{U} WHERE "user"."id" < $1 OR "user"."id" <= $2 OR ("user"."id" > $3 AND "user"."id" >= $4)"#
        ),
    );
    both(
        &select::<User>().filter(!(User::email.eq(None::<String>)) & User::email.is_null()),
        &format!(r#"{U} WHERE NOT ("user"."email" IS NULL) AND "user"."email" IS NULL"#),
    );
    both(
        &select::<User>().filter(User::email.is_not_null() & User::email.ne(None::<String>)),
        &format!(r#"{U} WHERE "user"."email" IS NOT NULL AND "user"."email" IS NOT NULL"#),
    );
    both(
        &select::<Post>().filter(Post::score.between(1, 5)),
        r#"SELECT "post"."id", "post"."user_id", "post"."score" FROM "post" WHERE "post"."score" BETWEEN $1 AND $2"#,
    );
}

#[test]
fn in_lists_and_subqueries() {
    both(
        &select::<User>().filter(User::username.in_(["a", "b"]) & User::id.not_in(vec![3])),
        &format!(r#"{U} WHERE "user"."username" IN ($1, $2) AND "user"."id" NOT IN ($3)"#),
    );
    both(
        &select::<User>().filter(User::id.in_(Vec::<i64>::new())),
        &format!(r#"{U} WHERE 1 = 0"#),
    );
    let authors = select_columns(Post::user_id)
        .filter(Post::score.gt(3))
        .subquery();
    both(
        &select::<User>().filter(User::id.in_(authors)),
        &format!(
            r#"{U} WHERE "user"."id" IN (SELECT "post"."user_id" FROM "post" WHERE "post"."score" > $1)"#
        ),
    );
}

#[test]
fn like_escapes_and_dialects() {
    let q = select::<User>().filter(User::username.ilike("S%"));
    assert_eq!(
        sql(&q, &Sqlite),
        format!(r#"{U} WHERE lower("user"."username") LIKE lower(?1)"#)
    );
    assert_eq!(
        sql(&q, &Postgres),
        format!(r#"{U} WHERE "user"."username" ILIKE $1 ESCAPE ''"#)
    );
    // contains: a substring search (a LIKE backtracks over long values), with the text as given.
    let q = select::<User>().filter(User::username.contains(r"50%_\x"));
    let (pg, p) = q.build(&Postgres).unwrap();
    assert_eq!(
        pg,
        format!(r#"{U} WHERE strpos("user"."username", $1) > 0"#)
    );
    assert_eq!(p, [Value::Text(r"50%_\x".into())]);
    let (lite, p) = q.build(&Sqlite).unwrap();
    assert_eq!(
        lite,
        format!(r#"{U} WHERE instr("user"."username", ?1) > 0"#)
    );
    assert_eq!(p, [Value::Text(r"50%_\x".into())]);
    let q = select::<User>().filter(User::username.icontains("Ab"));
    assert_eq!(
        sql(&q, &Sqlite),
        format!(r#"{U} WHERE instr(lower("user"."username"), lower(?1)) > 0"#)
    );
    let p = both(
        &select::<User>().filter(User::email.starts_with("a_") & User::email.ends_with("%")),
        &format!(
            r#"{U} WHERE "user"."email" LIKE $1 ESCAPE '\' AND "user"."email" LIKE $2 ESCAPE '\'"#
        ),
    );
    assert_eq!(p, [Value::Text(r"a\_%".into()), Value::Text(r"%\%".into())]);
    let q = select::<User>().filter(User::username.like("s%") & User::username.not_like("x"));
    assert_eq!(
        sql(&q, &Sqlite),
        format!(r#"{U} WHERE "user"."username" LIKE ?1 AND "user"."username" NOT LIKE ?2"#)
    );
    assert_eq!(
        sql(&q, &Postgres),
        format!(
            r#"{U} WHERE "user"."username" LIKE $1 ESCAPE '' AND "user"."username" NOT LIKE $2 ESCAPE ''"#
        )
    );
}

#[test]
fn order_limit_offset_distinct() {
    both(
        &select::<User>()
            .order_by(User::username.desc())
            .order_by(User::email.asc().nulls_first())
            .order_by(User::id)
            .limit(10)
            .offset(20),
        &format!(
            r#"{U} ORDER BY "user"."username" DESC, "user"."email" NULLS FIRST, "user"."id" LIMIT $1 OFFSET $2"#
        ),
    );
    let q = select_columns(User::email).distinct().offset(5);
    assert_eq!(
        sql(&q, &Sqlite),
        r#"SELECT DISTINCT "user"."email" FROM "user" LIMIT -1 OFFSET ?1"#
    );
    assert_eq!(
        sql(&q, &Postgres),
        r#"SELECT DISTINCT "user"."email" FROM "user" OFFSET $1"#
    );
}

#[test]
fn aggregates_group_by_having() {
    both(
        &select_columns((
            Post::user_id,
            func::count_all(),
            func::sum(Post::score),
            func::avg(Post::score),
            func::min(Post::score),
            func::max(Post::id),
            func::count_distinct(Post::score),
        ))
        .group_by(Post::user_id)
        .having(func::count(Post::id).ge(2)),
        r#"SELECT "post"."user_id", COUNT(*), CAST(SUM("post"."score") AS BIGINT), CAST(AVG("post"."score") AS DOUBLE PRECISION), MIN("post"."score"), MAX("post"."id"), COUNT(DISTINCT "post"."score") FROM "post" GROUP BY "post"."user_id" HAVING COUNT("post"."id") >= $1"#,
    );
    both(
        &select_columns(func::count_all()).select_from::<User>(),
        r#"SELECT COUNT(*) FROM "user""#,
    );
}

#[test]
fn joins() {
    const P: &str = r#"SELECT "post"."id", "post"."user_id", "post"."score" FROM "post""#;
    both(
        &select::<Post>()
            .join::<User>()
            .filter(User::username.eq("susan")),
        &format!(
            r#"{P} INNER JOIN "user" ON "post"."user_id" = "user"."id" WHERE "user"."username" = $1"#
        ),
    );
    both(
        &select::<User>().left_join::<Post>(),
        &format!(r#"{U} LEFT JOIN "post" ON "post"."user_id" = "user"."id""#),
    );
    both(
        &select::<User>().join_on::<Post>(Post::user_id.eq(User::id) & Post::score.gt(1)),
        &format!(
            r#"{U} INNER JOIN "post" ON "post"."user_id" = "user"."id" AND "post"."score" > $1"#
        ),
    );
    let parent = alias::<Node>("parent");
    both(
        &select_columns((Node::id, parent))
            .left_join_alias(parent, Node::parent_id.eq(parent.col(Node::id))),
        r#"SELECT "node"."id", "parent"."id", "parent"."parent_id" FROM "node" LEFT JOIN "node" AS "parent" ON "node"."parent_id" = "parent"."id""#,
    );
    // No foreign key to follow: reported when the query is built.
    let err = select::<Node>().join::<Node>().build(&Sqlite).unwrap_err();
    assert!(err.to_string().contains("use `join_on`"), "{err}");
    let err = select::<User>().join::<Node>().build(&Sqlite).unwrap_err();
    assert!(matches!(err, crate::Error::Config(_)), "{err}");
}

#[test]
fn correlated_exists_and_scalar_subquery() {
    let has_posts = func::exists(select::<Post>().filter(Post::user_id.eq(User::id)));
    both(
        &select::<User>().filter(!has_posts),
        &format!(
            r#"{U} WHERE NOT (EXISTS (SELECT 1 FROM "post" WHERE "post"."user_id" = "user"."id"))"#
        ),
    );
    let top = select_columns(func::max(Post::score)).subquery().scalar();
    both(
        &select::<Post>().filter(Post::score.eq(top)),
        r#"SELECT "post"."id", "post"."user_id", "post"."score" FROM "post" WHERE "post"."score" = (SELECT MAX("post"."score") FROM "post")"#,
    );
    let wide = select_columns((Post::id, Post::score)).subquery();
    let err = select::<User>()
        .filter(User::id.in_(Subquery::<Option<i64>>::new(wide.core)))
        .build(&Sqlite)
        .unwrap_err();
    assert!(err.to_string().contains("exactly one column"), "{err}");
}

#[test]
fn count_and_exists_wrappers() {
    let q = select::<User>().filter(User::id.gt(1)).order_by(User::id);
    assert_eq!(
        q.core.count_query().build(&Postgres).unwrap().0,
        r#"SELECT COUNT(*) FROM "user" WHERE "user"."id" > $1"#
    );
    assert_eq!(
        q.clone()
            .limit(5)
            .core
            .count_query()
            .build(&Sqlite)
            .unwrap()
            .0,
        format!(
            r#"SELECT COUNT(*) FROM ({U} WHERE "user"."id" > ?1 ORDER BY "user"."id" LIMIT ?2) AS "sub""#
        )
    );
    assert_eq!(
        q.core.build_exists(&Postgres).unwrap().0,
        r#"SELECT EXISTS (SELECT 1 FROM "user" WHERE "user"."id" > $1)"#
    );
}

#[test]
fn update_delete_insert() {
    let u = update::<User>()
        .set(User::username, "x")
        .set(User::email, None)
        .filter(User::id.eq(1));
    assert_eq!(
        u.build(&Postgres).unwrap().0,
        r#"UPDATE "user" SET "username" = $1, "email" = $2 WHERE "user"."id" = $3"#
    );
    assert_eq!(
        u.build_returning(&Sqlite, true).unwrap().0,
        r#"UPDATE "user" SET "username" = ?1, "email" = ?2 WHERE "user"."id" = ?3 RETURNING "id", "username", "email""#
    );
    assert!(update::<User>().build(&Sqlite).is_err(), "nothing set");
    let d = delete::<User>()
        .filter(User::username.eq("a"))
        .filter(User::id.gt(3));
    assert_eq!(
        d.build_returning(&Postgres, true).unwrap().0,
        r#"DELETE FROM "user" WHERE "user"."username" = $1 AND "user"."id" > $2 RETURNING "id""#
    );
    let mut b = User::new("b");
    b.email = Some("e".into());
    let rows = [User::new("a"), b];
    let i = insert_many(rows).on_conflict_do_nothing((User::username,));
    assert_eq!(
        i.build(&Sqlite).unwrap().0,
        r#"INSERT INTO "user" ("username", "email") VALUES (?1, ?2), (?3, ?4) ON CONFLICT ("username") DO NOTHING"#
    );
    let i =
        insert(User::new("a")).on_conflict_do_update(User::username, (User::email, User::username));
    assert_eq!(
        i.build_returning(&Postgres, true).unwrap().0,
        r#"INSERT INTO "user" ("username", "email") VALUES ($1, $2) ON CONFLICT ("username") DO UPDATE SET "email" = excluded."email", "username" = excluded."username" RETURNING "id", "username", "email""#
    );
}

#[test]
fn hostile_names_and_values_never_change_the_statement() {
    let evil = "'); DROP TABLE \"user\"; --";
    let p = both(
        &select::<User>().filter(User::username.eq(evil)),
        &format!(r#"{U} WHERE "user"."username" = $1"#),
    );
    assert_eq!(p, [Value::Text(evil.into())]);
    let weird = alias::<User>("a\"b");
    assert_eq!(
        sql(&select_columns(weird.col(User::id)), &Sqlite),
        r#"SELECT "a""b"."id" FROM "user" AS "a""b""#
    );
}

#[test]
fn long_in_lists_bind_as_one_parameter_where_the_dialect_can() {
    let ids: Vec<i64> = (1..=1001).collect();
    let q = select::<User>().filter(User::id.not_in(ids));
    let (pg, params) = q.build(&Postgres).unwrap();
    assert_eq!(pg, format!(r#"{U} WHERE NOT ("user"."id" = ANY($1))"#));
    assert!(matches!(&params[..], [Value::List(v)] if v.len() == 1001));
    let names: Vec<String> = (0..1001).map(|i| format!("a\"b\\{i}\n")).collect();
    let q = select::<User>().filter(User::username.in_(names));
    let (lite, params) = q.build(&Sqlite).unwrap();
    assert_eq!(
        lite,
        format!(r#"{U} WHERE "user"."username" IN (SELECT value FROM json_each(?1))"#)
    );
    let Value::Text(json) = &params[0] else {
        panic!("{params:?}")
    };
    assert!(
        json.starts_with(r#"["a\"b\\0\u000a","a\"b\\1\u000a","#),
        "{json}"
    );
    // Short lists are written out as before.
    let q = select::<User>().filter(User::id.in_([1, 2]));
    assert!(sql(&q, &Postgres).ends_with(r#""user"."id" IN ($1, $2)"#));
}

#[test]
fn long_starts_and_ends_with_on_sqlite_compare_the_value_s_ends() {
    let long = "ab%".repeat(20_000);
    let q = select::<User>().filter(User::username.starts_with(&long));
    assert_eq!(
        sql(&q, &Sqlite),
        format!(r#"{U} WHERE instr("user"."username", ?1) = 1"#)
    );
    let q = select::<User>().filter(User::username.ends_with(&long));
    let (lite, params) = q.build(&Sqlite).unwrap();
    assert_eq!(
        lite,
        format!(r#"{U} WHERE substr("user"."username", -length(?1)) = ?2"#)
    );
    assert_eq!(
        params,
        [Value::Text(long.clone()), Value::Text(long.clone())]
    );
    // PostgreSQL takes long patterns: LIKE as ever.
    assert!(sql(&q, &Postgres).ends_with(r#"LIKE $1 ESCAPE '\'"#));
    // A short pattern stays a LIKE (an index can serve a prefix).
    let q = select::<User>().filter(User::username.starts_with("ab"));
    assert!(sql(&q, &Sqlite).ends_with(r#""user"."username" LIKE ?1 ESCAPE '\'"#));
}
