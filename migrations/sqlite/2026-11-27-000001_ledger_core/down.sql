DROP TABLE closed_periods;
DROP TRIGGER entries_append_only_delete;
DROP TRIGGER entries_append_only_update;
DROP TABLE entries;
DROP TABLE accounts;
DROP TABLE villages;
DROP TABLE townships;
