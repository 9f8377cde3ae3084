//! Compile-fail cases of the query builder: a comparison with a value of the wrong type does not
//! compile. Regenerate the expected output with `TRYBUILD=overwrite cargo test -p ui-tests --test
//! ui_query`, then read every `.stderr`.

#[test]
fn query() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/query/*.rs");
    t.pass("ui/query_pass/*.rs");
}
