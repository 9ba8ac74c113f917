//! Sentry and Slack behind hostile networks: resets mid-body, a slow trickle, huge bodies,
//! the wrong content type, redirects to another host. Raw TCP servers on 127.0.0.1.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use warroom::sentry::client::Client;
use warroom::sentry::poller::{self, PollerConfig};
use warroom::sentry::{PollState, SentryMsg};

const TOKEN: &str = "sntryu_networkPlantedToken0123456789";

#[derive(Clone, Copy)]
enum Fault {
    ResetMidBody,
    Trickle,
    Huge,
    Html,
    /// Reads the request and never answers.
    Silent,
}

/// Answers every request with `fault`; records the requests' heads.
async fn raw_server(fault: Fault) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let heads = Arc::new(Mutex::new(Vec::new()));
    let h2 = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let heads = h2.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                heads
                    .lock()
                    .expect("lock")
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                match fault {
                    Fault::ResetMidBody => {
                        let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{\"data\": [[1700000000, [").await;
                        drop(sock);
                    }
                    Fault::Trickle => {
                        let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n").await;
                        for b in b"{\"data\": []}".iter() {
                            if sock.write_all(&[*b]).await.is_err() {
                                return;
                            }
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    Fault::Huge => {
                        let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n").await;
                        let chunk = vec![b' '; 1 << 20];
                        for _ in 0..50 {
                            let head = format!("{:x}\r\n", chunk.len());
                            if sock.write_all(head.as_bytes()).await.is_err()
                                || sock.write_all(&chunk).await.is_err()
                                || sock.write_all(b"\r\n").await.is_err()
                            {
                                return;
                            }
                        }
                        let _ = sock.write_all(b"0\r\n\r\n").await;
                    }
                    Fault::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
                    Fault::Html => {
                        let body = "<html><body>Welcome to nginx!</body></html>";
                        let _ = sock.write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes()).await;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), heads)
}

fn cfg() -> PollerConfig {
    PollerConfig {
        // Known already: these servers answer every path the same way.
        project: warroom::sentry::project::ProjectRef::resolved(
            warroom::sentry::project::Project {
                id: "2".into(),
                slug: "api".into(),
            },
        ),
        environment: None,
        query: "event.type:error".into(),
        interval: Duration::from_secs(60),
        window: Duration::from_secs(3600),
        history_from: chrono::Utc::now() - chrono::Duration::hours(2),
    }
}

async fn first_state(base: &str, timeout: Duration) -> (PollState, Duration) {
    let client = Client::new(base, "acme", TOKEN.into(), timeout).expect("client");
    let (tx, mut rx) = mpsc::channel(16);
    let (_d, drx) = watch::channel(None);
    let started = Instant::now();
    let task = poller::spawn(client, cfg(), tx, drx);
    let state = loop {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("in time")
            .expect("open")
        {
            SentryMsg::State(s) => break s,
            _ => continue,
        }
    };
    task.abort();
    (state, started.elapsed())
}

#[tokio::test]
async fn a_reset_mid_body_is_retried() {
    let (base, _) = raw_server(Fault::ResetMidBody).await;
    let (s, _) = first_state(&base, Duration::from_secs(2)).await;
    assert!(
        matches!(&s, PollState::Retrying { reason, .. } if reason.contains("broke off") || reason.contains("failed")),
        "{s:?}"
    );
}

#[tokio::test]
async fn a_trickle_times_out_instead_of_hanging() {
    let (base, _) = raw_server(Fault::Trickle).await;
    let (s, took) = first_state(&base, Duration::from_millis(1500)).await;
    assert!(
        matches!(&s, PollState::Retrying { reason, .. } if reason.contains("no answer")),
        "{s:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn a_fifty_megabyte_body_is_refused_at_eight() {
    let (base, _) = raw_server(Fault::Huge).await;
    let (s, _) = first_state(&base, Duration::from_secs(10)).await;
    assert!(
        matches!(&s, PollState::Error { reason, .. } if reason.contains("larger than 8 MB")),
        "{s:?}"
    );
}

#[tokio::test]
async fn the_wrong_content_type_is_said() {
    let (base, _) = raw_server(Fault::Html).await;
    let (s, _) = first_state(&base, Duration::from_secs(2)).await;
    assert!(
        matches!(&s, PollState::Error { reason, .. } if reason.contains("reached a web page at") && reason.contains("check [sentry] base_url and the proxy")),
        "{s:?}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_never_carries_the_token() {
    // The target: "localhost" is another host name than "127.0.0.1".
    let target = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = target.local_addr().expect("addr").port();
    let got = Arc::new(Mutex::new(Vec::<String>::new()));
    let g2 = got.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = target.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            g2.lock()
                .expect("lock")
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let body = "{\"data\": []}";
            let _ = sock.write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes()).await;
        }
    });
    let redirector = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", redirector.local_addr().expect("addr"));
    let first = Arc::new(Mutex::new(Vec::<String>::new()));
    let f2 = first.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = redirector.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            f2.lock()
                .expect("lock")
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = sock.write_all(format!("HTTP/1.1 302 Found\r\nlocation: http://localhost:{port}/elsewhere\r\ncontent-length: 0\r\n\r\n").as_bytes()).await;
        }
    });
    let (s, _) = first_state(&base, Duration::from_secs(3)).await;
    assert_eq!(s, PollState::Ok, "followed the redirect");
    assert!(
        first.lock().expect("lock")[0]
            .to_lowercase()
            .contains(&format!("authorization: bearer {}", TOKEN.to_lowercase()))
    );
    let at_target = got.lock().expect("lock").clone();
    assert!(!at_target.is_empty(), "the redirect was followed");
    for head in at_target {
        assert!(
            !head.contains(TOKEN) && !head.to_lowercase().contains("authorization"),
            "the token went to another host:\n{head}"
        );
    }
}

#[tokio::test]
async fn slack_behind_a_bad_network_says_what_happened() {
    let (base, _) = raw_server(Fault::Silent).await;
    let t = Instant::now();
    let e = warroom::export::slack::post(&format!("{base}/hook"), "update")
        .await
        .expect_err("times out");
    assert_eq!(e, "Slack did not answer in 10 s");
    assert!(t.elapsed() < Duration::from_secs(15));
    let (base, _) = raw_server(Fault::ResetMidBody).await;
    let e = warroom::export::slack::post(&format!("{base}/hook"), "update").await;
    assert!(
        e.is_ok() || e.as_ref().is_err_and(|m| !m.contains("127.0.0.1")),
        "{e:?}"
    );
}
