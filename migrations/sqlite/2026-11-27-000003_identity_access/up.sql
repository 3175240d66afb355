-- Identity and access: users, refresh tokens, inspection rounds, the audit log.

CREATE TABLE users (
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

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL REFERENCES users (username),
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (username);

CREATE TABLE inspections (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE inspection_inspectors (
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    username TEXT NOT NULL REFERENCES users (username),
    PRIMARY KEY (inspection_id, username)
);
CREATE INDEX inspection_inspectors_by_user ON inspection_inspectors (username);

CREATE TABLE inspection_targets (
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    kind TEXT NOT NULL CHECK (kind IN ('township', 'village')),
    code TEXT NOT NULL,
    PRIMARY KEY (inspection_id, kind, code)
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    object TEXT,
    village_code TEXT,
    township_code TEXT,
    outcome TEXT NOT NULL,
    source TEXT
);
CREATE INDEX audit_log_by_village ON audit_log (village_code, seq);

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
