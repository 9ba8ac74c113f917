//! Following the pull request while the incident is open: the pull, its reviews, and the
//! checks and statuses on its head commit, each a conditional request; a snapshot is sent only
//! when something changed.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc;

use super::api::{CheckRun, CheckRuns, CombinedStatus, PullRequest, Review, Status};
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
    /// Some still running, or not every page read.
    Pending,
    /// Every check of the head commit passed or was skipped.
    Success { passed: usize, skipped: usize },
    /// The first check that failed, and its page.
    Failure { name: String, url: Option<String> },
}

impl Checks {
    pub fn as_str(&self) -> &'static str {
        match self {
            Checks::None => "none",
            Checks::Pending => "pending",
            Checks::Success { .. } => "success",
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

/// How `gh pr checks` buckets a check run or a status, with one difference: a run that could
/// not start (`startup_failure`) fails, as GitHub's page shows it, where `gh` would wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Pass,
    /// `neutral` and `skipped`: they do not hold the merge back.
    Skipping,
    Fail,
    /// Queued, in progress, waiting, requested, pending, expected, and `stale` (GitHub marks a
    /// run stale after two weeks incomplete: nothing says it passed).
    Pending,
}

pub fn run_bucket(r: &CheckRun) -> Bucket {
    if r.status != "completed" {
        return Bucket::Pending;
    }
    match r.conclusion.as_deref() {
        Some("success") => Bucket::Pass,
        Some("neutral" | "skipped") => Bucket::Skipping,
        Some("failure" | "timed_out" | "cancelled" | "action_required" | "startup_failure") => {
            Bucket::Fail
        }
        _ => Bucket::Pending,
    }
}

pub fn status_bucket(s: &Status) -> Bucket {
    match s.state.as_str() {
        "success" => Bucket::Pass,
        "failure" | "error" => Bucket::Fail,
        _ => Bucket::Pending,
    }
}

/// The newest run of each name (a re-run replaces the run before it), as `gh` keeps them.
fn latest_runs(runs: &[CheckRun]) -> Vec<&CheckRun> {
    let mut sorted: Vec<&CheckRun> = runs.iter().collect();
    sorted.sort_by(|a, b| b.started_at.cmp(&a.started_at));
    let mut names = std::collections::HashSet::new();
    sorted.retain(|r| names.insert(r.name.as_str()));
    sorted
}

/// The checks of the head commit from every page of its check runs and of its statuses.
/// `runs_total` and `statuses_total` are GitHub's counts: a list read short of them is never
/// taken for all of it.
pub fn combine(
    runs: &[CheckRun],
    runs_total: u64,
    statuses: &[Status],
    statuses_total: u64,
) -> Checks {
    let read_all = runs.len() as u64 >= runs_total && statuses.len() as u64 >= statuses_total;
    let runs = latest_runs(runs);
    if let Some(r) = runs.iter().find(|r| run_bucket(r) == Bucket::Fail) {
        return Checks::Failure {
            name: r.name.clone(),
            url: r.html_url.clone().or_else(|| r.details_url.clone()),
        };
    }
    if let Some(s) = statuses.iter().find(|s| status_bucket(s) == Bucket::Fail) {
        return Checks::Failure {
            name: s.context.clone(),
            url: s.target_url.clone(),
        };
    }
    if runs.is_empty() && statuses.is_empty() && runs_total == 0 && statuses_total == 0 {
        return Checks::None;
    }
    let pending = runs.iter().any(|r| run_bucket(r) == Bucket::Pending)
        || statuses.iter().any(|s| status_bucket(s) == Bucket::Pending);
    if pending || !read_all {
        Checks::Pending
    } else {
        Checks::Success {
            passed: runs
                .iter()
                .filter(|r| run_bucket(r) == Bucket::Pass)
                .count()
                + statuses.len(),
            skipped: runs
                .iter()
                .filter(|r| run_bucket(r) == Bucket::Skipping)
                .count(),
        }
    }
}

/// Each reviewer's latest verdict, in the order GitHub lists the reviews (oldest first): a
/// comment alone is not one, and does not replace an approval.
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

/// Every page of a list as last read: (URL, answer, next page's URL).
type Pages<T> = Vec<(String, T, Option<String>)>;

/// A list is read to its last page (at most this many).
const MAX_PAGES: usize = 50;

/// Reads every page of a list from `first`, each conditionally: whether any page changed.
async fn read_pages<T: serde::de::DeserializeOwned>(
    client: &Client,
    pages: &mut Pages<T>,
    first: String,
) -> Result<bool, GithubError> {
    let mut url = Some(first);
    let mut i = 0;
    let mut changed = false;
    let mut forgot = None;
    while let Some(u) = url.take() {
        if i == MAX_PAGES {
            break;
        }
        let (fetched, next) = client.poll_page::<T>(&u).await?;
        match fetched {
            Fetched::Changed(v) => {
                changed = true;
                pages.truncate(i);
                pages.push((u, v, next.clone()));
                url = next;
            }
            Fetched::Unchanged => match pages.get(i) {
                Some((known, _, next)) if *known == u => url = next.clone(),
                // Its answer was let go (the head came back to a commit seen before): ask for
                // it whole.
                _ if forgot != Some(i) => {
                    client.forget(&u);
                    forgot = Some(i);
                    url = Some(u);
                    continue;
                }
                _ => {
                    return Err(GithubError::BadBody(format!(
                        "GitHub answered 304 to a request without an ETag ({u})"
                    )));
                }
            },
        }
        i += 1;
    }
    if pages.len() != i {
        pages.truncate(i);
        changed = true;
    }
    Ok(changed)
}

/// The last answer of each request, reused when GitHub says nothing changed (304).
#[derive(Default)]
struct Seen {
    pull: Option<PullRequest>,
    reviews: Pages<Vec<Review>>,
    /// The head these pages are of.
    head: String,
    runs: Pages<CheckRuns>,
    status: Pages<CombinedStatus>,
}

/// One round of conditional requests, every page of every list; the state when any answer
/// changed.
async fn poll(
    client: &Client,
    number: u64,
    seen: &mut Seen,
) -> Result<Option<PrState>, GithubError> {
    let mut changed = match client.poll(&format!("pulls/{number}")).await? {
        Fetched::Changed(p) => {
            seen.pull = Some(p);
            true
        }
        Fetched::Unchanged => false,
    };
    changed |= read_pages(
        client,
        &mut seen.reviews,
        format!("pulls/{number}/reviews?per_page=100"),
    )
    .await?;
    let Some(pull) = seen.pull.clone() else {
        return Ok(None);
    };
    let sha = pull.head.sha.clone();
    if seen.head != sha {
        // Checks belong to the head they ran on: a new head starts with none.
        seen.head = sha.clone();
        seen.runs.clear();
        seen.status.clear();
        changed = true;
    }
    changed |= read_pages(
        client,
        &mut seen.runs,
        format!("commits/{sha}/check-runs?filter=latest&per_page=100"),
    )
    .await?;
    changed |= read_pages(
        client,
        &mut seen.status,
        format!("commits/{sha}/status?per_page=100"),
    )
    .await?;
    if !changed {
        return Ok(None);
    }
    let runs: Vec<CheckRun> = seen
        .runs
        .iter()
        .flat_map(|(_, p, _)| p.check_runs.iter().cloned())
        .collect();
    let runs_total = seen.runs.first().map_or(0, |(_, p, _)| p.total_count);
    let statuses: Vec<Status> = seen
        .status
        .iter()
        .flat_map(|(_, p, _)| p.statuses.iter().cloned())
        .collect();
    let statuses_total = seen.status.first().map_or(0, |(_, p, _)| p.total_count);
    let reviews: Vec<Review> = seen
        .reviews
        .iter()
        .flat_map(|(_, p, _)| p.iter().cloned())
        .collect();
    Ok(Some(PrState {
        number,
        url: pull.html_url.clone(),
        state: pull.state.clone(),
        merged: pull.is_merged(),
        merge_commit: pull.merge_commit_sha.clone().filter(|_| pull.is_merged()),
        base: pull.base.name.clone(),
        head_sha: sha,
        reviews: verdicts(&reviews),
        checks: combine(&runs, runs_total, &statuses, statuses_total),
    }))
}

/// How often a closed (not merged) pull request is looked at: it may be reopened.
pub fn closed_interval(every: Duration) -> Duration {
    every * 6
}

/// The longest wait between polls while GitHub keeps limiting them.
const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// Follows pull request `number` until it is merged (or the receiver is gone: the console
/// quit). A closed one is followed more slowly, so a reopen is seen.
pub async fn run(client: Client, number: u64, every: Duration, tx: mpsc::Sender<GithubMsg>) {
    let mut seen = Seen::default();
    let mut last: Option<PrState> = None;
    let mut backoff: Option<Duration> = None;
    let mut failing = false;
    loop {
        let closed = last.as_ref().is_some_and(|s| s.state == "closed");
        let mut wait = if closed {
            closed_interval(every)
        } else {
            every
        };
        match poll(&client, number, &mut seen).await {
            Ok(state) => {
                // After a failure, the state goes again even when unchanged: it says the PR
                // is followed again.
                let recovered = backoff.take().is_some() || failing;
                failing = false;
                let state = state.or_else(|| last.clone().filter(|_| recovered));
                if let Some(state) = state
                    && (recovered || last.as_ref() != Some(&state))
                {
                    let merged = state.merged;
                    last = Some(state.clone());
                    if tx.send(GithubMsg::State(state)).await.is_err() || merged {
                        return;
                    }
                }
            }
            Err(e) => {
                failing = true;
                if let Some(w) = e.wait() {
                    // GitHub named the time: wait for it. Else at least a minute, doubling.
                    let next = match (&e, backoff) {
                        (GithubError::RateLimited { named: false, .. }, Some(b)) => {
                            (b * 2).min(MAX_BACKOFF)
                        }
                        _ => w,
                    };
                    backoff = Some(next);
                    wait = next.max(wait);
                }
                if tx.send(GithubMsg::Error(e.to_string())).await.is_err() {
                    return;
                }
            }
        }
        tokio::time::sleep(wait).await;
    }
}
