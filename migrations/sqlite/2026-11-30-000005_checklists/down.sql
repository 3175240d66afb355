DROP TABLE publications;
DROP TABLE rectification_links;
DROP TABLE rectification_steps;
DROP TABLE checklist_marks;
DROP INDEX inspections_follow_up;
ALTER TABLE inspections DROP COLUMN follow_up_of;
ALTER TABLE inspections DROP COLUMN checklist_id;
DROP TABLE checklist_items;
DROP TABLE checklists;
