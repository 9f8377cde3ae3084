//! rusqlite by hand, as `tests/benches` writes it: one prepared single-row statement per row in one
//! transaction for the writes, prepared selects for the reads, the tree's three queries with `IN`
//! lists grouped by hand.

use std::time::{Duration, Instant};

use rusqlite::{params, params_from_iter, Connection};

use crate::data::{self, Comment, Post, Row, GETS};
use crate::Side;

const SELECT_ROWS: &str = "SELECT id, name, email, score, note FROM bench_row";

#[derive(Debug)]
pub struct RawSqlite {
    conn: Connection,
}

impl RawSqlite {
    pub fn new() -> rusqlite::Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        conn.execute_batch(&data::ddl("INTEGER NOT NULL PRIMARY KEY"))?;
        let tx = conn.transaction()?;
        {
            let mut ins = tx.prepare("INSERT INTO bench_row VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for r in (0..data::N).map(data::row) {
                ins.execute(params![r.id, r.name, r.email, r.score, r.note])?;
            }
            let t = data::tree();
            let mut ins = tx.prepare("INSERT INTO b_user VALUES (?1, ?2)")?;
            for u in &t.users {
                ins.execute(params![u.0, u.1])?;
            }
            let mut ins = tx.prepare("INSERT INTO b_post VALUES (?1, ?2, ?3)")?;
            for p in &t.posts {
                ins.execute(params![p.0, p.1, p.2])?;
            }
            let mut ins = tx.prepare("INSERT INTO b_comment VALUES (?1, ?2, ?3)")?;
            for c in &t.comments {
                ins.execute(params![c.0, c.1, c.2])?;
            }
        }
        tx.commit()?;
        Ok(RawSqlite { conn })
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        score: r.get(3)?,
        note: r.get(4)?,
    })
}

/// `?1, ?2, …, ?n`.
fn marks(n: usize) -> String {
    (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Side for RawSqlite {
    fn write_round(&mut self) -> [Duration; 3] {
        let mut items = data::items();
        let start = Instant::now();
        let tx = self.conn.transaction().expect("begin");
        {
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO item (name, qty, price) VALUES (?1, ?2, ?3) RETURNING id",
                )
                .expect("prepare");
            for it in &mut items {
                let id = ins
                    .query_row(params![it.name, it.qty, it.price], |r| r.get(0))
                    .expect("insert");
                it.id = Some(id);
            }
        }
        tx.commit().expect("commit");
        let insert = start.elapsed();

        let start = Instant::now();
        let tx = self.conn.transaction().expect("begin");
        {
            let mut upd = tx
                .prepare_cached("UPDATE item SET name = ?1, qty = ?2 WHERE id = ?3")
                .expect("prepare");
            for it in &mut items {
                it.qty += 1;
                it.name.push('!');
                let n = upd
                    .execute(params![it.name, it.qty, it.id])
                    .expect("update");
                assert_eq!(n, 1);
            }
        }
        tx.commit().expect("commit");
        let update = start.elapsed();

        let start = Instant::now();
        let tx = self.conn.transaction().expect("begin");
        {
            let mut del = tx
                .prepare_cached("DELETE FROM item WHERE id = ?1")
                .expect("prepare");
            for it in &items {
                assert_eq!(del.execute([it.id]).expect("delete"), 1);
            }
        }
        tx.commit().expect("commit");
        [insert, update, start.elapsed()]
    }

    fn load(&mut self) -> usize {
        let mut st = self.conn.prepare_cached(SELECT_ROWS).expect("prepare");
        let rows: Vec<Row> = st
            .query_map([], read_row)
            .expect("query")
            .map(|r| r.expect("row"))
            .collect();
        rows.len()
    }

    fn gets(&mut self) -> usize {
        let sql = format!("{SELECT_ROWS} WHERE id = ?1");
        (1..=GETS)
            .filter(|&id| {
                let mut st = self.conn.prepare_cached(&sql).expect("prepare");
                st.query_row([id], read_row).is_ok()
            })
            .count()
    }

    fn tree(&mut self) -> usize {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, name FROM b_user")
            .expect("prepare");
        let users: Vec<(i64, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("users")
            .map(|r| r.expect("row"))
            .collect();
        let user_ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let sql = format!(
            "SELECT id, user_id, title FROM b_post WHERE user_id IN ({}) ORDER BY id",
            marks(user_ids.len())
        );
        let mut st = self.conn.prepare(&sql).expect("prepare");
        let posts: Vec<(i64, Post)> = st
            .query_map(params_from_iter(&user_ids), |r| {
                let post = Post {
                    id: r.get(0)?,
                    title: r.get(2)?,
                    comments: Vec::new(),
                };
                Ok((r.get(1)?, post))
            })
            .expect("posts")
            .map(|r| r.expect("row"))
            .collect();
        let post_ids: Vec<i64> = posts.iter().map(|p| p.1.id).collect();
        let sql = format!(
            "SELECT id, post_id, body FROM b_comment WHERE post_id IN ({}) ORDER BY id",
            marks(post_ids.len())
        );
        let mut st = self.conn.prepare(&sql).expect("prepare");
        let comments: Vec<(i64, Comment)> = st
            .query_map(params_from_iter(&post_ids), |r| {
                let comment = Comment {
                    id: r.get(0)?,
                    body: r.get(2)?,
                };
                Ok((r.get(1)?, comment))
            })
            .expect("comments")
            .map(|r| r.expect("row"))
            .collect();
        data::comments_in(&data::assemble(users, posts, comments))
    }
}
