//! One line of the journal: when, what kind, a human sentence, and kind-specific fields.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Event kinds this version knows. Lines with other kinds (from a newer version, or from
/// `warroom event`) are kept and shown as generic events.
pub mod kinds {
    /// Every kind warroom writes, defined once: a constant each, and the list `KNOWN`.
    macro_rules! kinds {
        ($($(#[$doc:meta])* $name:ident = $value:literal,)*) => {
            $($(#[$doc])* pub const $name: &str = $value;)*
            pub const KNOWN: &[&str] = &[$($name),*];
        };
    }

    kinds! {
        INCIDENT_OPENED = "incident_opened",
        PRIORITY_CHANGED = "priority_changed",
        CHECKLIST_DONE = "checklist_done",
        CHECKLIST_REOPENED = "checklist_reopened",
        CHECKLIST_WAIVED = "checklist_waived",
        NOTE = "note",
        MILESTONE = "milestone",
        STATUS_UPDATE = "status_update",
        DEPLOY_STARTED = "deploy_started",
        DEPLOY_FINISHED = "deploy_finished",
        /// The readiness check after a deploy command: `ok`, `url`, `last` (the last answer).
        DEPLOY_READY = "deploy_ready",
        /// A check began: `name`, `command` (bookkeeping: not in the review's timeline).
        CHECK_STARTED = "check_started",
        CHECK_FINISHED = "check_finished",
        /// A smoke test began: `name`, `command` (bookkeeping, like `check_started`).
        SMOKE_STARTED = "smoke_started",
        SMOKE_FINISHED = "smoke_finished",
        ROLLBACK_STARTED = "rollback_started",
        ROLLBACK_FINISHED = "rollback_finished",
        COMMAND_CANCELLED = "command_cancelled",
        ERROR_RATE = "error_rate",
        SENTRY_ISSUE = "sentry_issue",
        SENTRY_DEPLOY = "sentry_deploy",
        /// A new Rollbar item first seen after the deploy: `id`, `short_id` (`#counter`), `title`,
        /// `first_seen`, `count`.
        ROLLBAR_ITEM = "rollbar_item",
        /// The deploy registered with Rollbar: `ok`, `revision` (or `error`).
        ROLLBAR_DEPLOY = "rollbar_deploy",
        GIT_BRANCH_CREATED = "git_branch_created",
        GIT_TAG_CREATED = "git_tag_created",
        GIT_REVERT = "git_revert",
        GIT_BACKPORT = "git_backport",
        GIT_GUARD = "git_guard",
        GIT_VERIFIED = "git_verified",
        GIT_PATCH = "git_patch",
        /// A git step that was refused or failed, with the reason; nothing changed.
        GIT_REFUSED = "git_refused",
        /// The hotfix pull request, opened or found: `number`, `url`.
        PR_OPENED = "pr_opened",
        /// A reviewer's verdict: `reviewer`, `state` (approved, changes_requested, dismissed).
        PR_REVIEW = "pr_review",
        /// The checks on the PR's head commit: `state` (success, failure), `name`, `url`.
        PR_CHECKS = "pr_checks",
        /// Merged: `merge_commit`, `base`, `approved`.
        PR_MERGED = "pr_merged",
        /// Closed without merging.
        PR_CLOSED = "pr_closed",
        /// Reopened after it was closed: followed again.
        PR_REOPENED = "pr_reopened",
        /// A seat began to share the incident, or joined it: `remote`.
        SEAT_JOINED = "seat_joined",
        /// A seat moved the incident's sharing `to` another backend (git, nats), at `remote`.
        SHARE_MOVED = "share_moved",
        /// `role` (commander, comms, ops, scribe) given `to` a seat.
        ROLE_ASSIGNED = "role_assigned",
        /// The commander hands over `to` a seat, with the brief (`brief`).
        HANDOFF_STARTED = "handoff_started",
        /// The incoming commander took the role.
        HANDOFF_ACCEPTED = "handoff_accepted",
        /// The metric gates configured on a seat: `gates` ([{name, item, expect}]).
        METRIC_GATES = "metric_gates",
        /// A gate's verdict on a deploy: `name`, `item`, `verdict` (good, bad, unsettled),
        /// `before`, `after`, `window_secs`, `deploy_at`.
        METRIC_VERDICT = "metric_verdict",
        /// A feature flag changed and read back: `flag`, `provider`, `environment`, `from`
        /// (on/off, or null when it could not be read first), `to`, `confirmed`,
        /// `by_guard` (the guard changed it, not a person).
        FLAG_CHANGED = "flag_changed",
        /// The guard saw a deploy make things worse: `deploy_at`, `signal`, `polls`,
        /// `evidence`, `action` (propose, rollback, flag:<name>), `veto_secs`.
        GUARD_TRIPPED = "guard_tripped",
        /// Someone stopped the guard's action: `deploy_at`, `action`.
        GUARD_VETOED = "guard_vetoed",
        /// Paged through PagerDuty's Events API: `dedup_key` (the ticket), `service`.
        PAGERDUTY_TRIGGERED = "pagerduty_triggered",
        /// The PagerDuty incident this one follows: `incident` (id), `number`, `url`, `title`,
        /// `linked` (named with `--pagerduty`, not found by its key).
        PAGERDUTY_LINKED = "pagerduty_linked",
        /// PagerDuty says it is acknowledged (`acknowledged`: true, `person`) or no longer
        /// (`acknowledged`: false: back to triggered): `incident`.
        PAGERDUTY_ACKNOWLEDGED = "pagerduty_acknowledged",
        /// Responders requested: `incident`, `targets` ([{id, type, name}]).
        PAGERDUTY_RESPONDERS = "pagerduty_responders",
        /// A status update posted to the PagerDuty incident's stakeholders: `incident`.
        PAGERDUTY_STATUS_UPDATE = "pagerduty_status_update",
        /// A timeline event mirrored as a note: `incident`, `of` (the event's kind and time).
        PAGERDUTY_NOTE = "pagerduty_note",
        /// Resolved on PagerDuty: `incident`, `person` (who resolved it there, when known).
        PAGERDUTY_RESOLVED = "pagerduty_resolved",
        /// The comms lead's draft of the status page: `status`, `name`, `body`, `components`.
        STATUSPAGE_DRAFTED = "statuspage_drafted",
        /// The commander approved the draft of `drafted_at`.
        STATUSPAGE_APPROVED = "statuspage_approved",
        /// Published on Statuspage: `incident` (its id there), `url`, `status`, `components`,
        /// `body`, `update` (an existing incident updated).
        STATUSPAGE_PUBLISHED = "statuspage_published",
        /// The incident's ticket as its tracker had it when the incident opened: `key`,
        /// `provider`, `title`, `url`, `state`, `priority`, `assignee`.
        TICKET_LINKED = "ticket_linked",
        /// A comment posted on the ticket: `of` (a milestone's id, or `resolution`), `url`,
        /// `found` (it was there already, from before a crash).
        TICKET_COMMENTED = "ticket_commented",
        /// The ticket moved to `state` (GitHub: closed).
        TICKET_MOVED = "ticket_moved",
        /// A write to the ticket failed and waits to be tried again: `write`, `error`.
        TICKET_WRITE_FAILED = "ticket_write_failed",
        /// An action item created as an issue under the ticket: `item` (its text), `key`,
        /// `url`, `remaining` (action items still without one).
        FOLLOWUP_CREATED = "followup_created",
        /// An action item that could not be created: `item`, `error`, `remaining`.
        FOLLOWUP_FAILED = "followup_failed",
        EXPORT_WRITTEN = "export_written",
        SLACK_POSTED = "slack_posted",
        /// The internal update posted to Microsoft Teams (or why not): `ok`.
        TEAMS_POSTED = "teams_posted",
        PIR_COMPLETED = "pir_completed",
        INCIDENT_CLOSED = "incident_closed",
    }

    /// Record-keeping kinds: in `incident.json` and `timeline.csv`, not in the review's table.
    pub const BOOKKEEPING: &[&str] = &[
        EXPORT_WRITTEN,
        CHECK_STARTED,
        SMOKE_STARTED,
        PAGERDUTY_NOTE,
        TICKET_WRITE_FAILED,
    ];

    /// Custom kinds (`warroom event TICKET x_…`) start with this.
    pub const CUSTOM_PREFIX: &str = "x_";
}

/// An event kind: a snake_case word. Known kinds are borrowed, so a large journal does not
/// allocate one string per line for them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Kind(Cow<'static, str>);

impl Kind {
    pub fn new(s: &str) -> Kind {
        match kinds::KNOWN.iter().find(|k| **k == s) {
            Some(k) => Kind(Cow::Borrowed(k)),
            None => Kind(Cow::Owned(s.to_string())),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_known(&self) -> bool {
        kinds::KNOWN.contains(&self.as_str())
    }
    /// A kind given on the command line: snake_case letters, digits and underscores.
    pub fn is_valid_name(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 64
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        Ok(Kind::new(&s))
    }
}

/// Kind-specific fields, in the order written. A small vector rather than a map: most events
/// carry zero to three fields, and a large journal holds hundreds of thousands of events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(Vec<(String, Value)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    pub fn insert(&mut self, name: String, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.0.iter().position(|(k, _)| k == name)?;
        Some(self.0.remove(i).1)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Replaces string values (at any depth) for which `f` returns a new string.
    pub fn map_strings(&mut self, mut f: impl FnMut(&str) -> Option<String>) {
        fn walk(v: &mut Value, f: &mut dyn FnMut(&str) -> Option<String>) {
            match v {
                Value::String(s) => {
                    if let Some(n) = f(s) {
                        *s = n;
                    }
                }
                Value::Array(a) => a.iter_mut().for_each(|x| walk(x, f)),
                Value::Object(o) => o.values_mut().for_each(|x| walk(x, f)),
                _ => {}
            }
        }
        for (_, v) in &mut self.0 {
            walk(v, &mut f);
        }
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl std::ops::Index<&str> for Fields {
    type Output = Value;
    fn index(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(name).unwrap_or(&NULL)
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("event fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Fields, A::Error> {
                let mut v = Vec::with_capacity(access.size_hint().unwrap_or(0));
                while let Some((k, val)) = access.next_entry::<String, Value>()? {
                    v.push((k, val));
                }
                v.shrink_to_fit();
                Ok(Fields(v))
            }
        }
        d.deserialize_map(FieldsVisitor)
    }
}

/// The environment `[deploy]`, `[[smoke]]` and `[rollback]` are for.
pub const PRODUCTION: &str = "production";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(with = "rfc3339")]
    pub at: DateTime<Utc>,
    pub kind: Kind,
    #[serde(default)]
    pub text: String,
    #[serde(flatten)]
    pub fields: Fields,
}

impl Event {
    pub fn str_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }
    pub fn i64_field(&self, name: &str) -> Option<i64> {
        self.fields.get(name).and_then(Value::as_i64)
    }
    /// Whether the field is `true` (absent or anything else: false).
    pub fn flag(&self, name: &str) -> bool {
        self.fields.get(name).and_then(Value::as_bool) == Some(true)
    }
    pub fn time_field(&self, name: &str) -> Option<DateTime<Utc>> {
        self.str_field(name)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    }
    pub fn is(&self, kind: &str) -> bool {
        self.kind.as_str() == kind
    }

    /// The environment a run event speaks of: its `environment` field, production when it has
    /// none (events written before environments existed, and every other kind).
    pub fn environment(&self) -> &str {
        self.str_field("environment").unwrap_or(PRODUCTION)
    }

    /// Whether it speaks of production.
    pub fn in_production(&self) -> bool {
        self.environment() == PRODUCTION
    }

    /// Something that did not work: a run that failed (non-zero exit, no exit, `ok: false`),
    /// a cancelled command, a refused git operation.
    pub fn is_failure(&self) -> bool {
        let k = self.kind.as_str();
        let not_ok = self.fields.get("ok").and_then(Value::as_bool) == Some(false);
        let finished_badly = k.ends_with("_finished")
            && (self.i64_field("exit_code").is_some_and(|c| c != 0)
                || self.fields.get("exit_code").is_some_and(Value::is_null));
        not_ok || finished_badly || k == kinds::COMMAND_CANCELLED || k == kinds::GIT_REFUSED
    }
}

/// An event that has not been written yet: the journal stamps the time when it appends.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub kind: Kind,
    pub text: String,
    pub fields: Fields,
}

impl Draft {
    pub fn new(kind: &str, text: impl Into<String>) -> Draft {
        Draft {
            kind: Kind::new(kind),
            text: text.into(),
            fields: Fields::default(),
        }
    }
    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Draft {
        self.fields.insert(name.to_string(), value.into());
        self
    }
    pub fn stamp(self, at: DateTime<Utc>) -> Event {
        Event {
            at,
            kind: self.kind,
            text: self.text,
            fields: self.fields,
        }
    }
}

pub fn rfc3339_string(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Times are written as RFC 3339 in UTC with milliseconds (`2026-11-26T14:23:00.000Z`).
mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::borrow::Cow;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339_string(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_kind_specific_fields_at_top_level() {
        let at = DateTime::parse_from_rfc3339("2026-11-26T14:23:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        let ev = Draft::new(kinds::DEPLOY_FINISHED, "Deploy finished")
            .field("exit_code", 0)
            .stamp(at);
        let line = serde_json::to_string(&ev).expect("json");
        assert_eq!(
            line,
            r#"{"at":"2026-11-26T14:23:00.000Z","kind":"deploy_finished","text":"Deploy finished","exit_code":0}"#
        );
        let back: Event = serde_json::from_str(&line).expect("parse");
        assert_eq!(back, ev);
        assert_eq!(back.i64_field("exit_code"), Some(0));
    }

    #[test]
    fn unknown_kinds_are_kept() {
        let ev: Event = serde_json::from_str(
            r#"{"at":"2026-11-26T14:23:00Z","kind":"quantum_flux","text":"x","level":3}"#,
        )
        .expect("parse");
        assert_eq!(ev.kind.as_str(), "quantum_flux");
        assert!(!ev.kind.is_known());
        assert_eq!(ev.i64_field("level"), Some(3));
    }

    #[test]
    fn kind_names_are_snake_case() {
        assert!(Kind::is_valid_name("deploy_finished"));
        assert!(Kind::is_valid_name("ci_step2"));
        assert!(!Kind::is_valid_name("Deploy"));
        assert!(!Kind::is_valid_name("2fast"));
        assert!(!Kind::is_valid_name("a-b"));
        assert!(!Kind::is_valid_name(""));
    }
}
