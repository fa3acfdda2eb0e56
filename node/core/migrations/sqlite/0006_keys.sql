-- Keys over time (SPEC §8.6) and recovery after a restore (SPEC §10.9).
-- Never edit this file once released: add a new numbered file instead
-- (and its twin in the other folder).

-- The stretch of its owner's stream each pinned key may sign: from
-- `valid_from_seq` (NULL: no lower bound known) to `valid_until_seq` (set
-- by the rotation that retired it); nothing from `revoked_from_seq` on (set
-- by a revocation). `introduced_by` is the key id that signed the rotation
-- which introduced this key (NULL for an enrolment or listed key).
ALTER TABLE peer_keys ADD COLUMN valid_from_seq BIGINT;
ALTER TABLE peer_keys ADD COLUMN valid_until_seq BIGINT;
ALTER TABLE peer_keys ADD COLUMN revoked_from_seq BIGINT;
ALTER TABLE peer_keys ADD COLUMN introduced_by TEXT;

-- This node's own keys: the current one (its secret is node-key.pem) and
-- the earlier ones, whose public part stays published so that anyone can
-- verify old messages. `introduced_by` is the id of our own key.rotated
-- message that introduced the key (NULL for the first key or a replacement
-- made after a compromise); `status` is current, previous or revoked.
CREATE TABLE own_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    status TEXT NOT NULL,
    introduced_by TEXT,
    created_at BIGINT NOT NULL
);

-- An accepted message whose key was later revoked from an earlier seq is
-- kept (history is never rewritten) and flagged with the reason's code.
ALTER TABLE messages ADD COLUMN flagged TEXT;

-- Set by `passerelle restore` and `passerelle key replace`: before sending
-- anything, a service asks the hub what it holds of its stream.
CREATE TABLE resync_pending (
    reason TEXT PRIMARY KEY,
    since BIGINT NOT NULL
);
