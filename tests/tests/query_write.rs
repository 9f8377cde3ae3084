//! Bulk update and delete by filter, the upsert and raw SQL on SQLite and PostgreSQL, and hostile
//! strings through every value and LIKE path.

use orm_core::query::{delete, insert, insert_many, raw, select, select_columns, update};
use orm_core::{DialectKind, Engine, Error, Model, Obj};
use tests::db_test;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Account {
    #[orm(primary_key)]
    pub id: Option<i64>,
    #[orm(length = 200, unique)]
    pub name: String,
    pub balance: i64,
    #[orm(text)]
    pub note: Option<String>,
}

fn account(name: &str, balance: i64) -> Account {
    Account::new(name, balance)
}

fn setup(engine: &Engine) -> orm_core::Result<orm_core::Session> {
    engine.create_all()?;
    let mut s = engine.session();
    for (n, b) in [("ann", 10), ("bob", 20), ("cid", 30), ("dan", 40)] {
        s.add(account(n, b));
    }
    s.commit()?;
    Ok(s)
}

db_test!(fn bulk_update_gives_loaded_objects_the_new_values(engine) {
    let mut s = setup(engine)?;
    let all = s.all(select::<Account>().order_by(Account::id))?;
    let n = s.execute(
        update::<Account>()
            .set(Account::balance, 0)
            .set(Account::note, "reset")
            .filter(Account::balance.ge(30)),
    )?;
    assert_eq!(n, 2);
    let balances: Vec<i64> = all.iter().map(|a| a.read().balance).collect();
    assert_eq!(balances, [10, 20, 0, 0]);
    assert_eq!(all[2].read().note.as_deref(), Some("reset"));
    // nothing left to flush for them: the snapshot took the new values too
    let log = engine.record_statements();
    s.commit()?;
    assert!(log.sql().iter().all(|q| !q.starts_with("UPDATE")), "{:?}", log.sql());
    // a rollback puts the objects back
    s.execute(update::<Account>().set(Account::balance, 99))?;
    assert_eq!(all[0].read().balance, 99);
    s.rollback()?;
    assert_eq!(all[0].read().balance, 10);
    let fresh = engine.session().all(select_columns(Account::balance).order_by(Account::id))?;
    assert_eq!(fresh, [10, 20, 0, 0]);
    // a column set from another column
    s.execute(update::<Account>().set(Account::note, Account::name).filter(Account::id.eq(1)))?;
    assert_eq!(all[0].read().note.as_deref(), Some("ann"));
    s.commit()?;
    Ok(())
});

db_test!(fn bulk_delete_takes_objects_out_of_the_identity_map(engine) {
    let mut s = setup(engine)?;
    let bob = s.one(select::<Account>().filter(Account::name.eq("bob")))?;
    let n = s.execute(delete::<Account>().filter(Account::name.in_(["bob", "cid"])))?;
    assert_eq!(n, 2);
    assert!(!s.contains(&bob));
    assert!(s.get::<Account>(2)?.is_none());
    assert_eq!(s.count(select::<Account>())?, 2);
    s.rollback()?;
    assert!(s.contains(&bob), "the rollback brings it back");
    assert_eq!(s.count(select::<Account>())?, 4);
    // without loaded objects, no RETURNING is needed
    let mut other = engine.session();
    assert_eq!(other.execute(delete::<Account>().filter(Account::balance.lt(15)))?, 1);
    other.commit()?;
    assert_eq!(engine.session().count(select::<Account>())?, 3);
    Ok(())
});

db_test!(fn upsert_skipping_conflicts_returns_only_the_rows_it_inserted(engine) {
    let mut s = setup(engine)?;
    let names = ["bob", "eve", "dan", "fay", "ann", "gus"];
    let rows = s.upsert(
        insert_many(names.iter().map(|n| account(n, 99))).on_conflict_do_nothing(Account::name),
    )?;
    let mut inserted: Vec<String> = rows.iter().map(|a| a.read().name.clone()).collect();
    inserted.sort();
    assert_eq!(inserted, ["eve", "fay", "gus"]);
    assert!(rows.iter().all(|a| a.read().balance == 99 && a.read().id.is_some()));
    s.commit()?;
    let balances: Vec<(String, i64)> = engine
        .session()
        .all(select_columns((Account::name, Account::balance)).order_by(Account::name))?;
    assert_eq!(balances.len(), 7);
    assert_eq!(balances[1], ("bob".to_owned(), 20), "an existing row is left alone");
    Ok(())
});

db_test!(fn upsert_inserts_updates_or_skips(engine) {
    let mut s = setup(engine)?;
    let ann = s.one(select::<Account>().filter(Account::name.eq("ann")))?;
    let stmt = insert_many([account("ann", 111), account("eve", 50)])
        .on_conflict_do_update(Account::name, Account::balance);
    let rows = s.upsert(stmt)?;
    assert_eq!(rows.len(), 2);
    assert!(rows[0].ptr_eq(&ann), "the loaded object is the one returned");
    assert_eq!(ann.read().balance, 111);
    assert_eq!(rows[1].read().name, "eve");
    let skipped = s.upsert(insert(account("bob", -1)).on_conflict_do_nothing(Account::name))?;
    assert!(skipped.is_empty());
    s.commit()?;
    let balances: Vec<(String, i64)> = engine
        .session()
        .all(select_columns((Account::name, Account::balance)).order_by(Account::name))?;
    assert_eq!(balances[0], ("ann".to_owned(), 111));
    assert_eq!(balances[1], ("bob".to_owned(), 20));
    assert_eq!(balances.len(), 5);
    // a conflict the clause does not cover is a structured error
    let err = s.upsert(insert(account("ann", 1))).expect_err("duplicate");
    assert!(err.is_unique_violation(), "{err}");
    s.rollback()?;
    Ok(())
});

db_test!(fn raw_sql_maps_to_models_and_tuples(engine) {
    let mut s = setup(engine)?;
    let bob = s.get::<Account>(2)?.ok_or("bob")?;
    let q = raw(r#"SELECT "id", "name", "balance", "note" FROM "account" WHERE "balance" > $1 ORDER BY "id""#)
        .bind(15);
    let rows: Vec<Obj<Account>> = s.raw_all(&q)?;
    assert_eq!(rows.len(), 3);
    assert!(rows[0].ptr_eq(&bob), "raw rows go through the identity map");
    let pairs: Vec<(String, i64)> = s.raw_all(
        &raw(r#"SELECT "name", "balance" * 2 FROM "account" WHERE "name" = $2 OR "name" = $1 ORDER BY 1"#)
            .bind("ann")
            .bind("dan"),
    )?;
    assert_eq!(pairs, [("ann".to_owned(), 20), ("dan".to_owned(), 80)]);
    let n = s.raw_execute(&raw(r#"UPDATE "account" SET "note" = $1 WHERE "id" = $2"#).bind("x'y").bind(1))?;
    assert_eq!(n, 1);
    let note: Vec<Option<String>> = s.raw_all(&raw(r#"SELECT "note" FROM "account" WHERE "id" = $1"#).bind(1))?;
    assert_eq!(note, [Some("x'y".to_owned())]);
    let err = s.raw_all::<(i64,)>(&raw("SELECT 'text'")).expect_err("decode");
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    Ok(())
});

/// Strings that would break a statement if they were ever formatted into SQL.
fn hostile(engine: &Engine) -> Vec<String> {
    let mut v: Vec<String> = [
        "'",
        "''",
        "\"",
        "`",
        "--",
        "/*",
        "*/",
        ";",
        "'; DROP TABLE \"account\"; --",
        "\" OR 1=1 --",
        "Robert'); DELETE FROM account;--",
        "ünïcødé ✓ 🚀 日本",
        "%",
        "_",
        "\\",
        "\\%",
        "a%b_c\\d",
        "100%_done\\",
        "$1",
        "?1",
        "?",
        "",
        " ",
        "\t\n\r",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if engine.dialect().kind() == DialectKind::Sqlite {
        v.push("nul\0inside".to_owned());
    }
    v
}

db_test!(fn hostile_strings_are_stored_and_matched_exactly(engine) {
    engine.create_all()?;
    let inputs = hostile(engine);
    let mut s = engine.session();
    for (i, text) in inputs.iter().enumerate() {
        // three write paths: the unit of work, the upsert, the bulk update
        let name = format!("n{i}");
        let obj = s.add(Account::new(name.clone(), 0));
        obj.write().note = Some(text.clone());
        s.upsert(insert(Account::new(format!("{text}#{i}"), 1)).on_conflict_do_nothing(Account::name))?;
        s.execute(update::<Account>().set(Account::note, text).filter(Account::name.eq(format!("{text}#{i}"))))?;
    }
    s.commit()?;
    let log = engine.record_statements();
    let mut shapes = std::collections::BTreeSet::new();
    for (i, text) in inputs.iter().enumerate() {
        let stored = s.one(select_columns(Account::note).filter(Account::name.eq(format!("n{i}"))))?;
        assert_eq!(stored.as_deref(), Some(text.as_str()), "stored #{i}");
        // sorted in Rust: the backends' collations order unicode and punctuation differently
        let mut eq: Vec<String> = s.all(select_columns(Account::name).filter(Account::note.eq(text)))?;
        eq.sort();
        // MySQL compares strings with PAD SPACE: trailing spaces do not count for `=`.
        let pad = engine.dialect().kind() == DialectKind::MySql;
        let same = |a: &str, b: &str| if pad { a.trim_end_matches(' ') == b.trim_end_matches(' ') } else { a == b };
        let pairs: Vec<(String, Option<String>)> = s.all(select_columns((Account::name, Account::note)))?;
        let mut expected: Vec<String> = pairs
            .into_iter()
            .filter(|(_, note)| note.as_deref().is_some_and(|n| same(n, text)))
            .map(|(name, _)| name)
            .collect();
        expected.sort();
        assert!(expected.contains(&format!("n{i}")) && expected.contains(&format!("{text}#{i}")));
        assert_eq!(eq, expected, "eq #{i} {text:?}");
        let exact = |v: &str| v == text.as_str();
        let all_notes: Vec<Option<String>> = s.all(select_columns(Account::note))?;
        let expect = |f: &dyn Fn(&str) -> bool| {
            all_notes.iter().flatten().filter(|n| f(n)).count() as u64
        };
        if text.contains('\0') {
            // No backend matches a LIKE pattern with NUL as written (SQLite ends it there): every
            // pattern filter refuses it, before a statement runs.
            for filter in [
                Account::note.contains(text),
                Account::note.starts_with(text),
                Account::note.ends_with(text),
                Account::note.icontains(text),
                Account::note.like(text.clone()),
            ] {
                let err = s.count(select::<Account>().filter(filter)).unwrap_err();
                assert!(matches!(err, Error::InvalidValue(_)), "#{i}: {err:?}");
            }
        } else {
            let c = s.count(select::<Account>().filter(Account::note.contains(text)))?;
            assert_eq!(c, expect(&|n| n.contains(text.as_str())), "contains #{i} {text:?}");
            let c = s.count(select::<Account>().filter(Account::note.starts_with(text)))?;
            assert_eq!(c, expect(&|n| n.starts_with(text.as_str())), "starts_with #{i} {text:?}");
            let c = s.count(select::<Account>().filter(Account::note.ends_with(text)))?;
            assert_eq!(c, expect(&|n| n.ends_with(text.as_str())), "ends_with #{i} {text:?}");
            let c = s.count(select::<Account>().filter(Account::note.icontains(text)))?;
            assert!(c >= expect(&exact), "icontains #{i} {text:?}");
            // a raw LIKE / ILIKE pattern: whatever it matches, it runs as one bound value
            s.count(select::<Account>().filter(Account::note.like(text.clone()) | Account::note.ilike(text.clone())))?;
        }
        let mut via_raw: Vec<String> = s.raw_all(&raw(r#"SELECT "name" FROM "account" WHERE "note" = $1"#).bind(text.as_str()))?;
        via_raw.sort();
        assert_eq!(via_raw, eq, "raw #{i}");
        for stmt in log.statements() {
            shapes.insert(stmt.sql);
        }
        log.clear();
    }
    // every input ran through the same few statements: none changed a statement's text
    assert!(shapes.len() <= 10, "{} statement shapes: {shapes:#?}", shapes.len());
    assert!(shapes.iter().all(|q| !q.contains("DROP") && !q.contains("DELETE")), "{shapes:#?}");
    assert_eq!(s.count(select::<Account>())?, 2 * inputs.len() as u64);
    Ok(())
});

db_test!(fn nul_in_text_is_kept_on_sqlite_and_refused_clearly_on_postgres(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let probe = s.count(select::<Account>().filter(Account::note.eq("nul\0inside")));
    if engine.dialect().kind() != DialectKind::Postgres {
        // SQLite text holds a NUL: the value goes in and comes back whole, and only it matches.
        assert_eq!(probe?, 0);
        let mut a = account("nul", 1);
        a.note = Some("nul\0inside".to_owned());
        s.add(a);
        s.add(account("plain", 2));
        s.commit()?;
        let mut fresh = engine.session();
        let found = fresh.all(select::<Account>().filter(Account::note.eq("nul\0inside")))?;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].read().note.as_deref(), Some("nul\0inside"));
        assert_eq!(found[0].read().name, "nul");
        return Ok(());
    }
    let err = probe.expect_err("postgres text cannot hold NUL");
    let message = err.to_string();
    assert!(message.contains("0x00") || message.to_lowercase().contains("nul"), "{message}");
    s.rollback()?;
    assert_eq!(s.count(select::<Account>())?, 0, "the session still works");
    let rows = s.upsert(insert_many([account("ok", 1)]))?;
    assert_eq!(rows.len(), 1);
    Ok(())
});

db_test!(fn a_bulk_update_of_the_key_is_refused_while_objects_are_loaded(engine) {
    let mut s = setup(engine)?;
    // The session holds loaded objects weakly: they are loaded while the application holds them.
    let _loaded = s.all(select::<Account>())?;
    let err = s
        .execute(update::<Account>().set(Account::id, Some(100)).filter(Account::name.eq("ann")))
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    // A session that holds no accounts may do it.
    let mut fresh = engine.session();
    let n = fresh.execute(update::<Account>().set(Account::id, Some(100)).filter(Account::name.eq("ann")))?;
    fresh.commit()?;
    assert_eq!(n, 1);
    Ok(())
});
