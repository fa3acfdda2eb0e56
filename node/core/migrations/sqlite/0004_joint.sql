-- The inter-service committee ("comité inter-SSM"), as every node projects
-- it from signed messages: each service's delegates, agenda items the
-- services propose, supports, aggregate figures, subjects linking proposals
-- of several services (with the coordinator's log), joint meetings with
-- their agenda, and their outcomes. At the hub, meetings start as drafts
-- and subjects are written by the coordinator; at a service, everything
-- here comes from the hub's feed, except the service's own supports and
-- agenda items (it never receives its own messages back).
-- Never edit this file once released: add a new numbered file instead
-- (and its twin in ../postgres).

-- One service's delegate list, replaced whole by each delegates.list.
CREATE TABLE joint_delegates (
    service_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    role TEXT NOT NULL,
    term_start TEXT NOT NULL,
    term_end TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (service_id, position)
);

-- Items a service proposed for a joint meeting's agenda.
CREATE TABLE joint_agenda_items (
    id TEXT PRIMARY KEY,
    service_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    proposal_service TEXT,
    proposal_id TEXT,
    meeting_id TEXT,
    message_id TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- A supporter service backs one service's proposal (the origin backs its
-- own proposal anyway; counts take distinct services).
CREATE TABLE supports (
    service_id TEXT NOT NULL,
    proposal_id TEXT NOT NULL,
    supporter TEXT NOT NULL,
    comment TEXT,
    given_at BIGINT NOT NULL,
    PRIMARY KEY (service_id, proposal_id, supporter)
);

-- Anonymous aggregate figures, per service and period (counts only).
CREATE TABLE figures (
    service_id TEXT NOT NULL,
    period TEXT NOT NULL,
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (service_id, period, name)
);

-- "Same subject, several services": proposals linked under one title.
-- A dissolved subject (no proposal left) keeps its row for the log.
CREATE TABLE subjects (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    dissolved BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A proposal belongs to at most one subject.
CREATE TABLE subject_proposals (
    service_id TEXT NOT NULL,
    proposal_id TEXT NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (service_id, proposal_id)
);

-- Hub only: who linked or unlinked which proposal, and when.
CREATE TABLE subject_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    service_id TEXT NOT NULL,
    proposal_id TEXT NOT NULL
);

-- Joint meetings: status draft (hub only), published or cancelled.
CREATE TABLE joint_meetings (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    place TEXT NOT NULL,
    format TEXT NOT NULL,
    status TEXT NOT NULL,
    notice TEXT,
    minutes TEXT,
    outcomes_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A meeting's agenda in the coordinator's order. `proposals` is the
-- canonical JSON list of proposal references; `item_id` (hub only) names
-- the service's agenda item the entry was made from.
CREATE TABLE joint_agenda_entries (
    meeting_id TEXT NOT NULL REFERENCES joint_meetings (id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    subject_id TEXT,
    proposals TEXT NOT NULL DEFAULT '[]',
    proposed_by TEXT,
    item_id TEXT,
    PRIMARY KEY (meeting_id, position)
);

-- Decisions of a meeting, each about a subject and/or proposals.
CREATE TABLE joint_outcomes (
    meeting_id TEXT NOT NULL REFERENCES joint_meetings (id),
    position BIGINT NOT NULL,
    subject_id TEXT,
    decision TEXT NOT NULL,
    PRIMARY KEY (meeting_id, position)
);

CREATE TABLE joint_outcome_proposals (
    meeting_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    service_id TEXT NOT NULL,
    proposal_id TEXT NOT NULL,
    PRIMARY KEY (meeting_id, position, service_id, proposal_id)
);

CREATE INDEX supports_supporter ON supports (supporter);
CREATE INDEX joint_agenda_items_received ON joint_agenda_items (received_at);
CREATE INDEX subject_proposals_subject ON subject_proposals (subject_id, position);
CREATE INDEX subject_log_subject ON subject_log (subject_id, id);
CREATE INDEX joint_meetings_status_start ON joint_meetings (status, starts_at);
CREATE INDEX joint_agenda_entries_item ON joint_agenda_entries (item_id);
CREATE INDEX joint_outcomes_subject ON joint_outcomes (subject_id);
CREATE INDEX joint_outcome_proposals_service ON joint_outcome_proposals (service_id);
CREATE INDEX federated_proposals_updated ON federated_proposals (updated_at);
