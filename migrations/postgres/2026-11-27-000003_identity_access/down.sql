DROP TABLE audit_log;
DROP TABLE inspection_targets;
DROP TABLE inspection_inspectors;
DROP TABLE inspections;
DROP TABLE refresh_tokens;
DROP TABLE users;
