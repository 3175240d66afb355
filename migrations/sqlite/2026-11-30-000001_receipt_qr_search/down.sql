DROP TRIGGER receipts_append_only_update;
DROP INDEX receipts_qr_pending;
ALTER TABLE receipts DROP COLUMN qr_search;
CREATE TRIGGER receipts_append_only_update BEFORE UPDATE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only');
END;
