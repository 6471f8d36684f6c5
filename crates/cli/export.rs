//! `headcount export`: stored history sent to `[export.remote_write]` on demand; and
//! [`start_exporter`], the live exporter `run` and `collect` start beside the
//! collector when `[export.remote_write]` is configured.

use std::path::PathBuf;

use anyhow::Context;
use headcount_config::Config;
use headcount_export::{ExportSummary, Exporter, RemoteWriteClient, ReplayOptions};
use headcount_query::Params;
use headcount_store::{OpsReads, Reads};
use indicatif::{ProgressBar, ProgressStyle};

use crate::usage;
use crate::util::open_reader;

/// Send stored history to the remote-write receiver of `[export.remote_write]`.
///
/// The live export (`headcount run`, `headcount collect`) sends every sample stored
/// while it is configured. This sends what was stored before: raw samples where they
/// are kept, and where retention pruned them the 15-minute rollups, as their own
/// series (`headcount_available_agents_avg_15m`, `_min_15m`, `_max_15m`, …). `--to`
/// defaults to where the live export began on this database (now if it never ran),
/// so nothing is sent twice; a receiver keeps one copy of a sample sent again anyway.
/// A receiver that keeps only recent data needs an out-of-order window reaching back
/// to `--from` (Prometheus: `storage.tsdb.out_of_order_time_window`).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount export --config headcount.toml --remote-write --from 2026-01-01
  headcount export -c headcount.toml --remote-write --from now-90d --target sales --target all")]
pub struct Args {
    /// The config file; its `[export.remote_write]` says where to send.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// Send over Prometheus remote write (the one destination there is; required so
    /// that the command says what it does).
    #[arg(long, required = true)]
    pub remote_write: bool,
    /// Start: RFC 3339, a local date, unix seconds or milliseconds, or now-90d.
    #[arg(long, value_name = "TIME")]
    pub from: String,
    /// End (exclusive) [default: where the live export began, else now].
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Only this target (repeatable) [default: every configured target].
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
}

/// Replays the range.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let Some(rw) = config.export.remote_write.clone() else {
        return Err(usage(anyhow::anyhow!(
            "--remote-write: {} has no [export.remote_write] section (url = \"http://prometheus:9090/api/v1/write\")",
            args.config.display()
        )));
    };
    let credentials = rw.credentials().map_err(usage)?;
    let client = RemoteWriteClient::new(&rw, &credentials).map_err(usage)?;
    for name in &args.targets {
        crate::util::config_target(&config, &args.config, name)?;
    }
    let db = config.storage.path.clone();
    let names: Vec<String> = if args.targets.is_empty() {
        config.targets.iter().map(|t| t.name.clone()).collect()
    } else {
        args.targets.clone()
    };
    let (from, to, targets) = {
        let reader = open_reader(&db)?;
        let now = chrono::Utc::now().timestamp();
        let started = reader.export_status()?.and_then(|s| s.started_at);
        let to_default = started.map(|t| t.to_string());
        let params = Params {
            from: Some(&args.from),
            to: args.to.as_deref().or(to_default.as_deref()),
            ..Params::default()
        };
        let range = params
            .range(&headcount_query::Settings::from(&config), now)
            .map_err(|e| usage(anyhow::anyhow!("--{}: {}", e.param, e.message)))?;
        // Every series recorded under each name: history under older filter sets too.
        let mut ids = Vec::new();
        for name in &names {
            ids.extend(reader.series_of(name)?.into_iter().map(|t| t.id));
        }
        (range.from, range.to, ids)
    };
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "replaying [{bar:40}] {human_pos}/{human_len} samples ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let options = ReplayOptions {
        from,
        to,
        targets,
        batch_size: rw.batch_size,
        labels: rw.labels.clone(),
        backoff: headcount_export::DEFAULT_BACKOFF,
    };
    let started = std::time::Instant::now();
    let summary = headcount_export::replay(
        &db,
        &client,
        options,
        |p| {
            bar.set_length(p.total);
            bar.set_position(p.done);
        },
        crate::signal::shutdown_signal(),
    )
    .await;
    bar.finish_and_clear();
    let summary = summary.context("replay")?;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    println!(
        "sent {} raw samples and {} 15-minute rollups of {} to {} ({} series samples, {}/s){}",
        crate::fmt::figure(summary.raw as f64),
        crate::fmt::figure(summary.rollups as f64),
        names.join(", "),
        client.url(),
        crate::fmt::figure(summary.series_samples as f64),
        crate::fmt::figure((summary.raw + summary.rollups) as f64 / secs),
        if summary.failed > 0 {
            format!("; {} refused by the receiver (see the log)", summary.failed)
        } else {
            String::new()
        }
    );
    if summary.failed > 0 {
        anyhow::bail!("the receiver refused {} samples", summary.failed);
    }
    Ok(())
}

/// The live exporter of `config`, started on its own task until `shutdown`, when
/// `[export.remote_write]` is configured.
///
/// # Errors
///
/// A usage error (exit code 2) when a credential variable is unset or the client
/// cannot be built.
pub fn start_exporter(
    config: &Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Option<tokio::task::JoinHandle<headcount_export::Result<ExportSummary>>>> {
    let Some(rw) = &config.export.remote_write else {
        return Ok(None);
    };
    let exporter = Exporter::new(rw, &config.storage.path).map_err(usage)?;
    Ok(Some(tokio::spawn(exporter.run(shutdown))))
}
