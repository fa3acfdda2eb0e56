-- A proposal's history also keeps its corrections and reopenings (issue
-- #15): `step` is NULL for a move along the life cycle, 'corrected' for a
-- correction of its title, text or theme, 'reopened' for a return from
-- abandoned or realised. A correction keeps the old and new titles (NULL
-- when the title did not change), whether the text changed, and the old
-- and new themes.
ALTER TABLE proposal_history ADD COLUMN step TEXT;
ALTER TABLE proposal_history ADD COLUMN old_title TEXT;
ALTER TABLE proposal_history ADD COLUMN new_title TEXT;
ALTER TABLE proposal_history ADD COLUMN text_corrected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE proposal_history ADD COLUMN old_theme TEXT;
ALTER TABLE proposal_history ADD COLUMN new_theme TEXT;
