//! The configured project, a slug or a numeric id, resolved once to both: the series and the
//! issues ask by id, releases and deploys name the slug. Also the project's environments, to
//! name the one Sentry does not know.

use std::sync::Arc;

use serde::Deserialize;

use super::client::{ApiError, Client};

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: String,
    pub slug: String,
}

#[derive(Debug, Deserialize)]
struct Listed {
    #[serde(deserialize_with = "id_string")]
    id: String,
    slug: String,
}

#[derive(Debug, Deserialize)]
struct Environment {
    name: String,
}

/// Sentry sends ids as strings; older servers sent numbers.
fn id_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected an id, got {other}"
        ))),
    }
}

/// The configured project, looked up at most once and shared by the poller and the deploy
/// registration.
#[derive(Debug, Clone)]
pub struct ProjectRef {
    configured: String,
    resolved: Arc<tokio::sync::OnceCell<Project>>,
}

impl ProjectRef {
    pub fn new(configured: &str) -> ProjectRef {
        ProjectRef {
            configured: configured.trim().to_string(),
            resolved: Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    /// A project already known (its id and slug), never looked up.
    pub fn resolved(project: Project) -> ProjectRef {
        ProjectRef {
            configured: project.id.clone(),
            resolved: Arc::new(tokio::sync::OnceCell::new_with(Some(project))),
        }
    }

    pub async fn get(&self, client: &Client) -> Result<Project, ApiError> {
        self.resolved
            .get_or_try_init(|| resolve(client, &self.configured))
            .await
            .cloned()
    }
}

async fn resolve(client: &Client, configured: &str) -> Result<Project, ApiError> {
    let org = client.org().to_string();
    if !configured.chars().all(|c| c.is_ascii_digit()) {
        let resp = client
            .get(&format!("projects/{org}/{configured}/"), &[])
            .await
            .map_err(|e| match e {
                ApiError::NotFound(_) => ApiError::NotFound(format!(
                    "404: no project {configured:?} in organization {org:?}: check [sentry] org and project"
                )),
                other => other,
            })?;
        let p: Listed =
            serde_json::from_slice(&resp.body).map_err(|e| ApiError::BadBody(e.to_string()))?;
        return Ok(Project {
            id: p.id,
            slug: p.slug,
        });
    }
    // A numeric id: the organization's projects name its slug.
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut query = Vec::new();
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let resp = client
            .get(&format!("organizations/{org}/projects/"), &query)
            .await
            .map_err(|e| match e {
                ApiError::NotFound(_) => {
                    ApiError::NotFound(format!("404: no organization {org:?}: check [sentry] org"))
                }
                other => other,
            })?;
        let page: Vec<Listed> =
            serde_json::from_slice(&resp.body).map_err(|e| ApiError::BadBody(e.to_string()))?;
        if let Some(p) = page.into_iter().find(|p| p.id == configured) {
            return Ok(Project {
                id: p.id,
                slug: p.slug,
            });
        }
        cursor = resp.next_page();
        if cursor.is_none() {
            break;
        }
    }
    Err(ApiError::NotFound(format!(
        "no project with id {configured} in organization {org:?}: check [sentry] project (its slug or numeric id)"
    )))
}

/// The environments Sentry knows for the project (hidden ones too).
pub async fn environments(client: &Client, project: &Project) -> Result<Vec<String>, ApiError> {
    let org = client.org().to_string();
    let resp = client
        .get(
            &format!("projects/{org}/{}/environments/", project.slug),
            &[("visibility", "all".to_string())],
        )
        .await?;
    let list: Vec<Environment> =
        serde_json::from_slice(&resp.body).map_err(|e| ApiError::BadBody(e.to_string()))?;
    Ok(list.into_iter().map(|e| e.name).collect())
}
