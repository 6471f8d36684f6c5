-- 0005: staffing alerts (issue 12): where each rule × target stands, every episode it
-- went through, and the notification outbox.
--
-- The headcount-alerts crate owns what the rows mean; headcount_store's `alerts`
-- module owns the SQL. The evaluator's state, the episodes it opened or closed and the
-- notifications it queued for one round commit in one transaction, so that a restart
-- neither forgets a firing alert nor queues its notification twice.

-- One row per (rule, target): the state machine as the last round left it.
-- phase: ok, pending, firing. since: when the phase began (slot time, UTC seconds).
-- value: the measure at the last evaluated sample. cursor: the last sample ts
-- evaluated. episode: the open episode (firing), if any. data: the evaluator's full
-- state as JSON (opaque to the store).
CREATE TABLE alert_state (
    rule       TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    phase      TEXT    NOT NULL,
    since      INTEGER,
    value      REAL,
    cursor     INTEGER NOT NULL,
    episode    INTEGER,
    data       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (rule, target)
) STRICT;

-- Every episode that fired: when the condition began to hold (pending_at), when it
-- fired, when it ended (NULL while firing) and why (resolved, window_closed), the
-- worst value seen, the threshold, and how many notifications were queued for it.
CREATE TABLE alert_episodes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    rule          TEXT    NOT NULL,
    target        TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    condition     TEXT    NOT NULL,
    pending_at    INTEGER NOT NULL,
    fired_at      INTEGER NOT NULL,
    ended_at      INTEGER,
    end_reason    TEXT,
    worst         REAL,
    threshold     REAL,
    notifications INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX alert_episodes_by_time ON alert_episodes (fired_at);
CREATE INDEX alert_episodes_by_target ON alert_episodes (target, fired_at);

-- The outbox: one row per notification and channel. status: pending, sent, given_up.
-- next_at: when the next attempt is due (unix milliseconds). payload: the
-- notification as JSON, rendered for the channel's kind at each attempt.
CREATE TABLE alert_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    episode    INTEGER,
    channel    TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'pending',
    created_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    last_error TEXT,
    done_at    INTEGER
) STRICT;
CREATE INDEX alert_outbox_due ON alert_outbox (next_at) WHERE status = 'pending';
