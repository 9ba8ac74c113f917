//! The direction of dependency, as the README's architecture section draws it: each module
//! imports only from its own layer or the layers below, and no cycle runs through a layer.
//! The test reads every `crate::…` path in `src/` (the `use` lines and paths written inline).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top to bottom. A module missing here fails the test: a new module takes a place first.
const LAYERS: &[(&str, &[&str])] = &[
    ("command line", &["main", "cli"]),
    ("console", &["console", "demo"]),
    ("view", &["ui"]),
    ("model", &["app"]),
    (
        "producers and services",
        &[
            "jobs",
            "git",
            "github",
            "sentry",
            "metrics",
            "flags",
            "pagerduty",
            "rollbar",
            "statuspage",
            "tickets",
            "share",
            "export",
        ],
    ),
    (
        "record and rules",
        &[
            "incident",
            "journal",
            "checklist",
            "clock",
            "config",
            "priority",
            "runbook",
            "assess",
        ],
    ),
    (
        "leaf helpers",
        &["output", "format", "keys", "fsutil", "http", "logging"],
    ),
];

/// The largest a source file may grow before it is split.
const MAX_LINES: usize = 650;

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

#[derive(Debug, Clone, PartialEq)]
struct Import {
    file: String,
    line: usize,
    from: String,
    to: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to: `src/ui/header.rs` → `ui`, `src/clock.rs` → `clock`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// Every `crate::name` in a line, including each name of `use crate::{a, b::c}`.
fn targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "self" {
                    out.push(name);
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
        rest = after;
    }
    out
}

fn imports(src: &Path) -> Vec<Import> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = Vec::new();
    for f in files {
        let from = module_of(src, &f);
        if from == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        let mut in_use = false;
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            // `use crate::{` can run over several lines.
            let scanned = if in_use {
                format!("crate::{{{code}")
            } else {
                code.to_string()
            };
            in_use = (in_use || code.contains("use crate::{")) && !code.contains('}');
            for to in targets(&scanned) {
                if to != from {
                    out.push(Import {
                        file: f.display().to_string(),
                        line: i + 1,
                        from: from.clone(),
                        to,
                    });
                }
            }
        }
    }
    out
}

/// What breaks the table: unknown modules, upward imports and cycles, one sentence each.
fn violations(src: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for imp in imports(src) {
        let (Some(from), Some(to)) = (layer_of(&imp.from), layer_of(&imp.to)) else {
            let unknown = if layer_of(&imp.from).is_none() {
                &imp.from
            } else {
                &imp.to
            };
            out.push(format!(
                "{}:{}: module `{unknown}` has no layer in tests/architecture.rs",
                imp.file, imp.line
            ));
            continue;
        };
        if to < from {
            out.push(format!(
                "{}:{}: `{}` ({}) imports `{}` ({}), a layer above it",
                imp.file, imp.line, imp.from, LAYERS[from].0, imp.to, LAYERS[to].0
            ));
        }
        if to == from {
            graph.entry(imp.from).or_default().insert(imp.to);
        }
    }
    // An upward import is named above; what is left to find is a cycle inside one layer.
    out.extend(cycles(&graph));
    out
}

fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut cycle = path[at..].to_vec();
            cycle.push(n.to_string());
            found.push(format!("a cycle: {}", cycle.join(" → ")));
            return;
        }
        if done.contains(n) {
            return;
        }
        path.push(n.to_string());
        for next in graph.get(n).into_iter().flatten() {
            visit(next, graph, path, done, found);
        }
        path.pop();
        done.insert(n.to_string());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        visit(n, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_import_points_down() {
    let v = violations(&src());
    assert!(v.is_empty(), "{}", v.join("\n"));
}

#[test]
fn every_module_has_a_layer() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(&src(), f))
        .filter(|m| m != "lib")
        .collect();
    let missing: Vec<&String> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(missing.is_empty(), "no layer for {missing:?}");
    assert!(
        modules.len() > 20,
        "the walk found the modules: {modules:?}"
    );
}

#[test]
fn no_source_file_outgrows_a_reading() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).expect("read").lines().count();
            (n > MAX_LINES).then(|| format!("{} has {n} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}

/// Copies `src/` and plants one line in a copy of a file.
fn planted(file: &str, line: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let copy = dir.path().join("src");
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for f in files {
        let to = copy.join(f.strip_prefix(src()).expect("under src"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&f, &to).expect("copy");
    }
    let target = copy.join(file);
    let text = std::fs::read_to_string(&target).expect("read");
    std::fs::write(&target, format!("{line}\n{text}")).expect("plant");
    (dir, target)
}

#[test]
fn a_planted_upward_import_is_named_with_its_file_and_line() {
    let (_dir, target) = planted("journal/event.rs", "use crate::ui::view;");
    let v = violations(target.parent().expect("journal").parent().expect("src"));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0],
        format!(
            "{}:1: `journal` (record and rules) imports `ui` (view), a layer above it",
            target.display()
        )
    );
}

#[test]
fn a_planted_cycle_inside_a_layer_is_found() {
    // `incident` imports `checklist`; `checklist` importing `incident` closes a cycle.
    let (dir, _) = planted("checklist.rs", "use crate::incident::Incident;");
    let v = violations(&dir.path().join("src"));
    assert!(
        v.iter().any(|s| s.starts_with("a cycle:")
            && s.contains("checklist")
            && s.contains("incident")),
        "{v:?}"
    );
}

#[test]
fn grouped_and_inline_paths_are_read() {
    assert_eq!(
        targets("use crate::{app::Msg, ui, format::count};"),
        ["app", "ui", "format"]
    );
    assert_eq!(
        targets("    let x = crate::git::Subject::of(&crate::incident::X);"),
        ["git", "incident"]
    );
}
