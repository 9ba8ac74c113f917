//! The HTTP client the API followers share (Sentry, GitHub): bounded in time, at most three
//! redirects, warroom's user agent.

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
