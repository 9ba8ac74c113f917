//! Opening an incident, the demo, and the console on an incident.

use super::*;

/// What `open` does besides recording the incident.
pub(super) struct OpenWith {
    pub no_console: bool,
    pub share: bool,
    pub paging: Option<super::paging::Paging>,
    pub no_ticket: bool,
}

pub(super) fn open(
    ctx: &Ctx,
    ticket: &str,
    priority: Option<String>,
    title: Option<String>,
    detected_at: Option<String>,
    with: OpenWith,
) -> Result<()> {
    let OpenWith {
        no_console,
        share,
        paging,
        no_ticket,
    } = with;
    validate_ticket(ticket).map_err(Fail::Usage)?;
    let priority: Option<Priority> = priority
        .map(|p| {
            p.parse()
                .map_err(|e: crate::priority::UnknownPriority| Fail::Usage(e.to_string()))
        })
        .transpose()?;
    let now = Utc::now();
    let detected = detected_at
        .map(|s| time::parse_detected_at(&s, now).map_err(Fail::Usage))
        .transpose()?
        .unwrap_or(now);
    let loaded = ctx.config()?;
    if let Some(existing) = ctx.store.find(ticket) {
        return Err(StoreError::Exists(existing).into());
    }
    // The tracker's issue, read before anything is recorded: a ticket it does not have stops
    // here (unless --no-ticket); one it cannot tell about is read again by the console.
    let tracked = if no_ticket {
        None
    } else {
        super::tickets::read(ctx, &loaded, ticket)?
    };
    let title = title.or_else(|| tracked.as_ref().map(|(_, t)| t.title.clone()));
    let interactive = std::io::stdin().is_terminal();
    let priority = match priority {
        Some(p) => p,
        None if interactive => {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            let mut out = std::io::stdout();
            match assess::assess(&mut input, &mut out).context("urgency assessment")? {
                assess::Outcome::NormalProcess => return Ok(()),
                assess::Outcome::Priority(p) => {
                    assess::confirm(&mut input, &mut out, p).context("urgency assessment")?
                }
            }
        }
        None => {
            return Err(Fail::Usage(
                "--priority P0..P3 is required when not run in a terminal".into(),
            ));
        }
    };
    let title = match title.map(|t| t.trim().to_string()) {
        Some(t) if !t.is_empty() => t,
        Some(_) => return Err(Fail::Usage("--title must not be empty".into())),
        None if interactive => {
            let t = prompt_line("Title (what is broken, in a few words): ")?;
            if t.is_empty() {
                return Err(Fail::Usage("a title is required".into()));
            }
            t
        }
        None => return Err(Fail::Usage("--title TEXT is required".into())),
    };
    let opened = Draft::new(
        kinds::INCIDENT_OPENED,
        format!("Incident opened: {priority} {title}"),
    )
    .field("ticket", ticket)
    .field("title", title.clone())
    .field("priority", priority.to_string())
    .field("detected_at", rfc3339_string(detected))
    .field("no_ticket", no_ticket)
    .stamp(now);
    ctx.store.create(ticket, &opened)?;
    if let Some((kind, t)) = &tracked {
        let ev = crate::app::tickets::linked(*kind, t);
        println!("{}", ev.text);
        ctx.store
            .writer(ticket)?
            .append(ev)
            .context("recording the ticket")?;
    }
    let target = loaded.config.policy().target(priority);
    let due = detected + chrono::Duration::from_std(target).unwrap_or_default();
    println!(
        "Opened {ticket} ({priority}: {title}); deploy the fix by {} ({} target)",
        crate::format::utc_minute(due),
        crate::format::target(target)
    );
    if share || loaded.config.share.enabled {
        share_new(ctx, ticket, &loaded)?;
    }
    if let Some(Err(e)) = paging.map(|p| super::paging::page(ctx, ticket, &loaded, p)) {
        if no_console {
            return Err(Fail::Other(anyhow::anyhow!("{e} (the incident is open)")));
        }
        eprintln!("{e}; the console opens anyway: P pages from there");
    }
    if no_console {
        return Ok(());
    }
    console(ctx, ticket, loaded)
}

pub(super) fn demo(script: bool, dir: Option<PathBuf>) -> Result<()> {
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
            if std::fs::read_dir(&d)
                .map(|mut r| r.next().is_some())
                .unwrap_or(false)
            {
                return Err(Fail::Usage(format!(
                    "{} is not empty: give the demo an empty folder",
                    d.display()
                )));
            }
            d
        }
        None => tempfile::Builder::new()
            .prefix("warroom-demo-")
            .tempdir()
            .context("creating the demo's folder")?
            .keep(),
    };
    let d = crate::demo::set_up(&dir, script)
        .map_err(|e| Fail::Other(anyhow::anyhow!("setting up the demo: {e}")))?;
    std::env::set_current_dir(&d.repo).context("entering the demo's repository")?;
    let ctx = Ctx {
        store: d.store.clone(),
        config_flag: Some(d.config.clone()),
        cwd: d.repo.clone(),
    };
    let loaded = ctx.config()?;
    let driver = script.then(|| crate::demo::script::Script {
        journal: d.store.journal_path(crate::demo::TICKET),
        repo: d.repo.clone(),
    });
    let result = console_with(&ctx, crate::demo::TICKET, loaded, driver);
    println!(
        "The demo's files are in {}: the service in accounts-api/, the record in home/incidents/{}/ (exports/ once closed).",
        d.dir.display(),
        crate::demo::TICKET
    );
    result
}

pub(super) fn resume(ctx: &Ctx, ticket: Option<String>) -> Result<()> {
    let loaded = ctx.config()?;
    let ticket = match ticket {
        Some(t) => ctx.ticket(&t)?,
        None => {
            let mut open = Vec::new();
            for t in ctx.store.tickets().context("listing incidents")? {
                let inc = ctx.incident(&t, &loaded)?.incident;
                if inc.closed_at.is_none() {
                    open.push(t);
                }
            }
            match open.len() {
                1 => open.remove(0),
                0 => {
                    return Err(Fail::Usage(
                        "no open incident; start one with `warroom open TICKET --priority P0 --title TEXT`".into(),
                    ));
                }
                _ => {
                    return Err(Fail::Usage(format!(
                        "{} incidents are open ({}); name one: `warroom resume TICKET`",
                        open.len(),
                        open.join(", ")
                    )));
                }
            }
        }
    };
    console(ctx, &ticket, loaded)
}

/// Loads the incident and runs the console until the user quits.
pub(super) fn console(ctx: &Ctx, ticket: &str, loaded: Loaded) -> Result<()> {
    console_with(ctx, ticket, loaded, None)
}

pub(super) fn console_with(
    ctx: &Ctx,
    ticket: &str,
    loaded: Loaded,
    script: Option<crate::demo::script::Script>,
) -> Result<()> {
    if !std::io::stdout().is_terminal() {
        return Err(Fail::Usage(
            "the console needs a terminal; use `warroom list`, `note`, `event` or `export` from scripts".into(),
        ));
    }
    if Review::read(&ctx.store.incident_dir(ticket).join("exports")) == Review::Complete {
        let inc = ctx.incident(ticket, &loaded)?.incident;
        ctx.review(ticket, &inc)?;
    }
    let log = crate::logging::init(ctx.store.root());
    tracing::info!(ticket, "console started");
    let mut console = crate::console::prepare(&ctx.store, ticket, &loaded, &ctx.cwd)?;
    let _log_guard = match log {
        Ok(guard) => guard,
        Err(why) => {
            console.model.say(
                crate::app::model::Tone::Warn,
                format!("Running without warroom.log: {why}"),
            );
            None
        }
    };
    // The screen runs on this thread; the producers' tasks wait on the network or a pipe, so
    // one worker carries them: a second one is woken beside it at every wake-up (a spinner's
    // redraws cost 113 thread switches a second with two, 43 with one).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let exit = rt.block_on(crate::console::run(console, script))?;
    // Blocking reads of the terminal must not hold up the exit.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    match exit {
        0 => Ok(()),
        code => Err(Fail::Exit(code)),
    }
}
