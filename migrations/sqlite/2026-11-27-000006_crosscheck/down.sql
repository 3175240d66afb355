DROP INDEX entries_reversals;
ALTER TABLE entries DROP COLUMN tender_ref;
