//! The forecast: each coming hour from the same hour of the week in the last 4 weeks.
//!
//! # The rule
//!
//! For each of `horizon` hours (default 24, at most 168) from the
//! first whole local hour at or after `to`: the mean, lowest and highest, over
//! those of the last 4 weeks whose same local hour of the week had at least 50%
//! coverage, of that hour's mean available, mean logged in and utilization, and
//! `weeks_used`. The 50% rule, exactly: the lookback is every local hour from 4
//! weeks before the first forecast hour up to it, with only data before `to`
//! (snapped up to the quarter hour); `typical_slots_per_hour` is the median (the
//! mean of the middle two for an even count) of rows (ok + failed) over the
//! lookback hours that have any row; a week's hour is used when its ok samples
//! are at least 1 and `2 × ok ≥ typical_slots_per_hour`. Coverage is so measured
//! against the target's usual number of polls an hour, not against the hour's own
//! rows: an hour cut short by downtime (few rows, all ok) or full of failed polls
//! (many rows, few ok) falls below it. A week below 50% is left out: it adds
//! nothing to the mean or band and is not counted in `weeks_used`; when no week of
//! an hour reaches 50% (or the lookback has no rows at all), that hour has
//! `weeks_used` 0 and `null` values — never a guess from fewer samples. The same
//! hour of an earlier week is the same local wall-clock time 7, 14, 21 or 28
//! local days back: a week whose clock skipped it (spring-forward) has none; where
//! it occurs twice, the first is used.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use serde::Serialize;

use crate::agg::Acc;
use crate::time::{bucket_index, exists, instant_of, local, stamp};

/// Weeks looked back.
pub const LOOKBACK_WEEKS: u32 = 4;

/// The coming hours, each from the same local hour of the week in the last 4 weeks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forecast {
    /// Weeks looked back (4).
    pub lookback_weeks: u32,
    /// The target's typical rows (ok + failed) per hour: the median over the hours of
    /// the lookback that have rows. A past hour counts when its ok samples are at
    /// least half of this; `null` without any rows.
    pub typical_slots_per_hour: Option<f64>,
    /// One entry per hour from the first whole local hour at or after the range's end.
    pub hours: Vec<ForecastHour>,
}

/// One coming hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastHour {
    /// Start of the hour.
    pub start: DateTime<FixedOffset>,
    /// How many of the last 4 weeks had that hour with at least 50% coverage: at
    /// least one ok sample and ok samples ≥ half of
    /// [`Forecast::typical_slots_per_hour`]. The others are left out of the bands.
    pub weeks_used: u32,
    /// Mean available of those weeks' hours.
    pub available: Option<Band>,
    /// Mean logged in.
    pub logged_in: Option<Band>,
    /// Utilization (ratio of sums within each week's hour).
    pub utilization_pct: Option<Band>,
}

/// A forecast value: the mean of the weeks used, and the lowest and highest of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Band {
    /// Mean over the weeks used.
    pub mean: f64,
    /// The lowest week.
    pub low: f64,
    /// The highest week.
    pub high: f64,
}

impl Band {
    fn of(values: &[f64]) -> Option<Band> {
        let first = *values.first()?;
        let (low, high) = values
            .iter()
            .fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        Some(Band {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            low,
            high,
        })
    }
}

/// `hours`: hour bounds from 4 weeks before the first forecast hour (index `first`)
/// to past the last; `accs`: sums of the rollups before the range's end per hour.
pub(crate) fn forecast(
    tz: Tz,
    hours: &[i64],
    first: usize,
    horizon: u32,
    accs: &[Acc],
) -> Forecast {
    let past = &accs[..first.min(accs.len())];
    let typical = median(past.iter().map(Acc::rows).filter(|&r| r > 0).collect());
    let out = (0..horizon as usize)
        .filter_map(|j| {
            hours
                .get(first + j)
                .copied()
                .filter(|_| first + j + 1 < hours.len())
        })
        .map(|start| {
            let label = local(tz, start);
            let weeks: Vec<&Acc> = (1..=u64::from(LOOKBACK_WEEKS))
                .filter_map(|k| {
                    let then = label - chrono::Days::new(7 * k);
                    // An hour the clock skipped that week has no data of its own.
                    if !exists(tz, then) {
                        return None;
                    }
                    let i = bucket_index(hours, instant_of(tz, then))?;
                    let acc = past.get(i)?;
                    let typical = typical?;
                    (acc.ok > 0 && 2.0 * acc.ok as f64 >= typical).then_some(acc)
                })
                .collect();
            let values = |f: fn(&Acc) -> Option<f64>| -> Vec<f64> {
                weeks.iter().filter_map(|a| f(a)).collect()
            };
            ForecastHour {
                start: stamp(tz, start),
                weeks_used: weeks.len() as u32,
                available: Band::of(&values(Acc::mean_available)),
                logged_in: Band::of(&values(Acc::mean_logged_in)),
                utilization_pct: Band::of(&values(Acc::utilization_pct)),
            }
        })
        .collect();
    Forecast {
        lookback_weeks: LOOKBACK_WEEKS,
        typical_slots_per_hour: typical,
        hours: out,
    }
}

/// The median (the mean of the middle two for an even count); `None` when empty.
pub(crate) fn median(mut v: Vec<u64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_band_by_hand() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3, 1, 2]), Some(2.0));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2.5));
        assert_eq!(
            Band::of(&[3.0, 1.0, 2.0]),
            Some(Band {
                mean: 2.0,
                low: 1.0,
                high: 3.0
            })
        );
        assert_eq!(Band::of(&[]), None);
    }

    /// An hour of `ok` samples at 10 of 40 and `failed` failed polls.
    fn hour(ok: u64, failed: u64) -> Acc {
        use headcount_store::{Outcome, Sample, TargetId};
        let mut acc = Acc::default();
        for i in 0..ok {
            acc.add_sample(&Sample::ok(TargetId(1), i as i64 * 60, 10, 40, None));
        }
        for i in 0..failed {
            acc.add_sample(&Sample::failed(
                TargetId(1),
                i as i64 * 60,
                Outcome::Timeout,
                None,
            ));
        }
        acc
    }

    #[test]
    fn coverage_is_ok_samples_against_the_typical_hour_and_weeks_below_half_are_left_out() {
        // Four weeks of hours before the first forecast hour (2026-06-01T00:00Z), each
        // of 60 ok rows, so the typical hour has 60 rows.
        let t0 = 1_780_272_000 - 4 * 7 * 86_400;
        let n_past = 4 * 168;
        let hours: Vec<i64> = (0..n_past + 3).map(|i| t0 + i * 3600).collect();
        let first = n_past as usize;
        let mut accs: Vec<Acc> = (0..n_past).map(|_| hour(60, 0)).collect();
        // The first forecast hour, 1 … 4 weeks back: 29 ok of 60 rows (failed polls
        // count as rows but not as coverage: 48%, out); 30 ok of 60 rows (50%, in);
        // 30 ok alone, the rest downtime (50% of the typical 60, in); 10 ok (out).
        for (k, acc) in [
            (1, hour(29, 31)),
            (2, hour(30, 30)),
            (3, hour(30, 0)),
            (4, hour(10, 0)),
        ] {
            accs[first - 168 * k] = acc;
        }
        // The next hour: no week has any ok sample.
        for k in 1..=4 {
            accs[first + 1 - 168 * k] = hour(0, 60);
        }
        let fc = forecast(Tz::UTC, &hours, first, 2, &accs);
        assert_eq!(fc.typical_slots_per_hour, Some(60.0));
        assert_eq!(fc.hours[0].weeks_used, 2);
        assert_eq!(fc.hours[0].available.unwrap().mean, 10.0);
        assert_eq!(fc.hours[1].weeks_used, 0);
        assert_eq!(fc.hours[1].available, None);
        assert_eq!(fc.hours[1].utilization_pct, None);
    }
}
