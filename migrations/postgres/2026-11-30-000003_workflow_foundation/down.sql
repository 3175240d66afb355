DROP TRIGGER finding_evidence_append_only ON finding_evidence;
DROP TRIGGER findings_append_only ON findings;
ALTER TABLE users DROP COLUMN addressee_id;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('villager', 'clerk', 'inspector', 'admin'));
DROP TABLE finding_evidence;
DROP TABLE findings;
DROP TABLE addressees;
