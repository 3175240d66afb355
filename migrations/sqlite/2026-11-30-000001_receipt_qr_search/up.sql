-- The deep QR search (issue 17): a receipt whose intake read no invoice is searched again after
-- the upload is answered. Its `qr_search` is `pending` until then; the search then fills in
-- what it read, once. That fill-in is the one change a receipt row accepts: the invoice fields
-- are read from the original, whose hash the transparency log holds, not written by anyone.
ALTER TABLE receipts ADD COLUMN qr_search TEXT NOT NULL DEFAULT 'done'
    CHECK (qr_search IN ('pending', 'done'));
DROP TRIGGER receipts_append_only_update;
-- Receipts taken in before the deep search existed are searched by it too.
UPDATE receipts SET qr_search = 'pending' WHERE invoice_key IS NULL;
CREATE INDEX receipts_qr_pending ON receipts (qr_search) WHERE qr_search = 'pending';
CREATE TRIGGER receipts_append_only_update BEFORE UPDATE ON receipts
WHEN NOT (
    OLD.qr_search = 'pending' AND NEW.qr_search = 'done' AND OLD.invoice_key IS NULL
    AND NEW.id IS OLD.id AND NEW.entry_id IS OLD.entry_id AND NEW.village_code IS OLD.village_code
    AND NEW.sha256 IS OLD.sha256 AND NEW.content_type IS OLD.content_type
    AND NEW.byte_size IS OLD.byte_size AND NEW.width IS OLD.width AND NEW.height IS OLD.height
    AND NEW.phash IS OLD.phash AND NEW.uploaded_by IS OLD.uploaded_by
    AND NEW.uploaded_at IS OLD.uploaded_at
)
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only');
END;
