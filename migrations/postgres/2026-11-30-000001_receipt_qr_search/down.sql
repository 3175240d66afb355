DROP TRIGGER receipts_append_only ON receipts;
DROP FUNCTION refuse_receipt_change();
DROP INDEX receipts_qr_pending;
ALTER TABLE receipts DROP COLUMN qr_search;
CREATE TRIGGER receipts_append_only BEFORE UPDATE OR DELETE ON receipts
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
