-- Each 15-minute bucket's samples in slot order, compactly (see crates/store/src/seq.rs):
-- episodes read these instead of raw rows. Written with the samples, pruned with them.
-- The rows for existing samples are filled in by the store when it applies this
-- migration (schema.rs), in the same transaction.
CREATE TABLE rollup_seqs (
    target_id INTEGER NOT NULL REFERENCES targets (id),
    bucket    INTEGER NOT NULL CHECK (bucket % 900 = 0),
    seq       BLOB    NOT NULL,
    PRIMARY KEY (target_id, bucket)
) WITHOUT ROWID, STRICT;
