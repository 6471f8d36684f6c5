//! Staffing alerts in the database: where each rule × target stands, every episode,
//! and the notification outbox (`migrations/0005_alerts.sql`).
//!
//! The `headcount-alerts` crate decides what happens; this module only stores it. An
//! evaluation round hands [`AlertStore::apply`] one [`AlertUpdate`] per rule × target
//! it moved: the machine's new state and, in order, what happened to its episodes
//! ([`EpisodeEvent`]: opened, worse, notified, closed). All of it commits in one
//! transaction, so a crash leaves either the round before or the round after: a
//! restart neither forgets a firing alert nor queues a notification twice.
//!
//! The outbox is read by the deliverer: [`AlertStore::due`] lists pending
//! notifications whose next attempt is due; each attempt ends in
//! [`AlertStore::mark_sent`], [`AlertStore::mark_retry`] or
//! [`AlertStore::mark_given_up`]. Times in the outbox are unix milliseconds (retries
//! back off from a fraction of a second); everything else is unix seconds.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Result;
use crate::read::sealed;
use crate::schema;

/// The stored state of one rule × target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertStateRow {
    /// The rule's name.
    pub rule: String,
    /// The target's name.
    pub target: String,
    /// `ok`, `pending` or `firing`.
    pub phase: String,
    /// When the phase began (a sample's slot), if it is not `ok`.
    pub since: Option<i64>,
    /// The measure at the last evaluated sample.
    pub value: Option<f64>,
    /// The last sample slot evaluated.
    pub cursor: i64,
    /// The open episode, while firing.
    pub episode: Option<i64>,
    /// The evaluator's whole state, JSON (opaque here).
    pub data: String,
    /// When the row was last written.
    pub updated_at: i64,
}

/// One episode as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpisodeRow {
    /// Its id.
    pub id: i64,
    /// The rule's name.
    pub rule: String,
    /// The target's name.
    pub target: String,
    /// `warning` or `critical`.
    pub severity: String,
    /// The firing condition as written (`available < 5`).
    pub condition: String,
    /// When the condition began to hold.
    pub pending_at: i64,
    /// When the alert fired.
    pub fired_at: i64,
    /// When it ended; `None` while it fires.
    pub ended_at: Option<i64>,
    /// Why it ended: `resolved` or `window_closed`.
    pub end_reason: Option<String>,
    /// The worst value seen while it fired.
    pub worst: Option<f64>,
    /// The firing threshold.
    pub threshold: Option<f64>,
    /// Notifications queued for it (all channels).
    pub notifications: i64,
}

/// What a round did to the episodes of one rule × target, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum EpisodeEvent {
    /// An episode fired; it is the current one from now on.
    Opened {
        /// `warning` or `critical`.
        severity: String,
        /// The firing condition as written.
        condition: String,
        /// When the condition began to hold.
        pending_at: i64,
        /// When it fired.
        fired_at: i64,
        /// The value when it fired.
        worst: Option<f64>,
        /// The firing threshold.
        threshold: Option<f64>,
    },
    /// The current episode saw a worse value.
    Worse {
        /// The new worst value.
        worst: f64,
    },
    /// A notification about the current episode (or, with none, about no episode) was
    /// queued for `channel`.
    Notify {
        /// The channel's name.
        channel: String,
        /// The notification, JSON.
        payload: String,
        /// When it was queued, unix milliseconds (also its first attempt).
        at_ms: i64,
    },
    /// The current episode ended.
    Closed {
        /// When.
        ended_at: i64,
        /// `resolved` or `window_closed`.
        reason: String,
    },
}

/// The new state of one rule × target and what happened to its episodes.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertUpdate {
    /// The state to store; its `episode` is recomputed from the events.
    pub state: AlertStateRow,
    /// The episode events, in order.
    pub events: Vec<EpisodeEvent>,
}

/// A notification waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedNotification {
    /// Its id.
    pub id: i64,
    /// The episode it is about, if any (a test message has none).
    pub episode: Option<i64>,
    /// The channel's name.
    pub channel: String,
    /// The notification, JSON.
    pub payload: String,
    /// When it was queued, unix milliseconds.
    pub created_at: i64,
    /// Attempts so far.
    pub attempts: u32,
}

/// Notifications of one channel by status, for `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ChannelCounts {
    /// The channel's name.
    pub channel: String,
    /// Delivered.
    pub sent: u64,
    /// Given up after the channel's `give_up_after`.
    pub failed: u64,
    /// Waiting for a (next) attempt.
    pub pending: u64,
}

const STATE_COLUMNS: &str = "rule, target, phase, since, value, cursor, episode, data, updated_at";
const EPISODE_COLUMNS: &str = "id, rule, target, severity, condition, pending_at, fired_at, \
     ended_at, end_reason, worst, threshold, notifications";

fn state_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertStateRow> {
    Ok(AlertStateRow {
        rule: r.get(0)?,
        target: r.get(1)?,
        phase: r.get(2)?,
        since: r.get(3)?,
        value: r.get(4)?,
        cursor: r.get(5)?,
        episode: r.get(6)?,
        data: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

fn episode_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EpisodeRow> {
    Ok(EpisodeRow {
        id: r.get(0)?,
        rule: r.get(1)?,
        target: r.get(2)?,
        severity: r.get(3)?,
        condition: r.get(4)?,
        pending_at: r.get(5)?,
        fired_at: r.get(6)?,
        ended_at: r.get(7)?,
        end_reason: r.get(8)?,
        worst: r.get(9)?,
        threshold: r.get(10)?,
        notifications: r.get(11)?,
    })
}

/// The reads of alert state, on a [`crate::Store`], a [`crate::Reader`] or an
/// [`AlertStore`]: bring the trait into scope to call them.
pub trait AlertReads: sealed::Conn {
    /// Every stored rule × target state, by rule then target.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    fn alert_states(&self) -> Result<Vec<AlertStateRow>> {
        let sql = format!("SELECT {STATE_COLUMNS} FROM alert_state ORDER BY rule, target");
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map([], state_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The episodes that overlap `[from, to)` (fired before `to`, not ended before
    /// `from`), optionally of one target, oldest first.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    fn alert_episodes(&self, from: i64, to: i64, target: Option<&str>) -> Result<Vec<EpisodeRow>> {
        let sql = format!(
            "SELECT {EPISODE_COLUMNS} FROM alert_episodes
             WHERE fired_at < ?1 AND (ended_at IS NULL OR ended_at >= ?2)
               AND (?3 IS NULL OR target = ?3)
             ORDER BY fired_at, id"
        );
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params![to, from, target], episode_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The samples of many targets after their own cursors, in one statement: for
    /// each `(target, after, until)`, its samples with `after < ts <= until`, by
    /// target then ts. What an alert evaluation round
    /// reads; one statement rather than one per target keeps a round of 1,000
    /// targets cheap.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails or holds a value this build
    /// does not write.
    fn samples_after(&self, cursors: &[(crate::TargetId, i64, i64)]) -> Result<Vec<crate::Sample>> {
        if cursors.is_empty() {
            return Ok(Vec::new());
        }
        let mut json = String::with_capacity(cursors.len() * 24 + 2);
        json.push('[');
        for (i, (t, after, until)) in cursors.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&format!("[{},{},{}]", t.0, after, until));
        }
        json.push(']');
        let mut stmt = self.conn().prepare_cached(
            "SELECT s.target_id, s.ts, s.outcome, s.available, s.logged_in, s.latency_ms
             FROM json_each(?1) AS c
             JOIN samples AS s ON s.target_id = c.value ->> 0
                AND s.ts > c.value ->> 1 AND s.ts <= c.value ->> 2
             ORDER BY s.target_id, s.ts",
        )?;
        let mut rows = stmt.query([json])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let code: u8 = r.get(2)?;
            let outcome = crate::Outcome::from_code(code)
                .ok_or_else(|| crate::Error::Corrupt(format!("samples: outcome code {code}")))?;
            out.push(crate::Sample {
                target: crate::TargetId(r.get(0)?),
                ts: r.get(1)?,
                outcome,
                available: r.get(3)?,
                logged_in: r.get(4)?,
                latency_ms: r.get(5)?,
            });
        }
        Ok(out)
    }

    /// Notifications per channel by status.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    fn notification_counts(&self) -> Result<Vec<ChannelCounts>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT channel,
                    SUM(status = 'sent'), SUM(status = 'given_up'), SUM(status = 'pending')
             FROM alert_outbox GROUP BY channel ORDER BY channel",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let n = |i: usize| -> rusqlite::Result<u64> {
                    Ok(u64::try_from(r.get::<_, i64>(i)?).unwrap_or(0))
                };
                Ok(ChannelCounts {
                    channel: r.get(0)?,
                    sent: n(1)?,
                    failed: n(2)?,
                    pending: n(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

impl AlertReads for crate::Reader {}
impl AlertReads for crate::Store {}
impl AlertReads for AlertStore {}

/// The alerter's connection: writes alert state, episodes and the outbox. Opened
/// beside the collector's [`crate::Store`]; each round and each delivery attempt is
/// one short transaction.
#[derive(Debug)]
pub struct AlertStore {
    conn: Connection,
}

impl sealed::Conn for AlertStore {
    fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl crate::read::Reads for AlertStore {}

impl AlertStore {
    /// Opens the database at `path` (creating and migrating it if needed).
    ///
    /// # Errors
    ///
    /// As [`crate::Store::open`].
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<AlertStore> {
        Ok(AlertStore {
            conn: schema::open_writer(path.as_ref())?,
        })
    }

    /// An alert store on a new in-memory database, for tests.
    ///
    /// # Errors
    ///
    /// As [`crate::Store::open_in_memory`].
    pub fn open_in_memory() -> Result<AlertStore> {
        Ok(AlertStore {
            conn: schema::open_writer_in_memory()?,
        })
    }

    /// Stores one round: every update's state, its episode events in order, and the
    /// notifications they queue, in one transaction. Returns, per update, the episode
    /// open after it (the state's `episode`, then as the events opened or closed one).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails; nothing is stored then.
    pub fn apply(&mut self, updates: &[AlertUpdate]) -> Result<Vec<Option<i64>>> {
        let mut open = Vec::with_capacity(updates.len());
        let tx = self.conn.transaction()?;
        for u in updates {
            let s = &u.state;
            let mut current: Option<i64> = s.episode;
            for e in &u.events {
                match e {
                    EpisodeEvent::Opened {
                        severity,
                        condition,
                        pending_at,
                        fired_at,
                        worst,
                        threshold,
                    } => {
                        tx.prepare_cached(
                            "INSERT INTO alert_episodes
                             (rule, target, severity, condition, pending_at, fired_at, worst, threshold)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        )?
                        .execute(params![
                            s.rule, s.target, severity, condition, pending_at, fired_at, worst,
                            threshold
                        ])?;
                        current = Some(tx.last_insert_rowid());
                    }
                    EpisodeEvent::Worse { worst } => {
                        if let Some(id) = current {
                            tx.prepare_cached(
                                "UPDATE alert_episodes SET worst = ?2 WHERE id = ?1",
                            )?
                            .execute(params![id, worst])?;
                        }
                    }
                    EpisodeEvent::Notify {
                        channel,
                        payload,
                        at_ms,
                    } => {
                        tx.prepare_cached(
                            "INSERT INTO alert_outbox (episode, channel, payload, created_at, next_at)
                             VALUES (?1, ?2, ?3, ?4, ?4)",
                        )?
                        .execute(params![current, channel, payload, at_ms])?;
                        if let Some(id) = current {
                            tx.prepare_cached(
                                "UPDATE alert_episodes SET notifications = notifications + 1 WHERE id = ?1",
                            )?
                            .execute([id])?;
                        }
                    }
                    EpisodeEvent::Closed { ended_at, reason } => {
                        if let Some(id) = current.take() {
                            tx.prepare_cached(
                                "UPDATE alert_episodes SET ended_at = ?2, end_reason = ?3 WHERE id = ?1",
                            )?
                            .execute(params![id, ended_at, reason])?;
                        }
                    }
                }
            }
            tx.prepare_cached(&format!(
                "INSERT INTO alert_state ({STATE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (rule, target) DO UPDATE SET phase = ?3, since = ?4, value = ?5,
                    cursor = ?6, episode = ?7, data = ?8, updated_at = ?9"
            ))?
            .execute(params![
                s.rule,
                s.target,
                s.phase,
                s.since,
                s.value,
                s.cursor,
                current,
                s.data,
                s.updated_at
            ])?;
            open.push(current);
        }
        tx.commit()?;
        Ok(open)
    }

    /// Queues one notification about no episode (a test message).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    pub fn enqueue(&mut self, channel: &str, payload: &str, at_ms: i64) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO alert_outbox (channel, payload, created_at, next_at) VALUES (?1, ?2, ?3, ?3)",
            )?
            .execute(params![channel, payload, at_ms])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Up to `max` pending notifications due at `now_ms`, oldest first.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    pub fn due(&self, now_ms: i64, max: usize) -> Result<Vec<QueuedNotification>> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT id, episode, channel, payload, created_at, attempts FROM alert_outbox
                 WHERE status = 'pending' AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2",
            )?
            .query_map(
                params![now_ms, i64::try_from(max).unwrap_or(i64::MAX)],
                |r| {
                    Ok(QueuedNotification {
                        id: r.get(0)?,
                        episode: r.get(1)?,
                        channel: r.get(2)?,
                        payload: r.get(3)?,
                        created_at: r.get(4)?,
                        attempts: u32::try_from(r.get::<_, i64>(5)?).unwrap_or(u32::MAX),
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// When the next pending notification is due, unix milliseconds.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    pub fn next_due(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT MIN(next_at) FROM alert_outbox WHERE status = 'pending'")?
            .query_row([], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten())
    }

    /// Records a delivery.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    pub fn mark_sent(&mut self, id: i64, now_ms: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE alert_outbox SET status = 'sent', attempts = attempts + 1, done_at = ?2,
                    last_error = NULL WHERE id = ?1",
            )?
            .execute(params![id, now_ms])?;
        Ok(())
    }

    /// Records a failed attempt; the next is due at `next_at_ms`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    pub fn mark_retry(&mut self, id: i64, next_at_ms: i64, error: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE alert_outbox SET attempts = attempts + 1, next_at = ?2, last_error = ?3
                 WHERE id = ?1",
            )?
            .execute(params![id, next_at_ms, error])?;
        Ok(())
    }

    /// Records that a notification is given up.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    pub fn mark_given_up(&mut self, id: i64, now_ms: i64, error: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE alert_outbox SET status = 'given_up', attempts = attempts + 1,
                    done_at = ?2, last_error = ?3 WHERE id = ?1",
            )?
            .execute(params![id, now_ms, error])?;
        Ok(())
    }

    /// The stored state of `rule` × `target`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Sqlite`] when the database fails.
    pub fn state(&self, rule: &str, target: &str) -> Result<Option<AlertStateRow>> {
        let sql =
            format!("SELECT {STATE_COLUMNS} FROM alert_state WHERE rule = ?1 AND target = ?2");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![rule, target], state_row)
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(phase: &str, episode: Option<i64>) -> AlertStateRow {
        AlertStateRow {
            rule: "r".into(),
            target: "t".into(),
            phase: phase.into(),
            since: Some(100),
            value: Some(3.0),
            cursor: 160,
            episode,
            data: "{}".into(),
            updated_at: 1,
        }
    }

    #[test]
    fn a_database_migrated_with_the_placeholder_0005_gets_the_alert_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        drop(AlertStore::open(&path).unwrap());
        {
            // As a build with `0005_reserved` (SELECT 1) left it: version 6, no tables.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "DROP TABLE alert_state; DROP TABLE alert_episodes; DROP TABLE alert_outbox;",
            )
            .unwrap();
        }
        let mut s = AlertStore::open(&path).unwrap();
        s.apply(&[AlertUpdate {
            state: state("ok", None),
            events: vec![],
        }])
        .unwrap();
        assert_eq!(s.alert_states().unwrap().len(), 1);
        assert!(s.due(i64::MAX, 1).unwrap().is_empty());
    }

    #[test]
    fn a_round_opens_notifies_and_closes_episodes_in_one_transaction() {
        let mut s = AlertStore::open_in_memory().unwrap();
        let opened = EpisodeEvent::Opened {
            severity: "warning".into(),
            condition: "available < 5".into(),
            pending_at: 100,
            fired_at: 160,
            worst: Some(4.0),
            threshold: Some(5.0),
        };
        let notify = |at_ms| EpisodeEvent::Notify {
            channel: "c".into(),
            payload: "{}".into(),
            at_ms,
        };
        s.apply(&[AlertUpdate {
            state: state("firing", None),
            events: vec![opened, notify(160_000), EpisodeEvent::Worse { worst: 2.0 }],
        }])
        .unwrap();
        let st = s.state("r", "t").unwrap().unwrap();
        assert_eq!(st.phase, "firing");
        let id = st.episode.unwrap();
        s.apply(&[AlertUpdate {
            state: state("ok", Some(id)),
            events: vec![
                notify(400_000),
                EpisodeEvent::Closed {
                    ended_at: 400,
                    reason: "resolved".into(),
                },
            ],
        }])
        .unwrap();
        assert_eq!(s.state("r", "t").unwrap().unwrap().episode, None);
        let eps = s.alert_episodes(0, 1000, None).unwrap();
        assert_eq!(eps.len(), 1);
        assert_eq!(eps[0].worst, Some(2.0));
        assert_eq!(eps[0].ended_at, Some(400));
        assert_eq!(eps[0].end_reason.as_deref(), Some("resolved"));
        assert_eq!(eps[0].notifications, 2);
        assert!(s.alert_episodes(401, 1000, Some("t")).unwrap().is_empty());
        assert_eq!(s.alert_episodes(0, 161, Some("t")).unwrap().len(), 1);
        assert!(s.alert_episodes(0, 160, Some("t")).unwrap().is_empty());

        let due = s.due(200_000, 10).unwrap();
        assert_eq!(due.len(), 1, "only the first is due at 200 s");
        s.mark_retry(due[0].id, 300_000, "HTTP 500").unwrap();
        assert!(s.due(200_000, 10).unwrap().is_empty());
        assert_eq!(s.next_due().unwrap(), Some(300_000));
        let due = s.due(500_000, 10).unwrap();
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].attempts, 1);
        s.mark_sent(due[0].id, 500_000).unwrap();
        s.mark_given_up(due[1].id, 500_000, "gone").unwrap();
        assert_eq!(
            s.notification_counts().unwrap(),
            [ChannelCounts {
                channel: "c".into(),
                sent: 1,
                failed: 1,
                pending: 0
            }]
        );
        assert_eq!(s.next_due().unwrap(), None);
    }
}
