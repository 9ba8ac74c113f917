//! The kill switch against LaunchDarkly and Flagsmith stand-ins built from their own published
//! shapes (LaunchDarkly's OpenAPI: the flag's schema and the semantic patch's examples;
//! Flagsmith's own API client), flagd's flag file checked with flagd's JSON schema, and the
//! `command` provider: the real binary changes each, reads it back, and records it only then.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::get;
use common::openapi::validate;
use common::*;
use serde_json::{Value, json};

const TICKET: &str = "INC-FLAG-2";

fn fixture(path: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(p).expect("fixture")).expect("json")
}

fn incident(config: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(home.path().join("warroom.toml"), config).expect("config");
    open_incident(home.path(), TICKET, "P1", "Checkout broken");
    home
}

fn flag(home: &Path, state: &str, env: &[(&str, &str)]) -> std::process::Output {
    warroom_env(home, home, &["flag", TICKET, "kill", state], env)
}

fn changes(home: &Path) -> Vec<Value> {
    events_of(home, TICKET, "flag_changed")
}

/// What a stand-in saw: method, path, query, Authorization, Content-Type, body.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    auth: String,
    content_type: String,
    body: String,
}

#[derive(Clone)]
struct Stand {
    on: Arc<Mutex<bool>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// A server that takes the change but keeps serving the old state.
    stuck: bool,
}

fn seen(method: &Method, uri: &axum::http::Uri, headers: &HeaderMap, body: &str) -> Seen {
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        auth: h("authorization"),
        content_type: h("content-type"),
        body: body.to_string(),
    }
}

// ---------------------------------------------------------------- LaunchDarkly

const LD_TOKEN: &str = "api-0123abcd-4567-89ef-warroom-ld-test";

/// A flag as LaunchDarkly's `GET /api/v2/flags/{projectKey}/{featureFlagKey}?env=` answers it.
fn ld_flag(on: bool) -> Value {
    let env = |name: &str, on: bool| {
        json!({
            "_environmentName": name, "_site": {"href": "/default/production/features/kill", "type": "text/html"},
            "archived": false, "lastModified": 1_733_200_000_000_i64, "on": on, "salt": "61eddeadbeef",
            "sel": "810a9e4c", "trackEvents": false, "trackEventsFallthrough": false, "version": 7
        })
    };
    json!({
        "_links": {"self": {"href": "/api/v2/flags/default/kill", "type": "application/json"}},
        "_version": 7, "archived": false, "creationDate": 1_733_100_000_000_i64,
        "customProperties": {}, "experiments": {"baselineIdx": 0, "items": []},
        "key": "kill", "kind": "boolean", "name": "Kill switch for the new checkout",
        "tags": [], "temporary": false,
        "variations": [{"value": true}, {"value": false}],
        "environments": {"production": env("Production", on), "test": env("Test", true)}
    })
}

fn launchdarkly(stand: Stand) -> String {
    let spec = fixture("launchdarkly/flag.openapi.json");
    let media = spec["semantic_patch_media_type"]
        .as_str()
        .expect("media")
        .to_string();
    let handler = move |State(s): State<Stand>,
                        method: Method,
                        uri: axum::http::Uri,
                        headers: HeaderMap,
                        body: String| {
        let media = media.clone();
        async move {
            let seen = seen(&method, &uri, &headers, &body);
            s.seen.lock().expect("seen").push(seen.clone());
            if seen.auth != LD_TOKEN {
                return (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({"code": "unauthorized", "message": "Invalid access token"})),
                );
            }
            if method == Method::PATCH {
                if seen.content_type != media {
                    return (
                        StatusCode::BAD_REQUEST,
                        axum::Json(
                            json!({"code": "invalid_request", "message": "a JSON patch must be an array"}),
                        ),
                    );
                }
                let b: Value = serde_json::from_str(&body).expect("body");
                let on = match b["instructions"][0]["kind"].as_str() {
                    Some("turnFlagOff") => false,
                    Some("turnFlagOn") => true,
                    _ => {
                        return (
                            StatusCode::BAD_REQUEST,
                            axum::Json(
                                json!({"code": "invalid_request", "message": "unknown instruction"}),
                            ),
                        );
                    }
                };
                if !s.stuck {
                    *s.on.lock().expect("on") = on;
                }
            }
            (
                StatusCode::OK,
                axum::Json(ld_flag(*s.on.lock().expect("on"))),
            )
        }
    };
    let app = axum::Router::new()
        .route(
            "/api/v2/flags/{project}/{key}",
            get(handler.clone()).patch(handler),
        )
        .with_state(stand);
    format!("http://{}", serve(app))
}

fn stand(on: bool, stuck: bool) -> Stand {
    Stand {
        on: Arc::new(Mutex::new(on)),
        seen: Arc::default(),
        stuck,
    }
}

#[test]
fn the_stand_in_answers_with_launchdarklys_own_flag_schema() {
    let spec = fixture("launchdarkly/flag.openapi.json");
    validate(&ld_flag(true), &spec["get_200_schema"], &spec["schemas"]).expect("FeatureFlag");
    let mut broken = ld_flag(true);
    broken["environments"]["production"]["on"] = json!("yes");
    assert!(validate(&broken, &spec["get_200_schema"], &spec["schemas"]).is_err());
}

#[test]
fn launchdarkly_is_turned_off_with_a_semantic_patch_naming_the_ticket() {
    let spec = fixture("launchdarkly/flag.openapi.json");
    let s = stand(true, false);
    let url = launchdarkly(s.clone());
    let home = incident(&format!(
        "[[flags]]\nname = \"kill\"\nprovider = \"launchdarkly\"\nurl = \"{url}\"\nproject = \"default\"\nenvironment = \"production\"\n"
    ));
    let env = [("LD_API_KEY", LD_TOKEN)];
    let o = flag(home.path(), "off", &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!*s.on.lock().expect("on"));

    let seen = s.seen.lock().expect("seen").clone();
    let patch: Vec<&Seen> = seen.iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(patch.len(), 1, "{seen:?}");
    let p = patch[0];
    assert_eq!(p.path, "/api/v2/flags/default/kill");
    assert_eq!(p.content_type, spec["semantic_patch_media_type"]);
    let body: Value = serde_json::from_str(&p.body).expect("body");
    let example = &spec["semantic_patch_examples"]["turnFlagOff"];
    assert_eq!(body["instructions"], example["instructions"]);
    assert_eq!(body["environmentKey"], "production");
    assert!(
        example.get("environmentKey").is_some(),
        "the example names the environment too"
    );
    assert!(
        body["comment"]
            .as_str()
            .expect("comment")
            .starts_with(TICKET)
    );
    // Read before and after the change, each for the one environment (`env`, a parameter of
    // the documented GET).
    let gets: Vec<&Seen> = seen.iter().filter(|r| r.method == "GET").collect();
    assert_eq!(gets.len(), 2);
    let params: Vec<&str> = spec["get_parameters"]
        .as_array()
        .expect("params")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(params.contains(&"env"));
    assert!(gets.iter().all(|g| g.query == "env=production"));

    let c = changes(home.path());
    assert_eq!(c.len(), 1);
    assert_eq!(
        (&c[0]["provider"], &c[0]["from"], &c[0]["to"]),
        (&"LaunchDarkly".into(), &"on".into(), &"off".into())
    );

    let o = flag(home.path(), "on", &env);
    assert!(o.status.success(), "{}", stderr(&o));
    let last = s
        .seen
        .lock()
        .expect("seen")
        .iter()
        .rev()
        .find(|r| r.method == "PATCH")
        .cloned()
        .expect("patch");
    let body: Value = serde_json::from_str(&last.body).expect("body");
    assert_eq!(
        body["instructions"],
        spec["semantic_patch_examples"]["turnFlagOn"]["instructions"]
    );
    assert_eq!(changes(home.path()).len(), 2);

    // A wrong key: LaunchDarkly's 401, said; nothing recorded.
    let o = flag(home.path(), "off", &[("LD_API_KEY", "api-wrong")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("401"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("api-wrong"), "{}", stderr(&o));
    assert_eq!(changes(home.path()).len(), 2);
}

#[test]
fn a_change_the_provider_does_not_read_back_is_not_recorded() {
    let s = stand(true, true);
    let url = launchdarkly(s.clone());
    let home = incident(&format!(
        "[[flags]]\nname = \"kill\"\nprovider = \"launchdarkly\"\nurl = \"{url}\"\n"
    ));
    let o = flag(home.path(), "off", &[("LD_API_KEY", LD_TOKEN)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("LaunchDarkly still says on"),
        "{}",
        stderr(&o)
    );
    assert!(changes(home.path()).is_empty());
}

// ---------------------------------------------------------------- Flagsmith

const FS_TOKEN: &str = "fs-org-api-token-warroom-test-0123456789";

fn flagsmith_states(on: bool) -> Value {
    json!({
        "count": 2, "next": null, "previous": null,
        "results": [
            // A segment's override first: not the environment's own state.
            {"id": 91, "feature_state_value": null, "enabled": true, "feature": 12, "environment": 3, "identity": null, "feature_segment": 5},
            {"id": 90, "feature_state_value": null, "enabled": on, "feature": 12, "environment": 3, "identity": null, "feature_segment": null}
        ]
    })
}

fn flagsmith(stand: Stand) -> String {
    let handler = |State(s): State<Stand>,
                   method: Method,
                   uri: axum::http::Uri,
                   headers: HeaderMap,
                   body: String| async move {
        let seen = seen(&method, &uri, &headers, &body);
        s.seen.lock().expect("seen").push(seen.clone());
        if seen.auth != format!("Token {FS_TOKEN}") {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"detail": "Invalid token."})),
            );
        }
        if method == Method::PATCH {
            let b: Value = serde_json::from_str(&body).expect("body");
            *s.on.lock().expect("on") = b["enabled"].as_bool().expect("enabled");
            let state = flagsmith_states(*s.on.lock().expect("on"))["results"][1].clone();
            return (StatusCode::OK, axum::Json(state));
        }
        // One state a page, as a paged list: the segment's override first, the environment's
        // own state on page 2.
        let all = flagsmith_states(*s.on.lock().expect("on"));
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let page = if seen.query.contains("page=2") {
            json!({"count": 2, "next": null, "previous": format!("http://{host}{}?{}", seen.path, seen.query.replace("&page=2", "")), "results": [all["results"][1]]})
        } else {
            json!({"count": 2, "next": format!("http://{host}{}?{}&page=2", seen.path, seen.query), "previous": null, "results": [all["results"][0]]})
        };
        (StatusCode::OK, axum::Json(page))
    };
    let app = axum::Router::new()
        .route("/api/v1/environments/{key}/featurestates/", get(handler))
        .route(
            "/api/v1/environments/{key}/featurestates/{id}/",
            axum::routing::patch(handler),
        )
        .with_state(stand);
    format!("http://{}", serve(app))
}

#[test]
fn flagsmith_changes_the_environments_own_state_not_a_segments() {
    let spec = fixture("flagsmith/feature-state.json");
    validate(&flagsmith_states(true), &spec["list"], &spec["schemas"]).expect("list");
    let s = stand(true, false);
    let url = flagsmith(s.clone());
    let home = incident(&format!(
        "[[flags]]\nname = \"kill\"\nprovider = \"flagsmith\"\nurl = \"{url}\"\nenvironment = \"production\"\nenvironment_key = \"ser.envKey123\"\nkey = \"new_checkout\"\n"
    ));
    let o = flag(home.path(), "off", &[("FLAGSMITH_API_KEY", FS_TOKEN)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = s.seen.lock().expect("seen").clone();
    let patch: Vec<&Seen> = seen.iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(patch.len(), 1, "{seen:?}");
    assert_eq!(
        patch[0].path,
        "/api/v1/environments/ser.envKey123/featurestates/90/"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&patch[0].body).expect("body"),
        json!({"enabled": false})
    );
    let gets: Vec<&Seen> = seen.iter().filter(|r| r.method == "GET").collect();
    assert!(
        gets.iter()
            .all(|g| g.query.starts_with("feature_name=new_checkout"))
    );
    assert!(
        gets.iter().any(|g| g.query.contains("page=2")),
        "every page is read"
    );
    let c = changes(home.path());
    assert_eq!(
        (&c[0]["provider"], &c[0]["to"]),
        (&"Flagsmith".into(), &"off".into())
    );
}

// ---------------------------------------------------------------- flagd

fn flagd_schema_check(file: &Path) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flagd");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("flags.json")).expect("schema"))
            .expect("json");
    let targeting: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("targeting.json")).expect("targeting"),
    )
    .expect("json");
    let registry = jsonschema::Registry::new()
        .add("https://flagd.dev/schema/v0/targeting.json", &targeting)
        .and_then(|r| r.prepare())
        .map_err(|e| format!("registry: {e}"))?;
    let validator = jsonschema::options()
        .with_registry(&registry)
        .with_base_uri("https://flagd.dev/schema/v0/flags.json")
        .build(&schema)
        .map_err(|e| format!("schema: {e}"))?;
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("flags")).expect("json");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[test]
fn flagd_s_file_is_rewritten_whole_and_stays_valid_for_flagd() {
    let home_dir = tempfile::tempdir().expect("tmp");
    let flags = home_dir.path().join("flags.flagd.json");
    let original = json!({
        "$schema": "https://flagd.dev/schema/v0/flags.json",
        "flags": {
            "kill": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
            "banner": {"state": "ENABLED", "variants": {"a": "red", "b": "blue"}, "defaultVariant": "a",
                       "targeting": {"if": [{"===": [{"var": "email"}, "ops@example.com"]}, "b", null]}}
        }
    });
    std::fs::write(
        &flags,
        serde_json::to_string_pretty(&original).expect("json"),
    )
    .expect("flags");
    flagd_schema_check(&flags).expect("the starting file is valid");
    let home = incident(&format!(
        "[[flags]]\nname = \"kill\"\nprovider = \"flagd\"\nfile = \"{}\"\n",
        flags.display()
    ));
    let o = flag(home.path(), "off", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    flagd_schema_check(&flags).expect("valid after the change");
    let now: Value =
        serde_json::from_str(&std::fs::read_to_string(&flags).expect("flags")).expect("json");
    assert_eq!(now["flags"]["kill"]["state"], "DISABLED");
    let mut expected = original.clone();
    expected["flags"]["kill"]["state"] = json!("DISABLED");
    assert_eq!(now, expected, "only the flag's state changed");
    let left: Vec<_> = std::fs::read_dir(home_dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 1, "no temporary file left beside it: {left:?}");
    let c = changes(home.path());
    assert_eq!(
        (&c[0]["provider"], &c[0]["from"], &c[0]["to"]),
        (&"flagd".into(), &"on".into(), &"off".into())
    );

    // The oracle fails on what flagd would reject; a state nobody could read is replaced, and
    // the record says it was not read first.
    let mut broken = expected.clone();
    broken["flags"]["kill"]["state"] = json!("OFF");
    std::fs::write(&flags, broken.to_string()).expect("broken");
    assert!(flagd_schema_check(&flags).is_err());
    let o = flag(home.path(), "on", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    flagd_schema_check(&flags).expect("valid again");
    assert_eq!(changes(home.path())[1]["from"], Value::Null);

    // A file that is not JSON is left alone.
    std::fs::write(&flags, "flags:\n  kill: {}\n").expect("yaml");
    let o = flag(home.path(), "off", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not JSON"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&flags).expect("flags"),
        "flags:\n  kill: {}\n"
    );
    assert_eq!(changes(home.path()).len(), 2);
}

// ---------------------------------------------------------------- command

#[test]
fn a_command_flag_is_recorded_only_when_its_status_agrees() {
    let home = tempfile::tempdir().expect("tmp");
    let state = home.path().join("FEATURE_FIX");
    std::fs::write(&state, "true\n").expect("state");
    let config = format!(
        "[[flags]]\nname = \"kill\"\nprovider = \"command\"\nenvironment = \"production\"\non = \"echo true > '{s}'\"\noff = \"echo false > '{s}'\"\nstatus = \"cat '{s}'\"\n",
        s = state.display()
    );
    std::fs::write(home.path().join("warroom.toml"), &config).expect("config");
    open_incident(home.path(), TICKET, "P1", "x");
    let o = flag(home.path(), "off", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&state).expect("state").trim(),
        "false"
    );
    assert_eq!(changes(home.path()).len(), 1);

    // `config check` reads it and changes nothing.
    let o = warroom(home.path(), &["config", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("✓ kill: off in command production"),
        "{}",
        stdout(&o)
    );
    assert_eq!(changes(home.path()).len(), 1);

    // The documents say which mitigation was used, and the PR's plan names the flag.
    let export = |format: &str| {
        let o = warroom(home.path(), &["export", TICKET, "--format", format]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let pir = export("pir");
    assert!(
        pir.contains("Mitigation:\n- Flag kill turned off at "),
        "{pir}"
    );
    assert!(pir.contains("(command, production)"), "{pir}");
    assert!(export("slack").contains("*Mitigation*: Flag kill turned off at "));
    let pr = export("pr");
    assert!(
        pr.contains(&format!(
            "3. Turn the flag kill off: `warroom flag {TICKET} kill off` (command production)."
        )),
        "{pr}"
    );

    // An `on` that does nothing: the status still says off, so nothing is recorded.
    std::fs::write(
        home.path().join("warroom.toml"),
        config.replace("echo true >", "true ||"),
    )
    .expect("config");
    let o = flag(home.path(), "on", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("command still says off"),
        "{}",
        stderr(&o)
    );
    assert_eq!(changes(home.path()).len(), 1);
}
