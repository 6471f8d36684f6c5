//! `/metrics`: the store's numbers (and, in `headcount run`, the collector's) in the
//! OpenMetrics text format, which Prometheus asks for first. Everything is read at
//! scrape time: the poll counters and latency histograms are cumulative in the
//! database, so any number of servers report the same values.

use std::fmt;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use headcount_store::{LATENCY_BUCKETS, LATENCY_BUCKETS_MS, OpsReads, Reads};
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

pub(crate) fn router() -> Routes {
    Routes::new().get("/metrics", metrics)
}

/// Prometheus metrics.
///
/// Per target: the newest ok sample's counts and age, polls by outcome, and poll
/// latencies; the database size; the collector's last heartbeat; and, when the
/// collector runs in this process, its tick, buffer, drop and write-error counters and
/// whether it stopped because its database file was deleted or replaced. Every name
/// starts `headcount_`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    params(NoParams),
    responses(
        (status = 200, description = "OpenMetrics text exposition.", content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String),
        (status = 400, description = "A parameter was given.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn metrics(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
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
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        body,
    )
        .into_response())
}

/// Everything one scrape reports, read at once. Without the database (default), only
/// the in-process collector's numbers.
#[derive(Debug, Default)]
struct Snapshot {
    targets: Vec<TargetMetrics>,
    size_bytes: Option<u64>,
    heartbeat_age: Option<i64>,
    collector: Option<CollectorCounters>,
}

#[derive(Debug)]
struct TargetMetrics {
    name: String,
    /// The newest ok sample: available, logged in, age in seconds.
    latest: Option<(u32, u32, i64)>,
    /// Polls by outcome name.
    polls: Vec<(&'static str, u64)>,
    /// Per-bucket (not cumulative) latency counts and the sum in seconds.
    latency: Option<([u64; LATENCY_BUCKETS], f64)>,
}

impl Snapshot {
    fn read(r: &headcount_store::Reader, s: &AppState, now: i64) -> Result<Snapshot, ApiError> {
        let stats = r.poll_stats()?;
        let hists = r.poll_latency()?;
        let mut targets = Vec::with_capacity(s.inner.targets.len());
        for t in &s.inner.targets {
            let target = t.resolve(r)?;
            let mut m = TargetMetrics {
                name: t.config.name.clone(),
                latest: None,
                polls: Vec::new(),
                latency: None,
            };
            if db::has_series(&target) {
                m.latest = r
                    .latest_ok(target.id)?
                    .and_then(|smp| Some((smp.available?, smp.logged_in?, now - smp.ts)));
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
            heartbeat_age: r.last_run()?.map(|run| now - run.heartbeat_at),
            collector: None,
        })
    }
}

impl Collector for Snapshot {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), fmt::Error> {
        let agents = Unit::Other("agents".to_owned());
        gauge_per_target(
            &mut enc,
            "available",
            "Agents available in the newest ok sample.",
            Some(&agents),
            self.targets
                .iter()
                .filter_map(|t| Some((t, t.latest?.0.into()))),
        )?;
        gauge_per_target(
            &mut enc,
            "logged_in",
            "Agents logged in in the newest ok sample.",
            Some(&agents),
            self.targets
                .iter()
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
