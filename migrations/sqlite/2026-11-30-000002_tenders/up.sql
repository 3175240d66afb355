-- Public tenders (招投标) of village works, recorded by the township finance station: the
-- reference (招标编号) payments carry in `entries.tender_ref`, the project, the winning bidder
-- and the contract amount. Append-only. `reference_key` is the reference with case, width,
-- spacing and punctuation folded, so a second spelling of a recorded reference is the same one.
-- The partial index serves the cross-check, which reads every payment under a tender of a
-- village whatever the window asked for.

CREATE TABLE tenders (
    id TEXT PRIMARY KEY NOT NULL,
    village_code TEXT NOT NULL REFERENCES villages (code),
    reference TEXT NOT NULL,
    reference_key TEXT NOT NULL,
    project TEXT NOT NULL,
    winner TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    awarded_on DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    CONSTRAINT tenders_reference UNIQUE (village_code, reference_key)
);
CREATE INDEX tenders_by_village_date ON tenders (village_code, awarded_on, reference_key);
CREATE INDEX entries_tendered ON entries (village_code, tender_ref) WHERE tender_ref IS NOT NULL;

CREATE TRIGGER tenders_append_only_update BEFORE UPDATE ON tenders
BEGIN
    SELECT RAISE(ABORT, 'tenders are append-only');
END;
CREATE TRIGGER tenders_append_only_delete BEFORE DELETE ON tenders
BEGIN
    SELECT RAISE(ABORT, 'tenders are append-only');
END;
