//! The naming convention for indexes and constraints (`ix_`, `uq_`, `fk_`, `ck_`), the one the seed
//! walkthrough shows (`ix_user_username`). Every name can be overridden on the model.

/// `ix_<table>_<col1>_<col2>`.
pub fn index_name(table: &str, columns: &[impl AsRef<str>]) -> String {
    format!("ix_{table}_{}", join(columns))
}

/// `uq_<table>_<col1>_<col2>`.
pub fn unique_name(table: &str, columns: &[impl AsRef<str>]) -> String {
    format!("uq_{table}_{}", join(columns))
}

/// `fk_<table>_<col1>_<referred table>`.
pub fn foreign_key_name(table: &str, columns: &[impl AsRef<str>], referred: &str) -> String {
    format!("fk_{table}_{}_{referred}", join(columns))
}

/// The name of the CHECK of a column that holds one of `values`: `ck_<table>_<column>_<hash>`, the
/// hash (FNV-1a, 32 bits) of the values, so that a changed set of values is a new constraint that
/// autogenerate sees (databases spell a check's expression back in their own ways).
pub fn values_check_name(table: &str, column: &str, values: &[&str]) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in values.join("\u{1f}").bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("ck_{table}_{column}_{hash:08x}")
}

/// The CHECK of a column that holds one of `values` (an enum's): `"mood" IN ('happy', 'sad')`.
pub fn values_check(column: &str, values: &[&str]) -> String {
    let list: Vec<String> = values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect();
    format!(
        "\"{}\" IN ({})",
        column.replace('"', "\"\""),
        list.join(", ")
    )
}

/// `ck_<table>_<label>`.
pub fn check_name(table: &str, label: &str) -> String {
    format!("ck_{table}_{label}")
}

fn join(columns: &[impl AsRef<str>]) -> String {
    columns
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_convention() {
        assert_eq!(index_name("user", &["username"]), "ix_user_username");
        assert_eq!(
            unique_name("student", &["firstname", "lastname"]),
            "uq_student_firstname_lastname"
        );
        assert_eq!(
            foreign_key_name("post", &["user_id"], "user"),
            "fk_post_user_id_user"
        );
        assert_eq!(check_name("student", "age"), "ck_student_age");
    }
}
