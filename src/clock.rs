//! The clocks in the header: SLA countdown, monitoring window, status-update cadence, PIR due.
//! Everything is a function of the incident, the policy and `now`.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::incident::Incident;
use crate::priority::Priority;

/// Targets and cadences in force (the defaults, or the config's overrides).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub targets: [Duration; 4],
    pub cadence: [Option<Duration>; 4],
    pub monitoring: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            targets: Priority::ALL.map(Priority::deploy_target),
            cadence: Priority::ALL.map(Priority::default_cadence),
            monitoring: Duration::from_secs(30 * 60),
        }
    }
}

impl Policy {
    pub fn target(&self, p: Priority) -> Duration {
        self.targets[p as usize]
    }
    pub fn cadence(&self, p: Priority) -> Option<Duration> {
        self.cadence[p as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Amber,
    Red,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sla {
    /// Counting down; amber once a quarter of the target is left.
    Running { left: Duration, level: Level },
    /// Past the target and not deployed: counting overdue time.
    Breached { overdue: Duration },
    /// Deployed: the clock stopped.
    Stopped { took: Duration, target: Duration },
}

impl Sla {
    pub fn level(self) -> Level {
        match self {
            Sla::Running { level, .. } => level,
            Sla::Breached { .. } => Level::Red,
            Sla::Stopped { took, target } if took > target => Level::Red,
            Sla::Stopped { .. } => Level::Ok,
        }
    }
}

fn since(later: DateTime<Utc>, earlier: DateTime<Utc>) -> Duration {
    (later - earlier).to_std().unwrap_or(Duration::ZERO)
}

pub fn sla(inc: &Incident, policy: &Policy, now: DateTime<Utc>) -> Sla {
    let target = policy.target(inc.priority);
    if let Some(deployed) = inc.deployed_at {
        return Sla::Stopped {
            took: since(deployed, inc.detected_at),
            target,
        };
    }
    let end = inc.closed_at.unwrap_or(now);
    let elapsed = since(end, inc.detected_at);
    if elapsed >= target {
        return Sla::Breached {
            overdue: elapsed - target,
        };
    }
    let left = target - elapsed;
    let level = if left.as_secs_f64() <= target.as_secs_f64() * 0.25 {
        Level::Amber
    } else {
        Level::Ok
    };
    Sla::Running { left, level }
}

/// Time since detection, frozen at close.
pub fn elapsed(inc: &Incident, now: DateTime<Utc>) -> Duration {
    since(inc.closed_at.unwrap_or(now), inc.detected_at)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monitoring {
    NotStarted,
    Running { left: Duration },
    Done,
}

pub fn monitoring(inc: &Incident, policy: &Policy, now: DateTime<Utc>) -> Monitoring {
    match inc.judged_from() {
        None => Monitoring::NotStarted,
        Some(start) => {
            let end = start + policy.monitoring;
            if inc.verified_at.is_some() || now >= end {
                Monitoring::Done
            } else {
                Monitoring::Running {
                    left: since(end, now),
                }
            }
        }
    }
}

/// When the next status update is due, if this priority has a cadence and the incident is open.
pub fn next_update_due(inc: &Incident, policy: &Policy) -> Option<DateTime<Utc>> {
    if inc.closed_at.is_some() {
        return None;
    }
    let every = policy.cadence(inc.priority)?;
    let from = inc.last_status_update.unwrap_or(inc.opened_at);
    chrono::Duration::from_std(every).ok().map(|d| from + d)
}

/// A post-incident review is due within 72 h of close for P0/P1.
pub fn pir_due(inc: &Incident) -> Option<DateTime<Utc>> {
    if !inc.priority.needs_pir() {
        return None;
    }
    inc.closed_at.map(|c| c + chrono::Duration::hours(72))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Checklist;
    use crate::journal::{Draft, kinds};
    use chrono::TimeZone;
    use std::sync::Arc;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 14, 0, 0)
            .single()
            .expect("time")
            + chrono::Duration::minutes(min)
    }

    fn p0() -> Incident {
        let opened = Draft::new(kinds::INCIDENT_OPENED, "opened")
            .field("priority", "P0")
            .field("title", "x")
            .stamp(t(0));
        Incident::from_events("T-1", Arc::new(Checklist::builtin().expect("c")), [opened])
    }

    #[test]
    fn sla_turns_amber_at_a_quarter_left_and_red_at_breach() {
        let inc = p0();
        let pol = Policy::default();
        // 2 h target: amber at 90 min elapsed (30 min = 25 % left)
        assert_eq!(sla(&inc, &pol, t(89)).level(), Level::Ok);
        assert_eq!(
            sla(&inc, &pol, t(90)),
            Sla::Running {
                left: Duration::from_secs(1800),
                level: Level::Amber
            }
        );
        assert_eq!(sla(&inc, &pol, t(119)).level(), Level::Amber);
        assert_eq!(
            sla(&inc, &pol, t(120)),
            Sla::Breached {
                overdue: Duration::ZERO
            }
        );
        assert_eq!(
            sla(&inc, &pol, t(135)),
            Sla::Breached {
                overdue: Duration::from_secs(900)
            }
        );
    }

    #[test]
    fn sla_stops_at_the_deploy() {
        let mut inc = p0();
        inc.apply(
            Draft::new(kinds::DEPLOY_FINISHED, "ok")
                .field("exit_code", 0)
                .stamp(t(84)),
        );
        let s = sla(&inc, &Policy::default(), t(500));
        assert_eq!(
            s,
            Sla::Stopped {
                took: Duration::from_secs(84 * 60),
                target: Duration::from_secs(7200)
            }
        );
        assert_eq!(s.level(), Level::Ok);
        let mut late = p0();
        late.apply(
            Draft::new(kinds::MILESTONE, "deployed")
                .field("milestone", "fix_deployed")
                .stamp(t(130)),
        );
        assert_eq!(sla(&late, &Policy::default(), t(131)).level(), Level::Red);
    }

    #[test]
    fn monitoring_window_runs_after_the_deploy() {
        let mut inc = p0();
        let pol = Policy::default();
        assert_eq!(monitoring(&inc, &pol, t(10)), Monitoring::NotStarted);
        inc.apply(
            Draft::new(kinds::DEPLOY_FINISHED, "ok")
                .field("exit_code", 0)
                .stamp(t(60)),
        );
        assert_eq!(
            monitoring(&inc, &pol, t(70)),
            Monitoring::Running {
                left: Duration::from_secs(1200)
            }
        );
        assert_eq!(monitoring(&inc, &pol, t(90)), Monitoring::Done);
    }

    #[test]
    fn cadence_counts_from_the_last_update() {
        let mut inc = p0();
        let pol = Policy::default();
        assert_eq!(next_update_due(&inc, &pol), Some(t(30)));
        inc.apply(Draft::new(kinds::STATUS_UPDATE, "posted").stamp(t(25)));
        assert_eq!(next_update_due(&inc, &pol), Some(t(55)));
        inc.apply(
            Draft::new(kinds::PRIORITY_CHANGED, "→P3")
                .field("to", "P3")
                .stamp(t(26)),
        );
        assert_eq!(next_update_due(&inc, &pol), None);
    }

    #[test]
    fn pir_is_due_72h_after_close_for_p0_and_p1() {
        let mut inc = p0();
        assert_eq!(pir_due(&inc), None);
        inc.apply(Draft::new(kinds::INCIDENT_CLOSED, "closed").stamp(t(100)));
        assert_eq!(pir_due(&inc), Some(t(100 + 72 * 60)));
    }
}
