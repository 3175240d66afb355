-- The cross-check: a project's tender reference (招标编号) on the entries that pay for it, and
-- an index for the reversal links the cross-check reads per village.

ALTER TABLE entries ADD COLUMN tender_ref TEXT;
CREATE INDEX entries_reversals ON entries (village_code, reverses) WHERE reverses IS NOT NULL;
