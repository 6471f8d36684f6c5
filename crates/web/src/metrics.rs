//! `/metrics`: the store's numbers (and, in `headcount run`, the collector's) in the
//! format the scraper asks for: OpenMetrics 1.0 text when `Accept` prefers
//! `application/openmetrics-text` (as Prometheus does), else the Prometheus text
//! format 0.0.4 (curl, promtool, most other clients). Both come from one
//! prometheus-client encoding; [`to_prometheus_text`] rewrites it for 0.0.4. Everything
//! is read at scrape time: the poll counters, latency histograms and remote-write
//! counters are cumulative in the database, so any number of servers report the same
//! values.
//!
//! The agent gauges show the newest sample only while it is current: when a target's
//! newest poll failed (an upstream outage) or the collector stopped, they are left out,
//! so Prometheus marks them stale and graphs break instead of drawing the last value
//! flat; `headcount_sample_timestamp_seconds` keeps saying when the newest ok sample
//! was taken.

use std::fmt;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use headcount_store::{
    ExportStatus, LATENCY_BUCKETS, LATENCY_BUCKETS_MS, OpsReads, RUN_STALE_AFTER_SECS, Reads,
    RunState,
};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use crate::db::read_quick;
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, Query};
use crate::state::{AppState, CollectorCounters};
use crate::{Routes, db};

/// The content type of OpenMetrics 1.0 text.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The content type of the Prometheus text format 0.0.4.
pub(crate) const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(crate) fn router() -> Routes {
    Routes::new().get("/metrics", metrics)
}

/// Prometheus metrics.
///
/// Per target: the newest sample's counts while it is current (left out during an
/// upstream outage or when the collector stopped), the time and age of the newest ok
/// sample, polls by outcome, and poll latencies; the database size; the collector's
/// last heartbeat; the remote-write exporter's sent, failed and pending samples; and,
/// when the collector runs in this process, its tick, buffer, drop and write-error
/// counters and whether it stopped because its database file was deleted or replaced.
/// Every name starts `headcount_`. OpenMetrics 1.0 text when `Accept` prefers
/// `application/openmetrics-text`, else the Prometheus text format 0.0.4.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    params(NoParams),
    responses(
        (status = 200, description = "The Prometheus text format 0.0.4, or OpenMetrics 1.0 text when Accept prefers application/openmetrics-text.", content(
            (String = "text/plain; version=0.0.4; charset=utf-8"),
            (String = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )),
        (status = 400, description = "A parameter was given.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn metrics(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let openmetrics = wants_openmetrics(headers.get(header::ACCEPT));
    Query::parse(raw.as_deref(), NoParams::NAMES)?;
    let now = state.now();
    let collector = state.inner.collector.as_ref().map(|c| c.counters());
    let read = read_quick(&state, move |r, s| Snapshot::read(r, s, now)).await;
    let mut snap = match (read, &collector) {
        (Ok(snap), _) => snap,
        // The collector's own numbers do not need the database, and matter most when
        // it is gone (`collector_database_replaced`): served alone, the cause logged.
        (Err(e), Some(_)) => {
            tracing::error!(error = %e, "metrics: database unreadable; serving the collector's metrics only");
            Snapshot::default()
        }
        (Err(e), None) => return Err(e),
    };
    snap.collector = collector;
    let mut registry = Registry::with_prefix("headcount");
    registry.register_collector(Box::new(snap));
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &registry)
        .map_err(|e| ApiError::Internal(format!("metrics: {e}")))?;
    let (content_type, body) = if openmetrics {
        (CONTENT_TYPE, body)
    } else {
        (TEXT_CONTENT_TYPE, to_prometheus_text(&body))
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::VARY, HeaderValue::from_static("accept")),
        ],
        body,
    )
        .into_response())
}

/// Whether `Accept` prefers OpenMetrics: an `application/openmetrics-text` range with a
/// q above 0 and at least that of any `text/plain` range. Anything else, no header or
/// `*/*` included, gets the Prometheus text format 0.0.4, as client_golang answers.
fn wants_openmetrics(accept: Option<&HeaderValue>) -> bool {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let (mut om, mut text) = (0.0f64, 0.0f64);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f64>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "application/openmetrics-text" => om = om.max(q),
            "text/plain" => text = text.max(q),
            _ => {}
        }
    }
    om > 0.0 && om >= text
}

/// Rewrites the OpenMetrics text prometheus-client writes into the Prometheus text
/// format 0.0.4: a counter family's `HELP` and `TYPE` take the `_total` name its
/// samples have, `UNIT` lines and `# EOF` go (0.0.4 has neither), `unknown` is
/// `untyped`, and `HELP` unescapes `\"` (0.0.4 escapes only `\\` and `\n`). Samples are
/// the same in both formats.
pub(crate) fn to_prometheus_text(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let rename = |name: &str| -> String {
        if counters.contains(name) {
            format!("{name}_total")
        } else {
            name.to_owned()
        }
    };
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            out.push_str(&format!(
                "# HELP {} {}\n",
                rename(name),
                help.replace("\\\"", "\"")
            ));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let kind = if kind == "unknown" { "untyped" } else { kind };
            out.push_str(&format!("# TYPE {} {kind}\n", rename(name)));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Everything one scrape reports, read at once. Without the database (default), only
/// the in-process collector's numbers.
#[derive(Debug, Default)]
struct Snapshot {
    targets: Vec<TargetMetrics>,
    size_bytes: Option<u64>,
    heartbeat_age: Option<i64>,
    collector: Option<CollectorCounters>,
    export: Option<ExportStatus>,
    alerts: crate::alerts::AlertMetrics,
}

#[derive(Debug)]
struct TargetMetrics {
    name: String,
    /// The newest ok sample: available, logged in, age in seconds, its slot.
    latest: Option<(u32, u32, i64, i64)>,
    /// Whether that sample is current: the target's newest poll, with the collector
    /// still running. The agent gauges are shown only then.
    current: bool,
    /// Polls by outcome name.
    polls: Vec<(&'static str, u64)>,
    /// Per-bucket (not cumulative) latency counts and the sum in seconds.
    latency: Option<([u64; LATENCY_BUCKETS], f64)>,
}

impl Snapshot {
    fn read(r: &headcount_store::Reader, s: &AppState, now: i64) -> Result<Snapshot, ApiError> {
        let stats = r.poll_stats()?;
        let hists = r.poll_latency()?;
        let run = r.last_run()?;
        // A collector that stopped, or whose heartbeat is overdue, polls no more: its
        // last counts turn into history, not the present.
        let collecting = run.as_ref().is_some_and(|run| {
            run.state == RunState::Running && now - run.heartbeat_at <= RUN_STALE_AFTER_SECS
        });
        let mut targets = Vec::with_capacity(s.inner.targets.len());
        for t in &s.inner.targets {
            let target = t.resolve(r)?;
            let mut m = TargetMetrics {
                name: t.config.name.clone(),
                latest: None,
                current: false,
                polls: Vec::new(),
                latency: None,
            };
            if db::has_series(&target) {
                m.latest = r
                    .latest_ok(target.id)?
                    .and_then(|smp| Some((smp.available?, smp.logged_in?, now - smp.ts, smp.ts)));
                let newest = r.latest(target.id)?.map(|smp| smp.ts);
                // A sample taken moments ago is current even if the collector has just
                // stopped (a restart); an older one only while a collector runs.
                m.current = m.latest.is_some_and(|l| {
                    Some(l.3) == newest && (collecting || now - l.3 <= RUN_STALE_AFTER_SECS)
                });
                let mine = stats.iter().filter(|p| p.target == target.id);
                let mut latency_ms = 0u64;
                for p in mine {
                    m.polls.push((p.outcome.as_str(), p.polls));
                    latency_ms += p.latency_sum_ms;
                }
                m.latency = hists
                    .iter()
                    .find(|h| h.target == target.id)
                    .map(|h| (h.counts, latency_ms as f64 / 1000.0));
            }
            targets.push(m);
        }
        Ok(Snapshot {
            targets,
            size_bytes: Some(r.size_bytes()?),
            heartbeat_age: run.map(|run| now - run.heartbeat_at),
            collector: None,
            export: r.export_status()?,
            // The alert part never costs the rest of the scrape.
            alerts: crate::alerts::AlertMetrics::read(r, s).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "metrics: alert state unreadable; alert metrics left out");
                crate::alerts::AlertMetrics::default()
            }),
        })
    }
}

impl Collector for Snapshot {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), fmt::Error> {
        let agents = Unit::Other("agents".to_owned());
        gauge_per_target(
            &mut enc,
            "available",
            "Agents available in the newest sample, while it is current (left out when the \
             newest poll failed or the collector stopped).",
            Some(&agents),
            self.targets
                .iter()
                .filter(|t| t.current)
                .filter_map(|t| Some((t, t.latest?.0.into()))),
        )?;
        gauge_per_target(
            &mut enc,
            "logged_in",
            "Agents logged in in the newest sample, while it is current (left out when the \
             newest poll failed or the collector stopped).",
            Some(&agents),
            self.targets
                .iter()
                .filter(|t| t.current)
                .filter_map(|t| Some((t, t.latest?.1.into()))),
        )?;
        gauge_per_target(
            &mut enc,
            "sample_age",
            "Seconds since the newest ok sample's scheduled slot.",
            Some(&Unit::Seconds),
            self.targets
                .iter()
                .filter_map(|t| Some((t, t.latest?.2 as f64))),
        )?;
        gauge_per_target(
            &mut enc,
            "sample_timestamp",
            "Unix time of the newest ok sample's scheduled slot.",
            Some(&Unit::Seconds),
            self.targets
                .iter()
                .filter_map(|t| Some((t, t.latest?.3 as f64))),
        )?;

        let mut polls = enc.encode_descriptor(
            "polls",
            "Polls recorded, by outcome (ok, or the failure's kind; skipped slots \
             included), since the database was created.",
            None,
            MetricType::Counter,
        )?;
        for t in &self.targets {
            for (outcome, n) in &t.polls {
                let labels = [("target", t.name.as_str()), ("outcome", outcome)];
                polls
                    .encode_family(&labels)?
                    .encode_counter::<NoLabelSet, _, u64>(n, None)?;
            }
        }

        let mut latency = enc.encode_descriptor(
            "poll_latency",
            "Round-trip time of measured polls, all outcomes.",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for t in &self.targets {
            let Some((counts, sum)) = &t.latency else {
                continue;
            };
            let buckets: Vec<(f64, u64)> = counts
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    let le = LATENCY_BUCKETS_MS
                        .get(i)
                        .map_or(f64::INFINITY, |&ms| f64::from(ms) / 1000.0);
                    (le, c)
                })
                .collect();
            let labels = [("target", t.name.as_str())];
            latency
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(*sum, counts.iter().sum(), &buckets, None)?;
        }

        if let Some(bytes) = self.size_bytes {
            let mut size = enc.encode_descriptor(
                "store_size",
                "Size of the database (pages in use, WAL included).",
                Some(&Unit::Bytes),
                MetricType::Gauge,
            )?;
            size.encode_gauge(&bytes)?;
        }

        if let Some(age) = self.heartbeat_age {
            let mut m = enc.encode_descriptor(
                "collector_heartbeat_age",
                "Seconds since the latest collector run's last heartbeat (one per tick).",
                Some(&Unit::Seconds),
                MetricType::Gauge,
            )?;
            m.encode_gauge(&age)?;
        }

        if let Some(x) = &self.export {
            let mut m = enc.encode_descriptor(
                "remote_write_samples_sent",
                "Stored samples the remote-write receiver took, since export began on this database.",
                None,
                MetricType::Counter,
            )?;
            m.encode_counter::<NoLabelSet, _, u64>(&x.sent, None)?;
            let mut m = enc.encode_descriptor(
                "remote_write_samples_failed",
                "Stored samples given up: refused by the receiver for good (a 4xx other than 429), \
                 or pruned by retention before they could be sent.",
                None,
                MetricType::Counter,
            )?;
            m.encode_counter::<NoLabelSet, _, u64>(&x.failed, None)?;
            let mut m = enc.encode_descriptor(
                "remote_write_samples_pending",
                "Stored samples not yet sent to the remote-write receiver.",
                None,
                MetricType::Gauge,
            )?;
            m.encode_gauge(&x.pending)?;
        }

        self.alerts.encode(&mut enc)?;

        if let Some(c) = &self.collector {
            let mut m = enc.encode_descriptor(
                "collector_ticks",
                "Ticks completed by the collector in this process since it started.",
                None,
                MetricType::Counter,
            )?;
            m.encode_counter::<NoLabelSet, _, u64>(&c.ticks, None)?;
            if let Some(secs) = c.last_tick_seconds {
                let mut m = enc.encode_descriptor(
                    "collector_last_tick_duration",
                    "How long the collector's last tick took.",
                    Some(&Unit::Seconds),
                    MetricType::Gauge,
                )?;
                m.encode_gauge(&secs)?;
            }
            let mut m = enc.encode_descriptor(
                "collector_buffered_samples",
                "Samples waiting in the collector's write buffer for a retry.",
                None,
                MetricType::Gauge,
            )?;
            m.encode_gauge(&c.buffered)?;
            let mut m = enc.encode_descriptor(
                "collector_dropped_samples",
                "Samples the collector lost (buffer overflow or refused writes) since it started.",
                None,
                MetricType::Counter,
            )?;
            m.encode_counter::<NoLabelSet, _, u64>(&c.dropped, None)?;
            let mut m = enc.encode_descriptor(
                "collector_write_errors",
                "Failed write attempts of the collector (each retry counts) since it started.",
                None,
                MetricType::Counter,
            )?;
            m.encode_counter::<NoLabelSet, _, u64>(&c.write_errors, None)?;
            let mut m = enc.encode_descriptor(
                "collector_database_replaced",
                "1 once the collector found its database file deleted or replaced and \
                 stopped collecting; 0 while it collects.",
                None,
                MetricType::Gauge,
            )?;
            m.encode_gauge(&i64::from(c.halted.is_some()))?;
        }
        Ok(())
    }
}

/// A gauge family labelled by target.
fn gauge_per_target<'a>(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    values: impl Iterator<Item = (&'a TargetMetrics, f64)>,
) -> Result<(), fmt::Error> {
    let mut m = enc.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    for (t, v) in values {
        let labels = [("target", t.name.as_str())];
        m.encode_family(&labels)?.encode_gauge(&v)?;
    }
    Ok(())
}
