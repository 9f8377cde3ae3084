//! The ORM, written as its users would: `add_all` and `commit`, writes to the objects and `commit`,
//! `delete` and `commit`; `all(select())`; `get` in a fresh session; eager select-in loading.

use std::time::{Duration, Instant};

use orm_core::query::select;
use orm_core::{BelongsTo, Engine, HasMany, Model};

use crate::data::{self, GETS, N};
use crate::Side;

#[derive(Model, Debug)]
pub struct Item {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 64)]
    pub name: String,
    pub qty: i64,
    pub price: f64,
}

#[derive(Model, Debug)]
pub struct BenchRow {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 64)]
    pub name: String,
    #[orm(length = 120)]
    pub email: String,
    pub score: i64,
    #[orm(text)]
    pub note: Option<String>,
}

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

#[derive(Debug)]
pub struct OrmSide {
    engine: Engine,
}

impl OrmSide {
    /// Creates the models' tables through `engine` and fills them, in the order `data` gives the keys.
    pub fn new(engine: Engine) -> orm_core::Result<Self> {
        engine.create_all()?;
        let mut s = engine.session();
        s.add_all((0..N).map(data::row).map(|r| {
            let mut obj = BenchRow::new(r.name, r.email, r.score);
            obj.note = r.note;
            obj
        }));
        s.commit()?;
        let t = data::tree();
        let users = s.add_all(t.users.into_iter().map(|(_, name)| BUser::new(name)));
        let mut posts = Vec::new();
        for (_, user_id, title) in t.posts {
            let user = &users[user_id as usize - 1];
            posts.push(s.add(BPost::new(title).with_user(user)));
        }
        for (_, post_id, body) in t.comments {
            let comment = s.add(BComment::new(0, body));
            s.append(&posts[post_id as usize - 1], BPost::comments, &comment)?;
        }
        s.commit()?;
        Ok(OrmSide { engine })
    }
}

impl Side for OrmSide {
    fn write_round(&mut self) -> [Duration; 3] {
        let mut s = self.engine.session();
        let items = (0..N).map(|i| {
            let (name, qty, price) = data::item_values(i);
            Item::new(name, qty, price)
        });
        let items: Vec<Item> = items.collect();
        let start = Instant::now();
        let objs = s.add_all(items);
        s.commit().expect("insert");
        let insert = start.elapsed();
        assert!(objs.iter().all(|o| o.read().id.is_some()));

        let start = Instant::now();
        for o in &objs {
            let mut it = o.write();
            it.qty += 1;
            it.name.push('!');
        }
        s.commit().expect("update");
        let update = start.elapsed();

        let start = Instant::now();
        for o in &objs {
            s.delete(o);
        }
        s.commit().expect("delete");
        [insert, update, start.elapsed()]
    }

    fn load(&mut self) -> usize {
        let mut s = self.engine.session();
        s.all(select::<BenchRow>()).expect("load").len()
    }

    fn gets(&mut self) -> usize {
        (1..=GETS)
            .filter(|&id| {
                let mut s = self.engine.session();
                s.get::<BenchRow>(id).expect("get").is_some()
            })
            .count()
    }

    fn tree(&mut self) -> usize {
        let mut s = self.engine.session();
        let query = select::<BUser>().eager(BUser::posts.then(BPost::comments));
        let users = s.all(query).expect("load");
        let posts_of = |u: &BUser| u.posts.get().expect("posts loaded");
        users
            .iter()
            .flat_map(|u| posts_of(&u.read()))
            .map(|p| p.read().comments.get().expect("comments loaded").len())
            .sum()
    }
}
