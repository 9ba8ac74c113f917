//! What each command does. Errors come back as [`Fail`]: usage/config problems exit 2,
//! everything else 1.

pub mod args;
pub mod config_check;
pub mod time;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use serde_json::Value;

pub use args::{Cli, Command, ConfigAction, Format, GitAction};

use crate::assess;
use crate::clock::{self, Sla};
use crate::config::{self, EXAMPLE_CONFIG, Loaded};
use crate::export::record::{Documents, exports_dir, record, write_recorded};
use crate::export::review::Review;
use crate::export::{self, Written};
use crate::incident::Incident;
use crate::journal::event::rfc3339_string;
use crate::journal::store::{StoreError, validate_ticket};
use crate::journal::{Draft, JournalReader, Kind, Store, describe, kinds};
use crate::output::Redactor;
use crate::priority::Priority;
use crate::runbook::Runbook;

#[derive(Debug)]
pub enum Fail {
    /// Bad arguments or config: exit 2.
    Usage(String),
    /// A git conflict; nothing was changed: exit 3.
    Conflict(String),
    /// Anything else: exit 1.
    Other(anyhow::Error),
    /// Ended by a signal or Ctrl-C, the terminal restored: this status, nothing to say.
    Exit(u8),
}

impl From<anyhow::Error> for Fail {
    fn from(e: anyhow::Error) -> Fail {
        Fail::Other(e)
    }
}

impl From<config::ConfigError> for Fail {
    fn from(e: config::ConfigError) -> Fail {
        Fail::Usage(e.to_string())
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        match e {
            StoreError::Io(e) => Fail::Other(e.into()),
            other => Fail::Usage(other.to_string()),
        }
    }
}

type Result<T> = std::result::Result<T, Fail>;

struct Ctx {
    store: Store,
    config_flag: Option<PathBuf>,
    cwd: PathBuf,
}

impl Ctx {
    fn config(&self) -> Result<Loaded> {
        Ok(config::load(self.config_flag.as_deref(), &self.cwd)?)
    }

    /// The ticket as it is on record (tickets are case-insensitive).
    fn ticket(&self, ticket: &str) -> Result<String> {
        validate_ticket(ticket).map_err(Fail::Usage)?;
        self.store
            .find(ticket)
            .ok_or_else(|| StoreError::Missing(ticket.to_string()).into())
    }

    /// How far the review in `exports/pir.md` is; a review with no prompt left is recorded
    /// (`pir_completed`) the first time it is seen, which ticks its checklist item.
    fn review(&self, ticket: &str, inc: &Incident) -> Result<Review> {
        let review = Review::read(&self.store.incident_dir(ticket).join("exports"));
        if review == Review::Complete && !inc.events.iter().any(|e| e.is(kinds::PIR_COMPLETED)) {
            self.store
                .writer(ticket)?
                .append(Draft::new(
                    kinds::PIR_COMPLETED,
                    "Post-incident review completed: exports/pir.md has no ⚠ prompt left",
                ))
                .context("recording the completed review")?;
        }
        Ok(review)
    }

    /// Reads and folds the journal of `ticket`, which must be as it is on record.
    fn incident(&self, ticket: &str, loaded: &Loaded) -> Result<(Incident, Vec<String>)> {
        let mut reader = JournalReader::new(self.store.journal_path(ticket));
        Ok(
            Incident::load(&mut reader, ticket, loaded.checklist.clone())
                .with_context(|| format!("reading the journal of {ticket}"))?,
        )
    }

    /// What the documents need from the configuration.
    fn documents(&self, loaded: &Loaded) -> Documents {
        Documents::new(loaded, &Runbook::from_config(&loaded.config, &self.cwd))
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        store: Store::new(Store::default_root()),
        config_flag: cli.config,
        cwd: std::env::current_dir().context("reading the current directory")?,
    };
    match cli.command {
        None => resume(&ctx, None),
        Some(Command::Resume { ticket }) => resume(&ctx, ticket),
        Some(Command::Open {
            ticket,
            priority,
            title,
            detected_at,
            no_console,
        }) => open(&ctx, &ticket, priority, title, detected_at, no_console),
        Some(Command::List) => list(&ctx),
        Some(Command::Note { ticket, text }) => note(&ctx, &ticket, &text.join(" ")),
        Some(Command::Event {
            ticket,
            kind,
            text,
            fields,
        }) => event(&ctx, &ticket, &kind, &text.join(" "), &fields),
        Some(Command::Export {
            ticket,
            format,
            out,
        }) => export_cmd(&ctx, &ticket, format, out.as_deref()),
        Some(Command::Close { ticket }) => close(&ctx, &ticket),
        Some(Command::Config { action }) => config_cmd(&ctx, action),
        Some(Command::Git { action }) => git_cmd(&ctx, action),
        Some(Command::Demo { script, dir }) => demo(script, dir),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "warroom", &mut std::io::stdout());
            Ok(())
        }
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd)
                .render(&mut std::io::stdout())
                .context("writing the manual page")?;
            Ok(())
        }
    }
}

fn prompt_line(question: &str) -> Result<String> {
    let mut out = std::io::stdout();
    write!(out, "{question}")
        .and_then(|()| out.flush())
        .context("writing the prompt")?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the answer")?;
    Ok(line.trim().to_string())
}

fn open(
    ctx: &Ctx,
    ticket: &str,
    priority: Option<String>,
    title: Option<String>,
    detected_at: Option<String>,
    no_console: bool,
) -> Result<()> {
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
    .stamp(now);
    ctx.store.create(ticket, &opened)?;
    let target = loaded.config.policy().target(priority);
    let due = detected + chrono::Duration::from_std(target).unwrap_or_default();
    println!(
        "Opened {ticket} ({priority}: {title}); deploy the fix by {} ({} target)",
        crate::format::utc_minute(due),
        crate::format::target(target)
    );
    if no_console {
        return Ok(());
    }
    console(ctx, ticket, loaded)
}

fn demo(script: bool, dir: Option<PathBuf>) -> Result<()> {
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

fn resume(ctx: &Ctx, ticket: Option<String>) -> Result<()> {
    let loaded = ctx.config()?;
    let ticket = match ticket {
        Some(t) => ctx.ticket(&t)?,
        None => {
            let mut open = Vec::new();
            for t in ctx.store.tickets().context("listing incidents")? {
                let (inc, _) = ctx.incident(&t, &loaded)?;
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
fn console(ctx: &Ctx, ticket: &str, loaded: Loaded) -> Result<()> {
    console_with(ctx, ticket, loaded, None)
}

fn console_with(
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
        let (inc, _) = ctx.incident(ticket, &loaded)?;
        ctx.review(ticket, &inc)?;
    }
    let _log_guard = crate::logging::init(ctx.store.root());
    tracing::info!(ticket, "console started");
    let console = crate::console::prepare(&ctx.store, ticket, &loaded, &ctx.cwd)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
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

fn list(ctx: &Ctx) -> Result<()> {
    let loaded = ctx.config()?;
    let policy = loaded.config.policy();
    let now = Utc::now();
    let tickets = ctx.store.tickets().context("listing incidents")?;
    if tickets.is_empty() {
        println!("No incidents in {}", ctx.store.root().display());
        return Ok(());
    }
    let mut rows = Vec::new();
    for t in tickets {
        let (inc, warnings) = ctx.incident(&t, &loaded)?;
        for w in warnings {
            eprintln!("warroom: {t}: {w}");
        }
        let sla = match clock::sla(&inc, &policy, now) {
            Sla::Running { left, .. } => format!("{} left", crate::format::duration(left)),
            Sla::Breached { overdue } => format!("BREACHED +{}", crate::format::duration(overdue)),
            Sla::Stopped { took, target } => format!(
                "{} in {} of {}",
                if took <= target { "met" } else { "missed" },
                crate::format::duration(took),
                crate::format::target(target)
            ),
        };
        let review = ctx.review(&t, &inc)?;
        let pir = match clock::pir_due(&inc) {
            None if inc.priority.needs_pir() => "after close".to_string(),
            None => "-".to_string(),
            Some(_) if review == Review::Complete => "complete".to_string(),
            Some(due) if due < now => format!(
                "{}, OVERDUE since {}",
                review.describe(),
                crate::format::utc_minute(due)
            ),
            Some(due) => format!(
                "{}, due {}",
                review.describe(),
                crate::format::utc_minute(due)
            ),
        };
        rows.push((
            inc.closed_at.is_some(),
            inc.opened_at,
            [
                t,
                inc.priority.to_string(),
                inc.phase().as_str().to_string(),
                crate::format::duration(clock::elapsed(&inc, now)),
                sla,
                pir,
                inc.title.clone(),
            ],
        ));
    }
    // Open incidents first, newest first.
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let header = ["TICKET", "PRI", "PHASE", "ELAPSED", "SLA", "PIR", "TITLE"];
    let mut widths = header.map(str::len);
    for (_, _, r) in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 7]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == 6 {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s
    };
    println!("{}", line(header));
    for (_, _, r) in &rows {
        println!(
            "{}",
            line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]].map(|s| s.as_str()))
        );
    }
    Ok(())
}

fn note(ctx: &Ctx, ticket: &str, text: &str) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(Fail::Usage("the note is empty".into()));
    }
    let ev = ctx
        .store
        .writer(ticket)?
        .append(Draft::new(kinds::NOTE, text))
        .context("appending the note")?;
    println!(
        "Noted on {ticket} at {} UTC",
        crate::format::utc_second(ev.at)
    );
    Ok(())
}

fn event(ctx: &Ctx, ticket: &str, kind: &str, text: &str, fields: &[String]) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    if !Kind::is_valid_name(kind) {
        return Err(Fail::Usage(format!(
            "event kind {kind:?} must be snake_case (e.g. deploy_finished)"
        )));
    }
    let loaded = ctx.config()?;
    let checklist_kind = loaded
        .checklist
        .items()
        .any(|it| it.auto.iter().any(|t| t.kind == kind));
    if !Kind::new(kind).is_known() && !kind.starts_with(kinds::CUSTOM_PREFIX) && !checklist_kind {
        return Err(Fail::Usage(format!(
            "unknown event kind {kind:?}; did you mean {}? (custom kinds start with {}, e.g. {}{kind})",
            describe::nearest_kinds(kind).join(", "),
            kinds::CUSTOM_PREFIX,
            kinds::CUSTOM_PREFIX,
        )));
    }
    let mut draft = Draft::new(kind, text.trim());
    for f in fields {
        let Some((k, v)) = f.split_once('=') else {
            return Err(Fail::Usage(format!("--field {f:?} must be KEY=VALUE")));
        };
        if !Kind::is_valid_name(k) || ["at", "kind", "text"].contains(&k) {
            return Err(Fail::Usage(format!(
                "--field key {k:?} must be snake_case and not at, kind or text"
            )));
        }
        let value =
            serde_json::from_str::<Value>(v).unwrap_or_else(|_| Value::String(v.to_string()));
        draft = draft.field(k, value);
    }
    if draft.text.is_empty() {
        draft.text = describe::describe(kind, &draft.fields);
    }
    let ev = ctx
        .store
        .writer(ticket)?
        .append(draft)
        .context("appending the event")?;
    println!(
        "Recorded {kind} on {ticket} at {} UTC",
        crate::format::utc_second(ev.at)
    );
    Ok(())
}

fn export_error(e: export::ExportError) -> Fail {
    match e {
        t @ export::ExportError::Template { .. } => Fail::Usage(t.to_string()),
        other => Fail::Other(anyhow::anyhow!(other.to_string())),
    }
}

fn export_cmd(ctx: &Ctx, ticket: &str, format: Format, out: Option<&Path>) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let (inc, warnings) = ctx.incident(ticket, &loaded)?;
    for w in warnings {
        eprintln!("warroom: {w}");
    }
    let exporter = ctx
        .documents(&loaded)
        .exporter(Utc::now())
        .map_err(export_error)?;
    match out {
        Some(path) => {
            let text = exporter.render(&inc, format).map_err(export_error)?;
            crate::fsutil::write_atomic(path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            record(
                &ctx.store.writer(ticket)?,
                &[Written {
                    format,
                    path: path.to_path_buf(),
                    chart: None,
                }],
            )
            .map_err(export_error)?;
            eprintln!("Wrote {}", path.display());
        }
        None => print!("{}", exporter.render(&inc, format).map_err(export_error)?),
    }
    Ok(())
}

fn close(ctx: &Ctx, ticket: &str) -> Result<()> {
    let ticket = &ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let (inc, _) = ctx.incident(ticket, &loaded)?;
    let writer = ctx.store.writer(ticket)?;
    if let Some(at) = inc.closed_at {
        println!(
            "{ticket} was closed at {} UTC; writing its exports again",
            crate::format::utc_second(at)
        );
    } else {
        writer
            .append(Draft::new(
                kinds::INCIDENT_CLOSED,
                format!("Incident {ticket} closed"),
            ))
            .context("recording the close")?;
    }
    let (inc, _) = ctx.incident(ticket, &loaded)?;
    let exporter = ctx
        .documents(&loaded)
        .exporter(Utc::now())
        .map_err(export_error)?;
    let dir = exports_dir(&ctx.store.incident_dir(ticket));
    let written =
        write_recorded(&exporter, &inc, &Format::ALL, &dir, &writer).map_err(export_error)?;
    ctx.review(ticket, &inc)?;
    println!("Closed {ticket}. Exports in {}:", dir.display());
    for name in Written::names(&written) {
        println!("  {name}");
    }
    Ok(())
}

fn git_cmd(ctx: &Ctx, action: GitAction) -> Result<()> {
    use crate::git::{Git, GitError, Op, ops};
    let (ticket, op) = match action {
        GitAction::Branch {
            ticket,
            no_fetch,
            from_local,
        } => (
            ticket,
            Op::Branch {
                fetch: !no_fetch,
                from_local,
            },
        ),
        GitAction::Guard { ticket } => (ticket, Op::Guard),
        GitAction::Verify { ticket } => (ticket, Op::Verify),
        GitAction::Tag {
            ticket,
            version,
            commit,
            push,
        } => (
            ticket,
            Op::Tag {
                version,
                commit,
                push,
            },
        ),
        GitAction::Revert {
            ticket,
            commit,
            yes,
        } => (ticket, Op::Revert { commit, apply: yes }),
        GitAction::Backport {
            ticket,
            branches,
            push,
        } => (ticket, Op::Backport { branches, push }),
        GitAction::Patch { ticket } => {
            let ticket = ctx.ticket(&ticket)?;
            let dir = ctx.store.incident_dir(&ticket).join("patches");
            (ticket, Op::Patch { dir })
        }
    };
    let ticket = ctx.ticket(&ticket)?;
    let loaded = ctx.config()?;
    let (inc, _) = ctx.incident(&ticket, &loaded)?;
    if inc.closed_at.is_some() {
        return Err(Fail::Usage(format!("{ticket} is closed")));
    }
    let git = Git::open(&loaded.config.git, &ctx.cwd, crate::git::Subject::of(&inc))
        .map_err(|e| Fail::Usage(e.to_string()))?;
    let writer = ctx.store.writer(&ticket)?;
    let report = match ops::run(&git, &op) {
        Ok(r) => r,
        Err(e) => {
            writer
                .append(e.event(op.name()))
                .context("recording the git step")?;
            return Err(match e {
                GitError::Refused(m) => Fail::Usage(m),
                e @ GitError::NeedsVersion => Fail::Usage(e.to_string()),
                GitError::Conflict(m) => Fail::Conflict(m),
                GitError::Failed(m) => Fail::Other(anyhow::anyhow!(m)),
            });
        }
    };
    for line in &report.lines {
        println!("{line}");
    }
    if report.confirm.is_some() {
        println!("dry run: run again with --yes to make the revert commit");
    }
    for ev in report.events {
        writer.append(ev).context("recording the git step")?;
    }
    if !report.conflicts.is_empty() {
        return Err(Fail::Conflict(format!(
            "conflicts in {}: nothing of the conflicting step was written",
            report.conflicts.join(", ")
        )));
    }
    Ok(())
}

fn config_cmd(ctx: &Ctx, action: ConfigAction) -> Result<()> {
    match action {
        ConfigAction::Default => {
            print!("{EXAMPLE_CONFIG}");
            Ok(())
        }
        ConfigAction::Check => {
            let loaded = ctx.config()?;
            let text = match &loaded.path {
                Some(p) => {
                    println!("{}: ok", p.display());
                    std::fs::read_to_string(p).ok()
                }
                None => {
                    println!(
                        "No config file found: the defaults apply (see `warroom config default`)"
                    );
                    None
                }
            };
            println!(
                "checklist: {} ({} phases, {} items)",
                loaded.checklist_source,
                loaded.checklist.phases.len(),
                loaded.checklist.items().count()
            );
            let redactor = Redactor::from_env(&loaded.config.redact.env);
            let settings = config_check::settings(&loaded, text.as_deref(), &redactor);
            println!("\nThe configuration in effect (value · where it came from):");
            print!("{}", config_check::render(&settings));
            Ok(())
        }
    }
}
