-- Referral tickets (红黄蓝三色交办单): a finding referred to the body that must act on it, with
-- a colour that sets its deadline (`due_on`, a county day), received and then concluded by the
-- people who act for that body, with a written response, an outcome and the money recovered.
-- `finding_on` is the county day the finding was recorded and `days_to_conclusion` the days from
-- it to the conclusion, kept so the county's figures (median, 90th percentile) are one grouped
-- count over an index, whatever the number of tickets.
CREATE TABLE tickets (
    seq INTEGER PRIMARY KEY NOT NULL,
    id TEXT NOT NULL UNIQUE,
    finding_id TEXT NOT NULL REFERENCES findings (id),
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    village_code TEXT NOT NULL REFERENCES villages (code),
    township_code TEXT NOT NULL REFERENCES townships (code),
    colour TEXT NOT NULL CHECK (colour IN ('red', 'yellow', 'blue')),
    addressee_id TEXT NOT NULL REFERENCES addressees (id),
    note TEXT,
    status TEXT NOT NULL CHECK (status IN ('issued', 'received', 'concluded')),
    issued_by TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_on DATE NOT NULL,
    due_on DATE NOT NULL,
    finding_on DATE NOT NULL,
    received_by TEXT,
    received_at TIMESTAMP,
    concluded_by TEXT,
    concluded_at TIMESTAMP,
    concluded_on DATE,
    response TEXT,
    outcome TEXT CHECK (outcome IN ('case_opened', 'disciplined', 'referred_to_judiciary', 'rectification', 'unfounded')),
    persons_disciplined INTEGER NOT NULL DEFAULT 0 CHECK (persons_disciplined >= 0),
    recovered_fen BIGINT NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
    days_to_conclusion INTEGER,
    CHECK (due_on >= issued_on),
    CHECK ((status = 'issued') = (received_at IS NULL)),
    CHECK ((status = 'concluded') = (concluded_at IS NOT NULL)),
    CHECK (status <> 'concluded' OR (response IS NOT NULL AND outcome IS NOT NULL AND concluded_on IS NOT NULL
                                     AND days_to_conclusion IS NOT NULL)),
    CHECK (outcome IS NULL OR outcome <> 'disciplined' OR persons_disciplined >= 1)
);
CREATE INDEX tickets_by_addressee ON tickets (addressee_id, seq);
CREATE INDEX tickets_by_round ON tickets (inspection_id, seq);
CREATE INDEX tickets_by_township ON tickets (township_code, seq);
CREATE INDEX tickets_by_finding ON tickets (finding_id);
-- The open tickets by due day: the overdue ones of a listing and of the figures.
CREATE INDEX tickets_open_by_due ON tickets (status, due_on, issued_on);
-- The county's figures read the tickets issued in a span, grouped by status, colour, outcome
-- and days to conclusion: the index is in that order and holds every column they count, so the
-- figures are one walk of one index, never of the table, and no sort.
CREATE INDEX tickets_figures ON tickets (status, colour, outcome, days_to_conclusion, issued_on, persons_disciplined,
                                        recovered_fen, concluded_on, due_on);
-- The county's figures count findings by the time they were recorded.
CREATE INDEX findings_by_time ON findings (recorded_at);
