//! `headcount demo`: the built-in simulator, weeks of its history, live collection and
//! the dashboard, in one command.
//!
//! History is not fetched over HTTP: the simulator's model gives any instant's counts
//! directly ([`Center::snapshot`]), so two weeks of six targets every 15 s are computed
//! and written through the store in seconds. The history is made to look like a real
//! recording: latencies, two upstream outages recorded as gaps with their reason, and
//! one collector crash (no rows, an unclean run) with runs recorded around it. Then the
//! real collector polls the simulator over HTTP on the demo's schedule, beside the web
//! server, exactly as `headcount run` does.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use headcount_config::Config;
use headcount_convoso::AuthToken;
use headcount_simulator::{
    Center, Failure, Faults, Filter, History, Incident, Poll, Reading, Simulator, SimulatorConfig,
};
use headcount_store::{NewSample, Outcome, Reads, RunId, Store, TargetId};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::watch;

/// The simulator's token; the demo passes it to the collector directly.
const TOKEN: &str = "abc123";
/// Seconds between two polls: the demo's schedule is every 15 s.
const STEP: i64 = 15;
/// Latency the demo's simulator adds to every answer, in milliseconds.
const LIVE_LATENCY_MS: u64 = 60;
/// Slots written per transaction: 12 hours of every target.
const BATCH_SLOTS: i64 = 2_880;
/// The first line of the config file the demo writes: a file that starts otherwise
/// is the user's, and never overwritten.
const CONFIG_MARK: &str = "# Written by `headcount demo`";

/// Run the simulator, seed its history, collect live and serve the dashboard.
///
/// Starts the built-in contact center on a free loopback port, writes --days of its
/// history (every 15 s, six targets) to the database with a progress bar, then keeps
/// polling it every 15 s while serving the dashboard, the JSON API and the charts on
/// --listen. Run it again on the same database and only the time since the last run
/// is added. Beside the database it writes the equivalent config file, named after
/// it (`headcount-demo.toml` for the default `headcount-demo.db`, `x.toml` for
/// `--db x.db`), so `report` and `chart` work on the demo's history too.
/// Ctrl-C stops it cleanly.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  cargo run --release -- demo
  headcount demo --days 30 --listen 127.0.0.1:9000
  headcount demo --db /tmp/demo.db --days 1
  headcount report --config headcount-demo.toml --target sales --from now-7d")]
pub struct Args {
    /// Days of simulated history to seed before collecting live (1 to 366).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
    /// Address of the dashboard and API (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The database; created if missing, topped up if it holds an earlier demo.
    #[arg(long, default_value = "headcount-demo.db", value_name = "FILE")]
    pub db: PathBuf,
}

/// Runs the demo until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> anyhow::Result<()> {
    // One signal, many listeners: seeding, the service and the simulator all stop on it.
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        crate::signal::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };

    let files = DemoFiles::for_db(&args.db);
    if !files.dir.is_dir() {
        return Err(crate::usage(anyhow::anyhow!(
            "--db: {}: no such directory",
            files.dir.display()
        )));
    }
    // The dashboard's port first: a busy port fails now, not after seeding.
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "--listen: cannot listen on {} (choose another; port 0 picks a free one)",
                args.listen
            )
        })?;
    let web_addr = listener.local_addr()?;

    let sim = Simulator::new(SimulatorConfig {
        token: TOKEN.to_owned(),
        // A hosted API's round trip, so live latencies look like the seeded ones.
        faults: Faults {
            latency: Duration::from_millis(LIVE_LATENCY_MS),
            ..Faults::none()
        },
        ..SimulatorConfig::default()
    })?;
    let center = sim.center().clone();
    // Clones share the scenarios: one staged here shows in the simulator's answers.
    let live_center = center.clone();
    let sim_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("simulator: cannot listen on a loopback port")?;
    let sim_addr = sim_listener.local_addr()?;
    let (sim_stop, sim_stopped) = tokio::sync::oneshot::channel::<()>();
    let sim_task = tokio::spawn(headcount_simulator::serve(sim_listener, sim, async {
        let _ = sim_stopped.await;
    }));

    let text = config_text(&format!("http://{sim_addr}/v1"), &files, web_addr);
    let config = Config::parse(&text, &files.dir)
        .map_err(|e| anyhow::anyhow!("the demo's own config: {e}"))?;
    let wrote_config = write_config(&files.config, &text);

    println!(
        "headcount demo: a simulated contact center in {} ({} targets), recorded in {}",
        config.report.timezone,
        config.targets.len(),
        args.db.display()
    );
    let cancel = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn({
        let cancel = Arc::clone(&cancel);
        let stopped = stopped();
        async move {
            stopped.await;
            cancel.store(true, Ordering::Relaxed);
        }
    });
    let seeded = tokio::task::spawn_blocking({
        let config = config.clone();
        let cancel = Arc::clone(&cancel);
        let days = args.days;
        move || seed_until_now(&config, &center, days, &cancel)
    })
    .await
    .context("seeding")?;
    watcher.abort();
    let seeded = match seeded {
        Ok(s) => s,
        Err(e) => {
            let _ = sim_stop.send(());
            let _ = sim_task.await;
            return Err(e);
        }
    };
    println!("{}", seeded.describe());
    if seeded.cancelled {
        let _ = sim_stop.send(());
        let _ = sim_task.await;
        println!("stopped while seeding; what was written is kept");
        return Ok(());
    }

    print_banner(web_addr, sim_addr, &files, wrote_config.as_ref());
    stage_short_staffing(&live_center);
    let token = AuthToken::new(TOKEN.to_owned());
    let result = crate::run::run_service(config, token, listener, stopped()).await;
    let _ = sim_stop.send(());
    match sim_task.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "simulator stopped with an error"),
        Err(e) => tracing::warn!(error = %e, "simulator task failed"),
    }
    result?;
    println!("demo stopped; the history stays in {}", args.db.display());
    Ok(())
}

fn print_banner(web: SocketAddr, sim: SocketAddr, files: &DemoFiles, config: Option<&PathBuf>) {
    let base = format!("http://{web}");
    println!();
    println!("Dashboard:  {base}/");
    println!("Try:");
    println!("  curl {base}/api/v1/targets");
    println!("  curl '{base}/api/v1/targets/sales/report?from=now-7d'");
    println!("  curl -o sales.png '{base}/charts/sales/timeline.png?from=now-7d'");
    println!("  curl '{base}/api/v1/targets/sales/samples.csv?from=now-1h'");
    println!("  curl {base}/metrics");
    println!("  curl {base}/api/v1/alerts");
    println!("  curl {base}/api/v1/slas");
    if let Some(path) = config {
        let me = invoked_as();
        println!(
            "  {me} report --config {} --target sales --from now-7d",
            path.display()
        );
        println!(
            "  {me} chart --config {} --target sales --kind heatmap --from now-14d -o heatmap.png",
            path.display()
        );
    }
    println!();
    println!(
        "Collecting live every {STEP} s from the simulator at http://{sim}/v1 into {}. Ctrl-C stops.",
        files.db.display()
    );
}

/// When the demo's short-staffing scenario starts after the demo does, and how long
/// it lasts (seconds).
const SHORT_STAFFED_AFTER: i64 = 60;
const SHORT_STAFFED_FOR: i64 = 300;

/// Stages the scenario that shows the demo's alert fire and resolve: from a minute
/// after now, for five minutes, no agent of campaign 111 (sales) is ready.
fn stage_short_staffing(center: &Center) {
    let now = chrono::Utc::now().timestamp();
    let scenario = headcount_simulator::Scenario {
        filter: headcount_simulator::Filter::campaign(111),
        available_factor: 0.0,
        from: now + SHORT_STAFFED_AFTER,
        until: now + SHORT_STAFFED_AFTER + SHORT_STAFFED_FOR,
    };
    match center.set_scenarios(vec![scenario]) {
        Ok(()) => println!(
            "In {SHORT_STAFFED_AFTER} s, sales is short-staffed for {} minutes (a simulator scenario): \
             the alert \"sales-short-staffed\" fires about a minute later and resolves after it ends \
             (the log says so; see /api/v1/alerts and /api/v1/alerts/history).",
            SHORT_STAFFED_FOR / 60
        ),
        Err(e) => tracing::warn!(error = %e, "demo: the short-staffing scenario was refused"),
    }
}

/// How to run this binary again from the current directory: the path it was started
/// by when that names a file here (`target/release/headcount`), else `headcount`.
fn invoked_as() -> String {
    std::env::args()
        .next()
        .filter(|a| a.contains('/') && !a.starts_with('/') && Path::new(a).is_file())
        .unwrap_or_else(|| "headcount".to_owned())
}

/// The database and the config file written beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DemoFiles {
    db: PathBuf,
    /// The database's directory: the config's relative paths are resolved against it.
    dir: PathBuf,
    /// The database's file name, as the config names it.
    db_name: String,
    config: PathBuf,
}

impl DemoFiles {
    fn for_db(db: &Path) -> DemoFiles {
        let dir = match db.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let db_name = db.file_name().map_or_else(
            || "headcount-demo.db".into(),
            |n| n.to_string_lossy().into(),
        );
        let mut config = db.with_extension("toml");
        if config == db {
            config = PathBuf::from(format!("{}.toml", db.display()));
        }
        DemoFiles {
            db: db.to_owned(),
            dir,
            db_name,
            config,
        }
    }
}

/// The demo's config: what a user would write to record the simulator this way.
fn config_text(base_url: &str, files: &DemoFiles, listen: SocketAddr) -> String {
    let db = toml_string(&files.db_name);
    format!(
        r#"{CONFIG_MARK} for its database; it is rewritten on every run.
# `headcount report` and `headcount chart` read the demo's history through it:
#   headcount report --config {config} --target sales --from now-7d
# The simulator's port changes from run to run; polling it needs the demo running and
# CONVOSO_AUTH_TOKEN=abc123.

[upstream]
base_url = "{base_url}"
auth_token_env = "CONVOSO_AUTH_TOKEN"

[storage]
path = {db}                  # relative to this file

[schedule]
cron = "*/15 * * * * *"          # every 15 s

[report]
timezone = "America/New_York"    # the simulated center's local time
peak = {{ days = ["mon", "tue", "wed", "thu", "fri"], hours = "09:00-17:00" }}
thresholds = {{ healthy = 20, monitor = 10, warning = 5 }}

[web]
listen = "{listen}"
# Not HEADCOUNT_API_TOKEN: a token set for a real service must not lock the demo.
api_token_env = "HEADCOUNT_DEMO_API_TOKEN"

[[target]]
name = "all"                     # system-wide

[[target]]
name = "sales"
campaign_id = 111

[[target]]
name = "support"
campaign_id = 112

[[target]]
name = "bilingual-queue"
queue_id = 222
skills = ["english", "spanish"]

[[target]]
name = "spanish"
skills = ["spanish"]

[[target]]
name = "agent-12345"             # the reference's user: weekdays 08:00-16:30
user_id = 12345

# A staffing alert: sales with under 5% of its agents ready for a minute fires; it
# resolves once 10% or more have been ready for a minute (no flapping in between).
# The demo makes sales short-staffed for a few minutes after it starts (a simulator
# scenario, as `PUT /_sim/scenario` stages one) to show it fire and resolve.
[[alert]]
name = "sales-short-staffed"
targets = ["sales"]
when = "available_pct < 5"
for = "1m"
recover_when = "available_pct >= 10"
recover_for = "1m"
severity = "critical"
channels = ["log"]

[[channel]]
name = "log"
kind = "log"                     # or webhook, slack, teams, with url_env

# A service-level objective: on weekdays 09:00-17:00, sales has at least 5 agents
# available 90% of the time, judged per local day (`headcount sla`, /api/v1/slas).
[[sla]]
name = "sales-staffed"
target = "sales"
when = "available >= 5"
hours = {{ days = ["mon", "tue", "wed", "thu", "fri"], hours = "09:00-17:00" }}
objective = 90
period = "day"
"#,
        config = files.config.display(),
    )
}

/// A TOML basic string.
pub(crate) fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes the config beside the database unless a file of the user's is there.
/// Returns the path when written; a failure only costs the hint, so it is logged.
fn write_config(path: &Path, text: &str) -> Option<PathBuf> {
    match std::fs::read_to_string(path) {
        Ok(existing) if !existing.starts_with(CONFIG_MARK) => {
            tracing::warn!(
                path = %path.display(),
                "not writing the demo's config: the file exists and is not the demo's"
            );
            return None;
        }
        _ => {}
    }
    match std::fs::write(path, text) {
        Ok(()) => Some(path.to_owned()),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot write the demo's config");
            None
        }
    }
}

/// What seeding did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Seeded {
    /// Samples newly stored.
    inserted: u64,
    /// Samples the database already had.
    duplicates: u64,
    /// Slots written, from the earliest target's first missing slot (a staged crash
    /// is no slot).
    slots: u64,
    /// Seconds of history the first pass covered.
    span: i64,
    /// Targets seeded.
    targets: usize,
    /// Whether the history was new (outages and a downtime were staged in it).
    fresh: bool,
    /// Stopped by Ctrl-C before the end.
    cancelled: bool,
    elapsed: Duration,
}

impl Seeded {
    fn describe(&self) -> String {
        let secs = self.elapsed.as_secs_f64();
        if self.slots == 0 {
            return "history: up to date".to_owned();
        }
        let what = if self.fresh {
            "seeded"
        } else {
            "topped up the history with"
        };
        format!(
            "{what} {} samples ({} targets, {} of history) in {secs:.1} s",
            crate::fmt::count(self.inserted),
            self.targets,
            crate::fmt::span(self.span.unsigned_abs()),
        )
    }
}

/// Seeds the database up to the current slot, then again for the slots that passed
/// meanwhile, so the live collector starts where the history ends.
fn seed_until_now(
    config: &Config,
    center: &Center,
    days: u32,
    cancel: &AtomicBool,
) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let lock = headcount_collector::DbLock::acquire(&config.storage.path)
        .map_err(crate::util::classify)?;
    let mut store = Store::open(&config.storage.path)
        .with_context(|| format!("--db: cannot open {}", config.storage.path.display()))?;
    let clock = || chrono::Utc::now().timestamp();
    let mut seeded = seed_store(&mut store, config, center, days, cancel, &clock, true)?;
    // Leave a compact file rather than a WAL as large as the history.
    let _ = store.checkpoint();
    drop(store);
    drop(lock);
    seeded.elapsed = started.elapsed();
    Ok(seeded)
}

/// Seeds in passes until a pass finds little left to do, all in one collector run
/// that is ended (cleanly) at the last pass's `clock()`.
fn seed_store(
    store: &mut Store,
    config: &Config,
    center: &Center,
    days: u32,
    cancel: &AtomicBool,
    clock: &dyn Fn() -> i64,
    progress: bool,
) -> anyhow::Result<Seeded> {
    let mut total = Seeded::default();
    let mut run = None;
    let mut first = true;
    loop {
        let now = clock();
        let plan = Plan::new(store, config, center, now, days)?;
        if first {
            total.fresh = plan.fresh;
            total.targets = plan.ids.len();
            total.span = plan.to - plan.from();
        }
        let bar = if first && progress {
            progress_bar(plan.slots())
        } else {
            ProgressBar::hidden()
        };
        let done = seed(store, &plan, cancel, &bar, &mut run)?;
        bar.finish_and_clear();
        total.inserted += done.inserted;
        total.duplicates += done.duplicates;
        total.slots += done.slots;
        total.cancelled = done.cancelled;
        first = false;
        if done.cancelled || plan.slots() <= 4 {
            if let Some(run) = run {
                // The live collector takes over from here.
                store.end_run(run, now)?;
            }
            return Ok(total);
        }
    }
}

fn progress_bar(slots: u64) -> ProgressBar {
    // Hidden by indicatif when stderr is not a terminal.
    let bar = ProgressBar::new(slots * STEP.unsigned_abs() / 3_600);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} hours ({eta} left)")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("seeding history");
    bar
}

/// What to write: slots `[from, to)` of each target, with the staged incidents of a
/// fresh history, as the simulator's [`History`] computes them.
#[derive(Debug, Clone)]
struct Plan<'c> {
    history: History<'c>,
    /// Each target's series, in the history's target order.
    ids: Vec<TargetId>,
    /// The slot after the current one: the current slot is the last written.
    to: i64,
    /// The time now: runs never end later.
    now: i64,
    fresh: bool,
}

impl<'c> Plan<'c> {
    /// Registers the targets and finds each one's first missing slot: right after its
    /// newest stored sample, but not before `days` ago.
    fn new(
        store: &mut Store,
        config: &Config,
        center: &'c Center,
        now: i64,
        days: u32,
    ) -> anyhow::Result<Plan<'c>> {
        let to = now.div_euclid(STEP) * STEP + STEP;
        let earliest = to - i64::from(days) * 86_400;
        let mut history = History::new(center, STEP);
        let mut ids = Vec::with_capacity(config.targets.len());
        let mut fresh = true;
        for t in &config.targets {
            let id = store.ensure_target(&t.name, &t.filters_json(), earliest)?;
            let newest = store.latest(id)?.map(|s| s.ts);
            fresh &= newest.is_none();
            let from = newest.map_or(earliest, |ts| (ts + STEP).max(earliest));
            let f = &t.filters;
            let skills = (!f.skills.is_empty()).then(|| f.skills.join(","));
            let filter = Filter::parse(
                f.campaign_id.as_deref(),
                f.queue_id.as_deref(),
                f.user_id.as_deref(),
                skills.as_deref(),
            )
            .map_err(|e| anyhow::anyhow!("target {:?}: filters: {e}", t.name))?;
            history = history.target(center.select(&filter), from);
            ids.push(id);
        }
        if fresh {
            history = history.incidents(Incident::story(earliest, to));
        }
        Ok(Plan {
            history,
            ids,
            to,
            now,
            fresh,
        })
    }

    fn from(&self) -> i64 {
        (0..self.ids.len())
            .filter_map(|i| self.history.first_slot(i))
            .min()
            .unwrap_or(self.to)
    }

    /// Slots from the earliest target's first missing one to the end.
    fn slots(&self) -> u64 {
        u64::try_from((self.to - self.from()).max(0) / STEP).unwrap_or(0)
    }

    /// The history's polls of `[from, to)` as samples to store.
    fn samples(&self, from: i64, to: i64, polls: &mut Vec<Poll>, out: &mut Vec<NewSample>) {
        polls.clear();
        self.history.polls(from, to, polls);
        out.clear();
        out.extend(polls.iter().map(|p| {
            let id = self.ids[p.target];
            match p.reading {
                Reading::Ok(c) => {
                    NewSample::ok(id, p.ts, c.available, c.logged_in, Some(p.latency_ms))
                }
                Reading::Failed(failure) => {
                    let outcome = match failure {
                        Failure::Timeout => Outcome::Timeout,
                        Failure::ServerError => Outcome::HttpStatus,
                    };
                    NewSample::failed(id, p.ts, outcome, Some(p.latency_ms))
                }
            }
        }));
    }
}

/// What one pass of [`seed`] did.
#[derive(Debug, Clone, Copy, Default)]
struct Pass {
    inserted: u64,
    duplicates: u64,
    slots: u64,
    cancelled: bool,
}

/// Writes the plan's slots in batches, recording a collector run around them as the
/// real collector would. `run` is the seeding run, begun here if `None` and left open
/// for the caller to end (or continue in a next pass). A staged crash ends it
/// uncleanly: it is left running at its last heartbeat, and the next `begin_run`,
/// after the crash, marks it unclean.
fn seed(
    store: &mut Store,
    plan: &Plan,
    cancel: &AtomicBool,
    bar: &ProgressBar,
    run: &mut Option<RunId>,
) -> anyhow::Result<Pass> {
    let from = plan.from();
    let mut pass = Pass::default();
    if from >= plan.to {
        return Ok(pass);
    }
    // The crash splits the range in two; without one, a single segment.
    let segments = match plan
        .history
        .crash()
        .filter(|c| c.from > from && c.to < plan.to)
    {
        Some(c) => vec![(from, c.from), (c.to, plan.to)],
        None => vec![(from, plan.to)],
    };
    let last = segments.len() - 1;
    let mut samples = Vec::with_capacity(BATCH_SLOTS as usize * plan.ids.len());
    let mut polls = Vec::with_capacity(samples.capacity());
    for (i, (start, end)) in segments.into_iter().enumerate() {
        let id = match *run {
            Some(id) => id,
            None => {
                // Runs never overlap: a top-up right after a stop starts at that stop,
                // even if its first slot is a little earlier.
                let begin = match store.last_run()? {
                    Some(last) => start
                        .max(last.stopped_at.unwrap_or(last.heartbeat_at))
                        .min(plan.now),
                    None => start,
                };
                store
                    .begin_run(begin, std::process::id(), env!("CARGO_PKG_VERSION"))?
                    .id
            }
        };
        *run = Some(id);
        let mut ts = start;
        while ts < end {
            if cancel.load(Ordering::Relaxed) {
                pass.cancelled = true;
                return Ok(pass);
            }
            let batch_end = (ts + BATCH_SLOTS * STEP).min(end);
            plan.samples(ts, batch_end, &mut polls, &mut samples);
            let summary = store.write_batch(&samples)?;
            pass.inserted += summary.inserted;
            pass.duplicates += summary.duplicates;
            pass.slots += u64::try_from((batch_end - ts) / STEP).unwrap_or(0);
            store.heartbeat(id, batch_end.min(plan.now))?;
            bar.set_position(pass.slots * STEP.unsigned_abs() / 3_600);
            ts = batch_end;
        }
        if i < last {
            // The crash.
            *run = None;
        }
    }
    Ok(pass)
}

/// The demo's config with its database `demo.db` in `dir` and an upstream nobody
/// answers: what `headcount bench` and the golden tests seed.
///
/// # Errors
///
/// Never in practice: the demo's own config is valid.
pub(crate) fn offline_config(dir: &Path) -> anyhow::Result<Config> {
    let files = DemoFiles::for_db(&dir.join("demo.db"));
    let listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let text = config_text("http://127.0.0.1:9/v1", &files, listen);
    Config::parse(&text, &files.dir).map_err(|e| anyhow::anyhow!("the demo's own config: {e}"))
}

/// Seeds `days` of the demo's history ending at `now` into `store`, as `headcount
/// demo` does (without a progress bar); returns the samples written. `headcount bench`
/// times it.
///
/// # Errors
///
/// When the store fails.
pub(crate) fn seed_at(
    store: &mut Store,
    config: &Config,
    center: &Center,
    days: u32,
    now: i64,
) -> anyhow::Result<u64> {
    let no = AtomicBool::new(false);
    Ok(seed_store(store, config, center, days, &no, &|| now, false)?.inserted)
}

#[cfg(test)]
pub(crate) fn golden_config(dir: &Path) -> Config {
    offline_config(dir).unwrap()
}

/// Seeds `days` of the demo's history ending at `now`, as `headcount demo` does.
#[cfg(test)]
pub(crate) fn seed_for_golden(
    store: &mut Store,
    config: &Config,
    center: &Center,
    days: u32,
    now: i64,
) {
    seed_at(store, config, center, days, now).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_config(dir: &Path) -> Config {
        let files = DemoFiles::for_db(&dir.join("demo.db"));
        let text = config_text(
            "http://127.0.0.1:9/v1",
            &files,
            "127.0.0.1:0".parse().unwrap(),
        );
        Config::parse(&text, &files.dir).unwrap()
    }

    #[test]
    fn the_demo_config_has_the_targets_the_issue_asks_for() {
        let dir = tempfile::tempdir().unwrap();
        let c = demo_config(dir.path());
        let shown: Vec<(String, String)> = c
            .targets
            .iter()
            .map(|t| (t.name.clone(), t.filters.to_string()))
            .collect();
        let want = [
            ("all", "all agents"),
            ("sales", "campaign_id=111"),
            ("support", "campaign_id=112"),
            ("bilingual-queue", "queue_id=222 skills=english,spanish"),
            ("spanish", "skills=spanish"),
            ("agent-12345", "user_id=12345"),
        ];
        assert_eq!(
            shown,
            want.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
        );
        assert_eq!(c.storage.path, dir.path().join("demo.db"));
        assert_eq!(c.report.timezone, chrono_tz::America::New_York);
        assert_eq!(c.report.peak.hours(), "09:00-17:00");
        assert_eq!(c.schedule.min_interval(), Duration::from_secs(15));
    }

    #[test]
    fn the_config_file_sits_beside_the_database() {
        let f = DemoFiles::for_db(Path::new("headcount-demo.db"));
        assert_eq!(f.config, PathBuf::from("headcount-demo.toml"));
        assert_eq!(f.dir, PathBuf::from("."));
        let f = DemoFiles::for_db(Path::new("/tmp/x/demo"));
        assert_eq!(f.config, PathBuf::from("/tmp/x/demo.toml"));
        assert_eq!(f.db_name, "demo");
        let f = DemoFiles::for_db(Path::new("odd.toml"));
        assert_eq!(f.config, PathBuf::from("odd.toml.toml"));
    }

    #[test]
    fn a_file_of_the_users_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(&path, "# my own\n").unwrap();
        assert_eq!(write_config(&path, "new"), None);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# my own\n");
        let ours = format!("{CONFIG_MARK}\nnew\n");
        std::fs::write(&path, format!("{CONFIG_MARK}\nold\n")).unwrap();
        assert_eq!(write_config(&path, &ours), Some(path.clone()));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), ours);
    }

    /// Every target's samples and the collector runs, as stored.
    fn stored(store: &Store) -> (Vec<Vec<headcount_store::Sample>>, Vec<headcount_store::Run>) {
        let samples = store
            .targets()
            .unwrap()
            .iter()
            .map(|t| store.samples(t.id, 0, i64::MAX).unwrap())
            .collect();
        (samples, store.runs(0, i64::MAX).unwrap())
    }

    #[test]
    fn two_days_of_history_hold_every_slot_the_incidents_and_the_runs() {
        let dir = tempfile::tempdir().unwrap();
        let config = demo_config(dir.path());
        let center = Center::new(headcount_simulator::CenterConfig::default());
        let mut store = Store::open_in_memory().unwrap();
        // Monday 2026-11-23 12:00:07 in New York.
        let now = 1_795_453_207;
        let plan = Plan::new(&mut store, &config, &center, now, 2).unwrap();
        assert!(plan.fresh);
        let to = 1_795_453_215; // the slot after now's
        assert_eq!(plan.to, to);
        assert_eq!(plan.from(), to - 2 * 86_400);
        let no = AtomicBool::new(false);
        let seeded = seed_store(&mut store, &config, &center, 2, &no, &|| now, false).unwrap();
        let (samples, runs) = stored(&store);
        assert_eq!(samples.len(), 6);

        // The crash: 20 h before the grid end (12:00 local) for 90 minutes, no rows.
        let end = 1_795_453_200;
        let (crash_from, crash_to) = (end - 20 * 3_600, end - 18 * 3_600 - 1_800);
        let slots = (2 * 86_400 - (crash_to - crash_from)) / STEP;
        assert!(seeded.fresh);
        assert_eq!(seeded.slots, slots as u64);
        assert_eq!(seeded.inserted, 6 * slots as u64);
        assert_eq!(seeded.span, 2 * 86_400);
        for s in &samples {
            assert_eq!(s.len(), slots as usize);
            assert!(!s.iter().any(|x| (crash_from..crash_to).contains(&x.ts)));
            // Slots are exactly every 15 s, in order, up to the last before `to`.
            assert_eq!(s.last().unwrap().ts, to - STEP);
            // The timeout outage: 40 minutes ending 6 h before the end, 160 slots.
            let timeouts: Vec<i64> = s
                .iter()
                .filter(|x| x.outcome == Outcome::Timeout)
                .map(|x| x.ts)
                .collect();
            assert_eq!(timeouts.len(), 160);
            assert_eq!(timeouts[0], end - 6 * 3_600 - 2_400);
            assert!(
                s.iter()
                    .all(|x| x.outcome == Outcome::Ok || x.outcome == Outcome::Timeout)
            );
        }
        // The 3.5-day outage is outside two days of history.
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].started_at, to - 2 * 86_400);
        assert_eq!(runs[0].state, headcount_store::RunState::Unclean);
        assert_eq!(runs[0].stopped_at, Some(crash_from));
        assert_eq!(runs[1].started_at, crash_to);
        assert_eq!(runs[1].state, headcount_store::RunState::Clean);
        assert_eq!(runs[1].stopped_at, Some(now));

        // The counts are the simulator's, by an independent path (`Center::count`).
        let sales = &samples[1];
        let peak = sales
            .iter()
            .find(|x| x.ts == end - 3_600 && x.outcome == Outcome::Ok)
            .unwrap();
        let want = center.count(&Filter::campaign(111), peak.ts);
        assert_eq!(
            (peak.available, peak.logged_in),
            (Some(want.available), Some(want.logged_in))
        );
        assert!(want.logged_in > 20, "11 AM on a weekday: {want:?}");
    }

    #[test]
    fn a_second_run_adds_only_the_missing_slots() {
        let dir = tempfile::tempdir().unwrap();
        let config = demo_config(dir.path());
        let center = Center::new(headcount_simulator::CenterConfig::default());
        let mut store = Store::open_in_memory().unwrap();
        let now = 1_795_453_207;
        let no = AtomicBool::new(false);
        seed_store(&mut store, &config, &center, 1, &no, &|| now, false).unwrap();
        let (before, _) = stored(&store);

        // An hour later, asking for more days: only the hour is added, no incidents.
        let later = now + 3_600;
        let plan = Plan::new(&mut store, &config, &center, later, 3).unwrap();
        assert!(!plan.fresh);
        assert!(plan.history.staged().is_empty());
        assert_eq!(plan.from(), now - now % STEP + STEP);
        let seeded = seed_store(&mut store, &config, &center, 3, &no, &|| later, false).unwrap();
        assert!(!seeded.fresh);
        assert_eq!(seeded.slots, 3_600 / 15);
        assert_eq!(seeded.inserted, 6 * 3_600 / 15);
        assert_eq!(seeded.duplicates, 0);
        let (after, runs) = stored(&store);
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(a.len(), b.len() + 240);
            assert_eq!(&a[..b.len()], &b[..]);
            let mut ts: Vec<i64> = a.iter().map(|s| s.ts).collect();
            ts.dedup();
            assert_eq!(ts.len(), a.len(), "no slot twice");
        }
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[2].state, headcount_store::RunState::Clean);
        for pair in runs.windows(2) {
            assert!(
                pair[1].started_at >= pair[0].stopped_at.unwrap(),
                "{runs:?}"
            );
        }

        // Nothing missing: nothing to do, and no run recorded.
        let seeded = seed_store(&mut store, &config, &center, 3, &no, &|| later, false).unwrap();
        assert_eq!(seeded.slots, 0);
        assert_eq!(stored(&store).1.len(), 3);
    }

    #[test]
    fn a_cancelled_seed_ends_its_run_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let config = demo_config(dir.path());
        let center = Center::new(headcount_simulator::CenterConfig::default());
        let mut store = Store::open_in_memory().unwrap();
        let now = 1_795_453_207;
        let yes = AtomicBool::new(true);
        let seeded = seed_store(&mut store, &config, &center, 1, &yes, &|| now, false).unwrap();
        assert!(seeded.cancelled);
        let (_, runs) = stored(&store);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].state, headcount_store::RunState::Clean);
        assert_eq!(runs[0].stopped_at, Some(now));
    }
}
