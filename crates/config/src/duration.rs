//! Durations as the config writes them (`500ms`, `15s`, `35d`, `forever`).

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Retry delays of an outbox (remote write, alert notifications): the first,
/// doubled per failure up to the cap, ±25% jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub cap: Duration,
}

impl Backoff {
    /// The delay after `failures` failures in a row (1 or more).
    #[must_use]
    pub fn delay(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(20);
        let d = self.base.saturating_mul(1 << exp).min(self.cap);
        let r = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        d.mul_f64(0.75 + (r % 1000) as f64 / 2000.0)
    }
}

/// How long rows are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Never pruned.
    Forever,
    /// Pruned once older than this.
    For(Duration),
}

impl Retention {
    /// Whole seconds rows are kept; `None` for ever.
    #[must_use]
    pub fn secs(self) -> Option<i64> {
        match self {
            Retention::Forever => None,
            Retention::For(d) => Some(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        }
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retention::Forever => f.write_str("forever"),
            Retention::For(d) => f.write_str(&fmt_duration(*d)),
        }
    }
}

/// Parses a duration like `500ms`, `5s`, `15m`, `2h`, `35d` or `2w`; zero is refused.
///
/// # Errors
///
/// A one-line reason quoting `s` and the accepted forms.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim()).map_err(|e| {
        format!("{s:?} is not a duration ({e}); write e.g. 500ms, 5s, 15m, 2h, 35d or 2w")
    })?;
    if d.is_zero() {
        return Err(format!("{s:?}: must be greater than zero"));
    }
    Ok(d)
}

/// A duration in the config's own notation, in its largest whole unit: `35d`, `4s`,
/// `800ms` (humantime would write 35 days as `1month 4days 13h 26m 24s`).
#[must_use]
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = d.as_secs();
    for (unit, secs) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if s >= secs && s.is_multiple_of(secs) {
            return format!("{}{unit}", s / secs);
        }
    }
    format!("{s}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_in_their_largest_whole_unit() {
        assert_eq!(fmt_duration(Duration::from_secs(35 * 86_400)), "35d");
        assert_eq!(fmt_duration(Duration::from_secs(90)), "90s");
        assert_eq!(fmt_duration(Duration::from_secs(120)), "2m");
        assert_eq!(fmt_duration(Duration::from_millis(800)), "800ms");
        assert_eq!(
            Retention::For(Duration::from_secs(3_600)).secs(),
            Some(3_600)
        );
        assert_eq!(Retention::Forever.secs(), None);
    }

    #[test]
    fn zero_and_nonsense_are_refused() {
        assert!(
            parse_duration("0s")
                .unwrap_err()
                .contains("greater than zero")
        );
        assert!(parse_duration("soon").unwrap_err().contains("500ms, 5s"));
        assert_eq!(
            parse_duration(" 2w ").unwrap(),
            Duration::from_secs(14 * 86_400)
        );
    }
}
