DROP INDEX findings_by_time;
DROP TABLE tickets;
