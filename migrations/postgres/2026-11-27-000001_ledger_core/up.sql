-- The ledger core: townships, villages, the chart of accounts, entries, closed periods.
-- Entries are append-only: triggers refuse UPDATE and DELETE.

CREATE TABLE townships (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE villages (
    code TEXT PRIMARY KEY NOT NULL,
    township_code TEXT NOT NULL REFERENCES townships (code),
    name TEXT NOT NULL,
    opening_date DATE NOT NULL,
    opening_cash_fen BIGINT NOT NULL,
    opening_bank_fen BIGINT NOT NULL,
    -- bumped in the same transaction as every write that touches the village's ledger
    ledger_version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX villages_by_township ON villages (township_code, code);

CREATE TABLE accounts (
    chart TEXT NOT NULL,
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    class TEXT NOT NULL CHECK (class IN ('asset', 'liability', 'equity', 'cost', 'income', 'expense')),
    settlement BOOLEAN NOT NULL,
    PRIMARY KEY (chart, code)
);

CREATE TABLE entries (
    seq BIGSERIAL PRIMARY KEY,
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
    UNIQUE (village_code, fiscal_year, voucher_no)
);
CREATE INDEX entries_by_village_date ON entries (village_code, occurred_on DESC, seq DESC);

CREATE FUNCTION refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();

CREATE TABLE closed_periods (
    village_code TEXT NOT NULL REFERENCES villages (code),
    period TEXT NOT NULL,
    closed_at TIMESTAMP NOT NULL,
    closed_by TEXT NOT NULL,
    PRIMARY KEY (village_code, period)
);
