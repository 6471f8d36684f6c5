//! The newest snapshot of a target.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use headcount_store::Reads;
use serde::Serialize;

use crate::agg::ratio;
use crate::error::Result;
use crate::series::SeriesRef;
use crate::time::stamp;
use headcount_config::{State, Thresholds};

/// The newest row of a target, whatever its outcome, and how old it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Latest {
    /// The target's name.
    pub target: String,
    /// The row's scheduled slot.
    pub ts: DateTime<FixedOffset>,
    /// `now − ts` in seconds (negative if the caller's clock is behind the collector's).
    pub age_seconds: i64,
    /// `ok`, or the kind of failure (`timeout`, `connect`, …, `skipped`).
    pub outcome: String,
    /// Agents available; `null` unless ok.
    pub available: Option<u32>,
    /// Agents logged in; `null` unless ok.
    pub logged_in: Option<u32>,
    /// 100 × available ÷ logged_in; `null` unless ok with someone logged in.
    pub available_pct: Option<f64>,
    /// 100 − available_pct.
    pub utilization_pct: Option<f64>,
    /// State of the counts; `null` unless ok.
    pub state: Option<State>,
}

/// The newest row of `target` (`None` before the first), its age at `now` and, when
/// ok, its state.
///
/// # Errors
///
/// [`crate::Error::Store`] when the database fails.
pub fn latest(
    reads: &impl Reads,
    target: SeriesRef<'_>,
    now: i64,
    tz: Tz,
    thresholds: &Thresholds,
) -> Result<Option<Latest>> {
    let Some(s) = reads.latest(target.id)? else {
        return Ok(None);
    };
    let counts = s.available.zip(s.logged_in);
    let available_pct =
        counts.and_then(|(a, l)| ratio(u64::from(a), u64::from(l)).map(|r| 100.0 * r));
    Ok(Some(Latest {
        target: target.name.to_owned(),
        ts: stamp(tz, s.ts),
        age_seconds: now - s.ts,
        outcome: s.outcome.as_str().to_owned(),
        available: s.available,
        logged_in: s.logged_in,
        available_pct,
        utilization_pct: available_pct.map(|p| 100.0 - p),
        state: counts.map(|(a, l)| thresholds.state(u64::from(a), u64::from(l))),
    }))
}
