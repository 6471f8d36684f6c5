//! Several targets side by side: one measure of each on one time axis, the buckets
//! and zone of [`crate::series`] (each target's line is its series' points).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use headcount_store::Reads;
use serde::Serialize;

use crate::error::{ParamError, Result};
use crate::series::{Point, SeriesQuery, SeriesRef, series};
use crate::time::Step;

/// The most targets one comparison takes.
pub const MAX_COMPARE: usize = 12;

/// What a comparison shows of each target, per bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Mean agents available.
    #[default]
    Available,
    /// Mean agents logged in.
    LoggedIn,
    /// 100 × Σ available ÷ Σ logged_in.
    AvailablePct,
    /// 100 − available_pct.
    UtilizationPct,
}

impl Measure {
    /// Every measure, in the order of their names.
    pub const ALL: [Measure; 4] = [
        Measure::Available,
        Measure::LoggedIn,
        Measure::AvailablePct,
        Measure::UtilizationPct,
    ];

    /// `available`, `logged_in`, `available_pct`, `utilization_pct`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Measure::Available => "available",
            Measure::LoggedIn => "logged_in",
            Measure::AvailablePct => "available_pct",
            Measure::UtilizationPct => "utilization_pct",
        }
    }

    /// This measure of one bucket; `None` where the bucket has no value.
    #[must_use]
    pub fn of(self, p: &Point) -> Option<f64> {
        match self {
            Measure::Available => p.available.map(|g| g.avg),
            Measure::LoggedIn => p.logged_in.map(|g| g.avg),
            Measure::AvailablePct => p.available_pct,
            Measure::UtilizationPct => p.utilization_pct,
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Measure {
    type Err = ParamError;

    fn from_str(s: &str) -> Result<Measure, ParamError> {
        Measure::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| {
                ParamError::new(
                    "measure",
                    format!(
                        "unknown measure {s:?}; expected available, logged_in, available_pct \
                         or utilization_pct"
                    ),
                )
            })
    }
}

/// Splits a `targets=a,b,c` list.
///
/// # Errors
///
/// A [`ParamError`] naming `targets` when it is empty, holds an empty or repeated
/// name, or more than [`MAX_COMPARE`] names.
pub fn split_targets(raw: &str) -> Result<Vec<&str>, ParamError> {
    let names: Vec<&str> = raw.split(',').map(str::trim).collect();
    if raw.trim().is_empty() {
        return Err(ParamError::new(
            "targets",
            "required: target names separated by commas, e.g. targets=sales,support",
        ));
    }
    if names.iter().any(|n| n.is_empty()) {
        return Err(ParamError::new("targets", "an empty name in the list"));
    }
    if names.len() > MAX_COMPARE {
        return Err(ParamError::new(
            "targets",
            format!(
                "{} targets given; at most {MAX_COMPARE} are compared at once",
                names.len()
            ),
        ));
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(ParamError::new("targets", format!("{n:?} is given twice")));
        }
    }
    Ok(names)
}

/// One measure of several targets over the same buckets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompareSeries {
    /// What the values are.
    pub measure: Measure,
    /// The IANA zone of the buckets.
    pub tz: String,
    /// The step used (`auto` resolved).
    pub step: Step,
    /// Start of the first bucket.
    pub from: DateTime<FixedOffset>,
    /// End of the last bucket.
    pub to: DateTime<FixedOffset>,
    /// The start of each bucket.
    pub starts: Vec<DateTime<FixedOffset>>,
    /// One line per target, in the order asked.
    pub lines: Vec<CompareLine>,
}

/// One target's values, one per bucket of [`CompareSeries::starts`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompareLine {
    /// The target's name.
    pub target: String,
    /// The measure per bucket; `null` where the bucket has no ok sample (or nobody
    /// logged in, for the percentages).
    pub values: Vec<Option<f64>>,
}

/// `measure` of each of `targets` over the buckets of `q`, as [`series`] makes them.
///
/// # Errors
///
/// As [`series`]; a [`ParamError`] naming `targets` for more than [`MAX_COMPARE`].
pub fn compare(
    reads: &impl Reads,
    targets: &[SeriesRef<'_>],
    measure: Measure,
    q: &SeriesQuery,
) -> Result<CompareSeries> {
    if targets.len() > MAX_COMPARE {
        return Err(ParamError::new(
            "targets",
            format!("at most {MAX_COMPARE} targets are compared at once"),
        )
        .into());
    }
    let step = q.step.resolve(q.from, q.to);
    let q = SeriesQuery { step, ..*q };
    let mut out: Option<CompareSeries> = None;
    for t in targets {
        let s = series(reads, *t, &q)?;
        let line = CompareLine {
            target: s.target.clone(),
            values: s.points.iter().map(|p| measure.of(p)).collect(),
        };
        out.get_or_insert_with(|| CompareSeries {
            measure,
            tz: s.tz.clone(),
            step: s.step,
            from: s.from,
            to: s.to,
            starts: s.points.iter().map(|p| p.start).collect(),
            lines: Vec::new(),
        })
        .lines
        .push(line);
    }
    Ok(out.unwrap_or_else(|| {
        let stamp = |t| crate::time::stamp(q.tz, t);
        CompareSeries {
            measure,
            tz: q.tz.name().to_owned(),
            step,
            from: stamp(q.from),
            to: stamp(q.to),
            starts: Vec::new(),
            lines: Vec::new(),
        }
    }))
}
