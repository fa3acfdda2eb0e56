-- A relayed message a service refused: its sequence number too, when it
-- could be read, so that the service knows which origin's stream is stuck
-- behind it and at which message (fed::stuck): a stream is stuck while a
-- message of its origin was refused past the head we hold. Rows from
-- before have none.
-- Never edit this file once released: add a new numbered file instead
-- (and its twin in ../postgres).
ALTER TABLE refused_incoming ADD COLUMN seq BIGINT;

CREATE INDEX refused_incoming_origin_seq ON refused_incoming (origin, seq);
