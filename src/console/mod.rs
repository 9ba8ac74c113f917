//! The console: set up once from the configuration (`setup`), fed by the terminal, the clock
//! and the producers (`sources`), turned by the loop (`event_loop`) through `update`, with the
//! effects performed by the executor (`effects`).

pub mod board;
pub mod chat;
pub mod effects;
pub mod errors;
pub mod event_loop;
pub mod flags;
pub mod outward;
pub mod pull_request;
pub mod setup;
pub mod share;
pub mod sources;
pub mod tickets;

pub use effects::Executor;
pub use event_loop::run_loop;
pub use setup::{Console, prepare};

use crate::app::Msg;
use crate::demo::script::Script;

/// Takes over the terminal, runs the console, and gives the terminal back on every exit.
pub async fn run(console: Console, script: Option<Script>) -> anyhow::Result<u8> {
    let Console {
        mut model,
        mut executor,
        tx,
        mut rx,
        errors,
        gates,
        git,
    } = console;
    // One console per seat: a second one would read the others' refs and push beside the
    // first, each taking the other's pushes for refusals.
    let _console_lock = crate::share::hold_console_lock(&model.incident_dir).map_err(|pid| {
        let who = pid.map_or("another console".to_string(), |p| format!("the console with pid {p}"));
        anyhow::anyhow!(
            "{} is already open on this seat in {who}: use that one (or quit it first); `warroom note` and `warroom event` work beside it",
            model.incident.ticket
        )
    })?;
    let _watcher = sources::watch_journal(&model.incident_dir, tx.clone())
        .map_err(|e| tracing::warn!("cannot watch the journal, falling back to the clock: {e}"))
        .ok();
    let signals = sources::spawn_signals(tx.clone())?;
    executor.deployed(model.incident.judged_from(), model.incident.release.clone());
    if let Some(setup) = errors {
        executor.start_errors(setup);
    }
    executor.start_gates(gates);
    if !model.flags.is_empty() {
        executor.perform(crate::app::Effect::ReadFlags, &model);
    }
    if let Some(record) = crate::app::metrics::gates_event(&model) {
        executor.perform(record, &model);
    }
    if let Some(setup) = git {
        executor.start_git(setup);
    }
    executor.start_share();
    for effect in crate::app::tickets::at_start(&mut model) {
        executor.perform(effect, &model);
    }
    if let Some(find) = crate::app::paging::to_follow(&model).filter(|_| !model.read_only()) {
        executor.perform(crate::app::Effect::FollowPage(find), &model);
    }
    // A closed PR too: it may be reopened while the incident is open.
    if let Some(pr) = model
        .incident
        .pr
        .as_ref()
        .filter(|p| !p.merged && model.incident.closed_at.is_none())
    {
        executor.perform(crate::app::Effect::FollowPr(pr.number), &model);
    }
    let tail = model.runbook.log_file.clone().map(|f| {
        let lines = sources::forward(tx.clone(), Msg::LogFile, 16);
        crate::jobs::tail::spawn(f, lines, model.redactor.clone())
    });

    install_paste_cleanup();
    let mut terminal = ratatui::init();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste);
    if let Ok(size) = terminal.size() {
        model.size = (size.width, size.height);
    }
    executor.ring = true;
    let input = sources::spawn_input(tx.clone());
    let driver = script.map(|s| tokio::spawn(crate::demo::script::drive(s, tx.clone())));
    let clock = sources::spawn_clock(tx.clone());
    drop(tx);
    let result = run_loop(&mut terminal, &mut model, &mut executor, &mut rx).await;
    if result.is_ok() {
        executor.checkpoint(&model);
    }

    executor.stop();
    if let Some(d) = driver {
        d.abort();
    }
    input.abort();
    clock.abort();
    signals.abort();
    if let Some(t) = tail {
        t.abort();
    }
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    result.map(|()| model.exit_status)
}

/// Bracketed paste is ours to undo: ratatui's panic hook restores raw mode and the screen only.
fn install_paste_cleanup() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
        previous(info);
    }));
}
