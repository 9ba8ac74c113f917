//! The checklist definition: phases of items with per-priority rules and `auto` triggers.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::journal::Event;
use crate::priority::Priority;

pub const DEFAULT_CHECKLIST: &str = include_str!("../assets/checklist.toml");

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checklist {
    pub phases: Vec<Phase>,
    /// Which items each event kind may tick, so applying an event checks only those.
    by_kind: HashMap<String, Vec<(usize, usize)>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub id: String,
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub text: String,
    pub hint: Option<String>,
    pub applies: Option<Vec<Priority>>,
    pub waivable: Option<Vec<Priority>>,
    pub auto: Vec<Trigger>,
}

/// Ticks an item when an event of `kind` lands whose fields equal every value in `fields`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Trigger {
    pub kind: String,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl Trigger {
    /// A trigger that names no `environment` is production's: a staging deploy never ticks
    /// "Fix deployed to production".
    pub fn matches(&self, ev: &Event) -> bool {
        ev.kind.as_str() == self.kind
            && ev.environment() == self.environment()
            && self
                .fields
                .iter()
                .all(|(k, v)| k == "environment" || ev.fields.get(k) == Some(v))
    }

    pub fn environment(&self) -> &str {
        self.fields
            .get("environment")
            .and_then(Value::as_str)
            .unwrap_or(crate::journal::event::PRODUCTION)
    }
}

impl Item {
    pub fn applies_to(&self, p: Priority) -> bool {
        self.applies.as_ref().is_none_or(|ps| ps.contains(&p))
    }
    pub fn waivable_at(&self, p: Priority) -> bool {
        self.waivable.as_ref().is_none_or(|ps| ps.contains(&p))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    phase: Vec<PhaseDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhaseDef {
    id: toml::Spanned<String>,
    title: String,
    #[serde(default)]
    item: Vec<ItemDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemDef {
    id: toml::Spanned<String>,
    text: String,
    hint: Option<String>,
    applies: Option<Vec<Priority>>,
    waivable: Option<Vec<Priority>>,
    #[serde(default)]
    auto: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Trigger),
    Many(Vec<Trigger>),
}

#[derive(Debug, thiserror::Error)]
#[error("checklist {source_name}: {message}")]
pub struct ChecklistError {
    pub source_name: String,
    pub message: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Checklist {
    pub fn builtin() -> Result<Checklist, ChecklistError> {
        Checklist::parse(DEFAULT_CHECKLIST, "assets/checklist.toml (built in)")
    }

    pub fn parse(text: &str, source_name: &str) -> Result<Checklist, ChecklistError> {
        let err = |message: String| ChecklistError {
            source_name: source_name.to_string(),
            message,
        };
        let def: FileDef =
            toml::from_str(text).map_err(|e| err(e.to_string().trim().to_string()))?;
        if def.phase.is_empty() {
            return Err(err("has no [[phase]]".into()));
        }
        let mut seen = HashSet::new();
        let mut phases = Vec::new();
        for p in def.phase {
            let mut items = Vec::new();
            for it in p.item {
                let id = it.id.get_ref().trim().to_string();
                if id.is_empty() || !seen.insert(id.clone()) {
                    return Err(err(format!(
                        "line {}: item id {:?} is empty or used twice",
                        line_of(text, it.id.span().start),
                        id
                    )));
                }
                let auto = match it.auto {
                    None => Vec::new(),
                    Some(OneOrMany::One(t)) => vec![t],
                    Some(OneOrMany::Many(ts)) => ts,
                };
                items.push(Item {
                    id,
                    text: it.text,
                    hint: it.hint,
                    applies: it.applies,
                    waivable: it.waivable,
                    auto,
                });
            }
            if items.is_empty() {
                return Err(err(format!(
                    "line {}: phase {:?} has no [[phase.item]]",
                    line_of(text, p.id.span().start),
                    p.id.get_ref()
                )));
            }
            phases.push(Phase {
                id: p.id.into_inner(),
                title: p.title,
                items,
            });
        }
        let mut by_kind: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (pi, p) in phases.iter().enumerate() {
            for (ii, it) in p.items.iter().enumerate() {
                for t in &it.auto {
                    let slot = by_kind.entry(t.kind.clone()).or_default();
                    if !slot.contains(&(pi, ii)) {
                        slot.push((pi, ii));
                    }
                }
            }
        }
        Ok(Checklist { phases, by_kind })
    }

    pub fn load(path: &Path) -> Result<Checklist, ChecklistError> {
        let text = std::fs::read_to_string(path).map_err(|e| ChecklistError {
            source_name: path.display().to_string(),
            message: format!("cannot be read: {e}"),
        })?;
        Checklist::parse(&text, &path.display().to_string())
    }

    /// Items with a trigger of this kind: an event of it may tick or untick them.
    pub fn listening<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Item> + 'a {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(|(pi, ii)| &self.phases[*pi].items[*ii])
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|it| it.id == id)
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.phases.iter().flat_map(|p| p.items.iter())
    }
}

/// The repository's own checklist, `.warroom/checklist.toml`, in this folder or a parent up to
/// the top of the git work tree.
pub fn find_repo_checklist(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(".warroom").join("checklist.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Draft, kinds};
    use chrono::Utc;

    #[test]
    fn builtin_checklist_covers_the_workflow() {
        let c = Checklist::builtin().expect("builtin");
        let ids: Vec<&str> = c.phases.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "triage",
                "branch",
                "fix",
                "testing",
                "pr",
                "deploy",
                "verify",
                "communicate",
                "follow-up"
            ]
        );
        let staging = c.item("staging").expect("staging");
        assert!(!staging.applies_to(Priority::P0) && staging.applies_to(Priority::P1));
        let review = c.item("pr-approved").expect("review");
        assert!(review.waivable_at(Priority::P0) && !review.waivable_at(Priority::P1));
        let pir = c.item("pir-written").expect("pir");
        assert!(pir.applies_to(Priority::P1) && !pir.applies_to(Priority::P2));
    }

    impl Checklist {
        /// Items this event matches a trigger of.
        fn triggered_by<'a>(&'a self, ev: &'a Event) -> impl Iterator<Item = &'a Item> + 'a {
            self.listening(ev.kind.as_str())
                .filter(|it| it.auto.iter().any(|t| t.matches(ev)))
        }
    }

    #[test]
    fn triggers_match_kind_and_fields() {
        let c = Checklist::builtin().expect("builtin");
        let pass = Draft::new(kinds::CHECK_FINISHED, "test passed")
            .field("name", "test")
            .field("exit_code", 0)
            .stamp(Utc::now());
        let ids: Vec<&str> = c.triggered_by(&pass).map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["test-suite"]);
        let fail = Draft::new(kinds::CHECK_FINISHED, "test failed")
            .field("name", "test")
            .field("exit_code", 1)
            .stamp(Utc::now());
        assert_eq!(c.triggered_by(&fail).count(), 0);
        let deployed = Draft::new(kinds::MILESTONE, "Fix deployed")
            .field("milestone", "fix_deployed")
            .stamp(Utc::now());
        let ids: Vec<&str> = c.triggered_by(&deployed).map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["deployed"]);
    }

    #[test]
    fn broken_checklists_name_the_line() {
        let e = Checklist::parse(
            "[[phase]]\nid = \"a\"\ntitle = \"A\"\n[[phase.item]]\nid = \"x\"\ntxt = \"oops\"\n",
            "mine.toml",
        )
        .expect_err("unknown key");
        let msg = e.to_string();
        assert!(
            msg.contains("mine.toml") && msg.contains("line 6") && msg.contains("txt"),
            "{msg}"
        );

        let dup = "[[phase]]\nid = \"a\"\ntitle = \"A\"\n[[phase.item]]\nid = \"x\"\ntext = \"1\"\n[[phase.item]]\nid = \"x\"\ntext = \"2\"\n";
        let msg = Checklist::parse(dup, "dup.toml")
            .expect_err("dup")
            .to_string();
        assert!(msg.contains("line 8") && msg.contains("\"x\""), "{msg}");

        let bad_priority = "[[phase]]\nid = \"a\"\ntitle = \"A\"\n[[phase.item]]\nid = \"x\"\ntext = \"1\"\napplies = [\"P9\"]\n";
        let msg = Checklist::parse(bad_priority, "p.toml")
            .expect_err("priority")
            .to_string();
        assert!(msg.contains("line 7"), "{msg}");
    }

    #[test]
    fn repo_checklist_is_found_up_to_the_work_tree_root() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join(".git")).expect("git");
        std::fs::create_dir_all(dir.path().join(".warroom")).expect("w");
        std::fs::write(dir.path().join(".warroom/checklist.toml"), "x").expect("write");
        let sub = dir.path().join("src/deep");
        std::fs::create_dir_all(&sub).expect("sub");
        assert_eq!(
            find_repo_checklist(&sub),
            Some(dir.path().join(".warroom/checklist.toml"))
        );
    }
}
