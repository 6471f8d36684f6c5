//! `headcount report`: a target's report in the terminal, or as JSON or CSV.
//!
//! The parameters are parsed by [`headcount_query::Params`], exactly as the web API
//! parses its query string, so both accept the same forms and name the same parameter
//! in their errors. This file only fetches (read-only) and presents.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use headcount_config::{Config, TargetConfig};
use headcount_query::{
    EpisodeEnd, HourStats, ParamError, Params, Percentiles, Report, Series, Side, State,
    StateShares, Summary, TrendValues,
};
use serde::Serialize;

use crate::fmt::{
    Table, count, duration, int, local, num, percent, signed, signed_count, signed_duration,
    signed_int, signed2, state,
};
use crate::usage;
use crate::util::{config_target, read_target};

/// Print a target's report as tables, JSON or CSV.
///
/// The report: summary, peak vs off-peak, hours of the day, states, episodes, daily
/// trend, comparison with an earlier period and forecast. Reads the database the config names, read-only, beside a running collector. The
/// range is `[--from, --to)`, by default the last 24 hours; times are shown in `--tz`,
/// by default the config's `[report] timezone`. Peak window and thresholds come from
/// `[report]`. The parameters take the same forms as the HTTP API's.
///
/// `--format table` (default) prints the report for a terminal; `json` prints
/// `{"report": ..., "series": ...}` with the series bucketed at `--step`; `csv`
/// prints that series, one row per bucket, with a header.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Times (--from, --to): RFC 3339 (2026-11-20T09:00:00-05:00), a local date \
(2026-11-20, midnight in --tz), a local date-time (\"2026-11-20 09:00\"), unix seconds, or now, \
now-24h, now-7d (units s, m, h, d, w).

Examples:
  headcount report --config headcount.toml --target sales
  headcount report -c headcount.toml --target sales --from now-7d --compare 1w
  headcount report -c headcount.toml --target sales --from 2026-11-01 --to 2026-12-01 \\
      --tz America/New_York --format json > november.json
  headcount report -c headcount.toml --target sales --from now-30d --step 1h \\
      --format csv > hourly.csv"
)]
pub struct Args {
    /// The config file: where the database is, the target's filters and `[report]`.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// The target to report on (a `[[target]]` name of the config).
    #[arg(long, value_name = "NAME")]
    pub target: String,
    /// Start of the range [default: 24 hours before --to].
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the range, exclusive [default: now].
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// IANA time zone of local days, hours and output [default: `[report] timezone`].
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Bucket width of the series in json and csv output: auto, 1m, 5m, 15m, 30m, 1h,
    /// 1d, 1w [default: auto].
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// How far back the comparison period lies, e.g. 24h, 7d, 1w [default: 7d].
    #[arg(long, value_name = "SPAN")]
    pub compare: Option<String>,
    /// Hours the forecast looks ahead, 0 to 168 (24, 48h, 7d) [default: 24].
    #[arg(long, value_name = "HOURS")]
    pub horizon: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Episodes listed in the table (the most recent); the totals count all.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub episodes: usize,
}

/// How the report is printed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for a terminal.
    Table,
    /// `{"report": ..., "series": ...}`, pretty-printed.
    Json,
    /// The series, one row per bucket.
    Csv,
}

/// Parses the parameters, reads the database and prints the report.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let target = config_target(&config, &args.config, &args.target)?.clone();
    let settings = headcount_query::Settings::from(&config);
    let params = Params {
        from: args.from.as_deref(),
        to: args.to.as_deref(),
        tz: args.tz.as_deref(),
        step: args.step.as_deref(),
        compare: args.compare.as_deref(),
        horizon: args.horizon.as_deref(),
    };
    let now = chrono::Utc::now().timestamp();
    // Both queries are parsed whatever the format, so a bad value is refused the same
    // way every time.
    let rq = params.report(&settings, now).map_err(param_error)?;
    let sq = params.series(&settings, now).map_err(param_error)?;
    let db = config.storage.path.clone();
    let (format, episodes) = (args.format, args.episodes);
    // One snapshot: the report and the series see the same rows.
    let text = read_target("report", db, target.clone(), move |reader, t, db| {
        let report = || headcount_query::report(reader, t, &rq).map_err(|e| query_error(e, db));
        let series = || headcount_query::series(reader, t, &sq).map_err(|e| query_error(e, db));
        Ok(match format {
            Format::Table => table(&report()?, &target, episodes),
            Format::Json => json(&report()?, &series()?)?,
            Format::Csv => csv(&series()?)?,
        })
    })
    .await?;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // `headcount report ... | head` is fine.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("stdout"),
    }
}

/// A bad parameter as the command line names it: `--from: ...`, exit code 2.
pub(crate) fn param_error(e: ParamError) -> anyhow::Error {
    usage(anyhow::anyhow!("--{}: {}", e.param, e.message))
}

/// A query's failure: a bad parameter is the user's (exit code 2), anything else the
/// database's, named.
pub(crate) fn query_error(e: headcount_query::Error, db: &Path) -> anyhow::Error {
    match e {
        headcount_query::Error::Param(p) => param_error(p),
        other => anyhow::Error::new(other).context(format!("database {}", db.display())),
    }
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    report: &'a Report,
    series: &'a Series,
}

fn json(report: &Report, series: &Series) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(&JsonOutput { report, series })?;
    s.push('\n');
    Ok(s)
}

/// The CSV header: one column per number of a series point.
const CSV_HEADER: [&str; 16] = [
    "start",
    "end",
    "samples",
    "failed",
    "coverage",
    "available_avg",
    "available_min",
    "available_max",
    "available_last",
    "logged_in_avg",
    "logged_in_min",
    "logged_in_max",
    "logged_in_last",
    "available_pct",
    "utilization_pct",
    "state",
];

/// The series as CSV: RFC 3339 times, full-precision numbers, empty fields for nulls.
fn csv(series: &Series) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let n = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    for p in &series.points {
        let (a, l) = (p.available.as_ref(), p.logged_in.as_ref());
        w.write_record([
            p.start.to_rfc3339(),
            p.end.to_rfc3339(),
            p.samples.to_string(),
            p.failed.to_string(),
            f(p.coverage),
            f(a.map(|g| g.avg)),
            n(a.map(|g| g.min)),
            n(a.map(|g| g.max)),
            n(a.map(|g| g.last)),
            f(l.map(|g| g.avg)),
            n(l.map(|g| g.min)),
            n(l.map(|g| g.max)),
            n(l.map(|g| g.last)),
            f(p.available_pct),
            f(p.utilization_pct),
            p.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    Ok(String::from_utf8(bytes)?)
}

// ---- the table -------------------------------------------------------------------

/// The whole report as aligned tables under headings.
fn table(r: &Report, target: &TargetConfig, episodes: usize) -> String {
    let mut out = String::new();
    let o = &mut out;
    let span = (r.to - r.from).num_seconds();
    let _ = writeln!(
        o,
        "Report for {:?} (filters {})",
        r.target,
        target.filters_json()
    );
    let _ = writeln!(
        o,
        "{} to {} {}, {}",
        r.from.format("%Y-%m-%d %H:%M %:z"),
        r.to.format("%Y-%m-%d %H:%M %:z"),
        r.tz,
        duration(span)
    );
    let th = &r.thresholds;
    let _ = writeln!(
        o,
        "States by available %: healthy > {h}, monitor {m}-{h}, warning {w}-{m}, critical < {w}",
        h = th.healthy(),
        m = th.monitor(),
        w = th.warning()
    );
    summary_section(o, &r.summary);
    peak_section(o, r);
    hours_section(o, &r.by_hour);
    states_section(o, &r.states);
    episodes_section(o, r, episodes);
    trend_section(o, r);
    comparison_section(o, r);
    forecast_section(o, r);
    out
}

fn heading(o: &mut String, title: &str) {
    let _ = write!(o, "\n{title}\n");
}

fn summary_section(o: &mut String, s: &Summary) {
    heading(o, "Summary");
    let mut t = Table::new("lr");
    t.row(["samples (ok)", &count(s.samples)]);
    t.row(["failed", &count(s.failed)]);
    t.row(["coverage %", &percent(s.coverage)]);
    t.row(["downtime", &duration(s.downtime_seconds)]);
    t.row(["available %", &num(s.available_pct)]);
    t.row(["utilization %", &num(s.utilization_pct)]);
    t.row(["state", &state(s.state)]);
    t.render(o);
    o.push('\n');
    let mut t = Table::new("lrrrrrr");
    t.header(["", "avg", "min", "max", "p5", "p50", "p95"]);
    let p = &s.available_percentiles;
    let gauge = |g: Option<headcount_query::Stats>| match g {
        Some(g) => [num(Some(g.avg)), g.min.to_string(), g.max.to_string()],
        None => ["-".into(), "-".into(), "-".into()],
    };
    let [avg, min, max] = gauge(s.available);
    t.row([
        "available",
        &avg,
        &min,
        &max,
        &int(p.p5),
        &int(p.p50),
        &int(p.p95),
    ]);
    let [avg, min, max] = gauge(s.logged_in);
    t.row(["logged in", &avg, &min, &max, "", "", ""]);
    t.render(o);
}

fn peak_section(o: &mut String, r: &Report) {
    let p = &r.peak;
    heading(
        o,
        &format!(
            "Peak vs off-peak (peak: {} {})",
            p.window.days.join(","),
            p.window.hours
        ),
    );
    let mut t = Table::new("lrr");
    t.header(["", "peak", "off-peak"]);
    let both = |f: &dyn Fn(&Side) -> String| [f(&p.peak), f(&p.off_peak)];
    let rows: [(&str, [String; 2]); 7] = [
        ("samples", both(&|s| count(s.samples))),
        ("available avg", both(&|s| num(s.available))),
        ("logged in avg", both(&|s| num(s.logged_in))),
        ("utilization %", both(&|s| num(s.utilization_pct))),
        ("available p5", both(&|s| int(s.available_percentiles.p5))),
        ("available p50", both(&|s| int(s.available_percentiles.p50))),
        ("available p95", both(&|s| int(s.available_percentiles.p95))),
    ];
    for (label, [a, b]) in rows {
        t.row([label, &a, &b]);
    }
    for st in State::ALL.iter().rev() {
        let share = |s: &Side| percent(s.states.get(*st).share);
        t.row([&format!("{st} %"), &share(&p.peak), &share(&p.off_peak)]);
    }
    t.render(o);
    o.push('\n');
    let hour = |h: &Option<HourStats>, what: &str| match h {
        Some(h) => format!(
            "{:02}:00-{:02}:00, utilization {}%, {} available of {} logged in ({what})",
            h.hour,
            (h.hour + 1) % 24,
            num(h.utilization_pct),
            num(h.available),
            num(h.logged_in)
        ),
        None => "-".to_owned(),
    };
    let _ = writeln!(
        o,
        "  busiest hour   {}",
        hour(&p.busiest_hour, "highest utilization")
    );
    let _ = writeln!(
        o,
        "  quietest hour  {}",
        hour(&p.quietest_hour, "fewest logged in")
    );
}

fn hours_section(o: &mut String, hours: &[HourStats]) {
    heading(o, "By hour of day");
    let mut t = Table::new("lrrrrl");
    t.header([
        "hour",
        "samples",
        "available",
        "logged in",
        "util %",
        "state",
    ]);
    for h in hours {
        t.row([
            &format!("{:02}:00", h.hour),
            &count(h.samples),
            &num(h.available),
            &num(h.logged_in),
            &num(h.utilization_pct),
            &state(h.state),
        ]);
    }
    t.render(o);
}

fn states_section(o: &mut String, s: &StateShares) {
    heading(o, "States (each ok sample by its own counts)");
    let mut t = Table::new("lrr");
    t.header(["state", "samples", "share %"]);
    for st in State::ALL.iter().rev() {
        let x = s.get(*st);
        t.row([st.as_str(), &count(x.count), &percent(x.share)]);
    }
    t.render(o);
}

fn episodes_section(o: &mut String, r: &Report, listed: usize) {
    let e = &r.episodes;
    heading(
        o,
        &format!(
            "Episodes (warning or worse): {} in all, {} in total",
            count(e.total),
            duration(e.total_seconds)
        ),
    );
    if e.from > r.from {
        let _ = writeln!(
            o,
            "  complete from {} (raw samples before it were pruned)",
            local(e.from)
        );
    }
    if e.list.is_empty() {
        let _ = writeln!(o, "  none");
        return;
    }
    let shown = &e.list[e.list.len().saturating_sub(listed)..];
    if (shown.len() as u64) < e.total {
        let _ = writeln!(
            o,
            "  the most recent {} of {} (--episodes N for more)",
            shown.len(),
            count(e.total)
        );
    }
    let mut t = Table::new("llrrlrl");
    t.header([
        "start",
        "end",
        "duration",
        "min available",
        "worst",
        "samples",
        "ended by",
    ]);
    for x in shown {
        t.row([
            &local(x.start),
            &local(x.end),
            &duration(x.duration_seconds),
            &x.min_available.to_string(),
            x.worst_state.as_str(),
            &count(x.samples),
            ended_by(x.ended_by),
        ]);
    }
    t.render(o);
}

fn ended_by(e: EpisodeEnd) -> &'static str {
    match e {
        EpisodeEnd::Recovered => "recovered",
        EpisodeEnd::Failure => "failed poll",
        EpisodeEnd::MissingData => "missing data",
        EpisodeEnd::EndOfData => "end of data",
        EpisodeEnd::RangeEnd => "range end",
    }
}

fn trend_section(o: &mut String, r: &Report) {
    heading(
        o,
        "Daily trend (7-day mean: of the day and the 6 before it)",
    );
    let mut t = Table::new("lrrrrrrrrrr");
    t.groups(&[
        ("", 2),
        ("day", 3),
        ("7-day mean", 3),
        ("week over week", 3),
    ]);
    t.header([
        "date", "samples", "avail", "logged", "util %", "avail", "logged", "util %", "avail",
        "logged", "util %",
    ]);
    for d in &r.trend.days {
        let (m, w) = (&d.moving_avg_7d, &d.week_over_week);
        t.row([
            &d.date.format("%Y-%m-%d %a").to_string(),
            &count(d.samples),
            &num(d.available),
            &num(d.logged_in),
            &num(d.utilization_pct),
            &num(m.available),
            &num(m.logged_in),
            &num(m.utilization_pct),
            &signed(w.available),
            &signed(w.logged_in),
            &signed(w.utilization_pct),
        ]);
    }
    t.render(o);
    let s: &TrendValues = &r.trend.slope_per_day;
    let _ = writeln!(
        o,
        "  slope per day: available {}, logged in {}, utilization {} points",
        signed2(s.available),
        signed2(s.logged_in),
        signed2(s.utilization_pct)
    );
}

fn comparison_section(o: &mut String, r: &Report) {
    let c = &r.comparison;
    heading(
        o,
        &format!(
            "Compared with {} earlier ({} to {})",
            c.shift,
            local(c.previous.from),
            local(c.previous.to)
        ),
    );
    let (cur, prev, ch) = (&c.current, &c.previous, &c.change);
    let mut t = Table::new("lrrr");
    t.header(["", "current", "previous", "change"]);
    let avg =
        |s: &Summary, g: fn(&Summary) -> Option<headcount_query::Stats>| num(g(s).map(|x| x.avg));
    let pcts = |s: &Summary, f: fn(&Percentiles) -> Option<u32>| int(f(&s.available_percentiles));
    let rows: [[String; 4]; 10] = [
        [
            "samples".into(),
            count(cur.samples),
            count(prev.samples),
            signed_count(ch.samples),
        ],
        [
            "coverage %".into(),
            percent(cur.coverage),
            percent(prev.coverage),
            signed(ch.coverage.map(|c| c * 100.0)),
        ],
        [
            "downtime".into(),
            duration(cur.downtime_seconds),
            duration(prev.downtime_seconds),
            signed_duration(ch.downtime_seconds),
        ],
        [
            "available avg".into(),
            avg(cur, |s| s.available),
            avg(prev, |s| s.available),
            signed(ch.available_avg),
        ],
        [
            "logged in avg".into(),
            avg(cur, |s| s.logged_in),
            avg(prev, |s| s.logged_in),
            signed(ch.logged_in_avg),
        ],
        [
            "available %".into(),
            num(cur.available_pct),
            num(prev.available_pct),
            signed(ch.available_pct),
        ],
        [
            "utilization %".into(),
            num(cur.utilization_pct),
            num(prev.utilization_pct),
            signed(ch.utilization_pct),
        ],
        [
            "available p5".into(),
            pcts(cur, |p| p.p5),
            pcts(prev, |p| p.p5),
            signed_int(ch.available_p5),
        ],
        [
            "available p50".into(),
            pcts(cur, |p| p.p50),
            pcts(prev, |p| p.p50),
            signed_int(ch.available_p50),
        ],
        [
            "available p95".into(),
            pcts(cur, |p| p.p95),
            pcts(prev, |p| p.p95),
            signed_int(ch.available_p95),
        ],
    ];
    for row in &rows {
        t.row(row.each_ref().map(String::as_str));
    }
    t.row(["state", &state(cur.state), &state(prev.state), ""]);
    t.render(o);
}

fn forecast_section(o: &mut String, r: &Report) {
    let f = &r.forecast;
    heading(
        o,
        &format!(
            "Forecast: the next {} hours, each from the same hour of the last {} weeks \
             (mean, lowest-highest week)",
            f.hours.len(),
            f.lookback_weeks
        ),
    );
    if f.hours.is_empty() {
        let _ = writeln!(o, "  none (--horizon 0)");
        return;
    }
    let mut t = Table::new("lrrrr");
    t.header(["hour", "weeks", "available", "logged in", "util %"]);
    let band = |b: Option<headcount_query::Band>| match b {
        Some(b) => format!(
            "{} ({}-{})",
            num(Some(b.mean)),
            num(Some(b.low)),
            num(Some(b.high))
        ),
        None => "-".to_owned(),
    };
    for h in &f.hours {
        t.row([
            &local(h.start),
            &h.weeks_used.to_string(),
            &band(h.available),
            &band(h.logged_in),
            &band(h.utilization_pct),
        ]);
    }
    t.render(o);
}
