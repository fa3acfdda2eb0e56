-- Account names compared as people read them (issue #19): the name's
-- NFKC form, case-folded (`accounts::name_key`). `Admin` beside `admin`,
-- or a name written with other code points that look the same, is refused;
-- a login with any of these forms finds the account. Filled for older
-- accounts when the node opens (`accounts::fill_name_keys`); an older
-- account whose key another already holds keeps it empty, and logs in by
-- its exact name.
ALTER TABLE accounts ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX accounts_name_key ON accounts (name_key);
