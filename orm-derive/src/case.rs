//! The default table name: the struct name in snake_case.

/// `User` → `user`, `AddressAndPhone` → `address_and_phone`, `HTTPResponseCode` →
/// `http_response_code`, `Post2Tag` → `post2_tag`.
///
/// A word starts at an upper-case letter that follows a lower-case letter or a digit, and at the last
/// capital of an acronym when a lower-case letter follows it (`HTTPResponse` → `http` + `response`).
pub fn snake_case(name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let starts_word = prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower);
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn struct_names_become_table_names() {
        for (name, table) in [
            ("User", "user"),
            ("Post", "post"),
            ("AddressAndPhone", "address_and_phone"),
            ("HTTPResponseCode", "http_response_code"),
            ("Post2Tag", "post2_tag"),
            ("UserV2", "user_v2"),
            ("ABC", "abc"),
            ("already_snake", "already_snake"),
            ("Snake_Case", "snake_case"),
            ("IOError", "io_error"),
            ("r#Type", "type"),
        ] {
            assert_eq!(snake_case(name), table, "{name}");
        }
    }
}
