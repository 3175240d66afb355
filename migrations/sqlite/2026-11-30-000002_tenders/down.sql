DROP TRIGGER tenders_append_only_delete;
DROP TRIGGER tenders_append_only_update;
DROP INDEX entries_tendered;
DROP INDEX tenders_by_village_date;
DROP TABLE tenders;
