//! A P0 incident's record from detection to close, touching every kind of event: the
//! documents' fixture (exports.rs) and the Teams card's (teams.rs).

use warroom::journal::{Draft, Event, kinds};

use super::t;

/// A P0 incident from detection to close, touching every kind of event.
pub fn journal() -> Vec<Event> {
    let series: Vec<serde_json::Value> = (-70..75)
        .map(|i| {
            let v = if i < -10 {
                10.0
            } else if i < 64 {
                450.0
            } else {
                3.0
            };
            serde_json::json!([t(i).timestamp(), v])
        })
        .collect();
    vec![
        Draft::new(kinds::INCIDENT_OPENED, "Incident opened: P1 Auth bypass on expired tokens")
            .field("ticket", "ENG-1234").field("title", "Auth bypass on expired tokens").field("priority", "P1")
            .field("detected_at", "2026-11-26T13:50:00.000Z").stamp(t(0)),
        Draft::new(kinds::PRIORITY_CHANGED, "Priority changed P1 → P0").field("from", "P1").field("to", "P0").stamp(t(1)),
        Draft::new(kinds::MILESTONE, "On-call engineer alerted").field("milestone", "on_call_alerted").stamp(t(2)),
        Draft::new(kinds::NOTE, "Impact: every user with an expired session could reach /api/account").stamp(t(4)),
        Draft::new(kinds::NOTE, "Root cause: verifyToken() skipped the exp check when the token had no iat").stamp(t(11)),
        Draft::new(kinds::MILESTONE, "Root cause identified").field("milestone", "root_cause_identified").stamp(t(12)),
        Draft::new(kinds::GIT_BRANCH_CREATED, "Hotfix branch hotfix/ENG-1234-auth-bypass-on-expired-tokens created from main at 1a2b3c4")
            .field("branch", "hotfix/ENG-1234-auth-bypass-on-expired-tokens").field("base", "main")
            .field("commit", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d").stamp(t(14)),
        Draft::new(kinds::NOTE, "Fix: reject tokens without exp, and check exp before iat").stamp(t(25)),
        Draft::new(kinds::GIT_GUARD, "Guard: 1 commit(s) · 2 file(s) · +9 −1 against main — minimal, with a regression test")
            .field("minimal", true).field("regression_test", true).field("commits", 1).field("files", 2).stamp(t(26)),
        Draft::new(kinds::CHECK_FINISHED, "Check test failed after 41s: exit 1").field("name", "test").field("exit_code", 1).field("duration_ms", 41000).stamp(t(28)),
        Draft::new(kinds::CHECK_FINISHED, "Check test passed in 43s").field("name", "test").field("exit_code", 0).field("duration_ms", 43000).stamp(t(31)),
        Draft::new(kinds::CHECK_FINISHED, "Check typecheck passed in 12s").field("name", "typecheck").field("exit_code", 0).field("duration_ms", 12000).stamp(t(32)),
        Draft::new(kinds::CHECKLIST_WAIVED, "Waived: PR approved by at least one reviewer — CTO approved on the call")
            .field("item", "pr-approved").field("reason", "CTO approved on the call").stamp(t(35)),
        Draft::new(kinds::MILESTONE, "Fix PR opened").field("milestone", "fix_pr_opened").stamp(t(36)),
        Draft::new(kinds::STATUS_UPDATE, "Status update posted").stamp(t(38)),
        Draft::new(kinds::DEPLOY_STARTED, "Deploy started: vercel --prod").field("command", "vercel --prod").stamp(t(62)),
        Draft::new(kinds::DEPLOY_FINISHED, "Fix deployed in 2m (1h14m after detection)")
            .field("exit_code", 0).field("command", "vercel --prod").field("duration_ms", 120000).stamp(t(64)),
        Draft::new(kinds::SMOKE_FINISHED, "Smoke test expired token rejected passed: 401 in 84 ms")
            .field("name", "expired token rejected").field("ok", true).field("status", 401).field("reason", "401 in 84 ms").field("all_passed", true).field("fix_verified", true).stamp(t(65)),
        Draft::new(kinds::GIT_TAG_CREATED, "Tagged 9f8e7d6 as v2.3.5").field("tag", "v2.3.5").field("commit", "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432").stamp(t(66)),
        Draft::new(kinds::SENTRY_ISSUE, "New Sentry issue API-7Q: TypeError: Cannot read properties of undefined (reading 'exp')")
            .field("id", "4507").field("short_id", "API-7Q").field("title", "TypeError: Cannot read properties of undefined (reading 'exp')")
            .field("permalink", "https://example.sentry.io/issues/4507/").stamp(t(67)),
        Draft::new(kinds::ERROR_RATE, "Error rate dropped from 450/min to 3.0/min (−99 %)")
            .field("verdict", "dropped").field("deploy_at", "2026-11-26T15:04:00.000Z").field("from_per_min", 450.0).field("to_per_min", 3.0)
            .field("baseline_per_min", 10.0).field("series", series).stamp(t(70)),
        Draft::new(kinds::GIT_BACKPORT, "Backported to release-candidate as backport/release-candidate/hotfix-ENG-1234 (5a6b7c8)")
            .field("target", "release-candidate").field("branch", "backport/release-candidate/hotfix-ENG-1234").field("ok", true).stamp(t(72)),
        Draft::new(kinds::GIT_BACKPORT, "Backport to develop conflicts in src/auth.ts").field("target", "develop").field("ok", false).stamp(t(73)),
        Draft::new(kinds::MILESTONE, "Verified resolved").field("milestone", "verified_resolved").stamp(t(95)),
        Draft::new(kinds::NOTE, "TODO: align staging token expiry with production").stamp(t(96)),
        Draft::new(kinds::NOTE, "action: alert when 401s drop below the usual rate").stamp(t(97)),
        Draft::new("vendor_ticket_opened", "Opened a ticket with the auth vendor").field("vendor_ref", "AV-99").stamp(t(98)),
        Draft::new(kinds::INCIDENT_CLOSED, "Incident ENG-1234 closed").stamp(t(100)),
    ]
}
