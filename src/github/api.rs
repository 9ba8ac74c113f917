//! The parts of GitHub's REST answers warroom reads (pulls, reviews, check runs, the combined
//! status, labels, errors), as GitHub's API description defines them. Unknown fields are
//! ignored; a field GitHub may leave out is optional.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    pub login: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Branch {
    #[serde(rename = "ref")]
    pub name: String,
    pub sha: String,
}

/// `GET /repos/{owner}/{repo}/pulls/{number}`, an item of `GET …/pulls`, and `POST …/pulls`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub html_url: String,
    /// `open` or `closed`.
    pub state: String,
    pub title: String,
    pub head: Branch,
    pub base: Branch,
    /// Only in a single pull's answer; the list has `merged_at` alone.
    #[serde(default)]
    pub merged: Option<bool>,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub merged_by: Option<User>,
    #[serde(default)]
    pub draft: Option<bool>,
}

impl PullRequest {
    pub fn is_merged(&self) -> bool {
        self.merged.unwrap_or(false) || self.merged_at.is_some()
    }
}

/// `POST /repos/{owner}/{repo}/pulls`.
#[derive(Debug, Clone, Serialize)]
pub struct NewPullRequest<'a> {
    pub title: &'a str,
    pub head: &'a str,
    pub base: &'a str,
    pub body: &'a str,
    pub draft: bool,
}

/// An item of `GET /repos/{owner}/{repo}/pulls/{number}/reviews`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Review {
    pub id: u64,
    /// Absent for a deleted account.
    #[serde(default)]
    pub user: Option<User>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    pub state: String,
    #[serde(default)]
    pub submitted_at: Option<String>,
}

/// `GET /repos/{owner}/{repo}/commits/{ref}/check-runs`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckRuns {
    pub total_count: u64,
    pub check_runs: Vec<CheckRun>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckRun {
    pub name: String,
    /// `queued`, `in_progress`, `completed` (and `waiting`, `requested`, `pending`).
    pub status: String,
    /// Set once completed: `success`, `failure`, `neutral`, `cancelled`, `skipped`,
    /// `timed_out`, `action_required`, `stale`, `startup_failure`.
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub details_url: Option<String>,
    /// RFC 3339; the newest run of a name is the one that counts.
    #[serde(default)]
    pub started_at: Option<String>,
}

/// `GET /repos/{owner}/{repo}/commits/{ref}/status`: the statuses set by older integrations.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CombinedStatus {
    /// `success`, `failure` or `pending` (also when there is no status at all).
    pub state: String,
    #[serde(default)]
    pub statuses: Vec<Status>,
    #[serde(default)]
    pub total_count: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Status {
    pub context: String,
    /// `success`, `failure`, `error` or `pending`.
    pub state: String,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Label {
    pub name: String,
}

/// The body of an error answer: `{"message": …, "errors": […], "documentation_url": …}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub errors: Vec<FieldError>,
}

/// One of a 422's `errors`: a code (`missing_field`, `invalid`, `already_exists`, `custom`)
/// and, for `custom`, a message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct FieldError {
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl ErrorBody {
    /// GitHub's words: the message, then each field error's message or code.
    pub fn describe(&self) -> String {
        let details: Vec<String> = self
            .errors
            .iter()
            .map(|e| match (&e.message, &e.field, &e.code) {
                (Some(m), _, _) => m.clone(),
                (None, Some(f), Some(c)) => format!("{f}: {c}"),
                (None, None, Some(c)) => c.clone(),
                _ => String::new(),
            })
            .filter(|d| !d.is_empty())
            .collect();
        match (self.message.is_empty(), details.is_empty()) {
            (_, true) => self.message.clone(),
            (true, false) => details.join("; "),
            (false, false) => format!("{}: {}", self.message, details.join("; ")),
        }
    }
}
