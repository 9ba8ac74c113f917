//! `update`: the only place the model changes. Pure: no I/O, time comes in messages.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::git;
use super::log_view::LineKind;
use super::model::{ConfirmAction, InputPurpose, Mode, Model, Pane, PickPurpose, Tone};
use super::msg::{Effect, Msg};
use super::runs;
use super::sentry;
use crate::clock;
use crate::incident::{Inapplicable, ItemStatus};
use crate::journal::{Draft, kinds};
use crate::keys::Action;

/// Longest note or reason accepted from the input line.
pub const MAX_INPUT: usize = 2000;

pub fn update(m: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut fx = dispatch(m, msg);
    fx.extend(super::timeline::window(m));
    fx
}

fn dispatch(m: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Press => on_key(m, key),
        Msg::Key(_) => Vec::new(),
        Msg::Paste(text) => {
            if let Mode::Input { text: buf, .. } = &mut m.mode {
                push_input(buf, &text);
            }
            Vec::new()
        }
        Msg::Resize(w, h) => {
            m.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => on_tick(m, now),
        Msg::JournalChanged => vec![Effect::ReadJournal],
        Msg::Journal(batch) => {
            let added = batch.events.len();
            let deployed_before = (m.incident.judged_from(), m.incident.release.clone());
            let closed_before = m.incident.closed_at;
            let mirror = super::paging::to_mirror(m, &batch.events);
            let following = super::paging::to_follow(m);
            super::rewind::apply(m, batch.events);
            let mut fx = super::paging::mirror(m, &mirror);
            // Paged or linked since (here, on another seat, from a shell): follow it.
            if let Some(find) =
                super::paging::to_follow(m).filter(|f| Some(f) != following.as_ref())
                && !m.read_only()
            {
                fx.push(Effect::FollowPage(find));
            }
            if (m.incident.judged_from(), m.incident.release.clone()) != deployed_before {
                fx.push(Effect::Deployed {
                    at: m.incident.judged_from(),
                    release: m.incident.release.clone(),
                });
            }
            if m.timeline.from_bottom > 0 {
                m.timeline.from_bottom += added;
            }
            if let Some(w) = batch.warnings.last() {
                m.say(Tone::Warn, w.clone());
            }
            m.warnings.extend(batch.warnings);
            if closed_before.is_none()
                && m.incident.closed_at.is_some()
                && !closed_here(m)
                && !m.share.wrote_for_close
            {
                // Closed on another seat: every seat writes the same documents, once.
                m.share.wrote_for_close = true;
                m.say(
                    Tone::Info,
                    "Closed on another seat: writing the documents here too",
                );
                fx.push(Effect::Export(crate::export::Format::for_incident(
                    &m.incident,
                )));
            }
            fx.extend(super::seats::after_fold(m));
            fx.extend(super::tickets::after_fold(m));
            fx
        }
        Msg::JournalRestarted => {
            let inc = &m.incident;
            m.incident = crate::incident::Incident::empty(&inc.ticket, inc.checklist.clone());
            m.folds.clear();
            m.timeline = Default::default();
            Vec::new()
        }
        Msg::JournalRewound(at) => {
            // The reader asks this only when the state is kept (else it reads everything).
            if super::rewind::back_to(m, at) {
                m.timeline = Default::default();
            }
            Vec::new()
        }
        Msg::TimelinePage { first, events } => {
            super::timeline::on_page(m, first, events);
            Vec::new()
        }
        Msg::Sentry(s) => sentry::on_sentry(m, s),
        Msg::Metric(g) => super::metrics::on_metric(m, g),
        Msg::Flag(f) => super::flags::on_flag(m, f),
        Msg::EnvironmentIssues {
            environment,
            sentry_environment,
            since,
            issues,
        } => super::environments::on_issues(m, environment, sentry_environment, since, issues),
        Msg::Github(g) => super::github::on_github(m, g),
        Msg::Pager(p) => super::paging::on_pager(m, p),
        Msg::Ticket(t) => super::tickets::on_ticket(m, t),
        Msg::PageUpdatePreview(t) => super::paging::on_update_preview(m, t),
        Msg::StatusPreview(t) => super::status_page::on_preview(m, t),
        Msg::Published(r) => super::status_page::on_published(m, r),
        Msg::PrPreview(p) => super::github::on_preview(m, p),
        Msg::Git(g) => git::on_git(m, g),
        Msg::Share(s) => super::seats::on_share(m, s),
        Msg::Shared(r) => super::seats::on_shared(m, r),
        Msg::HandoffBrief { to, brief } => super::seats::on_brief(m, to, brief),
        Msg::Failed(e) => {
            m.say(Tone::Error, e);
            Vec::new()
        }
        Msg::Exported(what) => {
            m.say(Tone::Good, what);
            Vec::new()
        }
        Msg::ChatPreview(channel, Ok(text)) => {
            m.mode = Mode::Confirm {
                action: ConfirmAction::PostChat { channel, text },
            };
            Vec::new()
        }
        Msg::ChatPreview(channel, Err(why)) | Msg::ChatPosted(channel, Err(why)) => {
            let name = channel.name();
            m.say(Tone::Error, format!("{name}: {why}"));
            vec![Effect::Append(
                Draft::new(channel.kind(), format!("{name} update not posted: {why} (the text is in exports/slack.md; e → post to retry)"))
                    .field("ok", false)
                    .field("error", why),
            )]
        }
        Msg::ChatPosted(channel, Ok(())) => {
            let said = format!("{} update posted", channel.name());
            m.say(Tone::Good, said.clone());
            vec![Effect::Append(
                Draft::new(channel.kind(), said).field("ok", true),
            )]
        }
        Msg::Run(r) => runs::on_run(m, r),
        Msg::Ready(r) => super::ready::on_ready(m, r),
        Msg::LogFile(crate::jobs::TailRead { lines, note }) => {
            if let Some(n) = note {
                m.log.push(n, LineKind::Note);
            }
            for l in lines {
                m.log.push(l, LineKind::File);
            }
            Vec::new()
        }
        Msg::Quit { exit } => {
            m.quitting = true;
            m.exit_status = exit;
            vec![Effect::Quit]
        }
    }
}

fn on_tick(m: &mut Model, now: chrono::DateTime<chrono::Utc>) -> Vec<Effect> {
    m.now = now;
    if m.status.is_some() && !m.status_lasts && now - m.status_at >= crate::app::model::STATUS_FOR {
        m.status = None;
    }
    let mut fx = sentry::quiet_after_deploy(m);
    fx.extend(super::guard::on_tick(m, now));
    if let Some(due) = clock::next_update_due(&m.incident, &m.policy)
        && now >= due
        && m.bell_rung_for != Some(due)
    {
        m.bell_rung_for = Some(due);
        m.say(
            Tone::Warn,
            "Status update due: post it, then m → \"Status update posted\"",
        );
        m.status_lasts = true;
        if m.bell_enabled {
            fx.push(Effect::Bell);
        }
    }
    fx
}

fn push_input(buf: &mut String, text: &str) {
    for c in text.chars() {
        if buf.chars().count() >= MAX_INPUT {
            break;
        }
        match c {
            '\n' | '\r' | '\t' => buf.push(' '),
            c if c.is_control() => {}
            c => buf.push(c),
        }
    }
}

fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Effect> {
    // Ctrl-C interrupts, as in any program: out at once, with SIGINT's status.
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return update(m, Msg::Quit { exit: 130 });
    }
    match m.mode.clone() {
        Mode::Normal => on_action(m, m.keymap.action(&key)),
        Mode::Help { scroll } => {
            // j/k scroll a row, page keys and space ten; any other key closes the help.
            let step: Option<i16> = match key.code {
                KeyCode::Down | KeyCode::Char('j') => Some(1),
                KeyCode::PageDown | KeyCode::Char(' ') => Some(10),
                KeyCode::Up | KeyCode::Char('k') => Some(-1),
                KeyCode::PageUp => Some(-10),
                _ => None,
            };
            m.mode = match step {
                Some(d) => Mode::Help {
                    scroll: scroll.saturating_add_signed(d),
                },
                None => Mode::Normal,
            };
            Vec::new()
        }
        Mode::Input { purpose, mut text } => match key.code {
            KeyCode::Esc => {
                m.mode = Mode::Normal;
                m.say(Tone::Info, "Cancelled");
                Vec::new()
            }
            KeyCode::Enter => {
                m.mode = Mode::Normal;
                submit_input(m, purpose, text.trim())
            }
            KeyCode::Backspace => {
                text.pop();
                m.mode = Mode::Input { purpose, text };
                Vec::new()
            }
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL) =>
            {
                push_input(&mut text, &c.to_string());
                m.mode = Mode::Input { purpose, text };
                Vec::new()
            }
            _ => Vec::new(),
        },
        Mode::Pick { purpose, selected } => {
            let count = purpose.choices(m);
            let action = m.keymap.action(&key);
            match key.code {
                KeyCode::Esc => {
                    m.mode = Mode::Normal;
                    Vec::new()
                }
                KeyCode::Enter => {
                    m.mode = Mode::Normal;
                    purpose.choose(m, selected)
                }
                KeyCode::Char('y') if purpose == PickPurpose::Followups => {
                    super::tickets::create_all(m)
                }
                KeyCode::Char('a') if purpose == PickPurpose::Followups => {
                    super::tickets::add_item(m);
                    Vec::new()
                }
                KeyCode::Char(d @ '0'..='9') => {
                    let first = purpose.first_key();
                    let index = match (d, first) {
                        ('0', '1') => Some(9),
                        _ => (d as usize).checked_sub(first as usize),
                    };
                    match index {
                        Some(i) if i < count => {
                            m.mode = Mode::Normal;
                            purpose.choose(m, i)
                        }
                        _ => Vec::new(),
                    }
                }
                _ => {
                    let selected = match action {
                        Some(Action::Down) => (selected + 1).min(count - 1),
                        Some(Action::Up) => selected.saturating_sub(1),
                        _ => selected,
                    };
                    m.mode = Mode::Pick { purpose, selected };
                    Vec::new()
                }
            }
        }
        Mode::Confirm { action } => super::confirm::on_key(m, key, action),
    }
}

fn submit_input(m: &mut Model, purpose: InputPurpose, text: &str) -> Vec<Effect> {
    if text.is_empty() {
        m.say(Tone::Info, "Nothing entered; nothing recorded");
        return Vec::new();
    }
    match purpose {
        InputPurpose::Note => vec![Effect::Append(Draft::new(kinds::NOTE, text))],
        InputPurpose::TagVersion => git::tag_version(m, text),
        InputPurpose::Search => {
            if m.log.find(text) {
                m.say(
                    Tone::Info,
                    format!("Found {text:?} (/ and enter: the next older match)"),
                );
            } else {
                m.say(Tone::Warn, format!("{text:?} is not in the scrollback"));
            }
            Vec::new()
        }
        InputPurpose::Waive { item } => {
            let label = m
                .incident
                .checklist
                .item(&item)
                .map(|i| i.text.clone())
                .unwrap_or_else(|| item.clone());
            vec![Effect::Append(
                Draft::new(kinds::CHECKLIST_WAIVED, format!("Waived: {label} — {text}"))
                    .field("item", item)
                    .field("reason", text),
            )]
        }
    }
}

/// Refuses changes to a closed incident; notes stay allowed for late action items.
fn refuse_if_closed(m: &mut Model) -> bool {
    if m.read_only() {
        m.say(
            Tone::Warn,
            "The incident is closed: read-only (notes can still be added with n)",
        );
        return true;
    }
    false
}

fn on_action(m: &mut Model, action: Option<Action>) -> Vec<Effect> {
    let Some(action) = action else {
        return Vec::new();
    };
    let page = usize::from(m.size.1 / 3).max(1);
    match action {
        Action::Quit => {
            if m.running.is_some() {
                m.mode = Mode::Confirm {
                    action: ConfirmAction::Quit,
                };
                return Vec::new();
            }
            m.quitting = true;
            return vec![Effect::Quit];
        }
        Action::Help => m.mode = Mode::Help { scroll: 0 },
        Action::FocusNext | Action::FocusPrev => {
            let i = Pane::ALL.iter().position(|p| *p == m.focus).unwrap_or(0);
            let n = Pane::ALL.len();
            let j = if action == Action::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            m.focus = Pane::ALL[j];
        }
        Action::Down
        | Action::Up
        | Action::PageDown
        | Action::PageUp
        | Action::Home
        | Action::End => scroll(m, action, page),
        Action::Utc => {
            m.utc = !m.utc;
            m.say(
                Tone::Info,
                if m.utc {
                    "Times in UTC"
                } else {
                    "Times in local time"
                },
            );
        }
        Action::Follow => {
            if m.focus == Pane::Timeline {
                m.timeline.from_bottom = 0;
                m.say(Tone::Info, "Timeline follows the newest event");
            } else {
                let on = m.log.toggle_follow();
                m.say(
                    Tone::Info,
                    if on {
                        "Deploy log follows the newest line"
                    } else {
                        "Deploy log paused (f follows again)"
                    },
                );
            }
        }
        Action::Search => {
            m.focus = Pane::DeployLog;
            m.mode = Mode::Input {
                purpose: InputPurpose::Search,
                text: m.log.search.clone().unwrap_or_default(),
            };
        }
        Action::Note => {
            m.mode = Mode::Input {
                purpose: InputPurpose::Note,
                text: String::new(),
            }
        }
        Action::Toggle => return toggle(m),
        Action::Waive => waive(m),
        Action::Milestone => {
            if !refuse_if_closed(m) {
                m.mode = Mode::Pick {
                    purpose: PickPurpose::Milestone,
                    selected: 0,
                };
            }
        }
        Action::Priority => {
            if !refuse_if_closed(m) {
                m.mode = Mode::Pick {
                    purpose: PickPurpose::Priority,
                    selected: m.incident.priority as usize,
                };
            }
        }
        Action::Close => {
            if m.read_only() {
                m.say(Tone::Info, "The incident is already closed");
            } else {
                m.mode = Mode::Confirm {
                    action: ConfirmAction::Close,
                };
            }
        }
        Action::Export => {
            m.mode = Mode::Pick {
                purpose: PickPurpose::Export,
                selected: 0,
            }
        }
        Action::Deploy => return refuse_closed_or(m, runs::deploy_key),
        Action::Checks => return refuse_closed_or(m, runs::checks_key),
        Action::Smoke => return refuse_closed_or(m, runs::smoke_key),
        Action::Rollback => return refuse_closed_or(m, runs::rollback_key),
        Action::Flags => return refuse_closed_or(m, super::flags::flags_key),
        Action::Page => return super::paging::page_key(m),
        Action::Tickets => return super::tickets::tickets_key(m),
        Action::Cancel => return runs::cancel_key(m),
        Action::Share => return super::seats::share_key(m),
        Action::Role => return super::seats::role_key(m),
        Action::Handoff => return super::seats::handoff_key(m),
        Action::Git => match &m.git.unavailable {
            Some(why) => m.say(Tone::Warn, why.clone()),
            None => {
                m.mode = Mode::Pick {
                    purpose: PickPurpose::Git,
                    selected: 0,
                }
            }
        },
    }
    Vec::new()
}

fn refuse_closed_or(m: &mut Model, f: fn(&mut Model) -> Vec<Effect>) -> Vec<Effect> {
    if refuse_if_closed(m) {
        Vec::new()
    } else {
        f(m)
    }
}

fn scroll(m: &mut Model, action: Action, page: usize) {
    match m.focus {
        Pane::Checklist => {
            let last = m.item_count().saturating_sub(1);
            m.selected = match action {
                Action::Down => (m.selected + 1).min(last),
                Action::Up => m.selected.saturating_sub(1),
                Action::PageDown => (m.selected + page).min(last),
                Action::PageUp => m.selected.saturating_sub(page),
                Action::Home => 0,
                _ => last,
            };
        }
        Pane::Timeline => {
            let max = m.incident.count.saturating_sub(1);
            let t = &mut m.timeline.from_bottom;
            *t = match action {
                Action::Up => (*t + 1).min(max),
                Action::Down => t.saturating_sub(1),
                Action::PageUp => (*t + page).min(max),
                Action::PageDown => t.saturating_sub(page),
                Action::Home => max,
                _ => 0,
            };
        }
        Pane::DeployLog => match action {
            Action::Up => m.log.scroll_up(1),
            Action::Down => m.log.scroll_down(1),
            Action::PageUp => m.log.scroll_up(page),
            Action::PageDown => m.log.scroll_down(page),
            Action::Home => m.log.top(),
            _ => m.log.bottom(),
        },
        // The chart: the error rate (when Sentry is set up), then each metric gate.
        Pane::ErrorRate => {
            let first = usize::from(m.error_rate.unconfigured.is_some() && !m.metrics.is_empty());
            let last = m.metrics.len();
            m.chart = match action {
                Action::Down | Action::PageDown => (m.chart + 1).min(last),
                Action::Up | Action::PageUp => m.chart.saturating_sub(1),
                Action::Home => 0,
                _ => last,
            }
            .max(first);
        }
    }
}

fn toggle(m: &mut Model) -> Vec<Effect> {
    if m.focus != Pane::Checklist {
        m.say(Tone::Info, "Focus the checklist (tab) to tick items");
        return Vec::new();
    }
    if refuse_if_closed(m) {
        return Vec::new();
    }
    let Some(item) = m.selected_item().cloned() else {
        return Vec::new();
    };
    let draft = match m.incident.status(&item) {
        ItemStatus::NotApplicable(Inapplicable::Priority) => {
            m.say(
                Tone::Info,
                format!("Not applicable at {}: {}", m.incident.priority, item.text),
            );
            return Vec::new();
        }
        // Checked outside the console: a tick by hand says so.
        ItemStatus::Pending | ItemStatus::NotApplicable(Inapplicable::NoGate) => {
            Draft::new(kinds::CHECKLIST_DONE, format!("Done: {}", item.text))
        }
        ItemStatus::Done(_) | ItemStatus::Waived(_) => Draft::new(
            kinds::CHECKLIST_REOPENED,
            format!("Reopened: {}", item.text),
        ),
    };
    vec![Effect::Append(draft.field("item", item.id))]
}

fn waive(m: &mut Model) {
    if m.focus != Pane::Checklist {
        m.say(Tone::Info, "Focus the checklist (tab) to waive items");
        return;
    }
    if refuse_if_closed(m) {
        return;
    }
    let Some(item) = m.selected_item().cloned() else {
        return;
    };
    let p = m.incident.priority;
    match m.incident.status(&item) {
        ItemStatus::NotApplicable(why) => {
            m.say(Tone::Info, format!("{}: nothing to waive", why.reason(p)))
        }
        ItemStatus::Done(_) | ItemStatus::Waived(_) => {
            m.say(Tone::Info, "Already settled: space reopens it first")
        }
        ItemStatus::Pending if !item.waivable_at(p) => {
            let at: Vec<String> = item
                .waivable
                .iter()
                .flatten()
                .map(|p| p.to_string())
                .collect();
            m.say(
                Tone::Warn,
                format!(
                    "\"{}\" may be waived only at {} (this incident is {p})",
                    item.text,
                    if at.is_empty() {
                        "no priority".to_string()
                    } else {
                        at.join("/")
                    }
                ),
            );
        }
        ItemStatus::Pending => {
            m.mode = Mode::Input {
                purpose: InputPurpose::Waive { item: item.id },
                text: String::new(),
            }
        }
    }
}

/// Whether this seat closed the incident (or it is not shared).
fn closed_here(m: &Model) -> bool {
    let closer = m.incident.seats.closed_by.as_deref();
    closer.is_none() || closer == m.share.seat()
}
