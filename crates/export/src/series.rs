//! What a stored sample becomes in Prometheus: the series names, their labels, and
//! the [`WriteRequest`] for a batch.
//!
//! Per stored poll of a target, at the poll's slot (milliseconds):
//! - an ok poll: `headcount_available_agents` and `headcount_logged_in_agents` with
//!   its counts, and `headcount_poll_up` 1;
//! - a failed poll (skipped slots included): `headcount_poll_up` 0 and
//!   `headcount_poll_failed{outcome="timeout"}` 1 (the failure's kind); the two
//!   agent gauges get Prometheus's staleness marker, as a failed scrape does, so
//!   graphs show a gap there and never carry the last value over it.
//!
//! Where a replay reaches history whose raw samples retention has pruned, the
//! 15-minute rollups stand in, under their own names so that nobody mistakes them
//! for polls: `headcount_available_agents_avg_15m`, `_min_15m`, `_max_15m`, the same
//! for `headcount_logged_in_agents`, and `headcount_poll_up_avg_15m` (ok polls ÷ all
//! polls), each stamped at the end of its 15 minutes, as `avg_over_time(…[15m])`
//! would be.
//!
//! Labels: `target` (the configured name), the target's filters as stored
//! (`campaign_id`, `queue_id`, `user_id`, `skills` joined with commas; only those
//! set), then the configured `labels` (`center`, `replica`, …). Sorted by name, as
//! remote write requires.

use std::collections::BTreeMap;

use headcount_store::{BUCKET_SECS, Rollup, Sample as Stored, TargetId, TargetRow};

use crate::prompb::{Label, STALE_NAN, Sample, TimeSeries, WriteRequest};

/// Agents ready for a call, per ok poll.
pub const AVAILABLE: &str = "headcount_available_agents";
/// Agents logged in, per ok poll.
pub const LOGGED_IN: &str = "headcount_logged_in_agents";
/// 1 for an ok poll, 0 for a failed one.
pub const POLL_UP: &str = "headcount_poll_up";
/// 1 at each failed poll, labelled with its `outcome`.
pub const POLL_FAILED: &str = "headcount_poll_failed";

/// Every series name a raw sample can produce.
pub const RAW_SERIES: [&str; 4] = [AVAILABLE, LOGGED_IN, POLL_UP, POLL_FAILED];

/// Every series name a replayed 15-minute rollup can produce.
pub const ROLLUP_SERIES: [&str; 7] = [
    "headcount_available_agents_avg_15m",
    "headcount_available_agents_min_15m",
    "headcount_available_agents_max_15m",
    "headcount_logged_in_agents_avg_15m",
    "headcount_logged_in_agents_min_15m",
    "headcount_logged_in_agents_max_15m",
    "headcount_poll_up_avg_15m",
];

/// The labels of every stored series (target and filters) plus the configured
/// extra labels, ready to build requests.
#[derive(Debug, Clone, Default)]
pub struct Labeller {
    /// Per stored series: its labels except `__name__` (and `outcome`), by name.
    targets: BTreeMap<TargetId, Vec<Label>>,
    extra: Vec<(String, String)>,
}

impl Labeller {
    /// Labels for `targets` (the store's series) with the configured `extra` labels.
    #[must_use]
    pub fn new(targets: &[TargetRow], extra: &[(String, String)]) -> Labeller {
        let mut l = Labeller {
            targets: BTreeMap::new(),
            extra: extra.to_vec(),
        };
        for t in targets {
            l.add(t);
        }
        l
    }

    /// Adds (or replaces) one stored series.
    pub fn add(&mut self, t: &TargetRow) {
        let mut labels = vec![Label {
            name: "target".to_owned(),
            value: t.name.clone(),
        }];
        labels.extend(filter_labels(&t.filters));
        labels.extend(self.extra.iter().map(|(name, value)| Label {
            name: name.clone(),
            value: value.clone(),
        }));
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        self.targets.insert(t.id, labels);
    }

    /// Whether the series `id` is known.
    #[must_use]
    pub fn knows(&self, id: TargetId) -> bool {
        self.targets.contains_key(&id)
    }

    /// The labels of one series of `target`, sorted: `__name__`, the target's, and
    /// `outcome` when given.
    fn labels(&self, target: TargetId, name: &str, outcome: Option<&str>) -> Vec<Label> {
        let base = self.targets.get(&target).map_or(&[][..], Vec::as_slice);
        let mut out = Vec::with_capacity(base.len() + 2);
        out.push(Label {
            name: "__name__".to_owned(),
            value: name.to_owned(),
        });
        out.extend(base.iter().cloned());
        if let Some(o) = outcome {
            out.push(Label {
                name: "outcome".to_owned(),
                value: o.to_owned(),
            });
        }
        // Byte order, as the remote write specification asks ("__name__" sorts before
        // lower-case names but after upper-case ones).
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

/// The labels of a stored filter set (canonical JSON: `campaign_id`, `queue_id`,
/// `user_id` as strings, `skills` as a list). Anything else in it is ignored.
fn filter_labels(filters_json: &str) -> Vec<Label> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(filters_json) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in ["campaign_id", "queue_id", "user_id", "skills"] {
        let value = match map.get(key) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
            _ => continue,
        };
        if !value.is_empty() {
            out.push(Label {
                name: key.to_owned(),
                value,
            });
        }
    }
    out
}

/// Collects samples per series and builds the request.
#[derive(Debug, Default)]
pub struct RequestBuilder {
    series: BTreeMap<(TargetId, &'static str, Option<&'static str>), Vec<Sample>>,
    samples: usize,
}

impl RequestBuilder {
    /// An empty request.
    #[must_use]
    pub fn new() -> RequestBuilder {
        RequestBuilder::default()
    }

    fn push(&mut self, key: (TargetId, &'static str, Option<&'static str>), ts_ms: i64, v: f64) {
        self.series.entry(key).or_default().push(Sample {
            value: v,
            timestamp: ts_ms,
        });
        self.samples += 1;
    }

    /// Adds one stored poll (see the module doc). Polls of one target must come in
    /// ts order.
    pub fn add_sample(&mut self, s: &Stored) {
        let t = s.ts * 1000;
        match (s.available, s.logged_in) {
            (Some(a), Some(l)) if s.outcome.is_ok() => {
                self.push((s.target, AVAILABLE, None), t, f64::from(a));
                self.push((s.target, LOGGED_IN, None), t, f64::from(l));
                self.push((s.target, POLL_UP, None), t, 1.0);
            }
            _ => {
                self.push((s.target, AVAILABLE, None), t, STALE_NAN);
                self.push((s.target, LOGGED_IN, None), t, STALE_NAN);
                self.push((s.target, POLL_UP, None), t, 0.0);
                self.push((s.target, POLL_FAILED, Some(s.outcome.as_str())), t, 1.0);
            }
        }
    }

    /// Adds one 15-minute rollup of `target` (see the module doc). Rollups of one
    /// target must come in bucket order.
    pub fn add_rollup(&mut self, target: TargetId, r: &Rollup) {
        let t = (r.bucket + BUCKET_SECS) * 1000;
        let polls = r.ok + r.failed;
        if polls == 0 {
            return;
        }
        if let (Some(a), Some(l)) = (r.available, r.logged_in)
            && r.ok > 0
        {
            let n = f64::from(r.ok);
            let [
                avail_avg,
                avail_min,
                avail_max,
                logged_avg,
                logged_min,
                logged_max,
                _,
            ] = ROLLUP_SERIES;
            self.push((target, avail_avg, None), t, a.sum as f64 / n);
            self.push((target, avail_min, None), t, f64::from(a.min));
            self.push((target, avail_max, None), t, f64::from(a.max));
            self.push((target, logged_avg, None), t, l.sum as f64 / n);
            self.push((target, logged_min, None), t, f64::from(l.min));
            self.push((target, logged_max, None), t, f64::from(l.max));
        }
        self.push(
            (target, ROLLUP_SERIES[6], None),
            t,
            f64::from(r.ok) / f64::from(polls),
        );
    }

    /// Prometheus samples added so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.samples
    }

    /// Whether nothing was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.samples == 0
    }

    /// The request, labelled by `labeller`; the builder is left empty.
    pub fn build(&mut self, labeller: &Labeller) -> WriteRequest {
        let series = std::mem::take(&mut self.series);
        self.samples = 0;
        WriteRequest {
            timeseries: series
                .into_iter()
                .map(|((target, name, outcome), samples)| TimeSeries {
                    labels: labeller.labels(target, name, outcome),
                    samples,
                })
                .collect(),
            metadata: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use headcount_store::{GaugeSums, Outcome};

    use super::*;

    fn row(id: i64, name: &str, filters: &str) -> TargetRow {
        TargetRow {
            id: TargetId(id),
            name: name.to_owned(),
            filters: filters.to_owned(),
            created_at: 0,
        }
    }

    fn pairs(labels: &[Label]) -> Vec<(&str, &str)> {
        labels
            .iter()
            .map(|l| (l.name.as_str(), l.value.as_str()))
            .collect()
    }

    #[test]
    fn labels_carry_target_filters_and_extras_sorted_by_name() {
        let l = Labeller::new(
            &[row(
                2,
                "bilingual-queue",
                r#"{"queue_id":"222","skills":["english","spanish"]}"#,
            )],
            &[
                ("replica".to_owned(), "a".to_owned()),
                ("Zone".to_owned(), "1".to_owned()),
            ],
        );
        assert_eq!(
            pairs(&l.labels(TargetId(2), POLL_FAILED, Some("timeout"))),
            [
                ("Zone", "1"),
                ("__name__", "headcount_poll_failed"),
                ("outcome", "timeout"),
                ("queue_id", "222"),
                ("replica", "a"),
                ("skills", "english,spanish"),
                ("target", "bilingual-queue"),
            ]
        );
    }

    #[test]
    fn an_ok_poll_is_three_values_and_a_failed_one_a_gap_with_its_reason() {
        let t = TargetId(1);
        let labeller = Labeller::new(&[row(1, "sales", r#"{"campaign_id":"111"}"#)], &[]);
        let mut b = RequestBuilder::new();
        b.add_sample(&Stored::ok(t, 100, 4, 10, Some(20)));
        b.add_sample(&Stored::failed(t, 115, Outcome::Timeout, Some(5000)));
        b.add_sample(&Stored::ok(t, 130, 5, 11, Some(20)));
        assert_eq!(b.len(), 3 + 4 + 3);
        let req = b.build(&labeller);
        assert!(b.is_empty());
        let by_name: BTreeMap<&str, Vec<(i64, f64)>> = req
            .timeseries
            .iter()
            .map(|ts| {
                let name = ts.labels.iter().find(|l| l.name == "__name__").unwrap();
                (
                    name.value.as_str(),
                    ts.samples.iter().map(|s| (s.timestamp, s.value)).collect(),
                )
            })
            .collect();
        assert_eq!(
            by_name[POLL_UP],
            [(100_000, 1.0), (115_000, 0.0), (130_000, 1.0)]
        );
        assert_eq!(by_name[POLL_FAILED], [(115_000, 1.0)]);
        let avail = &by_name[AVAILABLE];
        assert_eq!((avail[0], avail[2]), ((100_000, 4.0), (130_000, 5.0)));
        assert_eq!(avail[1].0, 115_000);
        assert_eq!(avail[1].1.to_bits(), STALE_NAN.to_bits());
        assert_eq!(by_name[LOGGED_IN][2], (130_000, 11.0));
    }

    #[test]
    fn a_rollup_becomes_its_labelled_summary_at_the_end_of_its_quarter_hour() {
        let mut r = Rollup::empty(900 * 4);
        r.ok = 3;
        r.failed = 1;
        r.available = Some(GaugeSums {
            sum: 12,
            min: 2,
            max: 6,
            last: 4,
        });
        r.logged_in = Some(GaugeSums {
            sum: 30,
            min: 9,
            max: 11,
            last: 10,
        });
        let mut b = RequestBuilder::new();
        b.add_rollup(TargetId(1), &r);
        let req = b.build(&Labeller::new(&[row(1, "all", "{}")], &[]));
        let got: BTreeMap<String, (i64, f64)> = req
            .timeseries
            .iter()
            .map(|ts| {
                (
                    ts.labels[0].value.clone(),
                    (ts.samples[0].timestamp, ts.samples[0].value),
                )
            })
            .collect();
        let at = 900 * 5 * 1000;
        assert_eq!(got["headcount_available_agents_avg_15m"], (at, 4.0));
        assert_eq!(got["headcount_available_agents_min_15m"], (at, 2.0));
        assert_eq!(got["headcount_available_agents_max_15m"], (at, 6.0));
        assert_eq!(got["headcount_logged_in_agents_avg_15m"], (at, 10.0));
        assert_eq!(got["headcount_logged_in_agents_min_15m"], (at, 9.0));
        assert_eq!(got["headcount_logged_in_agents_max_15m"], (at, 11.0));
        assert_eq!(got["headcount_poll_up_avg_15m"], (at, 0.75));
        assert_eq!(got.len(), ROLLUP_SERIES.len());
    }
}
