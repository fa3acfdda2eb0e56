//! Projections of received messages: each `apply_*` writes what one
//! verified message says, the same code at the hub and at every service.

use super::*;

/// `delegates.list`: `origin`'s delegate list, replaced whole.
pub async fn apply_delegates(
    conn: &mut AnyConnection,
    origin: &str,
    list: &DelegateList,
) -> Result<(), NodeError> {
    sqlx::query("DELETE FROM joint_delegates WHERE service_id = $1")
        .bind(origin)
        .execute(&mut *conn)
        .await?;
    let t = now();
    for (position, d) in list.delegates.iter().enumerate() {
        sqlx::query(
            "INSERT INTO joint_delegates (service_id, position, label, role, term_start, term_end, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(origin)
        .bind(position as i64)
        .bind(d.label.or_empty().trim())
        .bind(enum_text(&d.role))
        .bind(d.term_start.to_string())
        .bind(d.term_end.map(|e| e.to_string()))
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// `agenda_item.proposed`: an item `origin` proposes for a joint meeting.
/// The proposal it is about must have been shared; the meeting it is meant
/// for must be known and not cancelled.
pub async fn apply_agenda_item(
    conn: &mut AnyConnection,
    origin: &str,
    message_id: Uuid,
    item: &AgendaItemProposal,
) -> Result<(), NodeError> {
    let id = id_text(&item.item);
    let exists = sqlx::query("SELECT 1 AS one FROM joint_agenda_items WHERE id = $1")
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_some() {
        return Err(rule(
            Rule::ItemAlreadyProposed,
            format!("agenda item {id} was already proposed"),
        ));
    }
    if let Some(p) = &item.proposal {
        if proposal_state(conn, p).await? == ProposalState::Unknown {
            return Err(rule(
                Rule::NeverShared,
                format!("proposal {} of {} was never shared", p.proposal, p.service),
            ));
        }
    }
    if let Some(m) = &item.meeting {
        match meeting_status(conn, m).await?.as_deref() {
            None => {
                return Err(rule(
                    Rule::UnknownJointMeeting,
                    format!("joint meeting {m} is unknown"),
                ))
            }
            Some(CANCELLED) => {
                return Err(rule(
                    Rule::JointMeetingCancelled,
                    format!("joint meeting {m} was cancelled"),
                ))
            }
            Some(_) => {}
        }
    }
    sqlx::query(
        "INSERT INTO joint_agenda_items (id, service_id, title, description, proposal_service, \
         proposal_id, meeting_id, message_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(origin)
    .bind(crate::domain::erasure::stored_title(&item.title).trim())
    .bind(item.description.as_ref().map(Text::or_empty))
    .bind(item.proposal.as_ref().map(|p| p.service.as_str().to_owned()))
    .bind(item.proposal.as_ref().map(|p| id_text(&p.proposal)))
    .bind(item.meeting.as_ref().map(id_text))
    .bind(id_text(&message_id))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// `support.given` (`given`) or `support.withdrawn`: `origin` backs a
/// proposal, or stops backing it. A support can only be given to a proposal
/// that is shared (SPEC §8.2). Giving twice is harmless (a new comment
/// replaces the old one), and so is withdrawing a support this node does not
/// hold: the supporter cannot know that its support was refused (a race with
/// the proposal's withdrawal), and the outcome, no support, is the same.
pub async fn apply_support(
    conn: &mut AnyConnection,
    origin: &str,
    support: &Support,
    given: bool,
) -> Result<(), NodeError> {
    let r = &support.proposal;
    let proposal = id_text(&r.proposal);
    if given {
        match proposal_state(conn, r).await? {
            ProposalState::Shared => {}
            ProposalState::Unknown => {
                return Err(rule(
                    Rule::NeverShared,
                    format!("proposal {proposal} of {} was never shared", r.service),
                ))
            }
            ProposalState::Withdrawn => {
                return Err(rule(
                    Rule::NoLongerShared,
                    format!("proposal {proposal} of {} is no longer shared", r.service),
                ))
            }
        }
        sqlx::query(
            "INSERT INTO supports (service_id, proposal_id, supporter, comment, given_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (service_id, proposal_id, supporter) \
             DO UPDATE SET comment = COALESCE(excluded.comment, supports.comment)",
        )
        .bind(r.service.as_str())
        .bind(&proposal)
        .bind(origin)
        .bind(support.comment.as_ref().map(Text::or_empty))
        .bind(now())
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query(
            "DELETE FROM supports WHERE service_id = $1 AND proposal_id = $2 AND supporter = $3",
        )
        .bind(r.service.as_str())
        .bind(&proposal)
        .bind(origin)
        .execute(&mut *conn)
        .await?;
    }
    refresh_support(conn, r.service.as_str(), &proposal).await
}

/// `figures.shared`: `origin`'s figures for a period, replaced whole. (The
/// period's length and the counts' sign are rules of the body alone,
/// checked when it was read: `invalid_body`.)
pub async fn apply_figures(
    conn: &mut AnyConnection,
    origin: &str,
    figures: &AggregateFigures,
) -> Result<(), NodeError> {
    let period = figures.period.trim();
    sqlx::query("DELETE FROM figures WHERE service_id = $1 AND period = $2")
        .bind(origin)
        .bind(period)
        .execute(&mut *conn)
        .await?;
    let t = now();
    for (name, value) in &figures.figures {
        sqlx::query(
            "INSERT INTO figures (service_id, period, name, value, received_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(origin)
        .bind(period)
        .bind(name)
        .bind(*value)
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// `subject.updated`: a subject's title and full list of proposals; an
/// empty list dissolves it. A proposal belongs to at most one subject. (A
/// list naming a proposal twice was refused when the body was read.)
pub async fn apply_subject(conn: &mut AnyConnection, subject: &Subject) -> Result<(), NodeError> {
    let id = id_text(&subject.subject);
    let t = now();
    sqlx::query(
        "INSERT INTO subjects (id, title, dissolved, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, dissolved = excluded.dissolved, \
         updated_at = excluded.updated_at",
    )
    .bind(&id)
    .bind(crate::domain::erasure::stored_title(&subject.title).trim())
    .bind(i64::from(subject.proposals.is_empty()))
    .bind(t)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM subject_proposals WHERE subject_id = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for (position, r) in subject.proposals.iter().enumerate() {
        let proposal = id_text(&r.proposal);
        let other = sqlx::query(
            "SELECT subject_id FROM subject_proposals WHERE service_id = $1 AND proposal_id = $2",
        )
        .bind(r.service.as_str())
        .bind(&proposal)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(other) = other {
            let other: String = other.try_get("subject_id")?;
            return Err(rule(
                Rule::InAnotherSubject,
                format!(
                    "proposal {proposal} of {} already belongs to subject {other}",
                    r.service
                ),
            ));
        }
        sqlx::query(
            "INSERT INTO subject_proposals (service_id, proposal_id, subject_id, position) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(r.service.as_str())
        .bind(&proposal)
        .bind(&id)
        .bind(position as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// `meeting.published` (`published`) or `meeting.updated`: the meeting as
/// announced, agenda included. An update needs a known meeting; a cancelled
/// meeting does not come back.
pub async fn apply_meeting(
    conn: &mut AnyConnection,
    meeting: &JointMeeting,
    published: bool,
) -> Result<(), NodeError> {
    let m = &meeting.meeting;
    match meeting_status(conn, m).await?.as_deref() {
        None if !published => {
            return Err(rule(
                Rule::UnknownJointMeeting,
                format!("joint meeting {m} is unknown"),
            ))
        }
        Some(CANCELLED) => {
            return Err(rule(
                Rule::JointMeetingCancelled,
                format!("joint meeting {m} was cancelled"),
            ))
        }
        _ => {}
    }
    let t = now();
    sqlx::query(
        "INSERT INTO joint_meetings (id, title, starts_at, ends_at, place, format, status, notice, \
         created_at, updated_at, directions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, starts_at = excluded.starts_at, \
         ends_at = excluded.ends_at, place = excluded.place, format = excluded.format, \
         directions = excluded.directions, \
         status = excluded.status, notice = excluded.notice, updated_at = excluded.updated_at",
    )
    .bind(id_text(m))
    .bind(meeting.title.trim())
    .bind(meeting.starts_at.unix())
    .bind(meeting.ends_at.map(|e| e.unix()))
    .bind(&meeting.place)
    .bind(&meeting.format)
    .bind(PUBLISHED)
    .bind(meeting.notice.as_ref().map(Text::or_empty))
    .bind(t)
    .bind(t)
    .bind(meeting.directions.as_deref())
    .execute(&mut *conn)
    .await?;
    let entries: Vec<StoredEntry<'_>> = meeting
        .agenda
        .iter()
        .map(|entry| StoredEntry { entry, item: None })
        .collect();
    store_agenda(conn, m, &entries).await
}

/// `meeting.cancelled`: the meeting will not take place.
pub async fn apply_cancellation(
    conn: &mut AnyConnection,
    cancellation: &MeetingCancellation,
) -> Result<(), NodeError> {
    let m = &cancellation.meeting;
    if meeting_status(conn, m).await?.is_none() {
        return Err(rule(
            Rule::UnknownJointMeeting,
            format!("joint meeting {m} is unknown"),
        ));
    }
    sqlx::query(
        "UPDATE joint_meetings SET status = $1, notice = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(CANCELLED)
    .bind(cancellation.notice.or_empty())
    .bind(now())
    .bind(id_text(m))
    .execute(conn)
    .await?;
    Ok(())
}

/// `meeting.outcomes`: minutes and decisions of a published meeting; a new
/// message replaces the previous outcomes (a corrected version).
pub async fn apply_outcomes(
    conn: &mut AnyConnection,
    outcomes: &MeetingOutcomes,
) -> Result<(), NodeError> {
    let m = &outcomes.meeting;
    match meeting_status(conn, m).await?.as_deref() {
        Some(PUBLISHED) => {}
        None => {
            return Err(rule(
                Rule::UnknownJointMeeting,
                format!("joint meeting {m} is unknown"),
            ))
        }
        Some(_) => {
            return Err(rule(
                Rule::MeetingNotPublished,
                format!("joint meeting {m} is not a published meeting"),
            ))
        }
    }
    let id = id_text(m);
    let t = now();
    sqlx::query(
        "UPDATE joint_meetings SET minutes = $1, outcomes_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(outcomes.minutes.or_empty())
    .bind(t)
    .bind(t)
    .bind(&id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM joint_outcome_proposals WHERE meeting_id = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM joint_outcomes WHERE meeting_id = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for (position, o) in outcomes.outcomes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO joint_outcomes (meeting_id, position, subject_id, decision) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(position as i64)
        .bind(o.subject.as_ref().map(id_text))
        .bind(o.decision.or_empty())
        .execute(&mut *conn)
        .await?;
        for r in &o.proposals {
            sqlx::query(
                "INSERT INTO joint_outcome_proposals (meeting_id, position, service_id, proposal_id) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(position as i64)
            .bind(r.service.as_str())
            .bind(id_text(&r.proposal))
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}
