//! Whether the post-incident review is written: read from `exports/pir.md` itself, so that
//! edits by hand count. Generating the file does not make it written; its ⚠ prompts do not
//! go away until a person fills them in.

use std::path::Path;

/// The mark the templates put before everything a person still has to write.
pub const PROMPT: char = '⚠';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Missing,
    /// Written from the template; this many prompts are still in it.
    Draft(usize),
    Complete,
}

impl Review {
    /// The review in the incident's `exports/` folder.
    pub fn read(exports: &Path) -> Review {
        match std::fs::read_to_string(exports.join("pir.md")) {
            Err(_) => Review::Missing,
            Ok(text) => match text.matches(PROMPT).count() {
                0 => Review::Complete,
                n => Review::Draft(n),
            },
        }
    }

    pub fn describe(self) -> String {
        match self {
            Review::Missing => "missing".into(),
            Review::Draft(n) => format!("draft ({n} to fill)"),
            Review::Complete => "complete".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_says_how_far_the_review_is() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(Review::read(dir.path()), Review::Missing);
        std::fs::write(dir.path().join("pir.md"), "# x\n_⚠ a_\n_⚠ b_\n").expect("w");
        assert_eq!(Review::read(dir.path()), Review::Draft(2));
        assert_eq!(Review::read(dir.path()).describe(), "draft (2 to fill)");
        std::fs::write(dir.path().join("pir.md"), "# x\nall written\n").expect("w");
        assert_eq!(Review::read(dir.path()), Review::Complete);
    }
}
