//! Many seats from the command line: `open --share`, `join`, `list --remote`, `handoff`, and
//! the push after `note` and `event` when no console runs to make it.

use std::collections::BTreeMap;

use super::*;
use crate::console::share::{ShareLink, seat_joined};
use crate::journal::{Backend, Share};
use crate::share::{remote, worker};

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

/// The incidents on the remote: ticket → (seat → ref tip).
fn remote_incidents(
    git: &crate::git::Git,
) -> Result<BTreeMap<String, BTreeMap<String, git2::Oid>>> {
    let refs = remote::list(git).map_err(|e| {
        Fail::Other(anyhow::anyhow!(
            "cannot reach the remote {:?}: {e}",
            git.cfg.remote
        ))
    })?;
    let mut by_ticket: BTreeMap<String, Vec<(String, git2::Oid)>> = BTreeMap::new();
    for (name, oid) in refs {
        if let Some((ticket, _)) = name
            .strip_prefix("refs/warroom/")
            .and_then(|r| r.split_once('/'))
        {
            by_ticket
                .entry(ticket.to_string())
                .or_default()
                .push((name.clone(), oid));
        }
    }
    // Each seat's newest ref (the one it moved on to last, if it did).
    Ok(by_ticket
        .into_iter()
        .map(|(ticket, refs)| {
            let (seats, _) = crate::share::newest_refs(&ticket, refs);
            let seats = seats.into_iter().map(|(s, (_, oid))| (s, oid)).collect();
            (ticket, seats)
        })
        .collect())
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
    let incidents = remote_incidents(&git)?;
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

/// An incident on the remote: its ticket, and each seat's events.
type SharedIncident = (String, BTreeMap<String, Vec<crate::journal::Event>>);

/// The organisation's incidents on NATS (or the one named), each with its seats' events.
fn nats_incidents(
    cfg: &crate::config::ShareConfig,
    only: Option<&str>,
) -> Result<Vec<SharedIncident>> {
    let conn = crate::share::nats::Connect::new(cfg, "list");
    let (org, within, only) = (cfg.org.clone(), cfg.timeout, only.map(str::to_string));
    let (incidents, warnings) = crate::share::nats::blocking(async move {
        let js = crate::share::nats::jetstream(conn.once().await?);
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        for ticket in crate::share::nats::incidents::tickets(&js, &org).await? {
            if only
                .as_ref()
                .is_some_and(|t| !t.eq_ignore_ascii_case(&ticket))
            {
                continue;
            }
            let (seats, w) =
                crate::share::nats::incidents::read(&js, &org, &ticket, within).await?;
            warnings.extend(w);
            out.push((ticket, seats));
        }
        Ok((out, warnings))
    })
    .map_err(|e| Fail::Other(anyhow::anyhow!("{e}")))?;
    for w in warnings {
        eprintln!("warroom: {w}");
    }
    Ok(incidents)
}

/// The incidents on the git remote, each with its seats' events.
fn git_incidents(git: &crate::git::Git) -> Result<Vec<SharedIncident>> {
    let incidents = remote_incidents(git)?;
    if !incidents.is_empty() {
        remote::fetch_all(git).map_err(|e| Fail::Other(anyhow::anyhow!("fetching: {e}")))?;
    }
    let mut out = Vec::new();
    for (ticket, seats) in incidents {
        let mut streams = BTreeMap::new();
        let mut warnings = Vec::new();
        for (seat, tip) in seats {
            let mut events = Vec::new();
            crate::share::ingest::each_event(
                &git.repo,
                &seat,
                tip,
                None,
                &mut warnings,
                &mut |_| Ok(()),
                &mut |ev| {
                    events.push(ev);
                    Ok(())
                },
            )
            .map_err(|e| Fail::Other(anyhow::anyhow!("{ticket}: {e}")))?;
            streams.insert(seat, events);
        }
        out.push((ticket, streams));
    }
    Ok(out)
}

/// `warroom list --remote`: the incidents open on the remote.
pub(super) fn list_remote(ctx: &Ctx) -> Result<()> {
    let loaded = ctx.config()?;
    let (incidents, on) = match loaded.config.share.backend {
        Backend::Nats => (
            nats_incidents(&loaded.config.share, None)?,
            crate::share::nats::servers(&loaded.config.share),
        ),
        Backend::Git => {
            let git = ctx.share_repo(&loaded)?;
            (git_incidents(&git)?, format!("{:?}", git.cfg.remote))
        }
    };
    if incidents.is_empty() {
        println!("No incident is shared on {on}");
        return Ok(());
    }
    let mut rows = Vec::new();
    let mut closed = 0;
    for (ticket, seats) in &incidents {
        // The one order, as every seat's console reads it.
        let streams = seats.iter().map(|(s, e)| (s.clone(), e.clone())).collect();
        let events = crate::journal::seats::in_one_order(streams);
        let inc = Incident::from_events(ticket, loaded.checklist.clone(), events);
        if inc.closed_at.is_some() {
            closed += 1;
            continue;
        }
        let people: Vec<&str> = seats.keys().map(|s| inc.seats.person(s)).collect();
        rows.push([
            ticket.clone(),
            inc.priority.to_string(),
            crate::format::duration(clock::elapsed(&inc, Utc::now())),
            people.join(", "),
            inc.title.clone(),
        ]);
    }
    println!(
        "{:<16}  {:<3}  {:<9}  {:<24}  TITLE",
        "TICKET", "PRI", "ELAPSED", "SEATS"
    );
    for r in &rows {
        println!(
            "{:<16}  {:<3}  {:<9}  {:<24}  {}",
            r[0], r[1], r[2], r[3], r[4]
        );
    }
    if closed > 0 {
        println!(
            "({} on the remote closed)",
            crate::format::count(closed, "incident", "incidents")
        );
    }
    Ok(())
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
