//! Reflection: tables made by `create_tables` read back equal to their definitions, on both backends.

mod migrate_common;

use migrate_common::{everything, metadata, post, products, user};
use orm_core::schema::ColumnType;
use orm_migrate::autogenerate::{compare, detected};
use orm_migrate::reflect::reflect;
use orm_migrate::SchemaState;
use tests::db_test;

db_test!(fn create_all_then_reflect_shows_no_changes(engine) {
    let models = metadata([user(), post(), products(true), everything()]);
    engine.create_tables(&models)?;
    let live = reflect(&mut engine.connection()?)?;
    let names: Vec<&str> = live.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["everything", "post", "products", "user"]);
    let diff = compare(&models, &SchemaState::from_tables(live.clone()));
    assert!(diff.is_empty(), "false changes: {:?}\n{live:#?}", detected(&diff.upgrade));
    Ok(())
});

db_test!(fn reflection_reads_types_keys_and_constraints(engine) {
    engine.create_tables(&metadata([user(), everything()]))?;
    let live = reflect(&mut engine.connection()?)?;
    let t = live.iter().find(|t| t.name == "everything").ok_or("no table")?;
    let e = everything();
    assert_eq!(t.primary_key, ["id"]);
    assert!(t.columns[0].autoincrement);
    for (got, want) in t.columns.iter().zip(&e.columns).skip(1) {
        // MySQL spells both kinds of timestamp DATETIME(6), and reads it back as that spelling.
        let spelled = |t: &ColumnType| engine.dialect().column_type(t).to_ascii_uppercase();
        let same_ty = got.ty == want.ty
            || matches!(&got.ty, ColumnType::Custom(c) if *c == spelled(&want.ty));
        assert!(same_ty, "{}: {:?} for {:?}", got.name, got.ty, want.ty);
        assert_eq!((&got.name, got.nullable), (&want.name, want.nullable));
        assert_eq!(got.server_default, want.server_default, "{}", got.name);
    }
    assert_eq!(t.uniques, e.uniques);
    assert_eq!(t.foreign_keys, e.foreign_keys);
    assert_eq!(t.indexes, e.indexes);
    assert_eq!(t.checks.len(), 1);
    assert_eq!(t.checks[0].name, "ck_everything_count");
    Ok(())
});

/// Tables written by hand or by another tool: an unnamed CHECK and a REFERENCES without columns
/// survive reflection, so that a SQLite rebuild keeps them.
#[test]
fn sqlite_reflection_keeps_unnamed_checks_and_implicit_references() -> tests::TestResult {
    let engine = tests::sqlite();
    engine.connection()?.batch_execute(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE child (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty > 0),
             parent_id INTEGER REFERENCES parent, CHECK (qty < 1000))",
    )?;
    let live = reflect(&mut engine.connection()?)?;
    let child = live
        .iter()
        .find(|t| t.name == "child")
        .expect("child reflected");
    let exprs: Vec<&str> = child.checks.iter().map(|c| c.expr.as_str()).collect();
    assert_eq!(exprs, ["qty > 0", "qty < 1000"]);
    assert_eq!(child.foreign_keys.len(), 1);
    assert_eq!(child.foreign_keys[0].ref_columns, ["id"]);
    Ok(())
}
