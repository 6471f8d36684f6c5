//! Delivery: the notification outbox sent to the channels.
//!
//! [`Deliverer::deliver_due`] takes the pending notifications whose next attempt is
//! due, sends them (concurrently, each with its channel's timeout), and records each
//! outcome: a 2xx answer is sent; a network error, a timeout, a 5xx or 429 is retried
//! later with capped, jittered exponential backoff; another 4xx is refused for good;
//! a notification not delivered within its channel's `give_up_after` (or refused) is
//! given up, logged and counted (`/metrics`). The outbox is in the database, so a
//! restart resumes where delivery stopped; a crash between a receiver's answer and
//! its record sends that one notification again at the next start (at least once).
//! Delivery runs on its own task ([`crate::run`]), never in the collector's way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headcount_config::{Backoff, ChannelConfig, ChannelKind, ChannelUrl, Config};
use headcount_store::{AlertStore, QueuedNotification};

use crate::error::{Error, Result};
use crate::notify::Notification;

/// Most notifications one call sends.
const MAX_PER_ROUND: usize = 64;

/// Notification retries: 1 s doubling to 5 minutes.
pub const DEFAULT_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(1),
    cap: Duration::from_secs(300),
};

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver took it.
    Sent,
    /// Worth trying again: a network error, a timeout, 5xx or 429.
    Retry(String),
    /// Refused for good (another 4xx), or undeliverable (unknown channel).
    Refused(String),
}

/// What one [`Deliverer::deliver_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    /// Delivered.
    pub sent: u64,
    /// Failed, to be retried.
    pub retried: u64,
    /// Given up.
    pub given_up: u64,
}

#[derive(Debug, Clone)]
struct Channel {
    config: ChannelConfig,
    url: Option<ChannelUrl>,
}

/// Sends the outbox to the configured channels; see the module doc.
#[derive(Debug, Clone)]
pub struct Deliverer {
    channels: Arc<HashMap<String, Channel>>,
    http: reqwest::Client,
    backoff: Backoff,
}

impl Deliverer {
    /// A deliverer for `config`'s channels, their URLs read from the environment now.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming a channel's line when its URL variable is unset, empty
    /// or not an http(s) URL; [`Error::Client`] when the HTTP client cannot be built.
    pub fn new(config: &Config) -> Result<Deliverer> {
        let mut urls = HashMap::new();
        for c in &config.channels {
            if let Some(url) = c.url()? {
                urls.insert(c.name.clone(), url);
            }
        }
        Deliverer::with_urls(config, urls)
    }

    /// A deliverer for `config`'s channels with their URLs given by name rather than
    /// read from the environment (tests; a channel left out has none).
    ///
    /// # Errors
    ///
    /// [`Error::Client`] when the HTTP client cannot be built.
    pub fn with_urls(config: &Config, mut urls: HashMap<String, ChannelUrl>) -> Result<Deliverer> {
        let mut channels = HashMap::new();
        for c in &config.channels {
            let url = urls.remove(&c.name);
            channels.insert(
                c.name.clone(),
                Channel {
                    config: c.clone(),
                    url,
                },
            );
        }
        // reqwest is built without a bundled crypto provider (see headcount-convoso).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("headcount/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        Ok(Deliverer {
            channels: Arc::new(channels),
            http,
            backoff: DEFAULT_BACKOFF,
        })
    }

    /// Uses `backoff` for retries.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Deliverer {
        self.backoff = backoff;
        self
    }

    /// Whether `name` is a configured channel.
    #[must_use]
    pub fn has_channel(&self, name: &str) -> bool {
        self.channels.contains_key(name)
    }

    /// Sends one notification now, outside the outbox (what `deliver_due` does per
    /// notification).
    pub async fn send(&self, channel: &str, n: &Notification) -> Attempt {
        let Some(ch) = self.channels.get(channel) else {
            return Attempt::Refused(format!("channel {channel:?} is no longer configured"));
        };
        if ch.config.kind == ChannelKind::Log {
            tracing::warn!(
                channel,
                rule = n.rule,
                target = n.target,
                "{}",
                n.text().replace('\n', "; ")
            );
            return Attempt::Sent;
        }
        let (Some(url), Some(body)) = (&ch.url, n.body(ch.config.kind, channel)) else {
            return Attempt::Refused(format!("channel {channel:?} has no URL"));
        };
        let sent = self
            .http
            .post(url.expose())
            .timeout(ch.config.timeout)
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => Attempt::Sent,
            Ok(r) => {
                let status = r.status();
                let answer: String = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(256)
                    .collect();
                let why = format!("HTTP {}: {}", status.as_u16(), answer.trim());
                if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
                    Attempt::Retry(why)
                } else {
                    Attempt::Refused(why)
                }
            }
            // reqwest's error names the URL, which is a secret here: keep only its kind.
            Err(e) => Attempt::Retry(describe(e)),
        }
    }

    /// Sends what is due at `now_ms` and records each outcome; see the module doc.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the outbox cannot be read or an outcome not recorded
    /// (that notification is then tried again); [`Error::Task`] if a blocking task
    /// failed.
    pub async fn deliver_due(
        &self,
        store: &Arc<Mutex<AlertStore>>,
        now_ms: i64,
    ) -> Result<DeliveryRound> {
        let s = store.clone();
        let due = blocking(move || lock(&s).due(now_ms, MAX_PER_ROUND)).await??;
        let mut round = DeliveryRound::default();
        if due.is_empty() {
            return Ok(round);
        }
        let mut set = tokio::task::JoinSet::new();
        for q in due {
            let this = self.clone();
            set.spawn(async move {
                let attempt = match serde_json::from_str::<Notification>(&q.payload) {
                    Ok(n) => this.send(&q.channel, &n).await,
                    Err(e) => Attempt::Refused(format!("unreadable notification: {e}")),
                };
                (q, attempt)
            });
        }
        let mut outcomes: Vec<(QueuedNotification, Attempt)> = Vec::new();
        while let Some(r) = set.join_next().await {
            outcomes.push(r.map_err(|e| Error::Task(e.to_string()))?);
        }
        let mut records = Vec::new();
        for (q, attempt) in outcomes {
            let give_up_after = self.channels.get(&q.channel).map_or(0, |c| {
                i64::try_from(c.config.give_up_after.as_millis()).unwrap_or(i64::MAX)
            });
            let record = match attempt {
                Attempt::Sent => {
                    round.sent += 1;
                    if q.attempts > 0 {
                        tracing::info!(
                            channel = q.channel,
                            attempts = q.attempts + 1,
                            "alerts: notification delivered after retrying"
                        );
                    }
                    Record::Sent
                }
                Attempt::Retry(why) if now_ms - q.created_at < give_up_after => {
                    round.retried += 1;
                    let delay = self.backoff.delay(q.attempts + 1);
                    if q.attempts == 0 {
                        tracing::warn!(
                            channel = q.channel,
                            error = why,
                            ?delay,
                            "alerts: delivery failed; retrying later"
                        );
                    } else {
                        tracing::debug!(
                            channel = q.channel,
                            error = why,
                            attempts = q.attempts + 1,
                            ?delay,
                            "alerts: delivery failed again"
                        );
                    }
                    Record::Retry(
                        now_ms + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2),
                        why,
                    )
                }
                Attempt::Retry(why) | Attempt::Refused(why) => {
                    round.given_up += 1;
                    tracing::error!(
                        channel = q.channel,
                        error = why,
                        attempts = q.attempts + 1,
                        "alerts: notification given up"
                    );
                    Record::GivenUp(why)
                }
            };
            records.push((q.id, record));
        }
        let s = store.clone();
        blocking(move || -> Result<()> {
            let mut st = lock(&s);
            for (id, r) in records {
                match r {
                    Record::Sent => st.mark_sent(id, now_ms)?,
                    Record::Retry(at, why) => st.mark_retry(id, at, &why)?,
                    Record::GivenUp(why) => st.mark_given_up(id, now_ms, &why)?,
                }
            }
            Ok(())
        })
        .await??;
        Ok(round)
    }
}

enum Record {
    Sent,
    Retry(i64, String),
    GivenUp(String),
}

/// A reqwest error without its URL (a channel's URL is a secret), with its causes,
/// as the remote-write client describes one: `connect: ...: invalid peer
/// certificate` says more than "unreachable".
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "request"
    };
    let e = e.without_url();
    let mut why = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        why = format!("{why}: {s}");
        source = s.source();
    }
    format!("{kind}: {why}")
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs SQLite work on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Task(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[tokio::test]
    async fn a_network_error_says_why_without_the_secret_url() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Nothing listens on the discard port of loopback: the connection is refused.
        let e = reqwest::Client::new()
            .post("http://user:pass@127.0.0.1:9/hooks/T000/B000/SECRETTOKEN")
            .send()
            .await
            .unwrap_err();
        let why = describe(e);
        assert!(why.starts_with("connect: "), "{why}");
        assert!(why.len() > "connect: ".len() + 10, "{why}");
        for secret in ["SECRETTOKEN", "pass", "hooks"] {
            assert!(!why.contains(secret), "{why}");
        }
    }
}
