-- 0006: the export outbox (Prometheus remote write).
--
-- When export is configured, every transaction that stores samples (a collector tick,
-- an import) also appends one row here naming exactly the samples it inserted, as
-- runs of (target, first ts, step, count) in the compact encoding of
-- headcount_store's `export` module. The exporter reads the rows in seq order, sends
-- the samples they name, then advances its cursor and deletes the rows it finished.
-- Nothing is added to `samples`: a raw sample stays as small as before.
CREATE TABLE export_log (
    -- Commit order. AUTOINCREMENT: a seq is never reused once its row is deleted,
    -- so a row appended after the exporter emptied the log still sorts after its
    -- cursor.
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    samples INTEGER NOT NULL,     -- how many samples the runs name
    runs    BLOB    NOT NULL
) STRICT;

-- Where the exporter stands, and what it did. One row per sink ('remote_write').
-- (seq, run, ts): the log row being sent, the run within it, and the last ts of that
-- run already handled (NULL: none yet); rows before seq are finished and deleted.
-- done: samples of row seq already handled. sent, failed: cumulative counts for
-- /metrics (failed: refused by the receiver for good, or pruned before they could be
-- sent). started_at: the first collected slot that went into the log, where a
-- replay of older history (`headcount export --remote-write`) stops by default.
CREATE TABLE export_cursor (
    sink       TEXT    PRIMARY KEY,
    seq        INTEGER NOT NULL,
    run        INTEGER NOT NULL,
    ts         INTEGER,
    done       INTEGER NOT NULL,
    sent       INTEGER NOT NULL,
    failed     INTEGER NOT NULL,
    started_at INTEGER,
    updated_at INTEGER
) STRICT;
