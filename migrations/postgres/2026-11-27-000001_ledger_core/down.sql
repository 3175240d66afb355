DROP TABLE closed_periods;
DROP TABLE entries;
DROP FUNCTION refuse_ledger_change();
DROP TABLE accounts;
DROP TABLE villages;
DROP TABLE townships;
