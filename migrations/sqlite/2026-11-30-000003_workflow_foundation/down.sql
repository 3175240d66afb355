PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DROP TRIGGER finding_evidence_append_only_delete;
DROP TRIGGER finding_evidence_append_only_update;
DROP TRIGGER findings_append_only_delete;
DROP TRIGGER findings_append_only_update;
DELETE FROM refresh_tokens WHERE username IN (SELECT username FROM users WHERE role = 'discipline');
CREATE TABLE users_old (
    username TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('villager', 'clerk', 'inspector', 'admin')),
    township_code TEXT REFERENCES townships (code),
    village_code TEXT REFERENCES villages (code),
    home_township_code TEXT REFERENCES townships (code),
    home_village_code TEXT REFERENCES villages (code),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP
);
INSERT INTO users_old SELECT username, password_hash, role, township_code, village_code, home_township_code,
    home_village_code, disabled, created_at, failed_logins, locked_until FROM users WHERE role <> 'discipline';
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
DROP TABLE finding_evidence;
DROP TABLE findings;
DROP TABLE addressees;
COMMIT;
PRAGMA foreign_keys = ON;
