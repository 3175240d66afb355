-- Checklists (巡察清单) as data: a common list for every village, and individual lists for a
-- kind of village that add their items to a common list ("1+N"). Items have a code, a title
-- and a category.
CREATE TABLE checklists (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('common', 'individual')),
    village_kind TEXT,
    base_id TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT checklists_name UNIQUE (name)
);

CREATE TABLE checklist_items (
    checklist_id TEXT NOT NULL REFERENCES checklists (id),
    code TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('assets', 'projects', 'hospitality', 'subsidies', 'relief', 'openness', 'finance', 'other')),
    PRIMARY KEY (checklist_id, code)
);

-- A round gets its checklist at creation, and a follow-up round (回头看) names the round it
-- follows up. The service checks both exist when the round is created.
ALTER TABLE inspections ADD COLUMN checklist_id TEXT;
ALTER TABLE inspections ADD COLUMN follow_up_of TEXT;

-- Each item's mark per village of a round: the latest one counts.
CREATE TABLE checklist_marks (
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    village_code TEXT NOT NULL REFERENCES villages (code),
    item_code TEXT NOT NULL,
    mark TEXT NOT NULL CHECK (mark IN ('no_problem', 'problem', 'not_applicable')),
    finding_id TEXT REFERENCES findings (id),
    marked_by TEXT NOT NULL,
    marked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (inspection_id, village_code, item_code)
);

-- Rectification (整改) of a finding, step by step (append-only): the station submits what was
-- done, an inspector or an admin accepts or reopens it. The last step is the state.
CREATE TABLE rectification_steps (
    id TEXT PRIMARY KEY NOT NULL,
    finding_id TEXT NOT NULL REFERENCES findings (id),
    position INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('submitted', 'accepted', 'reopened')),
    text TEXT NOT NULL,
    acted_by TEXT NOT NULL,
    acted_at TIMESTAMP NOT NULL,
    CONSTRAINT rectification_steps_order UNIQUE (finding_id, position)
);

-- The entries (a refund, a reversal) and receipts a submitted step links.
CREATE TABLE rectification_links (
    step_id TEXT NOT NULL REFERENCES rectification_steps (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('entry', 'receipt')),
    ref TEXT NOT NULL,
    PRIMARY KEY (step_id, position)
);

-- What the admin publishes of a finding of a closed round (两反馈三通报): a text and a status,
-- never a reporter's identity. The latest publication counts; earlier ones stay.
CREATE TABLE publications (
    id TEXT PRIMARY KEY NOT NULL,
    finding_id TEXT NOT NULL REFERENCES findings (id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('rectifying', 'rectified', 'referred', 'closed')),
    published_by TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    CONSTRAINT publications_order UNIQUE (finding_id, position)
);
CREATE INDEX inspections_follow_up ON inspections (follow_up_of);

CREATE TRIGGER rectification_steps_append_only_update BEFORE UPDATE ON rectification_steps
BEGIN
    SELECT RAISE(ABORT, 'rectification steps are append-only');
END;
CREATE TRIGGER rectification_steps_append_only_delete BEFORE DELETE ON rectification_steps
BEGIN
    SELECT RAISE(ABORT, 'rectification steps are append-only');
END;
CREATE TRIGGER rectification_links_append_only_update BEFORE UPDATE ON rectification_links
BEGIN
    SELECT RAISE(ABORT, 'rectification links are append-only');
END;
CREATE TRIGGER rectification_links_append_only_delete BEFORE DELETE ON rectification_links
BEGIN
    SELECT RAISE(ABORT, 'rectification links are append-only');
END;
CREATE TRIGGER publications_append_only_update BEFORE UPDATE ON publications
BEGIN
    SELECT RAISE(ABORT, 'publications are append-only');
END;
CREATE TRIGGER publications_append_only_delete BEFORE DELETE ON publications
BEGIN
    SELECT RAISE(ABORT, 'publications are append-only');
END;
