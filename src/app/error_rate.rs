//! The error-rate pane's state and the arithmetic behind it: baseline, current rate, peak,
//! and the verdict on whether the fix worked. All pure: the series and `now` come in.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::sentry::PollState;
use crate::sentry::api::Issue;

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRate {
    /// What to set before anything can be polled, when that is the case.
    pub unconfigured: Option<String>,
    /// Bucket start (Unix seconds) → events in the bucket.
    pub series: BTreeMap<i64, f64>,
    /// Seconds per bucket.
    pub width: i64,
    pub state: PollState,
    pub last_ok: Option<DateTime<Utc>>,
    /// Issues first seen after the deploy, newest first, as of the last poll.
    pub issues: Vec<Issue>,
    pub interval: Duration,
    pub window: Duration,
    pub baseline_len: Duration,
    pub verdict_buckets: usize,
    pub floor: f64,
    /// The highest rate seen since detection (kept when its bucket leaves the window).
    pub peak: Option<f64>,
    /// How the poller adapted to this Sentry (an older version's parameters).
    pub notice: Option<String>,
    /// Where the rate comes from: its name in the pane, the footer and the record.
    pub source: crate::config::ErrorSource,
}

impl ErrorRate {
    pub fn unconfigured(what: impl Into<String>) -> ErrorRate {
        ErrorRate {
            unconfigured: Some(what.into()),
            ..ErrorRate::new(&crate::config::SentryConfig::default())
        }
    }

    pub fn new(cfg: &crate::config::SentryConfig) -> ErrorRate {
        ErrorRate {
            unconfigured: None,
            series: BTreeMap::new(),
            width: 60,
            state: PollState::Waiting,
            last_ok: None,
            issues: Vec::new(),
            interval: cfg.poll_interval,
            window: cfg.window,
            baseline_len: cfg.baseline,
            verdict_buckets: cfg.verdict_buckets,
            floor: cfg.floor,
            peak: None,
            notice: None,
            source: crate::config::ErrorSource::Sentry,
        }
    }

    pub fn rollbar(cfg: &crate::config::RollbarConfig) -> ErrorRate {
        ErrorRate {
            interval: cfg.poll_interval,
            window: cfg.window,
            baseline_len: cfg.baseline,
            verdict_buckets: cfg.verdict_buckets,
            floor: cfg.floor,
            source: crate::config::ErrorSource::Rollbar,
            ..ErrorRate::new(&crate::config::SentryConfig::default())
        }
    }

    /// Merges fresh buckets (they replace what was there from `start` on) and keeps only the
    /// window before `now` and the baseline period before detection: memory is bounded by them.
    pub fn merge(
        &mut self,
        start: i64,
        buckets: Vec<(i64, f64)>,
        width: i64,
        now: i64,
        detected: i64,
    ) {
        self.width = width.max(1);
        let _ = self.series.split_off(&start);
        self.series.extend(buckets);
        let window_from = now - self.window.as_secs() as i64;
        // A bucket that ends within the baseline period counts, however wide it is.
        let baseline = (detected - self.baseline_len.as_secs() as i64 - self.width)..detected;
        self.series
            .retain(|t, _| *t >= window_from || baseline.contains(t));
        let since = detected - self.width;
        let peak = self
            .series
            .range(since..)
            .map(|(_, c)| *c * 60.0 / self.width as f64)
            .reduce(f64::max);
        self.peak = match (self.peak, peak) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    pub fn per_min(&self, count: f64) -> f64 {
        count * 60.0 / self.width as f64
    }

    /// Buckets as (start, errors per minute), oldest first.
    pub fn points(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        self.series.iter().map(|(t, c)| (*t, self.per_min(*c)))
    }

    /// Mean errors per minute over the baseline period before detection: the buckets that end
    /// within it, so the bucket holding the detection never counts.
    pub fn baseline(&self, detected: DateTime<Utc>) -> Option<f64> {
        let end = detected.timestamp();
        let start = end - self.baseline_len.as_secs() as i64;
        let vals: Vec<f64> = self
            .series
            .range(start - self.width..end)
            .filter(|(t, _)| **t + self.width > start && **t + self.width <= end)
            .map(|(_, c)| self.per_min(*c))
            .collect();
        (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
    }

    /// The newest complete bucket's rate (the newest bucket is still filling).
    pub fn current(&self) -> Option<f64> {
        self.series
            .iter()
            .rev()
            .nth(1)
            .map(|(_, c)| self.per_min(*c))
    }

    /// The newest, still-filling bucket.
    pub fn provisional(&self) -> Option<(i64, f64)> {
        self.series
            .iter()
            .next_back()
            .map(|(t, c)| (*t, self.per_min(*c)))
    }

    /// The highest rate since detection.
    pub fn peak(&self) -> Option<f64> {
        self.peak
    }

    /// Complete buckets starting at or after `t` (the still-filling newest one left out).
    pub fn complete_after(&self, t: DateTime<Utc>) -> Vec<f64> {
        let newest = self.series.keys().next_back().copied();
        self.series
            .range(t.timestamp()..)
            .filter(|(k, _)| Some(**k) != newest)
            .map(|(_, c)| self.per_min(*c))
            .collect()
    }

    /// Whether the fix worked, judged on the newest `verdict_buckets` complete buckets after
    /// the deploy: all at or below max(baseline × 1.2, floor) → dropped; all above the level
    /// before the deploy × 1.2 → rose.
    pub fn verdict(&self, detected: DateTime<Utc>, deploy: DateTime<Utc>) -> Option<Verdict> {
        let n = self.verdict_buckets.max(1);
        let after = self.complete_after(deploy);
        if after.len() < n {
            return None;
        }
        let last = &after[after.len() - n..];
        let mean = last.iter().sum::<f64>() / n as f64;
        let baseline = self.baseline(detected);
        let threshold = (baseline.unwrap_or(0.0) * 1.2).max(self.floor);
        let before: Vec<f64> = self
            .series
            .range(..deploy.timestamp())
            .rev()
            .take(n)
            .map(|(_, c)| self.per_min(*c))
            .collect();
        let before_mean =
            (!before.is_empty()).then(|| before.iter().sum::<f64>() / before.len() as f64);
        let peak = self
            .series
            .range(detected.timestamp() - self.width..deploy.timestamp())
            .map(|(_, c)| self.per_min(*c))
            .reduce(f64::max)
            .or(self.peak)
            .or(before_mean)
            .unwrap_or(0.0);
        if last.iter().all(|v| *v <= threshold) {
            // Measured against the level just before the deploy; the peak only when nothing was
            // seen before it.
            let before_secs = (!before.is_empty()).then(|| before.len() as i64 * self.width);
            return Some(Verdict::Dropped {
                from: before_mean.unwrap_or(peak),
                to: mean,
                baseline,
                threshold,
                before_secs,
            });
        }
        if let Some(b) = before_mean
            && last.iter().all(|v| *v > (b * 1.2).max(threshold))
        {
            return Some(Verdict::Rose {
                before: b,
                after: mean,
                baseline,
            });
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Dropped {
        /// The level in the `before_secs` before the deploy (the peak when none was seen).
        from: f64,
        to: f64,
        baseline: Option<f64>,
        threshold: f64,
        before_secs: Option<i64>,
    },
    Rose {
        before: f64,
        after: f64,
        baseline: Option<f64>,
    },
}

/// `+2100 %`, `−99 %`: the change from `from` to `to`.
pub fn change_pct(from: f64, to: f64) -> Option<f64> {
    (from > 0.0).then(|| (to - from) / from * 100.0)
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Dropped { .. } => "dropped",
            Verdict::Rose { .. } => "rose",
        }
    }

    /// The verdict in words; `after` names what it judges (`the deploy`, `the flag change`).
    pub fn sentence(&self, after: &str) -> String {
        match self {
            Verdict::Dropped {
                from,
                to,
                before_secs,
                ..
            } => format!(
                "Error rate dropped from {}{} to {}{}",
                crate::format::rate(*from),
                match before_secs {
                    Some(s) => format!(
                        " in the {} before {after}",
                        crate::format::duration(Duration::from_secs(
                            u64::try_from(*s).unwrap_or(0)
                        ))
                    ),
                    None => format!(" at its peak (nothing was seen just before {after})"),
                },
                crate::format::rate(*to),
                change_pct(*from, *to)
                    .map(|p| format!(" ({})", crate::format::pct(p)))
                    .unwrap_or_default()
            ),
            Verdict::Rose { before, after, .. } => format!(
                "Error rate rose after {after} from {} to {}{}: consider rolling back (r)",
                crate::format::rate(*before),
                crate::format::rate(*after),
                change_pct(*before, *after)
                    .map(|p| format!(" ({})", crate::format::pct(p)))
                    .unwrap_or_default()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_767_261_600 + min * 60, 0).expect("t")
    }

    /// One bucket a minute from minute 0, with these counts.
    fn rate(counts: &[f64]) -> ErrorRate {
        let mut e = ErrorRate::new(&crate::config::SentryConfig::default());
        let buckets = counts
            .iter()
            .enumerate()
            .map(|(i, c)| (t(i as i64).timestamp(), *c))
            .collect();
        let now = t(counts.len() as i64).timestamp();
        e.merge(t(0).timestamp(), buckets, 60, now, t(60).timestamp());
        e
    }

    #[test]
    fn a_drop_back_to_the_baseline() {
        // 60 min at 10/min, detected at 60, 450/min until the deploy at 80, then 3/min.
        let mut counts = vec![10.0; 60];
        counts.extend([450.0; 20]);
        counts.extend([3.0; 6]);
        counts.push(1.0); // the still-filling bucket
        let e = rate(&counts);
        assert_eq!(e.baseline(t(60)), Some(10.0));
        let v = e.verdict(t(60), t(80)).expect("verdict");
        assert_eq!(
            v,
            Verdict::Dropped {
                from: 450.0,
                to: 3.0,
                baseline: Some(10.0),
                threshold: 12.0,
                before_secs: Some(300),
            }
        );
        assert_eq!(
            v.sentence("the deploy"),
            "Error rate dropped from 450/min in the 5m before the deploy to 3.0/min (−99 %)"
        );
    }

    #[test]
    fn a_drop_is_measured_from_just_before_the_deploy_not_the_peak() {
        // The peak (456/min) 24 minutes before the deploy; 40/min in the minutes before it.
        let mut counts = vec![10.0; 60];
        counts.extend([456.0; 2]);
        counts.extend([40.0; 22]);
        counts.extend([3.0; 6]);
        counts.push(1.0);
        let v = rate(&counts).verdict(t(60), t(84)).expect("verdict");
        let Verdict::Dropped { from, .. } = v else {
            panic!("{v:?}")
        };
        assert_eq!(from, 40.0);
        assert!(
            !v.sentence("the deploy").contains("456"),
            "{}",
            v.sentence("the deploy")
        );
        assert!(
            v.sentence("the deploy")
                .contains("from 40/min in the 5m before the deploy")
        );
    }

    #[test]
    fn not_enough_complete_buckets_yet() {
        let mut counts = vec![10.0; 60];
        counts.extend([450.0; 20]);
        counts.extend([3.0; 5]); // 4 complete + the filling one
        assert_eq!(rate(&counts).verdict(t(60), t(80)), None);
    }

    #[test]
    fn no_drop_when_it_stays_high() {
        let mut counts = vec![10.0; 60];
        counts.extend([450.0; 20]);
        counts.extend([400.0; 8]);
        assert_eq!(rate(&counts).verdict(t(60), t(80)), None);
    }

    #[test]
    fn a_rise_after_the_deploy_suggests_rollback() {
        let mut counts = vec![10.0; 60];
        counts.extend([100.0; 20]);
        counts.extend([300.0; 8]);
        let v = rate(&counts).verdict(t(60), t(80)).expect("verdict");
        assert!(
            matches!(v, Verdict::Rose { before, after, .. } if before == 100.0 && after == 300.0)
        );
        assert!(v.sentence("the deploy").contains("consider rolling back"));
    }

    #[test]
    fn the_floor_counts_as_normal_without_a_baseline() {
        let mut counts = vec![50.0; 10];
        counts.extend([0.0; 6]);
        let mut e = rate(&counts);
        e.floor = 1.0;
        assert!(matches!(
            e.verdict(t(0), t(10)),
            Some(Verdict::Dropped { .. })
        ));
    }

    #[test]
    fn merging_replaces_trailing_buckets_and_prunes_old_ones() {
        let mut e = rate(&[1.0, 2.0, 3.0, 4.0]);
        e.window = Duration::from_secs(4 * 60);
        e.baseline_len = Duration::ZERO;
        e.merge(
            t(2).timestamp(),
            vec![
                (t(2).timestamp(), 30.0),
                (t(3).timestamp(), 40.0),
                (t(4).timestamp(), 5.0),
            ],
            60,
            t(5).timestamp(),
            t(0).timestamp(),
        );
        let got: Vec<f64> = e.series.values().copied().collect();
        assert_eq!(
            got,
            [2.0, 30.0, 40.0, 5.0],
            "minute 0 left the 4-minute window"
        );
        assert_eq!(e.peak(), Some(40.0));
        assert_eq!(e.current(), Some(40.0));
        assert_eq!(e.provisional(), Some((t(4).timestamp(), 5.0)));
        // Five-minute buckets are scaled to per-minute rates.
        e.width = 300;
        assert_eq!(e.current(), Some(8.0));
    }

    #[test]
    fn percentages_read_naturally() {
        assert_eq!(
            crate::format::pct(change_pct(19.0, 412.0).expect("p")),
            "+2068 %"
        );
        assert_eq!(crate::format::pct(-99.4), "−99 %");
        assert_eq!(change_pct(0.0, 5.0), None);
    }
}
