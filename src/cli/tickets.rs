//! The ticket from the command line: read before `open` records anything, written when `close`
//! closes (the resolution comment and the move to done), and `followups`: the action items
//! listed with their tickets, and created with `--create`.

use super::*;
use crate::app::tickets::{TicketsView, done_event, followup_event, new_issue, writes_for};
use crate::config::TrackerKind;
use crate::incident::tickets::Followup;
use crate::tickets::write::{RESOLUTION, Write, perform};
use crate::tickets::{Ticket, Tracker};

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?)
}

/// The tracker, or why it cannot be asked (`None`: none configured).
fn tracker(ctx: &Ctx, loaded: &Loaded) -> Option<std::result::Result<Tracker, String>> {
    crate::tickets::connect(&loaded.config, &ctx.cwd)
        .transpose()
        .map(|r| r.map(|(t, _)| t))
}

/// The ticket as the tracker has it. A ticket the tracker does not have stops the opening
/// (exit 2); a tracker that cannot be asked is said, and the console reads it later.
pub(super) fn read(
    ctx: &Ctx,
    loaded: &Loaded,
    ticket: &str,
) -> Result<Option<(TrackerKind, Ticket)>> {
    let tracker = match tracker(ctx, loaded) {
        None => return Ok(None),
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("{ticket} not read: {e}; the console reads it once it can");
            return Ok(None);
        }
    };
    match runtime()?.block_on(crate::tickets::patiently(|| tracker.read(ticket))) {
        Ok(t) => Ok(Some((tracker.kind(), t))),
        Err(e) if e.not_found => Err(Fail::Usage(format!(
            "{ticket} is not a {} issue ({e}): check the ticket, or open without one: --no-ticket",
            tracker.name()
        ))),
        Err(e) => {
            eprintln!(
                "{ticket} not read from {}: {e}; the console reads it again",
                tracker.name()
            );
            Ok(None)
        }
    }
}

/// After `close`: the resolution comment and the move to done, each once. A write that fails
/// is said and recorded; the console (or `close` again) tries it again.
pub(super) fn flush(ctx: &Ctx, loaded: &Loaded, ticket: &str) -> Result<()> {
    let view = TicketsView::from_config(&loaded.config.tickets);
    let Some(kind) = view.provider else {
        return Ok(());
    };
    let rec = ctx.incident(ticket, loaded)?;
    let inc = &rec.incident;
    let Some(linked) = inc.tickets.linked.clone() else {
        if !inc.tickets.untracked {
            println!(
                "The ticket was never read from {}: nothing written to it",
                kind.name()
            );
        }
        return Ok(());
    };
    let mut writes = writes_for(inc, &view);
    if writes.is_empty() {
        return Ok(());
    }
    let writer = ctx.store.writer(ticket)?;
    let tracker = match tracker(ctx, loaded) {
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            println!(
                "{} not written: {e}; the console writes it when it can",
                linked.key
            );
            return Ok(());
        }
        None => return Ok(()),
    };
    let exporter = ctx
        .documents(loaded)
        .exporter(Utc::now())
        .map_err(export_error)?;
    let review = exports_dir(&ctx.store.incident_dir(ticket)).join("pir.md");
    for w in &mut writes {
        if let Write::Comment { of, text } = w
            && of == RESOLUTION
        {
            *text = exporter
                .resolution(inc, &rec.events(), &review)
                .map_err(export_error)?;
        }
    }
    let rt = runtime()?;
    let mut tickets = inc.tickets.clone();
    for w in &writes {
        let draft = match rt.block_on(crate::tickets::patiently(|| {
            perform(&tracker, &linked.key, w)
        })) {
            Ok(outcome) => done_event(&tickets, &linked.key, outcome),
            Err(e) => {
                println!(
                    "{}: {} waits: {e} (the console, or close again, tries it again)",
                    linked.key,
                    w.describe()
                );
                Some(
                    Draft::new(
                        kinds::TICKET_WRITE_FAILED,
                        format!("{}: {} waits: {e}", linked.key, w.describe()),
                    )
                    .field("write", w.describe())
                    .field("error", e.to_string()),
                )
            }
        };
        if let Some(d) = draft {
            let ev = writer.append(d).context("recording the ticket's write")?;
            println!("{}", ev.text);
            tickets.apply(&ev);
        }
    }
    Ok(())
}

/// `warroom followups TICKET [--create]`.
pub(super) fn followups(ctx: &Ctx, ticket: &str, create: bool) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    pull_before(ctx, ticket, &loaded);
    let rec = ctx.incident(ticket, &loaded)?;
    let inc = &rec.incident;
    let t = &inc.tickets;
    if t.items.is_empty() {
        println!(
            "No action items on {ticket}: notes starting \"TODO:\" are, e.g. warroom note {ticket} \"TODO: add a test (@ana, by 2026-12-10)\""
        );
        return Ok(());
    }
    if !create {
        for (i, item) in t.items.iter().enumerate() {
            let state = match t.followups.get(&item.text) {
                Some(Followup::Created { key, url }) => format!("{key} {url}"),
                Some(Followup::Failed { error }) => format!("not created: {error}"),
                None if item.ready() => "ready (--create makes it)".into(),
                None => format!("needs {}", item.missing().join(" and ")),
            };
            println!("{:>3}. {}  — {state}", i + 1, item.title);
        }
        return Ok(());
    }
    let tracker = match tracker(ctx, &loaded) {
        None => {
            return Err(Fail::Usage(
                "no tracker: set [tickets] provider (docs/tickets.md)".into(),
            ));
        }
        Some(Err(e)) => return Err(Fail::Usage(e)),
        Some(Ok(t)) => t,
    };
    let Some(parent) = t.linked.clone() else {
        return Err(Fail::Usage(format!(
            "{ticket} was never read from {}: follow-ups are created under it (open the console to read it)",
            tracker.name()
        )));
    };
    let items: Vec<_> = t.to_create().cloned().collect();
    if items.is_empty() {
        println!(
            "No action item is ready and without a ticket (an item needs @owner and by YYYY-MM-DD)"
        );
        return Ok(());
    }
    let rt = runtime()?;
    let writer = ctx.store.writer(ticket)?;
    let mut tickets = t.clone();
    let mut failed = 0;
    for item in items {
        let issue = new_issue(&item, &parent, &inc.title);
        let result = rt
            .block_on(crate::tickets::patiently(|| {
                tracker.follow_up(&parent.key, &issue)
            }))
            .map_err(|e| e.to_string());
        failed += usize::from(result.is_err());
        let ev = writer
            .append(followup_event(&tickets, &parent.key, &item.text, result))
            .context("recording the follow-up")?;
        println!("{}", ev.text);
        tickets.apply(&ev);
    }
    push_after(ctx, ticket, Some(&loaded));
    if failed > 0 {
        return Err(Fail::Other(anyhow::anyhow!(
            "{failed} not created; --create again tries them again"
        )));
    }
    Ok(())
}
