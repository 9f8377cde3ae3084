//! The naming convention for indexes and constraints (`ix_`, `uq_`, `fk_`, `ck_`), the one the seed
//! walkthrough shows (`ix_user_username`). Every name can be overridden on the model.

/// The longest name the convention makes: PostgreSQL's identifier limit (63 bytes; MySQL allows 64,
/// SQLite any), so that one migration history names things alike on every backend.
pub const MAX_NAME_LENGTH: usize = 63;

/// `ix_<table>_<col1>_<col2>`.
pub fn index_name(table: &str, columns: &[impl AsRef<str>]) -> String {
    fit(format!("ix_{table}_{}", join(columns)))
}

/// `uq_<table>_<col1>_<col2>`.
pub fn unique_name(table: &str, columns: &[impl AsRef<str>]) -> String {
    fit(format!("uq_{table}_{}", join(columns)))
}

/// `fk_<table>_<col1>_<referred table>`.
pub fn foreign_key_name(table: &str, columns: &[impl AsRef<str>], referred: &str) -> String {
    fit(format!("fk_{table}_{}_{referred}", join(columns)))
}

/// A name the convention made, shortened when it is longer than [`MAX_NAME_LENGTH`]: its first 54
/// bytes (at a character boundary), `_` and 8 hexadecimal digits of a hash of the whole name, so
/// that the database keeps it as it is (PostgreSQL would cut it silently, and autogenerate would
/// then see a different name for ever) and two long names that start alike still differ.
pub fn fit(name: String) -> String {
    if name.len() <= MAX_NAME_LENGTH {
        return name;
    }
    let mut keep = MAX_NAME_LENGTH - 9;
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{:08x}", &name[..keep], fnv1a(&name))
}

/// FNV-1a, 32 bits: a stable hash, the same in every build.
fn fnv1a(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The name of the CHECK of a column that holds one of `values`: `ck_<table>_<column>_<hash>`, the
/// hash (FNV-1a, 32 bits) of the values, so that a changed set of values is a new constraint that
/// autogenerate sees (databases spell a check's expression back in their own ways).
pub fn values_check_name(table: &str, column: &str, values: &[&str]) -> String {
    let hash = fnv1a(&values.join("\u{1f}"));
    fit(format!("ck_{table}_{column}_{hash:08x}"))
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
    fit(format!("ck_{table}_{label}"))
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

    #[test]
    fn long_names_are_shortened_alike_every_time() {
        let cols = ["student_identifier_number", "course_identifier_number"];
        let long = index_name("enrollment_history", &cols);
        assert_eq!(long.len(), MAX_NAME_LENGTH);
        assert!(
            long.starts_with("ix_enrollment_history_student_identifier_number_course_"),
            "{long}"
        );
        assert_eq!(long, index_name("enrollment_history", &cols));
        let other = index_name(
            "enrollment_history",
            &["student_identifier_number", "course_identifier_number2"],
        );
        assert_ne!(long, other);
        assert_eq!(other.len(), MAX_NAME_LENGTH);
        let accented = fit(format!("ix_{}", "é".repeat(40)));
        assert!(accented.len() <= MAX_NAME_LENGTH);
        assert_eq!(fit("ix_short".into()), "ix_short");
    }
}
