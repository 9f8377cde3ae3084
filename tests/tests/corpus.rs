//! A corpus of more than 300 hostile strings (quotes, backslashes, NUL, LIKE metacharacters, SQL
//! fragments, placeholders, very long and non-ASCII strings) and hostile bytes, through every write
//! path and every filter, on every backend: each value reads back identical, each filter matches
//! exactly the rows a plain Rust filter over the same rows matches, and no other row is touched.

use orm_core::query::{delete, insert_many, raw, select, select_columns, update};
use orm_core::{DialectKind, Engine, Error, Model, Session};
use tests::db_test;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Item {
    #[orm(primary_key)]
    pub id: Option<i64>,
    /// Which case of the corpus (and which write path) the row holds.
    #[orm(length = 40, unique)]
    pub tag: String,
    #[orm(text)]
    pub body: Option<String>,
    pub data: Option<Vec<u8>>,
}

/// The corpus: fragments, and the fragments in surroundings that a quoting or escaping mistake
/// would break.
fn corpus(engine: &Engine) -> Vec<String> {
    let fragments: Vec<String> = [
        "'",
        "''",
        "'''",
        "\"",
        "\"\"",
        "`",
        "``",
        "\\",
        "\\\\",
        "\\'",
        "\\\"",
        "\\n",
        "\\0",
        "%",
        "%%",
        "_",
        "__",
        "\\%",
        "\\_",
        "%_%",
        "[",
        "]",
        "[a-z]",
        "*",
        "?",
        "^",
        "$",
        "--",
        "/*",
        "*/",
        "#",
        ";",
        "'; DROP TABLE \"item\"; --",
        "\" OR \"1\"=\"1",
        "' OR '1'='1",
        "1; DELETE FROM item",
        "Robert'); DELETE FROM item;--",
        "UNION SELECT * FROM item",
        "$1",
        "$2",
        "?",
        "?1",
        ":name",
        "@p1",
        "%s",
        "{}",
        "{0}",
        "${x}",
        "\n",
        "\r\n",
        "\t",
        " ",
        "  ",
        "\u{b}",
        "\u{c}",
        "\u{7f}",
        "\u{1b}[31m",
        "ünïcødé",
        "✓",
        "🚀",
        "👩‍👩‍👧",
        "日本語",
        "עברית",
        "مرحبا",
        "e\u{301}",
        "é",
        "\u{200b}",
        "\u{feff}",
        "\u{202e}abc",
        "İ",
        "ß",
        "ﬀ",
        "Ω",
        "\u{10ffff}",
        "null",
        "NULL",
        "true",
        "0",
        "-1",
        "1e308",
        "NaN",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut v: Vec<String> = Vec::new();
    for f in &fragments {
        v.push(f.clone());
        v.push(format!("a{f}b"));
        v.push(format!("{f}{f}"));
        v.push(format!(" {f} "));
    }
    v.push(String::new());
    v.push("x".repeat(10_000));
    v.push("'\\%_".repeat(5_000));
    v.push("ü🚀".repeat(20_000));
    // SQLite and MySQL keep a NUL inside text; PostgreSQL refuses it (tested on its own).
    if engine.dialect().kind() != DialectKind::Postgres {
        v.push("nul\0inside".to_owned());
        v.push("\0".to_owned());
        v.push("\0\0a".to_owned());
    }
    v
}

/// Bytes that are not UTF-8, and bytes that look like SQL.
fn bytes() -> Vec<Vec<u8>> {
    vec![
        vec![],
        vec![0],
        vec![0xff, 0xfe, 0x00, 0x41],
        vec![0xc3, 0x28],
        b"'; DROP TABLE item; --".to_vec(),
        (0..=255).collect(),
        vec![0x80; 70_000],
    ]
}

/// The rows as the database holds them, by tag.
fn rows(s: &mut Session) -> orm_core::Result<Vec<(String, Option<String>)>> {
    let mut all: Vec<(String, Option<String>)> = s.all(select_columns((Item::tag, Item::body)))?;
    all.sort();
    Ok(all)
}

db_test!(fn hostile_values_read_back_identical_and_filter_exactly(engine) {
    engine.create_all()?;
    let inputs = corpus(engine);
    assert!(inputs.len() >= 300, "{} strings", inputs.len());
    let mut s = engine.session();
    // Four write paths: the unit of work, a multi-row upsert, a bulk update, and raw SQL.
    for (i, text) in inputs.iter().enumerate() {
        s.add(Item {
            tag: format!("u{i}"),
            body: Some(text.clone()),
            ..Item::new(format!("u{i}"))
        });
    }
    s.commit()?;
    let upserted = s.upsert(
        insert_many(inputs.iter().enumerate().map(|(i, text)| Item {
            tag: format!("p{i}"),
            body: Some(text.clone()),
            ..Item::new(format!("p{i}"))
        }))
        .on_conflict_do_nothing(Item::tag),
    )?;
    assert_eq!(upserted.len(), inputs.len());
    for (i, text) in inputs.iter().enumerate() {
        s.add(Item::new(format!("b{i}")));
        s.add(Item::new(format!("r{i}")));
        s.flush()?;
        let n = s.execute(update::<Item>().set(Item::body, text.as_str()).filter(Item::tag.eq(format!("b{i}"))))?;
        assert_eq!(n, 1, "bulk update #{i}");
        let n = s.raw_execute(
            &raw(r#"UPDATE "item" SET "body" = $1 WHERE "tag" = $2"#)
                .bind(text.as_str())
                .bind(format!("r{i}")),
        )?;
        assert_eq!(n, 1, "raw update #{i}");
    }
    s.commit()?;

    // Every value reads back identical, by every path it was written.
    let stored = rows(&mut s)?;
    assert_eq!(stored.len(), 4 * inputs.len());
    for (tag, body) in &stored {
        let i: usize = tag[1..].parse()?;
        assert_eq!(body.as_deref(), Some(inputs[i].as_str()), "{tag}");
    }

    // Every filter matches what a Rust filter over the same rows matches.
    let pad = engine.dialect().kind() == DialectKind::MySql;
    let equal = |a: &str, b: &str| {
        // MySQL compares with PAD SPACE: trailing spaces do not count for `=`.
        if pad { a.trim_end_matches(' ') == b.trim_end_matches(' ') } else { a == b }
    };
    let tags = |s: &mut Session, f: orm_core::query::Expr<bool>| -> orm_core::Result<Vec<String>> {
        let mut v: Vec<String> = s.all(select_columns(Item::tag).filter(f))?;
        v.sort();
        Ok(v)
    };
    let expect = |f: &dyn Fn(&str) -> bool| -> Vec<String> {
        let mut v: Vec<String> = stored
            .iter()
            .filter(|(_, b)| b.as_deref().is_some_and(f))
            .map(|(t, _)| t.clone())
            .collect();
        v.sort();
        v
    };
    for (i, text) in inputs.iter().enumerate() {
        let t = text.as_str();
        assert_eq!(tags(&mut s, Item::body.eq(t))?, expect(&|b| equal(b, t)), "eq #{i} {t:?}");
        assert_eq!(tags(&mut s, Item::body.ne(t))?, expect(&|b| !equal(b, t)), "ne #{i} {t:?}");
        assert_eq!(tags(&mut s, Item::body.in_([t, "x"]))?, expect(&|b| equal(b, t) || b == "x"), "in #{i}");
        if t.contains('\0') {
            // No backend matches a LIKE pattern with NUL: refused before anything runs.
            let err = tags(&mut s, Item::body.contains(t)).unwrap_err();
            assert!(matches!(err, Error::InvalidValue(_)), "{err:?}");
            continue;
        }
        assert_eq!(tags(&mut s, Item::body.contains(t))?, expect(&|b| b.contains(t)), "contains #{i} {t:?}");
        assert_eq!(tags(&mut s, Item::body.starts_with(t))?, expect(&|b| b.starts_with(t)), "starts_with #{i} {t:?}");
        assert_eq!(tags(&mut s, Item::body.ends_with(t))?, expect(&|b| b.ends_with(t)), "ends_with #{i} {t:?}");
        let folded = tags(&mut s, Item::body.icontains(t))?;
        assert!(expect(&|b| b.contains(t)).iter().all(|x| folded.contains(x)), "icontains #{i} {t:?}");
        // Raw SQL with the value bound.
        let mut raw_tags: Vec<String> = s.raw_all(&raw(r#"SELECT "tag" FROM "item" WHERE "body" = $1"#).bind(t))?;
        raw_tags.sort();
        assert_eq!(raw_tags, expect(&|b| equal(b, t)), "raw #{i}");
    }

    // Ordering and pagination keep every value whole.
    let mut seen = 0;
    let mut page = 1;
    loop {
        let p = s.paginate(select::<Item>().order_by(Item::id), page, 97)?;
        for item in &p.items {
            let item = item.read();
            let i: usize = item.tag[1..].parse()?;
            assert_eq!(item.body.as_deref(), Some(inputs[i].as_str()));
            seen += 1;
        }
        match p.next_num() {
            Some(n) => page = n,
            None => break,
        }
    }
    assert_eq!(seen, stored.len());

    // Deleting by each value removes exactly the rows holding it.
    for (i, text) in inputs.iter().enumerate().step_by(7) {
        if text.contains('\0') && engine.dialect().kind() == DialectKind::Postgres {
            continue;
        }
        let before = rows(&mut s)?;
        let gone: Vec<String> = before
            .iter()
            .filter(|(_, b)| b.as_deref().is_some_and(|b| equal(b, text)))
            .map(|(t, _)| t.clone())
            .collect();
        let n = s.execute(delete::<Item>().filter(Item::body.eq(text.as_str())))?;
        assert_eq!(n as usize, gone.len(), "delete #{i}");
        let after = rows(&mut s)?;
        let expected: Vec<_> = before.into_iter().filter(|(t, _)| !gone.contains(t)).collect();
        assert_eq!(after, expected, "delete #{i} touched other rows");
    }
    s.commit()?;
    Ok(())
});

db_test!(fn hostile_bytes_read_back_identical(engine) {
    engine.create_all()?;
    let mut s = engine.session();
    let inputs = bytes();
    for (i, b) in inputs.iter().enumerate() {
        s.add(Item {
            data: Some(b.clone()),
            ..Item::new(format!("d{i}"))
        });
    }
    s.commit()?;
    for (i, b) in inputs.iter().enumerate() {
        let found: Vec<Option<Vec<u8>>> = s.all(select_columns(Item::data).filter(Item::tag.eq(format!("d{i}"))))?;
        assert_eq!(found, [Some(b.clone())], "#{i}");
        let same = s.count(select::<Item>().filter(Item::data.eq(b.clone())))?;
        let expect = inputs.iter().filter(|x| *x == b).count() as u64;
        assert_eq!(same, expect, "eq #{i}");
    }
    Ok(())
});
