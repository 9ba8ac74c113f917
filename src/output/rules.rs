//! Secret shapes kept as data: gitleaks' rule set (`assets/secrets/gitleaks.json`, see the
//! NOTICE beside it), matched as gitleaks matches it — a rule runs only on text holding one of
//! its keywords; its pattern finds the match, the secret is the rule's group (else the first
//! group that matched, else the whole match), and it counts only above the rule's entropy
//! floor and outside its allowlists and the global one. Beside them, warroom's own rule for
//! assignments and headers whose name says they hold a secret (`DD_API_KEY=…`, `AccountKey=…`,
//! `_authToken=…`), with a floor that lets ordinary words through.

use std::ops::Range;
use std::sync::{LazyLock, OnceLock};

use aho_corasick::AhoCorasick;
use regex::bytes::{Regex as ByteRegex, RegexBuilder as ByteRegexBuilder};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

const DATA: &str = include_str!("../../assets/secrets/gitleaks.json");

#[derive(Deserialize)]
struct File {
    allow: AllowDef,
    rules: Vec<RuleDef>,
}

#[derive(Deserialize, Default)]
struct AllowDef {
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
}

#[derive(Deserialize)]
struct RuleDef {
    id: String,
    #[serde(default)]
    description: String,
    pattern: String,
    #[serde(default)]
    secret_group: Option<usize>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    allow: Vec<AllowDef>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Secret,
    Match,
    Line,
}

struct Allow {
    target: Target,
    all: bool,
    regexes: Vec<ByteRegex>,
    stopwords: Vec<String>,
}

impl Allow {
    fn new(def: &AllowDef) -> Allow {
        Allow {
            target: match def.target.as_deref() {
                Some("match") => Target::Match,
                Some("line") => Target::Line,
                _ => Target::Secret,
            },
            all: def.condition.as_deref() == Some("and"),
            regexes: def.regexes.iter().filter_map(|r| build_re2(r)).collect(),
            stopwords: def.stopwords.iter().map(|s| s.to_lowercase()).collect(),
        }
    }

    /// Whether this allowlist lets the finding through.
    fn allows(&self, secret: &str, whole: &str, line: &str) -> bool {
        let target = match self.target {
            Target::Secret => secret,
            Target::Match => whole,
            Target::Line => line,
        };
        let by_regex = (!self.regexes.is_empty())
            .then(|| self.regexes.iter().any(|r| r.is_match(target.as_bytes())));
        let by_word = (!self.stopwords.is_empty()).then(|| {
            let lower = secret.to_lowercase();
            self.stopwords.iter().any(|w| lower.contains(w.as_str()))
        });
        let mut checks = [by_regex, by_word].into_iter().flatten().peekable();
        if self.all {
            checks.peek().is_some() && checks.all(|c| c)
        } else {
            checks.any(|c| c)
        }
    }
}

/// One of gitleaks' rules; its pattern is compiled the first time text holds its keyword.
pub struct Rule {
    pub id: String,
    pub description: String,
    pub pattern: String,
    pub keywords: Vec<String>,
    group: Option<usize>,
    entropy: Option<f64>,
    allow: Vec<Allow>,
    regex: OnceLock<Option<ByteRegex>>,
}

impl Rule {
    /// The compiled pattern; `None` when it does not compile (logged once; a test compiles all).
    pub fn regex(&self) -> Option<&ByteRegex> {
        self.regex
            .get_or_init(|| {
                let r = build_re2(&self.pattern);
                if r.is_none() {
                    tracing::error!("secret rule {} does not compile", self.id);
                }
                r
            })
            .as_ref()
    }
}

/// A gitleaks pattern read as Go's RE2 reads it: the same syntax, with `\w`, `\d`, `\s` and
/// `\b` over ASCII (Rust's are Unicode by default, which makes the larger patterns a hundred
/// times slower to compile), matched over bytes; some are larger than the default limit allows.
fn build_re2(pattern: &str) -> Option<ByteRegex> {
    ByteRegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(64 << 20)
        .build()
        .ok()
}

/// warroom's own patterns, over text.
fn build(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern).build().ok()
}

/// `range` widened to the characters it touches (a byte pattern may stop inside one).
fn on_chars(text: &str, range: Range<usize>) -> Range<usize> {
    let mut start = range.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Every rule's keywords, matched without regard to case; pattern `i` is `owners[i]`'s
    /// ([`NAMED_RULE`] for the words of warroom's named-assignment rule, so one pass over a
    /// line tells whether any rule can find anything in it).
    keywords: Option<AhoCorasick>,
    /// The words of `keywords`, for a gate that holds them beside others.
    words: Vec<String>,
    owners: Vec<usize>,
    global: Allow,
}

/// The rule set, read once from the data built into the binary.
/// The owner of the named-assignment rule's words in the keyword pass.
const NAMED_RULE: usize = usize::MAX;

/// Words one of which every text the named-assignment and header rules find holds.
const NAMED_WORDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "passw",
    "pwd",
    "credential",
    "auth",
    "bearer",
    "basic",
];

pub static RULES: LazyLock<RuleSet> = LazyLock::new(|| {
    let file: File = serde_json::from_str(DATA).unwrap_or_else(|e| {
        tracing::error!("the secret rules cannot be read: {e}");
        File {
            allow: AllowDef::default(),
            rules: Vec::new(),
        }
    });
    RuleSet::new(file)
});

impl RuleSet {
    fn new(file: File) -> RuleSet {
        let mut words = Vec::new();
        let mut owners = Vec::new();
        let rules: Vec<Rule> = file
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                for k in &r.keywords {
                    words.push(k.clone());
                    owners.push(i);
                }
                Rule {
                    allow: r.allow.iter().map(Allow::new).collect(),

                    id: r.id,
                    description: r.description,
                    pattern: r.pattern,
                    keywords: r.keywords,
                    group: r.secret_group,
                    entropy: r.entropy,
                    regex: OnceLock::new(),
                }
            })
            .collect();
        for w in NAMED_WORDS {
            words.push((*w).to_string());
            owners.push(NAMED_RULE);
        }
        let keywords = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&words)
            .map_err(|e| tracing::error!("secret keywords: {e}"))
            .ok();
        RuleSet {
            rules,
            keywords,
            words,
            owners,
            global: Allow::new(&file.allow),
        }
    }

    /// The rules whose keywords `text` holds.
    fn candidates(&self, text: &str) -> Vec<usize> {
        let Some(ac) = &self.keywords else {
            return Vec::new();
        };
        let mut found: Vec<usize> = ac
            .find_overlapping_iter(text)
            .map(|m| self.owners[m.pattern().as_usize()])
            .filter(|o| *o != NAMED_RULE)
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Every rule's keywords and the named rules' words: a text holding none of them (case
    /// aside) cannot hold what the rules find.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether no rule, gitleaks' or warroom's named ones, can find anything in `text` (no
    /// keyword of any in it).
    pub fn cannot_match(&self, text: &str) -> bool {
        self.keywords.as_ref().is_none_or(|ac| !ac.is_match(text))
    }

    /// The byte ranges of the secrets in `text`, and the ids of the rules that found them.
    pub fn find<'a>(&'a self, text: &str, out: &mut Vec<(Range<usize>, &'a str)>) {
        for i in self.candidates(text) {
            let rule = &self.rules[i];
            let Some(re) = rule.regex() else { continue };
            for caps in re.captures_iter(text.as_bytes()) {
                let Some(whole) = caps.get(0) else { continue };
                let secret = match rule.group {
                    Some(g) => caps.get(g),
                    None => caps.iter().skip(1).flatten().find(|m| !m.is_empty()),
                }
                .unwrap_or(whole);
                let (range, whole) = (
                    on_chars(text, secret.range()),
                    on_chars(text, whole.range()),
                );
                let (s, whole) = (&text[range.clone()], &text[whole]);
                if rule.entropy.is_some_and(|e| entropy(s) < e) {
                    continue;
                }
                // gitleaks: a generic rule's secret must hold a digit.
                if rule.id.starts_with("generic") && !s.bytes().any(|b| b.is_ascii_digit()) {
                    continue;
                }
                let allowed = std::iter::once(&self.global)
                    .chain(&rule.allow)
                    .any(|a| a.allows(s, whole, text));
                if !allowed && !s.is_empty() {
                    out.push((range, rule.id.as_str()));
                }
            }
        }
    }
}

/// Shannon entropy of `s`, in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// warroom's own rule: a value assigned to a name that says it is secret, in shell, env files,
/// config, JSON, connection strings and headers (`NAME=v`, `NAME: v`, `"name": "v"`, `Name=v;`).
pub static NAMED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    build(concat!(
        r#"(?i)(?:^|[^A-Za-z0-9])([A-Za-z0-9_.-]*(?:key|token|secret|passw(?:or)?d|pwd|credential|auth)[A-Za-z0-9_.-]*)"#,
        r#"["']?[ \t]*(?:=|:=|=>|:)[ \t]*["']?"#,
        r#"([^\s"'`,;&<>]{6,})"#,
    ))
});

/// An `Authorization` header: its scheme (`Bearer`, `token`, `Basic`…) stays, the credential
/// goes.
static AUTH_HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    build(
        r#"(?i)\b(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?(?:[A-Za-z-]+[ \t]+)?([^\s"'`,;&<>]{6,})"#,
    )
});

/// A credential after its scheme anywhere (`curl -H "Bearer …"`), long as credentials are.
static SCHEME: LazyLock<Option<Regex>> =
    LazyLock::new(|| build(r"(?i)\b(?:bearer|basic)[ \t]+([A-Za-z0-9._~+/=-]{20,})"));

/// The value of a named assignment is a secret when it looks like one: two kinds of character
/// over six or more (letters, digits, punctuation other than `_`, `-` and `.`, and capitals
/// after the first letter beside lower case), or a long high-entropy word. `expired`,
/// `Bearer`, `created_at`, `12345` and `$TOKEN` are not.
pub fn looks_secret(value: &str) -> bool {
    let v = value.trim();
    if v.starts_with('$')
        || v.starts_with('%')
        || v.starts_with("{{")
        || v == super::redact::REDACTED
    {
        return false;
    }
    let classes = [
        v.bytes().any(|b| b.is_ascii_alphabetic()),
        v.bytes().skip(1).any(|b| b.is_ascii_uppercase())
            && v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
        v.bytes()
            .any(|b| b.is_ascii_punctuation() && b != b'_' && b != b'-' && b != b'.'),
    ]
    .iter()
    .filter(|c| **c)
    .count();
    (v.len() >= 6 && classes >= 2) || (v.len() >= 16 && entropy(v) >= 3.5)
}

/// The values of named assignments in `text` that look secret.
pub fn find_named(text: &str, out: &mut Vec<(Range<usize>, &str)>) {
    for (re, group, id) in [
        (&*NAMED, 2, "named-assignment"),
        (&*AUTH_HEADER, 1, "authorization-header"),
        (&*SCHEME, 1, "scheme-credential"),
    ] {
        let Some(re) = re.as_ref() else { continue };
        for caps in re.captures_iter(text) {
            // The header's own rule reads `Authorization:` (its value starts with a scheme).
            let header = group == 2
                && caps
                    .get(1)
                    .is_some_and(|n| n.as_str().to_ascii_lowercase().ends_with("authorization"));
            if let Some(value) = caps.get(group)
                && !header
                && looks_secret(value.as_str())
            {
                out.push((value.range(), id));
            }
        }
    }
}
