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
//! - `settings`: [`Settings`], [`Peak`] — the `[report]` config: zone, peak window,
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
//! # What the numbers mean
//!
//! - **Sample**: one poll at one scheduled slot; `ok` with counts, or failed (a gap
//!   with its reason, never a zero). Skipped slots count as failed.
//! - **samples** / **failed**: ok rows and failed rows of a bucket or period.
//! - **coverage** = ok ÷ (ok + failed) rows; `null` without rows. The collector
//!   writes a row for every scheduled slot while it runs, so rows are the slots it
//!   saw; time it did not run is **downtime**, not failure.
//! - **downtime**: from a collector run's stop (its last heartbeat when it died) to
//!   the next run's start, and after the last run when it has stopped, clipped to the
//!   range: from the start of its first bucket to the requested end, unsnapped (a
//!   range ending `now` counts no time to come). Nothing before the first run ever
//!   counts (imported history has no runs). Nothing after the query's `now` ever
//!   counts. A run still marked running counts as up while its last heartbeat is at
//!   most [`headcount_store::RUN_STALE_AFTER_SECS`] before `now`; after that it
//!   counts as stopped at that heartbeat (its collector died and nothing restarted
//!   it), as it would once a later run marks it unclean.
//! - **available_pct** = 100 × Σ available ÷ Σ logged_in over the ok samples: a ratio
//!   of sums, weighted by agent-time, not a mean of per-sample ratios; `null` when
//!   Σ logged_in is 0. **utilization_pct** = 100 − available_pct.
//! - **state** of (available a, logged_in l), thresholds healthy H, monitor M,
//!   warning W (default 20, 10, 5): `no_agents` if l = 0; `unavailable` if a = 0;
//!   else with p = 100·a/l, compared exactly in integers: `critical` p < W,
//!   `warning` W ≤ p < M, `monitor` M ≤ p ≤ H, `healthy` p > H. So 5 of 100 is
//!   warning, 10 and 20 of 100 are monitor, 40 of 40 is healthy. A bucket's or
//!   period's state uses its Σa and Σl; state *shares* classify every ok sample by its
//!   own counts.
//! - **Gauges** `available` and `logged_in` of a bucket: `avg` (Σ ÷ ok), `min`, `max`,
//!   `last` (the ok sample with the latest slot); `null` without ok samples. Gaps are
//!   reported, never filled in.
//! - **Percentiles** (p5, p50, p95 of available): nearest rank over every ok sample of
//!   the period — the smallest value v such that at least ⌈p·n/100⌉ samples are ≤ v.
//!   Exact: the rollup distributions hold every sample's pair.
//!
//! # Buckets and time zones
//!
//! Steps are `1m`, `5m`, `15m`, `30m`, `1h`, `1d`, `1w` and `auto` (the step whose
//! bucket count over the range is closest to 600 by ratio, never above 11,000; a
//! request for more than 11,000 buckets is refused naming `step`). A range starting
//! more than [`Settings::raw_retention`] before `now` has only 15-minute rollups:
//! there `auto` picks among 15m and coarser, and `1m` or `5m` is refused naming
//! `step`, with the retention and the way out. Buckets align to local time in the
//! requested IANA zone:
//! - Sub-day buckets start where the local clock shows a multiple of the step. Across
//!   a fall-back there are two 01:00 hour buckets of 60 minutes each; across a
//!   spring-forward the 01:00 bucket is followed by 03:00. Where a change of offset
//!   makes the clock skip the multiple (half-hour DST, as on Lord Howe), the bucket
//!   starts at the change instead; where it repeats part of a bucket without showing
//!   the multiple, that bucket is longer (90 minutes).
//! - `1d` runs local midnight to local midnight (23 or 25 hours across DST; where
//!   midnight does not exist, as in Cairo's spring-forward, from the first instant
//!   after it; where it occurs twice, from the first). `1w` starts Monday at that
//!   local midnight.
//! - Every offset in use today is a multiple of 15 minutes (Asia/Kolkata +5:30 and
//!   Asia/Kathmandu +5:45 included), so a bucket of 15 minutes or more is an exact
//!   union of 15-minute rollups. For historical offsets that are not (local mean
//!   time, Monrovia's −0:44:30 until 1972), bucket boundaries are snapped down to
//!   the UTC 15-minute grid (1m and 5m buckets to their own grid), for both the
//!   rollup and the raw path, so both agree.
//! - A series covers the whole buckets that intersect `[from, to)` and echoes that
//!   span. Steps of 15 minutes and more come from rollups, 1m and 5m from raw samples
//!   (empty where retention pruned them).
//!
//! # The report
//!
//! Over `[from, to)` snapped outward to the 15-minute grid (echoed as `from`, `to`):
//! - **summary**: counts, coverage, downtime seconds, gauges' avg/min/max,
//!   available_pct, utilization_pct, state, p5/p50/p95 of available and
//!   `percentiles_source`.
//! - **peak**: a local instant is peak when its weekday is configured and its time of
//!   day is in the window (start inclusive, end exclusive; `22:00-06:00` wraps
//!   midnight: the time of day decides, with the instant's own weekday). Window
//!   minutes are multiples of 15, so each rollup is wholly on one side (judged by its
//!   start). Each side: mean available, mean logged in, utilization (ratio of sums),
//!   percentiles, state shares. Also the **busiest hour** of the day (highest
//!   utilization over the range) and the **quietest** (lowest mean logged in), the
//!   earliest hour on a tie.
//! - **by_hour**: the 24 local hours of the day; **heatmap**: weekday (Monday first) ×
//!   hour; each with mean available, mean logged in, utilization, samples and state. A
//!   rollup belongs to the hour its start shows, so both 01:00 hours of a fall-back
//!   count as hour 1.
//! - **states**: count and share of ok samples in each state.
//! - **episodes**: maximal runs of consecutive ok samples in `warning`, `critical` or
//!   `unavailable` (`no_agents` is not an episode: nobody is scheduled, and such a
//!   sample ends one). A failed row ends an episode, and so does missing data: rows
//!   further apart than twice the median spacing of rows (the lower median, over the
//!   stretch of alert buckets read; across all stretches when one has a single row).
//!   `start` is the first sample; `end` the next row after the run, or the last
//!   sample plus the median spacing when the data has a gap or stops; `ended_by`
//!   says which. Episodes are those of the range's samples: one running on past
//!   `to` ends at the next row after it (`range_end`), one begun before `from` starts
//!   at the first sample in range. Where retention pruned raw samples, episodes are
//!   reported from the oldest one kept (`episodes.from`). The list holds the most
//!   recent 100 in chronological order; `total` and `total_seconds` count all.
//! - **trend**: every local day intersecting the range, whole (like a `1d` series, so
//!   its days may reach outside the range): samples, coverage, mean available, mean
//!   logged in, utilization; a trailing 7-day moving average of each (the unweighted
//!   mean of the daily values over the days with data among the day and the 6 before
//!   it, before the range included); the change against the same weekday 7 days
//!   earlier; and the least-squares slope per day of each over the range's days with
//!   data (`null` with fewer than 2).
//! - **comparison**: the range against the same range moved back by `compare`
//!   (default `7d`; days and weeks are local calendar days, so a week back is the
//!   same local time of day across DST; s, m, h are exact): both periods' summaries
//!   and `current − previous` of each number.
//! - **forecast**: for each of `horizon` hours (default 24, at most 168) from the
//!   first whole local hour at or after `to`: the mean, lowest and highest, over
//!   those of the last 4 weeks whose same local hour of the week had at least 50%
//!   coverage, of that hour's mean available, mean logged in and utilization, and
//!   `weeks_used`. The 50% rule, exactly: the lookback is every local hour from 4
//!   weeks before the first forecast hour up to it, with only data before `to`
//!   (snapped up to the quarter hour); `typical_slots_per_hour` is the median (the
//!   mean of the middle two for an even count) of rows (ok + failed) over the
//!   lookback hours that have any row; a week's hour is used when its ok samples
//!   are at least 1 and `2 × ok ≥ typical_slots_per_hour`. Coverage is so measured
//!   against the target's usual number of polls an hour, not against the hour's own
//!   rows: an hour cut short by downtime (few rows, all ok) or full of failed polls
//!   (many rows, few ok) falls below it. A week below 50% is left out: it adds
//!   nothing to the mean or band and is not counted in `weeks_used`; when no week of
//!   an hour reaches 50% (or the lookback has no rows at all), that hour has
//!   `weeks_used` 0 and `null` values — never a guess from fewer samples. The same
//!   hour of an earlier week is the same local wall-clock time 7, 14, 21 or 28
//!   local days back: a week whose clock skipped it (spring-forward) has none; where
//!   it occurs twice, the first is used.
//!
//! # Parameters
//!
//! See [`Params`]: `from`/`to` take RFC 3339, a local date (`2026-11-20`, the start
//! of that day in `tz`), a local date-time without offset, unix seconds (fractions
//! allowed) or milliseconds (13 digits, as Grafana sends), or `now`
//! with an optional `-N` / `+N` of `s`, `m`, `h`, `d`, `w` (exact seconds: `now-7d` is
//! 168 hours ago); default the last 24 hours. Empty values count as absent. A report
//! covers at most [`MAX_REPORT_DAYS`] (731) days. Every bad value is a [`ParamError`]
//! naming the parameter and saying what is accepted.

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
    Condition, Period, SlaConfig, State, Thresholds, Unknown, Window, WindowText,
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
