//! The evaluator: one state machine per rule × target, fed the target's stored
//! samples in slot order. Pure and deterministic: the same samples give the same
//! events, live ([`crate::Engine`]) or in a replay ([`crate::replay`]).
//!
//! Phases: `ok` → `pending` (the condition holds at an ok sample) → `firing` (it still
//! holds at an ok sample `for` after the first) → `ok` again (resolved). Rules:
//! - Only ok samples carry a value. A failed poll, or a stretch with no samples at
//!   all (recorder downtime), never moves a firing alert towards resolving, and it
//!   does not cancel a pending one either: missing data is not good news.
//! - While pending, an ok sample where the condition does not hold cancels it (no
//!   episode is recorded). While firing, the recovery condition (`recover_when`,
//!   hysteresis) must hold at every ok sample over `recover_for`: counted from the
//!   first recovering sample to the latest; a failed poll, an ok sample that does
//!   not recover, or a gap of more than [`Binding::max_gap`] between two samples
//!   (downtime) starts the count again.
//! - `no_data >= N` fires at `last ok sample + N` (or `start + N` when there was
//!   none), found by [`Machine::advance`], and resolves at the next ok sample. Due
//!   while its window is closed, it fires at the first failed sample inside the
//!   window (or, with no samples at all, when the evaluation finds the window open).
//! - Active window (`active`, in `[report] timezone`): a sample outside it is not
//!   evaluated. A pending alert is cancelled there, and a firing one is ended with the
//!   reason `window_closed` at the first sample outside (its resolve notification
//!   says so); when the window opens again, the condition must hold for `for` anew.
//! - `repeat`: while firing, a notification again at the first sample at least
//!   `repeat` after the previous one.
//! - `available_pct` and `state` have no value when nobody is logged in; such a
//!   sample counts like a failed poll.

use chrono::{Datelike, TimeZone, Timelike};
use chrono_tz::Tz;
use headcount_config::{AlertCondition, AlertConfig, Measure, Test, Thresholds, state_rank};
use headcount_store::{Outcome, Sample};
use serde::{Deserialize, Serialize};

/// A rule ready to evaluate: its config and what it needs to read samples.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule as configured.
    pub config: AlertConfig,
    /// The zone its active window is in (`[report] timezone`).
    pub tz: Tz,
    /// How states are judged (`[report] thresholds`).
    pub thresholds: Thresholds,
}

/// What a rule needs to know about one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// A gap between two samples longer than this (seconds) is downtime: it restarts
    /// a recovery count. Twice the target's shortest poll interval.
    pub max_gap: i64,
}

impl Rule {
    /// The value of the rule's measure in `s`, if it has one.
    #[must_use]
    pub fn value(&self, test: &Test, s: &Sample) -> Option<f64> {
        if s.outcome != Outcome::Ok {
            return None;
        }
        let (a, l) = (s.available?, s.logged_in?);
        match test.measure {
            Measure::Available => Some(f64::from(a)),
            Measure::LoggedIn => Some(f64::from(l)),
            Measure::AvailablePct => (l > 0).then(|| 100.0 * f64::from(a) / f64::from(l)),
            Measure::State => {
                state_rank(self.thresholds.state(u64::from(a), u64::from(l))).map(f64::from)
            }
        }
    }

    /// Whether slot `ts` is inside the rule's active window (always, without one).
    #[must_use]
    pub fn active_at(&self, ts: i64) -> bool {
        let Some(w) = &self.config.active else {
            return true;
        };
        let Some(local) = self.tz.timestamp_opt(ts, 0).single() else {
            return true;
        };
        w.contains(local.weekday(), local.hour() * 60 + local.minute())
    }

    /// Whether a worse value is lower (counts, percentages) or higher (state ranks).
    fn lower_is_worse(&self) -> bool {
        match self.config.when {
            AlertCondition::Test(t) => t.measure.lower_is_worse(),
            AlertCondition::NoData(_) => false,
        }
    }
}

/// Where a machine stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Nothing wrong (or not yet long enough to say).
    #[default]
    Ok,
    /// The condition holds, not yet for `for`.
    Pending,
    /// Fired; not yet resolved.
    Firing,
}

impl Phase {
    /// The snake_case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Ok => "ok",
            Phase::Pending => "pending",
            Phase::Firing => "firing",
        }
    }
}

/// Why an episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The recovery condition held for `recover_for` (or data came back, for
    /// `no_data`).
    Resolved,
    /// The rule's active window closed while it fired.
    WindowClosed,
}

impl EndReason {
    /// The snake_case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            EndReason::Resolved => "resolved",
            EndReason::WindowClosed => "window_closed",
        }
    }
}

/// What a machine did at one sample (or one advance of time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// It fired.
    Fired {
        /// When the condition began to hold.
        pending_at: i64,
        /// When it fired.
        at: i64,
        /// The value then (seconds without data, for `no_data`).
        value: Option<f64>,
        /// The worst value since `pending_at`.
        worst: Option<f64>,
    },
    /// Still firing, `repeat` after the last notification.
    Repeat {
        /// When.
        at: i64,
        /// When it fired.
        fired_at: i64,
        /// The value then.
        value: Option<f64>,
        /// The worst value of the episode so far.
        worst: Option<f64>,
    },
    /// The episode saw a worse value.
    Worse {
        /// The new worst value.
        worst: f64,
    },
    /// The episode ended.
    Ended {
        /// When it fired.
        fired_at: i64,
        /// When it ended.
        at: i64,
        /// Why.
        reason: EndReason,
        /// The value then.
        value: Option<f64>,
        /// The episode's worst value.
        worst: Option<f64>,
    },
}

/// The state of one rule × target; stored as JSON between rounds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Machine {
    /// Where it stands.
    pub phase: Phase,
    /// The last slot evaluated: samples at or before it are not looked at again.
    pub cursor: i64,
    /// When the condition began to hold (pending or firing).
    pub pending_since: Option<i64>,
    /// When it fired.
    pub fired_at: Option<i64>,
    /// When the recovery condition began to hold, while firing.
    pub recovering_since: Option<i64>,
    /// The last sample's slot, any outcome.
    pub last_ts: Option<i64>,
    /// The last ok sample's slot (or the start), for `no_data`.
    pub last_ok: i64,
    /// When the last notification of the episode was due (fired or repeat).
    pub last_notified: Option<i64>,
    /// The worst value since `pending_since`.
    pub worst: Option<f64>,
    /// The value at the last sample.
    pub value: Option<f64>,
}

impl Machine {
    /// A machine that starts watching at `start`: samples before it are not
    /// evaluated, and a `no_data` rule counts from it.
    #[must_use]
    pub fn new(start: i64) -> Machine {
        Machine {
            cursor: start - 1,
            last_ok: start,
            ..Machine::default()
        }
    }

    /// When the current phase began.
    #[must_use]
    pub fn since(&self) -> Option<i64> {
        match self.phase {
            Phase::Ok => None,
            Phase::Pending => self.pending_since,
            Phase::Firing => self.fired_at,
        }
    }

    fn note_worse(&mut self, rule: &Rule, v: f64, out: &mut Vec<Event>) {
        let worse = match self.worst {
            None => true,
            Some(w) if rule.lower_is_worse() => v < w,
            Some(w) => v > w,
        };
        if worse {
            self.worst = Some(v);
            if self.phase == Phase::Firing {
                out.push(Event::Worse { worst: v });
            }
        }
    }

    fn reset(&mut self) {
        self.phase = Phase::Ok;
        self.pending_since = None;
        self.fired_at = None;
        self.recovering_since = None;
        self.last_notified = None;
        self.worst = None;
    }

    fn end(&mut self, at: i64, reason: EndReason, out: &mut Vec<Event>) {
        if self.phase == Phase::Firing {
            out.push(Event::Ended {
                fired_at: self.fired_at.unwrap_or(at),
                at,
                reason,
                value: self.value,
                worst: self.worst,
            });
        }
        self.reset();
    }

    fn repeat(&mut self, rule: &Rule, ts: i64, out: &mut Vec<Event>) {
        if self.phase != Phase::Firing {
            return;
        }
        if let (Some(every), Some(last)) = (rule.config.repeat, self.last_notified)
            && ts - last >= secs(every)
        {
            self.last_notified = Some(ts);
            out.push(Event::Repeat {
                at: ts,
                fired_at: self.fired_at.unwrap_or(ts),
                value: self.value,
                worst: self.worst,
            });
        }
    }

    /// Evaluates one sample (ignored unless after the cursor), appending what
    /// happened to `out`.
    pub fn step(&mut self, rule: &Rule, binding: Binding, s: &Sample, out: &mut Vec<Event>) {
        if s.ts <= self.cursor {
            return;
        }
        self.cursor = s.ts;
        let prev_ts = self.last_ts.replace(s.ts);
        let ok = s.outcome == Outcome::Ok;
        if let AlertCondition::NoData(_) = rule.config.when {
            // Time passes up to this sample first: it may have fired meanwhile.
            self.advance(rule, s.ts, out);
            if ok {
                self.last_ok = s.ts;
                self.value = Some(0.0);
                if rule.active_at(s.ts) {
                    self.end(s.ts, EndReason::Resolved, out);
                } else {
                    self.end(s.ts, EndReason::WindowClosed, out);
                }
            } else if !rule.active_at(s.ts) {
                self.end(s.ts, EndReason::WindowClosed, out);
            } else {
                self.value = Some((s.ts - self.last_ok) as f64);
                self.repeat(rule, s.ts, out);
            }
            return;
        }
        if ok {
            self.last_ok = s.ts;
        }
        let (AlertCondition::Test(fire), Some(recover)) =
            (rule.config.when, rule.config.recover_when)
        else {
            return;
        };
        if !rule.active_at(s.ts) {
            self.value = rule.value(&fire, s);
            self.end(s.ts, EndReason::WindowClosed, out);
            return;
        }
        let value = rule.value(&fire, s);
        self.value = value;
        match (self.phase, value) {
            (Phase::Ok, Some(v)) if fire.holds(v) => {
                self.phase = Phase::Pending;
                self.pending_since = Some(s.ts);
                self.worst = Some(v);
            }
            (Phase::Ok, _) => {}
            (Phase::Pending, Some(v)) if fire.holds(v) => self.note_worse(rule, v, out),
            (Phase::Pending, Some(_)) => self.reset(),
            // Missing data neither confirms nor cancels.
            (Phase::Pending, None) => {}
            (Phase::Firing, None) => self.recovering_since = None,
            (Phase::Firing, Some(v)) => {
                if fire.holds(v) {
                    self.note_worse(rule, v, out);
                }
                if recover.holds(v) {
                    let gap = prev_ts.is_none_or(|p| s.ts - p > binding.max_gap);
                    let start = match self.recovering_since {
                        Some(since) if !gap => since,
                        _ => s.ts,
                    };
                    self.recovering_since = Some(start);
                    if s.ts - start >= secs(rule.config.recover_for) {
                        self.end(s.ts, EndReason::Resolved, out);
                        return;
                    }
                } else {
                    self.recovering_since = None;
                }
            }
        }
        if self.phase == Phase::Pending
            && value.is_some_and(|v| fire.holds(v))
            && let Some(since) = self.pending_since
            && s.ts - since >= secs(rule.config.hold_for)
        {
            self.phase = Phase::Firing;
            self.fired_at = Some(s.ts);
            self.last_notified = Some(s.ts);
            self.recovering_since = None;
            out.push(Event::Fired {
                pending_at: since,
                at: s.ts,
                value,
                worst: self.worst,
            });
            return;
        }
        self.repeat(rule, s.ts, out);
    }

    /// Lets time pass to `now` with no new sample: only a `no_data` rule can fire
    /// then, at exactly `last ok + N` (so the time it is noticed does not matter).
    pub fn advance(&mut self, rule: &Rule, now: i64, out: &mut Vec<Event>) {
        let AlertCondition::NoData(n) = rule.config.when else {
            return;
        };
        let due = self.last_ok + secs(n);
        if self.phase != Phase::Ok || now < due {
            return;
        }
        // Due inside the window: then. Due while the window was closed: once it is
        // open, at the first sample (or moment) inside it.
        let at = if rule.active_at(due) {
            due
        } else if rule.active_at(now) {
            now
        } else {
            return;
        };
        self.phase = Phase::Firing;
        self.pending_since = Some(self.last_ok);
        self.fired_at = Some(at);
        self.last_notified = Some(at);
        let v = (at - self.last_ok) as f64;
        self.value = Some(v);
        self.worst = Some(v);
        out.push(Event::Fired {
            pending_at: self.last_ok,
            at,
            value: Some(v),
            worst: Some(v),
        });
    }
}

fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use headcount_config::Config;
    use headcount_store::TargetId;

    use super::*;

    const B: Binding = Binding { max_gap: 30 };

    fn rule(extra: &str) -> Rule {
        let text = format!(
            "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n[report]\ntimezone = \"America/New_York\"\n[[target]]\nname = \"t\"\n[[alert]]\nname = \"r\"\n{extra}"
        );
        let c = Config::parse(&text, Path::new(".")).unwrap_or_else(|e| panic!("{e}"));
        Rule {
            config: c.alerts[0].clone(),
            tz: c.report.timezone,
            thresholds: c.report.thresholds,
        }
    }

    fn ok(ts: i64, available: u32) -> Sample {
        Sample::ok(TargetId(1), ts, available, 50, None)
    }

    fn failed(ts: i64) -> Sample {
        Sample::failed(TargetId(1), ts, Outcome::Timeout, None)
    }

    /// Runs samples every 15 s from t = 1000 with these values (None: a failed poll).
    fn run(rule: &Rule, values: &[Option<u32>]) -> (Machine, Vec<Event>) {
        let mut m = Machine::new(1000);
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let ts = 1000 + 15 * i as i64;
            let s = v.map_or_else(|| failed(ts), |v| ok(ts, v));
            m.step(rule, B, &s, &mut out);
        }
        (m, out)
    }

    fn fired(out: &[Event]) -> Vec<i64> {
        out.iter()
            .filter_map(|e| match e {
                Event::Fired { at, .. } => Some(*at),
                _ => None,
            })
            .collect()
    }

    fn ended(out: &[Event]) -> Vec<(i64, EndReason)> {
        out.iter()
            .filter_map(|e| match e {
                Event::Ended { at, reason, .. } => Some((*at, *reason)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn fires_once_after_for_and_not_before() {
        let r = rule("when = \"available < 5\"\nfor = \"1m\"\n");
        // Below from t=1015: 1015, 1030, 1045, 1060 (45 s), 1075 (60 s: fires).
        let (m, out) = run(
            &r,
            &[
                Some(10),
                Some(3),
                Some(3),
                Some(3),
                Some(3),
                Some(3),
                Some(2),
            ],
        );
        assert_eq!(fired(&out), [1075]);
        assert_eq!(m.phase, Phase::Firing);
        assert_eq!(m.worst, Some(2.0));
        assert!(matches!(out.last(), Some(Event::Worse { worst }) if *worst == 2.0));
        let (m, out) = run(&r, &[Some(3), Some(3), Some(3), Some(3)]);
        assert!(fired(&out).is_empty(), "45 s is not 60");
        assert_eq!(m.phase, Phase::Pending);
    }

    #[test]
    fn a_dip_shorter_than_for_is_cancelled_by_a_good_sample() {
        let r = rule("when = \"available < 5\"\nfor = \"30s\"\n");
        let (m, out) = run(&r, &[Some(3), Some(3), Some(9), Some(3), Some(3), Some(9)]);
        assert!(out.is_empty());
        assert_eq!(m.phase, Phase::Ok);
    }

    #[test]
    fn oscillating_around_the_threshold_fires_once() {
        let r = rule(
            "when = \"available < 5\"\nfor = \"0s\"\nrecover_when = \"available >= 8\"\nrecover_for = \"1m\"\n",
        );
        let wave: Vec<Option<u32>> = (0..40)
            .map(|i| Some(if i % 2 == 0 { 4 } else { 6 }))
            .collect();
        let (m, out) = run(&r, &wave);
        assert_eq!(fired(&out), [1000]);
        assert!(ended(&out).is_empty());
        assert_eq!(m.phase, Phase::Firing);
    }

    #[test]
    fn recovery_needs_recover_for_of_recovering_samples_and_resolves_once() {
        let r = rule(
            "when = \"available < 5\"\nfor = \"0s\"\nrecover_when = \"available >= 8\"\nrecover_for = \"30s\"\n",
        );
        // Fires at 1000; recovers from 1015: 1015, 1030, 1045 (30 s) resolves.
        let (_, out) = run(&r, &[Some(2), Some(9), Some(9), Some(9), Some(9), Some(9)]);
        assert_eq!(fired(&out), [1000]);
        assert_eq!(ended(&out), [(1045, EndReason::Resolved)]);
        // A sample back below 8 (but not below 5) starts the count again.
        let (_, out) = run(
            &r,
            &[
                Some(2),
                Some(9),
                Some(9),
                Some(6),
                Some(9),
                Some(9),
                Some(9),
            ],
        );
        assert_eq!(ended(&out), [(1090, EndReason::Resolved)]);
    }

    #[test]
    fn failed_polls_and_downtime_never_resolve() {
        let r = rule(
            "when = \"available < 5\"\nfor = \"0s\"\nrecover_when = \"available >= 8\"\nrecover_for = \"30s\"\n",
        );
        let mut values = vec![Some(2)];
        values.extend([None; 50]);
        let (m, out) = run(&r, &values);
        assert_eq!(fired(&out), [1000]);
        assert!(ended(&out).is_empty());
        assert_eq!(m.phase, Phase::Firing);
        // Recovering samples interleaved with failures never add up to 30 s.
        let (m, out) = run(
            &r,
            &[
                Some(2),
                Some(9),
                None,
                Some(9),
                None,
                Some(9),
                None,
                Some(9),
            ],
        );
        assert!(ended(&out).is_empty());
        assert_eq!(m.phase, Phase::Firing);
        // Two recovering samples an hour apart (the recorder was down) do not either.
        let mut m = Machine::new(1000);
        let mut out = Vec::new();
        for s in [ok(1000, 2), ok(1015, 9), ok(4615, 9)] {
            m.step(&r, B, &s, &mut out);
        }
        assert!(ended(&out).is_empty());
        m.step(&r, B, &ok(4645, 9), &mut out);
        assert_eq!(ended(&out), [(4645, EndReason::Resolved)]);
    }

    #[test]
    fn no_data_fires_at_last_ok_plus_n_and_resolves_at_the_next_ok_sample() {
        let r = rule("when = \"no_data >= 1m\"\n");
        let mut m = Machine::new(1000);
        let mut out = Vec::new();
        m.step(&r, B, &ok(1000, 5), &mut out);
        for ts in [1015, 1030, 1045] {
            m.step(&r, B, &failed(ts), &mut out);
        }
        assert!(fired(&out).is_empty(), "60 s after the last ok is 1060");
        m.advance(&r, 1059, &mut out);
        assert!(fired(&out).is_empty());
        m.advance(&r, 1200, &mut out);
        assert_eq!(
            fired(&out),
            [1060],
            "fired at the due time, whenever noticed"
        );
        m.advance(&r, 1300, &mut out);
        assert_eq!(fired(&out).len(), 1);
        m.step(&r, B, &ok(1400, 5), &mut out);
        assert_eq!(ended(&out), [(1400, EndReason::Resolved)]);
    }

    #[test]
    fn no_data_due_while_the_window_is_closed_fires_when_it_opens() {
        // Wednesday 09:00-10:00 New York; 2026-12-02 14:00 UTC is 09:00 there.
        let r = rule(
            "when = \"no_data >= 10m\"\nactive = { days = [\"wed\"], hours = \"09:00-10:00\" }\n",
        );
        let nine = chrono::Utc
            .with_ymd_and_hms(2026, 12, 2, 14, 0, 0)
            .unwrap()
            .timestamp();
        let mut m = Machine::new(nine - 3600);
        let mut out = Vec::new();
        m.step(&r, B, &ok(nine - 3600, 5), &mut out);
        for k in 1..=240 {
            m.step(&r, B, &failed(nine - 3600 + 15 * k), &mut out);
        }
        assert_eq!(
            fired(&out),
            [nine],
            "at the first failed sample inside the window"
        );
    }

    #[test]
    fn outside_the_window_nothing_fires_and_a_firing_alert_ends_when_it_closes() {
        // 2026-12-02 is a Wednesday; 14:00 UTC is 09:00 in New York.
        let r = rule(
            "when = \"available < 5\"\nfor = \"0s\"\nactive = { days = [\"wed\"], hours = \"09:00-10:00\" }\n",
        );
        let nine = chrono::Utc
            .with_ymd_and_hms(2026, 12, 2, 14, 0, 0)
            .unwrap()
            .timestamp();
        let mut m = Machine::new(nine - 3600);
        let mut out = Vec::new();
        for k in 0..240 {
            // 08:00 to 08:59:45 local: short-staffed, outside the window.
            m.step(&r, B, &ok(nine - 3600 + 15 * k, 1), &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
        m.step(&r, B, &ok(nine, 1), &mut out);
        assert_eq!(fired(&out), [nine]);
        m.step(&r, B, &ok(nine + 3600, 1), &mut out);
        assert_eq!(ended(&out), [(nine + 3600, EndReason::WindowClosed)]);
        assert_eq!(m.phase, Phase::Ok);
    }

    #[test]
    fn repeat_notifies_again_while_firing() {
        let r = rule("when = \"available < 5\"\nfor = \"0s\"\nrepeat = \"1m\"\n");
        let (_, out) = run(&r, &[Some(1); 10]);
        let repeats: Vec<i64> = out
            .iter()
            .filter_map(|e| match e {
                Event::Repeat { at, .. } => Some(*at),
                _ => None,
            })
            .collect();
        assert_eq!(repeats, [1060, 1120]);
    }

    #[test]
    fn state_conditions_use_the_configured_thresholds() {
        let r = rule(
            "when = \"state >= critical\"\nfor = \"0s\"\nrecover_when = \"state <= monitor\"\nrecover_for = \"0s\"\n",
        );
        // Of 50: 2 is 4% (critical), 3 is 6% (warning), 5 is 10% (monitor).
        let (_, out) = run(&r, &[Some(3), Some(2), Some(3), Some(0), Some(5)]);
        assert_eq!(fired(&out), [1015]);
        assert_eq!(ended(&out), [(1060, EndReason::Resolved)]);
        let worst = out.iter().find_map(|e| match e {
            Event::Ended { worst, .. } => *worst,
            _ => None,
        });
        assert_eq!(worst, Some(4.0), "unavailable is the worst rank");
    }

    #[test]
    fn a_sample_already_evaluated_changes_nothing() {
        let r = rule("when = \"available < 5\"\nfor = \"0s\"\n");
        let (mut m, out) = run(&r, &[Some(1)]);
        assert_eq!(fired(&out).len(), 1);
        let mut again = Vec::new();
        m.step(&r, B, &ok(1000, 1), &mut again);
        assert!(again.is_empty());
        let json = serde_json::to_string(&m).unwrap();
        let back: Machine = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }
}
