-- 0002: how far each target's raw samples were pruned.
--
-- Rollups are incremental: a sample is added to its bucket when it is first inserted,
-- and a duplicate is recognised by its raw row. Once retention has deleted the raw
-- rows of a period, a re-write of one of its slots (a re-run import, a restored
-- backup) would look new and be counted a second time. The writer refuses samples
-- below this mark whose bucket already has a rollup.

-- One row per target whose raw samples were ever pruned. pruned_before: every raw
-- sample of the target with ts < pruned_before that was stored has been deleted.
CREATE TABLE raw_prune_marks (
    target_id     INTEGER PRIMARY KEY REFERENCES targets (id),
    pruned_before INTEGER NOT NULL
) STRICT;
