//! Git on repositories shaped like real ones, built with the git command line, which is also
//! the oracle: `git diff --shortstat`, `git rev-list --count --no-merges`, `git describe`,
//! `git format-patch` and `git cherry-pick` give the numbers, names and trees warroom must match.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{stderr, stdout, warroom_in};
use serde_json::Value;

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Dev One")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev One")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn commit(dir: &Path, path: &str, text: &str, message: &str) {
    write(dir, path, text);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// A service with two release lines, like a web framework: `main` is 5.x (tags v5.0.0 …
/// v5.2.2, a pre-release and a non-semver tag), `4.x` branched at v4.22.1 with its own
/// v4.22.2. A bare `origin` holds everything; the work tree is a clone.
struct Service {
    _dir: tempfile::TempDir,
    root: PathBuf,
    work: PathBuf,
    home: PathBuf,
}

impl Service {
    fn new(base_branch: &str) -> Service {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path().to_path_buf();
        let seed = root.join("seed");
        std::fs::create_dir_all(&seed).expect("seed");
        git(&seed, &["init", "-q", "-b", "main"]);
        for (i, v) in ["4.21.0", "4.22.0", "4.22.1"].iter().enumerate() {
            commit(
                &seed,
                "lib/router.js",
                &format!("// router v{v}\nmodule.exports = {i};\n"),
                &format!("release {v}"),
            );
            git(&seed, &["tag", "-a", &format!("v{v}"), "-m", v]);
        }
        git(&seed, &["branch", "4.x"]);
        commit(
            &seed,
            "lib/query.js",
            "module.exports = 'query';\n",
            "4.x: query parser",
        );
        for v in ["5.0.0", "5.1.0", "5.2.0"] {
            commit(
                &seed,
                "lib/router.js",
                &format!("// router v{v}\nmodule.exports = 5;\n"),
                &format!("release {v}"),
            );
            git(&seed, &["tag", "-a", &format!("v{v}"), "-m", v]);
        }
        commit(
            &seed,
            "lib/view.js",
            "module.exports = 'view';\n",
            "view engine",
        );
        git(&seed, &["tag", "v5.3.0-beta.1"]);
        git(&seed, &["tag", "nightly"]);
        git(&seed, &["switch", "-q", "4.x"]);
        commit(
            &seed,
            "lib/query.js",
            "module.exports = 'query 2';\n",
            "4.x: query fix",
        );
        git(&seed, &["tag", "-a", "v4.22.2", "-m", "4.22.2"]);
        git(&seed, &["switch", "-q", "main"]);
        commit(
            &seed,
            "lib/view.js",
            "module.exports = 'view 2';\n",
            "view: cache",
        );
        git(&seed, &["tag", "-a", "v5.2.2", "-m", "5.2.2"]);
        git(&root, &["clone", "-q", "--bare", "seed", "origin.git"]);
        git(&root, &["clone", "-q", "origin.git", "service"]);
        let work = root.join("service");
        git(&work, &["config", "user.name", "Dev One"]);
        git(&work, &["config", "user.email", "dev@example.com"]);
        if base_branch != "main" {
            git(&work, &["switch", "-q", base_branch]);
        }
        write(
            &work,
            "warroom.toml",
            &format!("[git]\nbase_branch = \"{base_branch}\"\nbackport_branches = []\n"),
        );
        git(&work, &["add", "warroom.toml"]);
        git(&work, &["commit", "-q", "-m", "warroom config"]);
        git(&work, &["push", "-q", "origin", base_branch]);
        let home = root.join("home");
        let s = Service {
            _dir: dir,
            root,
            work,
            home,
        };
        let o = s.warroom(&[
            "open",
            "SEC-7",
            "--priority",
            "P0",
            "--title",
            "Open redirect in res.location",
            "--no-console",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        s
    }

    fn warroom(&self, args: &[&str]) -> std::process::Output {
        warroom_in(&self.home, &self.work, args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.warroom(args);
        assert!(
            o.status.success(),
            "warroom {args:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        stdout(&o)
    }

    fn git(&self, args: &[&str]) -> String {
        git(&self.work, args)
    }

    /// Creates the hotfix branch and commits a fix with its test.
    fn fix(&self) {
        self.ok(&["git", "branch", "SEC-7"]);
        commit(
            &self.work,
            "lib/response.js",
            "function location(url) {\n  return encodeUrl(url);\n}\n",
            "fix(security): CVE-2024-43796 encode the location",
        );
        commit(
            &self.work,
            "test/res.location.js",
            "it('encodes', () => {});\n",
            "test: res.location encodes",
        );
    }

    fn events(&self, kind: &str) -> Vec<Value> {
        let v: Value =
            serde_json::from_str(&self.ok(&["export", "SEC-7", "--format", "json"])).expect("json");
        v["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["kind"] == kind)
            .cloned()
            .collect()
    }
}

fn guard_numbers(s: &Service) -> (i64, i64, i64, i64) {
    s.ok(&["git", "guard", "SEC-7"]);
    let g = s.events("git_guard").pop().expect("guard");
    let n = |k: &str| g[k].as_i64().expect(k);
    (n("commits"), n("files"), n("insertions"), n("deletions"))
}

/// `N files changed, I insertions(+), D deletions(-)` as numbers.
fn shortstat(text: &str) -> (i64, i64, i64) {
    let num = |word: &str| {
        text.split(',')
            .find(|p| p.contains(word))
            .and_then(|p| p.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (num("file"), num("insertion"), num("deletion"))
}

#[test]
fn merging_the_base_into_the_hotfix_changes_nothing_reported() {
    let s = Service::new("main");
    s.fix();
    let before = guard_numbers(&s);
    // The base moves on upstream, and the developer merges it into the hotfix.
    let other = s.root.join("other");
    git(&s.root, &["clone", "-q", "origin.git", "other"]);
    for i in 0..30 {
        commit(
            &other,
            &format!("lib/mod{i}.js"),
            &format!("module.exports = {i};\n"),
            &format!("upstream {i}"),
        );
    }
    write(&other, "package.json", "{\"name\": \"web\"}\n");
    git(&other, &["add", "-A"]);
    git(
        &other,
        &[
            "-c",
            "user.name=O",
            "-c",
            "user.email=o@x",
            "commit",
            "-q",
            "-m",
            "deps",
        ],
    );
    git(&other, &["push", "-q", "origin", "main"]);
    s.git(&["fetch", "-q", "origin"]);
    s.git(&["merge", "-q", "--no-edit", "origin/main"]);
    s.git(&["switch", "-q", "main"]);
    s.git(&["merge", "-q", "--ff-only", "origin/main"]);
    s.git(&["switch", "-q", "-"]);

    let (commits, files, ins, del) = guard_numbers(&s);
    let count: i64 = s
        .git(&["rev-list", "--count", "--no-merges", "main..HEAD"])
        .parse()
        .expect("n");
    let (f, i, d) = shortstat(&s.git(&["diff", "--shortstat", "main...HEAD"]));
    assert_eq!(
        (commits, files, ins, del),
        (count, f, i, d),
        "git's numbers"
    );
    assert_eq!(
        (commits, files, ins, del),
        before,
        "the merge changes nothing"
    );
    assert_eq!(commits, 2);

    // patch writes what git format-patch writes, names and all.
    s.ok(&["git", "patch", "SEC-7"]);
    let ours = s.home.join("incidents/SEC-7/patches");
    let mut ours: Vec<String> = std::fs::read_dir(&ours)
        .expect("patches")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    ours.sort();
    let theirs = s.root.join("format-patch");
    s.git(&[
        "format-patch",
        "-q",
        "--no-merges",
        "-o",
        theirs.to_str().expect("p"),
        "main..HEAD",
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&theirs)
        .expect("fp")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(ours, names);
    assert!(ours[0].contains("CVE-2024-43796"), "case kept: {ours:?}");
}

#[test]
fn the_tag_goes_on_a_commit_that_holds_the_fix_in_its_release_line() {
    let s = Service::new("4.x");
    s.fix();
    // Not merged yet: refused, and the refusal is on the record.
    let o = s.warroom(&["git", "tag", "SEC-7"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("does not hold the fix"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--commit"), "{}", stderr(&o));
    assert!(
        s.git(&["tag", "--list", "v4.22.3", "v5.2.3"]).is_empty(),
        "no tag made"
    );
    let refused = s.events("git_refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["op"], "tag");

    // Squash-merged into 4.x: the change is there, the commits are not.
    s.git(&["switch", "-q", "4.x"]);
    s.git(&[
        "merge",
        "-q",
        "--squash",
        "hotfix/SEC-7-open-redirect-in-res-location",
    ]);
    s.git(&["commit", "-q", "-m", "Fix open redirect (#5987)"]);
    let oracle = s.git(&[
        "describe",
        "--tags",
        "--abbrev=0",
        "--exclude",
        "*-*",
        "--exclude",
        "nightly",
        "4.x",
    ]);
    assert_eq!(oracle, "v4.22.2");
    s.ok(&["git", "tag", "SEC-7"]);
    let tag = s.events("git_tag_created").pop().expect("tag");
    assert_eq!(
        tag["tag"], "v4.22.3",
        "next patch of the release line, not of 5.x"
    );
    assert_eq!(
        tag["commit"].as_str(),
        Some(s.git(&["rev-parse", "4.x"]).as_str())
    );
    assert_eq!(
        s.git(&["rev-parse", "v4.22.3^{commit}"]),
        s.git(&["rev-parse", "4.x"])
    );
}

#[test]
fn a_rebase_merged_fix_is_held_and_an_unrelated_commit_is_not() {
    let s = Service::new("main");
    s.fix();
    s.git(&["switch", "-q", "main"]);
    // The fix rebased onto main: other commits, the same change.
    for c in s
        .git(&[
            "rev-list",
            "--reverse",
            "main..hotfix/SEC-7-open-redirect-in-res-location",
        ])
        .lines()
    {
        s.git(&["cherry-pick", c]);
    }
    s.ok(&["git", "verify", "SEC-7"]);
    // A commit that lacks the fix is refused with --commit too.
    let o = s.warroom(&["git", "tag", "SEC-7", "--commit", "v5.2.2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("does not hold the fix"),
        "{}",
        stderr(&o)
    );
    s.ok(&["git", "tag", "SEC-7"]);
    assert_eq!(s.events("git_tag_created")[0]["tag"], "v5.2.3");
}

#[test]
fn branch_refuses_a_detached_head_and_a_diverged_base() {
    let s = Service::new("main");
    let head = s.git(&["rev-parse", "HEAD"]);
    s.git(&["switch", "-q", "--detach", &head]);
    let o = s.warroom(&["git", "branch", "SEC-7"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("HEAD is detached"), "{}", stderr(&o));
    s.git(&["switch", "-q", "main"]);

    // One commit only here, three only on origin.
    commit(&s.work, "local.txt", "x\n", "unpushed");
    let other = s.root.join("other");
    git(&s.root, &["clone", "-q", "origin.git", "other"]);
    for i in 0..3 {
        commit(&other, &format!("p{i}"), "y\n", &format!("prod {i}"));
    }
    git(&other, &["push", "-q", "origin", "main"]);
    let o = s.warroom(&["git", "branch", "SEC-7"]);
    assert_eq!(o.status.code(), Some(2));
    let counts = s.git(&["rev-list", "--left-right", "--count", "main...origin/main"]);
    assert_eq!(
        counts.split_whitespace().collect::<Vec<_>>(),
        ["1", "3"],
        "git's count"
    );
    assert!(
        stderr(&o).contains("1 commit only here, 3 only on origin"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--from-local"), "{}", stderr(&o));
    assert_eq!(
        s.git(&["branch", "--show-current"]),
        "main",
        "nothing changed"
    );
    s.ok(&["git", "branch", "SEC-7", "--from-local"]);
    assert!(
        s.git(&["branch", "--show-current"])
            .starts_with("hotfix/SEC-7")
    );
    assert_eq!(s.events("git_refused").len(), 2);
}

#[test]
fn a_backport_conflict_exits_3_and_matches_git_cherry_pick() {
    let s = Service::new("main");
    s.ok(&["git", "branch", "SEC-7"]);
    // A fix that touches a file 4.x has differently.
    commit(
        &s.work,
        "lib/router.js",
        "// router, fixed\nmodule.exports = 6;\n",
        "fix: router",
    );
    let before = s.git(&["for-each-ref"]);
    let o = s.warroom(&["git", "backport", "SEC-7", "--branches", "4.x"]);
    assert_eq!(s.git(&["for-each-ref"]), before, "no ref changed");
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("lib/router.js"), "{}", stderr(&o));
    // git agrees that it conflicts, on the release line's tip, in the same file.
    s.git(&["switch", "-q", "-f", "4.x"]);
    let pick = Command::new("git")
        .args([
            "-c",
            "user.name=x",
            "-c",
            "user.email=x@x",
            "cherry-pick",
            "hotfix/SEC-7-open-redirect-in-res-location",
        ])
        .current_dir(&s.work)
        .output()
        .expect("git");
    assert!(!pick.status.success());
    assert!(
        s.git(&["diff", "--name-only", "--diff-filter=U"])
            .contains("lib/router.js")
    );
}

#[test]
fn a_shallow_clone_fetches_what_it_needs_or_says_what_to_fetch() {
    let s = Service::new("main");
    let shallow = s.root.join("shallow");
    let url = format!("file://{}", s.root.join("origin.git").display());
    git(&s.root, &["clone", "-q", "--depth", "1", &url, "shallow"]);
    git(&shallow, &["config", "user.name", "Dev One"]);
    git(&shallow, &["config", "user.email", "dev@example.com"]);
    let run = |args: &[&str]| warroom_in(&s.home, &shallow, args);
    let o = run(&[
        "open",
        "SEC-8",
        "--priority",
        "P1",
        "--title",
        "Shallow",
        "--no-console",
    ]);
    assert!(o.status.success());
    let o = run(&["git", "branch", "SEC-8", "--no-fetch"]);
    assert!(o.status.success(), "{}", stderr(&o));
    commit(&shallow, "lib/response.js", "fixed\n", "fix: shallow");
    // The backport target exists only on origin: it is fetched and tracked.
    assert!(
        git(&shallow, &["branch", "-r"])
            .lines()
            .all(|l| !l.contains("4.x"))
    );
    let o = run(&["git", "backport", "SEC-8", "--branches", "4.x"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("fetched 4.x from origin"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        git(&shallow, &["rev-parse", "--abbrev-ref", "4.x@{upstream}"]),
        "origin/4.x"
    );
    let files = git(
        &shallow,
        &["diff", "--name-only", "4.x", "backport/4.x/hotfix-SEC-8"],
    );
    assert_eq!(
        files, "lib/response.js",
        "the cherry-pick on the release line"
    );
    // The tags of the history are not here: the message says what to fetch.
    git(&shallow, &["switch", "-q", "main"]);
    git(
        &shallow,
        &["merge", "-q", "--ff-only", "hotfix/SEC-8-shallow"],
    );
    let o = run(&["git", "tag", "SEC-8"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("shallow")
            && stderr(&o).contains("git fetch --unshallow --tags origin"),
        "{}",
        stderr(&o)
    );
    // Still a shallow clone git can read.
    assert!(shallow.join(".git/shallow").is_file());
    git(&shallow, &["log", "--oneline", "-3"]);
}

#[test]
fn the_head_is_read_from_the_files_as_git_reads_it() {
    let s = Service::new("main");
    s.fix();
    let (branch, commit) = warroom::git::head_of(&s.work.join("lib")).expect("head");
    assert_eq!(
        branch.as_deref(),
        Some(s.git(&["branch", "--show-current"]).as_str())
    );
    assert_eq!(commit, s.git(&["rev-parse", "HEAD"]));
    // Packed refs, and a detached HEAD.
    s.git(&["pack-refs", "--all"]);
    assert_eq!(
        warroom::git::head_of(&s.work).expect("head").1,
        s.git(&["rev-parse", "HEAD"])
    );
    s.git(&["switch", "-q", "--detach", "HEAD~1"]);
    assert_eq!(
        warroom::git::head_of(&s.work),
        Some((None, s.git(&["rev-parse", "HEAD"])))
    );
}

/// Two incidents in one checkout: each works on the branch its own record holds. git's own
/// answers (`rev-parse`, `ls-remote`, the remote's fetch refspecs) are the oracle.
#[test]
fn two_incidents_in_one_checkout_each_own_their_git_work() {
    let s = Service::new("main");
    s.fix();
    let sec7 = s.git(&["rev-parse", "--abbrev-ref", "HEAD"]);
    assert!(sec7.starts_with("hotfix/SEC-7"), "{sec7}");
    s.ok(&[
        "open",
        "SEC-9",
        "--priority",
        "P1",
        "--title",
        "Slow invoices",
        "--no-console",
    ]);
    let events = |ticket: &str, kind: &str| -> usize {
        let v: Value =
            serde_json::from_str(&s.ok(&["export", ticket, "--format", "json"])).expect("json");
        v["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["kind"] == kind)
            .count()
    };

    // SEC-9 has no branch of its own: HEAD on SEC-7's branch is said, not used.
    let o = s.warroom(&["git", "guard", "SEC-9"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains("SEC-9 has no hotfix branch on its record")
            && said.contains(&format!(
                "HEAD is on {sec7} (not this incident's), which is not used"
            )),
        "{said}"
    );
    assert_eq!(
        events("SEC-9", "git_guard"),
        0,
        "no guard of SEC-7's in SEC-9's record"
    );

    // Named with --branch, it is that branch, and the numbers are git's.
    s.ok(&["git", "guard", "SEC-9", "--branch", &sec7]);
    assert_eq!(events("SEC-9", "git_guard"), 1);
    let commits = s.git(&[
        "rev-list",
        "--count",
        "--no-merges",
        &format!("main..{sec7}"),
    ]);
    let v: Value =
        serde_json::from_str(&s.ok(&["export", "SEC-9", "--format", "json"])).expect("json");
    let guard = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .rfind(|e| e["kind"] == "git_guard")
        .expect("guard")
        .clone();
    assert_eq!(guard["branch"], sec7.as_str());
    assert_eq!(guard["commits"].to_string(), commits);

    // --commit means that commit, with no hotfix to check it against.
    let out = s.ok(&[
        "git",
        "tag",
        "SEC-9",
        "--commit",
        "origin/4.x",
        "--version",
        "4.22.3",
    ]);
    assert_eq!(
        s.git(&["rev-parse", "v4.22.3^{commit}"]),
        s.git(&["rev-parse", "origin/4.x"])
    );
    assert!(out.contains("was not checked for the fix"), "{out}");
    assert!(out.contains("not pushed"), "{out}");

    // A backport target that exists nowhere fails the command, and no fetch is claimed.
    let o = s.warroom(&[
        "git",
        "backport",
        "SEC-7",
        "--branches",
        "4.x,release-candidate",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains("fetched release-candidate"), "{out}");
    assert!(
        out.contains("origin has no branch release-candidate"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("failed for release-candidate"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        s.git(&["ls-remote", "origin", "refs/heads/release-candidate"]),
        ""
    );
    let fetch = s.git(&["config", "--get-all", "remote.origin.fetch"]);
    assert!(!fetch.contains("release-candidate"), "{fetch}");
    // The target that exists was backported: git sees its branch.
    assert!(!s.git(&["branch", "--list", "backport/4.x/*"]).is_empty());
}
