-- A local meeting can be cancelled (issue #15): it stays in the list,
-- marked, with an optional reason, and takes no more attendance, minutes
-- or decisions. A meeting with nothing recorded is deleted instead.
ALTER TABLE meetings ADD COLUMN cancelled_at BIGINT;
ALTER TABLE meetings ADD COLUMN cancel_reason TEXT;
