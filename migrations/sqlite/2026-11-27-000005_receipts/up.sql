-- Receipt scans: one row per attachment of an original (content-addressed by SHA-256) to an
-- entry. Append-only; a wrong attachment is withdrawn with a reason, never deleted.

CREATE TABLE receipts (
    id TEXT PRIMARY KEY NOT NULL,
    entry_id TEXT NOT NULL REFERENCES entries (id),
    village_code TEXT NOT NULL REFERENCES villages (code),
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    phash TEXT NOT NULL,
    invoice_key TEXT,
    invoice_type TEXT,
    invoice_code TEXT,
    invoice_number TEXT,
    invoice_amount_fen BIGINT,
    invoice_date DATE,
    invoice_check_code TEXT,
    qr_text TEXT,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (entry_id, sha256)
);
CREATE INDEX receipts_by_sha256 ON receipts (sha256);
CREATE INDEX receipts_by_invoice_key ON receipts (invoice_key);
CREATE INDEX receipts_by_phash ON receipts (phash);
CREATE INDEX receipts_by_village ON receipts (village_code);

CREATE TABLE receipt_withdrawals (
    receipt_id TEXT PRIMARY KEY NOT NULL REFERENCES receipts (id),
    reason TEXT NOT NULL,
    withdrawn_by TEXT NOT NULL,
    withdrawn_at TIMESTAMP NOT NULL
);

CREATE TRIGGER receipts_append_only_update BEFORE UPDATE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only');
END;
CREATE TRIGGER receipts_append_only_delete BEFORE DELETE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only');
END;
CREATE TRIGGER receipt_withdrawals_append_only_update BEFORE UPDATE ON receipt_withdrawals
BEGIN
    SELECT RAISE(ABORT, 'receipt_withdrawals are append-only');
END;
CREATE TRIGGER receipt_withdrawals_append_only_delete BEFORE DELETE ON receipt_withdrawals
BEGIN
    SELECT RAISE(ABORT, 'receipt_withdrawals are append-only');
END;
