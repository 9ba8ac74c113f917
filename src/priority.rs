//! Priority levels, their deploy targets and the criteria from the emergency release workflow.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P0, Priority::P1, Priority::P2, Priority::P3];

    /// Time from detection to deployed fix.
    pub fn deploy_target(self) -> Duration {
        let hours = match self {
            Priority::P0 => 2,
            Priority::P1 => 4,
            Priority::P2 => 24,
            Priority::P3 => 48,
        };
        Duration::from_secs(hours * 3600)
    }

    /// How often stakeholders expect an update; `None` means no reminder.
    pub fn default_cadence(self) -> Option<Duration> {
        match self {
            Priority::P0 => Some(Duration::from_secs(30 * 60)),
            Priority::P1 => Some(Duration::from_secs(60 * 60)),
            Priority::P2 => Some(Duration::from_secs(4 * 3600)),
            Priority::P3 => None,
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Priority::P0 => "security vulnerability / service down",
            Priority::P1 => "production down / critical feature broken",
            Priority::P2 => "major bug",
            Priority::P3 => "business critical",
        }
    }

    pub fn deploy_policy(self) -> &'static str {
        match self {
            Priority::P0 => "immediate to production; review and staging may be waived",
            Priority::P1 => "same day",
            Priority::P2 => "next business day",
            Priority::P3 => "scheduled release",
        }
    }

    /// The conditions that make an incident this level, used by the urgency assessment
    /// and shown beside each level in the priority picker.
    pub fn criteria(self) -> &'static [&'static str] {
        match self {
            Priority::P0 => &[
                "authentication or authorization bypass",
                "data breach or exposure",
                "remote code execution",
                "production service completely unavailable",
                "data corruption affecting multiple users",
                "payment processing completely broken",
            ],
            Priority::P1 => &[
                "critical feature completely broken",
                "error affecting the majority of users",
                "revenue-impacting bug",
                "database connectivity issues",
                "critical third-party integration failing",
            ],
            Priority::P2 => &[
                "major feature partially broken",
                "a specific user segment affected",
                "a workaround exists but is not ideal",
                "performance degraded (not a complete failure)",
            ],
            Priority::P3 => &[
                "business deadline blocked (campaign, partner launch)",
                "no production breakage",
            ],
        }
    }

    /// Whether a post-incident review is expected for this level.
    pub fn needs_pir(self) -> bool {
        matches!(self, Priority::P0 | Priority::P1)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown priority {0:?}: use P0, P1, P2 or P3")]
pub struct UnknownPriority(pub String);

impl FromStr for Priority {
    type Err = UnknownPriority;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "P0" | "0" => Ok(Priority::P0),
            "P1" | "1" => Ok(Priority::P1),
            "P2" | "2" => Ok(Priority::P2),
            "P3" | "3" => Ok(Priority::P3),
            _ => Err(UnknownPriority(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_rejects_others() {
        assert_eq!("p1".parse::<Priority>(), Ok(Priority::P1));
        assert_eq!(" P3 ".parse::<Priority>(), Ok(Priority::P3));
        assert!("P4".parse::<Priority>().is_err());
        assert!("high".parse::<Priority>().is_err());
    }

    #[test]
    fn targets_follow_the_workflow() {
        assert_eq!(Priority::P0.deploy_target().as_secs(), 7200);
        assert_eq!(Priority::P3.deploy_target().as_secs(), 48 * 3600);
        assert_eq!(Priority::P3.default_cadence(), None);
        assert!(Priority::P1.needs_pir() && !Priority::P2.needs_pir());
    }
}
