//! Helpers for the collector's tests: an in-process simulator, configs, and reading
//! what the collector wrote.

#![allow(dead_code)] // each test binary uses its own part of these helpers

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use headcount_collector::{Collector, RunSummary};
use headcount_config::Config;
use headcount_convoso::AuthToken;
use headcount_simulator::{Clock, Faults, Simulator, SimulatorConfig, SimulatorHandle};
use headcount_store::{Outcome, Reader, Reads, Sample};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen within seconds. Generous:
/// tests run on slow, busy machines; this only bounds a hang.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The simulator's token.
pub const TOKEN: &str = "abc123";

/// A simulator serving on 127.0.0.1:0 until dropped.
pub struct Sim {
    pub base_url: String,
    pub handle: SimulatorHandle,
    stop: Option<oneshot::Sender<()>>,
}

impl Sim {
    pub async fn start(clock: Clock) -> Sim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Sim::serve(listener, clock).await
    }

    pub async fn serve(listener: tokio::net::TcpListener, clock: Clock) -> Sim {
        let sim = Simulator::new(SimulatorConfig {
            token: TOKEN.into(),
            clock,
            faults: Faults::none(),
            ..SimulatorConfig::default()
        })
        .unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = sim.handle();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(headcount_simulator::serve(listener, sim, async move {
            let _ = stopped.await;
        }));
        Sim {
            base_url: format!("http://{addr}/v1"),
            handle,
            stop: Some(stop),
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A database in a temporary directory.
pub struct Db {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Db {
    pub fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headcount.db");
        Db { dir, path }
    }

    /// A config with this database, `base_url`, a 2-second schedule and `targets`
    /// (TOML `[[target]]` tables). Two seconds, not one: the request timeout is 80% of
    /// the interval, and 0.8 s is too short for the simulator on a slow, busy machine.
    pub fn config(&self, base_url: &str, targets: &str) -> Config {
        self.config_with_cron(base_url, "*/2 * * * * *", targets)
    }

    /// [`Db::config`] on another schedule: a 1-second one for pollers that ignore the
    /// request timeout.
    pub fn config_with_cron(&self, base_url: &str, cron: &str, targets: &str) -> Config {
        let text = format!(
            "[upstream]\nbase_url = \"{base_url}\"\n\n[storage]\npath = \"{}\"\n\n[schedule]\ncron = \"{cron}\"\n\n{targets}",
            self.path.display()
        );
        Config::parse(&text, self.dir.path()).unwrap()
    }

    /// Every sample of the target `name` (its newest series), by ts; empty while the
    /// database or target does not exist yet.
    pub fn samples(&self, name: &str) -> Vec<Sample> {
        let Ok(reader) = Reader::open(&self.path) else {
            return Vec::new();
        };
        let Ok(series) = reader.series_of(name) else {
            return Vec::new();
        };
        let Some(series) = series.first() else {
            return Vec::new();
        };
        reader.samples(series.id, 0, i64::MAX).unwrap_or_default()
    }

    /// Waits until `done` holds for the samples of `name`.
    pub async fn wait_for(&self, name: &str, what: &str, done: impl Fn(&[Sample]) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let samples = self.samples(name);
            if done(&samples) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name}: timed out waiting for {what}; have {:?}",
                samples
                    .iter()
                    .map(|s| (s.ts, s.outcome))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn reader(&self) -> Reader {
        Reader::open(&self.path).unwrap()
    }
}

/// A collector running in the background until `stop` is called.
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<headcount_collector::Result<RunSummary>>,
    pub metrics: Arc<headcount_collector::Metrics>,
}

impl Running {
    pub fn start(collector: Collector) -> Running {
        let metrics = collector.metrics();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(collector.run(async move {
            let _ = stopped.await;
        }));
        Running {
            stop: Some(stop),
            task,
            metrics,
        }
    }

    pub fn with_token(config: Config, token: &str) -> Running {
        Running::start(Collector::new(config, AuthToken::new(token.into())).unwrap())
    }

    /// Waits for the collector to end on its own (without asking it to stop); its
    /// result.
    pub async fn ended(mut self) -> headcount_collector::Result<RunSummary> {
        let ended = tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the collector ends on its own")
            .expect("the collector task");
        self.stop.take();
        ended
    }

    pub async fn stop(mut self) -> RunSummary {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the collector stops")
            .expect("the collector task")
            .expect("the collector run")
    }
}

/// Ts of samples with `outcome`.
pub fn with_outcome(samples: &[Sample], outcome: Outcome) -> Vec<i64> {
    samples
        .iter()
        .filter(|s| s.outcome == outcome)
        .map(|s| s.ts)
        .collect()
}

/// Asserts that the samples' slots are contiguous at `every` seconds (no gap, no
/// repeat): a slot the collector could not poll in time is recorded as skipped, never
/// left out.
pub fn assert_contiguous(name: &str, samples: &[Sample], every: i64) {
    for pair in samples.windows(2) {
        assert_eq!(
            pair[1].ts - pair[0].ts,
            every,
            "{name}: slots not contiguous at {every} s: {:?}",
            samples.iter().map(|s| s.ts).collect::<Vec<_>>()
        );
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}
