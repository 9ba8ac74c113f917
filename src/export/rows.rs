//! The rows of a document's tables, gathered in one pass over the record and bounded: a long
//! incident's review lists the first and the last rows of each table and counts the rest (every
//! event stays in `timeline.csv` and `incident.json`), and a run of identical events is one row.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::format;
use crate::incident::{Incident, ItemStatus, Mark};
use crate::journal::{Event, kinds};

/// Rows kept at each end of the review's timeline.
pub const TIMELINE_KEEP: usize = 150;
/// Rows kept at each end of the other tables and lists.
pub const LIST_KEEP: usize = 60;

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub date: String,
    pub time: String,
    pub kind: String,
    pub text: String,
    pub milestone: bool,
    /// Time since detection, e.g. `+1h24m`.
    pub offset: String,
    /// Who wrote it, on a shared incident.
    pub by: String,
}

pub fn between(a: DateTime<Utc>, b: DateTime<Utc>) -> String {
    format::duration((b - a).to_std().unwrap_or_default())
}

pub fn row(inc: &Incident, ev: &Event) -> Row {
    let offset = if ev.at >= inc.detected_at {
        format!("+{}", between(inc.detected_at, ev.at))
    } else {
        format!("−{}", between(ev.at, inc.detected_at))
    };
    Row {
        date: format::utc_day(ev.at),
        time: format::utc_minute(ev.at),
        kind: ev.kind.to_string(),
        text: if ev.text.is_empty() {
            ev.kind.to_string()
        } else {
            ev.text.clone()
        },
        milestone: Incident::is_milestone(ev),
        offset,
        by: ev.str_field("by").unwrap_or_default().to_string(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub what: String,
    pub name: String,
    pub time: String,
    pub ok: bool,
    /// passed, failed or cancelled.
    pub outcome: String,
    /// ✅, ❌ or ⏹.
    pub icon: String,
    pub result: String,
    pub duration: String,
}

/// The run-table row that stands for the runs a long table leaves out.
pub fn gap_run(summary: String) -> Run {
    Run {
        what: "…".into(),
        name: format!("{summary} more runs are not listed here; timeline.csv holds every one"),
        time: String::new(),
        ok: true,
        outcome: "omitted".into(),
        icon: "…".into(),
        result: String::new(),
        duration: String::new(),
    }
}

/// The PR in one line: `#7 (URL), approved by alice; checks passed; merged into main as abc1234`.
pub fn pull_request(inc: &Incident, pr: &crate::incident::PullRequest) -> String {
    let mut parts = vec![format!("#{} ({})", pr.number, pr.url)];
    let approved = pr.approved_by();
    let waived = inc
        .checklist
        .item("pr-approved")
        .and_then(|it| match inc.status(it) {
            ItemStatus::Waived(Mark::Waived { reason, .. }) => Some(reason.clone()),
            _ => None,
        });
    parts.push(match (approved.is_empty(), waived) {
        (false, _) => format!("approved by {}", approved.join(", ")),
        (true, Some(reason)) => format!(
            "no approval: the review was waived at {} ({reason})",
            inc.priority
        ),
        (true, None) => "no approval on the record".into(),
    });
    parts.push(match pr.checks.as_str() {
        "success" => "all checks passed".into(),
        "failure" => "a check failed".into(),
        _ => "checks not reported".into(),
    });
    if pr.merged {
        let commit = pr.merge_commit.as_deref().unwrap_or_default();
        parts.push(format!("merged as {}", &commit[..commit.len().min(7)]));
    } else if pr.closed {
        parts.push("closed without merging".into());
    } else {
        parts.push("not merged".into());
    }
    parts.join("; ")
}

/// The first and last `keep` items of a list of any length; the middle is counted by kind.
#[derive(Debug)]
pub struct Capped<T> {
    keep: usize,
    head: Vec<T>,
    tail: VecDeque<T>,
    left_out: BTreeMap<String, usize>,
}

impl<T> Capped<T> {
    pub fn new(keep: usize) -> Capped<T> {
        Capped {
            keep,
            head: Vec::new(),
            tail: VecDeque::new(),
            left_out: BTreeMap::new(),
        }
    }

    /// Adds an item; `kind` names it in the count of what is left out.
    pub fn push(&mut self, item: T, kind: &str) -> Option<T> {
        if self.head.len() < self.keep {
            self.head.push(item);
            return None;
        }
        self.tail.push_back(item);
        if self.tail.len() > self.keep {
            *self.left_out.entry(kind.to_string()).or_default() += 1;
            return self.tail.pop_front();
        }
        None
    }

    pub fn last_mut(&mut self) -> Option<&mut T> {
        match self.tail.back_mut() {
            Some(t) => Some(t),
            None => self.head.last_mut(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.head.is_empty()
    }

    /// How many were left out, and of which kinds: `12,000 (note ×11,000, x_ci ×1,000)`.
    fn summary(&self) -> Option<String> {
        let n: usize = self.left_out.values().sum();
        (n > 0).then(|| {
            let kinds: Vec<String> = self
                .left_out
                .iter()
                .map(|(k, c)| format!("{k} ×{}", thousands(*c)))
                .collect();
            format!("{} ({})", thousands(n), kinds.join(", "))
        })
    }

    /// The kept items, with `gap(summary)` between the head and the tail where some were left out.
    pub fn finish(self, gap: impl FnOnce(String) -> T) -> Vec<T> {
        let summary = self.summary();
        let mut out = self.head;
        out.extend(summary.map(gap));
        out.extend(self.tail);
        out
    }
}

/// `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The review's timeline: it opens with the detection (+0m), leaves out record-keeping events,
/// and writes a run of identical events as one row with its count.
pub struct Timeline {
    rows: Capped<Row>,
    detected: Option<Row>,
    /// The last row's (kind, text) as recorded, how often it came, and when it last did.
    run: Option<(String, String, usize, String)>,
}

impl Timeline {
    pub fn new(inc: &Incident) -> Timeline {
        let detected = (!inc.milestones.contains_key("detected")).then(|| Row {
            date: format::utc_day(inc.detected_at),
            time: format::utc_minute(inc.detected_at),
            kind: "detected".into(),
            text: "Issue first detected".into(),
            milestone: true,
            offset: "+0m".into(),
            by: String::new(),
        });
        Timeline {
            rows: Capped::new(TIMELINE_KEEP),
            detected,
            run: None,
        }
    }

    pub fn push(&mut self, inc: &Incident, ev: &Event) {
        if kinds::BOOKKEEPING.contains(&ev.kind.as_str()) {
            return;
        }
        if ev.at >= inc.detected_at
            && let Some(d) = self.detected.take()
        {
            self.close_run();
            self.rows.push(d, "detected");
        }
        if let Some((kind, text, n, last)) = &mut self.run
            && kind == ev.kind.as_str()
            && *text == ev.text
        {
            *n += 1;
            *last = format::utc_minute(ev.at);
            return;
        }
        self.close_run();
        self.run = Some((ev.kind.to_string(), ev.text.clone(), 1, String::new()));
        self.rows.push(row(inc, ev), ev.kind.as_str());
    }

    /// Writes the count of the run that just ended into its row.
    fn close_run(&mut self) {
        if let Some((_, _, n, last)) = self.run.take()
            && n > 1
            && let Some(r) = self.rows.last_mut()
        {
            r.text = format!("{} (×{}, the last at {last})", r.text, thousands(n));
        }
    }

    pub fn finish(mut self) -> Vec<Row> {
        self.close_run();
        if let Some(d) = self.detected.take() {
            self.rows.push(d, "detected");
        }
        self.rows.finish(gap_row)
    }
}

/// The row that stands for what a long table leaves out.
pub fn gap_row(summary: String) -> Row {
    Row {
        date: String::new(),
        time: "…".into(),
        kind: "omitted".into(),
        text: format!(
            "{summary} more rows are not listed here; timeline.csv and incident.json hold every event"
        ),
        milestone: false,
        offset: String::new(),
        by: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_keeps_both_ends_and_counts_the_middle() {
        let mut c = Capped::new(2);
        for i in 0..10 {
            c.push(i, if i % 2 == 0 { "even" } else { "odd" });
        }
        assert_eq!(c.finish(|_| -1), [0, 1, -1, 8, 9]);
        let mut c = Capped::new(2);
        for i in 0..4 {
            c.push(i, "n");
        }
        assert_eq!(c.finish(|_| -1), [0, 1, 2, 3], "nothing left out, no gap");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
