-- The inspection workflow's foundation: a `discipline` role for the people of the bodies
-- referral tickets go to, those bodies (addressees), and findings with their evidence.
--
--
-- SQLite cannot change a CHECK constraint in place: the users table is rebuilt by the procedure
-- of the SQLite manual (lang_altertable.html, "Making Other Kinds Of Table Schema Changes"):
-- foreign keys off, one transaction, a new table under the old name, the foreign keys checked,
-- then on again. Foreign keys can only be switched outside a transaction, so this migration runs
-- outside diesel's (metadata.toml) and makes its own.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- The bodies referral tickets (交办单) are addressed to, as data managed by admins: a
-- township's discipline office (街道/镇纪工委), its finance station, the county discipline
-- commission (县纪委监委), the police, a county department. `township_code` is set for the
-- bodies of one township and null for county-wide ones.
CREATE TABLE addressees (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('township_discipline', 'station', 'county_discipline', 'police', 'department')),
    township_code TEXT REFERENCES townships (code),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT addressees_name UNIQUE (name)
);

-- Findings (巡察发现的问题): what an inspection round found in a village, under an item of its
-- checklist. Append-only, and each one is a leaf of the transparency log (kind `finding`), so
-- none can later be quietly softened; what happens to it afterwards (tickets, rectification,
-- publication) lives in tables of its own.
CREATE TABLE findings (
    seq INTEGER PRIMARY KEY NOT NULL,
    id TEXT NOT NULL UNIQUE,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    village_code TEXT NOT NULL REFERENCES villages (code),
    township_code TEXT NOT NULL REFERENCES townships (code),
    checklist_item TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    requires_rectification BOOLEAN NOT NULL,
    rectify_by DATE,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX findings_by_round ON findings (inspection_id, village_code, seq);
CREATE INDEX findings_by_village ON findings (village_code, seq);

-- The evidence a finding links: entries, receipts, red flags (`rule` + entry ids),
-- reconciliation results, villagers' reports. `kind` names what `ref` is.
CREATE TABLE finding_evidence (
    finding_id TEXT NOT NULL REFERENCES findings (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('entry', 'receipt', 'flag', 'reconciliation', 'report')),
    ref TEXT NOT NULL,
    detail TEXT,
    PRIMARY KEY (finding_id, position)
);

CREATE TABLE users_new (
    username TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('villager', 'clerk', 'inspector', 'admin', 'discipline')),
    township_code TEXT REFERENCES townships (code),
    village_code TEXT REFERENCES villages (code),
    home_township_code TEXT REFERENCES townships (code),
    home_village_code TEXT REFERENCES villages (code),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    addressee_id TEXT REFERENCES addressees (id)
);
INSERT INTO users_new (username, password_hash, role, township_code, village_code, home_township_code,
                       home_village_code, disabled, created_at, failed_logins, locked_until)
    SELECT username, password_hash, role, township_code, village_code, home_township_code,
           home_village_code, disabled, created_at, failed_logins, locked_until FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TRIGGER findings_append_only_update BEFORE UPDATE ON findings
BEGIN
    SELECT RAISE(ABORT, 'findings are append-only');
END;
CREATE TRIGGER findings_append_only_delete BEFORE DELETE ON findings
BEGIN
    SELECT RAISE(ABORT, 'findings are append-only');
END;
CREATE TRIGGER finding_evidence_append_only_update BEFORE UPDATE ON finding_evidence
BEGIN
    SELECT RAISE(ABORT, 'finding evidence is append-only');
END;
CREATE TRIGGER finding_evidence_append_only_delete BEFORE DELETE ON finding_evidence
BEGIN
    SELECT RAISE(ABORT, 'finding evidence is append-only');
END;

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
