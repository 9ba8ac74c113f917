//! The sentence for an event that came without one (`warroom event TICKET check_finished
//! --field name=test --field exit_code=3`), worded as the console words its own, and the
//! known kinds nearest to a mistyped one.

use super::event::{Fields, kinds};

fn exit(fields: &Fields) -> Option<String> {
    let code = fields.get("exit_code").and_then(|v| v.as_i64());
    let signal = fields.get("signal").and_then(|v| v.as_i64());
    match (code, signal) {
        (Some(0), _) => None,
        (Some(c), _) => Some(format!("exit {c}")),
        (None, Some(s)) => Some(format!("signal {s}")),
        _ => None,
    }
}

fn passed(fields: &Fields) -> Option<bool> {
    if let Some(ok) = fields.get("ok").and_then(|v| v.as_bool()) {
        return Some(ok);
    }
    fields
        .get("exit_code")
        .and_then(|v| v.as_i64())
        .map(|c| c == 0)
}

/// A sentence for `kind` from its fields; the kind's own words when nothing more is known.
pub fn describe(kind: &str, fields: &Fields) -> String {
    let s = |k: &str| fields.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let result = |what: String| match (passed(fields), exit(fields)) {
        (Some(true), _) => format!("{what} passed"),
        (Some(false), Some(e)) => format!("{what} failed ({e})"),
        (Some(false), None) => format!("{what} failed"),
        (None, _) => format!("{what} finished (no result given)"),
    };
    match kind {
        kinds::CHECK_FINISHED => result(match s("name") {
            Some(n) => format!("Check {n}"),
            None => "Check".into(),
        }),
        kinds::SMOKE_FINISHED => result(match s("name") {
            Some(n) => format!("Smoke test {n}"),
            None => "Smoke test".into(),
        }),
        kinds::DEPLOY_FINISHED => match passed(fields) {
            Some(true) => "Deploy finished: the fix is deployed".into(),
            _ => result("Deploy".into()),
        },
        kinds::ROLLBACK_FINISHED => result("Rollback".into()),
        kinds::DEPLOY_STARTED => match s("command") {
            Some(c) => format!("Deploy started: {c}"),
            None => "Deploy started".into(),
        },
        kinds::MILESTONE => s("milestone")
            .map(|m| sentence(&m))
            .unwrap_or_else(|| "Milestone".into()),
        kinds::PRIORITY_CHANGED => match (s("from"), s("to")) {
            (Some(f), Some(t)) => format!("Priority changed {f} → {t}"),
            (None, Some(t)) => format!("Priority changed to {t}"),
            _ => "Priority changed".into(),
        },
        kinds::GIT_TAG_CREATED => match s("tag") {
            Some(t) => format!("Tagged {t}"),
            None => "Tag created".into(),
        },
        kinds::PIR_COMPLETED => "Post-incident review completed".into(),
        kinds::STATUS_UPDATE => "Status update posted".into(),
        other => sentence(other.strip_prefix(kinds::CUSTOM_PREFIX).unwrap_or(other)),
    }
}

/// `on_call_alerted` → `On call alerted`.
fn sentence(snake: &str) -> String {
    let words = snake.replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => words,
    }
}

/// The known kinds closest to `kind`, nearest first (at most three).
pub fn nearest_kinds(kind: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = kinds::KNOWN
        .iter()
        .map(|k| (strsim::levenshtein(kind, k), *k))
        .collect();
    scored.sort();
    let best = scored.first().map(|(d, _)| *d).unwrap_or(0);
    scored
        .into_iter()
        .filter(|(d, k)| *d <= best + 2 || k.starts_with(kind))
        .take(3)
        .map(|(_, k)| k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Draft;

    #[test]
    fn events_from_the_command_line_read_like_the_consoles() {
        let d = Draft::new(kinds::CHECK_FINISHED, "")
            .field("name", "test")
            .field("exit_code", 3);
        assert_eq!(
            describe(d.kind.as_str(), &d.fields),
            "Check test failed (exit 3)"
        );
        let d = Draft::new(kinds::CHECK_FINISHED, "")
            .field("name", "build")
            .field("exit_code", 0);
        assert_eq!(describe(d.kind.as_str(), &d.fields), "Check build passed");
        let d = Draft::new("x_ci_job", "");
        assert_eq!(describe(d.kind.as_str(), &d.fields), "Ci job");
    }

    #[test]
    fn a_typo_finds_the_kind_meant() {
        assert_eq!(nearest_kinds("deploy_finnished")[0], "deploy_finished");
        assert_eq!(nearest_kinds("chek_finished")[0], "check_finished");
    }
}
