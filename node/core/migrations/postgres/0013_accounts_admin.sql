-- Accounts managed from the pages (issue #15): an account may belong to a
-- member of the committee, may be disabled (its sessions end, it cannot log
-- in), and a browser where someone logged in is remembered as a known device
-- so that guessers elsewhere do not lock the owner out (see src/throttle.rs).
ALTER TABLE accounts ADD COLUMN member_id TEXT;
ALTER TABLE accounts ADD COLUMN disabled_at BIGINT;
CREATE UNIQUE INDEX accounts_member ON accounts (member_id);

-- A device cookie's SHA-256, for the account it was given to at a login.
CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX known_devices_account ON known_devices (account_id);

-- A failure made with a known device's cookie counts against that device
-- (its digest here), not against the account everywhere.
ALTER TABLE login_failures ADD COLUMN device_key TEXT;
CREATE INDEX login_failures_device ON login_failures (device_key, failed_at);
