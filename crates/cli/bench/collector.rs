//! Bench section `collector`: 1,000 targets on one schedule against the simulator:
//! how long each tick takes, and the collector's peak memory.
//!
//! The simulator is served in-process on a loopback port; the collector is this binary
//! as a child process, `headcount collect`, so its memory is its own. Its targets mix
//! the four filters (campaign, queue, skill, user) in turn, 64 polls at a time. It
//! logs each tick's time as JSON (`tick done` with `millis`, at debug level for
//! `headcount_collector`): the bar's figure is the slowest of [`TICKS`] ticks, the
//! first (which opens the connections) included. Its schedule is every
//! [`PERIOD_SECS`] s rather than 15 s, so the section takes seconds, not minutes: a
//! tick's time does not depend on the period. After the last tick its peak resident
//! set (`VmHWM`) is read and it is stopped with SIGINT, as Ctrl-C would.

use std::io::BufRead as _;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use headcount_simulator::{Simulator, SimulatorConfig};
use headcount_store::{OpsReads, Outcome, Reader};

use super::child::{self, Child};
use super::{Bar, Bench, Figure, middle, ms};

/// Targets polled on the one schedule.
const TARGETS: usize = 1_000;
/// Polls in flight at once (`[upstream] concurrency`).
const CONCURRENCY: usize = 64;
/// Seconds between ticks.
const PERIOD_SECS: u64 = 5;
/// Ticks measured (fewer with --quick).
const TICKS: usize = 4;
const QUICK_TICKS: usize = 2;
/// The simulator's token.
const TOKEN: &str = "abc123";

/// One tick as the collector logs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tick {
    slot: i64,
    samples: u64,
    millis: u64,
}

/// Runs the collector against the simulator for a few ticks.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let ticks = if bench.scope.quick {
        QUICK_TICKS
    } else {
        TICKS
    };
    let tick_what = format!(
        "collector: {} targets, concurrency {CONCURRENCY}, slowest of {ticks} ticks",
        crate::fmt::count(TARGETS as u64)
    );
    let rss_what = format!("collector: peak RSS (VmHWM) after {ticks} ticks");
    if !cfg!(target_os = "linux") {
        let why = "needs Linux (/proc/<pid>/status, SIGINT)";
        return Ok(vec![
            Figure::skipped(tick_what, "ms", Some(Bar::AtMost(2_000.0)), why),
            Figure::skipped(rss_what, "MB", Some(Bar::AtMost(100.0)), why),
        ]);
    }

    let sim = Simulator::new(SimulatorConfig {
        token: TOKEN.to_owned(),
        ..SimulatorConfig::default()
    })?;
    // Dropping `_stop_sim` (here or on an error) stops the simulator.
    let (sim_addr, _stop_sim) = bench.rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("simulator: cannot listen on a loopback port")?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(headcount_simulator::serve(listener, sim, async {
            let _ = stopped.await;
        }));
        anyhow::Ok((addr, stop))
    })?;

    let dir = bench.dir.path().join("collector");
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("collector.db");
    let config = dir.join("collector.toml");
    std::fs::write(
        &config,
        config_text(&format!("http://{sim_addr}/v1"), &db.to_string_lossy()),
    )?;

    let mut cmd = child::headcount(
        "warn,headcount_collector=debug",
        &["--log-format", "json", "collect", "--config"],
    )?;
    cmd.arg(&config)
        .env("CONVOSO_AUTH_TOKEN", TOKEN)
        .stderr(Stdio::piped());
    let mut collector = Child::spawn(cmd, "headcount collect", None)?;
    let stderr = collector
        .process()
        .stderr
        .take()
        .context("headcount collect: no stderr")?;
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    // Start-up, then up to a period before the first slot, then the ticks.
    let limit = Duration::from_secs(30 + PERIOD_SECS * (ticks as u64 + 1));
    let deadline = Instant::now() + limit;
    let mut seen = Vec::with_capacity(ticks);
    let mut other = Vec::new();
    while seen.len() < ticks {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => match tick(&line) {
                Some(t) => seen.push(t),
                None => other.push(line),
            },
            Err(mpsc::RecvTimeoutError::Timeout) => anyhow::bail!(
                "headcount collect: {} of {ticks} ticks in {} s{}",
                seen.len(),
                limit.as_secs(),
                child::tail(&other.join("\n"), 3)
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = collector.wait(Duration::from_secs(5))?;
                anyhow::bail!(
                    "headcount collect exited ({status}) after {} ticks{}",
                    seen.len(),
                    child::tail(&other.join("\n"), 3)
                );
            }
        }
    }
    let peak = collector.peak_rss();
    collector.stop(Duration::from_secs(30))?;
    for t in &seen {
        anyhow::ensure!(
            t.samples == TARGETS as u64,
            "tick of slot {}: {} samples, not {TARGETS}",
            t.slot,
            t.samples
        );
    }
    let (ok, polls) = polls(&db)?;

    let mut times: Vec<Duration> = seen
        .iter()
        .map(|t| Duration::from_millis(t.millis))
        .collect();
    let slowest = times.iter().max().copied().unwrap_or_default();
    let typical = middle(&mut times);
    Ok(vec![
        Figure::with_bar(tick_what, ms(slowest), "ms", Bar::AtMost(2_000.0)),
        Figure::info("  median tick", ms(typical), "ms"),
        Figure::info(
            "  period: every 5 s here, not 15 s (a tick's time does not depend on it)",
            PERIOD_SECS as f64,
            "s",
        ),
        Figure::info(
            format!(
                "  polls answered ok ({} of {})",
                crate::fmt::count(ok),
                crate::fmt::count(polls)
            ),
            100.0 * ok as f64 / polls.max(1) as f64,
            "%",
        ),
        match peak {
            Some(bytes) => Figure::with_bar(rss_what, bytes as f64 / 1e6, "MB", Bar::AtMost(100.0)),
            None => Figure::skipped(
                rss_what,
                "MB",
                Some(Bar::AtMost(100.0)),
                "no VmHWM in /proc/<pid>/status",
            ),
        },
    ])
}

/// The collector's config: [`TARGETS`] targets on one schedule, the filters in turn a
/// campaign, a queue, a skill and a user (users 10,000 and up, whom the simulator does
/// not know: they answer zeros, as an agent who has left would).
fn config_text(base_url: &str, db: &str) -> String {
    const SKILLS: [&str; 6] = [
        "english", "spanish", "french", "sales", "support", "billing",
    ];
    let mut text = format!(
        "# Written by `headcount bench`.\n\
         [upstream]\nbase_url = {}\nconcurrency = {CONCURRENCY}\n\n\
         [storage]\npath = {}\n\n\
         [schedule]\ncron = \"*/{PERIOD_SECS} * * * * *\"\n",
        crate::demo::toml_string(base_url),
        crate::demo::toml_string(db),
    );
    for i in 0..TARGETS {
        let filter = match i % 4 {
            0 => format!("campaign_id = {}", 111 + (i / 4) % 4),
            1 => format!("queue_id = {}", 222 + (i / 4) % 4),
            2 => format!("skills = [\"{}\"]", SKILLS[(i / 4) % 6]),
            _ => format!("user_id = {}", 10_000 + i),
        };
        text.push_str(&format!("\n[[target]]\nname = \"t{i:04}\"\n{filter}\n"));
    }
    text
}

/// A `tick done` line of the collector's JSON log.
fn tick(line: &str) -> Option<Tick> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let fields = v.get("fields")?;
    if fields.get("message")?.as_str()? != "tick done" {
        return None;
    }
    Some(Tick {
        slot: fields.get("slot")?.as_i64()?,
        samples: fields.get("samples")?.as_u64()?,
        millis: fields.get("millis")?.as_u64()?,
    })
}

/// Polls answered ok, and all polls, as the collector counted them in its database.
fn polls(db: &std::path::Path) -> anyhow::Result<(u64, u64)> {
    let stats = Reader::open(db)?.poll_stats()?;
    let ok = stats
        .iter()
        .filter(|s| s.outcome == Outcome::Ok)
        .map(|s| s.polls)
        .sum();
    Ok((ok, stats.iter().map(|s| s.polls).sum()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_times_are_read_from_the_json_log() {
        // As `headcount --log-format json collect` writes it.
        let line = r#"{"timestamp":"2026-12-02T08:56:46.369499Z","level":"DEBUG","fields":{"message":"tick done","slot":1796201806,"samples":1,"millis":7},"target":"headcount_collector::collector"}"#;
        assert_eq!(
            tick(line),
            Some(Tick {
                slot: 1_796_201_806,
                samples: 1,
                millis: 7
            })
        );
        let other = r#"{"timestamp":"x","level":"DEBUG","fields":{"message":"first poll ok","target":"t0001","slot":1}}"#;
        assert_eq!(tick(other), None);
        assert_eq!(tick("tick done millis=43"), None);
        assert_eq!(tick(""), None);
    }

    #[test]
    fn the_targets_mix_the_four_filters_on_one_schedule() {
        let dir = tempfile::tempdir().unwrap();
        let text = config_text("http://127.0.0.1:9/v1", "h.db");
        let config = headcount_config::Config::parse(&text, dir.path()).unwrap();
        assert_eq!(config.targets.len(), TARGETS);
        assert_eq!(config.upstream.concurrency, CONCURRENCY);
        let schedules: std::collections::BTreeSet<&str> =
            config.targets.iter().map(|t| t.schedule.expr()).collect();
        assert_eq!(schedules.into_iter().collect::<Vec<_>>(), ["*/5 * * * * *"]);
        let shown: Vec<String> = config.targets[..8]
            .iter()
            .map(|t| t.filters.to_string())
            .collect();
        assert_eq!(
            shown,
            [
                "campaign_id=111",
                "queue_id=222",
                "skills=english",
                "user_id=10003",
                "campaign_id=112",
                "queue_id=223",
                "skills=spanish",
                "user_id=10007",
            ]
        );
    }
}
