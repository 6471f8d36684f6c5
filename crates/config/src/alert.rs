//! `[[alert]]` and `[[channel]]`: staffing alert rules and where their notifications
//! go.
//!
//! Only what the file says is checked here (conditions, thresholds on the right side,
//! windows, names of targets and channels). The secret of a channel (its webhook URL)
//! is read from the environment by [`ChannelConfig::url`] when something is about to
//! deliver (`run`, `collect`, `check`, `alerts test`); an unset variable is then a
//! config error naming the channel's line. The `headcount-alerts` crate evaluates the
//! rules and delivers.
//!
//! A condition is one comparison, `MEASURE OP VALUE`:
//! - `available < 5`, `logged_in < 10`: counts of the sample (`<` or `<=`);
//! - `available_pct < 10`: 100 × available ÷ logged_in (no value when nobody is
//!   logged in);
//! - `state >= warning`: the sample's state at least this bad (`warning`, `critical`,
//!   `unavailable`; no value when nobody is logged in);
//! - `no_data >= 10m`: no ok sample for that long (failed polls or recorder
//!   downtime); it resolves at the next ok sample.
//!
//! A recovery condition (`recover_when`) tests the same measure the other way
//! (`available >= 8`, `state <= monitor`) and may not overlap the firing condition;
//! by default it is the firing condition's negation (no hysteresis).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use chrono::Weekday;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::raw::{RawActive, RawAlert, RawChannel};
use crate::state::State;
use crate::window::Window;
use crate::{Checker, TargetConfig, parse_duration, token_from_env};

/// Default of `alert.for`: the condition must hold this long before the alert fires.
pub const DEFAULT_ALERT_FOR: Duration = Duration::from_secs(60);
/// Default of `alert.recover_for`: the recovery condition must hold this long before a
/// firing alert resolves.
pub const DEFAULT_RECOVER_FOR: Duration = Duration::from_secs(120);
/// Default of `channel.give_up_after`: a notification not delivered by then is given
/// up, counted and logged.
pub const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Default of `channel.timeout`: one delivery request.
pub const DEFAULT_CHANNEL_TIMEOUT: Duration = Duration::from_secs(10);

const ALERT_KEYS: &str = "name, targets, when, for, recover_when, recover_for, active, repeat, \
     send_resolved, severity, channels";

/// What an alert measures in a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Agents available.
    Available,
    /// Agents logged in.
    LoggedIn,
    /// 100 × available ÷ logged_in; no value when nobody is logged in.
    AvailablePct,
    /// The sample's state, as its badness rank ([`state_rank`]); no value when nobody
    /// is logged in.
    State,
}

impl Measure {
    /// The name the config writes.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Measure::Available => "available",
            Measure::LoggedIn => "logged_in",
            Measure::AvailablePct => "available_pct",
            Measure::State => "state",
        }
    }

    /// Whether a lower value is worse (counts, percentages) rather than a higher one
    /// (the state's rank).
    #[must_use]
    pub const fn lower_is_worse(self) -> bool {
        !matches!(self, Measure::State)
    }
}

/// How bad a state is, for `state` conditions: healthy 0, monitor 1, warning 2,
/// critical 3, unavailable 4. `no_agents` has no rank (nobody is scheduled).
#[must_use]
pub const fn state_rank(state: State) -> Option<u8> {
    match state {
        State::NoAgents => None,
        State::Healthy => Some(0),
        State::Monitor => Some(1),
        State::Warning => Some(2),
        State::Critical => Some(3),
        State::Unavailable => Some(4),
    }
}

/// The state of a rank (see [`state_rank`]).
#[must_use]
pub const fn rank_state(rank: u8) -> State {
    match rank {
        0 => State::Healthy,
        1 => State::Monitor,
        2 => State::Warning,
        3 => State::Critical,
        _ => State::Unavailable,
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// The operator as written.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Whether `value OP threshold`.
    #[must_use]
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
        }
    }

    const fn is_below(self) -> bool {
        matches!(self, Op::Lt | Op::Le)
    }

    const fn negated(self) -> Op {
        match self {
            Op::Lt => Op::Ge,
            Op::Le => Op::Gt,
            Op::Gt => Op::Le,
            Op::Ge => Op::Lt,
        }
    }
}

/// One comparison of a sample's measure with a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    /// What is compared.
    pub measure: Measure,
    /// How.
    pub op: Op,
    /// With what; for [`Measure::State`] a rank ([`state_rank`]).
    pub threshold: f64,
}

impl Test {
    /// Whether `value` (the sample's measure) passes.
    #[must_use]
    pub fn holds(&self, value: f64) -> bool {
        self.op.holds(value, self.threshold)
    }

    /// The threshold as written (`5`, `7.5`, `warning`).
    #[must_use]
    pub fn threshold_text(&self) -> String {
        fmt_value(self.measure, self.threshold)
    }
}

/// A value of `measure` as written: a state's name, or a number without a needless
/// fraction.
#[must_use]
pub fn fmt_value(measure: Measure, value: f64) -> String {
    if measure == Measure::State {
        return rank_state(value.clamp(0.0, 4.0) as u8).as_str().to_owned();
    }
    // Rounded to a tenth first, so 1.96 and 2 both read "2" (not "2.0" beside "2").
    let tenths = (value * 10.0).round() / 10.0;
    if tenths.fract() == 0.0 && tenths.abs() < 1e15 {
        format!("{}", tenths as i64)
    } else {
        format!("{tenths:.1}")
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.measure.as_str(),
            self.op.as_str(),
            self.threshold_text()
        )
    }
}

/// When an alert fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlertCondition {
    /// A comparison on each ok sample, held for `for`.
    Test(Test),
    /// No ok sample for this long.
    NoData(Duration),
}

impl AlertCondition {
    /// Parses a condition as `when` writes it (`available < 5`, `no_data >= 10m`), as
    /// its [`fmt::Display`] prints it.
    ///
    /// # Errors
    ///
    /// A one-line reason naming what is accepted.
    pub fn parse(s: &str) -> std::result::Result<AlertCondition, String> {
        parse_condition(s)
    }
}

impl fmt::Display for AlertCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertCondition::Test(t) => t.fmt(f),
            AlertCondition::NoData(d) => write!(f, "no_data >= {}", crate::fmt_duration(*d)),
        }
    }
}

/// How urgent an alert is; a channel may take only some severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Look soon.
    Warning,
    /// Act now.
    Critical,
}

impl Severity {
    /// The name the config and the messages use.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// The severity called `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[[alert]]` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertConfig {
    /// Unique name, as a target's: `[A-Za-z0-9._-]{1,64}`.
    pub name: String,
    /// The targets it watches, by name, in config order (every target by default).
    pub targets: Vec<String>,
    /// When it fires.
    pub when: AlertCondition,
    /// How long `when` must hold (over ok samples) before it fires.
    pub hold_for: Duration,
    /// When a firing alert counts as recovered; `None` for a `no_data` rule (the next
    /// ok sample resolves it).
    pub recover_when: Option<Test>,
    /// How long `recover_when` must hold (over consecutive ok samples) before a firing
    /// alert resolves.
    pub recover_for: Duration,
    /// Local weekdays and hours (in `[report] timezone`) the rule is active; outside
    /// them nothing fires, and a firing alert is ended ("window closed") at the first
    /// sample outside. `None`: always.
    pub active: Option<Window>,
    /// While firing, notify again this often; `None`: once.
    pub repeat: Option<Duration>,
    /// Whether a resolved (or window-closed) alert is notified too (default true).
    pub send_resolved: bool,
    /// How urgent (default warning).
    pub severity: Severity,
    /// The channels notified, by name (those whose `severities` include this one).
    pub channels: Vec<String>,
    /// The line of the rule in the config file.
    pub line: usize,
}

/// What kind of receiver a channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// A POST of Alertmanager's webhook JSON (version 4), so existing receivers work.
    Webhook,
    /// A Slack incoming webhook.
    Slack,
    /// A Microsoft Teams workflow ("When a Teams webhook request is received"): an
    /// adaptive card.
    Teams,
    /// A log line at warn level; needs no URL.
    Log,
}

impl ChannelKind {
    /// The name the config writes.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
            ChannelKind::Log => "log",
        }
    }
}

/// One `[[channel]]`: where notifications go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    /// Unique name, as rules refer to it.
    pub name: String,
    /// What kind of receiver.
    pub kind: ChannelKind,
    /// The environment variable holding the URL (every kind but `log`).
    pub url_env: Option<String>,
    /// The severities it takes (default both).
    pub severities: Vec<Severity>,
    /// One request.
    pub timeout: Duration,
    /// A notification not delivered this long after it was queued is given up.
    pub give_up_after: Duration,
    /// The line of the channel in the config file.
    pub line: usize,
}

/// A channel URL read from the environment; `Debug` prints only its scheme and host.
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelUrl(String);

impl ChannelUrl {
    /// A URL given directly rather than read from the environment (tests, tools).
    #[must_use]
    pub fn new(url: String) -> ChannelUrl {
        ChannelUrl(url)
    }

    /// The URL itself, for the request only (it is a secret: it authorizes posting).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Only the scheme and host: the rest of a webhook URL is its secret (Slack's path,
/// Teams' `sig` parameter).
impl fmt::Debug for ChannelUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("", &self.0));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit('@').next().unwrap_or("");
        write!(f, "{scheme}://{host}/***")
    }
}

/// A webhook URL: `http` or `https`, a host, no spaces. Unlike the upstream's base
/// URL, a query is allowed (Teams workflow URLs carry their signature in one).
fn check_webhook_url(url: &str) -> std::result::Result<(), &'static str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("not an http or https URL")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.ends_with('@') {
        return Err("no host");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("spaces or control characters");
    }
    Ok(())
}

impl ChannelConfig {
    /// The URL, read from `url_env`; `None` for a `log` channel.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the channel's line when the variable is unset, empty
    /// or not an http(s) URL.
    pub fn url(&self) -> Result<Option<ChannelUrl>> {
        let Some(var) = &self.url_env else {
            return Ok(None);
        };
        let at = |why: String| {
            Error::config(
                Some(self.line),
                format!("channel {:?}: url_env: {why}", self.name),
            )
        };
        let url = token_from_env("channel URL", var).map_err(|e| at(e.to_string()))?;
        check_webhook_url(url.trim()).map_err(|why| at(format!("the URL in {var}: {why}")))?;
        Ok(Some(ChannelUrl(url.trim().to_owned())))
    }

    /// Whether it takes notifications of `severity`.
    #[must_use]
    pub fn takes(&self, severity: Severity) -> bool {
        self.severities.contains(&severity)
    }
}

/// A duration that may be zero (`"0s"`): `for` and `recover_for`.
fn duration_or_zero(s: &str) -> std::result::Result<Duration, String> {
    let t = s.trim();
    if matches!(t, "0" | "0s" | "0m" | "0ms") {
        return Ok(Duration::ZERO);
    }
    parse_duration(t)
}

/// Parses `MEASURE OP VALUE`.
fn parse_test(s: &str) -> std::result::Result<Test, String> {
    let expected = "expected e.g. \"available < 5\", \"available_pct < 10\", \"logged_in < 20\", \
         \"state >= warning\" or \"no_data >= 10m\"";
    let t = s.trim();
    let measure_end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    let (measure, rest) = t.split_at(measure_end);
    let measure = match measure {
        "available" => Measure::Available,
        "logged_in" => Measure::LoggedIn,
        "available_pct" => Measure::AvailablePct,
        "state" => Measure::State,
        other => return Err(format!("unknown measure {other:?}; {expected}")),
    };
    let rest = rest.trim_start();
    let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
        (Op::Le, v)
    } else if let Some(v) = rest.strip_prefix(">=") {
        (Op::Ge, v)
    } else if let Some(v) = rest.strip_prefix('<') {
        (Op::Lt, v)
    } else if let Some(v) = rest.strip_prefix('>') {
        (Op::Gt, v)
    } else {
        return Err(format!("no comparison (<, <=, >, >=) in {s:?}; {expected}"));
    };
    let value = value.trim();
    let threshold = if measure == Measure::State {
        let state = State::ALL
            .into_iter()
            .find(|st| st.as_str() == value)
            .and_then(state_rank)
            .ok_or_else(|| {
                format!(
                    "{value:?} is not a state; expected healthy, monitor, warning, critical or unavailable"
                )
            })?;
        f64::from(state)
    } else {
        let n: f64 = value
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| format!("{value:?} is not a number ≥ 0; {expected}"))?;
        if measure == Measure::AvailablePct && n > 100.0 {
            return Err(format!("{value} is not a percentage (0 to 100)"));
        }
        n
    };
    Ok(Test {
        measure,
        op,
        threshold,
    })
}

/// Parses a `when`: a [`Test`] on the bad side, or `no_data >= DURATION`.
fn parse_condition(s: &str) -> std::result::Result<AlertCondition, String> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix("no_data") {
        let rest = rest.trim_start();
        let d = rest
            .strip_prefix(">=")
            .or_else(|| rest.strip_prefix('>'))
            .ok_or_else(|| {
                format!("expected \"no_data >= DURATION\", e.g. \"no_data >= 10m\", got {s:?}")
            })?;
        return parse_duration(d).map(AlertCondition::NoData);
    }
    let test = parse_test(t)?;
    let bad_side = if test.measure.lower_is_worse() {
        test.op.is_below()
    } else {
        !test.op.is_below()
    };
    if !bad_side {
        return Err(if test.measure.lower_is_worse() {
            format!(
                "{s:?} fires when {} is high; alerts fire on the bad side: use < or <=",
                test.measure.as_str()
            )
        } else {
            format!("{s:?} fires on good states; use state >= warning (or critical, unavailable)")
        });
    }
    Ok(AlertCondition::Test(test))
}

/// Whether no value can pass both `a` (the firing test) and `b` (the recovery test),
/// given `a` is on the bad side and `b` the other way. Over the reals.
fn disjoint(a: &Test, b: &Test) -> bool {
    // On an axis where the firing side is below (negated for states, whose bad side
    // is above): fire x < f (or <=), recover x > r (or >=).
    let (fire_op, f, rec_op, r) = if a.op.is_below() {
        (a.op, a.threshold, b.op, b.threshold)
    } else {
        (mirror(a.op), -a.threshold, mirror(b.op), -b.threshold)
    };
    r > f || (r == f && (fire_op == Op::Lt || rec_op == Op::Gt))
}

/// The operator seen on the negated axis: `x < t` is `-x > -t`.
const fn mirror(op: Op) -> Op {
    match op {
        Op::Lt => Op::Gt,
        Op::Le => Op::Ge,
        Op::Gt => Op::Lt,
        Op::Ge => Op::Le,
    }
}

impl Checker<'_> {
    pub(crate) fn channels(
        &self,
        raw: Option<Spanned<Vec<Spanned<RawChannel>>>>,
    ) -> Result<Vec<ChannelConfig>> {
        let mut out: Vec<ChannelConfig> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, c) in raw
            .map(Spanned::into_inner)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let header = self.line(&c).unwrap_or(1);
            let c = c.into_inner();
            let Some(name) = c.name else {
                return Err(Error::config(
                    Some(header),
                    format!("channel #{}: missing key \"name\"", i + 1),
                ));
            };
            crate::target::check_name(name.get_ref())
                .map_err(|why| self.err(&name, format!("channel #{}: name {why}", i + 1)))?;
            let line = self.line(&name).unwrap_or(header);
            let n = name.get_ref().clone();
            if let Some(first) = seen.insert(n.clone(), line) {
                return Err(self.err(
                    &name,
                    format!("channel {n:?}: duplicate name (first used on line {first})"),
                ));
            }
            let at = |key: &str| format!("channel {n:?}: {key}");
            let Some(kind) = c.kind else {
                return Err(Error::config(
                    Some(line),
                    format!("{}: missing key (webhook, slack, teams or log)", at("kind")),
                ));
            };
            let kind = match kind.get_ref().trim() {
                "webhook" => ChannelKind::Webhook,
                "slack" => ChannelKind::Slack,
                "teams" => ChannelKind::Teams,
                "log" => ChannelKind::Log,
                other => {
                    return Err(self.err(
                        &kind,
                        format!(
                            "{}: unknown kind {other:?}; expected webhook, slack, teams or log",
                            at("kind")
                        ),
                    ));
                }
            };
            let url_env = match (kind, c.url_env) {
                (ChannelKind::Log, Some(v)) => {
                    return Err(
                        self.err(&v, format!("{}: a log channel has no URL", at("url_env")))
                    );
                }
                (ChannelKind::Log, None) => None,
                (_, Some(v)) => Some(self.env_name(&v, &at("url_env"))?),
                (_, None) => {
                    return Err(Error::config(
                        Some(line),
                        format!(
                            "{}: missing key (the environment variable holding the webhook URL)",
                            at("url_env")
                        ),
                    ));
                }
            };
            let severities = match c.severities {
                None => vec![Severity::Warning, Severity::Critical],
                Some(list) => {
                    let mut v = Vec::new();
                    for s in list.get_ref() {
                        let sev = Severity::parse(s.get_ref()).ok_or_else(|| {
                            self.err(
                                s,
                                format!(
                                    "{}: unknown severity {:?}; expected warning or critical",
                                    at("severities"),
                                    s.get_ref()
                                ),
                            )
                        })?;
                        v.push(sev);
                    }
                    if v.is_empty() {
                        return Err(self.err(&list, format!("{}: empty list", at("severities"))));
                    }
                    v
                }
            };
            let duration = |v: Option<Spanned<String>>, key: &str, default: Duration| match v {
                None => Ok(default),
                Some(v) => parse_duration(v.get_ref())
                    .map_err(|why| self.err(&v, format!("{}: {why}", at(key)))),
            };
            let timeout = duration(c.timeout, "timeout", DEFAULT_CHANNEL_TIMEOUT)?;
            let give_up_after = duration(c.give_up_after, "give_up_after", DEFAULT_GIVE_UP_AFTER)?;
            out.push(ChannelConfig {
                name: n,
                kind,
                url_env,
                severities,
                timeout,
                give_up_after,
                line,
            });
        }
        Ok(out)
    }

    pub(crate) fn alerts(
        &self,
        raw: Option<Spanned<Vec<Spanned<RawAlert>>>>,
        targets: &[TargetConfig],
        channels: &[ChannelConfig],
    ) -> Result<Vec<AlertConfig>> {
        let mut out = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let known_targets: HashSet<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        for (i, a) in raw
            .map(Spanned::into_inner)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let header = self.line(&a).unwrap_or(1);
            let a = a.into_inner();
            let Some(name) = a.name else {
                return Err(Error::config(
                    Some(header),
                    format!(
                        "alert #{}: missing key \"name\" (keys: {ALERT_KEYS})",
                        i + 1
                    ),
                ));
            };
            crate::target::check_name(name.get_ref())
                .map_err(|why| self.err(&name, format!("alert #{}: name {why}", i + 1)))?;
            let line = self.line(&name).unwrap_or(header);
            let n = name.get_ref().clone();
            if let Some(first) = seen.insert(n.clone(), line) {
                return Err(self.err(
                    &name,
                    format!("alert {n:?}: duplicate name (first used on line {first})"),
                ));
            }
            let at = |key: &str| format!("alert {n:?}: {key}");

            let rule_targets = match a.targets {
                None => targets.iter().map(|t| t.name.clone()).collect(),
                Some(list) => {
                    if list.get_ref().is_empty() {
                        return Err(self.err(
                            &list,
                            format!(
                                "{}: empty list; leave the key out for every target",
                                at("targets")
                            ),
                        ));
                    }
                    let mut v: Vec<String> = Vec::new();
                    for t in list.into_inner() {
                        if !known_targets.contains(t.get_ref().as_str()) {
                            return Err(self.err(
                                &t,
                                format!(
                                    "{}: unknown target {:?} (no [[target]] has that name)",
                                    at("targets"),
                                    t.get_ref()
                                ),
                            ));
                        }
                        if !v.contains(t.get_ref()) {
                            v.push(t.into_inner());
                        }
                    }
                    v
                }
            };

            let Some(when) = a.when else {
                return Err(Error::config(
                    Some(line),
                    format!(
                        "{}: missing key (e.g. when = \"available < 5\")",
                        at("when")
                    ),
                ));
            };
            let condition = parse_condition(when.get_ref())
                .map_err(|why| self.err(&when, format!("{}: {why}", at("when"))))?;

            let hold_for = match &a.hold_for {
                None => match condition {
                    AlertCondition::NoData(_) => Duration::ZERO,
                    AlertCondition::Test(_) => DEFAULT_ALERT_FOR,
                },
                Some(v) => {
                    if matches!(condition, AlertCondition::NoData(_)) {
                        return Err(self.err(
                            v,
                            format!("{}: a no_data rule fires after its own duration; leave \"for\" out", at("for")),
                        ));
                    }
                    duration_or_zero(v.get_ref())
                        .map_err(|why| self.err(v, format!("{}: {why}", at("for"))))?
                }
            };
            let (recover_when, recover_for) = match condition {
                AlertCondition::NoData(_) => {
                    if let Some(v) = a.recover_when.as_ref() {
                        return Err(self.err(
                            v,
                            format!(
                                "{}: a no_data rule resolves at the next ok sample",
                                at("recover_when")
                            ),
                        ));
                    }
                    if let Some(v) = a.recover_for.as_ref() {
                        return Err(self.err(
                            v,
                            format!(
                                "{}: a no_data rule resolves at the next ok sample",
                                at("recover_for")
                            ),
                        ));
                    }
                    (None, Duration::ZERO)
                }
                AlertCondition::Test(fire) => {
                    let recover = match &a.recover_when {
                        None => Test {
                            op: fire.op.negated(),
                            ..fire
                        },
                        Some(v) => {
                            let r = parse_test(v.get_ref()).map_err(|why| {
                                self.err(v, format!("{}: {why}", at("recover_when")))
                            })?;
                            if r.measure != fire.measure {
                                return Err(self.err(
                                    v,
                                    format!(
                                        "{}: tests {} but when tests {}; use the same measure",
                                        at("recover_when"),
                                        r.measure.as_str(),
                                        fire.measure.as_str()
                                    ),
                                ));
                            }
                            if r.op.is_below() == fire.op.is_below() || !disjoint(&fire, &r) {
                                return Err(self.err(
                                    v,
                                    format!(
                                        "{}: {r} is on the wrong side of when ({fire}): a value can pass both; \
                                         the recovery threshold must be at or beyond the firing one",
                                        at("recover_when")
                                    ),
                                ));
                            }
                            r
                        }
                    };
                    let recover_for = match &a.recover_for {
                        None => DEFAULT_RECOVER_FOR,
                        Some(v) => duration_or_zero(v.get_ref())
                            .map_err(|why| self.err(v, format!("{}: {why}", at("recover_for"))))?,
                    };
                    (Some(recover), recover_for)
                }
            };

            let active = match a.active {
                None => None,
                Some(w) => Some(self.active(w, &at("active"))?),
            };
            let repeat = match &a.repeat {
                None => None,
                Some(v) => Some(
                    parse_duration(v.get_ref())
                        .map_err(|why| self.err(v, format!("{}: {why}", at("repeat"))))?,
                ),
            };
            let severity = match &a.severity {
                None => Severity::Warning,
                Some(v) => Severity::parse(v.get_ref()).ok_or_else(|| {
                    self.err(
                        v,
                        format!(
                            "{}: unknown severity {:?}; expected warning or critical",
                            at("severity"),
                            v.get_ref()
                        ),
                    )
                })?,
            };
            let mut rule_channels = Vec::new();
            if let Some(list) = a.channels {
                for c in list.into_inner() {
                    let Some(ch) = channels.iter().find(|ch| ch.name == *c.get_ref()) else {
                        return Err(self.err(
                            &c,
                            format!(
                                "{}: unknown channel {:?} (no [[channel]] has that name)",
                                at("channels"),
                                c.get_ref()
                            ),
                        ));
                    };
                    if !ch.takes(severity) {
                        return Err(self.err(
                            &c,
                            format!(
                                "{}: channel {:?} does not take {severity} alerts (its severities)",
                                at("channels"),
                                ch.name
                            ),
                        ));
                    }
                    if !rule_channels.contains(c.get_ref()) {
                        rule_channels.push(c.into_inner());
                    }
                }
            }
            out.push(AlertConfig {
                name: n,
                targets: rule_targets,
                when: condition,
                hold_for,
                recover_when,
                recover_for,
                active,
                repeat,
                send_resolved: a.send_resolved.is_none_or(|b| *b.get_ref()),
                severity,
                channels: rule_channels,
                line,
            });
        }
        Ok(out)
    }

    fn active(&self, raw: Spanned<RawActive>, key: &str) -> Result<Window> {
        let header = self.line(&raw);
        let raw = raw.into_inner();
        let days: Vec<Weekday> = match &raw.days {
            None => (0..7u8).filter_map(|d| Weekday::try_from(d).ok()).collect(),
            Some(list) => self.days(list, &format!("{key}.days"))?,
        };
        match raw.hours {
            None => Window::new(days, "00:00-24:00").map_err(|why| Error::config(header, why)),
            Some(h) => Window::new(days, h.get_ref())
                .map_err(|why| self.err(&h, format!("{key}.hours: {why}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::Config;

    const HEAD: &str = "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[[target]]\nname = \"sales\"\n\n[[target]]\nname = \"support\"\n\n";

    fn parse(extra: &str) -> Result<Config> {
        Config::parse(&format!("{HEAD}{extra}"), Path::new("."))
    }

    fn err(extra: &str) -> String {
        parse(extra).unwrap_err().to_string()
    }

    #[test]
    fn a_rule_with_hysteresis_window_and_channels_parses_with_its_defaults() {
        let c = parse(
            "[[channel]]\nname = \"ops\"\nkind = \"slack\"\nurl_env = \"OPS_SLACK\"\n\n\
             [[alert]]\nname = \"short\"\ntargets = [\"sales\"]\nwhen = \"available < 5\"\nrecover_when = \"available >= 8\"\n\
             active = { days = [\"mon\", \"fri\"], hours = \"09:00-17:00\" }\nchannels = [\"ops\"]\n\n\
             [[alert]]\nname = \"quiet\"\nwhen = \"no_data >= 10m\"\n",
        )
        .unwrap();
        let a = &c.alerts[0];
        assert_eq!(a.name, "short");
        assert_eq!(a.targets, ["sales"]);
        assert_eq!(a.when.to_string(), "available < 5");
        assert_eq!(a.recover_when.unwrap().to_string(), "available >= 8");
        assert_eq!(a.hold_for, Duration::from_secs(60));
        assert_eq!(a.recover_for, Duration::from_secs(120));
        assert_eq!(a.active.unwrap().to_string(), "mon,fri 09:00-17:00");
        assert_eq!(a.repeat, None);
        assert!(a.send_resolved);
        assert_eq!(a.severity, Severity::Warning);
        assert_eq!(a.channels, ["ops"]);
        assert_eq!(a.line, 16);
        let q = &c.alerts[1];
        assert_eq!(q.targets, ["sales", "support"]);
        assert_eq!(q.when, AlertCondition::NoData(Duration::from_secs(600)));
        assert_eq!(q.recover_when, None);
        let ch = &c.channels[0];
        assert_eq!(ch.kind, ChannelKind::Slack);
        assert_eq!(ch.url_env.as_deref(), Some("OPS_SLACK"));
        assert_eq!(ch.give_up_after, Duration::from_secs(86_400));
        assert_eq!(ch.line, 11);
    }

    #[test]
    fn without_recover_when_the_recovery_is_the_negation() {
        let c =
            parse("[[alert]]\nname = \"a\"\nwhen = \"state >= critical\"\nfor = \"0s\"\n").unwrap();
        let r = c.alerts[0].recover_when.unwrap();
        assert_eq!(r.to_string(), "state < critical");
        assert!(r.holds(2.0) && !r.holds(3.0));
        assert_eq!(c.alerts[0].hold_for, Duration::ZERO);
    }

    #[test]
    fn recovery_thresholds_on_the_wrong_side_are_refused() {
        for (when, recover, ok) in [
            ("available < 5", "available >= 5", true),
            ("available < 5", "available >= 8", true),
            ("available < 5", "available > 4", false),
            ("available < 5", "available >= 3", false),
            ("available <= 5", "available >= 5", false),
            ("available <= 5", "available > 5", true),
            ("available_pct < 10", "available_pct >= 12.5", true),
            ("state >= critical", "state <= monitor", true),
            ("state >= warning", "state <= warning", false),
            ("state >= warning", "state < warning", true),
            ("available < 5", "available < 8", false),
        ] {
            let text = format!(
                "[[alert]]\nname = \"a\"\nwhen = \"{when}\"\nrecover_when = \"{recover}\"\n"
            );
            match parse(&text) {
                Ok(_) => assert!(ok, "{when} / {recover} should be refused"),
                Err(e) => {
                    assert!(!ok, "{when} / {recover}: {e}");
                    let e = e.to_string();
                    assert!(
                        e.starts_with("config: line 13: alert \"a\": recover_when:"),
                        "{e}"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_rules_name_their_line_and_key() {
        let cases = [
            (
                "[[alert]]\nname = \"a\"\ntargets = [\"sales\", \"salse\"]\nwhen = \"available < 5\"\n",
                "line 12: alert \"a\": targets: unknown target \"salse\"",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"available > 5\"\n",
                "line 12: alert \"a\": when: \"available > 5\" fires when available is high",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"agents < 5\"\n",
                "line 12: alert \"a\": when: unknown measure \"agents\"",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"available < 5\"\nactive = { hours = \"09:00-25:00\" }\n",
                "line 13: alert \"a\": active.hours: bad end",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"available < 5\"\nactive = { days = [\"funday\"] }\n",
                "line 13: alert \"a\": active.days: unknown day \"funday\"",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"available < 5\"\nchannels = [\"nope\"]\n",
                "line 13: alert \"a\": channels: unknown channel \"nope\"",
            ),
            (
                "[[alert]]\nname = \"a\"\n",
                "line 11: alert \"a\": when: missing key",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"available_pct < 120\"\n",
                "is not a percentage",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"no_data >= 5m\"\nrecover_for = \"1m\"\n",
                "line 13: alert \"a\": recover_for: a no_data rule",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"available < 5\"\nseverity = \"page\"\n",
                "line 13: alert \"a\": severity: unknown severity \"page\"",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"available < 5\"\n\n[[alert]]\nname = \"a\"\nwhen = \"available < 5\"\n",
                "line 15: alert \"a\": duplicate name (first used on line 11)",
            ),
            (
                "[[alert]]\nname = \"a\"\nwhen = \"available < 5\"\nfor_ = \"1m\"\n",
                "unknown key \"for_\"",
            ),
            (
                "[[channel]]\nname = \"c\"\nkind = \"slack\"\n",
                "line 11: channel \"c\": url_env: missing key",
            ),
            (
                "[[channel]]\nname = \"c\"\nkind = \"pager\"\nurl_env = \"X\"\n",
                "line 12: channel \"c\": kind: unknown kind \"pager\"",
            ),
            (
                "[[channel]]\nname = \"c\"\nkind = \"webhook\"\nurl_env = \"X\"\nseverities = [\"critical\"]\n\n[[alert]]\nname = \"a\"\nwhen = \"available < 5\"\nchannels = [\"c\"]\n",
                "line 19: alert \"a\": channels: channel \"c\" does not take warning alerts",
            ),
        ];
        for (text, want) in cases {
            let got = err(text);
            assert!(got.contains(want), "{text}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn a_channel_whose_url_variable_is_unset_is_a_config_error_naming_its_line() {
        let c = parse(
            "[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl_env = \"HC_TEST_UNSET_CHANNEL_URL_1\"\n",
        )
        .unwrap();
        let e = c.channels[0].url().unwrap_err().to_string();
        assert_eq!(
            e,
            "config: line 11: channel \"hook\": url_env: channel URL: environment variable HC_TEST_UNSET_CHANNEL_URL_1 is not set"
        );
        // PATH is set in every test process, and is not a URL.
        let c = ChannelConfig {
            url_env: Some("PATH".to_owned()),
            ..c.channels[0].clone()
        };
        let e = c.url().unwrap_err().to_string();
        assert!(
            e.starts_with("config: line 11: channel \"hook\": url_env: the URL in PATH:"),
            "{e}"
        );
        let teams = ChannelUrl::new(
            "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRET".to_owned(),
        );
        assert!(check_webhook_url(teams.expose()).is_ok());
        assert_eq!(
            format!("{teams:?}"),
            "https://prod-12.westus.logic.azure.com:443/***"
        );
        let slack = ChannelUrl::new("https://hooks.slack.com/services/T0/B0/SECRET".to_owned());
        assert_eq!(format!("{slack:?}"), "https://hooks.slack.com/***");
        assert!(check_webhook_url("ftp://x/y").is_err());
        assert!(check_webhook_url("https:///path").is_err());
        let log = parse("[[channel]]\nname = \"l\"\nkind = \"log\"\n").unwrap();
        assert_eq!(log.channels[0].url().unwrap(), None);
    }

    #[test]
    fn state_ranks_order_badness() {
        assert_eq!(state_rank(State::NoAgents), None);
        for s in [
            State::Healthy,
            State::Monitor,
            State::Warning,
            State::Critical,
            State::Unavailable,
        ] {
            assert_eq!(rank_state(state_rank(s).unwrap()), s);
        }
        assert_eq!(fmt_value(Measure::State, 2.0), "warning");
        assert_eq!(fmt_value(Measure::AvailablePct, 7.26), "7.3");
        assert_eq!(fmt_value(Measure::Available, 3.0), "3");
        assert_eq!(fmt_value(Measure::AvailablePct, 1.96), "2");
        assert_eq!(fmt_value(Measure::AvailablePct, 1.94), "1.9");
        assert_eq!(fmt_value(Measure::AvailablePct, 0.04), "0");
    }
}
