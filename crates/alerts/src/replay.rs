//! `headcount alerts replay`: the rules evaluated over stored history, with the same
//! machines as the live evaluation ([`crate::eval`]), printing what would have fired.
//! Nothing is stored or sent.

use headcount_config::Config;
use headcount_store::{Reads, Sample};
use serde::Serialize;

use crate::engine::rules_and_targets;
use crate::error::Result;
use crate::eval::{Event, Machine};
use crate::notify::Notification;

/// One episode a replay found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayEpisode {
    /// The rule's name.
    pub rule: String,
    /// The target's name.
    pub target: String,
    /// `warning` or `critical`.
    pub severity: String,
    /// When the condition began to hold.
    pub pending_at: i64,
    /// When it fired.
    pub fired_at: i64,
    /// When it ended; `None` if still firing at the end of the range.
    pub ended_at: Option<i64>,
    /// `resolved` or `window_closed`.
    pub end_reason: Option<String>,
    /// The worst value seen.
    pub worst: Option<f64>,
    /// Notifications it would have sent (all channels).
    pub notifications: u64,
}

/// Per-rule totals of a replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleTotals {
    /// The rule's name.
    pub rule: String,
    /// Episodes that fired.
    pub episodes: u64,
    /// Notifications they would have sent.
    pub notifications: u64,
}

/// What a replay found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReplayReport {
    /// Every episode, by fired time.
    pub episodes: Vec<ReplayEpisode>,
    /// Per rule, in config order.
    pub rules: Vec<RuleTotals>,
    /// Notifications in all.
    pub notifications: u64,
    /// Samples evaluated (per rule).
    pub steps: u64,
}

/// Evaluates `config`'s rules over the samples stored in `[from, to)`, each machine
/// starting fresh at `from`.
///
/// # Errors
///
/// [`crate::Error::Store`] when the database fails.
pub fn replay(db: &impl Reads, config: &Config, from: i64, to: i64) -> Result<ReplayReport> {
    let (rules, targets) = rules_and_targets(config);
    let mut report = ReplayReport {
        rules: rules
            .iter()
            .map(|r| RuleTotals {
                rule: r.config.name.clone(),
                ..RuleTotals::default()
            })
            .collect(),
        ..ReplayReport::default()
    };
    for t in &targets {
        let samples: Vec<Sample> = match db.target(&t.name, &t.filters_json)? {
            Some(id) => db.samples(id, from, to)?,
            None => Vec::new(),
        };
        for &ri in &t.rules {
            let rule = &rules[ri];
            let mut m = Machine::new(from);
            let mut events = Vec::new();
            for s in &samples {
                m.step(rule, t.binding, s, &mut events);
            }
            m.advance(rule, to, &mut events);
            report.steps += samples.len() as u64;
            let channels = rule.config.channels.len() as u64;
            let mut open: Option<usize> = None;
            for e in &events {
                let notifies = Notification::of(&rule.config, &t.name, e, "", rule.tz).is_some();
                let sent = if notifies { channels } else { 0 };
                report.notifications += sent;
                report.rules[ri].notifications += sent;
                match *e {
                    Event::Fired {
                        pending_at,
                        at,
                        worst,
                        ..
                    } => {
                        report.rules[ri].episodes += 1;
                        report.episodes.push(ReplayEpisode {
                            rule: rule.config.name.clone(),
                            target: t.name.clone(),
                            severity: rule.config.severity.as_str().to_owned(),
                            pending_at,
                            fired_at: at,
                            ended_at: None,
                            end_reason: None,
                            worst,
                            notifications: sent,
                        });
                        open = Some(report.episodes.len() - 1);
                    }
                    Event::Worse { worst } => {
                        if let Some(i) = open {
                            report.episodes[i].worst = Some(worst);
                        }
                    }
                    Event::Repeat { .. } => {
                        if let Some(i) = open {
                            report.episodes[i].notifications += sent;
                        }
                    }
                    Event::Ended { at, reason, .. } => {
                        if let Some(i) = open.take() {
                            let ep = &mut report.episodes[i];
                            ep.notifications += sent;
                            ep.ended_at = Some(at);
                            ep.end_reason = Some(reason.as_str().to_owned());
                        }
                    }
                }
            }
        }
    }
    report
        .episodes
        .sort_by(|a, b| (a.fired_at, &a.rule, &a.target).cmp(&(b.fired_at, &b.rule, &b.target)));
    Ok(report)
}
