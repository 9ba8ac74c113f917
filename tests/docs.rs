//! The README and the pages of `docs/` stay true to the tree and the binary: every relative
//! link reaches a file (and a heading, when it names one), and every `warroom` command in a
//! fenced shell block names a subcommand and flags that `--help` lists.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md"), root().join("BENCHMARKS.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// A heading as GitHub makes its anchor: lowercase, spaces to hyphens, other punctuation gone.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect()
}

/// The `[label](target)` links of a page, outside code.
fn links(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\[[^\]]+\]\(([^)\s]+)\)").expect("regex");
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        out.extend(re.captures_iter(line).map(|c| c[1].to_string()));
    }
    out
}

#[test]
fn every_link_reaches_a_file_and_its_heading() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page");
        for target in links(&text) {
            if target.starts_with("http") || target.starts_with("mailto:") {
                continue;
            }
            let (file, heading) = match target.split_once('#') {
                Some((f, h)) => (f, Some(h)),
                None => (target.as_str(), None),
            };
            let path = if file.is_empty() {
                page.clone()
            } else {
                page.parent().expect("dir").join(file)
            };
            if !path.exists() {
                broken.push(format!("{}: {target}: no such file", page.display()));
                continue;
            }
            if let Some(h) = heading
                && path.extension().is_some_and(|e| e == "md")
            {
                let there = std::fs::read_to_string(&path).expect("target");
                if !anchors(&there).iter().any(|a| a == h) {
                    broken.push(format!("{}: {target}: no such heading", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_readme_is_short_and_links_every_page_of_docs() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    assert!(
        readme.len() < 12 * 1024,
        "README.md is {} bytes",
        readme.len()
    );
    for page in pages().iter().skip(2) {
        let name = page.file_name().expect("name").to_string_lossy();
        assert!(
            readme.contains(&format!("(docs/{name})")),
            "the README does not link docs/{name}"
        );
    }
}

/// `warroom …` invocations in fenced shell blocks: the words up to a comment, a pipe or a
/// redirection.
fn commands(text: &str) -> Vec<Vec<String>> {
    /// The fenced block a line is in.
    #[derive(PartialEq)]
    enum Block {
        Shell,
        /// No language (output, a picture): only lines after a prompt (`bob$ `) count.
        Plain,
        Other,
    }
    let mut out = Vec::new();
    let mut block = None;
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(lang) = t.strip_prefix("```") {
            block = match (&block, lang.trim()) {
                (Some(_), _) => None,
                (None, "sh" | "bash" | "console" | "shell") => Some(Block::Shell),
                (None, "") => Some(Block::Plain),
                (None, _) => Some(Block::Other),
            };
            continue;
        }
        let prompt = t
            .split_whitespace()
            .next()
            .is_some_and(|w| w.ends_with('$'));
        match block {
            Some(Block::Shell) => {}
            Some(Block::Plain) if prompt => {}
            _ => continue,
        }
        let code = t.split(" #").next().unwrap_or_default();
        for part in code.split(['|', ';', '>']).flat_map(|p| p.split("&&")) {
            let words: Vec<&str> = part.split_whitespace().collect();
            if let Some(at) = words.iter().position(|w| *w == "warroom") {
                out.push(words[at + 1..].iter().map(|w| w.to_string()).collect());
            }
        }
    }
    out
}

fn help(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--help");
    let o = std::process::Command::new(common::bin())
        .args(&all)
        .output()
        .expect("warroom --help");
    assert!(
        o.status.success(),
        "warroom {} --help failed",
        args.join(" ")
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The subcommands `--help` lists, under "Commands:".
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

#[test]
fn every_documented_command_exists_with_its_flags() {
    let mut helps: BTreeMap<Vec<String>, String> = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut seen = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page");
        for words in commands(&text) {
            seen += 1;
            // The deepest subcommand the words name.
            let mut path: Vec<String> = Vec::new();
            for w in &words {
                if w.starts_with('-') {
                    break;
                }
                let h = helps
                    .entry(path.clone())
                    .or_insert_with(|| help(&path.iter().map(String::as_str).collect::<Vec<_>>()))
                    .clone();
                let subs = subcommands(&h);
                if subs.is_empty() {
                    break;
                }
                if !subs.contains(w) {
                    wrong.push(format!(
                        "{}: warroom {}: no subcommand {w:?}",
                        page.display(),
                        words.join(" ")
                    ));
                    break;
                }
                path.push(w.clone());
            }
            let h = helps
                .entry(path.clone())
                .or_insert_with(|| help(&path.iter().map(String::as_str).collect::<Vec<_>>()))
                .clone();
            for flag in words.iter().filter(|w| w.starts_with("--")) {
                let flag = flag.split('=').next().unwrap_or_default();
                if !h.contains(flag) {
                    wrong.push(format!(
                        "{}: warroom {}: {flag} is not an option of `warroom {}`",
                        page.display(),
                        words.join(" "),
                        path.join(" ")
                    ));
                }
            }
        }
    }
    assert!(seen >= 8, "only {seen} commands found in the docs");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
