//! Following the pull request while the incident is open: the pull, its reviews, and the
//! checks and statuses on its head commit, each a conditional request; a snapshot is sent only
//! when something changed.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc;

use super::api::{CheckRuns, CombinedStatus, PullRequest, Review};
use super::client::{Client, Fetched, GithubError};
use super::pr::Opened;

/// What the follower and the opening report.
#[derive(Debug, Clone, PartialEq)]
pub enum GithubMsg {
    /// The pull request as GitHub has it now (sent when it changed).
    State(PrState),
    /// A poll failed; polling goes on.
    Error(String),
    /// The pull request was opened (or found), or why not.
    Opened(Result<Opened, String>),
}

/// The checks on the head commit, taken together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checks {
    /// Nothing has reported on the head commit yet.
    None,
    Pending,
    Success,
    /// The first check that failed, and its page.
    Failure {
        name: String,
        url: Option<String>,
    },
}

impl Checks {
    pub fn as_str(&self) -> &'static str {
        match self {
            Checks::None => "none",
            Checks::Pending => "pending",
            Checks::Success => "success",
            Checks::Failure { .. } => "failure",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrState {
    pub number: u64,
    pub url: String,
    /// `open` or `closed`.
    pub state: String,
    pub merged: bool,
    pub merge_commit: Option<String>,
    pub base: String,
    pub head_sha: String,
    /// Each reviewer's latest verdict: `APPROVED`, `CHANGES_REQUESTED` or `DISMISSED`.
    pub reviews: BTreeMap<String, String>,
    pub checks: Checks,
}

/// Check-run conclusions that fail the head commit.
const FAILING: &[&str] = &[
    "failure",
    "timed_out",
    "cancelled",
    "action_required",
    "startup_failure",
];

/// The checks of the head commit from its check runs and its commit statuses.
pub fn combine(runs: &CheckRuns, status: &CombinedStatus) -> Checks {
    let failed_run = runs.check_runs.iter().find(|r| {
        r.conclusion
            .as_deref()
            .is_some_and(|c| FAILING.contains(&c))
    });
    if let Some(r) = failed_run {
        return Checks::Failure {
            name: r.name.clone(),
            url: r.html_url.clone().or_else(|| r.details_url.clone()),
        };
    }
    if let Some(s) = status
        .statuses
        .iter()
        .find(|s| matches!(s.state.as_str(), "failure" | "error"))
    {
        return Checks::Failure {
            name: s.context.clone(),
            url: s.target_url.clone(),
        };
    }
    if runs.check_runs.is_empty() && status.statuses.is_empty() {
        return Checks::None;
    }
    let runs_done = runs.check_runs.iter().all(|r| r.status == "completed");
    let statuses_done = status.statuses.iter().all(|s| s.state == "success");
    if runs_done && statuses_done {
        Checks::Success
    } else {
        Checks::Pending
    }
}

/// Each reviewer's latest verdict (comments alone are not one).
pub fn verdicts(reviews: &[Review]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for r in reviews {
        if let (Some(u), "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED") =
            (&r.user, r.state.as_str())
        {
            out.insert(u.login.clone(), r.state.clone());
        }
    }
    out
}

/// The last answer of each request, reused when GitHub says nothing changed (304).
#[derive(Default)]
struct Seen {
    pull: Option<PullRequest>,
    reviews: Option<Vec<Review>>,
    runs: Option<(String, CheckRuns)>,
    status: Option<(String, CombinedStatus)>,
}

fn keep<T>(slot: &mut Option<T>, fetched: Fetched<T>) -> bool {
    match fetched {
        Fetched::Changed(v) => {
            *slot = Some(v);
            true
        }
        Fetched::Unchanged => false,
    }
}

/// One round of the four conditional requests; the state when any answer changed.
async fn poll(
    client: &Client,
    number: u64,
    seen: &mut Seen,
) -> Result<Option<PrState>, GithubError> {
    let mut changed = keep(
        &mut seen.pull,
        client.poll(&format!("pulls/{number}")).await?,
    );
    changed |= keep(
        &mut seen.reviews,
        client
            .poll(&format!("pulls/{number}/reviews?per_page=100"))
            .await?,
    );
    let Some(pull) = seen.pull.clone() else {
        return Ok(None);
    };
    let sha = pull.head.sha.clone();
    let runs_path = format!("commits/{sha}/check-runs?per_page=100");
    let status_path = format!("commits/{sha}/status?per_page=100");
    if let Fetched::Changed(r) = client.poll::<CheckRuns>(&runs_path).await? {
        seen.runs = Some((sha.clone(), r));
        changed = true;
    }
    if let Fetched::Changed(s) = client.poll::<CombinedStatus>(&status_path).await? {
        seen.status = Some((sha.clone(), s));
        changed = true;
    }
    if !changed {
        return Ok(None);
    }
    let empty_runs = CheckRuns {
        total_count: 0,
        check_runs: Vec::new(),
    };
    let empty_status = CombinedStatus {
        state: "pending".into(),
        statuses: Vec::new(),
        total_count: 0,
    };
    let runs = seen
        .runs
        .as_ref()
        .filter(|(s, _)| *s == sha)
        .map_or(&empty_runs, |(_, r)| r);
    let status = seen
        .status
        .as_ref()
        .filter(|(s, _)| *s == sha)
        .map_or(&empty_status, |(_, s)| s);
    Ok(Some(PrState {
        number,
        url: pull.html_url.clone(),
        state: pull.state.clone(),
        merged: pull.is_merged(),
        merge_commit: pull.merge_commit_sha.clone().filter(|_| pull.is_merged()),
        base: pull.base.name.clone(),
        head_sha: sha,
        reviews: verdicts(seen.reviews.as_deref().unwrap_or_default()),
        checks: combine(runs, status),
    }))
}

/// Follows pull request `number` until it is merged or closed (or the receiver is gone).
pub async fn run(client: Client, number: u64, every: Duration, tx: mpsc::Sender<GithubMsg>) {
    let mut seen = Seen::default();
    let mut last: Option<PrState> = None;
    loop {
        let mut wait = every;
        match poll(&client, number, &mut seen).await {
            Ok(Some(state)) if last.as_ref() != Some(&state) => {
                let done = state.state == "closed";
                last = Some(state.clone());
                if tx.send(GithubMsg::State(state)).await.is_err() || done {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                wait = e.wait().map_or(every, |w| w.max(every));
                let said = format!("{e} (polling goes on)");
                if tx.send(GithubMsg::Error(said)).await.is_err() {
                    return;
                }
            }
        }
        tokio::time::sleep(wait).await;
    }
}
