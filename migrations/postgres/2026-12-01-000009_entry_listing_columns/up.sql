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

DROP TRIGGER entries_append_only ON entries;
CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER entries_append_only_update BEFORE UPDATE OF seq, id, village_code, fiscal_year, period, voucher_no, occurred_on, posted_at, direction,
    amount_fen, account_code, settlement_account_code, counterparty, description, project, fund_source, posted_by,
    reverses, reversal_reason, tender_ref, voucher_line, imported_sha256, imported_undated ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();

UPDATE entries SET reversed_by = r.id FROM entries r WHERE r.reverses = entries.id;
UPDATE entries SET receipt_count = c.n
FROM (SELECT entry_id, COUNT(*) AS n FROM receipts GROUP BY entry_id) c
WHERE c.entry_id = entries.id;

CREATE FUNCTION link_reversal() RETURNS trigger AS $$
BEGIN
    UPDATE entries SET reversed_by = NEW.id WHERE id = NEW.reverses;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER entries_reversal_link AFTER INSERT ON entries
    FOR EACH ROW WHEN (NEW.reverses IS NOT NULL) EXECUTE FUNCTION link_reversal();

CREATE FUNCTION count_receipt_on_entry() RETURNS trigger AS $$
BEGIN
    UPDATE entries SET receipt_count = receipt_count + 1 WHERE id = NEW.entry_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER receipts_count_on_entry AFTER INSERT ON receipts
    FOR EACH ROW EXECUTE FUNCTION count_receipt_on_entry();

CREATE INDEX entries_by_village_direction_date ON entries (village_code, direction, occurred_on DESC, seq DESC);
