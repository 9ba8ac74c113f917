//! A confirmation's answer: `y` does what it showed; the guard's overlay has keys of its own.

use crossterm::event::{KeyCode, KeyEvent};

use super::model::{ConfirmAction, Mode, Model, Tone};
use super::msg::Effect;
use super::{git, runs};
use crate::journal::{Draft, kinds};

pub fn on_key(m: &mut Model, key: KeyEvent, action: ConfirmAction) -> Vec<Effect> {
    if action == ConfirmAction::Guard {
        let armed = m
            .guard
            .pending
            .as_ref()
            .is_some_and(|t| t.deadline.is_some());
        return match key.code {
            KeyCode::Char('y' | 'Y') => {
                m.mode = Mode::Normal;
                super::guard::act(m)
            }
            // An armed guard's countdown goes on through other keys: only n stops it.
            _ if armed && key.code != KeyCode::Char('n') => Vec::new(),
            _ => {
                m.mode = Mode::Normal;
                super::guard::veto(m)
            }
        };
    }
    m.mode = Mode::Normal;
    if key.code == KeyCode::Char('y') || key.code == KeyCode::Char('Y') {
        match action {
            ConfirmAction::Close => {
                super::paging::after_close(m);
                vec![
                    Effect::Append(Draft::new(
                        kinds::INCIDENT_CLOSED,
                        format!("Incident {} closed", m.incident.ticket),
                    )),
                    Effect::Export(crate::export::Format::for_incident(&m.incident)),
                ]
            }
            ConfirmAction::PageResolve => {
                super::paging::act(m, crate::pagerduty::PageAction::Resolve)
            }
            ConfirmAction::PageStatusUpdate { text } => {
                super::paging::act(m, crate::pagerduty::PageAction::StatusUpdate(text))
            }
            ConfirmAction::Publish {
                publication,
                approving,
            } => super::status_page::confirmed(m, publication, approving),
            ConfirmAction::Share => vec![Effect::Share],
            ConfirmAction::Handoff { to, .. } => super::seats::hand_over(m, &to, None),
            ConfirmAction::AcceptHandoff { .. } => super::seats::accept(m),
            ConfirmAction::DeployElsewhere { environment, .. } => {
                m.mode = Mode::Confirm {
                    action: ConfirmAction::Deploy { environment },
                };
                Vec::new()
            }
            ConfirmAction::PostChat { channel, text } => vec![Effect::PostChat {
                to: Some(channel),
                text,
            }],
            ConfirmAction::OpenPr { title, body } => super::github::confirmed(m, title, body),
            ConfirmAction::Deploy { environment } => runs::deploy_confirmed(m, &environment),
            ConfirmAction::SkipStaging { .. } => runs::run_deploy(m, crate::runbook::PRODUCTION),
            ConfirmAction::Rollback { environment } => runs::confirmed_rollback(m, &environment),
            ConfirmAction::Cancel => vec![Effect::CancelRun],
            ConfirmAction::Quit => {
                m.quitting = true;
                vec![Effect::CancelRun, Effect::Quit]
            }
            ConfirmAction::Git { op, .. } => git::run(m, op),
            ConfirmAction::Flag { name, on } => super::flags::change(m, &name, on, false),
            ConfirmAction::Guard => Vec::new(),
        }
    } else if let (KeyCode::Char('s'), ConfirmAction::Handoff { to, brief }) = (key.code, &action) {
        super::seats::hand_over(m, to, Some(brief.clone()))
    } else {
        m.say(Tone::Info, "Cancelled");
        Vec::new()
    }
}
