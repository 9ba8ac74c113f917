//! Words that agree with their numbers.

/// `1 commit`, `2 commits`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
