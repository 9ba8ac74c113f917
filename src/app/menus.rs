//! The pickers (`e`, `g`, `m`, `p`): each menu's choices as a type that knows its rows and
//! what choosing it does. The view draws [`Menu`] and nothing else; a new entry is one variant.

use unicode_width::UnicodeWidthStr;

use super::environments;
use super::git;
use super::model::{EnvAction, Model, PickPurpose, Tone};
use super::msg::Effect;
use super::seats;
use crate::export::Format;
use crate::export::chat::Channel;
use crate::git::Op;
use crate::incident::MILESTONES;
use crate::incident::seats::ROLES;
use crate::journal::{Draft, kinds};
use crate::priority::Priority;

/// One row of a menu, as the view draws it: `1 name text note`.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuRow {
    /// The digit that picks it: `1`… (priorities are picked by their own number).
    pub key: char,
    /// Shown as a badge: the priority this row sets.
    pub badge: Option<Priority>,
    /// A bold first column, padded so the texts line up (empty when there is none).
    pub name: String,
    pub text: String,
    /// Shown dimmed after the text.
    pub note: String,
    /// Marks the row that is the current state (the incident's priority).
    pub current: bool,
}

/// A menu ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    pub title: &'static str,
    pub rows: Vec<MenuRow>,
    /// Lines under the rows (what the highlighted priority means).
    pub footer: Vec<String>,
}

impl Menu {
    /// Columns to show it whole: its longest row (after the `▶ ` marker and the key or
    /// badge), footer line or title, and never fewer than 30.
    pub fn width(&self) -> usize {
        let row = |r: &MenuRow| {
            let lead = r.badge.map_or(2, |p| 1 + p.to_string().width() + 2);
            2 + lead + r.name.width() + r.text.width() + r.note.width()
        };
        self.rows
            .iter()
            .map(row)
            .chain(self.footer.iter().map(|f| f.width()))
            .chain([self.title.width(), 30])
            .max()
            .unwrap_or(30)
    }
}

/// The `e` menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportChoice {
    All,
    One(Format),
    Post(Channel),
    PublishStatusPage,
}

impl ExportChoice {
    /// The channels offered are those with a webhook (Slack, to say how to set one, when
    /// neither has).
    pub fn all(m: &Model) -> Vec<ExportChoice> {
        let channels = if m.chat.is_empty() {
            vec![Channel::Slack]
        } else {
            m.chat.clone()
        };
        std::iter::once(ExportChoice::All)
            .chain(Format::ALL.iter().map(|f| ExportChoice::One(*f)))
            .chain(channels.into_iter().map(ExportChoice::Post))
            .chain([ExportChoice::PublishStatusPage])
            .collect()
    }

    pub fn label(self) -> String {
        match self {
            ExportChoice::All => "every document into the incident's exports/ folder".into(),
            ExportChoice::One(f) => format!("write exports/{}", f.file_name()),
            ExportChoice::Post(c) => format!("post the {} update (shows it first)", c.name()),
            ExportChoice::PublishStatusPage => {
                "publish the status page on Statuspage (shows it first)".into()
            }
        }
    }

    fn choose(self, m: &mut Model) -> Vec<Effect> {
        match self {
            ExportChoice::All => vec![Effect::Export(Format::ALL.to_vec())],
            ExportChoice::One(f) => vec![Effect::Export(vec![f])],
            ExportChoice::Post(c) => vec![Effect::ChatPreview(c)],
            ExportChoice::PublishStatusPage => super::status_page::preview(m),
        }
    }
}

/// The `m` menu: the review's milestones, then a status update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneChoice {
    Milestone {
        id: &'static str,
        label: &'static str,
    },
    StatusUpdate,
}

impl MilestoneChoice {
    pub fn all() -> Vec<MilestoneChoice> {
        MILESTONES
            .iter()
            .map(|&(id, label)| MilestoneChoice::Milestone { id, label })
            .chain([MilestoneChoice::StatusUpdate])
            .collect()
    }

    pub fn label(self) -> &'static str {
        match self {
            MilestoneChoice::Milestone { label, .. } => label,
            MilestoneChoice::StatusUpdate => "Status update posted",
        }
    }

    fn choose(self, m: &mut Model) -> Vec<Effect> {
        let draft = match self {
            MilestoneChoice::Milestone {
                id: id @ "verified_resolved",
                label,
            } => {
                let window = m.policy.monitoring;
                if let Some(why) = crate::incident::facts::unverified(&m.incident, m.now, window) {
                    m.say(
                        Tone::Warn,
                        format!("Not verified: {why}. To verify by hand, waive the item (w) with the reason"),
                    );
                    return Vec::new();
                }
                Draft::new(kinds::MILESTONE, label)
                    .field("milestone", id)
                    .field("window_secs", window.as_secs())
            }
            MilestoneChoice::Milestone { id, label } => {
                Draft::new(kinds::MILESTONE, label).field("milestone", id)
            }
            MilestoneChoice::StatusUpdate => Draft::new(kinds::STATUS_UPDATE, self.label()),
        };
        vec![Effect::Append(draft)]
    }

    /// When it was last marked, from the record.
    fn marked(self, m: &Model) -> String {
        let MilestoneChoice::Milestone { id, .. } = self else {
            return String::new();
        };
        m.incident
            .milestones
            .get(id)
            .map(|at| format!("  (marked {})", crate::format::stamp(m.utc, *at)))
            .unwrap_or_default()
    }
}

/// The `g` menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitChoice {
    Branch,
    Guard,
    Verify,
    Tag,
    Revert,
    Backport,
    Patch,
    PullRequest,
}

impl GitChoice {
    pub const ALL: [GitChoice; 8] = [
        GitChoice::Branch,
        GitChoice::Guard,
        GitChoice::Verify,
        GitChoice::Tag,
        GitChoice::Revert,
        GitChoice::Backport,
        GitChoice::Patch,
        GitChoice::PullRequest,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GitChoice::Branch => "branch",
            GitChoice::Guard => "guard",
            GitChoice::Verify => "verify",
            GitChoice::Tag => "tag",
            GitChoice::Revert => "revert",
            GitChoice::Backport => "backport",
            GitChoice::Patch => "patch",
            GitChoice::PullRequest => "pr",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GitChoice::Branch => {
                "Create the hotfix branch from production (fetches the base first)"
            }
            GitChoice::Guard => "Guard: is the change minimal, with a regression test?",
            GitChoice::Verify => "Verify the merge: the base contains the hotfix commits",
            GitChoice::Tag => "Tag the next patch version on the base",
            GitChoice::Revert => "Revert the hotfix commit (a dry run first)",
            GitChoice::Backport => "Backport to the release branches (new branches, cherry-picked)",
            GitChoice::Patch => "Write the hotfix as patch files into the incident folder",
            GitChoice::PullRequest => {
                "Open the pull request on GitHub (shows its body first), then follow it"
            }
        }
    }

    /// The operation, with what the configuration says (push or not) and where patches go;
    /// none for the pull request, which is GitHub's.
    pub fn op(self, m: &Model) -> Option<Op> {
        let push = m.git_cfg.push;
        Some(match self {
            GitChoice::PullRequest => return None,
            GitChoice::Branch => Op::Branch {
                fetch: true,
                from_local: false,
            },
            GitChoice::Guard => Op::Guard,
            GitChoice::Verify => Op::Verify,
            GitChoice::Tag => Op::Tag {
                version: None,
                commit: None,
                push,
            },
            GitChoice::Revert => Op::Revert {
                commit: None,
                apply: false,
            },
            GitChoice::Backport => Op::Backport {
                branches: Vec::new(),
                push,
            },
            GitChoice::Patch => Op::Patch {
                dir: m.incident_dir.join("patches"),
            },
        })
    }
}

fn priority_choice(m: &mut Model, to: Priority) -> Vec<Effect> {
    let from = m.incident.priority;
    if to == from {
        m.say(Tone::Info, format!("Priority stays {to}"));
        return Vec::new();
    }
    vec![Effect::Append(
        Draft::new(
            kinds::PRIORITY_CHANGED,
            format!("Priority changed {from} → {to}"),
        )
        .field("from", from.to_string())
        .field("to", to.to_string()),
    )]
}

/// `1`…`9`, then `0` for the tenth row (as on the keyboard's row of digits).
pub(super) fn numbered(i: usize) -> char {
    match i {
        9 => '0',
        _ => char::from_digit(u32::try_from(i + 1).unwrap_or(0), 10).unwrap_or(' '),
    }
}

fn row(i: usize, text: impl Into<String>) -> MenuRow {
    MenuRow {
        key: numbered(i),
        badge: None,
        name: String::new(),
        text: text.into(),
        note: String::new(),
        current: false,
    }
}

impl PickPurpose {
    /// How many choices the menu has.
    pub fn choices(self, m: &Model) -> usize {
        match self {
            PickPurpose::Milestone => MilestoneChoice::all().len(),
            PickPurpose::Priority => Priority::ALL.len(),
            PickPurpose::Git => GitChoice::ALL.len(),
            PickPurpose::Export => ExportChoice::all(m).len(),
            PickPurpose::Role => ROLES.len(),
            PickPurpose::RoleSeat(_) => seats::seats(m).len(),
            PickPurpose::Handoff => seats::others(m).len(),
            PickPurpose::Environment(action) => environments::choices(m, action).len(),
            PickPurpose::Flag => m.flags.len(),
            PickPurpose::Page => super::paging::PageChoice::ALL.len(),
            PickPurpose::Responder => m.paging.targets.as_ref().map_or(0, Vec::len),
            PickPurpose::Followups => m.incident.tickets.items.len(),
        }
    }

    /// Priorities are picked by their own number (`0` for P0); the others from `1`.
    pub fn first_key(self) -> char {
        match self {
            PickPurpose::Priority => '0',
            _ => '1',
        }
    }

    /// The menu as it stands, `selected` being the highlighted row.
    pub fn menu(self, m: &Model, selected: usize) -> Menu {
        match self {
            PickPurpose::Flag => super::flags::menu(m),
            PickPurpose::Page => super::paging::menu(m),
            PickPurpose::Responder => super::paging::responder_menu(m),
            PickPurpose::Followups => super::tickets::menu(m),
            PickPurpose::Role => Menu {
                title: " Assign a role ",
                rows: ROLES
                    .iter()
                    .enumerate()
                    .map(|(i, (id, name))| MenuRow {
                        note: m
                            .incident
                            .seats
                            .holder(id)
                            .map(|s| format!("  now {}", m.incident.seats.person(s)))
                            .unwrap_or_default(),
                        ..row(i, *name)
                    })
                    .collect(),
                footer: Vec::new(),
            },
            PickPurpose::RoleSeat(role) => Menu {
                title: " To which seat ",
                rows: seat_rows(m, seats::seats(m)),
                footer: vec![format!(
                    " {}",
                    ROLES.get(role).map_or("", |(_, name)| *name)
                )],
            },
            PickPurpose::Environment(action) => Menu {
                title: match action {
                    EnvAction::Deploy => " Deploy to ",
                    EnvAction::Smoke => " Smoke-test ",
                    EnvAction::Rollback => " Roll back ",
                },
                rows: environments::rows(m, action),
                footer: Vec::new(),
            },
            PickPurpose::Handoff => Menu {
                title: " Hand the commander role to ",
                rows: seat_rows(m, seats::others(m)),
                footer: vec![" the brief is shown next; they accept it on their seat".into()],
            },
            PickPurpose::Export => Menu {
                title: " Export ",
                rows: ExportChoice::all(m)
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| row(i, c.label()))
                    .collect(),
                footer: Vec::new(),
            },
            PickPurpose::Git => Menu {
                title: " Git ",
                rows: GitChoice::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, c)| MenuRow {
                        name: format!("{:<9}", c.name()),
                        ..row(i, c.label())
                    })
                    .collect(),
                footer: Vec::new(),
            },
            PickPurpose::Milestone => Menu {
                title: " Mark a milestone ",
                rows: MilestoneChoice::all()
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| MenuRow {
                        note: c.marked(m),
                        ..row(i, c.label())
                    })
                    .collect(),
                footer: Vec::new(),
            },
            PickPurpose::Priority => {
                let chosen = Priority::ALL[selected.min(Priority::ALL.len() - 1)];
                Menu {
                    title: " Change priority ",
                    rows: Priority::ALL
                        .iter()
                        .map(|p| MenuRow {
                            key: ' ',
                            badge: Some(*p),
                            name: String::new(),
                            text: format!(
                                " < {:<4} {} · {}",
                                crate::format::target(m.policy.target(*p)),
                                p.kind(),
                                p.deploy_policy(),
                            ),
                            note: String::new(),
                            current: *p == m.incident.priority,
                        })
                        .collect(),
                    footer: std::iter::once(format!(" ● current level · {chosen} applies when:"))
                        .chain(chosen.criteria().iter().map(|c| format!("   • {c}")))
                        .collect(),
                }
            }
        }
    }

    /// What choosing row `index` does.
    pub fn choose(self, m: &mut Model, index: usize) -> Vec<Effect> {
        match self {
            PickPurpose::Git => match GitChoice::ALL.get(index).map(|c| c.op(m)) {
                Some(Some(op)) => git::run(m, op),
                Some(None) => super::github::preview(m),
                None => Vec::new(),
            },
            PickPurpose::Export => match ExportChoice::all(m).get(index) {
                Some(c @ (ExportChoice::All | ExportChoice::One(_))) => {
                    m.say(Tone::Info, "Writing from the record…");
                    c.choose(m)
                }
                Some(c) => c.choose(m),
                None => Vec::new(),
            },
            PickPurpose::Priority => match Priority::ALL.get(index) {
                Some(p) => priority_choice(m, *p),
                None => Vec::new(),
            },
            PickPurpose::Milestone => MilestoneChoice::all()
                .get(index)
                .map_or_else(Vec::new, |c| c.choose(m)),
            PickPurpose::Flag => super::flags::chosen(m, index),
            PickPurpose::Page => super::paging::chosen(m, index),
            PickPurpose::Responder => super::paging::responder_chosen(m, index),
            PickPurpose::Followups => super::tickets::chosen(m, index),
            PickPurpose::Role => seats::role_chosen(m, index),
            PickPurpose::RoleSeat(role) => seats::assign(m, role, index),
            PickPurpose::Handoff => seats::handoff_to(m, index),
            PickPurpose::Environment(action) => {
                let Some(env) = environments::choices(m, action).get(index).cloned() else {
                    return Vec::new();
                };
                match action {
                    EnvAction::Deploy => super::runs::deploy_to(m, &env),
                    EnvAction::Smoke => super::runs::smoke_in(m, &env),
                    EnvAction::Rollback => super::runs::rollback_in(m, &env),
                }
            }
        }
    }
}

/// One row per seat: the person, and the seat's id beside it.
fn seat_rows(m: &Model, seats: Vec<String>) -> Vec<MenuRow> {
    let me = m.share.seat();
    seats
        .iter()
        .enumerate()
        .map(|(i, seat)| MenuRow {
            note: if Some(seat.as_str()) == me {
                format!("  {seat} (you)")
            } else {
                format!("  {seat}")
            },
            ..row(i, m.incident.seats.person(seat))
        })
        .collect()
}
