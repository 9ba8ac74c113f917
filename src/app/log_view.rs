//! The deploy log pane's state: a bounded scrollback, follow mode and search.

use std::collections::VecDeque;

use crate::output::ansi::strip_sgr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The start of a run: command and time.
    Header,
    Output,
    /// A line of the followed log file.
    File,
    /// Something the console says about a run.
    Note,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub text: String,
    pub kind: LineKind,
    /// A run's start, drawn after the text in the screen's one clock (UTC or local).
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    pub lines: VecDeque<LogLine>,
    pub cap: usize,
    /// Lines that left the scrollback (or never reached it in a flood); all are in the log files.
    pub dropped: u64,
    /// The rows the running command can still redraw (a progress display, a prompt).
    pub live: Vec<String>,
    /// How far up from the newest line the view is; 0 with `follow` shows the newest.
    pub from_bottom: usize,
    pub follow: bool,
    pub search: Option<String>,
    /// The matched line, as a position counted from the start of the stream.
    pub hit: Option<u64>,
}

impl LogView {
    pub fn new(cap: usize) -> LogView {
        LogView {
            lines: VecDeque::with_capacity(cap.min(4096)),
            cap: cap.max(1),
            dropped: 0,
            live: Vec::new(),
            from_bottom: 0,
            follow: true,
            search: None,
            hit: None,
        }
    }

    /// Position in the stream of `lines[0]`.
    pub fn base(&self) -> u64 {
        self.dropped
    }

    pub fn push(&mut self, text: String, kind: LineKind) {
        self.push_line(LogLine {
            text,
            kind,
            at: None,
        });
    }

    /// A run's header: its text, and its start shown in the screen's clock.
    pub fn push_header(&mut self, text: String, at: chrono::DateTime<chrono::Utc>) {
        self.push_line(LogLine {
            text,
            kind: LineKind::Header,
            at: Some(at),
        });
    }

    fn push_line(&mut self, line: LogLine) {
        if self.lines.len() == self.cap {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
        if !self.follow {
            self.from_bottom = (self.from_bottom + 1).min(self.lines.len().saturating_sub(1));
        }
    }

    /// Lines that were never delivered because the screen was behind a flood.
    pub fn skip(&mut self, n: u64) {
        self.dropped += n;
    }

    pub fn scroll_up(&mut self, n: usize) {
        self.follow = false;
        self.from_bottom = (self.from_bottom + n).min(self.lines.len().saturating_sub(1));
    }

    pub fn scroll_down(&mut self, n: usize) {
        self.from_bottom = self.from_bottom.saturating_sub(n);
        if self.from_bottom == 0 {
            self.follow = true;
        }
    }

    pub fn top(&mut self) {
        self.scroll_up(self.lines.len());
    }

    pub fn bottom(&mut self) {
        self.from_bottom = 0;
        self.follow = true;
    }

    pub fn toggle_follow(&mut self) -> bool {
        if self.follow {
            self.follow = false;
        } else {
            self.bottom();
        }
        self.follow
    }

    /// Finds the next older line containing `term` (case-insensitive), from the view's
    /// position or above the last hit, wrapping around; shows it and returns whether found.
    pub fn find(&mut self, term: &str) -> bool {
        let needle = term.to_lowercase();
        let len = self.lines.len();
        if len == 0 || needle.is_empty() {
            return false;
        }
        let start = match (self.hit, &self.search) {
            (Some(h), Some(prev)) if *prev == term && h >= self.base() => {
                (h - self.base()) as usize
            }
            _ => len - self.from_bottom.min(len - 1),
        };
        let order = (0..start).rev().chain((start..len).rev());
        for i in order {
            if strip_sgr(&self.lines[i].text)
                .to_lowercase()
                .contains(&needle)
            {
                self.search = Some(term.to_string());
                self.hit = Some(self.base() + i as u64);
                self.follow = false;
                self.from_bottom = len - 1 - i;
                return true;
            }
        }
        self.search = Some(term.to_string());
        self.hit = None;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: usize, cap: usize) -> LogView {
        let mut v = LogView::new(cap);
        for i in 0..n {
            v.push(format!("line {i}"), LineKind::Output);
        }
        v
    }

    #[test]
    fn keeps_a_bounded_scrollback_and_counts_the_rest() {
        let mut v = view(25, 10);
        assert_eq!(v.lines.len(), 10);
        assert_eq!(v.dropped, 15);
        v.skip(100);
        assert_eq!(v.dropped, 115);
        assert_eq!(v.lines.front().map(|l| l.text.as_str()), Some("line 15"));
    }

    #[test]
    fn a_scrolled_view_stays_put_while_lines_arrive() {
        let mut v = view(50, 100);
        v.scroll_up(5);
        assert!(!v.follow);
        v.push("new".into(), LineKind::Output);
        assert_eq!(v.from_bottom, 6);
        v.scroll_down(10);
        assert!(v.follow && v.from_bottom == 0);
        assert!(!v.toggle_follow());
        v.push("newer".into(), LineKind::Output);
        assert_eq!(v.from_bottom, 1);
        assert!(v.toggle_follow());
        assert_eq!(v.from_bottom, 0);
    }

    #[test]
    fn search_walks_back_through_matches_and_wraps() {
        let mut v = view(30, 100);
        v.push("\x1b[31mERROR\x1b[0m disk full".into(), LineKind::Output);
        for i in 30..40 {
            v.push(format!("line {i}"), LineKind::Output);
        }
        assert!(v.find("error"));
        assert_eq!(v.hit, Some(30));
        assert_eq!(v.from_bottom, 10);
        // "line 3" is at index 3 and, after the error line, at 31..=40 ("line 30".."line 39").
        assert!(v.find("line 3"));
        assert_eq!(v.hit, Some(3), "the nearest older match above the view");
        assert!(v.find("line 3"));
        assert_eq!(v.hit, Some(40), "wraps to the newest");
        assert!(v.find("line 3"));
        assert_eq!(v.hit, Some(39), "then the next older");
        assert!(!v.find("nowhere"));
        assert_eq!(v.hit, None);
    }
}
