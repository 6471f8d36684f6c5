//! `headcount bench`: measures this machine against every quality bar of design.md,
//! and exits with code 1 when one is missed.
//!
//! Each section measures one part and returns [`Figure`]s; [`run`] prints them beside
//! their bars, then one summary line ([`Verdict`]). The sections, in the order they run
//! (the `--section` names):
//! - `ingest` (`bench/ingest.rs`): `headcount import` of a CSV file, run as a child
//!   process and timed from spawn to exit; the in-process import; bytes on disk; the
//!   demo's seeding.
//! - `query` (`bench/query.rs`): the daily trend and the report, each beside plain
//!   SQL; the report of the noisy target.
//! - `chart` (`bench/chart.rs`): a 30-day timeline PNG.
//! - `planner` (`bench/planner.rs`): a 90-day SLA report; a 30-day series of 12
//!   targets side by side.
//! - `http` (`bench/http.rs`): `/latest` requests per second over loopback against a
//!   child `headcount serve`, from a load generator of its own (and wrk, if installed).
//! - `collector` (`bench/collector.rs`): a child `headcount collect` of 1,000 targets
//!   against the simulator served in-process: its ticks (from its JSON log) and its
//!   peak RSS.
//! - `export` (`bench/export.rs`): the year replayed over remote write into a local
//!   Prometheus (skipped without one).
//!
//! Shared by them: `bench/data.rs` (the histories, the shared database and the config
//! files) and `bench/child.rs` (this binary as a child process: spawn, signal, peak
//! RSS). Timings are medians of several runs after a warm-up, because the machine may
//! be busy with other work; the first line says how busy it was.

mod alerts;
mod chart;
mod child;
mod collector;
mod data;
mod export;
mod http;
mod ingest;
mod planner;
mod query;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::builder::PossibleValuesParser;
use headcount_store::{ImportRow, TargetId};

/// Measure this machine against every quality bar; exit 1 if one is missed.
///
/// Generates a year of one target polled every 15 s (2,102,400 samples; 30 days with
/// --quick) from the simulator's model, and a year of a noisy one (available drawn
/// afresh every sample); imports the first with `headcount import` and times it; times
/// the daily trend, the reports and a 30-day timeline chart over them; loads
/// `/api/v1/targets/sales/latest` over loopback; runs the collector with 1,000 targets
/// against the simulator. Prints each figure beside its bar, `ok` or `MISSED`, and a
/// summary line. Generating the data is not measured. Sections run in this order,
/// whatever order --section names them in: ingest, query, chart, planner, http, collector, export,
/// alerts;
/// those that read the history prepare it (unmeasured) when `ingest` does not run.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  cargo run --release -- bench
  headcount bench --quick
  headcount bench --section query,chart
  headcount bench --section http --section collector")]
pub struct Args {
    /// Measure 30 days instead of a year, and fewer collector ticks: faster, less
    /// precise.
    #[arg(long)]
    pub quick: bool,
    /// Run only this section (repeat it or separate names with commas) [default: all].
    #[arg(long = "section", value_name = "NAME", value_delimiter = ',', value_parser = section_names())]
    pub sections: Vec<String>,
}

/// A section: measures its part of the system, on a blocking thread.
type Section = fn(&mut Bench) -> anyhow::Result<Vec<Figure>>;

/// Every section, in the order they run.
const SECTIONS: &[(&str, Section)] = &[
    ("ingest", ingest::run),
    ("query", query::run),
    ("chart", chart::run),
    ("planner", planner::run),
    ("http", http::run),
    ("collector", collector::run),
    ("export", export::run),
    ("alerts", alerts::run),
];

fn section_names() -> PossibleValuesParser {
    PossibleValuesParser::new(SECTIONS.iter().map(|(name, _)| *name))
}

/// What the sections share.
pub struct Bench {
    /// What the run covers.
    pub scope: Scope,
    /// The history of the `sales` and `noisy` targets, once a section has prepared it
    /// (see [`Bench::database`]).
    pub db: Option<Db>,
    /// The runtime the bench runs on: sections that serve or load over HTTP block on it
    /// from their blocking thread.
    pub rt: tokio::runtime::Handle,
    /// Where sections write their files; removed at the end.
    pub dir: tempfile::TempDir,
    /// The `sales` history, generated once.
    history: Option<Vec<ImportRow>>,
}

/// A database in [`Bench::dir`] holding the scope's history of two targets.
pub struct Db {
    /// The database file.
    pub path: PathBuf,
    /// The series of `sales`: the simulator's campaign 111, every 15 s.
    pub target: TargetId,
    /// The series of `noisy`: the same logged-in agents, `available` drawn afresh
    /// every sample (the worst case for states and episodes).
    pub noisy: TargetId,
    /// The first sample's slot.
    pub from: i64,
    /// Past the last sample's slot.
    pub to: i64,
}

/// What a bench run covers.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// Days of history of one target.
    pub days: u32,
    /// Seconds between samples.
    pub step: i64,
    /// `--quick`: fewer repetitions where a section repeats.
    pub quick: bool,
}

impl Scope {
    /// Samples in the scope.
    pub fn samples(&self) -> u64 {
        u64::from(self.days) * 86_400 / self.step.unsigned_abs()
    }
}

/// A quality bar of the design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bar {
    /// The figure must be at least this.
    AtLeast(f64),
    /// The figure must be at most this.
    AtMost(f64),
}

impl Bar {
    fn met(self, value: f64) -> bool {
        match self {
            Bar::AtLeast(b) => value >= b,
            Bar::AtMost(b) => value <= b,
        }
    }

    fn text(self, unit: &str) -> String {
        match self {
            Bar::AtLeast(b) => format!("≥ {} {unit}", crate::fmt::figure(b)),
            Bar::AtMost(b) => format!("≤ {} {unit}", crate::fmt::figure(b)),
        }
    }
}

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// What was measured.
    pub what: String,
    /// The value.
    pub value: f64,
    /// Its unit, e.g. `samples/s`.
    pub unit: &'static str,
    /// The bar it is held to, if any.
    pub bar: Option<Bar>,
    /// Why it was not measured (a tool missing, say), if it was not.
    pub skipped: Option<String>,
}

impl Figure {
    /// A figure held to a bar.
    pub fn with_bar(what: impl Into<String>, value: f64, unit: &'static str, bar: Bar) -> Figure {
        Figure {
            what: what.into(),
            value,
            unit,
            bar: Some(bar),
            skipped: None,
        }
    }

    /// A figure shown for information.
    pub fn info(what: impl Into<String>, value: f64, unit: &'static str) -> Figure {
        Figure {
            what: what.into(),
            value,
            unit,
            bar: None,
            skipped: None,
        }
    }

    /// A figure that could not be measured here, and why: printed, never a failure.
    pub fn skipped(
        what: impl Into<String>,
        unit: &'static str,
        bar: Option<Bar>,
        why: impl Into<String>,
    ) -> Figure {
        Figure {
            what: what.into(),
            value: f64::NAN,
            unit,
            bar,
            skipped: Some(why.into()),
        }
    }
}

/// How a figure fares against its bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// No bar: information.
    Info,
    /// Not measured.
    Skipped,
    Ok,
    Missed,
}

/// The tally of a run: how many bars were met, which were missed or not measured, and
/// which sections failed; it decides the exit status.
#[derive(Debug, Default)]
struct Verdict {
    met: usize,
    /// The section of each bar missed.
    missed: Vec<String>,
    /// The section of each bar not measured.
    skipped: Vec<String>,
    /// The sections that failed before giving their figures.
    failed: Vec<String>,
}

impl Verdict {
    /// Counts `fig` of `section` and says how it fares.
    fn add(&mut self, section: &str, fig: &Figure) -> Mark {
        let Some(bar) = fig.bar else {
            return if fig.skipped.is_some() {
                Mark::Skipped
            } else {
                Mark::Info
            };
        };
        if fig.skipped.is_some() {
            self.skipped.push(section.to_owned());
            Mark::Skipped
        } else if bar.met(fig.value) {
            self.met += 1;
            Mark::Ok
        } else {
            // NaN meets no bar: a figure that could not be computed is a miss.
            self.missed.push(section.to_owned());
            Mark::Missed
        }
    }

    /// Records a section that failed: it measured nothing, so it fails the run.
    fn fail(&mut self, section: &str) {
        self.failed.push(section.to_owned());
    }

    /// Whether the run passes: no bar missed, no section failed. Bars not measured
    /// (a tool missing) do not fail it; the summary names them.
    fn passed(&self) -> bool {
        self.missed.is_empty() && self.failed.is_empty()
    }

    /// The last line of the output: the figures above say which and by how much.
    fn summary(&self) -> String {
        let measured = self.met + self.missed.len();
        let mut line = if self.missed.is_empty() {
            format!("every bar met ({measured} of {measured})")
        } else {
            format!(
                "{} of {measured} bars MISSED on this machine ({})",
                self.missed.len(),
                by_section(&self.missed)
            )
        };
        if !self.failed.is_empty() {
            line.push_str(&format!(
                "; {} section(s) failed ({})",
                self.failed.len(),
                by_section(&self.failed)
            ));
        }
        if !self.skipped.is_empty() {
            line.push_str(&format!(
                "; {} bar(s) not measured ({})",
                self.skipped.len(),
                by_section(&self.skipped)
            ));
        }
        line
    }
}

/// Section names in order of first appearance, each with its count when more than one:
/// `query 2, chart`.
fn by_section(sections: &[String]) -> String {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for s in sections {
        match counted.iter_mut().find(|(name, _)| name == s) {
            Some((_, n)) => *n += 1,
            None => counted.push((s, 1)),
        }
    }
    counted
        .iter()
        .map(|(name, n)| match n {
            1 => (*name).to_owned(),
            n => format!("{name} {n}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The width of the labels column, so that sections line up (a longer label widens
/// its own section only).
const LABEL_WIDTH: usize = 66;

/// One printed line: the figure, its value, its bar and mark.
fn line(fig: &Figure, mark: Mark, width: usize) -> String {
    let value = match (&fig.skipped, fig.bar) {
        (Some(_), _) => "-".to_owned(),
        (None, Some(bar)) => format!("{} {}", shown(fig.value, bar, mark), fig.unit),
        (None, None) => format!("{} {}", crate::fmt::figure(fig.value), fig.unit),
    };
    let mut out = format!("  {:<width$}  {value:>20}", fig.what);
    if let Some(bar) = fig.bar {
        out.push_str(&format!("   bar {:<22}", bar.text(fig.unit)));
    }
    match (mark, &fig.skipped) {
        (_, Some(why)) => out.push_str(&format!(" skipped: {why}")),
        (Mark::Ok, None) => out.push_str(" ok"),
        (Mark::Missed, None) => out.push_str(" MISSED"),
        _ => {}
    }
    out.trim_end().to_owned()
}

/// A value as [`crate::fmt::figure`] shows it, unless that would read as meeting a bar
/// it misses (`20.0 ms` against `≤ 20 ms`): then with as many decimals as tell them
/// apart.
fn shown(value: f64, bar: Bar, mark: Mark) -> String {
    let text = crate::fmt::figure(value);
    let bound = match bar {
        Bar::AtLeast(b) | Bar::AtMost(b) => b,
    };
    if mark != Mark::Missed || !bar.met(text.replace(',', "").parse().unwrap_or(value)) {
        return text;
    }
    (2..=6)
        .map(|decimals| format!("{value:.decimals$}"))
        .find(|t| t.parse::<f64>().is_ok_and(|v| v != bound))
        .unwrap_or(text)
}

/// Runs the chosen sections, prints every figure and the summary; a missed bar or a
/// failed section ends in [`crate::Reported`] (exit code 1, nothing more printed).
pub async fn run(args: Args) -> anyhow::Result<()> {
    let days = if args.quick { 30 } else { 365 };
    let scope = Scope {
        days,
        step: 15,
        quick: args.quick,
    };
    println!(
        "headcount bench: one target polled every {} s for {days} days ({} samples), and a \
         noisy one{}",
        scope.step,
        crate::fmt::figure(scope.samples() as f64),
        if args.quick { ", --quick" } else { "" }
    );
    println!("{}", machine());
    let mut bench = Bench {
        scope,
        db: None,
        rt: tokio::runtime::Handle::current(),
        dir: tempfile::Builder::new()
            .prefix("headcount-bench")
            .tempdir()
            .context("bench: temporary directory")?,
        history: None,
    };
    let mut verdict = Verdict::default();
    let started = Instant::now();
    for &(name, section) in SECTIONS {
        if !args.sections.is_empty() && !args.sections.iter().any(|s| s == name) {
            continue;
        }
        println!("\n{name}");
        let (b, figures) = tokio::task::spawn_blocking(move || {
            let figures = section(&mut bench);
            (bench, figures)
        })
        .await
        .with_context(|| format!("bench {name}"))?;
        bench = b;
        match figures {
            Ok(figures) => {
                let width = figures.iter().map(|f| f.what.chars().count()).max();
                let width = width.unwrap_or(0).max(LABEL_WIDTH);
                for fig in &figures {
                    let mark = verdict.add(name, fig);
                    println!("{}", line(fig, mark, width));
                }
            }
            Err(err) => {
                println!("  failed: {err:#}");
                verdict.fail(name);
            }
        }
    }
    println!(
        "\n{} s in all; {}",
        crate::fmt::figure(secs(started.elapsed())),
        machine()
    );
    println!("{}", verdict.summary());
    if verdict.passed() {
        Ok(())
    } else {
        Err(anyhow::Error::new(crate::Reported))
    }
}

/// How busy the machine is, for reading the timings: cores, load average and, where
/// the kernel reports it, how much of the last 10 s tasks stalled waiting for I/O
/// (a busy disk slows everything that syncs, `headcount import` first).
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut out = format!("machine: {cores} cores");
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        out.push_str(&format!(", load average {} (1, 5, 15 min)", load.join(" ")));
    }
    if let Some(stalled) = std::fs::read_to_string("/proc/pressure/io")
        .ok()
        .and_then(|p| io_pressure(&p))
    {
        out.push_str(&format!(
            ", I/O stalled {}% of the last 10 s",
            crate::fmt::figure(stalled.round())
        ));
    }
    out
}

/// `some avg10` of `/proc/pressure/io`: the share of the last 10 s in which some task
/// waited for I/O, in percent.
fn io_pressure(text: &str) -> Option<f64> {
    let some = text.lines().find(|l| l.starts_with("some "))?;
    some.split_whitespace()
        .find_map(|field| field.strip_prefix("avg10="))?
        .parse()
        .ok()
}

/// The median time of `runs` calls of `f` after one warm-up call (which warms SQLite's
/// page cache and the font's glyph cache, as a server's earlier requests would), and
/// the last call's result.
///
/// # Errors
///
/// The first error of `f`.
pub fn median<T, E>(
    runs: usize,
    mut f: impl FnMut() -> Result<T, E>,
) -> anyhow::Result<(Duration, T)>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut out = f()?;
    let mut times = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        out = f()?;
        times.push(started.elapsed());
    }
    Ok((middle(&mut times), out))
}

/// The median of `times` (the upper one of an even count); zero for none.
pub fn middle(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Seconds as a figure.
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Milliseconds as a figure.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_hold_at_their_bound_and_nan_meets_none() {
        assert!(Bar::AtLeast(20.0).met(20.0));
        assert!(!Bar::AtLeast(20.0).met(19.9));
        assert!(Bar::AtMost(50.0).met(50.0));
        assert!(!Bar::AtMost(50.0).met(50.1));
        assert!(!Bar::AtMost(50.0).met(f64::NAN));
        assert!(!Bar::AtLeast(0.0).met(f64::NAN));
    }

    #[test]
    fn a_run_passes_only_when_no_bar_is_missed_and_no_section_failed() {
        let mut v = Verdict::default();
        let trend = Figure::with_bar("trend", 12.0, "ms", Bar::AtMost(20.0));
        assert_eq!(v.add("query", &trend), Mark::Ok);
        assert_eq!(
            v.add("query", &Figure::info("plain", 900.0, "ms")),
            Mark::Info
        );
        let wrk = Figure::skipped("wrk", "requests/s", None, "wrk is not on PATH");
        assert_eq!(v.add("http", &wrk), Mark::Skipped);
        assert!(v.passed());
        assert_eq!(v.summary(), "every bar met (1 of 1)");

        // A bar that could not be measured is named but does not fail the run.
        let rss = Figure::skipped("peak RSS", "MB", Some(Bar::AtMost(100.0)), "no /proc");
        assert_eq!(v.add("collector", &rss), Mark::Skipped);
        assert!(v.passed());
        assert_eq!(
            v.summary(),
            "every bar met (1 of 1); 1 bar(s) not measured (collector)"
        );

        let report = Figure::with_bar("report", 51.0, "ms", Bar::AtMost(50.0));
        let noisy = Figure::with_bar("  noisy report", 180.0, "ms", Bar::AtMost(50.0));
        let ingest = Figure::with_bar("ingest", 1e5, "samples/s", Bar::AtLeast(5e5));
        assert_eq!(v.add("ingest", &ingest), Mark::Missed);
        assert_eq!(v.add("query", &report), Mark::Missed);
        assert_eq!(v.add("query", &noisy), Mark::Missed);
        assert!(!v.passed());
        assert_eq!(
            v.summary(),
            "3 of 4 bars MISSED on this machine (ingest, query 2); \
             1 bar(s) not measured (collector)"
        );
    }

    #[test]
    fn a_failed_section_fails_the_run() {
        let mut v = Verdict::default();
        v.add(
            "ingest",
            &Figure::with_bar("x", 1.0, "bytes", Bar::AtMost(24.0)),
        );
        v.fail("http");
        assert!(!v.passed());
        assert_eq!(
            v.summary(),
            "every bar met (1 of 1); 1 section(s) failed (http)"
        );
    }

    #[test]
    fn lines_show_the_value_the_bar_and_the_mark() {
        let f = Figure::with_bar("trend", 12.34, "ms", Bar::AtMost(20.0));
        assert_eq!(
            line(&f, Mark::Ok, 6),
            "  trend                12.3 ms   bar ≤ 20 ms                ok"
        );
        let f = Figure::info("plain", 1_234.0, "ms");
        assert_eq!(line(&f, Mark::Info, 5), "  plain              1,234 ms");
        let f = Figure::skipped("wrk", "requests/s", None, "wrk is not on PATH");
        assert_eq!(
            line(&f, Mark::Skipped, 3),
            "  wrk                     - skipped: wrk is not on PATH"
        );
    }

    #[test]
    fn a_missed_bar_is_never_shown_as_its_bound() {
        let f = Figure::with_bar("trend", 20.04, "ms", Bar::AtMost(20.0));
        assert!(line(&f, Mark::Missed, 5).contains(" 20.04 ms "));
        let f = Figure::with_bar("ingest", 499_999.7, "samples/s", Bar::AtLeast(500_000.0));
        assert!(line(&f, Mark::Missed, 6).contains(" 499999.70 samples/s "));
        // Met, or clearly missed: the usual format.
        let f = Figure::with_bar("trend", 19.96, "ms", Bar::AtMost(20.0));
        assert!(line(&f, Mark::Ok, 5).contains(" 20.0 ms "));
        let f = Figure::with_bar("trend", 20.4, "ms", Bar::AtMost(20.0));
        assert!(line(&f, Mark::Missed, 5).contains(" 20.4 ms "));
    }

    #[test]
    fn io_pressure_is_the_share_of_the_last_ten_seconds() {
        let psi = "some avg10=77.38 avg60=75.65 avg300=57.01 total=2829326852\n\
                   full avg10=58.92 avg60=51.01 avg300=32.24 total=1684791398\n";
        assert_eq!(io_pressure(psi), Some(77.38));
        assert_eq!(io_pressure("full avg10=1.00\n"), None);
        assert_eq!(io_pressure(""), None);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_upper_middle() {
        let mut t = [3, 1, 4, 2].map(Duration::from_millis);
        assert_eq!(middle(&mut t), Duration::from_millis(3));
        let mut t = [5, 1, 9].map(Duration::from_millis);
        assert_eq!(middle(&mut t), Duration::from_millis(5));
        assert_eq!(middle(&mut []), Duration::ZERO);
    }

    #[test]
    fn every_section_has_a_distinct_name_that_help_lists() {
        let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "ingest",
                "query",
                "chart",
                "planner",
                "http",
                "collector",
                "export",
                "alerts"
            ]
        );
        let parser = section_names();
        let listed: Vec<String> = clap::builder::TypedValueParser::possible_values(&parser)
            .into_iter()
            .flatten()
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(listed, names);
    }
}
