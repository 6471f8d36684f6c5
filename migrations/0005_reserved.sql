-- 0005: reserved. Another branch owns this number (taken before 0006 was written);
-- this placeholder only keeps the numbering without gaps so that 0006 builds. When
-- that branch's 0005 is merged, this file is deleted in favour of it (build.rs
-- refuses two files with one number, so the merge cannot miss it).
SELECT 1;
