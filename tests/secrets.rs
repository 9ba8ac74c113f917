//! Secrets found by their structure: every rule of gitleaks' set compiles and finds a secret
//! made from its own pattern; the shapes deploy tools print are caught; ordinary output (git
//! hashes, request ids, base64 images, build logs) stays as it was, with its false-positive
//! rate said; and a shared seat's ref on the remote holds none of them.

mod common;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_regex::Regex as Generator;
use warroom::output::Redactor;
use warroom::output::rules::{RULES, entropy};

use common::secrets::PLANTED;

/// Each run plants the same samples.
fn seeded(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A generator of strings matching `pattern` read as the rules are (RE2's ASCII classes), its
/// anchors and word boundaries left out (the sample is planted between spaces), its classes
/// kept to ASCII so that a sample is text.
fn generator(pattern: &str) -> Generator {
    use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, HirKind};
    fn strip(h: &Hir) -> Hir {
        match h.kind() {
            HirKind::Look(_) => Hir::empty(),
            HirKind::Class(Class::Bytes(c)) => {
                let printable = ClassBytes::new([ClassBytesRange::new(0x20, 0x7e)]);
                let ascii = ClassBytes::new([ClassBytesRange::new(0x00, 0x7f)]);
                let mut p = c.clone();
                p.intersect(&printable);
                if p.ranges().is_empty() {
                    p = c.clone();
                    p.intersect(&ascii);
                }
                Hir::class(Class::Bytes(p))
            }
            HirKind::Repetition(r) => {
                let mut r = r.clone();
                r.sub = Box::new(strip(&r.sub));
                Hir::repetition(r)
            }
            HirKind::Capture(c) => {
                let mut c = c.clone();
                c.sub = Box::new(strip(&c.sub));
                Hir::capture(c)
            }
            HirKind::Concat(hs) => Hir::concat(hs.iter().map(strip).collect()),
            HirKind::Alternation(hs) => Hir::alternation(hs.iter().map(strip).collect()),
            _ => h.clone(),
        }
    }
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .expect("parse");
    Generator::with_hir(strip(&hir), 12).expect("a generator")
}

#[test]
fn every_rule_compiles_and_finds_a_secret_made_from_its_own_pattern() {
    let redactor = Redactor::new(Vec::new());
    let mut missed = Vec::new();
    let mut rng = seeded(0x9e37_79b9_7f4a_7c15);
    assert!(RULES.rules.len() >= 200, "{}", RULES.rules.len());
    for rule in &RULES.rules {
        assert!(rule.regex().is_some(), "{} does not compile", rule.id);
        // Samples of the pattern itself (repeats capped), until one is a secret the rule
        // stands by: not allowlisted, above its entropy floor.
        let generator = generator(&rule.pattern);
        // The line holds the rule's keyword, as gitleaks requires of the text it runs a rule
        // on (some patterns do not hold theirs, or hold it with `.` for any character).
        let keyword = rule.keywords.first().map_or("", String::as_str);
        let found = (0..200).any(|_| {
            let sample: String = rng.sample(&generator);
            let line = format!("deploy ({keyword}): {sample}\n");
            redactor
                .findings(&line)
                .iter()
                .any(|(_, id)| *id == rule.id)
                && {
                    let red = redactor.redact(&line);
                    red.contains("[redacted]")
                }
        });
        if !found {
            missed.push(rule.id.clone());
        }
    }
    assert!(
        missed.is_empty(),
        "rules that found none of 200 samples of their own pattern: {missed:?}"
    );
}

#[test]
fn the_shapes_deploy_tools_print_are_caught_and_named() {
    let r = Redactor::new(vec!["hunter2-planted-secret".into()]);
    for (text, secret) in PLANTED {
        let out = r.redact(text);
        assert!(!out.contains(secret), "{secret} survived: {out}");
        assert!(out.contains("[redacted]"), "{out}");
    }
    // The name stays, the value goes; the scheme of a header stays.
    let cases = [
        (
            "+ export DD_API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "+ export DD_API_KEY=[redacted]",
        ),
        (
            "Authorization: token 8f3a9c2d1e4b7a6c5d0e",
            "Authorization: token [redacted]",
        ),
        ("DB_PWD: s3cretPw9", "DB_PWD: [redacted]"),
        (
            "{\"client_secret\": \"Zx9Qw2Er5Ty8Ui1Op4\"}",
            "{\"client_secret\": \"[redacted]\"}",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(r.redact(line), want);
    }
}

#[test]
fn the_live_row_hides_a_value_still_being_written_after_its_name() {
    let r = Redactor::new(Vec::new());
    for (line, value) in [
        ("+ export DD_API_KEY=9f8e7d", "9f8e7d"),
        ("HEROKU_API_KEY=5a8e3c1f-2b7d", "5a8e3c1f"),
        ("mail: using SG.aBcD1234eFgH", "SG.aBcD"),
        ("AccountKey=q8Zf3Xk2Lm9P", "q8Zf3Xk2"),
    ] {
        let shown = r.redact_unfinished(line, false);
        assert!(!shown.contains(value), "{line:?} shows {shown:?}");
    }
    assert_eq!(r.redact_unfinished("Uploading 40%", false), "Uploading 40%");
    // Unfinished, a value after a secret name may still grow into a secret; finished, an
    // ordinary word is shown.
    assert_eq!(
        r.redact_unfinished("token_type=bearer", false),
        "token_type=[redacted]"
    );
    assert_eq!(r.redact("token_type=bearer"), "token_type=bearer");
}

/// Output nobody would call secret: a deploy's worth of lines of the kinds tools print.
fn ordinary_lines() -> Vec<String> {
    let mut rng = seeded(42);
    let mut hex = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16usize)]))
            .collect()
    };
    let mut lines = Vec::new();
    for i in 0..400 {
        let h = hex(40);
        let u = format!("{}-{}-4{}-a{}-{}", hex(8), hex(4), hex(3), hex(3), hex(12));
        let b64: String = (0..120)
            .map(|j| {
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                        [(i * 7 + j * 13) % 64],
                )
            })
            .collect();
        lines.extend([
            format!("commit {h}"),
            format!("HEAD is now at {} fix: charge once", &h[..7]),
            format!("request_id={u} status=200 duration=12ms"),
            format!("GET /api/v1/invoices/{i} 200 {}ms trace={u}", i % 97),
            format!("<img src=\"data:image/png;base64,{b64}\">"),
            format!("#{i} [build 3/7] RUN npm ci --cache-key deps-v{i}"),
            format!("sha256:{}{} pulled", h, &h[..24]),
            format!("Step {i}/40 : COPY package.json ."),
            "npm notice New minor version of npm available! 10.8.1 -> 10.9.0".to_string(),
            format!("deployment.apps/api-{i} configured"),
            "token_type=bearer expires_in=3600".to_string(),
            format!("primary_key=invoice_id sort_key=created_at page={i}"),
            "Compiled successfully in 4.2s (api, worker, scheduler)".to_string(),
            format!("Uploaded build to https://storage.example.com/builds/{h}.tar.gz"),
            "password reset emails: 0 queued".to_string(),
        ]);
    }
    lines
}

#[test]
fn ordinary_output_stays_as_it_was() {
    let r = Redactor::new(Vec::new());
    let lines = ordinary_lines();
    let changed: Vec<(&String, String)> = lines
        .iter()
        .filter_map(|l| {
            let out = r.redact(l);
            (out != l.as_str()).then(|| (l, out.into_owned()))
        })
        .collect();
    let rate = changed.len() as f64 / lines.len() as f64;
    println!(
        "false positives: {} of {} ordinary lines ({:.3} %)",
        changed.len(),
        lines.len(),
        rate * 100.0
    );
    assert!(
        changed.is_empty(),
        "ordinary lines redacted ({:.2} %): {:?}",
        rate * 100.0,
        &changed[..changed.len().min(5)]
    );
}

#[test]
fn entropy_is_shannon_s() {
    assert_eq!(entropy(""), 0.0);
    assert_eq!(entropy("aaaa"), 0.0);
    assert!((entropy("ab") - 1.0).abs() < 1e-9);
    assert!((entropy("0123456789abcdef") - 4.0).abs() < 1e-9);
}

#[test]
fn a_shared_seats_ref_holds_no_secret() {
    use common::seats::{Team, git};
    let team = Team::new();
    let alice = team.seat("Alice");
    alice.ok(&[
        "open",
        "SEC-1",
        "--priority",
        "P1",
        "--title",
        "Keys in the log",
        "--no-console",
        "--share",
    ]);
    let text: Vec<&str> = PLANTED.iter().map(|(t, _)| *t).collect();
    alice.ok(&["note", "SEC-1", &text.join("\n")]);
    alice.ok(&[
        "event",
        "SEC-1",
        "deploy_started",
        "Deploy started: DD_API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0 ./deploy.sh",
    ]);
    let seat = alice.seat_id("SEC-1");
    let history = git(
        &team.origin,
        &["log", "-p", &format!("refs/warroom/SEC-1/{seat}")],
    );
    assert!(history.contains("[redacted]"), "{history}");
    for (_, secret) in PLANTED {
        if *secret == "hunter2-planted-secret" {
            continue; // an environment value: this seat's environment does not hold it
        }
        assert!(!history.contains(secret), "{secret} on the remote");
    }
    assert!(!history.contains("9f8e7d6c5b4a39281706f5e4d3c2b1a0"));
}

#[test]
fn docs_secrets_md_names_every_rule() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/secrets.md"))
        .expect("docs/secrets.md");
    for rule in &RULES.rules {
        assert!(
            doc.contains(&format!("| `{}` |", rule.id)),
            "{} is not in docs/secrets.md",
            rule.id
        );
    }
    assert!(doc.contains(&format!("{} rules", RULES.rules.len())));
}
