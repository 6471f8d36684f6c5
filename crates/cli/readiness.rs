//! `headcount readiness`: will a target have enough agents available at a coming
//! time? The answer is [`headcount_query::readiness`]'s; the parameters are parsed by
//! [`headcount_query::ReadinessParams`], as the web API parses them.

use std::fmt::Write as _;
use std::path::PathBuf;

use headcount_config::Config;
use headcount_query::{Readiness, ReadinessParams};

use crate::fmt::{local, num};
use crate::report::{param_error, query_error};
use crate::util::{config_target, read_target};

/// Say whether a target will have the agents a launch needs at a coming time.
///
/// The time is within the next 7 days. The answer is ready, at risk, not ready, or
/// unknown (fewer than 2 weeks of history at that hour), from the same local hour of
/// the last 4 weeks, with the reason in words and the newest sample.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount readiness --config headcount.toml --target sales --at 2026-12-03T09:00 --need 10
  headcount readiness -c headcount.toml --target sales --at now+2d --need-pct 15 --format json")]
pub struct Args {
    /// The config file: the database, the target and `[report] timezone`.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// The target (a `[[target]]` name of the config).
    #[arg(long, value_name = "NAME")]
    pub target: String,
    /// The launch time, within 7 days: RFC 3339, a local date-time, now+2d, ...
    #[arg(long, value_name = "TIME")]
    pub at: String,
    /// Agents that must be available.
    #[arg(long, value_name = "N", conflicts_with = "need_pct")]
    pub need: Option<String>,
    /// Percent of the logged-in agents that must be available.
    #[arg(long, value_name = "PCT")]
    pub need_pct: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How the answer is printed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The verdict and its numbers, for a terminal.
    Text,
    /// The answer as the web API gives it.
    Json,
}

/// Parses the parameters, reads the database and prints the verdict.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let target = config_target(&config, &args.config, &args.target)?.clone();
    let settings = headcount_query::Settings::from(&config);
    let now = chrono::Utc::now().timestamp();
    let q = ReadinessParams {
        at: Some(&args.at),
        need: args.need.as_deref(),
        need_pct: args.need_pct.as_deref(),
    }
    .query(&settings, now)
    .map_err(|mut e| {
        // The flag is spelled with a dash.
        if e.param == "need_pct" {
            e.param = "need-pct";
        }
        param_error(e)
    })?;
    let db = config.storage.path.clone();
    let format = args.format;
    // One snapshot: the forecast and the newest sample as of one moment.
    let text = read_target("readiness", db, target, move |reader, t, db| {
        let r =
            headcount_query::readiness(reader, t, &settings, &q).map_err(|e| query_error(e, db))?;
        Ok(match format {
            Format::Text => text(&r),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&r)?;
                s.push('\n');
                s
            }
        })
    })
    .await?;
    print!("{text}");
    Ok(())
}

/// The verdict, its reason and the numbers it rests on.
pub fn text(r: &Readiness) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} at {} ({}): {}",
        r.target,
        local(r.at),
        r.tz,
        r.verdict.as_str().replace('_', " ")
    );
    let _ = writeln!(o, "  {}", r.reason);
    if let Some(f) = &r.forecast {
        let band = |b: Option<headcount_query::Band>| {
            b.map_or_else(
                || "-".to_owned(),
                |b| {
                    format!(
                        "{} ({}–{})",
                        num(Some(b.mean)),
                        num(Some(b.low)),
                        num(Some(b.high))
                    )
                },
            )
        };
        let _ = writeln!(
            o,
            "  forecast for {}, {} of the last 4 weeks: available {}, logged in {}",
            local(f.start),
            f.weeks_used,
            band(f.available),
            band(f.logged_in)
        );
    }
    match &r.latest {
        Some(l) => {
            let _ = writeln!(
                o,
                "  latest: {} at {}, {} available of {} logged in",
                l.outcome,
                local(l.ts),
                l.available.map_or("-".to_owned(), |v| v.to_string()),
                l.logged_in.map_or("-".to_owned(), |v| v.to_string()),
            );
        }
        None => {
            let _ = writeln!(o, "  latest: no sample yet");
        }
    }
    o
}
