//! `warroom git …`: the operations of the console's `g` menu, from a script.

use super::*;

pub(super) fn git_cmd(ctx: &Ctx, action: GitAction) -> Result<()> {
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
    let inc = ctx.incident(&ticket, &loaded)?.incident;
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
