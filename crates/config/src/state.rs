//! Staffing states and the thresholds that define them.

use std::fmt;

use serde::Serialize;

/// How well staffed a sample or bucket is, from its `available` and `logged_in` counts
/// and the configured [`Thresholds`]. Serialized snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Nobody is logged in: nobody is scheduled, so not a staffing problem.
    NoAgents,
    /// Agents are logged in but none is available.
    Unavailable,
    /// Available share below the warning threshold (default < 5%).
    Critical,
    /// Available share at or above warning, below monitor (default 5% ≤ p < 10%).
    Warning,
    /// Available share from monitor up to healthy, inclusive (default 10% ≤ p ≤ 20%).
    Monitor,
    /// Available share above the healthy threshold (default > 20%).
    Healthy,
}

impl State {
    /// Every state, in the order of the JSON objects that count them.
    pub const ALL: [State; 6] = [
        State::NoAgents,
        State::Unavailable,
        State::Critical,
        State::Warning,
        State::Monitor,
        State::Healthy,
    ];

    /// The snake_case name used in JSON and CSV.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            State::NoAgents => "no_agents",
            State::Unavailable => "unavailable",
            State::Critical => "critical",
            State::Warning => "warning",
            State::Monitor => "monitor",
            State::Healthy => "healthy",
        }
    }

    /// Whether this state makes a sample part of an episode: `warning`, `critical` or
    /// `unavailable`. `no_agents` is not: nobody is scheduled then.
    #[must_use]
    pub const fn is_alert(self) -> bool {
        matches!(self, State::Warning | State::Critical | State::Unavailable)
    }

    /// How bad the state is for an episode's `worst_state`: unavailable (none ready)
    /// is worse than critical, which is worse than warning. 0 for the rest.
    #[must_use]
    pub const fn severity(self) -> u8 {
        match self {
            State::Unavailable => 3,
            State::Critical => 2,
            State::Warning => 1,
            State::NoAgents | State::Monitor | State::Healthy => 0,
        }
    }

    /// The state's position in [`State::ALL`].
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The available-percentage thresholds of the states, whole percents:
/// `warning < monitor < healthy`, each within 0..=100. Default 20/10/5, the
/// reference's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thresholds {
    healthy: u8,
    monitor: u8,
    warning: u8,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            healthy: 20,
            monitor: 10,
            warning: 5,
        }
    }
}

impl Thresholds {
    /// Checked thresholds, as the config's `thresholds = { healthy, monitor, warning }`.
    ///
    /// # Errors
    ///
    /// A one-line reason unless `warning < monitor < healthy <= 100`.
    pub fn new(healthy: u32, monitor: u32, warning: u32) -> Result<Thresholds, String> {
        let got = format!("warning = {warning}, monitor = {monitor}, healthy = {healthy}");
        if healthy > 100 {
            return Err(format!("healthy is above 100 (got {got})"));
        }
        if !(warning < monitor && monitor < healthy) {
            return Err(format!("need warning < monitor < healthy, got {got}"));
        }
        Ok(Thresholds {
            healthy: healthy as u8,
            monitor: monitor as u8,
            warning: warning as u8,
        })
    }

    /// Above this available percentage a bucket is healthy.
    #[must_use]
    pub fn healthy(&self) -> u32 {
        u32::from(self.healthy)
    }

    /// From this available percentage up to `healthy` a bucket is in monitor.
    #[must_use]
    pub fn monitor(&self) -> u32 {
        u32::from(self.monitor)
    }

    /// Below this available percentage a bucket is critical.
    #[must_use]
    pub fn warning(&self) -> u32 {
        u32::from(self.warning)
    }

    /// The state of `available` of `logged_in` agents (a sample's counts, or a bucket's
    /// sums). The percentage is compared exactly, in integers: 5 of 100 is warning,
    /// 10 of 100 and 20 of 100 are monitor.
    #[must_use]
    pub fn state(&self, available: u64, logged_in: u64) -> State {
        if logged_in == 0 {
            return State::NoAgents;
        }
        if available == 0 {
            return State::Unavailable;
        }
        // p < t  ⇔  100·a < t·l, in u128 so no sum of counts can overflow.
        let a100 = 100 * u128::from(available);
        let times = |t: u8| u128::from(t) * u128::from(logged_in);
        if a100 < times(self.warning) {
            State::Critical
        } else if a100 < times(self.monitor) {
            State::Warning
        } else if a100 <= times(self.healthy) {
            State::Monitor
        } else {
            State::Healthy
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_fall_as_the_table_says() {
        let t = Thresholds::default();
        assert_eq!(t.state(0, 0), State::NoAgents);
        assert_eq!(t.state(0, 50), State::Unavailable);
        assert_eq!(t.state(4, 100), State::Critical);
        assert_eq!(t.state(5, 100), State::Warning); // exactly 5%
        assert_eq!(t.state(9, 100), State::Warning);
        assert_eq!(t.state(10, 100), State::Monitor); // exactly 10%
        assert_eq!(t.state(20, 100), State::Monitor); // exactly 20%
        assert_eq!(t.state(21, 100), State::Healthy);
        // 1 of 20 is exactly 5%, 1 of 10 exactly 10%, 1 of 5 exactly 20%.
        assert_eq!(t.state(1, 20), State::Warning);
        assert_eq!(t.state(1, 10), State::Monitor);
        assert_eq!(t.state(1, 5), State::Monitor);
        assert_eq!(t.state(1, 21), State::Critical);
        assert_eq!(t.state(u64::MAX, u64::MAX), State::Healthy);
    }

    #[test]
    fn thresholds_must_be_ordered_percents() {
        assert!(Thresholds::new(20, 10, 5).is_ok());
        assert!(Thresholds::new(100, 1, 0).is_ok());
        for (h, m, w) in [(10, 10, 5), (20, 5, 10), (5, 10, 20)] {
            let e = Thresholds::new(h, m, w).unwrap_err();
            assert!(e.contains("need warning < monitor < healthy"), "{e}");
        }
        let e = Thresholds::new(101, 50, 5).unwrap_err();
        assert!(e.contains("healthy is above 100"), "{e}");
    }
}
