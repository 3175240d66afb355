-- Back to one entry per voucher: refused (the rebuild fails on the old UNIQUE constraint) when
-- a voucher has several lines.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE entries_old (
    seq INTEGER PRIMARY KEY NOT NULL,
    id TEXT NOT NULL UNIQUE,
    village_code TEXT NOT NULL REFERENCES villages (code),
    fiscal_year INTEGER NOT NULL,
    period TEXT NOT NULL,
    voucher_no TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    posted_at TIMESTAMP NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('income', 'expense')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen <> 0),
    account_code TEXT NOT NULL,
    settlement_account_code TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    description TEXT NOT NULL,
    project TEXT,
    fund_source TEXT,
    posted_by TEXT NOT NULL,
    reverses TEXT UNIQUE REFERENCES entries (id),
    reversal_reason TEXT,
    tender_ref TEXT,
    UNIQUE (village_code, fiscal_year, voucher_no)
);
INSERT INTO entries_old SELECT seq, id, village_code, fiscal_year, period, voucher_no, occurred_on, posted_at,
    direction, amount_fen, account_code, settlement_account_code, counterparty, description, project, fund_source,
    posted_by, reverses, reversal_reason, tender_ref FROM entries;
DROP TABLE entries;
ALTER TABLE entries_old RENAME TO entries;

CREATE INDEX entries_by_village_date ON entries (village_code, occurred_on DESC, seq DESC);
CREATE INDEX entries_reversals ON entries (village_code, reverses) WHERE reverses IS NOT NULL;
CREATE INDEX entries_tendered ON entries (village_code, tender_ref) WHERE tender_ref IS NOT NULL;
CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
BEGIN
    SELECT RAISE(ABORT, 'entries are append-only');
END;
CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
BEGIN
    SELECT RAISE(ABORT, 'entries are append-only');
END;

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
