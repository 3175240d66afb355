DROP INDEX entries_by_village_direction_date;
DROP TRIGGER receipts_count_on_entry;
DROP TRIGGER entries_reversal_link;
DROP TRIGGER entries_append_only_update;
CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
BEGIN
    SELECT RAISE(ABORT, 'entries are append-only');
END;
ALTER TABLE entries DROP COLUMN receipt_count;
ALTER TABLE entries DROP COLUMN reversed_by;
