//! headcount's config file, and the vocabulary every other crate takes from it: the
//! one owner of targets and their canonical filter key, schedules, staffing states and
//! their thresholds, the peak window, durations, and every default.
//!
//! The TOML file is parsed with serde (unknown keys refused) and checked once into a
//! [`Config`] whose values are ready to use; the collector, the query crate, the web
//! server and the CLI take these typed values and never read TOML themselves. Every
//! error names the line it stands on and the key at fault, e.g.
//! `config: line 12: target "sales": unknown key "campain_id"`. A relative
//! `storage.path` is taken relative to the directory of the config file (not the
//! working directory), so a service started from anywhere finds the same database.
//! `docs/config.md` lists every key with its default; a test checks it against this
//! crate.
//!
//! Layout:
//! - `lib.rs`: [`Config`] and its sections, loading and checking (`Checker`).
//! - `raw`: the file as written (serde structs with spans).
//! - `locate`: byte offsets to lines and key paths for messages.
//! - `target`: [`TargetConfig`] and [`filters_json`], the series key.
//! - `schedule`: [`Schedule`], 6-field cron expressions in UTC.
//! - `state`: [`State`] and [`Thresholds`], how a sample is judged.
//! - `window`: [`Window`], local weekdays and hours (the peak window).
//! - `duration`: [`parse_duration`], [`fmt_duration`], [`Retention`].
//! - `export`: [`ExportConfig`], `[export.remote_write]` and its credentials.
//! - `sla`: [`SlaConfig`], `[[sla]]`: service-level objectives and their [`SlaCondition`].
//! - `alert`: [`AlertConfig`] and [`ChannelConfig`], `[[alert]]` rules and
//!   `[[channel]]` receivers (their URLs read from the environment).
//! - `error`: [`Error`].

mod alert;
mod duration;
mod error;
mod export;
mod locate;
mod raw;
mod schedule;
mod sla;
mod state;
mod target;
mod window;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Weekday;
use chrono_tz::Tz;
use headcount_convoso::{AuthToken, Client, ClientConfig, Filters, Method};
use toml::Spanned;
use toml::de::DeTable;

pub use alert::{
    AlertCondition, AlertConfig, ChannelConfig, ChannelKind, ChannelUrl, DEFAULT_ALERT_FOR,
    DEFAULT_CHANNEL_TIMEOUT, DEFAULT_GIVE_UP_AFTER, DEFAULT_RECOVER_FOR, Measure, Op, Severity,
    Test, fmt_value, rank_state, state_rank,
};
pub use duration::{Backoff, Retention, fmt_duration, parse_duration};
pub use error::{Error, Result};
pub use export::{
    Credentials, DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL, DEFAULT_REMOTE_TIMEOUT, ExportConfig,
    MAX_BATCH_SIZE, RESERVED_LABELS, RemoteWriteAuth, RemoteWriteConfig, Secret,
};
pub use schedule::Schedule;
pub use sla::{DEFAULT_OBJECTIVE, Period, SlaCondition, SlaConfig, Unknown};
pub use state::{State, Thresholds};
pub use target::{TargetConfig, filters_json};
pub use window::{DAY_NAMES, Window, WindowText, day_name, parse_day};

use locate::{describe, line_of, path_at};
use raw::{Id, RawConfig, RawTarget};
use target::check_name;

/// A commented example config that works against `headcount simulate` as it starts
/// by default; `headcount init` writes it.
pub const EXAMPLE: &str = include_str!("example.toml");

/// Default of `upstream.auth_token_env`.
pub const DEFAULT_AUTH_TOKEN_ENV: &str = "CONVOSO_AUTH_TOKEN";
/// Default of `upstream.timeout` (clamped to 80% of the shortest poll interval).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default of `upstream.concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default of `storage.path`.
pub const DEFAULT_DB: &str = "headcount.db";
/// Default of `storage.raw_retention`: 35 days.
pub const DEFAULT_RAW_RETENTION: Duration = Duration::from_secs(35 * 86_400);
/// Default of `schedule.cron`: every 15 seconds.
pub const DEFAULT_CRON: &str = "*/15 * * * * *";
/// Default of `web.listen`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default of `web.api_token_env`.
pub const DEFAULT_API_TOKEN_ENV: &str = "HEADCOUNT_API_TOKEN";

/// The request timeout may take at most this share of the shortest poll interval, so
/// that a poll ends before the target's next slot.
const TIMEOUT_SHARE: f64 = 0.8;
/// Most concurrent polls `upstream.concurrency` may ask for.
const MAX_CONCURRENCY: i64 = 4096;

const TARGET_KEYS: &str = "name, campaign_id, queue_id, user_id, skills, cron";

/// A checked config: every value parsed, defaults applied, paths resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, if any.
    pub source: Option<PathBuf>,
    /// `[upstream]`: where and how to poll.
    pub upstream: UpstreamConfig,
    /// `[storage]`: the database and how long rows are kept.
    pub storage: StorageConfig,
    /// `[schedule]`: the default schedule of targets.
    pub schedule: Schedule,
    /// `[report]`: how reports read the numbers.
    pub report: ReportConfig,
    /// `[web]`: the HTTP server.
    pub web: WebConfig,
    /// `[log]`: logging defaults (the command line and `RUST_LOG` override them).
    pub log: LogConfig,
    /// `[export]`: where samples are sent besides the database (none by default).
    pub export: ExportConfig,
    /// `[[target]]`: what is polled, in file order; names are unique.
    pub targets: Vec<TargetConfig>,
    /// `[[sla]]`: service-level objectives, in file order; names are unique.
    pub slas: Vec<SlaConfig>,
    /// `[[alert]]`: staffing alert rules, in file order; names are unique.
    pub alerts: Vec<AlertConfig>,
    /// `[[channel]]`: where alert notifications go; names are unique.
    pub channels: Vec<ChannelConfig>,
}

/// `[upstream]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    /// The API root, e.g. `https://api.convoso.com/v1`.
    pub base_url: String,
    /// The environment variable holding the upstream token.
    pub auth_token_env: String,
    /// POST (default) or GET.
    pub method: Method,
    /// The request timeout as configured (default 5 s). Never more than 80% of the
    /// shortest interval of the targets on `[schedule]`'s cron; each target's effective
    /// timeout is [`TargetConfig::timeout`].
    pub timeout: Duration,
    /// Most polls in flight at once.
    pub concurrency: usize,
    /// Counts above this are refused as a bad body (default
    /// [`headcount_convoso::DEFAULT_MAX_AGENTS`]).
    pub max_agents: u32,
}

/// `[storage]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// The database file, resolved against the config file's directory.
    pub path: PathBuf,
    /// How long raw samples are kept (default 35 days).
    pub raw_retention: Retention,
    /// How long 15-minute rollups are kept (default forever).
    pub rollup_retention: Retention,
}

/// `[report]`: how reports read the numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportConfig {
    /// The center's local time zone (default UTC).
    pub timezone: Tz,
    /// The peak window (default Mon–Fri 09:00–17:00).
    pub peak: Window,
    /// State thresholds in whole percent of agents available (default 20/10/5).
    pub thresholds: Thresholds,
}

/// `[web]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebConfig {
    /// Address the HTTP server binds (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// The environment variable whose value, when set, requests must carry.
    pub api_token_env: String,
    /// Origins whose browser pages may call the server (CORS), e.g.
    /// `https://grafana.example.com`, or `*` for any; none by default.
    pub cors_origins: Vec<String>,
    /// The dashboard's address as people reach it, for links in alert messages
    /// (default `http://` and `listen`).
    pub public_url: String,
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogConfig {
    /// `text` (default) or `json`.
    pub format: LogFormat,
    /// A level or filter such as `info` or `headcount_collector=debug,info`.
    pub level: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl Config {
    /// Reads and checks the config file at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::ReadConfig`] when the file cannot be read; [`Error::Config`] naming
    /// the line and key of the first problem.
    pub fn load(path: impl AsRef<Path>) -> Result<Config> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadConfig {
            path: path.to_owned(),
            error: source,
        })?;
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_owned);
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let mut config = Config::parse(&text, &dir)?;
        config.source = Some(path.to_owned());
        Ok(config)
    }

    /// Parses and checks config text; a relative `storage.path` is resolved against
    /// `base_dir`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the line and key of the first problem.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Config> {
        let doc = DeTable::parse(text).map_err(|e| syntax_error(text, &e))?;
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| serde_error(text, doc.get_ref(), &e))?;
        Checker { text }.check(raw, base_dir)
    }

    /// The upstream token, read from the variable `upstream.auth_token_env` names.
    /// Only commands that poll need it.
    ///
    /// # Errors
    ///
    /// [`Error::MissingToken`] naming the variable when it is unset or empty.
    pub fn upstream_token(&self) -> Result<AuthToken> {
        token_from_env("upstream token", &self.upstream.auth_token_env).map(AuthToken::new)
    }

    /// The upstream client configuration with `token`.
    #[must_use]
    pub fn client_config(&self, token: AuthToken) -> ClientConfig {
        ClientConfig {
            base_url: self.upstream.base_url.clone(),
            token,
            method: self.upstream.method,
            timeout: self.upstream.timeout,
            max_agents: self.upstream.max_agents,
        }
    }

    /// The alert rule called `name`.
    #[must_use]
    pub fn alert(&self, name: &str) -> Option<&AlertConfig> {
        self.alerts.iter().find(|a| a.name == name)
    }

    /// The channel called `name`.
    #[must_use]
    pub fn channel(&self, name: &str) -> Option<&ChannelConfig> {
        self.channels.iter().find(|c| c.name == name)
    }

    /// The target called `name`.
    #[must_use]
    pub fn target(&self, name: &str) -> Option<&TargetConfig> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// The SLA called `name`.
    #[must_use]
    pub fn sla(&self, name: &str) -> Option<&SlaConfig> {
        self.slas.iter().find(|s| s.name == name)
    }

    /// The shortest interval between two polls of any target.
    #[must_use]
    pub fn min_interval(&self) -> Duration {
        self.targets
            .iter()
            .map(|t| t.schedule.min_interval())
            .min()
            .unwrap_or_else(|| self.schedule.min_interval())
    }
}

/// Reads a secret from the environment variable `var`.
fn token_from_env(what: &'static str, var: &str) -> Result<String> {
    let missing = |state| Error::MissingToken {
        what,
        var: var.to_owned(),
        state,
    };
    match std::env::var(var) {
        Ok(v) if v.trim().is_empty() => Err(missing("empty")),
        Ok(v) => Ok(v),
        Err(std::env::VarError::NotPresent) => Err(missing("not set")),
        Err(std::env::VarError::NotUnicode(_)) => Err(missing("not valid UTF-8")),
    }
}

/// A TOML syntax error (or a duplicate key) as a one-line config error.
fn syntax_error(text: &str, e: &toml::de::Error) -> Error {
    let line = e.span().map(|s| line_of(text, s.start));
    let mut message = one_line(e.message());
    if message == "duplicate key"
        && let Some(span) = e.span()
        && let Some(key) = text.get(span)
    {
        message = format!("duplicate key {:?}", key.trim());
    }
    Error::config(line, message)
}

/// A serde error (unknown key, wrong type) as a one-line config error naming the key.
fn serde_error(text: &str, doc: &DeTable<'_>, e: &toml::de::Error) -> Error {
    let message = one_line(e.message())
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key")
        .replace("expected i64", "expected an integer")
        .replace('`', "\"");
    let Some(span) = e.span() else {
        return Error::config(None, message);
    };
    let line = line_of(text, span.start);
    let mut path = path_at(doc, span.start);
    // The message already names an unknown key; the path then ends at it.
    if message.starts_with("unknown key") {
        path.pop();
    }
    let place = describe(doc, &path);
    let message = if place.is_empty() {
        message
    } else {
        format!("{place}: {message}")
    };
    Error::config(Some(line), message)
}

fn one_line(s: &str) -> String {
    s.trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks the raw config into a [`Config`], turning spans into lines.
struct Checker<'t> {
    text: &'t str,
}

impl Checker<'_> {
    fn line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        Some(line_of(self.text, s.span().start))
    }

    fn err<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> Error {
        Error::config(self.line(at), message)
    }

    fn check(&self, raw: RawConfig, base_dir: &Path) -> Result<Config> {
        // Targets and schedules first: the timeout check needs the intervals.
        let default_cron = match raw.schedule.as_ref().and_then(|s| s.cron.as_ref()) {
            Some(c) => Schedule::parse(c.get_ref())
                .map_err(|why| self.err(c, format!("schedule.cron: {why}")))?,
            None => Schedule::parse(DEFAULT_CRON).map_err(|why| Error::config(None, why))?,
        };
        let mut targets = self.targets(raw.target, &default_cron)?;
        let upstream = self.upstream(raw.upstream, &targets)?;
        for t in &mut targets {
            t.timeout = upstream
                .timeout
                .min(t.schedule.min_interval().mul_f64(TIMEOUT_SHARE));
        }
        let storage = self.storage(raw.storage, base_dir)?;
        let report = self.report(raw.report)?;
        let web = self.web(raw.web)?;
        let log = self.log(raw.log)?;
        let export = self.export(raw.export)?;
        let slas = self.slas(raw.sla, &targets)?;
        let channels = self.channels(raw.channel)?;
        let alerts = self.alerts(raw.alert, &targets, &channels)?;
        Ok(Config {
            source: None,
            upstream,
            storage,
            schedule: default_cron,
            report,
            web,
            log,
            export,
            targets,
            slas,
            alerts,
            channels,
        })
    }

    fn targets(
        &self,
        raw: Option<Spanned<Vec<Spanned<RawTarget>>>>,
        default_cron: &Schedule,
    ) -> Result<Vec<TargetConfig>> {
        let Some(raw) = raw else {
            return Err(Error::config(
                None,
                "no targets: add at least one [[target]] with a name",
            ));
        };
        if raw.get_ref().is_empty() {
            return Err(self.err(&raw, "target: empty list; add at least one [[target]]"));
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut targets = Vec::with_capacity(raw.get_ref().len());
        for (i, t) in raw.into_inner().into_iter().enumerate() {
            let header_line = self.line(&t).unwrap_or(1);
            let t = t.into_inner();
            let Some(name) = t.name else {
                return Err(Error::config(
                    Some(header_line),
                    format!(
                        "target #{}: missing key \"name\" (keys: {TARGET_KEYS})",
                        i + 1
                    ),
                ));
            };
            let name_str = name.get_ref().clone();
            if let Err(why) = check_name(&name_str) {
                return Err(self.err(&name, format!("target #{}: name {why}", i + 1)));
            }
            let line = self.line(&name).unwrap_or(header_line);
            if let Some(first) = seen.insert(name_str.clone(), line) {
                return Err(self.err(
                    &name,
                    format!("target {name_str:?}: duplicate name (first used on line {first})"),
                ));
            }
            let at = |key: &str| format!("target {name_str:?}: {key}");
            // Each filter is checked alone, so an error names the line of its key.
            let check = |f: &Filters, span: &Spanned<()>| -> Result<()> {
                f.check()
                    .map_err(|e| Error::config(self.line(span), at(&e.to_string())))
            };
            let id = |v: Option<Spanned<Id>>, key: &str| -> Result<Option<String>> {
                let Some(v) = v else { return Ok(None) };
                if v.get_ref().0.trim().is_empty() {
                    return Err(self.err(
                        &v,
                        format!("{}: empty; leave the key out for no filter", at(key)),
                    ));
                }
                let value = v.get_ref().0.trim().to_owned();
                let mut alone = Filters::default();
                match key {
                    "campaign_id" => alone.campaign_id = Some(value.clone()),
                    "queue_id" => alone.queue_id = Some(value.clone()),
                    _ => alone.user_id = Some(value.clone()),
                }
                check(&alone, &Spanned::new(v.span(), ()))?;
                Ok(Some(value))
            };
            let campaign_id = id(t.campaign_id, "campaign_id")?;
            let queue_id = id(t.queue_id, "queue_id")?;
            let user_id = id(t.user_id, "user_id")?;
            let mut skills = Vec::new();
            if let Some(list) = t.skills {
                if list.get_ref().is_empty() {
                    return Err(self.err(
                        &list,
                        format!(
                            "{}: empty list; leave the key out for no filter",
                            at("skills")
                        ),
                    ));
                }
                for s in list.into_inner() {
                    if s.get_ref().trim().is_empty() {
                        return Err(self.err(&s, format!("{}: empty skill", at("skills"))));
                    }
                    let alone = Filters {
                        skills: vec![s.get_ref().clone()],
                        ..Filters::default()
                    };
                    check(&alone, &Spanned::new(s.span(), ()))?;
                    skills.push(s.into_inner());
                }
            }
            let own_schedule = t.cron.is_some();
            let schedule = match t.cron {
                Some(c) => Schedule::parse(c.get_ref())
                    .map_err(|why| self.err(&c, format!("{}: {why}", at("cron"))))?,
                None => default_cron.clone(),
            };
            let filters = Filters {
                campaign_id,
                queue_id,
                user_id,
                skills,
            }
            .canonical();
            targets.push(TargetConfig {
                name: name_str,
                filters,
                schedule,
                own_schedule,
                timeout: DEFAULT_TIMEOUT,
                line,
            });
        }
        Ok(targets)
    }

    fn upstream(
        &self,
        raw: Option<Spanned<raw::RawUpstream>>,
        targets: &[TargetConfig],
    ) -> Result<UpstreamConfig> {
        let Some(raw) = raw else {
            return Err(Error::config(
                None,
                "missing [upstream] section with base_url (e.g. base_url = \"https://api.convoso.com/v1\")",
            ));
        };
        let header = self.line(&raw);
        let raw = raw.into_inner();
        let Some(base_url) = raw.base_url else {
            return Err(Error::config(
                header,
                "upstream: missing key \"base_url\" (e.g. base_url = \"https://api.convoso.com/v1\")",
            ));
        };
        // The client's own checks, with a placeholder token, so the rules live in one
        // place. The URL is never echoed: it may hold a secret.
        if let Err(why) = headcount_convoso::check_base_url(base_url.get_ref()) {
            let shown = headcount_convoso::display_url(base_url.get_ref());
            return Err(self.err(&base_url, format!("upstream.base_url {shown:?}: {why}")));
        }
        if let Err(e) = Client::new(ClientConfig::new(
            base_url.get_ref().clone(),
            AuthToken::new("placeholder".to_owned()),
        )) {
            let reason = match e {
                headcount_convoso::Error::BadConfig { reason } => reason,
                other => other.to_string(),
            };
            return Err(self.err(&base_url, format!("upstream.{reason}")));
        }
        let auth_token_env = match raw.auth_token_env {
            Some(v) => self.env_name(&v, "upstream.auth_token_env")?,
            None => DEFAULT_AUTH_TOKEN_ENV.to_owned(),
        };
        let method = match raw.method {
            Some(m) => m.get_ref().parse::<Method>().map_err(|_| {
                self.err(
                    &m,
                    format!(
                        "upstream.method: unknown method {:?}, expected \"POST\" or \"GET\"",
                        m.get_ref()
                    ),
                )
            })?,
            None => Method::Post,
        };
        let max_agents = match raw.max_agents {
            None => headcount_convoso::DEFAULT_MAX_AGENTS,
            Some(m) => u32::try_from(*m.get_ref())
                .ok()
                .filter(|m| *m >= 1)
                .ok_or_else(|| {
                    self.err(
                        &m,
                        format!(
                            "upstream.max_agents: {} is out of range 1..={}",
                            m.get_ref(),
                            u32::MAX
                        ),
                    )
                })?,
        };
        let concurrency = match raw.concurrency {
            Some(c) if (1..=MAX_CONCURRENCY).contains(c.get_ref()) => {
                usize::try_from(*c.get_ref()).unwrap_or(DEFAULT_CONCURRENCY)
            }
            Some(c) => {
                return Err(self.err(
                    &c,
                    format!(
                        "upstream.concurrency: {} is out of range 1..={MAX_CONCURRENCY}",
                        c.get_ref()
                    ),
                ));
            }
            None => DEFAULT_CONCURRENCY,
        };
        // `upstream.timeout` is set beside `[schedule]`: it must leave a poll on that
        // schedule time to end before the next slot. Targets on a tighter schedule of
        // their own get it clamped instead (see `Target::timeout`), so that a fast
        // target does not forbid a sensible timeout for all the others.
        let tightest = targets
            .iter()
            .filter(|t| !t.own_schedule)
            .min_by_key(|t| t.schedule.min_interval())
            .map(|t| (t.schedule.min_interval(), t));
        let timeout = match raw.timeout {
            Some(t) => {
                let d = parse_duration(t.get_ref())
                    .map_err(|why| self.err(&t, format!("upstream.timeout: {why}")))?;
                if let Some((interval, target)) = tightest
                    && d > interval.mul_f64(TIMEOUT_SHARE)
                {
                    return Err(self.err(
                        &t,
                        format!(
                            "upstream.timeout: {} is more than 80% of the shortest interval between polls \
                             ({}, cron {:?} of target {:?}); use at most {}",
                            t.get_ref(),
                            fmt_duration(interval),
                            target.schedule.expr(),
                            target.name,
                            fmt_duration(interval.mul_f64(TIMEOUT_SHARE)),
                        ),
                    ));
                }
                d
            }
            None => DEFAULT_TIMEOUT,
        };
        Ok(UpstreamConfig {
            base_url: base_url.into_inner().trim().to_owned(),
            auth_token_env,
            method,
            timeout,
            concurrency,
            max_agents,
        })
    }

    fn env_name(&self, v: &Spanned<String>, key: &str) -> Result<String> {
        let name = v.get_ref().trim();
        let ok = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Ok(name.to_owned())
        } else {
            Err(self.err(
                v,
                format!(
                    "{key}: {:?} is not an environment variable name (letters, digits and _)",
                    v.get_ref()
                ),
            ))
        }
    }

    fn storage(&self, raw: Option<raw::RawStorage>, base_dir: &Path) -> Result<StorageConfig> {
        let (path, raw_ret, rollup_ret) = match raw {
            Some(s) => (s.path, s.raw_retention, s.rollup_retention),
            None => (None, None, None),
        };
        let path = match path {
            Some(p) if p.get_ref().trim().is_empty() => {
                return Err(self.err(&p, "storage.path: empty"));
            }
            Some(p) => PathBuf::from(p.into_inner()),
            None => PathBuf::from(DEFAULT_DB),
        };
        let path = if path.is_relative() {
            base_dir.join(path)
        } else {
            path
        };
        let retention = |v: &Option<Spanned<String>>, key: &str, default: Retention| match v {
            None => Ok(default),
            Some(v) if v.get_ref().trim().eq_ignore_ascii_case("forever") => Ok(Retention::Forever),
            Some(v) => parse_duration(v.get_ref())
                .map(Retention::For)
                .map_err(|why| self.err(v, format!("storage.{key}: {why}, or \"forever\""))),
        };
        let raw_retention = retention(
            &raw_ret,
            "raw_retention",
            Retention::For(DEFAULT_RAW_RETENTION),
        )?;
        let rollup_retention = retention(&rollup_ret, "rollup_retention", Retention::Forever)?;
        if let (Retention::For(rollups), Some(v)) = (rollup_retention, &rollup_ret) {
            let shorter = match raw_retention {
                Retention::Forever => true,
                Retention::For(raw) => rollups < raw,
            };
            if shorter {
                return Err(self.err(
                    v,
                    format!(
                        "storage.rollup_retention: {} is shorter than raw_retention ({raw_retention}); \
                         rollups would be pruned before the samples they sum",
                        v.get_ref()
                    ),
                ));
            }
        }
        Ok(StorageConfig {
            path,
            raw_retention,
            rollup_retention,
        })
    }

    fn report(&self, raw: Option<raw::RawReport>) -> Result<ReportConfig> {
        let (tz, peak, thresholds) = match raw {
            Some(r) => (r.timezone, r.peak, r.thresholds),
            None => (None, None, None),
        };
        let timezone = match tz {
            Some(t) => t.get_ref().trim().parse::<Tz>().map_err(|_| {
                self.err(
                    &t,
                    format!(
                        "report.timezone: unknown time zone {:?} (an IANA name such as \"America/New_York\")",
                        t.get_ref()
                    ),
                )
            })?,
            None => Tz::UTC,
        };
        let peak = self.peak(peak)?;
        let thresholds = self.thresholds(thresholds)?;
        Ok(ReportConfig {
            timezone,
            peak,
            thresholds,
        })
    }

    fn peak(&self, raw: Option<raw::RawPeak>) -> Result<Window> {
        let Some(raw) = raw else {
            return Ok(Window::default());
        };
        let days = match raw.days {
            None => Window::default().days().collect(),
            Some(list) => self.days(&list, "report.peak.days")?,
        };
        let hours = match raw.hours {
            None => Window::default().hours(),
            Some(h) => {
                Window::new([], h.get_ref())
                    .map_err(|why| self.err(&h, format!("report.peak.hours: {why}")))?;
                h.into_inner()
            }
        };
        Window::new(days, &hours).map_err(|why| Error::config(None, why))
    }

    /// A list of weekdays, each checked; `key` names it in messages.
    fn days(&self, list: &[Spanned<String>], key: &str) -> Result<Vec<Weekday>> {
        list.iter()
            .map(|d| {
                parse_day(d.get_ref()).ok_or_else(|| {
                    self.err(
                        d,
                        format!(
                            "{key}: unknown day {:?}; expected mon, tue, wed, thu, fri, sat or sun",
                            d.get_ref()
                        ),
                    )
                })
            })
            .collect()
    }

    fn thresholds(&self, raw: Option<Spanned<raw::RawThresholds>>) -> Result<Thresholds> {
        let Some(raw) = raw else {
            return Ok(Thresholds::default());
        };
        let at = raw.span();
        let raw = raw.into_inner();
        let default = Thresholds::default();
        let pct = |v: Option<Spanned<i64>>, key: &str, default: u32| -> Result<u32> {
            match v {
                None => Ok(default),
                Some(v) => u32::try_from(*v.get_ref())
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| {
                        self.err(
                            &v,
                            format!(
                                "report.thresholds.{key}: {} is not a whole percent in 0..=100",
                                v.get_ref()
                            ),
                        )
                    }),
            }
        };
        let healthy = pct(raw.healthy, "healthy", default.healthy())?;
        let monitor = pct(raw.monitor, "monitor", default.monitor())?;
        let warning = pct(raw.warning, "warning", default.warning())?;
        Thresholds::new(healthy, monitor, warning).map_err(|why| {
            Error::config(
                Some(line_of(self.text, at.start)),
                format!("report.thresholds: {why}"),
            )
        })
    }

    fn web(&self, raw: Option<raw::RawWeb>) -> Result<WebConfig> {
        let (listen, env, cors, public_url) = match raw {
            Some(w) => (w.listen, w.api_token_env, w.cors_origins, w.public_url),
            None => (None, None, None, None),
        };
        let listen = match listen {
            Some(l) => l.get_ref().trim().parse::<SocketAddr>().map_err(|_| {
                self.err(
                    &l,
                    format!(
                        "web.listen: {:?} is not an IP address and port (e.g. \"127.0.0.1:8080\")",
                        l.get_ref()
                    ),
                )
            })?,
            None => DEFAULT_LISTEN
                .parse()
                .map_err(|_| Error::config(None, "web.listen: bad default"))?,
        };
        let api_token_env = match env {
            Some(v) => self.env_name(&v, "web.api_token_env")?,
            None => DEFAULT_API_TOKEN_ENV.to_owned(),
        };
        let mut cors_origins = Vec::new();
        for origin in cors.map(Spanned::into_inner).unwrap_or_default() {
            let o = origin.get_ref().trim().trim_end_matches('/');
            check_origin(o).map_err(|why| {
                self.err(
                    &origin,
                    format!("web.cors_origins: {:?} {why}", origin.get_ref()),
                )
            })?;
            cors_origins.push(o.to_owned());
        }
        let public_url = match public_url {
            None => format!("http://{listen}"),
            Some(u) => {
                headcount_convoso::check_base_url(u.get_ref())
                    .map_err(|why| self.err(&u, format!("web.public_url: {why}")))?;
                u.into_inner().trim().trim_end_matches('/').to_owned()
            }
        };
        Ok(WebConfig {
            listen,
            api_token_env,
            cors_origins,
            public_url,
        })
    }

    fn log(&self, raw: Option<raw::RawLog>) -> Result<LogConfig> {
        let Some(raw) = raw else {
            return Ok(LogConfig::default());
        };
        let format = match raw.format {
            None => LogFormat::Text,
            Some(f) => match f.get_ref().trim().to_ascii_lowercase().as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => {
                    return Err(self.err(
                        &f,
                        format!(
                            "log.format: unknown format {:?}, expected \"text\" or \"json\"",
                            f.get_ref()
                        ),
                    ));
                }
            },
        };
        let level = match raw.level {
            None => None,
            Some(l) => {
                check_log_filter(l.get_ref())
                    .map_err(|why| self.err(&l, format!("log.level: {why}")))?;
                Some(l.into_inner().trim().to_owned())
            }
        };
        Ok(LogConfig { format, level })
    }
}

/// A CORS origin as browsers send it: `scheme://host[:port]`, nothing after; or `*`.
fn check_origin(o: &str) -> std::result::Result<(), &'static str> {
    if o == "*" {
        return Ok(());
    }
    let Some((scheme, rest)) = o.split_once("://") else {
        return Err(
            "is not an origin: expected scheme://host[:port], e.g. \"https://grafana.example.com\", or \"*\"",
        );
    };
    if !matches!(scheme, "http" | "https") {
        return Err("is not an origin: the scheme must be http or https");
    }
    let ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if ok {
        Ok(())
    } else {
        Err("is not an origin: scheme://host[:port] only, without a path, query or user")
    }
}

/// A tracing filter: comma-separated `level` or `target=level` directives.
fn check_log_filter(s: &str) -> std::result::Result<(), String> {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let is_level = |l: &str| LEVELS.contains(&l.trim().to_ascii_lowercase().as_str());
    if s.trim().is_empty() {
        return Err("empty; expected a level such as \"info\"".to_owned());
    }
    for directive in s.split(',') {
        let ok = match directive.split_once('=') {
            None => is_level(directive),
            Some((target, level)) => {
                !target.trim().is_empty()
                    && target
                        .trim()
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-'))
                    && is_level(level)
            }
        };
        if !ok {
            return Err(format!(
                "{:?} is not a level (off, error, warn, info, debug, trace) or target=level",
                directive.trim()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
