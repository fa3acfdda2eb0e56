-- Each shared proposal's support (distinct services backing it, its origin
-- included), kept with the proposal: the coordinator's list is sorted by
-- it, and counting supports for every row on each read cost most of the
-- page at regional scale (50,000 proposals). domain::joint::refresh_support
-- writes it wherever supports change, with the expression below
-- (joint::SUPPORT_SQL); a test checks they agree.
-- Never edit this file once released: add a new numbered file instead
-- (and its twin in ../postgres).
ALTER TABLE federated_proposals ADD COLUMN support BIGINT NOT NULL DEFAULT 1;

UPDATE federated_proposals SET support = 1 + (SELECT COUNT(*) FROM supports s
    WHERE s.service_id = federated_proposals.service_id
    AND s.proposal_id = federated_proposals.proposal_id
    AND s.supporter <> federated_proposals.service_id);

-- Lists leave out withdrawn proposals unless asked: these indexes hold only
-- the others. The first gives the default order (most supported first), so
-- a page of 50 reads 50 entries; the second finds a theme (and status) and
-- counts by theme, status and service without reading the rows.
CREATE INDEX federated_proposals_support ON federated_proposals
    (support DESC, updated_at DESC, service_id, proposal_id) WHERE withdrawn = 0;
CREATE INDEX federated_proposals_theme ON federated_proposals
    (theme, status, service_id) WHERE withdrawn = 0;
