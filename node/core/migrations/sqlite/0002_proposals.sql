-- A service's own proposals with their history, and the federated view of
-- every shared proposal (at the hub: all services'; at a service: the others').

CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    theme TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    answer_text TEXT,
    answer_date TEXT,
    shared BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE proposal_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    comment TEXT
);

CREATE TABLE federated_proposals (
    service_id TEXT NOT NULL,
    proposal_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    theme TEXT NOT NULL,
    tags TEXT NOT NULL,
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    answer_text TEXT,
    answer_date TEXT,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    shared_message TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (service_id, proposal_id)
);

CREATE INDEX proposal_history_proposal ON proposal_history (proposal_id, id);
