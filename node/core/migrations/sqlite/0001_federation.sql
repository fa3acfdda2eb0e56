-- Federation core: identity, accounts, peers and keys, invitations,
-- the message log with per-origin stream heads, and sync state.
-- Times are Unix seconds (BIGINT). Never edit this file once released:
-- add a new numbered file instead (and its twin in ../postgres).

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE peers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    url TEXT,
    joined_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_seen_at BIGINT
);

CREATE TABLE peer_keys (
    peer_id TEXT NOT NULL REFERENCES peers (id),
    key_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    status TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (peer_id, key_id)
);

CREATE TABLE invitations (
    code_hash TEXT PRIMARY KEY,
    service_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_key_id TEXT
);

CREATE TABLE messages (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    envelope TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    applied BIGINT NOT NULL DEFAULT 1,
    UNIQUE (origin, seq)
);

CREATE TABLE stream_heads (
    origin TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE set_aside (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    envelope TEXT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    set_aside_at BIGINT NOT NULL
);

CREATE TABLE refused_incoming (
    pos BIGINT PRIMARY KEY,
    origin TEXT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    refused_at BIGINT NOT NULL
);

CREATE TABLE sync_state (
    peer_id TEXT PRIMARY KEY,
    acked_seq BIGINT NOT NULL DEFAULT 0,
    feed_cursor BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT,
    last_attempt_at BIGINT,
    last_error TEXT,
    next_retry_at BIGINT,
    failures BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE seen_requests (
    sig TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

CREATE INDEX messages_origin_seq ON messages (origin, seq);
CREATE INDEX seen_requests_seen_at ON seen_requests (seen_at);
