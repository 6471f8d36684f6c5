-- 0003: names of two new samples.outcome codes, for the sqlite3 shell.
--
-- The client now tells apart an upstream that refuses access (HTTP 403: the token is
-- valid, but not for this office or resource) and one that asks to slow down (HTTP
-- 429). The code owns the mapping (headcount_store::Outcome); this table mirrors it.
INSERT INTO outcomes (code, name) VALUES
    (11, 'forbidden'),
    (12, 'rate_limited');
