//! After the deploy command: is the new version what the service runs? The readiness URL is
//! asked every few seconds until it answers 2xx with the expected text (the deployed commit, the
//! tag) or the time is up. A deploy command that returns before the build runs cannot stop the
//! SLA clock on its own.

use std::time::Duration;

use tokio::time::Instant;

/// The readiness check's result.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadyMsg {
    /// It answered as expected after this long (and this many attempts).
    Ready { after: Duration, attempts: u32 },
    /// It did not within the time: the last answer, or why there was none.
    NotReady { after: Duration, last: String },
}

/// What to ask, with `{commit}` and `{tag}` already filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadyCheck {
    pub url: String,
    pub expect: Option<String>,
    pub timeout: Duration,
    pub every: Duration,
}

/// Text of at most `n` characters, on one line.
fn short(s: &str, n: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

/// Asks until the answer holds what is expected, or the time is up.
pub async fn wait(check: ReadyCheck) -> ReadyMsg {
    let start = Instant::now();
    let client = match crate::http::api_client(check.every.max(Duration::from_secs(5))) {
        Ok(c) => c,
        Err(e) => {
            return ReadyMsg::NotReady {
                after: Duration::ZERO,
                last: e,
            };
        }
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        let last = match client.get(&check.url).send().await {
            Ok(resp) => {
                let status = resp.status();
                let body = resp.text().await.unwrap_or_default();
                let holds = check.expect.as_deref().is_none_or(|e| body.contains(e));
                if status.is_success() && holds {
                    return ReadyMsg::Ready {
                        after: start.elapsed(),
                        attempts,
                    };
                }
                format!("{} {}", status.as_u16(), short(&body, 60))
            }
            Err(e) => format!("no answer: {}", crate::http::cause(&e)),
        };
        if start.elapsed() + check.every > check.timeout {
            return ReadyMsg::NotReady {
                after: start.elapsed(),
                last,
            };
        }
        tokio::time::sleep(check.every).await;
    }
}
