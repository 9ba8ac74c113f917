//! The HTTP client the API followers share (Sentry, GitHub, the readiness check): bounded in
//! time, at most three redirects, warroom's user agent; a body read to a cap; a failure's
//! innermost cause; the next page of a paged list.

use std::time::Duration;

pub fn api_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))
}

/// Why an answer's body was not read whole.
#[derive(Debug)]
pub enum BodyError {
    Network(reqwest::Error),
    /// Larger than the reader allows.
    TooLarge,
}

/// An answer's body, refused once it would pass `max` bytes (a declared length over it is
/// refused before any byte is read).
pub async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|l| l as usize > max) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Network)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The innermost cause of a request's failure: it says it (connection refused, DNS, TLS).
pub fn cause(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(s) = source.source() {
        source = s;
    }
    if e.is_timeout() {
        format!("timed out ({source})")
    } else {
        source.to_string()
    }
}

/// The `rel="next"` entry of a `Link` header (RFC 8288): its URL and its other parameters
/// (Sentry adds `results` and `cursor`).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub url: String,
    pub params: Vec<(String, String)>,
}

impl Link {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The next page's entry of a `Link` header (`<url>; rel="next", <url>; rel="last"`).
pub fn next_link(header: &str) -> Option<Link> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let params: Vec<(String, String)> = params
            .split(';')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect();
        let next = params.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("rel")
                && v.split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        next.then(|| Link {
            url: url.to_string(),
            params,
        })
    })
}
