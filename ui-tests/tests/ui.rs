//! Compile-fail cases for `#[derive(Model)]`: every mistake is an error at the offending tokens with a
//! hint. Regenerate the expected output with `TRYBUILD=overwrite cargo test -p ui-tests --test ui`, then
//! read every `.stderr`.

#[test]
fn model() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/model/*.rs");
    t.pass("ui/pass/*.rs");
}
