//! Talks to GitHub's REST API: the token, conditional requests (`If-None-Match` with the last
//! `ETag`, so an unchanged poll is a 304 that costs no rate limit), and every failure turned into
//! what to do about it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::api::ErrorBody;
use super::remote::Repo;

/// Larger answers are refused: a pull's reviews and checks are far smaller.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GithubError {
    #[error(
        "GitHub refused the token (401 {0}): set GITHUB_TOKEN or GH_TOKEN (or [github] token_command) to a token that can see the repository"
    )]
    BadToken(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("GitHub refused it (422): {0}")]
    Invalid(String),
    #[error("GitHub's rate limit is spent until {until} UTC ({detail})")]
    RateLimited {
        until: String,
        wait: Duration,
        detail: String,
        /// GitHub named the time (`retry-after`, `x-ratelimit-reset`); else the wait is a
        /// floor to back off from.
        named: bool,
    },
    #[error("GitHub answered {status}: {detail}")]
    Server { status: u16, detail: String },
    #[error("cannot reach GitHub: {0}")]
    Network(String),
    #[error("GitHub's answer cannot be read: {0}")]
    BadBody(String),
}

impl GithubError {
    /// How long to wait before asking again, when GitHub said.
    pub fn wait(&self) -> Option<Duration> {
        match self {
            GithubError::RateLimited { wait, .. } => Some(*wait),
            _ => None,
        }
    }
}

/// A conditional GET's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched<T> {
    Changed(T),
    /// 304: the same as last time; no rate limit spent.
    Unchanged,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    repo: Repo,
    token: String,
    /// The last `ETag` of each URL polled.
    etags: Arc<Mutex<HashMap<String, String>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("repo", &self.repo)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(repo: Repo, token: String, timeout: Duration) -> Result<Client, String> {
        let http = crate::http::api_client(timeout)?;
        Ok(Client {
            http,
            repo,
            token,
            etags: Arc::default(),
        })
    }

    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/repos/{}/{}/{}",
            self.repo.api, self.repo.owner, self.repo.name, path
        )
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .bearer_auth(&self.token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
    }

    async fn send(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), GithubError> {
        let resp = rb
            .send()
            .await
            .map_err(|e| GithubError::Network(crate::http::cause(&e)))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = crate::http::read_capped(resp, MAX_BODY)
            .await
            .map_err(|e| match e {
                crate::http::BodyError::Network(e) => GithubError::Network(crate::http::cause(&e)),
                crate::http::BodyError::TooLarge => GithubError::BadBody("larger than 4 MB".into()),
            })?;
        Ok((status, headers, body))
    }

    /// A GET, conditional on the last `ETag` seen for this path.
    pub async fn poll<T: DeserializeOwned>(&self, path: &str) -> Result<Fetched<T>, GithubError> {
        Ok(self.poll_url(&self.url(path)).await?.0)
    }

    /// One page of a list, conditional like [`Client::poll`], with the URL of the next page
    /// when GitHub's `Link` header names one (never for a 304, which has no body to page).
    /// `path` is a path under the repository, or a next page's URL from an earlier answer.
    pub async fn poll_page<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(Fetched<T>, Option<String>), GithubError> {
        self.poll_url(&self.page_url(path)).await
    }

    /// A path under the repository, or already a URL of the API (a next page's).
    fn page_url(&self, path: &str) -> String {
        if path.starts_with(&self.repo.api) {
            path.to_string()
        } else {
            self.url(path)
        }
    }

    /// Forgets the `ETag` of a page (a path or a next page's URL), so that it is asked for
    /// whole next time: for a page whose last answer is not kept any more.
    pub fn forget(&self, path: &str) {
        if let Ok(mut etags) = self.etags.lock() {
            etags.remove(&self.page_url(path));
        }
    }

    async fn poll_url<T: DeserializeOwned>(
        &self,
        url: &str,
    ) -> Result<(Fetched<T>, Option<String>), GithubError> {
        let url = url.to_string();
        let mut rb = self.request(reqwest::Method::GET, &url);
        let known = self.etags.lock().ok().and_then(|e| e.get(&url).cloned());
        if let Some(tag) = &known {
            rb = rb.header("if-none-match", tag);
        }
        let (status, headers, body) = self.send(rb).await?;
        if status == StatusCode::NOT_MODIFIED {
            return Ok((Fetched::Unchanged, None));
        }
        let value = decode(status, &headers, &body, &self.repo, Utc::now())?;
        // A next page is followed only on the API's own origin: the token goes nowhere else.
        let next = headers
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(crate::http::next_link)
            .map(|l| l.url)
            .filter(|n| n.starts_with(&format!("{}/", self.repo.api)));
        if let (Some(tag), Ok(mut etags)) = (
            headers.get("etag").and_then(|v| v.to_str().ok()),
            self.etags.lock(),
        ) {
            etags.insert(url, tag.to_string());
        }
        Ok((Fetched::Changed(value), next))
    }

    /// A plain GET; `None` for a 404.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, GithubError> {
        let (status, headers, body) = self
            .send(self.request(reqwest::Method::GET, &self.url(path)))
            .await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        decode(status, &headers, &body, &self.repo, Utc::now()).map(Some)
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        json: &impl serde::Serialize,
    ) -> Result<T, GithubError> {
        self.write(reqwest::Method::POST, path, json).await
    }

    pub async fn patch<T: DeserializeOwned>(
        &self,
        path: &str,
        json: &impl serde::Serialize,
    ) -> Result<T, GithubError> {
        self.write(reqwest::Method::PATCH, path, json).await
    }

    async fn write<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        json: &impl serde::Serialize,
    ) -> Result<T, GithubError> {
        let (status, headers, body) = self
            .send(self.request(method, &self.url(path)).json(json))
            .await?;
        decode(status, &headers, &body, &self.repo, Utc::now())
    }

    /// Every item of a list, following `Link: rel="next"` to its end (at most `max_pages`).
    pub async fn list_all(
        &self,
        path: &str,
        max_pages: usize,
    ) -> Result<Vec<serde_json::Value>, GithubError> {
        let mut items = Vec::new();
        let mut url = self.url(path);
        for _ in 0..max_pages {
            let (status, headers, body) =
                self.send(self.request(reqwest::Method::GET, &url)).await?;
            let page: Vec<serde_json::Value> =
                decode(status, &headers, &body, &self.repo, Utc::now())?;
            items.extend(page);
            match headers
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(crate::http::next_link)
                .map(|l| l.url)
                .filter(|n| n.starts_with(&format!("{}/", self.repo.api)))
            {
                Some(next) => url = next,
                None => return Ok(items),
            }
        }
        Err(GithubError::BadBody(format!(
            "the list at {path} runs past {max_pages} pages"
        )))
    }
}

/// The least wait after a secondary rate limit that names no time: GitHub asks for at least a
/// minute.
pub const SECONDARY_WAIT: Duration = Duration::from_secs(60);

/// The answer's JSON, or the error GitHub's status, headers and body describe.
pub fn decode<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    repo: &Repo,
    now: DateTime<Utc>,
) -> Result<T, GithubError> {
    if status.is_success() {
        return serde_json::from_slice(body).map_err(|e| GithubError::BadBody(e.to_string()));
    }
    let err: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let message = if err.message.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string()
    } else {
        err.message.clone()
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let spent = header("x-ratelimit-remaining") == Some("0");
    if let Some(secs) = header("retry-after").and_then(|v| v.parse::<u64>().ok())
        && matches!(status.as_u16(), 403 | 429)
    {
        let wait = Duration::from_secs(secs);
        return Err(GithubError::RateLimited {
            until: crate::format::utc_second(now + chrono::Duration::seconds(secs as i64)),
            wait,
            detail: format!("secondary limit: {message}"),
            named: true,
        });
    }
    if spent && matches!(status.as_u16(), 403 | 429) {
        let reset = header("x-ratelimit-reset")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
            .unwrap_or(now + chrono::Duration::minutes(1));
        return Err(GithubError::RateLimited {
            until: crate::format::utc_second(reset),
            wait: (reset - now).to_std().unwrap_or(Duration::ZERO),
            detail: message,
            named: true,
        });
    }
    // A secondary limit that gives no time (GitHub's docs: wait at least a minute, then back
    // off), told apart from a plain 403 by its words.
    if matches!(status.as_u16(), 403 | 429)
        && (status.as_u16() == 429 || message.to_ascii_lowercase().contains("rate limit"))
    {
        return Err(GithubError::RateLimited {
            until: crate::format::utc_second(
                now + chrono::Duration::from_std(SECONDARY_WAIT).unwrap_or_default(),
            ),
            wait: SECONDARY_WAIT,
            detail: format!("secondary limit, no retry-after: {message}"),
            named: false,
        });
    }
    let slug = format!("{}/{}", repo.owner, repo.name);
    Err(match status.as_u16() {
        401 => GithubError::BadToken(message),
        403 if message.contains("Resource not accessible") => GithubError::Forbidden(format!(
            "GitHub: {message} (403): the token lacks a permission on {slug}; a fine-grained token needs Pull requests: read and write, Contents: read, Checks and Commit statuses: read, Issues: write for labels"
        )),
        403 => GithubError::Forbidden(format!("GitHub refused it (403 {message}) on {slug}")),
        404 => GithubError::NotFound(format!(
            "GitHub answers 404 for {slug}: the repository does not exist, or the token cannot see it (a fine-grained token must list this repository)"
        )),
        422 => GithubError::Invalid(err.describe()),
        s => GithubError::Server {
            status: s,
            detail: message,
        },
    })
}
