-- The deep QR search (issue 17): a receipt whose intake read no invoice is searched again after
-- the upload is answered. Its `qr_search` is `pending` until then; the search then fills in
-- what it read, once. That fill-in is the one change a receipt row accepts: the invoice fields
-- are read from the original, whose hash the transparency log holds, not written by anyone.
ALTER TABLE receipts ADD COLUMN qr_search TEXT NOT NULL DEFAULT 'done'
    CHECK (qr_search IN ('pending', 'done'));
DROP TRIGGER receipts_append_only ON receipts;
-- Receipts taken in before the deep search existed are searched by it too.
UPDATE receipts SET qr_search = 'pending' WHERE invoice_key IS NULL;
CREATE INDEX receipts_qr_pending ON receipts (qr_search) WHERE qr_search = 'pending';
CREATE FUNCTION refuse_receipt_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.qr_search = 'pending' AND NEW.qr_search = 'done'
        AND OLD.invoice_key IS NULL
        AND (NEW.id, NEW.entry_id, NEW.village_code, NEW.sha256, NEW.content_type, NEW.byte_size,
             NEW.width, NEW.height, NEW.phash, NEW.uploaded_by, NEW.uploaded_at)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.entry_id, OLD.village_code, OLD.sha256, OLD.content_type, OLD.byte_size,
             OLD.width, OLD.height, OLD.phash, OLD.uploaded_by, OLD.uploaded_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER receipts_append_only BEFORE UPDATE OR DELETE ON receipts
    FOR EACH ROW EXECUTE FUNCTION refuse_receipt_change();
