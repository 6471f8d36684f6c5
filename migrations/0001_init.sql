-- 0001: the initial headcount schema.
--
-- Shipped migrations are never edited; a change is a new numbered file.
-- Times are UTC unix seconds. Counts are agents.

-- 'hcnt': lets `open` tell a headcount database from any other SQLite file.
PRAGMA application_id = 1751346804;

-- One row per series. A changed filter set for the same name is a new series (a new
-- id), so history recorded under the old filters keeps its meaning.
CREATE TABLE targets (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    filters    TEXT    NOT NULL,  -- canonical JSON object, as the caller wrote it
    created_at INTEGER NOT NULL,
    UNIQUE (name, filters)
) STRICT;

-- Names of samples.outcome codes, for people using the sqlite3 shell. The code owns
-- the mapping (headcount_store::Outcome); this table only mirrors it.
CREATE TABLE outcomes (
    code INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
) STRICT;

INSERT INTO outcomes (code, name) VALUES
    (0, 'ok'),
    (1, 'timeout'),
    (2, 'connect'),
    (3, 'http_status'),
    (4, 'bad_body'),
    (5, 'invalid_token'),
    (6, 'invalid_campaign'),
    (7, 'invalid_queue'),
    (8, 'invalid_user'),
    (9, 'api_error'),
    (10, 'skipped');

-- One row per poll of a target at a scheduled slot. available and logged_in are NULL
-- unless outcome is 0 (ok); latency_ms is NULL when nothing was measured (skipped
-- slots, imports). Outcome 0 takes no bytes in the record, which is why ok is 0.
CREATE TABLE samples (
    target_id  INTEGER NOT NULL REFERENCES targets (id),
    ts         INTEGER NOT NULL,
    available  INTEGER,
    logged_in  INTEGER,
    latency_ms INTEGER,
    outcome    INTEGER NOT NULL,
    PRIMARY KEY (target_id, ts)
) WITHOUT ROWID, STRICT;

-- 15-minute aggregates of samples, written in the same transaction as the samples.
-- Gauge columns are NULL when ok = 0. *_last belong to the ok sample at last_ts, the
-- greatest ts of the bucket's ok samples, kept so that merging out-of-order writes
-- (imports) picks the right one.
CREATE TABLE rollups (
    target_id   INTEGER NOT NULL REFERENCES targets (id),
    bucket      INTEGER NOT NULL CHECK (bucket % 900 = 0),
    ok          INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    avail_sum   INTEGER,
    avail_min   INTEGER,
    avail_max   INTEGER,
    avail_last  INTEGER,
    logged_sum  INTEGER,
    logged_min  INTEGER,
    logged_max  INTEGER,
    logged_last INTEGER,
    last_ts     INTEGER,
    PRIMARY KEY (target_id, bucket)
) WITHOUT ROWID, STRICT;

-- The exact multiset of (available, logged_in) of each rollup's ok samples, in the
-- compact encoding of headcount_store::Dist. Apart from rollups so that reads of plain
-- rollups stay small. No row for a bucket without ok samples.
CREATE TABLE rollup_dists (
    target_id INTEGER NOT NULL REFERENCES targets (id),
    bucket    INTEGER NOT NULL CHECK (bucket % 900 = 0),
    pairs     BLOB    NOT NULL,
    PRIMARY KEY (target_id, bucket)
) WITHOUT ROWID, STRICT;

-- One row per collector process: tells recorder downtime apart from upstream failure.
-- clean: 1 stopped cleanly, 0 found unfinished by a later run, NULL still running.
CREATE TABLE collector_runs (
    id           INTEGER PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    stopped_at   INTEGER,
    clean        INTEGER CHECK (clean IN (0, 1)),
    pid          INTEGER NOT NULL,
    version      TEXT    NOT NULL
) STRICT;

-- Cumulative poll counters for Prometheus, updated with the collector's samples.
-- latency_sum_ms adds the polls whose latency was measured.
CREATE TABLE poll_stats (
    target_id      INTEGER NOT NULL REFERENCES targets (id),
    outcome        INTEGER NOT NULL,
    polls          INTEGER NOT NULL,
    latency_sum_ms INTEGER NOT NULL,
    PRIMARY KEY (target_id, outcome)
) WITHOUT ROWID, STRICT;

-- Poll latency histogram: per-bucket (not cumulative) counts of measured polls with
-- latency <= le_ms and above the next lower bound. +Inf is stored as
-- 9223372036854775807 (i64::MAX) so the key stays NOT NULL.
CREATE TABLE poll_latency (
    target_id INTEGER NOT NULL REFERENCES targets (id),
    le_ms     INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (target_id, le_ms)
) WITHOUT ROWID, STRICT;
