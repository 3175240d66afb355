-- Villagers' questions and reports on line items (质疑、举报). A question goes to the township
-- finance station, whose clerks answer it; a report goes to the inspectors of the open rounds
-- covering the village, or to the county (admins and county-wide discipline users) when no open
-- round covers it. `route` is fixed when the item is filed (or when a question is escalated).
-- `asked_by` is the author: the service shows it only to the author, the recipients and
-- admins. `filed_on` is the county day of filing, for the daily allowance.
CREATE TABLE questions (
    id TEXT PRIMARY KEY NOT NULL,
    entry_id TEXT NOT NULL REFERENCES entries (id),
    village_code TEXT NOT NULL REFERENCES villages (code),
    township_code TEXT NOT NULL REFERENCES townships (code),
    kind TEXT NOT NULL CHECK (kind IN ('question', 'report')),
    route TEXT NOT NULL CHECK (route IN ('station', 'inspectors', 'county')),
    status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'accepted', 'escalated')),
    text TEXT NOT NULL,
    asked_by TEXT NOT NULL REFERENCES users (username),
    filed_on DATE NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    answer TEXT,
    answered_by TEXT,
    answered_at TIMESTAMP,
    accepted_at TIMESTAMP,
    escalated_at TIMESTAMP,
    has_photo BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX questions_by_village ON questions (village_code, filed_at, id);
CREATE INDEX questions_by_township ON questions (township_code, filed_at, id);
CREATE INDEX questions_by_asker ON questions (asked_by, filed_on);

-- The photo of an item: only the stripped re-encoding the receipt intake made (JPEG, no
-- metadata, at most 1600 px on the long edge), never the bytes that were sent.
CREATE TABLE question_photos (
    question_id TEXT PRIMARY KEY NOT NULL REFERENCES questions (id),
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    jpeg BYTEA NOT NULL
);
