DROP INDEX entries_by_village_direction_date;
DROP TRIGGER receipts_count_on_entry ON receipts;
DROP FUNCTION count_receipt_on_entry();
DROP TRIGGER entries_reversal_link ON entries;
DROP FUNCTION link_reversal();
DROP TRIGGER entries_append_only_update ON entries;
DROP TRIGGER entries_append_only_delete ON entries;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
ALTER TABLE entries DROP COLUMN receipt_count;
ALTER TABLE entries DROP COLUMN reversed_by;
