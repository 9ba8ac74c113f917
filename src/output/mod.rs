//! Command and log output on its way to the pane and the log files: split into lines,
//! made inert, and cleared of secrets.

pub mod ansi;
pub mod lines;
pub mod redact;
pub mod terminal;

pub use redact::Redactor;

/// One line ready for the pane (colours kept) from raw bytes.
pub fn clean_line(bytes: &[u8], redactor: &Redactor) -> String {
    let mut s = String::with_capacity(bytes.len());
    ansi::sanitize(bytes, &mut s);
    match redactor.redact(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(r) => r,
    }
}
