-- The transparency log (RFC 6962 tree over every ledger record) and its signed checkpoints.

-- One row: the number of leaves. Every append updates it first, which also serialises
-- appends from several servers on PostgreSQL (the row lock) into one sequence.
CREATE TABLE log_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO log_state (id, size) VALUES (1, 0);

-- Leaf idx: what it records, its canonical bytes and their leaf hash. `village-ledger verify`
-- recomputes the bytes from the record's rows and names any field that differs.
CREATE TABLE log_leaves (
    idx BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    leaf BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL
);
CREATE INDEX log_leaves_by_object ON log_leaves (object_id);

-- Complete subtrees: node (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
CREATE TABLE log_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY NOT NULL,
    root_hash BYTEA NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The checkpoint that includes a month's close.
ALTER TABLE closed_periods ADD COLUMN checkpoint_size BIGINT;

-- Checkpoints inspectors recorded as the state they compared against.
CREATE TABLE inspection_checkpoints (
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    size BIGINT NOT NULL REFERENCES log_checkpoints (size),
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (inspection_id, size)
);

CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
