-- The names a member was shown under before a rename, while they consented
-- (JSON list): if they withdraw their consent, those names are erased from
-- the delegate lists already sent too (issue #14), then forgotten here.
ALTER TABLE members ADD COLUMN former_names TEXT NOT NULL DEFAULT '[]';
