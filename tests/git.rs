//! Git operations on real repositories (a bare repository as origin).

mod common;

use common::repo::TestRepo;
use git2::BranchType;
use warroom::config::GitConfig;
use warroom::git::{Git, GitError, Op, Subject, ops};

const BRANCH: Op = Op::Branch {
    fetch: true,
    from_local: false,
};
const BRANCH_OFFLINE: Op = Op::Branch {
    fetch: false,
    from_local: false,
};

fn git(t: &TestRepo, hotfix: Option<(String, String)>) -> Git {
    let inc = Subject {
        ticket: "ENG-1234".into(),
        title: "Auth bypass on expired tokens".into(),
        hotfix,
        merge_commit: None,
        branch: None,
    };
    Git::open(&GitConfig::default(), &t.work, inc).expect("open")
}

/// Creates the hotfix branch and commits a fix with its regression test.
fn with_fix(t: &TestRepo) -> (Git, git2::Oid) {
    let g = git(t, None);
    let r = ops::run(&g, &BRANCH).expect("branch");
    let ev = &r.events[0];
    let hotfix = (
        ev.fields["branch"].as_str().expect("b").to_string(),
        ev.fields["commit"].as_str().expect("c").to_string(),
    );
    t.write("src/auth.ts", "export function check(token) {\n  if (!token) return false;\n  if (token.exp < Date.now()) return false;\n  return true;\n}\n");
    t.write("tests/auth.test.ts", "test('no token', () => expect(check()).toBe(false));\ntest('expired', () => expect(check({exp: 0})).toBe(false));\n");
    let fix = t.commit("fix: reject expired tokens");
    (git(t, Some(hotfix)), fix)
}

fn refused(r: Result<warroom::git::Report, GitError>) -> String {
    match r {
        Err(GitError::Refused(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn branch_fetches_creates_and_checks_out_the_hotfix_branch() {
    let t = TestRepo::new();
    // Someone pushed to main meanwhile: the hotfix must start from production's tip.
    let other = t.dir.path().join("other");
    let o = git2::Repository::clone(t.origin.to_str().expect("p"), &other).expect("clone");
    std::fs::write(other.join("hotpatch.txt"), "x\n").expect("write");
    let mut idx = o.index().expect("i");
    idx.add_path(std::path::Path::new("hotpatch.txt"))
        .expect("add");
    idx.write().expect("w");
    let tree = o.find_tree(idx.write_tree().expect("t")).expect("t");
    let parent = o.head().expect("h").peel_to_commit().expect("c");
    let sig = git2::Signature::now("Other", "o@example.com").expect("sig");
    let pushed = o
        .commit(
            Some("HEAD"),
            &sig,
            &sig,
            "chore: production fix",
            &tree,
            &[&parent],
        )
        .expect("commit");
    o.find_remote("origin")
        .expect("r")
        .push(&["refs/heads/main:refs/heads/main"], None)
        .expect("push");

    let g = git(&t, None);
    let r = ops::run(&g, &BRANCH).expect("branch");
    assert_eq!(
        t.head_name(),
        "refs/heads/hotfix/ENG-1234-auth-bypass-on-expired-tokens"
    );
    assert_eq!(
        t.tip("hotfix/ENG-1234-auth-bypass-on-expired-tokens"),
        pushed
    );
    assert_eq!(t.tip("main"), pushed, "main fast-forwarded");
    assert!(
        t.work.join("hotpatch.txt").exists(),
        "checked out at the new tip"
    );
    let ev = &r.events[0];
    assert_eq!(ev.kind.as_str(), "git_branch_created");
    assert_eq!(ev.fields["base"], "main");
    assert_eq!(ev.fields["commit"], pushed.to_string());
    assert_eq!(ev.fields["fetched"], true);
    assert!(
        r.lines
            .iter()
            .any(|l| l.contains("fetched main from origin")),
        "{:?}",
        r.lines
    );
    // A second time: the branch exists.
    let g = git(&t, None);
    assert!(refused(ops::run(&g, &BRANCH_OFFLINE)).contains("already exists"));
}

#[test]
fn offline_it_says_so_and_uses_the_local_base() {
    let t = TestRepo::new();
    t.repo()
        .remote_set_url("origin", "/nonexistent/origin.git")
        .expect("url");
    let g = git(&t, None);
    let r = ops::run(&g, &BRANCH).expect("branch");
    assert!(
        r.lines[0].contains("origin is not reachable")
            && r.lines[0].contains("using the local main"),
        "{:?}",
        r.lines
    );
    assert_eq!(r.events[0].fields["fetched"], false);
    assert_eq!(r.events[0].fields["commit"], t.tip("main").to_string());
}

#[test]
fn unsafe_states_are_refused_and_nothing_is_touched() {
    let t = TestRepo::new();
    // A dirty tree.
    t.write("src/auth.ts", "work in progress\n");
    let before = t.snapshot();
    let msg = refused(ops::run(&git(&t, None), &BRANCH_OFFLINE));
    assert!(
        msg.contains("uncommitted changes in 1 file (src/auth.ts)")
            && msg.contains("never touches"),
        "{msg}"
    );
    assert_eq!(
        t.read("src/auth.ts"),
        "work in progress\n",
        "the uncommitted change is still there"
    );
    assert_eq!(t.snapshot(), before);
    std::fs::write(
        t.work.join("src/auth.ts"),
        std::fs::read(t.work.join("src/auth.ts")).expect("r"),
    )
    .expect("w");
    let repo = t.repo();
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .expect("reset test tree");

    // A merge in progress.
    std::fs::write(
        t.work.join(".git/MERGE_HEAD"),
        format!("{}\n", t.tip("develop")),
    )
    .expect("merge head");
    assert!(refused(ops::run(&git(&t, None), &BRANCH_OFFLINE)).contains("merge is in progress"));
    std::fs::remove_file(t.work.join(".git/MERGE_HEAD")).expect("rm");

    // A missing base branch, a missing remote.
    let cfg = GitConfig {
        base_branch: "trunk".into(),
        ..GitConfig::default()
    };
    let inc = Subject {
        ticket: "ENG-1".into(),
        title: "x".into(),
        hotfix: None,
        merge_commit: None,
        branch: None,
    };
    let g = Git::open(&cfg, &t.work, inc.clone()).expect("open");
    assert!(
        refused(ops::run(&g, &BRANCH_OFFLINE)).contains("base branch \"trunk\" does not exist")
    );
    let cfg = GitConfig {
        remote: "upstream".into(),
        ..GitConfig::default()
    };
    let g = Git::open(&cfg, &t.work, inc).expect("open");
    assert!(refused(ops::run(&g, &BRANCH_OFFLINE)).contains("no remote \"upstream\""));

    // A detached HEAD, for a revert.
    let (g, fix) = with_fix(&t);
    t.repo().set_head_detached(fix).expect("detach");
    assert!(
        refused(ops::run(
            &g,
            &Op::Revert {
                commit: None,
                apply: true
            }
        ))
        .contains("HEAD is detached")
    );
    // Not a repository at all.
    let nowhere = tempfile::tempdir().expect("tmp");
    let inc = Subject {
        ticket: "ENG-1".into(),
        title: "x".into(),
        hotfix: None,
        merge_commit: None,
        branch: None,
    };
    assert!(
        matches!(Git::open(&GitConfig::default(), nowhere.path(), inc), Err(GitError::Refused(m)) if m.contains("not in a git repository"))
    );
}

#[test]
fn the_guard_flags_what_is_not_minimal() {
    let t = TestRepo::new();
    let (g, _) = with_fix(&t);
    let r = ops::run(&g, &Op::Guard).expect("guard");
    let gr = r.guard.clone().expect("report");
    assert_eq!(
        (gr.commits, gr.files, gr.insertions, gr.deletions),
        (1, 2, 2, 0)
    );
    assert!(gr.minimal() && gr.regression_test(), "{gr:?}");
    assert_eq!(r.events[0].fields["minimal"], true);
    assert_eq!(r.events[0].fields["regression_test"], true);

    // A dependency bump, a binary file and a big change, without a test.
    t.write("package.json", "{\n  \"name\": \"api\",\n  \"version\": \"2.3.5\",\n  \"dependencies\": {\"jwt\": \"9\"}\n}\n");
    std::fs::write(t.work.join("logo.png"), [0u8, 159, 146, 150, 0, 1, 2, 3]).expect("bin");
    t.write("src/big.ts", &"export const x = 1;\n".repeat(250));
    t.commit("refactor everything");
    let gr = ops::run(&g, &Op::Guard)
        .expect("guard")
        .guard
        .expect("report");
    assert_eq!(gr.commits, 2);
    assert_eq!(gr.manifests, ["package.json"]);
    assert_eq!(gr.binaries, ["logo.png"]);
    assert!(gr.over_limits && !gr.minimal());
    let flags = gr.flags(200, 10);
    assert!(
        flags
            .iter()
            .any(|f| f.contains("dependency manifests touched: package.json")),
        "{flags:?}"
    );

    let t2 = TestRepo::new();
    let g2 = git(&t2, None);
    let ev = &ops::run(&g2, &BRANCH_OFFLINE).expect("branch").events[0];
    let g2 = git(
        &t2,
        Some((
            ev.fields["branch"].as_str().expect("b").into(),
            ev.fields["commit"].as_str().expect("c").into(),
        )),
    );
    t2.write("src/auth.ts", "patched\n");
    t2.commit("fix: no test");
    let gr = ops::run(&g2, &Op::Guard)
        .expect("guard")
        .guard
        .expect("report");
    assert!(!gr.regression_test() && gr.minimal());
    assert!(
        gr.flags(200, 10)
            .iter()
            .any(|f| f.contains("no test file touched"))
    );
}

#[test]
fn verify_after_the_merge() {
    let t = TestRepo::new();
    let (g, fix) = with_fix(&t);
    assert!(refused(ops::run(&g, &Op::Verify)).contains("does not hold the fix of hotfix/"));
    // Merge (fast-forward) and push main.
    fast_forward_main(&t, fix);
    let r = ops::run(&g, &Op::Verify).expect("verify");
    assert!(
        r.lines[0].starts_with("git log -1 main:")
            && r.lines[0].contains("fix: reject expired tokens"),
        "{:?}",
        r.lines
    );
    assert!(
        r.lines
            .iter()
            .any(|l| l.contains("origin/main does not contain them yet")),
        "{:?}",
        r.lines
    );
    t.push(&["refs/heads/main"]);
    t.fetch();
    let r = ops::run(&g, &Op::Verify).expect("verify");
    assert!(
        r.lines
            .iter()
            .any(|l| l.contains("✓ origin/main contains them too")),
        "{:?}",
        r.lines
    );
    assert_eq!(r.events[0].kind.as_str(), "git_verified");
    assert_eq!(r.events[0].fields["remote_contains"], true);
}

/// The fix merged into main (a fast-forward).
fn merged(t: &TestRepo) -> (Git, git2::Oid) {
    let (g, fix) = with_fix(t);
    fast_forward_main(t, fix);
    (g, fix)
}

fn fast_forward_main(t: &TestRepo, to: git2::Oid) {
    t.repo()
        .find_branch("main", BranchType::Local)
        .expect("main")
        .get_mut()
        .set_target(to, "merge")
        .expect("ff");
}

#[test]
fn tag_the_next_patch_version_and_push_it() {
    let t = TestRepo::new();
    let (g, _) = merged(&t);
    let r = ops::run(
        &g,
        &Op::Tag {
            version: None,
            commit: None,
            push: true,
        },
    )
    .expect("tag");
    assert_eq!(r.events[0].fields["tag"], "v2.3.5");
    assert_eq!(r.events[0].fields["pushed"], true);
    let repo = t.repo();
    let tag = repo
        .find_reference("refs/tags/v2.3.5")
        .expect("tag")
        .peel_to_tag()
        .expect("annotated");
    assert!(
        tag.message()
            .ok()
            .flatten()
            .unwrap_or_default()
            .starts_with("Hotfix: Auth bypass on expired tokens")
    );
    assert_eq!(tag.target_id(), t.tip("main"));
    let origin = git2::Repository::open_bare(&t.origin).expect("origin");
    assert!(origin.find_reference("refs/tags/v2.3.5").is_ok(), "pushed");
    assert!(
        refused(ops::run(
            &g,
            &Op::Tag {
                version: Some("2.3.5".into()),
                commit: None,
                push: false
            }
        ))
        .contains("already exists")
    );
    assert!(
        refused(ops::run(
            &g,
            &Op::Tag {
                version: Some("banana".into()),
                commit: None,
                push: false
            }
        ))
        .contains("not a semantic version")
    );
}

#[test]
fn without_tags_a_version_is_needed_and_a_failed_push_says_what_to_run() {
    let t = TestRepo::new();
    let repo = t.repo();
    let (g, _) = merged(&t);
    for name in ["v2.3.3", "v2.3.4"] {
        repo.tag_delete(name).expect("delete");
    }
    assert_eq!(
        ops::run(
            &g,
            &Op::Tag {
                version: None,
                commit: None,
                push: false
            }
        ),
        Err(GitError::NeedsVersion)
    );
    repo.remote_set_url("origin", "/nonexistent/origin.git")
        .expect("url");
    let g = git(&t, g.incident.hotfix.clone());
    let r = ops::run(
        &g,
        &Op::Tag {
            version: Some("1.0.1".into()),
            commit: None,
            push: true,
        },
    )
    .expect("tag");
    assert_eq!(r.events[0].fields["tag"], "v1.0.1");
    assert_eq!(r.events[0].fields["pushed"], false);
    assert!(
        r.lines.iter().any(|l| l.contains("git push origin v1.0.1")),
        "{:?}",
        r.lines
    );
}

#[test]
fn revert_dry_run_then_commit() {
    let t = TestRepo::new();
    let (g, fix) = with_fix(&t);
    let before = t.snapshot();
    let dry = ops::run(
        &g,
        &Op::Revert {
            commit: None,
            apply: false,
        },
    )
    .expect("dry run");
    assert_eq!(t.snapshot(), before, "a dry run changes nothing");
    assert!(
        dry.lines
            .iter()
            .any(|l| l.contains("files: src/auth.ts, tests/auth.test.ts")),
        "{:?}",
        dry.lines
    );
    let Some(apply) = dry.confirm.clone() else {
        panic!("no confirm")
    };
    let r = ops::run(&g, &apply).expect("revert");
    let ev = &r.events[0];
    assert_eq!(ev.fields["reverted"], fix.to_string());
    let repo = t.repo();
    let head = repo.head().expect("h").peel_to_commit().expect("c");
    assert_eq!(
        head.id().to_string(),
        ev.fields["commit"].as_str().expect("c")
    );
    assert!(
        head.message()
            .unwrap_or_default()
            .starts_with("Revert \"fix: reject expired tokens\"")
    );
    assert!(
        !t.read("src/auth.ts").contains("token.exp"),
        "the working tree follows the revert"
    );
}

#[test]
fn revert_dry_run_reports_conflicts() {
    let t = TestRepo::new();
    let (g, fix) = with_fix(&t);
    t.write("src/auth.ts", "export function check(token) {\n  if (!token) return false;\n  if (token.exp <= Date.now()) throw new Error('expired');\n  return true;\n}\n");
    t.commit("fix: throw on expiry");
    let before = t.snapshot();
    let dry = ops::run(
        &g,
        &Op::Revert {
            commit: Some(fix.to_string()),
            apply: false,
        },
    )
    .expect("dry run");
    assert!(
        dry.lines
            .iter()
            .any(|l| l.contains("✗ conflicts in src/auth.ts")),
        "{:?}",
        dry.lines
    );
    assert!(dry.confirm.is_none());
    match ops::run(
        &g,
        &Op::Revert {
            commit: Some(fix.to_string()),
            apply: true,
        },
    ) {
        Err(GitError::Conflict(m)) => assert!(m.contains("conflicts in src/auth.ts"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(t.snapshot(), before);
}

#[test]
fn backport_cherry_picks_onto_new_branches_and_a_conflict_leaves_the_repository_exactly_as_it_was()
{
    let t = TestRepo::new();
    // develop rewrote the same lines: the backport there conflicts.
    t.commit_on(
        "develop",
        "src/auth.ts",
        "export const check = (t) => Boolean(t);\n",
        "refactor: arrow function",
    );
    let (g, fix) = with_fix(&t);
    let before = t.snapshot();
    let r = ops::run(
        &g,
        &Op::Backport {
            branches: vec!["develop".into()],
            push: false,
        },
    )
    .expect("backport");
    assert!(
        r.lines[0].contains("✗ conflict applying") && r.lines[0].contains("src/auth.ts"),
        "{:?}",
        r.lines
    );
    assert_eq!(r.events[0].fields["ok"], false);
    assert_eq!(
        t.snapshot(),
        before,
        "HEAD, refs, index and working tree untouched"
    );

    let r = ops::run(
        &g,
        &Op::Backport {
            branches: vec![],
            push: true,
        },
    )
    .expect("backport");
    let rc = "backport/release-candidate/hotfix-ENG-1234";
    assert!(r.lines[0].contains(&format!("✓ {rc}")), "{:?}", r.lines);
    let repo = t.repo();
    let picked = repo.find_commit(t.tip(rc)).expect("c");
    assert!(
        picked
            .message()
            .unwrap_or_default()
            .contains(&format!("(cherry picked from commit {fix})"))
    );
    assert_eq!(picked.parent_id(0).expect("p"), t.tip("release-candidate"));
    assert_eq!(
        t.head_name(),
        "refs/heads/hotfix/ENG-1234-auth-bypass-on-expired-tokens",
        "HEAD stays"
    );
    let origin = git2::Repository::open_bare(&t.origin).expect("origin");
    assert!(
        origin.find_reference(&format!("refs/heads/{rc}")).is_ok(),
        "pushed"
    );
    let kinds: Vec<bool> = r
        .events
        .iter()
        .map(|e| e.fields["ok"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(kinds, [true, false]);
}

#[test]
fn patch_files_in_mailbox_form() {
    let t = TestRepo::new();
    let (g, fix) = with_fix(&t);
    t.write("src/users.ts", "export const users = [] as const;\n");
    t.commit("chore: const users");
    let dir = t.dir.path().join("patches");
    let r = ops::run(&g, &Op::Patch { dir: dir.clone() }).expect("patch");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2);
    let first = std::fs::read_to_string(&files[0]).expect("read");
    assert!(first.starts_with(&format!("From {fix} ")), "{first}");
    assert!(
        first.contains("Subject: [PATCH 1/2] fix: reject expired tokens"),
        "{first}"
    );
    assert!(first.contains("+  if (token.exp < Date.now()) return false;"));
    assert!(
        files[0]
            .file_name()
            .expect("n")
            .to_string_lossy()
            .starts_with("0001-fix-reject-expired-tokens")
    );
    assert_eq!(
        r.events[0].fields["files"].as_array().map(|a| a.len()),
        Some(2)
    );
}
