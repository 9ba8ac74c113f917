//! Many seats from the command line: `open --share`, `join`, `list --remote`, `handoff`, and
//! the push after `note` and `event` when no console runs to make it.

use std::collections::BTreeMap;

use super::*;
use crate::console::share::{ShareLink, seat_joined};
use crate::journal::{Backend, Share};
use crate::share::{listing, worker};

impl Ctx {
    fn share_link(&self, loaded: &Loaded, ticket: &str) -> ShareLink {
        ShareLink {
            git: loaded.config.git.clone(),
            cfg: loaded.config.share.clone(),
            cwd: self.cwd.clone(),
            home: self.store.root().to_path_buf(),
            ticket: ticket.to_string(),
            dir: self.store.incident_dir(ticket),
        }
    }

    fn share_repo(&self, loaded: &Loaded) -> Result<crate::git::Git> {
        crate::share::open_repo(&loaded.config.git, &loaded.config.share, &self.cwd)
            .map_err(Fail::Usage)
    }
}

/// Shares a new incident (`open --share`, or `[share] enabled`) and pushes its first events.
pub(super) fn share_new(ctx: &Ctx, ticket: &str, loaded: &Loaded) -> Result<()> {
    let link = ctx.share_link(loaded, ticket);
    let share = link
        .begin(&ctx.store.writer(ticket)?, true)
        .map_err(|e| Fail::Usage(format!("{ticket} is recorded here but not shared: {e}")))?;
    println!(
        "Shared on {} as seat {}; others join with: warroom join {ticket}",
        share.remote, share.seat
    );
    push_after(ctx, ticket, Some(loaded));
    Ok(())
}

/// After `note`, `event` or `handoff` on a shared incident: a running console pushes; else the
/// command does, for at most `[share] timeout`.
pub(super) fn push_after(ctx: &Ctx, ticket: &str, loaded: Option<&Loaded>) {
    sync(ctx, ticket, loaded, false);
}

/// Before a document of a shared incident with no console running: the other seats' events
/// are taken first (for at most `[share] timeout`), so the document holds every seat's.
pub(super) fn pull_before(ctx: &Ctx, ticket: &str, loaded: &Loaded) {
    sync(ctx, ticket, Some(loaded), true);
}

fn sync(ctx: &Ctx, ticket: &str, loaded: Option<&Loaded>, pull: bool) {
    let dir = ctx.store.incident_dir(ticket);
    let Ok(Some(share)) = Share::load(&dir) else {
        return;
    };
    if crate::share::console_running(&dir) {
        return;
    }
    let owned;
    let loaded = match loaded {
        Some(l) => l,
        None => match ctx.config() {
            Ok(l) => {
                owned = l;
                &owned
            }
            Err(_) => {
                eprintln!(
                    "warroom: not pushed (the config does not load: warroom config check says why); the events wait for the next push"
                );
                return;
            }
        },
    };
    let link = ctx.share_link(loaded, ticket);
    let timeout = loaded.config.share.timeout;
    match worker::sync_once(link.setup(share.clone()), timeout, pull) {
        Some(Ok((s, warnings))) => {
            for w in warnings {
                eprintln!("warroom: {w}");
            }
            report(&share, s, pull);
        }
        Some(Err(why)) => {
            eprintln!("warroom: not synced: {why}; the events wait for the next push")
        }
        None => eprintln!(
            "warroom: {} did not answer within {}; the events wait for the next push",
            share.remote,
            crate::format::duration(timeout)
        ),
    }
}

fn report(share: &Share, s: worker::ShareStatus, pull: bool) {
    if let Some(moved) = &s.moved {
        eprintln!("warroom: {moved}");
    }
    match s {
        s if s.rejected.is_some() => eprintln!("warroom: {}", s.rejected.unwrap_or_default()),
        s if s.online && !pull => eprintln!("Pushed to {}", share.remote),
        s if s.online => {}
        s => eprintln!(
            "warroom: {} is out of reach ({}); the events wait for the next push",
            share.remote,
            s.error.unwrap_or_default()
        ),
    }
}

/// `warroom join TICKET`: this seat takes the incident's events from the remote, says it joined
/// and opens the console.
pub(super) fn join(ctx: &Ctx, ticket: &str, no_console: bool) -> Result<()> {
    validate_ticket(ticket).map_err(Fail::Usage)?;
    let loaded = ctx.config()?;
    if loaded.config.share.backend == Backend::Nats {
        return join_nats(ctx, ticket, no_console, loaded);
    }
    let git = ctx.share_repo(&loaded)?;
    let incidents = listing::git_refs(&git).map_err(|e| Fail::Other(anyhow::anyhow!(e)))?;
    let Some((ticket, seats)) = incidents
        .into_iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(ticket))
    else {
        return Err(Fail::Usage(format!(
            "no incident {ticket} is shared on {:?}; `warroom list --remote` shows the ones that are",
            git.cfg.remote
        )));
    };
    let ticket = ticket.as_str();
    let dir = ctx.store.incident_dir(ticket);
    let share = match ctx.store.find(ticket) {
        Some(_) => Share::load(&dir)
            .context("reading the share file")?
            .ok_or_else(|| {
                Fail::Usage(format!(
                    "{ticket} is recorded here but not shared: resume it and press S to share it"
                ))
            })?,
        None => {
            let share = crate::share::seat_for(&git.repo, &git.cfg.remote, ctx.store.root())
                .map_err(Fail::Usage)?;
            let there = seats.contains_key(&share.seat);
            new_seat(ctx, ticket, share, there)?
        }
    };
    // Every other seat's events taken in, then this seat's pushed: as the console's share
    // thread does it.
    let mut sync = worker::Sync::open(ctx.share_link(&loaded, ticket).setup(share.clone()))
        .map_err(Fail::Usage)?;
    let (events, warnings) = sync.poll();
    for w in &warnings {
        eprintln!("warroom: {w}");
    }
    if let Some(why) = sync.status.error.clone() {
        return Err(Fail::Other(anyhow::anyhow!("fetching {ticket}: {why}")));
    }
    if !ctx.store.exists(ticket) {
        crate::journal::JournalWriter::new(ctx.store.journal_path(ticket))
            .with_seat(share.clone())
            .append(seat_joined(&share, "joined"))
            .context("writing the journal")?;
    }
    sync.push();
    println!(
        "Joined {ticket} as seat {} ({} from {})",
        share.seat,
        crate::format::count(events, "event", "events"),
        crate::format::count(seats.len(), "seat", "seats")
    );
    report(&share, sync.status, false);
    if no_console {
        return Ok(());
    }
    console(ctx, ticket, loaded)
}

/// A joining seat's incident folder and share file, made before anything is written: the other
/// seats' events are taken in first, so that its first event sorts after everything it joined.
/// Refused when the remote already has this seat (`there`) and its journal is elsewhere.
fn new_seat(ctx: &Ctx, ticket: &str, share: Share, there: bool) -> Result<Share> {
    if there {
        return Err(Fail::Usage(format!(
            "seat {} is already on {ticket} but its journal is not in {}: use the WARROOM_HOME it was opened with",
            share.seat,
            ctx.store.root().display()
        )));
    }
    let dir = ctx.store.incident_dir(ticket);
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::fsutil::named(&dir, e))
        .context("making the incident folder")?;
    share.save(&dir).context("writing the share file")?;
    Ok(share)
}

/// `warroom join TICKET` through NATS: the incident's stream read, this seat's arrival
/// published, and the console opened.
fn join_nats(ctx: &Ctx, ticket: &str, no_console: bool, loaded: Loaded) -> Result<()> {
    let cfg = loaded.config.share.clone();
    let on = crate::share::nats::servers(&cfg);
    let incidents = nats_incidents(&cfg, Some(ticket))?;
    let Some((ticket, seats)) = incidents
        .into_iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(ticket))
    else {
        return Err(Fail::Usage(format!(
            "no incident {ticket} is shared on {on}; `warroom list --remote` shows the ones that are"
        )));
    };
    let ticket = ticket.as_str();
    let dir = ctx.store.incident_dir(ticket);
    let link = ctx.share_link(&loaded, ticket);
    let share = match ctx.store.find(ticket) {
        Some(_) => Share::load(&dir)
            .context("reading the share file")?
            .filter(|s| s.backend == Backend::Nats)
            .ok_or_else(|| {
                Fail::Usage(format!(
                    "{ticket} is recorded here but not shared through NATS: it is joined with [share] backend = \"git\""
                ))
            })?,
        None => {
            let share = link.seat().map_err(Fail::Usage)?;
            let there = seats.contains_key(&share.seat);
            new_seat(ctx, ticket, share, there)?
        }
    };
    // Every other seat's events taken in first, so this seat's first event sorts after them.
    let events: usize = seats.values().map(Vec::len).sum();
    match worker::sync_once(link.setup(share.clone()), cfg.timeout, true) {
        Some(Ok((status, warnings))) => {
            for w in &warnings {
                eprintln!("warroom: {w}");
            }
            if let Some(why) = status.error.or(status.rejected) {
                return Err(Fail::Other(anyhow::anyhow!("reading {ticket}: {why}")));
            }
        }
        Some(Err(why)) => return Err(Fail::Other(anyhow::anyhow!("reading {ticket}: {why}"))),
        None => {
            return Err(Fail::Other(anyhow::anyhow!(
                "{on} did not answer within {}",
                crate::format::duration(cfg.timeout)
            )));
        }
    }
    if !ctx.store.exists(ticket) {
        crate::journal::JournalWriter::new(ctx.store.journal_path(ticket))
            .with_seat(share.clone())
            .append(seat_joined(&share, "joined"))
            .context("writing the journal")?;
    }
    println!(
        "Joined {ticket} as seat {} ({} from {})",
        share.seat,
        crate::format::count(events, "event", "events"),
        crate::format::count(seats.len(), "seat", "seats")
    );
    push_after(ctx, ticket, Some(&loaded));
    if no_console {
        return Ok(());
    }
    console(ctx, ticket, loaded)
}

/// The organisation's incidents on NATS (or the one named), each with its seats' events.
fn nats_incidents(
    cfg: &crate::config::ShareConfig,
    only: Option<&str>,
) -> Result<Vec<listing::SharedIncident>> {
    let (incidents, warnings) =
        listing::nats_incidents_once(cfg, only).map_err(|e| Fail::Other(anyhow::anyhow!(e)))?;
    for w in warnings {
        eprintln!("warroom: {w}");
    }
    Ok(incidents)
}

/// `warroom list --remote`: the incidents open on the remote, most urgent first.
pub(super) fn list_remote(ctx: &Ctx) -> Result<()> {
    let loaded = ctx.config()?;
    let (incidents, on) = match loaded.config.share.backend {
        Backend::Nats => (
            nats_incidents(&loaded.config.share, None)?,
            crate::share::nats::servers(&loaded.config.share),
        ),
        Backend::Git => {
            let git = ctx.share_repo(&loaded)?;
            let (incidents, warnings) =
                listing::git_incidents(&git).map_err(|e| Fail::Other(anyhow::anyhow!(e)))?;
            for w in warnings {
                eprintln!("warroom: {w}");
            }
            (incidents, format!("{:?}", git.cfg.remote))
        }
    };
    if incidents.is_empty() {
        println!("No incident is shared on {on}");
        return Ok(());
    }
    let policy = loaded.config.policy();
    let now = Utc::now();
    let (rows, closed) = listing::open_rows(&incidents, &loaded.checklist, &policy, now);
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.ticket.clone(),
                r.incident.priority.to_string(),
                r.incident.phase().as_str().to_string(),
                r.sla_text(&policy, now),
                r.people.join(", "),
                r.incident.title.clone(),
            ]
        })
        .collect();
    let header = ["TICKET", "PRI", "PHASE", "SLA", "SEATS", "TITLE"].map(String::from);
    let mut widths = [0; 6];
    for row in std::iter::once(&header).chain(&cells) {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i == 5 {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        println!("{line}");
    }
    if closed > 0 {
        println!(
            "({} on the remote closed)",
            crate::format::count(closed, "incident", "incidents")
        );
    }
    Ok(())
}

/// `warroom board`: the remote's open incidents, live; the one chosen is opened here (its
/// console when this home has it, else joined).
pub(super) fn board(ctx: &Ctx) -> Result<()> {
    if !std::io::stdout().is_terminal() {
        return Err(Fail::Usage(
            "the board needs a terminal; `warroom list --remote` prints the same incidents".into(),
        ));
    }
    let loaded = ctx.config()?;
    let cfg = loaded.config.share.clone();
    let on = match cfg.backend {
        Backend::Nats => format!("{} on {}", cfg.org, crate::share::nats::servers(&cfg)),
        Backend::Git => format!("the git remote {:?}", cfg.remote),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let setup = crate::console::board::BoardSetup {
        feed: crate::share::feed::start(cfg, loaded.config.git.clone(), ctx.cwd.clone()),
        checklist: loaded.checklist.clone(),
        policy: loaded.config.policy(),
        palette: crate::config::palette::Palette::from_config(&loaded.config.theme, no_color),
        on,
    };
    let Some(ticket) = crate::console::board::run(setup).context("the board")? else {
        return Ok(());
    };
    if ctx.store.exists(&ticket) {
        console(ctx, &ticket, loaded)
    } else {
        join(ctx, &ticket, false)
    }
}

/// `warroom share migrate TICKET --to git|nats`: this seat's share moves, with every event it
/// holds; the move is recorded and pushed where the incident was, so the seats still there read
/// that they move too.
pub(super) fn migrate(ctx: &Ctx, ticket: &str, to: Backend) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let dir = ctx.store.incident_dir(ticket);
    let share = Share::load(&dir)
        .context("reading the share file")?
        .ok_or_else(|| {
            Fail::Usage(format!(
                "{ticket} is not shared: open --share (or S in the console) shares it"
            ))
        })?;
    if share.backend == to {
        return Err(Fail::Usage(format!(
            "{ticket} is already shared through {to}"
        )));
    }
    if crate::share::console_running(&dir) {
        return Err(Fail::Usage(format!(
            "a console runs for {ticket}: quit it first, then move the incident"
        )));
    }
    let cfg = &loaded.config.share;
    let link = ctx.share_link(&loaded, ticket);
    let within = cfg.timeout;
    let synced = |setup, pull| match worker::sync_once(setup, within, pull) {
        Some(Ok((status, warnings))) => match status.error.or(status.rejected) {
            Some(why) => Err(why),
            None => Ok(warnings),
        },
        Some(Err(why)) => Err(why),
        None => Err(format!(
            "no answer within {}",
            crate::format::duration(within)
        )),
    };
    // Everything where the incident is now first, so the move carries all of it.
    for w in synced(link.setup(share.clone()), true).map_err(|why| {
        Fail::Other(anyhow::anyhow!(
            "{ticket} cannot be read from {} ({why}): nothing was moved",
            share.remote
        ))
    })? {
        eprintln!("warroom: {w}");
    }
    let there = match to {
        Backend::Nats => crate::share::nats::servers(cfg),
        Backend::Git => cfg.remote.clone(),
    };
    let label = match to {
        Backend::Nats => "NATS",
        Backend::Git => "git",
    };
    ctx.store
        .writer(ticket)?
        .append(
            Draft::new(
                kinds::SHARE_MOVED,
                format!(
                    "{} moved the incident to {label} ({there}): every seat runs warroom share migrate {ticket} --to {to}",
                    share.by
                ),
            )
            .field("to", to.to_string())
            .field("remote", there.clone()),
        )
        .context("recording the move")?;
    if let Err(why) = synced(link.setup(share.clone()), false) {
        eprintln!(
            "warroom: the move is recorded here but not on {} yet ({why}): the seats still there read it when this seat next syncs there",
            share.remote
        );
    }
    let moved = Share {
        backend: to,
        remote: there.clone(),
        ..share
    };
    let result = match to {
        Backend::Nats => crate::share::nats::migrate::move_in(link.setup(moved.clone()), within)
            .and_then(|(status, said)| match status.error.or(status.rejected) {
                Some(why) => Err(why),
                None => Ok(said),
            }),
        Backend::Git => synced(link.setup(moved.clone()), true),
    };
    let said = result.map_err(|why| {
        Fail::Other(anyhow::anyhow!(
            "{ticket} could not be moved to {there} ({why}): it is still shared through {}",
            share_label(&moved)
        ))
    })?;
    moved.save(&dir).context("writing the share file")?;
    for w in said {
        eprintln!("warroom: {w}");
    }
    println!("Moved {ticket} to {label} ({there}) as seat {}", moved.seat);
    Ok(())
}

/// The backend an incident was shared through before a move that failed.
fn share_label(moved: &Share) -> &'static str {
    match moved.backend {
        Backend::Nats => "git",
        Backend::Git => "NATS",
    }
}

/// `warroom handoff TICKET --to SEAT`: the brief written from the record, and the handoff on it.
/// The seats `to` names: a seat id, a person's whole name, first name, or the name part of
/// a seat id (`bob` for "Bob Second" of `bob-second-3f9a`), case aside; whole matches first.
fn seats_named<'a>(people: &'a BTreeMap<String, String>, to: &str) -> Vec<&'a str> {
    let whole: Vec<&str> = people
        .iter()
        .filter(|(seat, person)| seat.as_str() == to || person.eq_ignore_ascii_case(to))
        .map(|(seat, _)| seat.as_str())
        .collect();
    if !whole.is_empty() {
        return whole;
    }
    people
        .iter()
        .filter(|(seat, person)| {
            let first = person.split_whitespace().next().unwrap_or_default();
            let name = seat.rsplit_once('-').map_or(seat.as_str(), |(n, _)| n);
            first.eq_ignore_ascii_case(to) || name.eq_ignore_ascii_case(to)
        })
        .map(|(seat, _)| seat.as_str())
        .collect()
}

pub(super) fn handoff(ctx: &Ctx, ticket: &str, to: &str) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let dir = ctx.store.incident_dir(ticket);
    let me = Share::load(&dir)
        .context("reading the share file")?
        .ok_or_else(|| Fail::Usage(format!("{ticket} is not shared: a handoff goes to another seat (S in the console, or open --share)")))?;
    pull_before(ctx, ticket, &loaded);
    let rec = ctx.incident(ticket, &loaded)?;
    let seats = &rec.incident.seats;
    let listed = || {
        seats
            .people
            .iter()
            .map(|(s, p)| format!("{s} ({p})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let target = match seats_named(&seats.people, to)[..] {
        [seat] => seat.to_string(),
        [] => {
            return Err(Fail::Usage(format!(
                "no seat {to:?} on {ticket}; the seats are: {}",
                listed()
            )));
        }
        _ => {
            return Err(Fail::Usage(format!(
                "{to:?} names more than one seat on {ticket}: give the seat id ({})",
                listed()
            )));
        }
    };
    if let Some(h) = &seats.handoff {
        return Err(Fail::Usage(format!(
            "a handoff to {} is already pending (since {} UTC): they accept it in their console with y",
            seats.person(&h.to),
            h.at.format("%H:%M")
        )));
    }
    if target == me.seat {
        return Err(Fail::Usage(
            "that is this seat: hand over to another one".into(),
        ));
    }
    if let Some(ic) = seats.holder("commander").filter(|ic| *ic != me.seat) {
        return Err(Fail::Usage(format!(
            "{} is the commander: only they hand the role over (the console's R assigns roles)",
            seats.person(ic)
        )));
    }
    let writer = ctx.store.writer(ticket)?;
    writer
        .append(
            Draft::new(
                kinds::HANDOFF_STARTED,
                format!(
                    "Commander role handed to {}: waiting for them to accept",
                    seats.person(&target)
                ),
            )
            .field("to", target.clone()),
        )
        .context("recording the handoff")?;
    let rec = ctx.incident(ticket, &loaded)?;
    let exporter = ctx
        .documents(&loaded)
        .exporter(Utc::now())
        .map_err(|e| Fail::Other(e.into()))?;
    let written = write_recorded(
        &exporter,
        &rec.incident,
        &rec.events(),
        &[export::Format::Handoff],
        &exports_dir(&dir),
        &writer,
    )
    .map_err(|e| Fail::Other(e.into()))?;
    if let Some(w) = written.first() {
        let brief = std::fs::read_to_string(&w.path).context("reading the brief")?;
        println!("{brief}");
        println!("(written to {})", w.path.display());
    }
    push_after(ctx, ticket, Some(&loaded));
    Ok(())
}
