//! The daily trend: per local day, with moving average, week-over-week and slope.
//!
//! # The rule
//!
//! Every local day intersecting the range, whole (like a `1d` series, so
//! its days may reach outside the range): samples, coverage, mean available, mean
//! logged in, utilization; a trailing 7-day moving average of each (the unweighted
//! mean of the daily values over the days with data among the day and the 6 before
//! it, before the range included); the change against the same weekday 7 days
//! earlier; and the least-squares slope per day of each over the range's days with
//! data (`null` with fewer than 2).

use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Tz;
use serde::Serialize;

use crate::agg::Acc;
use crate::time::{day_of, stamp};

/// Per local day of the range, and how the days move.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    /// Every local day intersecting the range, whole (as a `1d` series), in order.
    pub days: Vec<TrendDay>,
    /// Least-squares slope of each daily value against the day's number, per day;
    /// `null` with fewer than 2 days with data.
    pub slope_per_day: TrendValues,
}

/// One local day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendDay {
    /// The local date.
    pub date: NaiveDate,
    /// When the day starts (local midnight, or the first instant after it).
    pub start: DateTime<FixedOffset>,
    /// Ok samples.
    pub samples: u64,
    /// Failed polls and skipped slots.
    pub failed: u64,
    /// `samples ÷ (samples + failed)`.
    pub coverage: Option<f64>,
    /// Mean available.
    pub available: Option<f64>,
    /// Mean logged in.
    pub logged_in: Option<f64>,
    /// 100 − 100 × Σ available ÷ Σ logged_in.
    pub utilization_pct: Option<f64>,
    /// Unweighted mean of each value over the days with data among this day and the 6
    /// before it (days before the range included).
    pub moving_avg_7d: TrendValues,
    /// This day's value minus that of the same weekday 7 days earlier (utilization in
    /// percentage points); `null` where either day has no data.
    pub week_over_week: TrendValues,
}

/// Available, logged in and utilization: one number each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendValues {
    /// Agents available.
    pub available: Option<f64>,
    /// Agents logged in.
    pub logged_in: Option<f64>,
    /// Utilization percentage.
    pub utilization_pct: Option<f64>,
}

impl TrendValues {
    fn of(acc: &Acc) -> TrendValues {
        TrendValues {
            available: acc.mean_available(),
            logged_in: acc.mean_logged_in(),
            utilization_pct: acc.utilization_pct(),
        }
    }

    fn get(&self, i: usize) -> Option<f64> {
        [self.available, self.logged_in, self.utilization_pct][i]
    }

    fn from_fn(f: impl Fn(usize) -> Option<f64>) -> TrendValues {
        TrendValues {
            available: f(0),
            logged_in: f(1),
            utilization_pct: f(2),
        }
    }
}

/// `days`: day bounds starting a week before the range's first day; `accs` their sums.
pub(crate) fn trend(tz: Tz, days: &[i64], accs: &[Acc], from: i64, to: i64) -> Trend {
    let dates: Vec<NaiveDate> = days[..accs.len()].iter().map(|&d| day_of(tz, d)).collect();
    let values: Vec<TrendValues> = accs.iter().map(TrendValues::of).collect();
    let shown: Vec<usize> = (0..accs.len())
        .filter(|&i| days[i + 1] > from && days[i] < to)
        .collect();
    let out: Vec<TrendDay> = shown
        .iter()
        .map(|&i| {
            let window = i.saturating_sub(6)..=i;
            let week_ago = i
                .checked_sub(7)
                .filter(|&j| Some(dates[j]) == dates[i].checked_sub_days(chrono::Days::new(7)));
            TrendDay {
                date: dates[i],
                start: stamp(tz, days[i]),
                samples: accs[i].ok,
                failed: accs[i].failed,
                coverage: accs[i].coverage(),
                available: values[i].available,
                logged_in: values[i].logged_in,
                utilization_pct: values[i].utilization_pct,
                moving_avg_7d: TrendValues::from_fn(|k| {
                    mean(window.clone().filter_map(|j| values[j].get(k)))
                }),
                week_over_week: TrendValues::from_fn(|k| {
                    let now = values[i].get(k)?;
                    Some(now - values[week_ago?].get(k)?)
                }),
            }
        })
        .collect();
    let slope_per_day = TrendValues::from_fn(|k| {
        let first = shown.first().map(|&i| dates[i])?;
        let points: Vec<(f64, f64)> = shown
            .iter()
            .filter_map(|&i| {
                let x = (dates[i] - first).num_days() as f64;
                values[i].get(k).map(|y| (x, y))
            })
            .collect();
        slope(&points)
    });
    Trend {
        days: out,
        slope_per_day,
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

/// Least-squares slope of y against x; `None` with fewer than 2 distinct x.
pub(crate) fn slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_and_of_noise_by_hand() {
        assert_eq!(slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]), Some(2.0));
        // (0,0), (1,2), (2,1): x̄ = 1, ȳ = 1, Sxy = (-1)(-1) + 0 + (1)(0) = 1, Sxx = 2.
        assert_eq!(slope(&[(0.0, 0.0), (1.0, 2.0), (2.0, 1.0)]), Some(0.5));
        assert_eq!(slope(&[(0.0, 1.0)]), None);
        assert_eq!(slope(&[(3.0, 1.0), (3.0, 2.0)]), None);
    }
}
