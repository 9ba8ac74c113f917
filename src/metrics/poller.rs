//! One task a gate: a query every interval, for the span the model does not hold yet (the
//! level before a deploy it learns of late included). Faults are reported and the next poll
//! comes at its time: a gate never stops polling.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use super::{Gate, Points};

#[derive(Debug, Clone)]
pub enum MetricMsg {
    /// Points from `from` on (they replace what the model holds from there).
    Points {
        gate: usize,
        from: i64,
        points: Points,
        at: DateTime<Utc>,
    },
    Failed {
        gate: usize,
        reason: String,
        next: DateTime<Utc>,
    },
}

pub fn spawn(
    mut gate: Gate,
    tx: mpsc::Sender<MetricMsg>,
    deploys: watch::Receiver<Option<DateTime<Utc>>>,
    releases: watch::Receiver<Option<String>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let secs = |d: Duration| chrono::Duration::from_std(d).unwrap_or_default();
        // What the model holds: from `covered` to the last poll.
        let mut covered: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
        loop {
            let now = Utc::now();
            let deploy = *deploys.borrow();
            let mut want = now - secs(gate.lookback);
            if let Some(d) = deploy {
                want = want.min(d - secs(gate.before));
            }
            let from = match covered {
                // One interval of overlap: the newest points may still have moved.
                Some((start, last)) if start <= want => last - secs(gate.interval),
                _ => want,
            };
            let release = releases.borrow().clone();
            // A long first span (a deploy hours ago) is asked coarser: at most ~2,000 points,
            // well inside Prometheus's 11,000 a series.
            let span = (now - from).to_std().unwrap_or_default();
            let step = gate.interval.max(span / 2000);
            let asked = gate.source.range(from, now, step, release.as_deref());
            let msg = match asked.await {
                Ok(points) => {
                    covered = Some((covered.map_or(from, |(s, _)| s.min(from)), now));
                    MetricMsg::Points {
                        gate: gate.index,
                        from: from.timestamp(),
                        points,
                        at: now,
                    }
                }
                Err(e) => MetricMsg::Failed {
                    gate: gate.index,
                    reason: e.to_string(),
                    next: Utc::now() + secs(gate.interval),
                },
            };
            if tx.send(msg).await.is_err() {
                return;
            }
            tokio::time::sleep(gate.interval).await;
        }
    })
}
