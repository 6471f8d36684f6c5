//! A notification and how each kind of channel gets it: Alertmanager's webhook JSON
//! (version 4, so existing receivers work), a Slack incoming webhook, a Microsoft
//! Teams workflow (an adaptive card), or a log line.
//!
//! A [`Notification`] holds the facts (what, where, since when, the value, the
//! threshold, a link to the target's page); it is stored in the outbox as JSON and
//! rendered for its channel at each delivery attempt.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use headcount_config::{AlertCondition, AlertConfig, ChannelKind, Measure, fmt_value};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::eval::{EndReason, Event};

/// Why a notification was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The alert fired.
    Fired,
    /// Still firing, `repeat` later.
    Repeat,
    /// It resolved.
    Resolved,
    /// Its active window closed while it fired.
    WindowClosed,
    /// `headcount alerts test`.
    Test,
}

/// One notification's facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Why it is sent.
    pub kind: Kind,
    /// The rule's name.
    pub rule: String,
    /// The target's name.
    pub target: String,
    /// `warning` or `critical`.
    pub severity: String,
    /// The firing condition as written (`available < 5`).
    pub condition: String,
    /// The threshold as written (`5`, `warning`, `10m`).
    pub threshold: String,
    /// The value at the event, as written (`3`, `4.2`, `critical`).
    pub value: Option<String>,
    /// The episode's worst value so far.
    pub worst: Option<String>,
    /// When the alert fired (UTC seconds).
    pub fired_at: i64,
    /// When the condition began to hold.
    pub pending_at: i64,
    /// When this happened (the sample's slot).
    pub at: i64,
    /// The target's dashboard page.
    pub link: String,
    /// The zone times are shown in.
    pub tz: String,
}

fn show(measure: Option<Measure>, v: Option<f64>) -> Option<String> {
    let v = v?;
    Some(match measure {
        Some(m) => fmt_value(m, v),
        None => headcount_config::fmt_duration(std::time::Duration::from_secs(v.max(0.0) as u64)),
    })
}

impl Notification {
    /// The notification of `event` of `rule` on `target`, or `None` when the event
    /// notifies nobody (a worse value; a resolve with `send_resolved = false`).
    #[must_use]
    pub fn of(
        rule: &AlertConfig,
        target: &str,
        event: &Event,
        public_url: &str,
        tz: Tz,
    ) -> Option<Notification> {
        let (measure, threshold) = match rule.when {
            AlertCondition::Test(t) => (Some(t.measure), t.threshold_text()),
            AlertCondition::NoData(d) => (None, headcount_config::fmt_duration(d)),
        };
        let (kind, fired_at, pending_at, at, value, worst) = match *event {
            Event::Fired {
                pending_at,
                at,
                value,
                worst,
            } => (Kind::Fired, at, pending_at, at, value, worst),
            Event::Repeat {
                at,
                fired_at,
                value,
                worst,
            } => (Kind::Repeat, fired_at, fired_at, at, value, worst),
            Event::Ended {
                fired_at,
                at,
                reason,
                value,
                worst,
            } => {
                if !rule.send_resolved {
                    return None;
                }
                let kind = match reason {
                    EndReason::Resolved => Kind::Resolved,
                    EndReason::WindowClosed => Kind::WindowClosed,
                };
                (kind, fired_at, fired_at, at, value, worst)
            }
            Event::Worse { .. } => return None,
        };
        Some(Notification {
            kind,
            rule: rule.name.clone(),
            target: target.to_owned(),
            severity: rule.severity.as_str().to_owned(),
            condition: rule.when.to_string(),
            threshold,
            value: show(measure, value),
            worst: show(measure, worst),
            fired_at,
            pending_at,
            at,
            link: format!("{}/targets/{}", public_url.trim_end_matches('/'), target),
            tz: tz.name().to_owned(),
        })
    }

    /// Whether the alert is still firing (Alertmanager's `status`).
    #[must_use]
    pub fn firing(&self) -> bool {
        matches!(self.kind, Kind::Fired | Kind::Repeat | Kind::Test)
    }

    fn local(&self, ts: i64) -> String {
        let tz: Tz = self.tz.parse().unwrap_or(Tz::UTC);
        match tz.timestamp_opt(ts, 0).single() {
            Some(t) => t.format("%Y-%m-%d %H:%M:%S %Z").to_string(),
            None => ts.to_string(),
        }
    }

    fn rfc3339(ts: i64) -> String {
        DateTime::<Utc>::from_timestamp(ts, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    }

    /// One line: `[FIRING] short-staffed on sales: available 3 (threshold < 5) since …`.
    #[must_use]
    pub fn title(&self) -> String {
        let tag = match self.kind {
            Kind::Fired => "FIRING",
            Kind::Repeat => "STILL FIRING",
            Kind::Resolved => "RESOLVED",
            Kind::WindowClosed => "ENDED (window closed)",
            Kind::Test => "TEST",
        };
        if self.kind == Kind::Test {
            return format!("[{tag}] headcount channel {}", self.target);
        }
        format!(
            "[{tag}] {} on {} ({})",
            self.rule, self.target, self.severity
        )
    }

    /// The facts, one per line.
    #[must_use]
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        if self.kind == Kind::Test {
            return vec![
                ("message", self.condition.clone()),
                ("sent", self.local(self.at)),
                ("link", self.link.clone()),
            ];
        }
        let mut f = vec![
            ("condition", self.condition.clone()),
            ("threshold", self.threshold.clone()),
            (
                "value",
                self.value.clone().unwrap_or_else(|| "no data".to_owned()),
            ),
        ];
        if let Some(w) = &self.worst {
            f.push(("worst", w.clone()));
        }
        f.push(("since", self.local(self.pending_at)));
        f.push(("fired", self.local(self.fired_at)));
        if !self.firing() {
            f.push(("ended", self.local(self.at)));
        }
        f.push(("link", self.link.clone()));
        f
    }

    /// The whole message as plain text.
    #[must_use]
    pub fn text(&self) -> String {
        let mut s = self.title();
        for (k, v) in self.facts() {
            s.push_str(&format!("\n{k}: {v}"));
        }
        s
    }

    /// A stable id of the episode: rule, target and when it fired.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        // FNV-1a: stable across builds (std's hasher is not).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in format!("{}\0{}\0{}", self.rule, self.target, self.fired_at).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }

    /// The request body for a channel of `kind` named `receiver`; `None` for `log`.
    #[must_use]
    pub fn body(&self, kind: ChannelKind, receiver: &str) -> Option<Value> {
        match kind {
            ChannelKind::Webhook => Some(self.alertmanager(receiver)),
            ChannelKind::Slack => Some(self.slack()),
            ChannelKind::Teams => Some(self.teams()),
            ChannelKind::Log => None,
        }
    }

    /// Alertmanager's webhook body, version 4.
    fn alertmanager(&self, receiver: &str) -> Value {
        let status = if self.firing() { "firing" } else { "resolved" };
        let labels = json!({
            "alertname": self.rule,
            "target": self.target,
            "severity": self.severity,
        });
        let annotations = json!({
            "summary": self.title(),
            "description": self.text(),
            "condition": self.condition,
            "threshold": self.threshold,
            "value": self.value.clone().unwrap_or_default(),
        });
        let ends = if self.firing() {
            "0001-01-01T00:00:00Z".to_owned()
        } else {
            Self::rfc3339(self.at)
        };
        let base = self.link.rsplit_once("/targets/").map_or("", |(b, _)| b);
        json!({
            "version": "4",
            "groupKey": format!("{{}}:{{alertname=\"{}\", target=\"{}\"}}", self.rule, self.target),
            "truncatedAlerts": 0,
            "status": status,
            "receiver": receiver,
            "groupLabels": {"alertname": self.rule, "target": self.target},
            "commonLabels": labels,
            "commonAnnotations": annotations,
            "externalURL": base,
            "alerts": [{
                "status": status,
                "labels": labels,
                "annotations": annotations,
                "startsAt": Self::rfc3339(self.fired_at),
                "endsAt": ends,
                "generatorURL": self.link,
                "fingerprint": self.fingerprint(),
            }],
        })
    }

    /// A Slack incoming-webhook message. Text is escaped as Slack's message format
    /// asks (`&`, `<`, `>`), so `state >= warning` reads as written.
    fn slack(&self) -> Value {
        let mut lines = format!("*{}*", slack_escape(&self.title()));
        for (k, v) in self.facts() {
            if k == "link" {
                lines.push_str(&format!(
                    "\n<{}|Open {} in headcount>",
                    slack_escape(&v),
                    slack_escape(&self.target)
                ));
            } else {
                lines.push_str(&format!("\n*{k}:* {}", slack_escape(&v)));
            }
        }
        json!({ "text": lines })
    }

    /// A Teams workflow message with an adaptive card.
    fn teams(&self) -> Value {
        let facts: Vec<Value> = self
            .facts()
            .into_iter()
            .filter(|(k, _)| *k != "link")
            .map(|(k, v)| json!({"title": k, "value": v}))
            .collect();
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": self.title(), "weight": "Bolder", "size": "Medium", "wrap": true},
                        {"type": "FactSet", "facts": facts},
                    ],
                    "actions": [
                        {"type": "Action.OpenUrl", "title": format!("Open {}", self.target), "url": self.link},
                    ],
                },
            }],
        })
    }

    /// A test message for `headcount alerts test`.
    #[must_use]
    pub fn test(channel: &str, public_url: &str, now: i64) -> Notification {
        Notification {
            kind: Kind::Test,
            rule: "test".to_owned(),
            target: channel.to_owned(),
            severity: "warning".to_owned(),
            condition: "a test message from `headcount alerts test`: this channel works".to_owned(),
            threshold: "-".to_owned(),
            value: None,
            worst: None,
            fired_at: now,
            pending_at: now,
            at: now,
            link: public_url.trim_end_matches('/').to_owned(),
            tz: "UTC".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(kind: Kind) -> Notification {
        Notification {
            kind,
            rule: "short-staffed".into(),
            target: "sales".into(),
            severity: "critical".into(),
            condition: "available < 5".into(),
            threshold: "5".into(),
            value: Some("3".into()),
            worst: Some("2".into()),
            // 2026-12-02 15:00:00 UTC, 10:00 in New York.
            fired_at: 1_796_223_600,
            pending_at: 1_796_223_540,
            at: 1_796_223_600,
            link: "http://127.0.0.1:8080/targets/sales".into(),
            tz: "America/New_York".into(),
        }
    }

    #[test]
    fn the_alertmanager_body_has_the_fields_receivers_read() {
        let b = n(Kind::Fired).body(ChannelKind::Webhook, "ops").unwrap();
        assert_eq!(b["version"], "4");
        assert_eq!(b["status"], "firing");
        assert_eq!(b["receiver"], "ops");
        let a = &b["alerts"][0];
        assert_eq!(a["labels"]["alertname"], "short-staffed");
        assert_eq!(a["labels"]["target"], "sales");
        assert_eq!(a["labels"]["severity"], "critical");
        assert_eq!(a["startsAt"], "2026-12-02T15:00:00Z");
        assert_eq!(a["endsAt"], "0001-01-01T00:00:00Z");
        assert_eq!(a["generatorURL"], "http://127.0.0.1:8080/targets/sales");
        assert_eq!(b["externalURL"], "http://127.0.0.1:8080");
        let mut r = n(Kind::Resolved);
        r.at += 600;
        let b = r.body(ChannelKind::Webhook, "ops").unwrap();
        assert_eq!(b["status"], "resolved");
        assert_eq!(b["alerts"][0]["endsAt"], "2026-12-02T15:10:00Z");
        assert_eq!(b["alerts"][0]["fingerprint"], n(Kind::Fired).fingerprint());
    }

    #[test]
    fn messages_say_what_where_since_when_value_threshold_and_link() {
        let t = n(Kind::Fired).text();
        assert!(
            t.starts_with("[FIRING] short-staffed on sales (critical)"),
            "{t}"
        );
        for want in [
            "condition: available < 5",
            "threshold: 5",
            "value: 3",
            "since: 2026-12-02 09:59:00 EST",
            "link: http://127.0.0.1:8080/targets/sales",
        ] {
            assert!(t.contains(want), "{want} in {t}");
        }
        let s = n(Kind::Fired).body(ChannelKind::Slack, "x").unwrap();
        assert!(
            s["text"]
                .as_str()
                .unwrap()
                .contains("<http://127.0.0.1:8080/targets/sales|Open sales in headcount>")
        );
        let c = n(Kind::Fired).body(ChannelKind::Teams, "x").unwrap();
        let card = &c["attachments"][0];
        assert_eq!(
            card["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        assert_eq!(card["content"]["type"], "AdaptiveCard");
        assert_eq!(
            card["content"]["actions"][0]["url"],
            "http://127.0.0.1:8080/targets/sales"
        );
        assert_eq!(n(Kind::Fired).body(ChannelKind::Log, "x"), None);
    }
}

/// `&`, `<` and `>` as Slack's message format needs them escaped.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod slack_tests {
    use super::slack_escape;

    #[test]
    fn slack_text_is_escaped() {
        assert_eq!(
            slack_escape("state >= warning & a < 5"),
            "state &gt;= warning &amp; a &lt; 5"
        );
    }
}
