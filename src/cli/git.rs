//! `warroom git …`: the operations of the console's `g` menu, from a script.

use super::*;

pub(super) fn git_cmd(ctx: &Ctx, action: GitAction, branch: Option<String>) -> Result<()> {
    use crate::git::Op;
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
            pr,
        } => {
            let op = Op::Backport {
                branches,
                push: push || pr,
            };
            let report = run_op(ctx, &ticket, &op, branch.as_deref())?;
            if pr {
                backport_prs(ctx, &ticket, &report)?;
            }
            return Ok(());
        }
        GitAction::Pr {
            ticket,
            draft,
            base,
        } => return pull_request(ctx, &ticket, draft, base),
        GitAction::Patch { ticket } => {
            let ticket = ctx.ticket(&ticket)?;
            let dir = ctx.store.incident_dir(&ticket).join("patches");
            (ticket, Op::Patch { dir })
        }
    };
    run_op(ctx, &ticket, &op, branch.as_deref()).map(|_| ())
}

/// Runs one operation from the command line, prints its report and records its events.
fn run_op(
    ctx: &Ctx,
    ticket: &str,
    op: &crate::git::Op,
    branch: Option<&str>,
) -> Result<crate::git::Report> {
    use crate::git::{Git, GitError, ops};
    let ticket = ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let inc = ctx.incident(&ticket, &loaded)?.incident;
    if inc.closed_at.is_some() {
        return Err(Fail::Usage(format!("{ticket} is closed")));
    }
    let mut subject = crate::git::Subject::of(&inc);
    subject.branch = branch.map(String::from);
    let git =
        Git::open(&loaded.config.git, &ctx.cwd, subject).map_err(|e| Fail::Usage(e.to_string()))?;
    let writer = ctx.store.writer(&ticket)?;
    let report = match ops::run(&git, op) {
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
    for ev in &report.events {
        writer
            .append(ev.clone())
            .context("recording the git step")?;
    }
    if !report.conflicts.is_empty() {
        return Err(Fail::Conflict(format!(
            "conflicts in {}: nothing of the conflicting step was written",
            report.conflicts.join(", ")
        )));
    }
    if !report.failed.is_empty() {
        return Err(Fail::Other(anyhow::anyhow!(
            "git {}: failed for {}",
            op.name(),
            report.failed.join(", ")
        )));
    }
    Ok(report)
}

/// `warroom git pr`: pushes the hotfix branch, opens (or finds) its PR with pr.md's title and
/// body and the labels, and records `pr_opened`; the console follows it from then on.
fn pull_request(ctx: &Ctx, ticket: &str, draft: bool, base: Option<String>) -> Result<()> {
    use crate::github::{self, pr};
    let ticket = ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let rec = ctx.incident(&ticket, &loaded)?;
    let inc = &rec.incident;
    if inc.closed_at.is_some() {
        return Err(Fail::Usage(format!("{ticket} is closed")));
    }
    if let Some(pr) = &inc.pr {
        println!("PR #{} is on the record: {}", pr.number, pr.url);
        return Ok(());
    }
    let cfg = &loaded.config;
    let (title, body, client, rt) = github_session(ctx, &loaded, &rec)?;
    let head = github::push_branch(&cfg.git, &ctx.cwd, crate::git::Subject::of(inc))
        .map_err(Fail::Usage)?;
    let opening = pr::Opening {
        title,
        body,
        head,
        base: base.unwrap_or_else(|| cfg.git.base_branch.clone()),
        draft,
        labels: github::labels(&cfg.github, inc.priority),
        create_labels: cfg.github.create_labels,
    };
    let opened = rt
        .block_on(pr::open(&client, &opening))
        .map_err(|e| Fail::Other(anyhow::anyhow!(e.to_string())))?;
    let event = github::opened_event(&opened);
    println!("{}", event.text);
    for l in &opened.left_off {
        eprintln!("warroom: label left off: {l}");
    }
    ctx.store
        .writer(&ticket)?
        .append(event)
        .context("recording the PR")?;
    Ok(())
}

/// `backport --pr`: one pull request per backport branch made, into its target, titled for it.
fn backport_prs(ctx: &Ctx, ticket: &str, report: &crate::git::Report) -> Result<()> {
    use crate::github::{self, pr};
    let ticket = ctx.ticket(ticket)?;
    let loaded = ctx.config()?;
    let rec = ctx.incident(&ticket, &loaded)?;
    let inc = &rec.incident;
    let cfg = &loaded.config;
    let (title, body, client, rt) = github_session(ctx, &loaded, &rec)?;
    let writer = ctx.store.writer(&ticket)?;
    let made = report.events.iter().filter(|e| {
        e.kind.as_str() == kinds::GIT_BACKPORT
            && e.fields.get("ok").and_then(|v| v.as_bool()) == Some(true)
    });
    for ev in made {
        let (Some(target), Some(branch)) = (
            ev.fields.get("target").and_then(|v| v.as_str()),
            ev.fields.get("branch").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        let of = inc
            .pr
            .as_ref()
            .map(|p| format!("Backport of #{} to `{target}`.\n\n", p.number))
            .unwrap_or_else(|| format!("Backport of the hotfix to `{target}`.\n\n"));
        let opening = pr::Opening {
            title: format!("{title} → {target}"),
            body: format!("{of}{body}"),
            head: branch.to_string(),
            base: target.to_string(),
            draft: false,
            labels: github::labels(&cfg.github, inc.priority),
            create_labels: cfg.github.create_labels,
        };
        let opened = rt
            .block_on(pr::open(&client, &opening))
            .map_err(|e| Fail::Other(anyhow::anyhow!("backport PR into {target}: {e}")))?;
        // On the timeline with the backport's other steps; the hotfix's own PR is the one the
        // checklist and the follower track.
        let event = Draft::new(
            kinds::GIT_BACKPORT,
            format!(
                "{} PR #{} for the backport to {target}: {}",
                if opened.existed { "Found" } else { "Opened" },
                opened.pr.number,
                opened.pr.html_url
            ),
        )
        .field("target", target)
        .field("branch", branch)
        .field("pr", opened.pr.number)
        .field("url", opened.pr.html_url.clone());
        println!("{}", event.text);
        writer.append(event).context("recording the PR")?;
    }
    Ok(())
}

/// pr.md's title and body rendered now, a client for the repository, and a runtime to use it.
fn github_session(
    ctx: &Ctx,
    loaded: &Loaded,
    rec: &Record,
) -> Result<(
    String,
    String,
    crate::github::Client,
    tokio::runtime::Runtime,
)> {
    use crate::github;
    let cfg = &loaded.config;
    let text = ctx
        .documents(loaded)
        .exporter(Utc::now())
        .and_then(|e| e.render(&rec.incident, &rec.events(), Format::Pr))
        .map_err(export_error)?;
    let (title, body) = github::split_pr_md(&text);
    let client = github::connect(&cfg.github, &cfg.git, &ctx.cwd, github::token(&cfg.github))
        .map_err(Fail::Usage)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    Ok((title, body, client, rt))
}
