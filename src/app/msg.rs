//! Everything the loop consumes, from the terminal, the clock, the journal and background tasks.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::export::chat::Channel;
use crate::jobs::{JobSpec, RunMsg, TailRead};
use crate::journal::{Draft, Event, ReadBatch};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock, once a second on the second.
    Tick(DateTime<Utc>),
    /// The journal file changed on disk (our append, or another process's).
    JournalChanged,
    /// Events read from the journal since the last read.
    Journal(ReadBatch),
    /// The journal shrank (rewritten by hand, restored from a backup): it is read again from
    /// its start, so the fold starts over.
    JournalRestarted,
    /// Another seat's batch belongs before what was folded: the fold goes back to its state
    /// before event `n`, and the batch that follows holds every event from there.
    JournalRewound(usize),
    /// Older events read for the timeline: `events[i]` is event number `first + i`.
    TimelinePage {
        first: usize,
        events: Vec<Event>,
    },
    /// An append or an export failed: said in the footer; the model is unchanged.
    Failed(String),
    /// An export was written.
    Exported(String),
    /// The update's text to show before posting to this channel (or why it could not be made).
    ChatPreview(Channel, Result<String, String>),
    /// A post's result on this channel.
    ChatPosted(Channel, Result<(), String>),
    /// A background job's progress.
    Run(RunMsg),
    /// Whether the service answered with the new version after the deploy command.
    Ready(crate::jobs::ReadyMsg),
    /// New lines of the followed log file, and what happened to it (rotated, truncated).
    LogFile(TailRead),
    /// News from the Sentry poller.
    Sentry(crate::sentry::SentryMsg),
    /// A feature flag's state, or a change's outcome.
    Flag(crate::flags::FlagMsg),
    /// A metric gate's points, or why its poll failed.
    Metric(crate::metrics::MetricMsg),
    /// The pull request: opened, its state on GitHub, or a poll's failure.
    Github(crate::github::GithubMsg),
    /// The page: PagerDuty's incident as it is now, an action's outcome, a poll's failure.
    Pager(crate::pagerduty::PagerMsg),
    /// The ticket read, written or its follow-ups created (or why not).
    Ticket(crate::tickets::TicketMsg),
    /// The status update's text for PagerDuty, to show before posting it.
    PageUpdatePreview(Result<String, String>),
    /// The status page's text as the record renders it, to show before publishing it.
    StatusPreview(Result<String, String>),
    /// Statuspage's answer to a publication.
    Published(Result<(crate::statuspage::Publication, crate::statuspage::Published), String>),
    /// The PR's title and body to show before opening it (or why they could not be made).
    PrPreview(Result<(String, String), String>),
    /// A git operation finished, the repository changed, or the guard was measured.
    Git(crate::git::GitMsg),
    /// News from the share thread: other seats' events arrived, or how the sharing stands.
    Share(crate::share::ShareMsg),
    /// The incident is shared from this seat now (or why not).
    Shared(Result<crate::journal::Share, String>),
    /// The handoff brief, rendered from the record: to hand over to `to`, or (`None`) to accept.
    HandoffBrief {
        to: Option<String>,
        brief: Result<String, String>,
    },
    /// Sentry's new issues in an environment before production since its deploy (or why it
    /// could not be asked).
    EnvironmentIssues {
        environment: String,
        sentry_environment: String,
        since: DateTime<Utc>,
        issues: Result<Vec<crate::sentry::api::Issue>, String>,
    },
    /// Leave cleanly with this exit status: 0 when asked to, 128 + the signal for SIGINT
    /// (and Ctrl-C), SIGTERM and SIGHUP.
    Quit {
        exit: u8,
    },
}

/// What `update` asks the runtime to do. The model changes only through messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append to the journal (stamped and fsynced), then read it back.
    Append(Draft),
    ReadJournal,
    /// Read events `first..first + count` for the timeline.
    ReadTimeline {
        first: usize,
        count: usize,
    },
    Bell,
    /// Write these formats into the incident's `exports/`, from the journal as it is on disk.
    Export(Vec<crate::export::Format>),
    /// Render the update's text (slack.md) for a preview before posting to this channel.
    ChatPreview(Channel),
    /// Render pr.md from the record, to show before opening the PR.
    PrPreview,
    /// Push the hotfix branch and open (or find) its pull request.
    OpenPr {
        title: String,
        body: String,
    },
    /// Follow this pull request on GitHub.
    FollowPr(u64),
    /// Post this text (slack.md's) to this channel, or to every channel with a webhook.
    PostChat {
        to: Option<Channel>,
        text: String,
    },
    /// Follow the PagerDuty incident (linked, or found by the ticket).
    FollowPage(crate::pagerduty::follow::Find),
    /// Do this on PagerDuty (on the incident on the record).
    Page(crate::pagerduty::PageAction),
    /// Read whom PagerDuty can ask to respond.
    PageTargets,
    /// Render the Slack update's text for a PagerDuty status update.
    PageUpdatePreview,
    /// Render statuspage.md for a publication.
    StatusPreview,
    /// Publish on Statuspage: a new incident, or an update of `existing`.
    Publish {
        existing: Option<String>,
        publication: crate::statuspage::Publication,
    },
    /// Read the ticket from the tracker (the incident has not linked it yet).
    ReadTicket,
    /// The writes the record asks of the ticket now, in order (they replace the last list).
    TicketWrites {
        ticket: String,
        writes: Vec<crate::tickets::write::Write>,
    },
    /// Create these action items (their text, the issue) under the ticket `parent`.
    CreateFollowups {
        parent: String,
        issues: Vec<(String, crate::tickets::NewIssue)>,
    },
    /// Post this notice to every channel with a webhook (the guard's), else nothing.
    Notify(String),
    /// Read every feature flag's state.
    ReadFlags,
    /// Turn a flag on or off, then read it back.
    SetFlag {
        name: String,
        on: bool,
        comment: String,
        by_guard: bool,
    },
    /// Start a job; one at a time.
    Run(JobSpec),
    /// Ask the readiness URL until it answers with the new version, or the time is up.
    WaitReady(crate::jobs::ReadyCheck),
    CancelRun,
    /// Run a git operation off the loop.
    Git(crate::git::Op, crate::git::Subject),
    /// Measure the guard again (the repository changed).
    GitGuard(crate::git::Subject),
    /// Tell the pollers the latest deploy: new Sentry issues are those first seen after it, the
    /// metric gates fetch the level before it, and release health asks for its release.
    Deployed {
        at: Option<DateTime<Utc>>,
        release: Option<String>,
    },
    /// Share the incident on the service's git remote from this seat.
    Share,
    /// Render the handoff brief (to hand over to `to`, or to accept one).
    HandoffBrief {
        to: Option<String>,
    },
    /// Register a deploy with Sentry.
    RegisterDeploy {
        release: String,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
    },
    /// Ask Sentry once for the new issues in an environment before production since its
    /// deploy.
    EnvironmentIssues {
        environment: String,
        sentry_environment: String,
        since: DateTime<Utc>,
    },
    Quit,
}
