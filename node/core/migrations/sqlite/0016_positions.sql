-- Delegates carry their committee's voice (issue #16).
--
-- A joint meeting's agenda entries get a stable `point` id (so that a
-- service can take a position on one), and the meeting says how to get
-- there (`directions`).
ALTER TABLE joint_agenda_entries ADD COLUMN point_id TEXT;
ALTER TABLE joint_meetings ADD COLUMN directions TEXT;

-- When a proposal of another service was first shared: "what is new since
-- our last meeting". Existing rows take their last change.
ALTER TABLE federated_proposals ADD COLUMN first_shared_at BIGINT;
UPDATE federated_proposals SET first_shared_at = updated_at;

-- Positions shared by the committees (`position.shared`), as every node
-- keeps them: keyed by the origin and its position id.
CREATE TABLE joint_positions (
    origin TEXT NOT NULL,
    position_id TEXT NOT NULL,
    meeting_id TEXT,
    point_id TEXT,
    proposal_service TEXT,
    proposal_id TEXT,
    stance TEXT NOT NULL,
    comment TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (origin, position_id)
);
CREATE INDEX joint_positions_meeting ON joint_positions (meeting_id, point_id);
CREATE INDEX joint_positions_proposal ON joint_positions (proposal_service, proposal_id);

-- A service's own positions, as its committee decided them: one per topic
-- (a joint meeting as a whole, one of its points, or a proposal). Shared
-- with the inter-service committee only when the committee chooses:
-- `version` counts the decisions, `shared_version` is the one the
-- inter-service committee has (NULL: not shared, or taken back).
CREATE TABLE committee_positions (
    id TEXT PRIMARY KEY,
    joint_meeting_id TEXT,
    point_id TEXT,
    proposal_service TEXT,
    proposal_id TEXT,
    stance TEXT NOT NULL,
    comment TEXT,
    decided_at_meeting TEXT REFERENCES meetings (id),
    changed_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    shared_version BIGINT
);
CREATE INDEX committee_positions_meeting ON committee_positions (joint_meeting_id, point_id);
CREATE INDEX committee_positions_proposal ON committee_positions (proposal_service, proposal_id);

-- A local agenda item may be about another service's shared proposal, a
-- point of a joint meeting, or a joint meeting as a whole ("prepare the
-- joint meeting").
ALTER TABLE meeting_agenda_items ADD COLUMN other_service_id TEXT;
ALTER TABLE meeting_agenda_items ADD COLUMN other_proposal_id TEXT;
ALTER TABLE meeting_agenda_items ADD COLUMN joint_meeting_id TEXT;
ALTER TABLE meeting_agenda_items ADD COLUMN joint_point_id TEXT;
