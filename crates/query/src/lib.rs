//! Analytics over headcount's stored history: bucketed series, reports (summary,
//! peak/off-peak, hour-of-day and weekday profiles, states, episodes, daily trend,
//! period comparison, forecast) and the latest snapshot of a target.
//!
//! Everything here is a pure function of what the store's [`Reads`] trait returns and
//! of the caller's `now`: no network, no clock, no SQL. Ranges of 15 minutes or
//! coarser are summed from the store's 15-minute [`Rollup`]s; percentiles and state
//! shares come from the rollups' exact distributions ([`headcount_store::Dist`]); raw
//! samples are read only for 1m and 5m series and for episodes (and for those only in
//! the 15-minute buckets whose distribution holds a warning-or-worse sample). Output
//! types serialize to the public JSON API (snake_case fields, timestamps as RFC 3339
//! with the requested zone's offset) and, with the `openapi` feature, describe
//! themselves to utoipa.
//!
//! Layout:
//! - `params`: [`Params`] — `from`, `to`, `tz`, `step`, `compare`, `horizon` as the
//!   web crate and `headcount report` take them, parsed into queries.
//! - `settings`: [`Settings`], [`Window`] — the `[report]` config: zone, peak window,
//!   thresholds.
//! - `state`: [`State`], [`Thresholds`] — how a sample or bucket is judged.
//! - `time`: [`Step`] — local-time buckets, DST and odd offsets.
//! - `series`: [`series`], [`series_raw`] — the timeline.
//! - `report`: [`report`], and [`report_profile`], [`report_trend`],
//!   [`report_forecast`] for one chart's sections alone (`episodes`, `trend`,
//!   `forecast` submodules).
//! - `latest`: [`latest`] — the newest snapshot and its age.
//! - `sla`: [`sla_report`] — SLA compliance per local day, week or month, error
//!   budget and projection (the rule is in the module doc).
//! - `readiness`: [`readiness`] — enough staff at a coming hour? From the forecast.
//! - `compare`: [`compare`] — one measure of up to 12 targets on one time axis.
//! - `agg`: sums, gauges, merged distributions, percentiles, state shares.
//! - `downtime`: [`Downtime`] — time between collector runs.
//! - `error`: [`Error`], [`ParamError`].
//!
//! # Where each rule is written
//!
//! Every number's meaning is written once, beside the code that computes it:
//! - what a sample, coverage, downtime, available_pct, a state, a gauge and a
//!   percentile are: `src/agg.rs` (states and thresholds themselves: [`State`]);
//! - local-time buckets, DST and `auto`: `src/time.rs`;
//! - the report's sections: `src/report/mod.rs`, with `episodes.rs`, `trend.rs` and
//!   `forecast.rs` beside it;
//! - SLA compliance, error budget and projection: `src/sla.rs`; readiness verdicts:
//!   `src/readiness.rs`; the parameters' forms: `src/params.rs`.

mod agg;
mod compare;
mod downtime;
mod error;
mod latest;
mod params;
mod readiness;
mod report;
mod series;
mod settings;
mod sla;
mod time;

pub use agg::{Gauge, Percentiles, StateShare, StateShares};
pub use compare::{CompareLine, CompareSeries, MAX_COMPARE, Measure, compare, split_targets};
pub use downtime::Downtime;
pub use error::{Error, ParamError, Result};
pub use headcount_config::{
    Period, SlaCondition, SlaConfig, State, Thresholds, Unknown, Window, WindowText,
};
pub use latest::{Latest, latest};
pub use params::{MAX_HORIZON, MAX_REPORT_DAYS, Params, Range, Span};
pub use readiness::{
    MAX_AHEAD_SECS, MIN_WEEKS, Need, Readiness, ReadinessParams, ReadinessQuery, Verdict, readiness,
};
pub use report::{
    Band, Change, Comparison, Episode, EpisodeEnd, Episodes, Forecast, ForecastHour, HeatmapRow,
    HourStats, PERCENTILES_SOURCE, PeakVsOffPeak, Profile, Report, ReportQuery, Side, Stats,
    Summary, Trend, TrendDay, TrendValues, report, report_forecast, report_profile, report_trend,
};
pub use series::{Point, Series, SeriesQuery, SeriesRef, series, series_bounds, series_raw};
pub use settings::Settings;
pub use sla::{
    BreachStretch, MAX_WORST, PeriodStatus, SlaParams, SlaPeriod, SlaQuery, SlaReport, sla_report,
};
pub use time::{MAX_BUCKETS, Step};

#[cfg(doc)]
use headcount_store::{Reads, Rollup};
