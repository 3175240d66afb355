DROP TABLE inspection_checkpoints;
ALTER TABLE closed_periods DROP COLUMN checkpoint_size;
DROP TABLE log_checkpoints;
DROP TABLE log_nodes;
DROP TABLE log_leaves;
DROP TABLE log_state;
