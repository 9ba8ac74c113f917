//! Command and log output on its way to the pane and the log files: split into lines,
//! made inert, and cleared of secrets.

pub mod ansi;
mod gate;
pub mod lines;
pub mod redact;
pub mod rules;
pub mod terminal;

pub use redact::Redactor;

/// One line of a followed file ready for the pane (colours kept) from raw bytes; `in_key`
/// carries a private key block from line to line.
pub fn clean_line(bytes: &[u8], redactor: &Redactor, in_key: &mut bool) -> String {
    let mut s = String::with_capacity(bytes.len());
    ansi::sanitize(bytes, &mut s);
    match redactor.redact_line(&s, in_key) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(r) => r,
    }
}
