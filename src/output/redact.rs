//! Secrets never reach the pane, the log files or the journal: values of secret-looking
//! environment variables, gitleaks' rule set and warroom's named-assignment rule
//! ([`super::rules`]), and a few shapes of our own are replaced by `[redacted]`.

use std::ops::Range;

use aho_corasick::AhoCorasick;
use regex::Regex;

use super::gate::Gate;
use super::rules::{self, RULES};

pub const REDACTED: &str = "[redacted]";

/// Names that mark an environment variable as secret.
const SECRET_NAME_PARTS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "KEY",
    "WEBHOOK",
    "CREDENTIAL",
    "AUTH",
    "DSN",
];

/// warroom's own shapes, beside gitleaks' rules (each a row of docs/secrets.md): Stripe webhook
/// secrets, Sentry, GitHub (every prefix), GitLab,
/// npm, PyPI, Slack tokens and hooks, Stripe secret and restricted keys, Google API keys, AWS
/// access keys and `aws_secret_access_key` assignments, JWTs, private key blocks (to their end
/// line, or the end of the text). Credentials after `Bearer`/`Basic` are the rules' (they keep
/// the scheme).
const SHAPES: &str = concat!(
    r"whsec_[A-Za-z0-9+/=]{24,}",
    r"|sntry[su]_[A-Za-z0-9_=+/.-]{10,}",
    r"|gh[pousr]_[A-Za-z0-9]{20,}",
    r"|github_pat_[A-Za-z0-9_]{20,}",
    r"|glpat-[A-Za-z0-9_-]{20,}",
    r"|npm_[A-Za-z0-9]{36}",
    r"|pypi-[A-Za-z0-9_-]{50,}",
    r"|xox[abprse]-[A-Za-z0-9-]{10,}",
    r"|https://hooks\.slack\.com/[A-Za-z0-9/_-]+",
    r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}",
    r"|AIza[A-Za-z0-9_-]{35}",
    r"|(?:AKIA|ASIA)[A-Z0-9]{16}",
    r"|(?i:aws_secret_access_key)\s*[=:]\s*\S+",
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+",
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z)",
);

/// How the secret shapes start: a line still being written that ends in one of these (or in
/// the start of a secret value) is not shown until the rest arrives.
const SHAPE_STARTS: &str = r"^(?:whsec_|sntry|gh[pousr]_|github_pat_|glpat-|npm_|pypi-|xox[abprse]-|https://hooks\.slack|(?:sk|rk)_(?:live|test)_|AIza|AKIA|ASIA|eyJ|-----BEGIN)";

/// A literal each of the shapes holds (case aside), for the one-pass gate.
const SHAPE_WORDS: &[&str] = &[
    "whsec_",
    "sntry",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "npm_",
    "pypi-",
    "xox",
    "hooks.slack.com",
    "_live_",
    "_test_",
    "aiza",
    "akia",
    "asia",
    "aws_secret_access_key",
    "eyj",
    "-----begin",
    // URL credentials.
    "://",
];

const KEY_BEGIN: &str = "-----BEGIN ";
const KEY_END: &str = "-----END ";
const KEY_TAIL: &str = "PRIVATE KEY-----";

#[derive(Debug, Clone)]
pub struct Redactor {
    value_list: Vec<String>,
    values: Option<AhoCorasick>,
    /// One pass that every text with a secret fails: the rules' keywords, the shapes'
    /// literals and the values, case aside. Most lines of a flood stop here.
    gate: Option<Gate>,
    shapes: Option<Regex>,
    shape_starts: Option<Regex>,
    url_credentials: Option<Regex>,
}

impl PartialEq for Redactor {
    fn eq(&self, other: &Redactor) -> bool {
        self.value_list == other.value_list
    }
}

/// The patterns are constants checked by the tests; a failure to build one is logged.
fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern)
        .map_err(|e| tracing::error!("redaction pattern does not compile: {e}"))
        .ok()
}

impl Redactor {
    /// From this process's environment, plus any extra variable names from the config.
    pub fn from_env(extra_names: &[String]) -> Redactor {
        Redactor::from_vars(std::env::vars(), extra_names)
    }

    /// Values of variables whose names look secret (or are named in `extra_names`).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
        extra_names: &[String],
    ) -> Redactor {
        let values = vars
            .into_iter()
            .filter(|(name, value)| {
                let upper = name.to_ascii_uppercase();
                let secret = SECRET_NAME_PARTS.iter().any(|p| upper.contains(p))
                    || extra_names.iter().any(|n| n.eq_ignore_ascii_case(name));
                secret && value.len() >= 6
            })
            .map(|(_, v)| v)
            .collect();
        Redactor::new(values)
    }

    pub fn new(mut values: Vec<String>) -> Redactor {
        // Longest first, so a value containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        let matcher = if values.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&values)
                .ok()
        };
        let gate = Gate::new(
            RULES
                .words()
                .iter()
                .map(String::as_str)
                .chain(SHAPE_WORDS.iter().copied())
                .chain(values.iter().map(String::as_str)),
        )
        .map_err(|e| tracing::error!("the redaction gate cannot be built: {e}"))
        .ok();
        Redactor {
            value_list: values,
            values: matcher,
            gate,
            shapes: compile(SHAPES),
            shape_starts: compile(SHAPE_STARTS),
            url_credentials: compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"),
        }
    }

    pub fn is_clean(&self, s: &str) -> bool {
        if let Some(gate) = &self.gate {
            return !gate.holds(s.as_bytes());
        }
        self.values.as_ref().is_none_or(|ac| !ac.is_match(s))
            && self.shapes.as_ref().is_none_or(|r| !r.is_match(s))
            && !(s.contains("://") && self.url_credentials.as_ref().is_some_and(|r| r.is_match(s)))
            && RULES.cannot_match(s)
    }

    /// What the rules find in `s`: each secret's byte range and the rule that found it.
    pub fn findings(&self, s: &str) -> Vec<(Range<usize>, &'static str)> {
        let mut found = Vec::new();
        RULES.find(s, &mut found);
        rules::find_named(s, &mut found);
        found
    }

    /// Also redacts these values (a token read from a command, say).
    pub fn with_values(self, extra: Vec<String>) -> Redactor {
        let extra: Vec<String> = extra.into_iter().filter(|v| v.len() >= 6).collect();
        if extra.is_empty() {
            return self;
        }
        let mut values = self.value_list;
        values.extend(extra);
        Redactor::new(values)
    }

    /// The text with every secret replaced; borrowed when there was none.
    pub fn redact<'a>(&self, s: &'a str) -> std::borrow::Cow<'a, str> {
        if self.is_clean(s) {
            return std::borrow::Cow::Borrowed(s);
        }
        std::borrow::Cow::Owned(self.redact_found(s))
    }

    /// `s`, which the gate did not pass, with every secret replaced.
    fn redact_found(&self, s: &str) -> String {
        let mut out = match &self.values {
            Some(ac) => ac.replace_all(s, &vec![REDACTED; ac.patterns_len()]),
            None => s.to_string(),
        };
        if let Some(r) = &self.shapes {
            out = r.replace_all(&out, REDACTED).into_owned();
        }
        if let Some(r) = &self.url_credentials {
            out = r
                .replace_all(&out, format!("${{1}}{REDACTED}@"))
                .into_owned();
        }
        let found: Vec<Range<usize>> = self.findings(&out).into_iter().map(|(r, _)| r).collect();
        replace_ranges(&out, found)
    }
}

impl Redactor {
    /// One line of a stream: a private key block spans lines, so `in_key` carries whether the
    /// lines before opened one that has not ended yet; its lines are redacted whole.
    pub fn redact_line<'a>(&self, line: &'a str, in_key: &mut bool) -> std::borrow::Cow<'a, str> {
        // A line inside a key block is redacted whole: it need not pass the gate.
        let clean = !*in_key && self.is_clean(line);
        self.redact_gated(line, in_key, clean)
    }

    /// Which of `lines` the gate passes, in order: lines of a stream are gated together, four
    /// at a time, before [`Redactor::redact_gated`] takes each.
    pub fn clean_each(&self, lines: &[&str]) -> Vec<bool> {
        match &self.gate {
            Some(gate) => gate
                .holds_each(lines)
                .into_iter()
                .map(|held| !held)
                .collect(),
            None => lines.iter().map(|l| self.is_clean(l)).collect(),
        }
    }

    /// [`Redactor::redact_line`] with the gate's answer for `line` given (`clean`).
    pub fn redact_gated<'a>(
        &self,
        line: &'a str,
        in_key: &mut bool,
        clean: bool,
    ) -> std::borrow::Cow<'a, str> {
        if *in_key {
            if line.contains(KEY_END) && line.contains(KEY_TAIL) {
                *in_key = false;
            }
            return std::borrow::Cow::Owned(REDACTED.to_string());
        }
        // The gate holds the start of a key block too.
        if clean {
            return std::borrow::Cow::Borrowed(line);
        }
        if let Some(at) = line.find(KEY_BEGIN)
            && line[at..].contains(KEY_TAIL)
            && !line[at..].contains(KEY_END)
        {
            *in_key = true;
        }
        std::borrow::Cow::Owned(self.redact_found(line))
    }

    /// A line still being written: as [`Redactor::redact_line`], and its end is hidden when
    /// it may be the start of a secret whose rest has not arrived: when the shapes would match
    /// it with more characters after it, or its last word starts a shape or a secret value.
    pub fn redact_unfinished(&self, line: &str, in_key: bool) -> String {
        let mut in_key = in_key;
        let mut out = self.redact_line(line, &mut in_key).into_owned();
        let end = out.trim_end_matches("\x1b[0m").len();
        let probe = format!("{}{UNFINISHED_PROBE}", &out[..end]);
        let mut cut: Option<usize> = None;
        for r in [&self.shapes, &self.url_credentials].into_iter().flatten() {
            for m in r.find_iter(&probe) {
                if m.start() < end && m.end() > end {
                    cut = Some(cut.map_or(m.start(), |c| c.min(m.start())));
                }
            }
        }
        // A rule's secret, or a named assignment's value, that the rest of the line may finish;
        // rules of a fixed length are tried with rests of several lengths.
        let mut probes = vec![probe];
        let last_word = &out[out[..end].rfind(char::is_whitespace).map_or(0, |i| i + 1)..end];
        if !RULES.cannot_match(last_word) {
            probes.extend(
                (1..UNFINISHED_PROBE.len())
                    .map(|n| format!("{}{} ", &out[..end], &UNFINISHED_PROBE[..n])),
            );
        }
        for p in &probes {
            for (r, _) in self.findings(p) {
                if r.start < end && r.end > end {
                    cut = Some(cut.map_or(r.start, |c| c.min(r.start)));
                }
            }
        }
        let word_start = out[..end].rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = super::ansi::strip_sgr(&out[word_start..end]).into_owned();
        let starts_value = word.len() >= 4 && self.value_list.iter().any(|v| v.starts_with(&word));
        let starts_shape = word != REDACTED
            && self
                .shape_starts
                .as_ref()
                .is_some_and(|r| r.is_match(&word));
        if starts_value || starts_shape {
            cut = Some(cut.map_or(word_start, |c| c.min(word_start)));
        }
        if let Some(c) = cut {
            out.replace_range(c..end, REDACTED);
        }
        out
    }
}

/// `text` with each range (overlapping ones merged) replaced by `[redacted]`.
fn replace_ranges(text: &str, mut ranges: Vec<Range<usize>>) -> String {
    if ranges.is_empty() {
        return text.to_string();
    }
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        if r.end <= at {
            continue;
        }
        let start = r.start.max(at);
        out.push_str(&text[at..start]);
        out.push_str(REDACTED);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// What may follow an unfinished line: letters and digits, then an `@` and a path, enough to
/// complete any shape.
const UNFINISHED_PROBE: &str =
    "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4y5Z6a7B8c9D0e1F2g3H4@h/";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_values_and_token_shapes_are_redacted() {
        let r = Redactor::new(vec!["hunter2-very-secret".into()]);
        let cases = [
            (
                "password is hunter2-very-secret!",
                "password is [redacted]!",
            ),
            (
                "auth sntrys_eyJpYXQiOjE3MDAwMDAwMDB9_abc",
                "auth [redacted]",
            ),
            (
                "ghp_0123456789abcdefghijABCDEFGHIJ pushed",
                "[redacted] pushed",
            ),
            (
                "token github_pat_11ABCDEFG0123456789_abcdef",
                "token [redacted]",
            ),
            ("slack xoxb-1234567890-abcdefghij", "slack [redacted]"),
            (
                "posting to https://hooks.slack.com/services/T000/B000/XXXX ok",
                "posting to [redacted] ok",
            ),
            ("key AKIAIOSFODNN7EXAMPLE used", "key [redacted] used"),
            (
                "Authorization: Bearer abc.def.ghi123",
                "Authorization: Bearer [redacted]",
            ),
            (
                "git clone https://deploy:s3cr3t@github.com/org/repo",
                "git clone https://[redacted]@github.com/org/repo",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(r.redact(input), want, "{input}");
        }
        assert!(matches!(
            r.redact("nothing to see"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn every_documented_shape_is_redacted() {
        let r = Redactor::new(Vec::new());
        // Examples shaped like the real ones, made up here (none is a real secret).
        for secret in [
            "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
            "pypi-AgEIcHlwaS5vcmcCJGExYjJjM2Q0LWU1ZjYtNzg5MC1hYmNkLWVmMDEyMzQ1Njc4OQACJXsi",
            "ghs_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
            "gho_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
            "glpat-a1B2c3D4e5F6g7H8i9J0",
            "sk_live_51H8exampleexampleexample",
            "rk_live_51H8exampleexampleexample",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
            "AKIAIOSFODNN7EXAMPLE",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ] {
            let line = format!("deploy: using {secret} now");
            assert_eq!(r.redact(&line), "deploy: using [redacted] now", "{secret}");
        }
        assert_eq!(
            r.redact("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "[redacted]"
        );
        assert_eq!(
            r.redact("> Authorization: Basic dXNlcjpwYXNzd29yZA=="),
            "> Authorization: Basic [redacted]"
        );
    }

    #[test]
    fn private_key_blocks_are_redacted_to_their_end() {
        let r = Redactor::new(Vec::new());
        let block = "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACBexample\n-----END OPENSSH PRIVATE KEY-----\ndone";
        assert_eq!(r.redact(block), "key:\n[redacted]\ndone");
        let mut in_key = false;
        let lines: Vec<String> = block
            .lines()
            .map(|l| r.redact_line(l, &mut in_key).into_owned())
            .collect();
        assert_eq!(
            lines,
            [
                "key:",
                "[redacted]",
                "[redacted]",
                "[redacted]",
                "[redacted]",
                "done"
            ]
        );
        assert!(!in_key);
    }

    #[test]
    fn the_start_of_a_secret_still_being_written_is_hidden() {
        let r = Redactor::new(vec!["hunter2-planted-secret".into()]);
        assert_eq!(
            r.redact_unfinished("token ghp_a1B2c3", false),
            "token [redacted]"
        );
        assert_eq!(r.redact_unfinished("pw hunter2-pl", false), "pw [redacted]");
        assert_eq!(
            r.redact_unfinished("\x1b[0;36mtoken eyJhbGci\x1b[0m", false),
            "\x1b[0;36mtoken [redacted]\x1b[0m"
        );
        assert_eq!(r.redact_unfinished("Uploading 40%", false), "Uploading 40%");
        assert_eq!(
            r.redact_unfinished("> Authorization: Bearer abc", false),
            "> Authorization: Bearer [redacted]"
        );
        assert_eq!(
            r.redact_unfinished("cloning https://deploy:s3c", false),
            "cloning [redacted]"
        );
        assert_eq!(
            r.redact_unfinished("aws_secret_access_key = wJalr", false),
            "[redacted]"
        );
        assert_eq!(r.redact_unfinished("MIIEvQIBADAN", true), "[redacted]");
    }

    #[test]
    fn secret_looking_names_are_picked_from_the_environment() {
        let vars = [
            ("MY_API_KEY", "k-123456789"),
            ("SENTRY_AUTH_TOKEN", "sentry-value-1"),
            ("DB_PASSWORD", "pw-abcdef"),
            ("SLACK_WEBHOOK_URL", "https://example.test/hook/1"),
            ("CUSTOM_THING", "custom-value-1"),
            ("HOME", "/home/someone"),
            ("SHORT_TOKEN", "abc"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let r = Redactor::from_vars(vars, &["custom_thing".into()]);
        let line = "k-123456789 sentry-value-1 pw-abcdef https://example.test/hook/1 custom-value-1 /home/someone abc";
        assert_eq!(
            r.redact(line),
            "[redacted] [redacted] [redacted] [redacted] [redacted] /home/someone abc"
        );
    }
}
