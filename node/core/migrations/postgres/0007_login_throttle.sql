-- Login attempts, to slow down password guessing (see src/throttle.rs).
-- A row is written before the password is checked and deleted when it was
-- right, so what remains are failures. Keys are SHA-256 digests of the
-- account name and of the client's address; rows older than the window
-- (15 minutes) are deleted as new attempts come.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    account_key TEXT NOT NULL,
    client_key TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account_key, failed_at);
CREATE INDEX login_failures_client ON login_failures (client_key, failed_at);
CREATE INDEX login_failures_time ON login_failures (failed_at);
