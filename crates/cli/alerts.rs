//! `headcount alerts`: `replay` (the rules over stored history) and `test` (a test
//! message to a channel); and [`start_alerts`], the live evaluation and delivery that
//! `run` and `collect` start beside the collector when `[[alert]]` rules exist.

use std::path::PathBuf;

use chrono::TimeZone;
use headcount_alerts::{Attempt, Deliverer, Notification};
use headcount_config::Config;
use headcount_query::Params;

use crate::fmt::Table;
use crate::usage;
use crate::util::open_reader;

/// Staffing alerts: replay the rules over history, or send a test message.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    Replay(ReplayArgs),
    Test(TestArgs),
}

/// Evaluate the `[[alert]]` rules over stored history and print what would have
/// fired: every episode, counts per rule and the number of notifications. Nothing is
/// stored or sent: tune `for`, `recover_when` and `recover_for` on last month's data
/// before going live.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount alerts replay --config headcount.toml --from now-30d
  headcount alerts replay -c headcount.toml --from 2026-11-01 --to 2026-12-01 --format json")]
pub struct ReplayArgs {
    /// The config file; its `[[alert]]` rules are replayed.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// Start: RFC 3339, a local date, unix seconds, or now-30d [default: 24 hours
    /// before --to].
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End (exclusive) [default: now].
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// `table` (default) or `json`.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

/// Send a test message to one `[[channel]]` now (its URL read from its `url_env`).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  OPS_SLACK_WEBHOOK=https://hooks.slack.com/services/... headcount alerts test -c headcount.toml --channel ops-slack")]
pub struct TestArgs {
    /// The config file.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// The channel's name.
    #[arg(long, value_name = "NAME")]
    pub channel: String,
}

impl Args {
    /// The config file the subcommand reads.
    pub fn config(&self) -> &PathBuf {
        match &self.command {
            Command::Replay(a) => &a.config,
            Command::Test(a) => &a.config,
        }
    }
}

/// Runs the subcommand.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    match args.command {
        Command::Replay(a) => replay(a, config).await,
        Command::Test(a) => test(a, config).await,
    }
}

async fn replay(args: ReplayArgs, config: Config) -> anyhow::Result<()> {
    if config.alerts.is_empty() {
        return Err(usage(anyhow::anyhow!(
            "{}: no [[alert]] rules to replay",
            args.config.display()
        )));
    }
    let now = chrono::Utc::now().timestamp();
    let params = Params {
        from: args.from.as_deref(),
        to: args.to.as_deref(),
        ..Params::default()
    };
    let range = params
        .range(&headcount_query::Settings::from(&config), now)
        .map_err(|e| usage(anyhow::anyhow!("--{}: {}", e.param, e.message)))?;
    let db = config.storage.path.clone();
    let c = config.clone();
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let reader = open_reader(&db)?;
        Ok(headcount_alerts::replay(&reader, &c, range.from, range.to)?)
    })
    .await??;
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let tz = config.report.timezone;
    let local = |ts: i64| {
        tz.timestamp_opt(ts, 0).single().map_or_else(
            || ts.to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
    };
    let mut o = String::new();
    o.push_str(&format!(
        "alert episodes from {} to {} ({tz})\n\n",
        local(range.from),
        local(range.to)
    ));
    let mut t = Table::new("lllllrrr");
    t.header([
        "rule", "target", "severity", "fired", "ended", "lasted", "worst", "sent",
    ]);
    for e in &report.episodes {
        let rule = config.alert(&e.rule);
        let worst = match (rule.map(|r| r.when), e.worst) {
            (Some(headcount_config::AlertCondition::Test(test)), Some(w)) => {
                headcount_config::fmt_value(test.measure, w)
            }
            (_, Some(w)) => crate::fmt::duration(w as i64),
            _ => "-".to_owned(),
        };
        t.row([
            &e.rule,
            &e.target,
            &e.severity,
            &local(e.fired_at),
            &e.ended_at.map_or_else(|| "firing".to_owned(), local),
            &crate::fmt::duration(e.ended_at.unwrap_or(range.to) - e.fired_at),
            &worst,
            &crate::fmt::count(e.notifications),
        ]);
    }
    if report.episodes.is_empty() {
        o.push_str("  no episode fired\n");
    } else {
        t.render(&mut o);
    }
    o.push('\n');
    let mut t = Table::new("lrr");
    t.header(["rule", "episodes", "notifications"]);
    for r in &report.rules {
        t.row([
            &r.rule,
            &crate::fmt::count(r.episodes),
            &crate::fmt::count(r.notifications),
        ]);
    }
    t.render(&mut o);
    o.push_str(&format!(
        "\n{} notifications in all, {} samples evaluated\n",
        crate::fmt::count(report.notifications),
        crate::fmt::count(report.steps)
    ));
    print!("{o}");
    Ok(())
}

async fn test(args: TestArgs, config: Config) -> anyhow::Result<()> {
    let Some(channel) = config.channel(&args.channel) else {
        let known: Vec<&str> = config.channels.iter().map(|c| c.name.as_str()).collect();
        return Err(usage(anyhow::anyhow!(
            "--channel {:?}: no [[channel]] has that name (known: {})",
            args.channel,
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    // Only this channel's URL is needed.
    let mut one = config.clone();
    one.channels = vec![channel.clone()];
    let deliverer = Deliverer::new(&one).map_err(usage)?;
    let n = Notification::test(
        &channel.name,
        &config.web.public_url,
        chrono::Utc::now().timestamp(),
    );
    match deliverer.send(&channel.name, &n).await {
        Attempt::Sent => {
            println!(
                "sent a test message to channel {:?} ({})",
                channel.name,
                channel.kind.as_str()
            );
            Ok(())
        }
        Attempt::Retry(why) | Attempt::Refused(why) => {
            anyhow::bail!(
                "channel {:?}: the test message was not taken: {why}",
                channel.name
            )
        }
    }
}

/// Every channel's URL variable is set, when any rule is configured: checked before a
/// service starts anything, so that a missing one stops the start with exit code 2
/// and its line, before the dashboard is announced.
///
/// # Errors
///
/// A usage error (exit code 2) naming the channel's line and variable.
pub fn check_channels(config: &Config) -> anyhow::Result<()> {
    if config.alerts.is_empty() {
        return Ok(());
    }
    for c in &config.channels {
        c.url().map_err(usage)?;
    }
    Ok(())
}

/// The live alerting of `config` (evaluation and delivery), started on its own task
/// until `shutdown`, when `[[alert]]` rules exist.
///
/// # Errors
///
/// A usage error (exit code 2) when a channel's URL variable is unset, naming its
/// line.
pub fn start_alerts(
    config: &Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Option<tokio::task::JoinHandle<headcount_alerts::Result<()>>>> {
    if config.alerts.is_empty() {
        return Ok(None);
    }
    check_channels(config)?;
    let config = config.clone();
    Ok(Some(tokio::spawn(async move {
        let db = config.storage.path.clone();
        headcount_alerts::run(&config, db, shutdown).await
    })))
}
