//! The live evaluation: [`Engine::round`] reads each watched target's samples stored
//! since its machines' cursors, steps the machines ([`crate::eval`]), and stores the
//! round (new states, episodes, queued notifications) in one transaction.
//!
//! Samples are evaluated once they are final: a round looks only at slots at least
//! the target's poll timeout plus [`SETTLE_SLACK`] old, so a slow poll stored after a
//! later slot is not skipped, and the live evaluation sees exactly the samples a
//! replay of the same history sees. A machine is created the first time its rule ×
//! target is seen, starting then (history before it is not evaluated, so turning
//! alerts on does not notify about last month: `headcount alerts replay` is for
//! that).
//!
//! What is stored: every round that fires, repeats, resolves or changes a machine's
//! phase stores that machine, and the others at least every [`PERSIST_EVERY`]; after
//! a restart, a machine goes on from its stored state and re-reads the samples since
//! its stored cursor. The evaluation being deterministic, those samples give the same
//! transitions again, and the ones that notify were stored with their notifications
//! in the round that made them: nothing is sent twice, nothing forgotten.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use headcount_config::{Config, TargetConfig};
use headcount_store::{
    AlertReads, AlertStateRow, AlertStore, AlertUpdate, EpisodeEvent, Reads, Sample, TargetId,
};

use crate::error::Result;
use crate::eval::{Binding, Event, Machine, Phase, Rule};
use crate::notify::Notification;

/// Added to a target's poll timeout before its samples count as final.
pub const SETTLE_SLACK: Duration = Duration::from_secs(5);

/// A machine that changed nothing notable is stored at least this often (seconds).
pub const PERSIST_EVERY: i64 = 300;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundSummary {
    /// Samples stepped (a sample seen by three rules counts three times).
    pub steps: u64,
    /// Alerts that fired.
    pub fired: u64,
    /// Alerts that ended.
    pub ended: u64,
    /// Notifications queued.
    pub queued: u64,
    /// Machines stored.
    pub stored: u64,
}

/// One configured target as the engine watches it.
#[derive(Debug)]
pub(crate) struct Watched {
    pub name: String,
    pub filters_json: String,
    pub id: Option<TargetId>,
    pub binding: Binding,
    /// Seconds before a slot's sample is final.
    pub settle: i64,
    /// The rules watching it, by index.
    pub rules: Vec<usize>,
}

/// The binding and settle time of a target.
pub(crate) fn watch(t: &TargetConfig) -> (Binding, i64) {
    let interval = i64::try_from(t.schedule.min_interval().as_secs()).unwrap_or(i64::MAX / 4);
    let settle = t.timeout.as_secs_f64().ceil() as i64 + SETTLE_SLACK.as_secs() as i64;
    (
        Binding {
            max_gap: (2 * interval).max(1),
        },
        settle,
    )
}

/// The rules of `config`, ready to evaluate, and the targets they watch.
pub(crate) fn rules_and_targets(config: &Config) -> (Vec<Rule>, Vec<Watched>) {
    let rules: Vec<Rule> = config
        .alerts
        .iter()
        .map(|a| Rule {
            config: a.clone(),
            tz: config.report.timezone,
            thresholds: config.report.thresholds,
        })
        .collect();
    let mut watched = Vec::new();
    for t in &config.targets {
        let on: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.config.targets.contains(&t.name))
            .map(|(i, _)| i)
            .collect();
        if on.is_empty() {
            continue;
        }
        let (binding, settle) = watch(t);
        watched.push(Watched {
            name: t.name.clone(),
            filters_json: t.filters_json(),
            id: None,
            binding,
            settle,
            rules: on,
        });
    }
    (rules, watched)
}

#[derive(Debug)]
struct Slot {
    machine: Machine,
    stored_phase: Option<Phase>,
    stored_at: i64,
    /// The open episode's id, as the store assigned it.
    episode: Option<i64>,
}

/// Spreads the periodic stores of many machines over [`PERSIST_EVERY`], so that no
/// one round stores them all.
fn stagger(ri: usize, ti: usize) -> i64 {
    ((ri * 7919 + ti * 104_729) % PERSIST_EVERY as usize) as i64
}

/// The live evaluator of one database; see the module doc.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<Rule>,
    targets: Vec<Watched>,
    /// By (rule index, target index).
    slots: HashMap<(usize, usize), Slot>,
    loaded: bool,
    store: AlertStore,
    public_url: String,
}

impl Engine {
    /// An engine for `config`'s rules over the database at `db`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Store`] when the database cannot be opened.
    pub fn open(config: &Config, db: impl AsRef<Path>) -> Result<Engine> {
        Ok(Engine::with_store(config, AlertStore::open(db)?))
    }

    /// An engine over an open store (tests use an in-memory one).
    #[must_use]
    pub fn with_store(config: &Config, store: AlertStore) -> Engine {
        let (rules, targets) = rules_and_targets(config);
        Engine {
            rules,
            targets,
            slots: HashMap::new(),
            loaded: false,
            store,
            public_url: config.web.public_url.clone(),
        }
    }

    /// The store, for reads.
    #[must_use]
    pub fn store(&self) -> &AlertStore {
        &self.store
    }

    /// The store, for the deliverer in tests that share one connection.
    pub fn store_mut(&mut self) -> &mut AlertStore {
        &mut self.store
    }

    /// Whether there is anything to evaluate.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    fn load(&mut self, now: i64) -> Result<()> {
        let stored: HashMap<(String, String), AlertStateRow> = self
            .store
            .alert_states()?
            .into_iter()
            .map(|r| ((r.rule.clone(), r.target.clone()), r))
            .collect();
        for (ti, t) in self.targets.iter().enumerate() {
            for &ri in &t.rules {
                let key = (self.rules[ri].config.name.clone(), t.name.clone());
                let slot = match stored.get(&key) {
                    Some(row) => match serde_json::from_str::<Machine>(&row.data) {
                        Ok(m) => Slot {
                            stored_phase: Some(m.phase),
                            stored_at: row.updated_at,
                            episode: row.episode,
                            machine: m,
                        },
                        Err(e) => {
                            tracing::warn!(rule = key.0, target = key.1, error = %e, "alerts: stored state unreadable; starting afresh");
                            Slot {
                                machine: Machine::new(now),
                                stored_phase: None,
                                stored_at: 0,
                                episode: None,
                            }
                        }
                    },
                    None => Slot {
                        machine: Machine::new(now),
                        stored_phase: None,
                        stored_at: 0,
                        episode: None,
                    },
                };
                self.slots.insert((ri, ti), slot);
            }
        }
        self.loaded = true;
        Ok(())
    }

    /// One round at `now` (UTC seconds; `now_ms` stamps queued notifications): see the
    /// module doc.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Store`] when the database fails; nothing of the round is stored
    /// then, and the next round does it again.
    pub fn round(&mut self, now: i64, now_ms: i64) -> Result<RoundSummary> {
        if !self.loaded {
            self.load(now)?;
        }
        let started = std::time::Instant::now();
        let mut summary = RoundSummary::default();
        let mut updates: Vec<AlertUpdate> = Vec::new();
        let mut keys: Vec<(usize, usize)> = Vec::new();
        // Machines as they were, restored if the round cannot be stored.
        let mut before: Vec<((usize, usize), Machine)> = Vec::new();
        // Every target's new samples in one read.
        let read_started = std::time::Instant::now();
        let mut cursors = Vec::with_capacity(self.targets.len());
        for ti in 0..self.targets.len() {
            if self.targets[ti].id.is_none() {
                let t = &self.targets[ti];
                self.targets[ti].id = self.store.target(&t.name, &t.filters_json)?;
            }
            let t = &self.targets[ti];
            let until = now - t.settle;
            let from = t
                .rules
                .iter()
                .filter_map(|ri| self.slots.get(&(*ri, ti)))
                .map(|s| s.machine.cursor)
                .min()
                .unwrap_or(until);
            if let Some(id) = t.id
                && from < until
            {
                cursors.push((id, from, until));
            }
        }
        let all = self.store.samples_after(&cursors)?;
        let mut by_target: HashMap<TargetId, std::ops::Range<usize>> = HashMap::new();
        let mut i = 0;
        while i < all.len() {
            let id = all[i].target;
            let start = i;
            while i < all.len() && all[i].target == id {
                i += 1;
            }
            by_target.insert(id, start..i);
        }
        let reading = read_started.elapsed();
        for ti in 0..self.targets.len() {
            let t = &self.targets[ti];
            let until = now - t.settle;
            let samples: &[Sample] = match t.id.and_then(|id| by_target.get(&id)) {
                Some(r) => &all[r.clone()],
                None => &[],
            };
            for &ri in &t.rules {
                let rule = &self.rules[ri];
                let Some(slot) = self.slots.get_mut(&(ri, ti)) else {
                    continue;
                };
                before.push(((ri, ti), slot.machine.clone()));
                let mut events = Vec::new();
                for s in samples {
                    if s.ts > slot.machine.cursor {
                        summary.steps += 1;
                        slot.machine.step(rule, t.binding, s, &mut events);
                    }
                }
                slot.machine.advance(rule, until, &mut events);
                let changed = slot.stored_phase != Some(slot.machine.phase);
                // Stored again once per PERSIST_EVERY, each machine at a point of its
                // own within the period, so that the many created or caught up
                // together are not all stored in one round.
                let off = stagger(ri, ti);
                let stale = (now + off).div_euclid(PERSIST_EVERY)
                    > (slot.stored_at + off).div_euclid(PERSIST_EVERY);
                if events.is_empty() && !changed && !stale {
                    continue;
                }
                let mut ep = Vec::new();
                for e in &events {
                    log_event(&rule.config.name, &t.name, e);
                    match *e {
                        Event::Fired {
                            pending_at,
                            at,
                            worst,
                            ..
                        } => {
                            summary.fired += 1;
                            ep.push(EpisodeEvent::Opened {
                                severity: rule.config.severity.as_str().to_owned(),
                                condition: rule.config.when.to_string(),
                                pending_at,
                                fired_at: at,
                                worst,
                                threshold: threshold(rule),
                            });
                        }
                        Event::Worse { worst } => ep.push(EpisodeEvent::Worse { worst }),
                        Event::Repeat { .. } | Event::Ended { .. } => {}
                    }
                    if let Some(n) =
                        Notification::of(&rule.config, &t.name, e, &self.public_url, rule.tz)
                    {
                        let payload = serde_json::to_string(&n)?;
                        for ch in &rule.config.channels {
                            summary.queued += 1;
                            ep.push(EpisodeEvent::Notify {
                                channel: ch.clone(),
                                payload: payload.clone(),
                                at_ms: now_ms,
                            });
                        }
                    }
                    if let Event::Ended { at, reason, .. } = *e {
                        summary.ended += 1;
                        ep.push(EpisodeEvent::Closed {
                            ended_at: at,
                            reason: reason.as_str().to_owned(),
                        });
                    }
                }
                let m = &slot.machine;
                keys.push((ri, ti));
                updates.push(AlertUpdate {
                    state: AlertStateRow {
                        rule: rule.config.name.clone(),
                        target: t.name.clone(),
                        phase: m.phase.as_str().to_owned(),
                        since: m.since(),
                        value: m.value,
                        cursor: m.cursor,
                        episode: slot.episode,
                        data: serde_json::to_string(m)?,
                        updated_at: now,
                    },
                    events: ep,
                });
            }
        }
        let stepped = started.elapsed();
        if updates.is_empty() {
            return Ok(summary);
        }
        let episodes = match self.store.apply(&updates) {
            Ok(e) => e,
            Err(e) => {
                for (key, m) in before {
                    if let Some(slot) = self.slots.get_mut(&key) {
                        slot.machine = m;
                    }
                }
                return Err(e.into());
            }
        };
        for ((ri, ti), episode) in keys.into_iter().zip(episodes) {
            if let Some(slot) = self.slots.get_mut(&(ri, ti)) {
                slot.stored_at = now;
                slot.stored_phase = Some(slot.machine.phase);
                slot.episode = episode;
            }
        }
        summary.stored = updates.len() as u64;
        tracing::debug!(
            read_ms = reading.as_secs_f64() * 1e3,
            step_ms = (stepped - reading).as_secs_f64() * 1e3,
            store_ms = (started.elapsed() - stepped).as_secs_f64() * 1e3,
            stored = summary.stored,
            "alerts: round"
        );
        Ok(summary)
    }
}

/// The firing threshold as a number (seconds for `no_data`).
pub(crate) fn threshold(rule: &Rule) -> Option<f64> {
    match rule.config.when {
        headcount_config::AlertCondition::Test(t) => Some(t.threshold),
        headcount_config::AlertCondition::NoData(d) => Some(d.as_secs_f64()),
    }
}

fn log_event(rule: &str, target: &str, e: &Event) {
    match e {
        Event::Fired { at, value, .. } => {
            tracing::info!(rule, target, at, ?value, "alert fired");
        }
        Event::Ended {
            at, reason, value, ..
        } => {
            tracing::info!(
                rule,
                target,
                at,
                ?value,
                reason = reason.as_str(),
                "alert ended"
            );
        }
        Event::Repeat { .. } | Event::Worse { .. } => {}
    }
}
