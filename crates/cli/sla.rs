//! `headcount sla`: an SLA's compliance per period in the terminal, or as JSON or CSV.
//! The numbers are [`headcount_query::sla_report`]'s (its module doc has the rule);
//! the parameters are parsed by [`headcount_query::SlaParams`], as the web API parses
//! them. This file only fetches (read-only) and presents.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use headcount_config::Config;
use headcount_query::{SlaParams, SlaReport};

use crate::fmt::{Table, local, minutes, num};
use crate::report::{param_error, query_error};
use crate::usage;
use crate::util::{config_target, read_target};

/// Print an SLA's compliance per period as a table, JSON or CSV.
///
/// For each local period (day, week or month) that intersects `[--from, --to)`,
/// whole: the minutes of the SLA's hours that met its condition, breached it, or are
/// unknown (failed polls, recorder downtime, no data), its compliance and status, the
/// error budget left and, while it runs, the projected compliance at its end; then
/// the worst stretches of breach. Reads the database the config names, read-only.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount sla --config headcount.toml --sla sales-staffed
  headcount sla -c headcount.toml --sla sales-staffed --from 2026-09-01 --period month
  headcount sla -c headcount.toml --sla sales-staffed --format csv > weeks.csv
  headcount sla -c headcount.toml --sla sales-staffed --period day --chart days.png")]
pub struct Args {
    /// The config file: the database, the `[[sla]]` and its target.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// The SLA (an `[[sla]]` name of the config).
    #[arg(long, value_name = "NAME")]
    pub sla: String,
    /// Start of the range [default: 7, 28 or 90 days before --to, by period].
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the range, exclusive [default: now].
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Periods: day, week or month [default: the SLA's `period`].
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also draw the `sla` chart (the web server's `/charts/NAME/sla.png`) to this
    /// file, FILE.png or FILE.svg, 1000 × 500.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// The chart's colour theme: light or dark.
    #[arg(
        long,
        value_name = "THEME",
        default_value = "light",
        requires = "chart"
    )]
    pub theme: String,
}

/// How the SLA report is printed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for a terminal: the periods and the worst stretches.
    Table,
    /// The whole report, as `GET /api/v1/slas/{name}/report` answers it, pretty-printed.
    Json,
    /// One row per period.
    Csv,
}

/// Parses the parameters, reads the database and prints the report.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let Some(sla) = config.sla(&args.sla).cloned() else {
        let known: Vec<&str> = config.slas.iter().map(|s| s.name.as_str()).collect();
        return Err(usage(anyhow::anyhow!(
            "--sla: unknown SLA {:?}; {} has {}",
            args.sla,
            args.config.display(),
            if known.is_empty() {
                "no [[sla]]".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    let target = config_target(&config, &args.config, &sla.target)?.clone();
    let settings = headcount_query::Settings::from(&config);
    let now = chrono::Utc::now().timestamp();
    let q = SlaParams {
        from: args.from.as_deref(),
        to: args.to.as_deref(),
        period: args.period.as_deref(),
    }
    .query(&sla, &settings, now)
    .map_err(param_error)?;
    let chart = match &args.chart {
        None => None,
        Some(path) => Some((path.clone(), chart_options(path, &args.theme)?)),
    };
    let db = config.storage.path.clone();
    let format = args.format;
    // One snapshot: samples, rollups and collector runs as of one moment.
    let text = read_target("sla", db, target, move |reader, t, db| {
        let r = headcount_query::sla_report(reader, t, &sla, &settings, &q)
            .map_err(|e| query_error(e, db))?;
        if let Some((path, opts)) = &chart {
            let bytes = headcount_chart::render_sla(&r, opts)?;
            std::fs::write(path, bytes).with_context(|| format!("{}", path.display()))?;
        }
        Ok(match format {
            Format::Table => table(&r),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&r)?;
                s.push('\n');
                s
            }
            Format::Csv => csv(&r)?,
        })
    })
    .await?;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("stdout"),
    }
}

/// The chart's options: the format from the file's extension, the theme named.
fn chart_options(path: &std::path::Path, theme: &str) -> anyhow::Result<headcount_chart::Options> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let format = headcount_chart::Format::from_extension(ext).ok_or_else(|| {
        usage(anyhow::anyhow!(
            "--chart: {}: expected FILE.png or FILE.svg",
            path.display()
        ))
    })?;
    let theme = theme.parse::<headcount_chart::Theme>().map_err(|e| {
        usage(anyhow::anyhow!(
            "--theme: expected {}; got {:?}",
            e.expected,
            e.got
        ))
    })?;
    Ok(headcount_chart::Options {
        format,
        theme,
        ..headcount_chart::Options::default()
    })
}

/// The report for a terminal: the SLA, a row per period, the worst stretches.
pub fn table(r: &SlaReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "SLA {}: {} on {}, {} {} ({}); objective {}% per {}, unknown time {}",
        r.sla,
        r.condition,
        r.target,
        r.hours.days.join(","),
        r.hours.hours,
        r.tz,
        r.objective,
        r.period,
        match r.unknown {
            headcount_query::Unknown::Excluded => "left out",
            headcount_query::Unknown::Breach => "counted as breach",
        }
    );
    let _ = writeln!(o);
    let mut t = Table::new("lrllrrrrrr");
    t.groups(&[("", 4), ("minutes of the SLA's hours", 5), ("", 1)]);
    t.header([
        "period",
        "compliance",
        "status",
        "",
        "met",
        "breach",
        "unknown",
        "to come",
        "budget left",
        "projected",
    ]);
    for p in &r.periods {
        let mark = if r.current.as_ref().is_some_and(|c| c.start == p.start) {
            "now"
        } else {
            ""
        };
        t.row([
            &local(p.start),
            &num(p.compliance),
            p.status.as_str(),
            mark,
            &minutes(p.met_seconds),
            &minutes(p.breach_seconds),
            &minutes(p.unknown_seconds),
            &minutes(p.remaining_seconds),
            &minutes(p.budget_left_seconds),
            &num(p.projected_compliance),
        ]);
    }
    t.render(&mut o);
    let _ = writeln!(o);
    if r.worst.is_empty() {
        let _ = writeln!(o, "No breach in these periods.");
    } else {
        let _ = writeln!(o, "Worst stretches of breach:");
        let mut w = Table::new("llrr");
        w.header(["from", "to", "breach min", "lowest available"]);
        for s in &r.worst {
            w.row([
                &local(s.start),
                &local(s.end),
                &minutes(s.breach_seconds),
                &s.lowest_available.map_or("-".to_owned(), |v| v.to_string()),
            ]);
        }
        w.render(&mut o);
    }
    o
}

/// One row per period: RFC 3339 times, seconds in full precision, empty for nulls.
fn csv(r: &SlaReport) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "start",
        "end",
        "status",
        "compliance",
        "window_seconds",
        "met_seconds",
        "breach_seconds",
        "unknown_seconds",
        "remaining_seconds",
        "budget_seconds",
        "budget_left_seconds",
        "projected_compliance",
    ])?;
    let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for p in &r.periods {
        w.write_record([
            p.start.to_rfc3339(),
            p.end.to_rfc3339(),
            p.status.as_str().to_owned(),
            f(p.compliance),
            p.window_seconds.to_string(),
            p.met_seconds.to_string(),
            p.breach_seconds.to_string(),
            p.unknown_seconds.to_string(),
            p.remaining_seconds.to_string(),
            p.budget_seconds.to_string(),
            p.budget_left_seconds.to_string(),
            f(p.projected_compliance),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
