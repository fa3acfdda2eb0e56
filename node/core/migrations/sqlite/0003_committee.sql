-- The service's own committee life: members, delegate designations for the
-- inter-service committee, local meetings (agenda, attendance, minutes,
-- decisions). All of it stays on the node; only the delegate list (labels
-- chosen with recorded consent) is ever announced.
-- Booleans are BIGINT 0/1, times Unix seconds, calendar dates TEXT YYYY-MM-DD.

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    contact TEXT,
    consent BIGINT NOT NULL DEFAULT 0,
    consent_given_at BIGINT,
    consent_withdrawn_at BIGINT,
    joined_at BIGINT NOT NULL,
    left_at BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE delegate_designations (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members (id),
    role TEXT NOT NULL,
    term_start TEXT NOT NULL,
    term_end TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    place TEXT NOT NULL,
    format TEXT NOT NULL,
    minutes_status TEXT,
    minutes_text TEXT,
    minutes_secretary_id TEXT REFERENCES members (id),
    minutes_drafted_at BIGINT,
    minutes_adopted_at_meeting TEXT REFERENCES meetings (id),
    minutes_adopted_at BIGINT,
    minutes_sent_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE meeting_agenda_items (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    proposal_id TEXT REFERENCES proposals (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE meeting_attendance (
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    status TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE meeting_decisions (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    text TEXT NOT NULL,
    proposal_id TEXT REFERENCES proposals (id),
    created_at BIGINT NOT NULL
);

CREATE INDEX members_left ON members (left_at, display_name);
CREATE INDEX delegate_designations_member ON delegate_designations (member_id, term_start);
CREATE INDEX delegate_designations_term ON delegate_designations (term_start, term_end);
CREATE INDEX meetings_starts ON meetings (starts_at);
CREATE INDEX meeting_agenda_items_meeting ON meeting_agenda_items (meeting_id, position);
CREATE INDEX meeting_attendance_member ON meeting_attendance (member_id);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id, created_at);
CREATE INDEX proposal_history_answers ON proposal_history (at, to_status);
