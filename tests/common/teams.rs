//! A local Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is
//! received"): the URL carries its signature (`sig=`) as Workflows' does; a request without it
//! is refused as Workflows refuses one (401, `DirectApiAuthorizationRequired`). The body must be
//! a message whose attachments are Adaptive Cards, each validated against Microsoft's Adaptive
//! Card schema (tests/fixtures/teams/adaptive-card-1.4.json, from microsoft/AdaptiveCards);
//! a card that fails is answered 400 with the validator's words, a good one 202 Accepted. A 429
//! with `Retry-After` can be injected.

use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const SIG: &str = "pLaNtEdTeamsSig0123456789abcdefghijKLMNOPQR";

#[derive(Default)]
pub struct Posts {
    /// The cards accepted, in order.
    pub cards: Vec<Value>,
    /// Every request's answer.
    pub answers: Vec<u16>,
    /// The next request answers 429 with `Retry-After: 30`.
    pub limit_next: bool,
    /// The next request is refused as a card Teams cannot show (400), whatever it holds.
    pub refuse_next: bool,
}

#[derive(Clone)]
pub struct Teams {
    pub url: String,
    pub posts: Arc<Mutex<Posts>>,
}

impl Teams {
    pub fn start() -> Teams {
        let posts: Arc<Mutex<Posts>> = Arc::default();
        let app = Router::new()
            .route(
                "/workflows/{id}/triggers/manual/paths/invoke",
                axum::routing::post(invoke),
            )
            .with_state(posts.clone());
        let addr = super::serve(app);
        Teams {
            url: format!(
                "http://{addr}/workflows/4f1c2a/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"
            ),
            posts,
        }
    }

    pub fn cards(&self) -> Vec<Value> {
        self.posts.lock().expect("posts").cards.clone()
    }
}

fn schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/teams/adaptive-card-1.4.json"),
        )
        .expect("the Adaptive Card schema");
        let schema: Value = serde_json::from_str(&text).expect("schema JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles")
    })
}

/// Why this body is not a message of Adaptive Cards, or nothing.
pub fn check(body: &Value) -> Result<Vec<Value>, String> {
    if body["type"] != "message" {
        return Err("the body's type is not \"message\"".into());
    }
    let attachments = body["attachments"]
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or("no attachments")?;
    let mut cards = Vec::new();
    for a in attachments {
        if a["contentType"] != "application/vnd.microsoft.card.adaptive" {
            return Err(format!("attachment contentType {}", a["contentType"]));
        }
        let card = &a["content"];
        let errors: Vec<String> = schema()
            .iter_errors(card)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        if card["type"] != "AdaptiveCard" || !card["version"].is_string() {
            return Err("the top-level card needs type AdaptiveCard and a version".into());
        }
        cards.push(card.clone());
    }
    Ok(cards)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

async fn invoke(
    State(posts): State<Arc<Mutex<Posts>>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: String,
) -> Response {
    let mut p = posts.lock().expect("posts");
    let answer = if q.get("sig").map(String::as_str) != Some(SIG) {
        error(
            StatusCode::UNAUTHORIZED,
            "DirectApiAuthorizationRequired",
            "The request must be authenticated only by Shared Access scheme.",
        )
    } else if std::mem::take(&mut p.limit_next) {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "30")],
            axum::Json(json!({ "error": { "code": "WorkflowTriggerIsThrottled",
                "message": "The workflow trigger has been throttled." } })),
        )
            .into_response()
    } else if std::mem::take(&mut p.refuse_next) {
        error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            "The request content is not valid: the card's body has an element of an unknown type.",
        )
    } else {
        match serde_json::from_str::<Value>(&body)
            .map_err(|e| format!("the body is not JSON: {e}"))
            .and_then(|v| check(&v))
        {
            Ok(cards) => {
                p.cards.extend(cards);
                StatusCode::ACCEPTED.into_response()
            }
            Err(why) => error(StatusCode::BAD_REQUEST, "InvalidRequestContent", &why),
        }
    };
    p.answers.push(answer.status().as_u16());
    answer
}
