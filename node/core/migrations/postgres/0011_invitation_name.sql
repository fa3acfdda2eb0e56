-- What the hub's operator says when inviting a service (SPEC §10.3).
-- Never edit this file once released: add a new numbered file instead
-- (and its twin in the other folder).

-- The name the service is shown under, chosen by the hub, not by the
-- joiner (whose descriptor's name is ignored). NULL for an invitation made
-- before: the service id stands in.
ALTER TABLE invitations ADD COLUMN service_name TEXT;

-- For an invitation that replaces an active member (`invite --replace`):
-- the id of the member's key revoked when the invitation was made. The
-- join names it again in the `key.revoked` that installs the new key.
-- NULL for an invitation of a new member.
ALTER TABLE invitations ADD COLUMN replaces_key_id TEXT;
