//! A seat's batches signed with the ssh key its person signs git commits with (`gpg.format =
//! ssh`), and a push by someone else onto that seat's ref refused by every other seat. The git
//! command line is the oracle: `git verify-commit` accepts the seat's own batches, and the
//! forged commit is on the remote, fast-forwarded, for every seat to see.

mod common;

use std::path::Path;
use std::process::Command;

use common::seats::{Seat, Team, git};

const T: &str = "SIGN-1";

fn keygen(path: &Path) -> String {
    let o = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(path.with_extension("pub")).expect("pub")
}

fn signing(seat: &Seat, key: &Path) {
    git(&seat.work, &["config", "gpg.format", "ssh"]);
    git(
        &seat.work,
        &["config", "user.signingkey", key.to_str().expect("key")],
    );
}

/// A commit on `seat_ref` by someone else: one batch holding `line`, on top of the ref's tip
/// and pushed as a plain fast-forward (the remote takes it), or (`replace`) a history of its own
/// force-pushed over the ref.
fn forge(mallory: &Seat, seat_ref: &str, line: &str, sign_with: Option<&Path>, replace: bool) {
    git(
        &mallory.work,
        &["fetch", "-q", "origin", &format!("+{seat_ref}:{seat_ref}")],
    );
    let tip = git(&mallory.work, &["rev-parse", seat_ref]);
    std::fs::write(mallory.work.join("events.jsonl"), format!("{line}\n")).expect("batch");
    let blob = git(&mallory.work, &["hash-object", "-w", "events.jsonl"]);
    let tree = {
        let mut child = Command::new("git")
            .arg("mktree")
            .current_dir(&mallory.work)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("mktree");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("100644 blob {}\tevents.jsonl\n", blob.trim()).as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("mktree");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let mut args = vec!["commit-tree".to_string(), tree];
    if !replace {
        args.extend(["-p".into(), tip.trim().into()]);
    }
    args.extend(["-m".into(), "warroom: events".into()]);
    if let Some(key) = sign_with {
        signing(mallory, key);
        args.push("-S".into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let commit = git(&mallory.work, &args);
    let refspec = format!("{}:{seat_ref}", commit.trim());
    let mut push = vec!["push", "-q", "origin", &refspec];
    if replace {
        push.push("--force");
    }
    git(&mallory.work, &push);
}

#[test]
fn a_signed_seat_is_verified_and_a_commit_pushed_onto_its_ref_by_another_is_refused() {
    let team = Team::new();
    let (alice, bob) = (team.seat("Alice"), team.seat("Bob"));
    let keys = team.dir.path().join("keys");
    std::fs::create_dir_all(&keys).expect("keys");
    let alice_pub = keygen(&keys.join("alice"));
    signing(&alice, &keys.join("alice"));
    alice.ok(&[
        "open",
        T,
        "--priority",
        "P1",
        "--title",
        "Signed",
        "--no-console",
        "--share",
    ]);
    let alice_seat = alice.seat_id(T);
    let alice_ref = format!("refs/warroom/{T}/{alice_seat}");

    // git itself accepts the batch as signed by Alice's key.
    let signers = keys.join("allowed_signers");
    std::fs::write(
        &signers,
        format!("{alice_seat} namespaces=\"git\" {alice_pub}"),
    )
    .expect("signers");
    let verified = Command::new("git")
        .args([
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", signers.display()),
            "verify-commit",
            &alice_ref,
        ])
        .current_dir(&team.origin)
        .output()
        .expect("verify-commit");
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );

    // Bob (unsigned) joins: he trusts Alice's key on first use, and is said to be unsigned.
    let joined = bob.run(&["join", T, "--no-console"]);
    let said = common::stderr(&joined);
    assert!(said.contains("trusted on first use"), "{said}");
    bob.ok(&["note", T, "bob here"]);
    let pulled = alice.run(&["export", T, "--format", "json"]);
    let said = common::stderr(&pulled);
    assert!(said.contains("events are not signed"), "{said}");

    // Mallory, with push access, fast-forwards Alice's ref with a note in Alice's name: the
    // remote takes it (the git command line says so)…
    let forged = format!(
        r#"{{"at":"{}","kind":"note","text":"forged by mallory","by":"Alice","seat":"{alice_seat}"}}"#,
        chrono::Utc::now().to_rfc3339()
    );
    let mallory = team.seat("Mallory");
    forge(&mallory, &alice_ref, &forged, None, false);
    let on_remote = git(&team.origin, &["log", "--format=%s", "-1", &alice_ref]);
    assert_eq!(on_remote.trim(), "warroom: events");
    // …and Bob refuses it, naming it.
    let pulled = bob.run(&["export", T, "--format", "json"]);
    let said = common::stderr(&pulled);
    assert!(
        said.contains(&format!(
            "a commit on {alice_seat}'s ref is not its seat's (it is not signed)"
        )),
        "{said}"
    );
    let record = common::stdout(&pulled);
    assert!(record.contains("bob here"));
    assert!(!record.contains("forged by mallory"), "{record}");

    // Signed with Mallory's own key, naming it: refused too.
    let mallory_key = keys.join("mallory");
    keygen(&mallory_key);
    forge(
        &mallory,
        &alice_ref,
        &forged.replace("forged by mallory", "signed by mallory"),
        Some(&mallory_key),
        false,
    );
    let pulled = bob.run(&["export", T, "--format", "json"]);
    let said = common::stderr(&pulled);
    assert!(said.contains("is not its seat's"), "{said}");
    assert!(!common::stdout(&pulled).contains("signed by mallory"));

    // Alice is not locked out: her push is refused (the remote's ref is not hers any more), so
    // her seat goes on in a new ref that continues her own chain, and says so.
    let forged_tip = git(&team.origin, &["rev-parse", &alice_ref]);
    let noted = alice.run(&["note", T, "alice carries on"]);
    assert!(noted.status.success(), "{}", common::stderr(&noted));
    let said = common::stderr(&noted);
    let moved_ref = format!("{alice_ref}.2");
    assert!(said.contains(&format!("go on in {moved_ref}")), "{said}");
    let mine = git(&team.origin, &["rev-parse", &moved_ref]);
    let forged_in_mine = Command::new("git")
        .args([
            "merge-base",
            "--is-ancestor",
            forged_tip.trim(),
            mine.trim(),
        ])
        .current_dir(&team.origin)
        .status()
        .expect("merge-base");
    assert!(
        !forged_in_mine.success(),
        "the forged commit is not in Alice's new ref"
    );
    let pulled = bob.run(&["export", T, "--format", "json"]);
    let record = common::stdout(&pulled);
    assert!(
        record.contains("alice carries on"),
        "{}",
        common::stderr(&pulled)
    );
    assert!(!record.contains("by mallory"), "{record}");
    // Alice's own record has everything she wrote, and nothing forged.
    let own = alice.ok(&["export", T, "--format", "json"]);
    assert!(own.contains("alice carries on") && !own.contains("by mallory"));
}

#[test]
fn a_force_push_over_a_seat_s_ref_never_splits_the_record() {
    let team = Team::new();
    let (alice, bob) = (team.seat("Alice"), team.seat("Bob"));
    let keys = team.dir.path().join("keys");
    std::fs::create_dir_all(&keys).expect("keys");
    keygen(&keys.join("alice"));
    signing(&alice, &keys.join("alice"));
    alice.ok(&[
        "open",
        T,
        "--priority",
        "P1",
        "--title",
        "Forced",
        "--no-console",
        "--share",
    ]);
    alice.ok(&["note", T, "alice before the force-push"]);
    bob.ok(&["join", T, "--no-console"]);
    let alice_ref = format!("refs/warroom/{T}/{}", alice.seat_id(T));
    // Mallory replaces Alice's ref with a history of her own.
    let mallory = team.seat("Mallory");
    let forged = format!(
        r#"{{"at":"{}","kind":"note","text":"history by mallory","by":"Alice","seat":"{}"}}"#,
        chrono::Utc::now().to_rfc3339(),
        alice.seat_id(T)
    );
    forge(&mallory, &alice_ref, &forged, None, true);
    // Bob keeps what he read and takes nothing of the new history.
    let said = common::stderr(&bob.run(&["export", T, "--format", "json"]));
    assert!(said.contains("was rewritten"), "{said}");
    // Alice goes on in a ref of her own chain; Bob, and Carol who joins only now, read the same.
    let noted = alice.run(&["note", T, "alice after it"]);
    assert!(
        common::stderr(&noted).contains(&format!("go on in {alice_ref}.2")),
        "{}",
        common::stderr(&noted)
    );
    let carol = team.seat("Carol");
    carol.ok(&["join", T, "--no-console"]);
    let events = |seat: &Seat| -> Vec<String> {
        seat.json(T)["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["seat"].as_str() == Some(alice.seat_id(T).as_str()))
            .map(|e| e["text"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (on_bob, on_carol) = (events(&bob), events(&carol));
    assert_eq!(on_bob, on_carol, "one record of Alice's events");
    assert!(on_bob.iter().any(|t| t == "alice before the force-push"));
    assert!(on_bob.iter().any(|t| t == "alice after it"));
    assert!(!on_bob.iter().any(|t| t.contains("by mallory")));
}

#[test]
fn a_seat_signing_with_openpgp_is_verified_and_a_forged_commit_refused() {
    let team = Team::new();
    let (alice, bob) = (team.seat("Alice"), team.seat("Bob"));
    let gnupg = team.dir.path().join("gnupg");
    std::fs::create_dir_all(&gnupg).expect("gnupg");
    let gpg = |args: &[&str]| {
        let o = Command::new("gpg")
            .arg("--homedir")
            .arg(&gnupg)
            .arg("--batch")
            .args(args)
            .output()
            .expect("gpg");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        "Alice <alice@example.com>",
        "ed25519",
        "sign",
        "never",
    ]);
    let fpr = gpg(&["--with-colons", "--list-secret-keys"])
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').find(|f| !f.is_empty()))
        .expect("fingerprint")
        .to_string();
    git(&alice.work, &["config", "user.signingkey", &fpr]);
    let env = [("GNUPGHOME", gnupg.to_str().expect("home"))];
    let as_alice = |args: &[&str]| {
        let o = common::warroom_env(&alice.home, &alice.work, args, &env);
        assert!(o.status.success(), "{}", common::stderr(&o));
        o
    };
    as_alice(&[
        "open",
        T,
        "--priority",
        "P1",
        "--title",
        "Signed with openpgp",
        "--no-console",
        "--share",
    ]);
    let alice_ref = format!("refs/warroom/{T}/{}", alice.seat_id(T));
    // git itself accepts the batch as Alice's.
    let verified = Command::new("git")
        .args(["verify-commit", &alice_ref])
        .env("GNUPGHOME", &gnupg)
        .current_dir(&team.origin)
        .output()
        .expect("verify-commit");
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let said = common::stderr(&bob.run(&["join", T, "--no-console"]));
    assert!(
        said.contains(&format!("openpgp {fpr} (trusted on first use)")),
        "{said}"
    );
    let mallory = team.seat("Mallory");
    let forged = format!(
        r#"{{"at":"{}","kind":"note","text":"forged by mallory","by":"Alice","seat":"{}"}}"#,
        chrono::Utc::now().to_rfc3339(),
        alice.seat_id(T)
    );
    forge(&mallory, &alice_ref, &forged, None, false);
    let pulled = bob.run(&["export", T, "--format", "json"]);
    assert!(
        common::stderr(&pulled).contains("is not its seat's (it is not signed)"),
        "{}",
        common::stderr(&pulled)
    );
    assert!(!common::stdout(&pulled).contains("forged by mallory"));
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(&gnupg)
        .args(["--kill", "gpg-agent"])
        .status();
}
