ALTER TABLE entries DROP CONSTRAINT entries_voucher_line;
ALTER TABLE entries ADD CONSTRAINT entries_village_code_fiscal_year_voucher_no_key UNIQUE (village_code, fiscal_year, voucher_no);
ALTER TABLE entries DROP COLUMN imported_undated;
ALTER TABLE entries DROP COLUMN imported_sha256;
ALTER TABLE entries DROP COLUMN voucher_line;
