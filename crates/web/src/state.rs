//! What the server knows: the database, the configured targets, the report settings,
//! the API token, the clock and, in `headcount run`, the in-process collector.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use headcount_config::{Config, SlaConfig, TargetConfig};
use headcount_query::Settings;
use headcount_store::TargetId;
use tokio::sync::Semaphore;

use crate::db::ReadQueue;

/// The API token requests must carry when one is configured. Its `Debug` prints
/// `ApiToken(***)`, so the secret never reaches a log through a derived `Debug`.
#[derive(Clone)]
pub struct ApiToken(Arc<str>);

impl ApiToken {
    /// The token; `None` for an empty (or all-blank) value, which must not be taken
    /// as "protected by the empty token": the binary should refuse to start instead.
    #[must_use]
    pub fn new(token: impl Into<String>) -> Option<ApiToken> {
        let token = token.into();
        if token.trim().is_empty() {
            return None;
        }
        Some(ApiToken(token.into()))
    }

    /// The secret's bytes, for the constant-time comparison only.
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// Counters and state of a collector running in the same process (`headcount run`),
/// as `/metrics` exports them and `/healthz` judges them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectorCounters {
    /// Ticks completed since the collector started.
    pub ticks: u64,
    /// How long the last completed tick took, in seconds; `None` before the first.
    pub last_tick_seconds: Option<f64>,
    /// Samples waiting in the writer's buffer for a retry.
    pub buffered: u64,
    /// Samples lost since the collector started (buffer overflow, refused writes).
    pub dropped: u64,
    /// Failed write attempts since the collector started (each retry counts).
    pub write_errors: u64,
    /// The error of the latest write attempt while writes fail (the samples wait in the
    /// buffer); `None` once a write succeeds. `/healthz` says `degraded` meanwhile.
    pub write_error: Option<String>,
    /// Why the collector stopped collecting for good while the process is still up
    /// (its database file was deleted or replaced); `None` while it collects.
    /// `/healthz` says `error` then.
    pub halted: Option<String>,
}

/// A source of [`CollectorCounters`], read on every scrape of `/metrics` and every
/// `/healthz`. Any `Fn() -> CollectorCounters` is one, so the binary can adapt
/// whatever the collector exposes with a closure:
///
/// ```ignore
/// let metrics = collector.metrics();
/// state.with_collector(move || {
///     let s = metrics.snapshot();
///     CollectorCounters { ticks: s.ticks, buffered: s.buffered, dropped: s.dropped,
///         last_tick_seconds: (s.ticks > 0).then(|| s.last_tick_ms as f64 / 1000.0),
///         write_errors: s.write_errors, write_error: metrics.write_error(),
///         halted: metrics.halted() }
/// })
/// ```
pub trait CollectorStatus: Send + Sync + 'static {
    /// The counters now.
    fn counters(&self) -> CollectorCounters;
}

impl<F> CollectorStatus for F
where
    F: Fn() -> CollectorCounters + Send + Sync + 'static,
{
    fn counters(&self) -> CollectorCounters {
        self()
    }
}

/// The clock: UTC unix seconds. Injected so tests fix `now`.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How long a request may take before the server answers 503.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything the handlers share; cheap to clone (one `Arc`).
///
/// The binary builds it from the checked config with [`AppState::from_config`].
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) db: PathBuf,
    pub(crate) targets: Vec<Configured>,
    pub(crate) by_name: HashMap<String, usize>,
    /// `[[sla]]`, in config order.
    pub(crate) slas: Vec<SlaConfig>,
    pub(crate) settings: Settings,
    pub(crate) token: Option<ApiToken>,
    pub(crate) collector: Option<Arc<dyn CollectorStatus>>,
    pub(crate) clock: Clock,
    pub(crate) timeout: Duration,
    /// Origins whose browser pages may call the server (`[web] cors_origins`).
    pub(crate) cors_origins: Vec<String>,
    /// `[[alert]]` rules, for `/api/v1/alerts`, the dashboard and `/metrics`.
    pub(crate) alerts: Vec<headcount_config::AlertConfig>,
    /// `[[channel]]` names, for `/metrics`.
    pub(crate) channels: Vec<String>,
    /// Bounds concurrent chart renders: each holds a whole bitmap in memory (up to
    /// 4000 × 4000 pixels) and a CPU, so more than one per core only queues anyway.
    pub(crate) renders: Semaphore,
    /// Quick reads waiting for a blocking thread; one drainer per core.
    pub(crate) reads: ReadQueue,
}

/// A configured target and, once found, the id of its current series.
pub(crate) struct Configured {
    pub(crate) config: TargetConfig,
    /// The filters in the canonical JSON the collector stores the series under: how
    /// the current series is found.
    pub(crate) filters_json: String,
    /// Set the first time the series is found; a series, once created, keeps its id,
    /// so `/latest` looks it up once rather than on every request.
    pub(crate) id: OnceLock<TargetId>,
}

impl AppState {
    /// A server reading the database at `db` (read-only) for `targets`, with report
    /// `settings`; no API token, no in-process collector, the system clock and
    /// [`DEFAULT_TIMEOUT`]. Targets keep their order (the dashboard's); a repeated
    /// name keeps its first entry (the config refuses duplicates anyway).
    #[must_use]
    pub fn new(db: impl AsRef<Path>, targets: Vec<TargetConfig>, settings: Settings) -> AppState {
        let mut by_name = HashMap::with_capacity(targets.len());
        let mut kept = Vec::with_capacity(targets.len());
        for t in targets {
            if by_name.contains_key(&t.name) {
                continue;
            }
            by_name.insert(t.name.clone(), kept.len());
            kept.push(Configured {
                filters_json: t.filters_json(),
                config: t,
                id: OnceLock::new(),
            });
        }
        AppState {
            inner: Arc::new(Inner {
                db: db.as_ref().to_owned(),
                targets: kept,
                by_name,
                slas: Vec::new(),
                settings,
                token: None,
                collector: None,
                clock: Arc::new(|| chrono::Utc::now().timestamp()),
                timeout: DEFAULT_TIMEOUT,
                cors_origins: Vec::new(),
                alerts: Vec::new(),
                channels: Vec::new(),
                renders: Semaphore::new(cores()),
                reads: ReadQueue::new(cores()),
            }),
        }
    }

    /// A server for the checked config: its database (read-only), its targets in
    /// file order and its report settings; see [`AppState::new`].
    #[must_use]
    pub fn from_config(config: &Config) -> AppState {
        AppState::new(
            &config.storage.path,
            config.targets.clone(),
            Settings::from(config),
        )
        .with_cors_origins(config.web.cors_origins.clone())
        .with_slas(config.slas.clone())
        .with_alerts(
            config.alerts.clone(),
            config.channels.iter().map(|c| c.name.clone()).collect(),
        )
    }

    /// The `[[alert]]` rules and `[[channel]]` names whose state the alert routes,
    /// the dashboard and `/metrics` show (read from the database). None by default.
    #[must_use]
    pub fn with_alerts(
        self,
        alerts: Vec<headcount_config::AlertConfig>,
        channels: Vec<String>,
    ) -> AppState {
        self.map(|i| {
            i.alerts = alerts;
            i.channels = channels;
        })
    }

    /// Serves these SLAs (`/api/v1/slas`, the `sla` chart, the dashboard). Each must
    /// name a configured target, as the config checks; none by default.
    #[must_use]
    pub fn with_slas(self, slas: Vec<SlaConfig>) -> AppState {
        self.map(|i| i.slas = slas)
    }

    /// The configured SLAs, in order.
    pub fn slas(&self) -> impl Iterator<Item = &SlaConfig> {
        self.inner.slas.iter()
    }

    pub(crate) fn sla(&self, name: &str) -> Option<&SlaConfig> {
        self.inner.slas.iter().find(|s| s.name == name)
    }

    /// Lets browser pages from `origins` (`scheme://host[:port]`, or `*`) call the
    /// server: see the `cors` module. None by default.
    #[must_use]
    pub fn with_cors_origins(self, origins: Vec<String>) -> AppState {
        self.map(|i| i.cors_origins = origins)
    }

    /// Requires `Authorization: Bearer <token>` (or HTTP Basic with the token as the
    /// password) on every route but `/healthz` when `token` is `Some`.
    #[must_use]
    pub fn with_token(self, token: Option<ApiToken>) -> AppState {
        self.map(|i| i.token = token)
    }

    /// Exports the counters of an in-process collector on `/metrics`, and has
    /// `/healthz` report its write failures.
    #[must_use]
    pub fn with_collector(self, status: impl CollectorStatus) -> AppState {
        let status: Arc<dyn CollectorStatus> = Arc::new(status);
        self.map(|i| i.collector = Some(status))
    }

    /// Replaces the clock (UTC unix seconds): tests fix `now` with it.
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> AppState {
        let clock: Clock = Arc::new(clock);
        self.map(|i| i.clock = clock)
    }

    /// Replaces the request timeout.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> AppState {
        self.map(|i| i.timeout = timeout)
    }

    /// The database file.
    #[must_use]
    pub fn db(&self) -> &Path {
        &self.inner.db
    }

    /// The configured targets, in order.
    pub fn targets(&self) -> impl Iterator<Item = &TargetConfig> {
        self.inner.targets.iter().map(|t| &t.config)
    }

    /// The report settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The time now, UTC unix seconds, by the state's clock.
    #[must_use]
    pub fn now(&self) -> i64 {
        (self.inner.clock)()
    }

    pub(crate) fn target(&self, name: &str) -> Option<&Configured> {
        self.inner
            .by_name
            .get(name)
            .map(|&i| &self.inner.targets[i])
    }

    /// Builder helper: the state is only changed before it is shared.
    fn map(self, f: impl FnOnce(&mut Inner)) -> AppState {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            db: shared.db.clone(),
            targets: shared
                .targets
                .iter()
                .map(|t| Configured {
                    config: t.config.clone(),
                    filters_json: t.filters_json.clone(),
                    id: t.id.get().map(|id| OnceLock::from(*id)).unwrap_or_default(),
                })
                .collect(),
            by_name: shared.by_name.clone(),
            slas: shared.slas.clone(),
            settings: shared.settings.clone(),
            token: shared.token.clone(),
            collector: shared.collector.clone(),
            clock: shared.clock.clone(),
            timeout: shared.timeout,
            cors_origins: shared.cors_origins.clone(),
            alerts: shared.alerts.clone(),
            channels: shared.channels.clone(),
            renders: Semaphore::new(cores()),
            reads: ReadQueue::new(cores()),
        });
        f(&mut inner);
        AppState {
            inner: Arc::new(inner),
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("AppState")
            .field("db", &i.db)
            .field(
                "targets",
                &i.targets.iter().map(|t| &t.config.name).collect::<Vec<_>>(),
            )
            .field("settings", &i.settings)
            .field("token", &i.token)
            .field("collector", &i.collector.is_some())
            .field("timeout", &i.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_shows_in_debug() {
        let t = ApiToken::new("s3cret-value").unwrap();
        assert_eq!(format!("{t:?}"), "ApiToken(***)");
        let state = AppState::new("x.db", Vec::new(), Settings::default()).with_token(Some(t));
        let dbg = format!("{state:?}");
        assert!(!dbg.contains("s3cret"), "{dbg}");
        assert!(dbg.contains("ApiToken(***)"), "{dbg}");
    }

    #[test]
    fn an_empty_token_is_no_token() {
        assert!(ApiToken::new("").is_none());
        assert!(ApiToken::new("  ").is_none());
    }

    #[test]
    fn a_repeated_target_name_keeps_its_first_entry() {
        let t = |queue: Option<&str>| TargetConfig {
            name: "a".into(),
            filters: headcount_convoso::Filters {
                queue_id: queue.map(str::to_owned),
                ..Default::default()
            },
            schedule: headcount_config::Schedule::parse("* * * * * *").unwrap(),
            own_schedule: false,
            timeout: Duration::from_secs(1),
            line: 1,
        };
        let s = AppState::new("x.db", vec![t(None), t(Some("1"))], Settings::default());
        assert_eq!(s.targets().count(), 1);
        assert_eq!(s.target("a").unwrap().filters_json, "{}");
    }
}
