//! Staffing alerts over HTTP: `/api/v1/alerts` (every rule × target as the live
//! evaluation left it), `/api/v1/alerts/history` (episodes over a range), and their
//! part of `/metrics` (a gauge per rule and target, notifications per channel). The
//! rules come from the config; their state, episodes and outbox from the database
//! (headcount_store's `alerts` module), written by `headcount run` or `collect`.

use std::collections::HashMap;
use std::fmt;

use axum::extract::{RawQuery, State};
use chrono::{DateTime, FixedOffset, TimeZone};
use chrono_tz::Tz;
use headcount_config::{AlertCondition, AlertConfig, fmt_value};
use headcount_store::{AlertReads, AlertStateRow, ChannelCounts, Reader};
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;
use serde::Serialize;

use crate::db::read_quick;
use crate::error::{ApiError, ErrorBody};
use crate::params::{AlertParams, Query, ZoneParams};
use crate::state::AppState;
use crate::{JsonBytes, Routes};

pub(crate) fn router() -> Routes {
    Routes::new()
        .get("/api/v1/alerts", alerts)
        .get("/api/v1/alerts/history", history)
}

/// One rule × target as `/api/v1/alerts` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AlertStatus {
    /// The rule's name.
    pub rule: String,
    /// The target's name.
    pub target: String,
    /// `warning` or `critical`.
    pub severity: String,
    /// The firing condition as configured (`available < 5`, `no_data >= 10m`).
    pub condition: String,
    /// `ok`, `pending` or `firing`; `ok` before the first evaluation.
    pub state: String,
    /// When the state began (pending: the condition began to hold; firing: it fired),
    /// in `tz`; `null` when ok.
    pub since: Option<DateTime<FixedOffset>>,
    /// The measure at the last evaluated sample (`null`: a failed poll, or nobody
    /// logged in for `available_pct` and `state`); seconds without data for
    /// `no_data`.
    pub value: Option<f64>,
    /// That value as the condition writes it (`3`, `7.5`, `critical`).
    pub value_text: Option<String>,
    /// When the evaluation last stored this state: at every change of state, and at
    /// least every 5 minutes (the value may be that old); `null` before the first.
    pub updated_at: Option<DateTime<FixedOffset>>,
    /// The open episode's id (see `/api/v1/alerts/history`), while firing.
    pub episode: Option<i64>,
}

/// One episode as `/api/v1/alerts/history` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AlertEpisode {
    /// Its id.
    pub id: i64,
    /// The rule's name.
    pub rule: String,
    /// The target's name.
    pub target: String,
    /// `warning` or `critical`.
    pub severity: String,
    /// The firing condition.
    pub condition: String,
    /// When the condition began to hold, in `tz`.
    pub pending_at: DateTime<FixedOffset>,
    /// When it fired.
    pub fired_at: DateTime<FixedOffset>,
    /// When it ended; `null` while it fires.
    pub ended_at: Option<DateTime<FixedOffset>>,
    /// `resolved` or `window_closed`; `null` while it fires.
    pub end_reason: Option<String>,
    /// Seconds from firing to its end (or to now).
    pub duration_seconds: i64,
    /// The worst value seen while it fired.
    pub worst: Option<f64>,
    /// The firing threshold (seconds for `no_data`).
    pub threshold: Option<f64>,
    /// Notifications queued for it, all channels.
    pub notifications: i64,
}

/// `/api/v1/alerts/history`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AlertHistory {
    /// Start of the range, in `tz`.
    pub from: DateTime<FixedOffset>,
    /// End of the range (exclusive).
    pub to: DateTime<FixedOffset>,
    /// The zone times are shown in.
    pub tz: String,
    /// Episodes that overlap the range, by firing time.
    pub episodes: Vec<AlertEpisode>,
}

fn stamp(tz: Tz, ts: i64) -> DateTime<FixedOffset> {
    tz.timestamp_opt(ts, 0)
        .single()
        .map_or_else(DateTime::<FixedOffset>::default, |t| t.fixed_offset())
}

/// The state of every rule × target, firing first, then pending, then the rest (each
/// in config order).
pub(crate) fn statuses(r: &Reader, s: &AppState, tz: Tz) -> Result<Vec<AlertStatus>, ApiError> {
    let stored = r.alert_states()?;
    let by_key: HashMap<(&str, &str), &AlertStateRow> = stored
        .iter()
        .map(|x| ((x.rule.as_str(), x.target.as_str()), x))
        .collect();
    let mut out = Vec::new();
    for rule in &s.inner.alerts {
        for target in &rule.targets {
            let row = by_key.get(&(rule.name.as_str(), target.as_str())).copied();
            let value = row.and_then(|x| x.value);
            out.push(AlertStatus {
                rule: rule.name.clone(),
                target: target.clone(),
                severity: rule.severity.as_str().to_owned(),
                condition: rule.when.to_string(),
                state: row.map_or_else(|| "ok".to_owned(), |x| x.phase.clone()),
                since: row.and_then(|x| x.since).map(|t| stamp(tz, t)),
                value,
                value_text: value.map(|v| value_text(rule, v)),
                updated_at: row.map(|x| stamp(tz, x.updated_at)),
                episode: row.and_then(|x| x.episode),
            });
        }
    }
    let rank = |s: &AlertStatus| match s.state.as_str() {
        "firing" => 0,
        "pending" => 1,
        _ => 2,
    };
    out.sort_by_key(rank);
    Ok(out)
}

fn value_text(rule: &AlertConfig, v: f64) -> String {
    match rule.when {
        AlertCondition::Test(t) => fmt_value(t.measure, v),
        AlertCondition::NoData(_) => {
            headcount_config::fmt_duration(std::time::Duration::from_secs(v.max(0.0) as u64))
        }
    }
}

/// The episodes of `[from, to)`, optionally of one target.
pub(crate) fn episodes(
    r: &Reader,
    tz: Tz,
    from: i64,
    to: i64,
    now: i64,
    target: Option<&str>,
) -> Result<Vec<AlertEpisode>, ApiError> {
    Ok(r.alert_episodes(from, to, target)?
        .into_iter()
        .map(|e| AlertEpisode {
            duration_seconds: e.ended_at.unwrap_or(now).max(e.fired_at) - e.fired_at,
            id: e.id,
            rule: e.rule,
            target: e.target,
            severity: e.severity,
            condition: e.condition,
            pending_at: stamp(tz, e.pending_at),
            fired_at: stamp(tz, e.fired_at),
            ended_at: e.ended_at.map(|t| stamp(tz, t)),
            end_reason: e.end_reason,
            worst: e.worst,
            threshold: e.threshold,
            notifications: e.notifications,
        })
        .collect())
}

/// Every alert rule × target: its state, since when, and its value.
///
/// Firing first, then pending, then ok; each group in config order.
#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    tag = "api",
    params(ZoneParams),
    responses(
        (status = 200, description = "Every configured rule × target.", body = [AlertStatus]),
        (status = 400, description = "A bad or unknown parameter.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn alerts(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    let q = Query::parse(raw.as_deref(), ZoneParams::NAMES)?;
    let tz = q.params().range(state.settings(), state.now())?.tz;
    read_quick(&state, move |r, s| JsonBytes::of(&statuses(r, s, tz)?)).await
}

/// Alert episodes over a range.
///
/// Every episode that fired before `to` and had not ended before `from`, by firing
/// time: when the condition began to hold, fired, ended and why, the worst value and
/// the notifications sent.
#[utoipa::path(
    get,
    path = "/api/v1/alerts/history",
    tag = "api",
    params(AlertParams),
    responses(
        (status = 200, description = "The episodes.", body = AlertHistory),
        (status = 400, description = "A bad or unknown parameter.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn history(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<JsonBytes, ApiError> {
    let q = Query::parse(raw.as_deref(), AlertParams::NAMES)?;
    let now = state.now();
    let range = q.params().range(state.settings(), now)?;
    read_quick(&state, move |r, _| {
        JsonBytes::of(&AlertHistory {
            from: stamp(range.tz, range.from),
            to: stamp(range.tz, range.to),
            tz: range.tz.name().to_owned(),
            episodes: episodes(r, range.tz, range.from, range.to, now, None)?,
        })
    })
    .await
}

/// A counter family per channel: name, help, and its value.
type Counter = (&'static str, &'static str, fn(&ChannelCounts) -> u64);

/// The alert part of `/metrics`, read at scrape time.
#[derive(Debug, Default)]
pub(crate) struct AlertMetrics {
    /// (rule, target, firing).
    states: Vec<(String, String, bool)>,
    channels: Vec<ChannelCounts>,
}

impl AlertMetrics {
    pub(crate) fn read(r: &Reader, s: &AppState) -> Result<AlertMetrics, ApiError> {
        if s.inner.alerts.is_empty() {
            return Ok(AlertMetrics::default());
        }
        let firing_now: std::collections::HashSet<(String, String)> = r
            .alert_states()?
            .into_iter()
            .filter(|x| x.phase == "firing")
            .map(|x| (x.rule, x.target))
            .collect();
        let mut states = Vec::new();
        for rule in &s.inner.alerts {
            for target in &rule.targets {
                let firing = firing_now.contains(&(rule.name.clone(), target.clone()));
                states.push((rule.name.clone(), target.clone(), firing));
            }
        }
        let mut channels = r.notification_counts()?;
        // Every configured channel is reported, zero before its first notification.
        for c in &s.inner.channels {
            if !channels.iter().any(|x| x.channel == *c) {
                channels.push(ChannelCounts {
                    channel: c.clone(),
                    ..ChannelCounts::default()
                });
            }
        }
        Ok(AlertMetrics { states, channels })
    }

    pub(crate) fn encode(&self, enc: &mut DescriptorEncoder) -> Result<(), fmt::Error> {
        if !self.states.is_empty() {
            let mut m = enc.encode_descriptor(
                "alert_firing",
                "1 while the alert rule fires for the target, else 0 (ok or pending).",
                None,
                MetricType::Gauge,
            )?;
            for (rule, target, firing) in &self.states {
                let labels = [("rule", rule.as_str()), ("target", target.as_str())];
                m.encode_family(&labels)?
                    .encode_gauge(&i64::from(*firing))?;
            }
        }
        if !self.channels.is_empty() {
            let counters: [Counter; 2] = [
                (
                    "alert_notifications_sent",
                    "Alert notifications the channel's receiver took.",
                    |c| c.sent,
                ),
                (
                    "alert_notifications_failed",
                    "Alert notifications given up: refused for good, or not delivered within the channel's give_up_after.",
                    |c| c.failed,
                ),
            ];
            for (name, help, get) in counters {
                let mut m = enc.encode_descriptor(name, help, None, MetricType::Counter)?;
                for c in &self.channels {
                    let labels = [("channel", c.channel.as_str())];
                    m.encode_family(&labels)?
                        .encode_counter::<prometheus_client::encoding::NoLabelSet, _, u64>(
                            &get(c),
                            None,
                        )?;
                }
            }
            let mut m = enc.encode_descriptor(
                "alert_notifications_pending",
                "Alert notifications waiting in the outbox for a (next) attempt.",
                None,
                MetricType::Gauge,
            )?;
            for c in &self.channels {
                let labels = [("channel", c.channel.as_str())];
                m.encode_family(&labels)?.encode_gauge(&c.pending)?;
            }
        }
        Ok(())
    }
}

/// The dashboard's alert block: firing alerts first, then pending ones, each linking
/// to its target; nothing when no rule is configured.
pub(crate) fn dashboard_block(list: &[AlertStatus], rules: usize) -> maud::Markup {
    let active: Vec<&AlertStatus> = list.iter().filter(|a| a.state != "ok").collect();
    maud::html! {
        @if rules > 0 {
            h2 { "Alerts" }
            @if active.is_empty() {
                p.muted { "No alert is firing or pending (" (rules) (if rules == 1 { " rule" } else { " rules" }) ")." }
            } @else {
                table.targets.alerts {
                    thead { tr {
                        th scope="col" { "Alert" }
                        th scope="col" { "Target" }
                        th scope="col" { "State" }
                        th scope="col" { "Since" }
                        th scope="col" { "Condition" }
                        th scope="col" class="num" { "Value" }
                    } }
                    tbody {
                        @for a in &active {
                            tr class={ "alert-" (a.state) } {
                                td.name { (a.rule) " " span.muted { "(" (a.severity) ")" } }
                                td data-label="Target" { a href={ "/targets/" (crate::dashboard::segment(&a.target)) } { (a.target) } }
                                td data-label="State" { strong { (a.state) } }
                                td data-label="Since" { (a.since.map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M").to_string())) }
                                td data-label="When" { code { (a.condition) } }
                                td class="num" data-label="Value" { (a.value_text.clone().unwrap_or_else(|| "no data".to_owned())) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A target page's alert episodes over its range, newest first.
pub(crate) fn episodes_block(list: &[AlertEpisode], rules: usize) -> maud::Markup {
    maud::html! {
        @if rules > 0 {
            h2 { "Alert episodes" }
            @if list.is_empty() {
                p.muted { "No alert fired in this range." }
            } @else {
                div.scroll { table.alerts {
                    thead { tr {
                        th scope="col" { "Alert" }
                        th scope="col" { "Fired" }
                        th scope="col" { "Ended" }
                        th scope="col" class="num" { "Lasted" }
                        th scope="col" class="num" { "Worst" }
                        th scope="col" class="num" { "Notifications" }
                    } }
                    tbody {
                        @for e in list.iter().rev() {
                            tr {
                                td { (e.rule) " " span.muted { "(" (e.severity) ", " code { (e.condition) } ")" } }
                                td { (e.fired_at.format("%Y-%m-%d %H:%M:%S")) }
                                td { (e.ended_at.map_or_else(|| "firing".to_owned(), |t| format!("{} ({})", t.format("%Y-%m-%d %H:%M:%S"), e.end_reason.as_deref().unwrap_or("")))) }
                                td class="num" { (lasted(e.duration_seconds)) }
                                td class="num" { (e.worst.map_or_else(|| "-".to_owned(), |w| worst_text(&e.condition, w))) }
                                td class="num" { (e.notifications) }
                            }
                        }
                    }
                } }
            }
        }
    }
}

/// An episode's worst value as its condition's measure reads (`1.9`, `3`,
/// `critical`); a `no_data` condition's is a duration in seconds.
fn worst_text(condition: &str, w: f64) -> String {
    match AlertCondition::parse(condition) {
        Ok(AlertCondition::Test(t)) => fmt_value(t.measure, w),
        _ => lasted(w as i64),
    }
}

fn lasted(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m"),
    }
}
