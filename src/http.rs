//! The HTTP client the API followers share (Sentry, GitHub, the readiness check): bounded in
//! time, at most three redirects, warroom's user agent; a failure's innermost cause.

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
