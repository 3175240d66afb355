-- Listing a month (issue 18): the reversal link and the receipt count kept on the entry row, so
-- a page is read from the rows alone (no join, no subquery per row), and a listing index with
-- the direction, so a page filtered by direction reads only the rows it serves.
--
-- `reversed_by`: the id of the entry's red-ink reversal, if any. `receipt_count`: the receipts
-- attached to the entry, withdrawn ones included (a withdrawal marks a receipt, it stays
-- attached). Triggers keep both in the inserting transaction, so every writer (posting, reversal,
-- import, attaching a receipt, the generator, copy) maintains them; `verify` recomputes them.
-- Entries stay append-only for every other column.

ALTER TABLE entries ADD COLUMN reversed_by TEXT;
ALTER TABLE entries ADD COLUMN receipt_count INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER entries_append_only_update;
CREATE TRIGGER entries_append_only_update BEFORE UPDATE OF seq, id, village_code, fiscal_year, period, voucher_no, occurred_on, posted_at, direction,
    amount_fen, account_code, settlement_account_code, counterparty, description, project, fund_source, posted_by,
    reverses, reversal_reason, tender_ref, voucher_line, imported_sha256, imported_undated ON entries
BEGIN
    SELECT RAISE(ABORT, 'entries are append-only');
END;

UPDATE entries SET reversed_by = (SELECT r.id FROM entries r WHERE r.reverses = entries.id)
WHERE id IN (SELECT reverses FROM entries WHERE reverses IS NOT NULL);
UPDATE entries SET receipt_count = (SELECT COUNT(*) FROM receipts WHERE receipts.entry_id = entries.id)
WHERE id IN (SELECT entry_id FROM receipts);

CREATE TRIGGER entries_reversal_link AFTER INSERT ON entries WHEN NEW.reverses IS NOT NULL
BEGIN
    UPDATE entries SET reversed_by = NEW.id WHERE id = NEW.reverses;
END;
CREATE TRIGGER receipts_count_on_entry AFTER INSERT ON receipts
BEGIN
    UPDATE entries SET receipt_count = receipt_count + 1 WHERE id = NEW.entry_id;
END;

CREATE INDEX entries_by_village_direction_date ON entries (village_code, direction, occurred_on DESC, seq DESC);
