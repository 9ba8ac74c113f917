//! The next patch version, tagged on the base.

use super::*;

/// The next patch version after the highest released (non pre-release) semver tag.
pub fn next_version(tags: &[String], pattern: &str) -> Option<semver::Version> {
    let (pre, post) = pattern.split_once("{version}").unwrap_or(("v", ""));
    tags.iter()
        .filter_map(|t| t.strip_prefix(pre)?.strip_suffix(post))
        .filter_map(|v| semver::Version::parse(v).ok())
        .filter(|v| v.pre.is_empty())
        .max()
        .map(|v| semver::Version::new(v.major, v.minor, v.patch + 1))
}

/// The tags on commits reachable from `target` (its release line), as `git describe --tags`
/// sees them.
pub(super) fn tags_reachable(git: &Git, target: Oid) -> Result<Vec<String>> {
    let mut by_commit: std::collections::HashMap<Oid, Vec<String>> = Default::default();
    for name in git.repo.tag_names(None)?.iter().flatten().flatten() {
        if let Ok(c) = git
            .repo
            .revparse_single(&format!("refs/tags/{name}"))
            .and_then(|o| o.peel_to_commit())
        {
            by_commit.entry(c.id()).or_default().push(name.to_string());
        }
    }
    let mut walk = git.repo.revwalk()?;
    walk.push(target)?;
    let mut out = Vec::new();
    for id in walk {
        if let Some(names) = by_commit.remove(&id?) {
            out.extend(names);
        }
        if by_commit.is_empty() {
            break;
        }
    }
    Ok(out)
}

pub(super) fn tag(
    git: &Git,
    version: Option<&str>,
    commit: Option<&str>,
    push: bool,
) -> Result<Report> {
    tag_in(git, version, commit, push).map_err(|e| match e {
        // The history the answer needs is beyond a shallow clone's edge.
        GitError::Failed(why) if git.repo.is_shallow() => GitError::Refused(format!(
            "this clone is shallow and lacks the history to check the tag against ({why}): run git fetch --unshallow --tags {}",
            git.cfg.remote
        )),
        other => other,
    })
}

pub(super) fn tag_in(
    git: &Git,
    version: Option<&str>,
    commit: Option<&str>,
    push: bool,
) -> Result<Report> {
    let names: Vec<String> = git
        .repo
        .tag_names(None)?
        .iter()
        .flatten()
        .flatten()
        .map(String::from)
        .collect();
    // A named commit is that commit: with no hotfix on the record, there is nothing to check
    // it against, and no other branch stands in for one.
    let hf = match git.hotfix() {
        Ok(hf) => Some(hf),
        Err(_)
            if commit.is_some()
                && git.incident.hotfix.is_none()
                && git.incident.branch.is_none() =>
        {
            None
        }
        Err(e) => return Err(e),
    };
    let base = &git.cfg.base_branch;
    // The PR's merge commit, once GitHub reported it, unless a commit was named.
    let commit = commit.or(git.incident.merge_commit.as_deref());
    let target = match commit {
        Some(c) => match resolve(git, c) {
            Ok(t) => t,
            Err(_) if git.incident.merge_commit.as_deref() == Some(c) => {
                git.fetch_base().map_err(GitError::Refused)?;
                resolve(git, c)?
            }
            Err(e) => return Err(e),
        },
        None => git.base_tip()?,
    };
    let unchecked = hf.is_none();
    if let Some(hf) = &hf
        && holds_fix(git, hf, target.id())?.is_none()
    {
        return refuse(match commit {
            Some(c) => format!(
                "{c} ({}) does not hold the fix of {}: tag a commit that does",
                short(target.id()),
                hf.branch
            ),
            None => format!(
                "{base} at {} does not hold the fix of {} yet: merge it first (then pull {base}), or tag the commit that holds the fix with --commit",
                short(target.id()),
                hf.branch
            ),
        });
    }
    let version = match version {
        Some(v) => semver::Version::parse(v.trim_start_matches('v')).map_err(|e| {
            GitError::Refused(format!(
                "{v:?} is not a semantic version ({e}): write it like 2.3.5"
            ))
        })?,
        None => {
            let reachable = tags_reachable(git, target.id())?;
            match next_version(&reachable, &git.cfg.tag_pattern) {
                Some(v) => v,
                None if git.repo.is_shallow() => {
                    return refuse(format!(
                        "this clone is shallow: the tags of {}'s history are not here; run git fetch --unshallow --tags {} (or give the version)",
                        short(target.id()),
                        git.cfg.remote
                    ));
                }
                None => return Err(GitError::NeedsVersion),
            }
        }
    };
    let name = git
        .cfg
        .tag_pattern
        .replace("{version}", &version.to_string());
    if names.contains(&name) {
        return refuse(format!(
            "the tag {name} already exists: give another version"
        ));
    }
    let message = format!(
        "Hotfix: {}\n\nTicket: {}",
        git.incident.title, git.incident.ticket
    );
    git.repo.tag(
        &name,
        target.as_object(),
        &git.signature()?,
        &message,
        false,
    )?;
    let mut r = Report {
        title: format!("git tag {name}"),
        ..Report::default()
    };
    r.lines.push(format!(
        "tagged {} {} as {name} (annotated: \"Hotfix: {}\")",
        short(target.id()),
        summary(&target),
        git.incident.title
    ));
    if unchecked {
        r.lines.push(format!(
            "⚠ {} has no hotfix branch on its record: the commit was not checked for the fix",
            git.incident.ticket
        ));
    }
    let mut pushed = false;
    if push {
        match git.push(&[format!("refs/tags/{name}")]) {
            Ok(()) => {
                pushed = true;
                r.lines.push(format!("pushed {name} to {}", git.cfg.remote));
            }
            Err(e) => {
                r.failed.push(format!("the push of {name}"));
                r.lines.push(format!("⚠ {e}"));
            }
        }
    } else {
        r.lines.push(format!(
            "not pushed: git push {} {name} (or --push) to publish it",
            git.cfg.remote
        ));
    }
    r.events.push(
        Draft::new(
            kinds::GIT_TAG_CREATED,
            format!(
                "Tagged {} as {name} ({})",
                short(target.id()),
                if pushed {
                    format!("pushed to {}", git.cfg.remote)
                } else {
                    "not pushed".to_string()
                }
            ),
        )
        .field("tag", name)
        .field("version", version.to_string())
        .field("commit", target.id().to_string())
        .field("pushed", pushed)
        .field("checked", !unchecked),
    );
    Ok(r)
}
