//! Launch readiness: will a target have enough agents available at a time in the
//! coming week?
//!
//! The answer is the report's forecast ([`crate::report_forecast`]) for the local hour
//! holding `at`, from the same hour of the week in the last 4 weeks, using only hours
//! before the current one: the mean and the lowest and highest of the weeks used.
//! Against the need (`available >= N`, or `available_pct >= X`, where a week's
//! available percentage is 100 − its utilization):
//! - **unknown** when fewer than [`MIN_WEEKS`] weeks had that hour with at least 50%
//!   coverage: one week is an anecdote, none is no history, and neither is guessed;
//! - **ready** when the lowest week reached the need;
//! - **not_ready** when even the highest week fell short;
//! - **at_risk** otherwise: the band crosses the need.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use headcount_store::Reads;
use serde::Serialize;

use crate::error::{ParamError, Result};
use crate::latest::{Latest, latest};
use crate::params::{Span, given, parse_time};
use crate::report::{Band, ForecastHour, ReportQuery, report_forecast};
use crate::series::SeriesRef;
use crate::settings::Settings;
use crate::time::{Step, bounds, local, stamp};

/// Fewest weeks of history a verdict other than `unknown` rests on.
pub const MIN_WEEKS: u32 = 2;

/// How far ahead readiness may be asked: 7 days.
pub const MAX_AHEAD_SECS: i64 = 7 * 86_400;

/// What must be available.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "measure", content = "value")]
pub enum Need {
    /// At least this many agents available.
    Available(u32),
    /// At least this percent of the logged-in agents available.
    AvailablePct(f64),
}

/// What [`readiness`] answers: parsed by [`ReadinessParams::query`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadinessQuery {
    /// The launch time, UTC unix seconds, from `now` to 7 days after.
    pub at: i64,
    /// What must be available then.
    pub need: Need,
    /// The zone of local hours and output.
    pub tz: Tz,
    /// The time of the question.
    pub now: i64,
}

/// The raw text of the readiness parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadinessParams<'a> {
    /// `at`: the launch time, the forms of `from` (`2026-12-03T09:00`, `now+2d`).
    pub at: Option<&'a str>,
    /// `need`: agents available, a whole number.
    pub need: Option<&'a str>,
    /// `need_pct`: percent of logged-in agents available, 0 to 100.
    pub need_pct: Option<&'a str>,
}

impl ReadinessParams<'_> {
    /// The names read.
    pub const NAMES: [&'static str; 3] = ["at", "need", "need_pct"];

    /// The query, local times read in the settings' zone.
    ///
    /// # Errors
    ///
    /// A [`ParamError`] naming `at` when missing, malformed, in the past or more than
    /// 7 days ahead; `need` when neither or both of `need` and `need_pct` are given or
    /// `need` is not a whole number; `need_pct` when it is not a percent.
    pub fn query(&self, settings: &Settings, now: i64) -> Result<ReadinessQuery, ParamError> {
        let tz = settings.tz;
        let Some(at_raw) = given(self.at) else {
            return Err(ParamError::new(
                "at",
                "required: the launch time, e.g. 2026-12-03T09:00 or now+2d",
            ));
        };
        let at = parse_time("at", at_raw, tz, now)?;
        if at < now {
            return Err(ParamError::new(
                "at",
                format!("{at_raw:?} is in the past; readiness looks at the next 7 days"),
            ));
        }
        if at > now + MAX_AHEAD_SECS {
            return Err(ParamError::new(
                "at",
                format!(
                    "{at_raw:?} is more than 7 days ahead; the forecast covers the next 7 days"
                ),
            ));
        }
        let need = match (given(self.need), given(self.need_pct)) {
            (Some(n), None) => Need::Available(n.trim().parse::<u32>().map_err(|_| {
                ParamError::new(
                    "need",
                    format!("expected a whole number of agents; got {n:?}"),
                )
            })?),
            (None, Some(p)) => match p.trim().parse::<f64>() {
                Ok(v) if (0.0..=100.0).contains(&v) => Need::AvailablePct(v),
                _ => {
                    return Err(ParamError::new(
                        "need_pct",
                        format!("expected a percent from 0 to 100; got {p:?}"),
                    ));
                }
            },
            (Some(_), Some(_)) => {
                return Err(ParamError::new(
                    "need",
                    "give need (agents) or need_pct (percent), not both",
                ));
            }
            (None, None) => {
                return Err(ParamError::new(
                    "need",
                    "required: need (agents available) or need_pct (percent available)",
                ));
            }
        };
        Ok(ReadinessQuery { at, need, tz, now })
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// The target's name.
    pub target: String,
    /// The IANA zone of the hour.
    pub tz: String,
    /// The launch time asked about.
    pub at: DateTime<FixedOffset>,
    /// What must be available.
    pub need: Need,
    /// `ready`, `at_risk`, `not_ready` or `unknown`.
    pub verdict: Verdict,
    /// The verdict in words, with the numbers it rests on.
    pub reason: String,
    /// The forecast of the local hour holding `at`: mean and low–high of the weeks
    /// used, and how many.
    pub forecast: Option<ForecastHour>,
    /// The forecast of the needed measure (available, or available percent).
    pub expected: Option<Band>,
    /// The newest sample, whatever its outcome.
    pub latest: Option<Latest>,
}

/// Whether the need will be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every week used reached the need.
    Ready,
    /// Some weeks used reached it, some did not.
    AtRisk,
    /// No week used reached it.
    NotReady,
    /// Fewer than 2 weeks of history at that hour.
    Unknown,
}

impl Verdict {
    /// The snake_case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::AtRisk => "at_risk",
            Verdict::NotReady => "not_ready",
            Verdict::Unknown => "unknown",
        }
    }
}

/// Whether `target` will have what `q` needs at `q.at`; see the module doc.
///
/// # Errors
///
/// [`crate::Error::Store`] when the database fails.
pub fn readiness(
    reads: &impl Reads,
    target: SeriesRef<'_>,
    settings: &Settings,
    q: &ReadinessQuery,
) -> Result<Readiness> {
    let tz = q.tz;
    // Hours from the one holding `now` to the one holding `at`.
    let hours = bounds(tz, Step::Hour, q.now, q.at + 1, usize::MAX)
        .unwrap_or_else(|| vec![q.now, q.at + 1]);
    let h0 = hours[0];
    let horizon = u32::try_from(hours.len() - 1).unwrap_or(u32::MAX);
    let rq = ReportQuery {
        from: h0 - headcount_store::BUCKET_SECS,
        to: h0,
        tz,
        compare: Span::DEFAULT_COMPARE,
        horizon,
        peak: settings.peak,
        thresholds: settings.thresholds,
        now: q.now,
    };
    let fc = report_forecast(reads, target, &rq)?;
    let at_hour = hours[hours.len() - 2];
    let hour = fc
        .hours
        .into_iter()
        .find(|h| h.start.timestamp() == at_hour);
    let expected = hour.as_ref().and_then(|h| match q.need {
        Need::Available(_) => h.available,
        Need::AvailablePct(_) => h.utilization_pct.map(|u| Band {
            mean: 100.0 - u.mean,
            low: 100.0 - u.high,
            high: 100.0 - u.low,
        }),
    });
    let weeks = hour.as_ref().map_or(0, |h| h.weeks_used);
    let label = local(tz, at_hour).format("%a %H:00").to_string();
    let (need, unit) = match q.need {
        Need::Available(n) => (f64::from(n), " available"),
        Need::AvailablePct(p) => (p, "% available"),
    };
    let num = |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    let (verdict, reason) = match expected {
        Some(b) if weeks >= MIN_WEEKS => {
            let band = format!(
                "hourly means over the last {weeks} weeks at {label}: mean {}, lowest {}, \
                 highest {}{unit}; within an hour availability moves around its mean",
                num(b.mean),
                num(b.low),
                num(b.high)
            );
            if b.low >= need {
                (
                    Verdict::Ready,
                    format!(
                        "every week's hourly mean reached the {}{unit} needed ({band})",
                        num(need)
                    ),
                )
            } else if b.high < need {
                (
                    Verdict::NotReady,
                    format!(
                        "no week's hourly mean reached the {}{unit} needed ({band})",
                        num(need)
                    ),
                )
            } else {
                (
                    Verdict::AtRisk,
                    format!(
                        "the weeks' range crosses the {}{unit} needed ({band})",
                        num(need)
                    ),
                )
            }
        }
        None if weeks >= MIN_WEEKS => (
            Verdict::Unknown,
            format!(
                "no percentage to judge: nobody was logged in at {label} in the {weeks} weeks \
                 with data, so a share of logged-in agents has no value; ask with need instead"
            ),
        ),
        _ => (
            Verdict::Unknown,
            format!(
                "not enough history: {weeks} of the last 4 weeks had {label} with at least \
                 50% coverage, and a verdict needs {MIN_WEEKS}"
            ),
        ),
    };
    let latest = latest(reads, target, q.now, tz, &settings.thresholds)?;
    Ok(Readiness {
        target: target.name.to_owned(),
        tz: tz.name().to_owned(),
        at: stamp(tz, q.at),
        need: q.need,
        verdict,
        reason,
        forecast: hour,
        expected,
        latest,
    })
}
