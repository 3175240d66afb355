DROP TRIGGER tenders_append_only ON tenders;
DROP INDEX entries_tendered;
DROP INDEX tenders_by_village_date;
DROP TABLE tenders;
