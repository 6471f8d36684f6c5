//! `headcount bench`: measures this machine against the quality bars of the design.
//!
//! Each section measures one part and returns [`Figure`]s; `run` prints them beside
//! their bars. Sections run in order on one [`Bench`]: `ingest` (bulk import with
//! rollups, bytes on disk) fills its database, `query` (daily trend, report, each
//! against plain SQL over the raw samples) and `chart` (a 30-day timeline PNG) read
//! it, and `export` replays it into a local Prometheus over remote write. The
//! collector is a further section to add here.

mod chart;
mod export;
mod ingest;
mod query;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use headcount_store::TargetId;

/// Measure ingest speed, storage size, query and chart times on this machine.
///
/// Generates a year of one target polled every 15 s (2,102,400 samples; 30 days with
/// --quick) from the simulator's model, imports it into a temporary database, times
/// the daily trend, the report and a 30-day timeline chart over it, and prints each
/// figure beside its bar.
/// Generating the data is not measured.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  cargo run --release -- bench
  headcount bench --quick")]
pub struct Args {
    /// Measure 30 days instead of a year: faster, less precise.
    #[arg(long)]
    pub quick: bool,
}

/// A section: measures its part of the system, on a blocking thread.
type Section = fn(&mut Bench) -> anyhow::Result<Vec<Figure>>;

/// What the sections share: the scope, and the database once one has filled it.
pub struct Bench {
    /// What the run covers.
    pub scope: Scope,
    /// The history `ingest` imported, for the sections after it.
    pub db: Option<Db>,
}

/// A temporary database holding the scope's history of one target.
pub struct Db {
    /// Keeps the file; removed with it.
    _dir: tempfile::TempDir,
    /// The database file.
    pub path: PathBuf,
    /// The target's series.
    pub target: TargetId,
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
}

impl Scope {
    /// Samples in the scope.
    pub fn samples(&self) -> u64 {
        u64::from(self.days) * 86_400 / self.step.unsigned_abs()
    }
}

/// A quality bar of the design.
#[derive(Debug, Clone, Copy)]
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
}

impl Figure {
    /// A figure held to a bar.
    pub fn with_bar(what: impl Into<String>, value: f64, unit: &'static str, bar: Bar) -> Figure {
        Figure {
            what: what.into(),
            value,
            unit,
            bar: Some(bar),
        }
    }

    /// A figure shown for information.
    pub fn info(what: impl Into<String>, value: f64, unit: &'static str) -> Figure {
        Figure {
            what: what.into(),
            value,
            unit,
            bar: None,
        }
    }
}

fn bar_text(bar: Bar, unit: &str) -> String {
    match bar {
        Bar::AtLeast(b) => format!("≥ {} {unit}", crate::fmt::figure(b)),
        Bar::AtMost(b) => format!("≤ {} {unit}", crate::fmt::figure(b)),
    }
}

/// Runs every section and prints the figures.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let scope = if args.quick {
        Scope { days: 30, step: 15 }
    } else {
        Scope {
            days: 365,
            step: 15,
        }
    };
    println!(
        "headcount bench: one target polled every {} s for {} days ({} samples){}",
        scope.step,
        scope.days,
        crate::fmt::figure(scope.samples() as f64),
        if args.quick { ", --quick" } else { "" }
    );
    let sections: [(&str, Section); 4] = [
        ("ingest", ingest::run),
        ("query", query::run),
        ("chart", chart::run),
        ("export", export::run),
    ];
    let mut bench = Bench { scope, db: None };
    let mut missed = 0;
    for (name, section) in sections {
        println!("\n{name}");
        let (b, figures) = tokio::task::spawn_blocking(move || {
            let figures = section(&mut bench);
            (bench, figures)
        })
        .await
        .with_context(|| format!("bench {name}"))?;
        bench = b;
        let figures = figures.with_context(|| format!("bench {name}"))?;
        let width = figures.iter().map(|f| f.what.len()).max().unwrap_or(0);
        for fig in figures {
            let value = format!("{} {}", crate::fmt::figure(fig.value), fig.unit);
            match fig.bar {
                Some(bar) => {
                    let ok = bar.met(fig.value);
                    missed += usize::from(!ok);
                    println!(
                        "  {:<width$}  {value:>20}   bar {:<22} {}",
                        fig.what,
                        bar_text(bar, fig.unit),
                        if ok { "ok" } else { "MISSED" }
                    );
                }
                None => println!("  {:<width$}  {value:>20}", fig.what),
            }
        }
    }
    println!();
    if missed == 0 {
        println!("every bar met");
    } else {
        println!("{missed} bar(s) missed on this machine");
    }
    Ok(())
}

/// Seconds as a figure.
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
