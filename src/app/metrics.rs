//! The metric gates in the model: each gate's points, its reading around the deploy (level
//! before → after, the verdict), and the `metric_verdict` events that put it on the record.
//! Pure: the points and `now` come in.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::model::{Model, Tone};
use super::msg::Effect;
use crate::clock::{self, Monitoring};
use crate::config::{Expect, MetricConfig, MetricSource, Tolerance};
use crate::incident::gates::{GOOD, GateRecord};
use crate::journal::event::rfc3339_string;
use crate::journal::{Draft, kinds};
use crate::metrics::MetricMsg;

/// At most this many points a gate: a day at 2-minute steps, 4 hours at 5 s.
pub const MAX_POINTS: usize = 3000;

#[derive(Debug, Clone, PartialEq)]
pub enum GateState {
    Waiting,
    Ok,
    Failed {
        reason: String,
        next: DateTime<Utc>,
    },
    /// It cannot poll: what to set.
    Unconfigured(String),
}

/// One gate as the verification pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub name: String,
    pub source: MetricSource,
    pub expect: Expect,
    pub tolerance: Tolerance,
    pub unit: String,
    pub item: Option<String>,
    pub interval: Duration,
    pub before: Duration,
    pub judge: Duration,
    pub lookback: Duration,
    /// Unix seconds → value.
    pub series: BTreeMap<i64, f64>,
    pub state: GateState,
    pub last_ok: Option<DateTime<Utc>>,
}

/// What a gate's points say about a deploy.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The mean over `before` ahead of the deploy.
    pub before: Option<f64>,
    /// The mean over the newest `judge` span after it.
    pub after: f64,
    pub window_secs: i64,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Good,
    Bad,
    /// Not worse, not yet what was expected (a drop or a rise still to come).
    Unsettled,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Good => GOOD,
            Verdict::Bad => "bad",
            Verdict::Unsettled => "unsettled",
        }
    }
}

impl Gate {
    pub fn new(cfg: &MetricConfig) -> Gate {
        Gate {
            name: cfg.name.get_ref().clone(),
            source: cfg.source,
            expect: cfg.expect,
            tolerance: cfg.tolerance,
            unit: cfg.unit.clone(),
            item: cfg.item.as_ref().map(|i| i.get_ref().clone()),
            interval: cfg.interval,
            before: cfg.before,
            judge: cfg.judge,
            lookback: crate::metrics::LOOKBACK.max(cfg.before + cfg.judge),
            series: BTreeMap::new(),
            state: GateState::Waiting,
            last_ok: None,
        }
    }

    pub fn record(&self) -> GateRecord {
        GateRecord {
            name: self.name.clone(),
            item: self.item.clone(),
            expect: self.expect.to_string(),
        }
    }

    /// Points from `from` on replace what was there; kept: the lookback before `now` and the
    /// level before the deploy.
    pub fn merge(&mut self, from: i64, points: Vec<(i64, f64)>, now: i64, deploy: Option<i64>) {
        let _ = self.series.split_off(&from);
        self.series.extend(points);
        let keep_from = now - self.lookback.as_secs() as i64;
        let level = deploy.map(|d| (d - self.before.as_secs() as i64)..d);
        self.series
            .retain(|t, _| *t >= keep_from || level.as_ref().is_some_and(|l| l.contains(t)));
        while self.series.len() > MAX_POINTS {
            self.series.pop_first();
        }
    }

    pub fn latest(&self) -> Option<f64> {
        self.series.values().next_back().copied()
    }

    fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
        let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        (n > 0).then(|| sum / n as f64)
    }

    /// The level before `deploy`.
    pub fn level_before(&self, deploy: DateTime<Utc>) -> Option<f64> {
        let d = deploy.timestamp();
        Gate::mean(
            self.series
                .range(d - self.before.as_secs() as i64..d)
                .map(|(_, v)| *v),
        )
    }

    /// The reading on `deploy` (`since` names it: `the deploy`, `the flag change`), or why
    /// there is none yet.
    pub fn reading(&self, deploy: DateTime<Utc>, since: &str) -> Result<Reading, String> {
        let d = deploy.timestamp();
        let judge = self.judge.as_secs() as i64;
        let newest = match self.series.range(d..).next_back() {
            Some((t, _)) if t - d >= judge => *t,
            _ => {
                return Err(format!(
                    "judged {} after {since}",
                    crate::format::duration(self.judge)
                ));
            }
        };
        let after = Gate::mean(
            self.series
                .range((newest - judge).max(d)..=newest)
                .map(|(_, v)| *v),
        )
        .ok_or_else(|| format!("no point after {since}"))?;
        let before = self.level_before(deploy);
        let verdict = match (self.expect, before) {
            (Expect::Below(x), _) => good_if(after <= x),
            (Expect::Above(x), _) => good_if(after >= x),
            (_, None) => return Err(format!("no level before {since}")),
            (Expect::Stable, Some(b)) => good_if((after - b).abs() <= self.tolerance.band(b)),
            (Expect::Drop, Some(b)) => relative(b - after, self.tolerance.band(b)),
            (Expect::Rise, Some(b)) => relative(after - b, self.tolerance.band(b)),
        };
        Ok(Reading {
            before,
            after,
            window_secs: judge,
            verdict,
        })
    }

    /// `0.21 s`, `99.7 %`, `412`.
    pub fn show(&self, v: f64) -> String {
        let n = if v.abs() >= 100.0 {
            format!("{v:.0}")
        } else if v.abs() >= 1.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.3}")
        };
        match self.unit.as_str() {
            "" => n,
            "%" => format!("{n}%"),
            u => format!("{n} {u}"),
        }
    }

    /// `API p95 latency stable: 0.210 s before → 0.215 s (+2 %, within 20%)`.
    pub fn sentence(&self, r: &Reading, after: &str) -> String {
        let change = r
            .before
            .and_then(|b| super::error_rate::change_pct(b, r.after))
            .map(|p| format!(" ({})", crate::format::pct(p)))
            .unwrap_or_default();
        let span = crate::format::duration(Duration::from_secs(r.window_secs.max(0) as u64));
        let level = match r.before {
            Some(b) => format!("{} before {after} → {}", self.show(b), self.show(r.after)),
            None => format!("{} over the {span} after {after}", self.show(r.after)),
        };
        let what = match (r.verdict, self.expect) {
            (Verdict::Good, Expect::Stable) => "stable".to_string(),
            (Verdict::Good, Expect::Drop) => "dropped".into(),
            (Verdict::Good, Expect::Rise) => "back up".into(),
            (Verdict::Good, e) => format!("{e}"),
            (Verdict::Bad, Expect::Stable) => format!("moved beyond {}", self.tolerance),
            (Verdict::Bad, Expect::Drop) => "rose instead of dropping".into(),
            (Verdict::Bad, Expect::Rise) => "fell instead of rising".into(),
            (Verdict::Bad, e) => format!("not {e}"),
            (Verdict::Unsettled, Expect::Drop) => "not dropped yet".into(),
            (Verdict::Unsettled, Expect::Rise) => "not back up yet".into(),
            (Verdict::Unsettled, _) => "unsettled".into(),
        };
        format!("{}: {what}, {level}{change}", self.name)
    }
}

fn good_if(ok: bool) -> Verdict {
    if ok { Verdict::Good } else { Verdict::Bad }
}

/// A drop or a rise of `moved` (positive: the expected way) against the band.
fn relative(moved: f64, band: f64) -> Verdict {
    if moved > band {
        Verdict::Good
    } else if moved < -band {
        Verdict::Bad
    } else {
        Verdict::Unsettled
    }
}

/// The gates the configuration names, to record when the record says otherwise. A console
/// without gates leaves the record's alone: another seat may have them configured.
pub fn gates_event(m: &Model) -> Option<Effect> {
    let now: Vec<GateRecord> = m.metrics.iter().map(Gate::record).collect();
    if m.read_only() || now.is_empty() || now == m.incident.gates {
        return None;
    }
    let names: Vec<&str> = now.iter().map(|g| g.name.as_str()).collect();
    let text = format!("Metric gates: {}", names.join(", "));
    Some(Effect::Append(
        Draft::new(kinds::METRIC_GATES, text).field("gates", serde_json::to_value(&now).ok()),
    ))
}

pub fn on_metric(m: &mut Model, msg: MetricMsg) -> Vec<Effect> {
    match msg {
        MetricMsg::Points {
            gate,
            from,
            points,
            at,
        } => {
            let deploy = m.incident.judged_from().map(|d| d.timestamp());
            let Some(g) = m.metrics.get_mut(gate) else {
                return Vec::new();
            };
            g.merge(from, points, at.timestamp(), deploy);
            g.state = GateState::Ok;
            g.last_ok = Some(at);
            let mut fx = judge(m);
            fx.extend(guard_poll(m, gate));
            fx
        }
        MetricMsg::Failed { gate, reason, next } => {
            let reason = m.shown(&reason);
            let Some(g) = m.metrics.get_mut(gate) else {
                return Vec::new();
            };
            // Said once when it starts, not at every failed poll.
            let again = matches!(&g.state, GateState::Failed { reason: r, .. } if *r == reason);
            let said = format!("{}: {reason}", g.name);
            g.state = GateState::Failed { reason, next };
            if !again {
                m.say(Tone::Warn, said);
            }
            Vec::new()
        }
    }
}

/// A gate's poll as the guard counts it: bad, not bad, or not judged yet.
fn guard_poll(m: &mut Model, gate: usize) -> Vec<Effect> {
    let (Some(deploy), Some(g)) = (m.incident.last_deployed_at, m.metrics.get(gate)) else {
        return Vec::new();
    };
    let (name, reading) = (g.name.clone(), g.reading(deploy, "the deploy"));
    match reading {
        Ok(r) => {
            let evidence = g.sentence(&r, "the deploy");
            super::guard::observe(m, &name, Some(r.verdict == Verdict::Bad), &evidence)
        }
        Err(_) => Vec::new(),
    }
}

/// Each gate's verdict on the latest deploy, on the record when it changes: a bad one at once,
/// a good one once the monitoring window is over, and a good one that no longer holds.
pub fn judge(m: &mut Model) -> Vec<Effect> {
    let Some(deploy) = m.incident.judged_from() else {
        return Vec::new();
    };
    if m.read_only() {
        return Vec::new();
    }
    let key = rfc3339_string(deploy);
    let after = m.incident.judged_after();
    let window_over = clock::monitoring(&m.incident, &m.policy, m.now) == Monitoring::Done;
    let mut fx = Vec::new();
    let mut said = Vec::new();
    for g in &m.metrics {
        let Ok(r) = g.reading(deploy, after) else {
            continue;
        };
        let recorded = m
            .incident
            .gate_verdict(&g.name, &key)
            .map(|v| v.verdict.as_str());
        let record = match r.verdict {
            Verdict::Good => window_over && recorded != Some(GOOD),
            Verdict::Bad => recorded != Some("bad"),
            Verdict::Unsettled => recorded == Some(GOOD),
        };
        if !record {
            continue;
        }
        let sentence = g.sentence(&r, after);
        if r.verdict == Verdict::Bad {
            said.push(format!("{sentence}: consider rolling back (r)"));
        }
        let round = |v: f64| (v * 1e6).round() / 1e6;
        fx.push(Effect::Append(
            Draft::new(kinds::METRIC_VERDICT, sentence)
                .field("name", g.name.clone())
                .field("item", g.item.clone())
                .field("verdict", r.verdict.name())
                .field("expect", g.expect.to_string())
                .field("before", r.before.map(round))
                .field("after", round(r.after))
                .field("unit", g.unit.clone())
                .field("window_secs", r.window_secs)
                .field("deploy_at", key.clone()),
        ));
    }
    for s in said {
        m.say(Tone::Error, s);
    }
    fx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(expect: Expect) -> Gate {
        let cfg: crate::config::Config = toml::from_str(&format!(
            "[[metrics]]\nname = \"p95\"\nsource = \"prometheus\"\nurl = \"http://127.0.0.1:9\"\nquery = \"x\"\nexpect = \"{expect}\"\nbefore = \"5m\"\njudge = \"2m\"\nunit = \"s\"\n"
        ))
        .expect("config");
        Gate::new(&cfg.metrics[0])
    }

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_767_261_600 + min * 60, 0).expect("t")
    }

    /// One point a minute: `before` for minutes 0..10, the deploy at 10, then `after`.
    fn around(g: &mut Gate, before: f64, after: &[f64]) {
        let mut points: Vec<(i64, f64)> = (0..10).map(|i| (at(i).timestamp(), before)).collect();
        points.extend(
            after
                .iter()
                .enumerate()
                .map(|(i, v)| (at(10 + i as i64).timestamp(), *v)),
        );
        let now = at(10 + after.len() as i64).timestamp();
        g.merge(at(0).timestamp(), points, now, Some(at(10).timestamp()));
    }

    #[test]
    fn stable_within_the_tolerance_is_good_and_beyond_it_bad() {
        let mut g = gate(Expect::Stable);
        around(&mut g, 0.2, &[0.21, 0.22, 0.23]);
        let r = g.reading(at(10), "the deploy").expect("reading");
        assert_eq!(r.verdict, Verdict::Good);
        assert_eq!(r.before, Some(0.2));
        assert_eq!(
            g.sentence(&r, "the deploy"),
            "p95: stable, 0.200 s before the deploy → 0.220 s (+10 %)"
        );
        let mut g = gate(Expect::Stable);
        around(&mut g, 0.2, &[0.4, 0.5, 0.6]);
        let r = g.reading(at(10), "the deploy").expect("reading");
        assert_eq!(r.verdict, Verdict::Bad);
        assert!(
            g.sentence(&r, "the deploy").contains("moved beyond 20%"),
            "{}",
            g.sentence(&r, "the deploy")
        );
    }

    #[test]
    fn not_judged_before_the_judging_span_has_passed() {
        let mut g = gate(Expect::Stable);
        around(&mut g, 0.2, &[0.9]);
        assert_eq!(
            g.reading(at(10), "the deploy"),
            Err("judged 2m after the deploy".to_string())
        );
    }

    #[test]
    fn a_drop_that_has_not_come_yet_is_unsettled() {
        let mut g = gate(Expect::Drop);
        around(&mut g, 10.0, &[9.5, 9.5, 9.5]);
        assert_eq!(
            g.reading(at(10), "the deploy").expect("r").verdict,
            Verdict::Unsettled
        );
        let mut g = gate(Expect::Drop);
        around(&mut g, 10.0, &[2.0, 2.0, 2.0]);
        assert_eq!(
            g.reading(at(10), "the deploy").expect("r").verdict,
            Verdict::Good
        );
        let mut g = gate(Expect::Drop);
        around(&mut g, 10.0, &[20.0, 20.0, 20.0]);
        assert_eq!(
            g.reading(at(10), "the deploy").expect("r").verdict,
            Verdict::Bad
        );
    }

    #[test]
    fn thresholds_need_no_level_before() {
        let mut g = gate(Expect::Above(0.995));
        g.merge(
            at(10).timestamp(),
            vec![(at(10).timestamp(), 0.999), (at(12).timestamp(), 0.998)],
            at(13).timestamp(),
            Some(at(10).timestamp()),
        );
        let r = g.reading(at(10), "the deploy").expect("reading");
        assert_eq!((r.before, r.verdict), (None, Verdict::Good));
        let mut g = gate(Expect::Stable);
        g.merge(
            at(10).timestamp(),
            vec![(at(10).timestamp(), 0.999), (at(12).timestamp(), 0.998)],
            at(13).timestamp(),
            Some(at(10).timestamp()),
        );
        assert_eq!(
            g.reading(at(10), "the deploy"),
            Err("no level before the deploy".to_string())
        );
    }

    #[test]
    fn memory_keeps_the_lookback_and_the_level_before_the_deploy() {
        let mut g = gate(Expect::Stable);
        g.lookback = Duration::from_secs(600);
        let points: Vec<(i64, f64)> = (0..120).map(|i| (at(i).timestamp(), i as f64)).collect();
        g.merge(
            at(0).timestamp(),
            points,
            at(120).timestamp(),
            Some(at(30).timestamp()),
        );
        let kept: Vec<i64> = g
            .series
            .keys()
            .map(|t| (t - at(0).timestamp()) / 60)
            .collect();
        let mut want: Vec<i64> = (25..30).collect();
        want.extend(110..120);
        assert_eq!(kept, want);
    }
}
