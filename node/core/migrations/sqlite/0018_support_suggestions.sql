-- Support is the committee's (issue #16). A member suggests that the
-- committee support a shared proposal, with a word if they wish; the
-- suggestion stays on this node (it is never sent). An administrator
-- confirms it (the committee's `support.given`, with the comment) or sets
-- it aside: the suggestion is then settled, and kept for the record
-- without its word (the committee's comment is what counts).
-- Suggesting again replaces the word of one's pending suggestion.
CREATE TABLE support_suggestions (
    service_id TEXT NOT NULL,
    proposal_id TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    word TEXT,
    suggested_at BIGINT NOT NULL,
    -- NULL while pending; then 'confirmed' or 'set_aside'.
    outcome TEXT,
    settled_at BIGINT,
    settled_by TEXT,
    PRIMARY KEY (service_id, proposal_id, account_id)
);
CREATE INDEX support_suggestions_pending ON support_suggestions (outcome);

-- How the committee decided its own support: at which of its local
-- meetings, if the administrator said so. Only this service's own
-- supports have it; the other services never hear of it.
ALTER TABLE supports ADD COLUMN decided_at_meeting TEXT;
