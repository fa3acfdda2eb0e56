-- Erasure (SPEC §5.6, issue #14).
--
-- erasure_log: what this node erased of its own, for the administrator's
-- record: who, when, why and how many texts; never what was erased.
-- pending_erasures (hub only): seals of the hub's own messages already
-- erased because a member erased the text they copied, waiting to be
-- announced in a content.erased of the hub. Seals and ids only, no text.
CREATE TABLE erasure_log (
    message_id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    cause TEXT NOT NULL,
    reason TEXT NOT NULL,
    texts BIGINT NOT NULL
);

CREATE TABLE pending_erasures (
    message_id TEXT NOT NULL,
    seal TEXT NOT NULL,
    PRIMARY KEY (message_id, seal)
);
