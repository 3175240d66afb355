-- Import and export (issue 19): a line number within the voucher, so uniqueness becomes
-- village, year, voucher and line; and the mark of an imported entry (the SHA-256 of its file,
-- and whether that file gave no posting date: then the late-posting rule ignores it).
ALTER TABLE entries ADD COLUMN voucher_line INTEGER NOT NULL DEFAULT 1 CHECK (voucher_line >= 1);
ALTER TABLE entries ADD COLUMN imported_sha256 TEXT;
ALTER TABLE entries ADD COLUMN imported_undated BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE entries DROP CONSTRAINT entries_village_code_fiscal_year_voucher_no_key;
ALTER TABLE entries ADD CONSTRAINT entries_voucher_line UNIQUE (village_code, fiscal_year, voucher_no, voucher_line);
