//! The inter-service committee as every node sees it, and what a service
//! does in its "joint-committee corner".
//!
//! The hub relays every message it accepted to every other service, so the
//! hub *and* each service keep the same projections of them: the services'
//! delegates, the agenda items they proposed, who supports which proposal,
//! aggregate figures, subjects, joint meetings and their outcomes. The
//! `apply_*` functions build those projections from verified messages; they
//! refuse only with `domain_rule` (a permanent refusal: the sender sets the
//! message aside instead of retrying it forever).
//!
//! A service never receives its own messages back, so its actions
//! ([`support`], [`withdraw_support`], [`propose_agenda_item`]) update the
//! local projection with the same `apply_*` code, in the transaction that
//! signs the message.

use passerelle_protocol::body::{
    AgendaEntry, AgendaItemProposal, AggregateFigures, Delegate, DelegateList, DelegateRole,
    JointMeeting, ManagementAnswer, MeetingCancellation, MeetingOutcomes, Origin, ProposalRef,
    ProposalStatus, Subject, Support, Theme,
};
use passerelle_protocol::{Body, CanonicalValue, Date, NodeId, SignedEnvelope, Timestamp};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::domain::federated::enum_text;
use crate::domain::rule;
use crate::domain::validate::{not_found, optional_text, text};
use crate::error::NodeError;
use crate::fed::log::{now, OwnStream};

/// Meeting status: prepared at the hub, not announced yet.
pub const DRAFT: &str = "draft";
/// Meeting status: announced to the services.
pub const PUBLISHED: &str = "published";
/// Meeting status: announced, then cancelled.
pub const CANCELLED: &str = "cancelled";

/// SQL for the support of the proposal `f` (a `federated_proposals` row):
/// the number of distinct services backing it, its origin included.
pub(crate) const SUPPORT_SQL: &str = "(1 + (SELECT COUNT(*) FROM supports s \
     WHERE s.service_id = f.service_id AND s.proposal_id = f.proposal_id \
     AND s.supporter <> f.service_id))";

// ---------------------------------------------------------------------------
// Small shared helpers (also used by `domain::hub`).

pub(crate) fn id_text(id: &Uuid) -> String {
    id.hyphenated().to_string()
}

/// A stored id, read back.
pub(crate) fn parse_uuid(text: &str) -> Result<Uuid, NodeError> {
    Uuid::parse_str(text).map_err(|_| NodeError::config(format!("unexpected stored id {text:?}")))
}

pub(crate) use crate::domain::federated::parse_enum;

/// A stored Unix time, as a protocol timestamp.
pub(crate) fn timestamp(secs: i64) -> Result<Timestamp, NodeError> {
    Ok(Timestamp::from_unix(secs)?)
}

/// A proposal reference from stored columns.
pub(crate) fn proposal_ref(service: &str, proposal: &str) -> Result<ProposalRef, NodeError> {
    Ok(ProposalRef {
        service: NodeId::parse(service)?,
        proposal: parse_uuid(proposal)?,
    })
}

/// The canonical JSON text of a list of proposal references.
pub(crate) fn refs_text(refs: &[ProposalRef]) -> Result<String, NodeError> {
    Ok(CanonicalValue::from_serialize(refs)?.to_canonical_string())
}

pub(crate) fn refs_from_text(text: &str) -> Result<Vec<ProposalRef>, NodeError> {
    serde_json::from_str(text)
        .map_err(|_| NodeError::config(format!("unexpected stored proposal list {text:?}")))
}

/// Refuses a list that names the same proposal twice.
fn no_repeats(refs: &[ProposalRef]) -> Result<(), NodeError> {
    let distinct: std::collections::BTreeSet<&ProposalRef> = refs.iter().collect();
    if distinct.len() == refs.len() {
        Ok(())
    } else {
        Err(rule("the same proposal is listed twice"))
    }
}

/// Appends `body` to this node's stream, then checks that receivers will
/// accept it (size limits, body rules): otherwise the caller's transaction
/// must not commit, so nothing is announced that nobody could read.
pub(crate) async fn append_checked(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    body: &Body,
) -> Result<SignedEnvelope, NodeError> {
    let signed = stream.append(conn, body).await?;
    SignedEnvelope::parse(signed.canonical_bytes())
        .and_then(|e| e.body())
        .map_err(|e| rule(format!("this message could not be read by the others: {e}")))?;
    Ok(signed)
}

/// Where a shared proposal stands on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProposalState {
    /// Never shared with the federation, as far as this node knows.
    Unknown,
    Shared,
    Withdrawn,
}

/// Looks a proposal up among the shared proposals this node knows: the
/// federated view, then (on a service) its own shared proposals, which it
/// never receives back. Proposal ids are UUIDv7, unique across services.
pub(crate) async fn proposal_state(
    conn: &mut AnyConnection,
    r: &ProposalRef,
) -> Result<ProposalState, NodeError> {
    let id = id_text(&r.proposal);
    let row = sqlx::query(
        "SELECT withdrawn FROM federated_proposals WHERE service_id = $1 AND proposal_id = $2",
    )
    .bind(r.service.as_str())
    .bind(&id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = row {
        return Ok(if row.try_get::<i64, _>("withdrawn")? != 0 {
            ProposalState::Withdrawn
        } else {
            ProposalState::Shared
        });
    }
    let own = sqlx::query("SELECT shared FROM proposals WHERE id = $1")
        .bind(&id)
        .fetch_optional(conn)
        .await?;
    Ok(
        match own.map(|r| r.try_get::<i64, _>("shared")).transpose()? {
            Some(crate::domain::proposals::SHARED) => ProposalState::Shared,
            Some(crate::domain::proposals::WITHDRAWN) => ProposalState::Withdrawn,
            _ => ProposalState::Unknown,
        },
    )
}

/// For a person's action: the proposal must be known here and still shared.
pub(crate) async fn require_shared_for_action(
    conn: &mut AnyConnection,
    r: &ProposalRef,
) -> Result<(), NodeError> {
    match proposal_state(conn, r).await? {
        ProposalState::Shared => Ok(()),
        ProposalState::Unknown => Err(not_found(format!(
            "shared proposal {} of {}",
            r.proposal, r.service
        ))),
        ProposalState::Withdrawn => Err(rule(format!(
            "proposal {} of {} is no longer shared",
            r.proposal, r.service
        ))),
    }
}

/// A meeting's status, if the meeting is known here.
pub(crate) async fn meeting_status(
    conn: &mut AnyConnection,
    meeting: &Uuid,
) -> Result<Option<String>, NodeError> {
    let row = sqlx::query("SELECT status FROM joint_meetings WHERE id = $1")
        .bind(id_text(meeting))
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("status")).transpose()?)
}

/// Whether a meeting's outcomes were recorded.
pub(crate) async fn has_outcomes(
    conn: &mut AnyConnection,
    meeting: &Uuid,
) -> Result<bool, NodeError> {
    let row = sqlx::query("SELECT outcomes_at FROM joint_meetings WHERE id = $1")
        .bind(id_text(meeting))
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<i64>, _>("outcomes_at")?.is_some(),
        None => false,
    })
}

/// One agenda entry to store, with (at the hub) the item it came from.
pub(crate) struct StoredEntry<'a> {
    pub entry: &'a AgendaEntry,
    pub item: Option<Uuid>,
}

/// Replaces a meeting's agenda.
pub(crate) async fn store_agenda(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    entries: &[StoredEntry<'_>],
) -> Result<(), NodeError> {
    let id = id_text(meeting);
    sqlx::query("DELETE FROM joint_agenda_entries WHERE meeting_id = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for (position, e) in entries.iter().enumerate() {
        sqlx::query(
            "INSERT INTO joint_agenda_entries (meeting_id, position, title, description, \
             subject_id, proposals, proposed_by, item_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(position as i64)
        .bind(&e.entry.title)
        .bind(e.entry.description.clone())
        .bind(e.entry.subject.as_ref().map(id_text))
        .bind(refs_text(&e.entry.proposals)?)
        .bind(e.entry.proposed_by.as_ref().map(|n| n.as_str().to_owned()))
        .bind(e.item.as_ref().map(id_text))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Projections of received messages.

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
        .bind(d.label.trim())
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
        return Err(rule(format!("agenda item {id} was already proposed")));
    }
    if let Some(p) = &item.proposal {
        if proposal_state(conn, p).await? == ProposalState::Unknown {
            return Err(rule(format!(
                "proposal {} of {} was never shared",
                p.proposal, p.service
            )));
        }
    }
    if let Some(m) = &item.meeting {
        match meeting_status(conn, m).await?.as_deref() {
            None => return Err(rule(format!("joint meeting {m} is unknown"))),
            Some(CANCELLED) => return Err(rule(format!("joint meeting {m} was cancelled"))),
            Some(_) => {}
        }
    }
    sqlx::query(
        "INSERT INTO joint_agenda_items (id, service_id, title, description, proposal_service, \
         proposal_id, meeting_id, message_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(origin)
    .bind(item.title.trim())
    .bind(item.description.clone())
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
/// proposal, or stops backing it. Giving twice is harmless (a new comment
/// replaces the old one); a support can only be given to a proposal that is
/// shared, and only withdrawn if it was given.
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
                return Err(rule(format!(
                    "proposal {proposal} of {} was never shared",
                    r.service
                )))
            }
            ProposalState::Withdrawn => {
                return Err(rule(format!(
                    "proposal {proposal} of {} is no longer shared",
                    r.service
                )))
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
        .bind(support.comment.clone())
        .bind(now())
        .execute(conn)
        .await?;
    } else {
        let done = sqlx::query(
            "DELETE FROM supports WHERE service_id = $1 AND proposal_id = $2 AND supporter = $3",
        )
        .bind(r.service.as_str())
        .bind(&proposal)
        .bind(origin)
        .execute(conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(rule(format!(
                "{origin} did not support proposal {proposal} of {}",
                r.service
            )));
        }
    }
    Ok(())
}

/// `figures.shared`: `origin`'s figures for a period, replaced whole.
pub async fn apply_figures(
    conn: &mut AnyConnection,
    origin: &str,
    figures: &AggregateFigures,
) -> Result<(), NodeError> {
    let period = figures.period.trim();
    if period.is_empty() || period.chars().count() > 50 {
        return Err(rule("a figures period needs 1 to 50 characters"));
    }
    if let Some((name, _)) = figures.figures.iter().find(|(_, v)| **v < 0) {
        return Err(rule(format!(
            "figure {name} is negative; only counts are shared"
        )));
    }
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
/// empty list dissolves it. A proposal belongs to at most one subject.
pub async fn apply_subject(conn: &mut AnyConnection, subject: &Subject) -> Result<(), NodeError> {
    no_repeats(&subject.proposals)?;
    let id = id_text(&subject.subject);
    let t = now();
    sqlx::query(
        "INSERT INTO subjects (id, title, dissolved, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, dissolved = excluded.dissolved, \
         updated_at = excluded.updated_at",
    )
    .bind(&id)
    .bind(subject.title.trim())
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
            return Err(rule(format!(
                "proposal {proposal} of {} already belongs to subject {other}",
                r.service
            )));
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
        None if !published => return Err(rule(format!("joint meeting {m} is unknown"))),
        Some(CANCELLED) => return Err(rule(format!("joint meeting {m} was cancelled"))),
        _ => {}
    }
    if let Some(end) = meeting.ends_at {
        if end < meeting.starts_at {
            return Err(rule("a joint meeting cannot end before it starts"));
        }
    }
    let t = now();
    sqlx::query(
        "INSERT INTO joint_meetings (id, title, starts_at, ends_at, place, format, status, notice, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, starts_at = excluded.starts_at, \
         ends_at = excluded.ends_at, place = excluded.place, format = excluded.format, \
         status = excluded.status, notice = excluded.notice, updated_at = excluded.updated_at",
    )
    .bind(id_text(m))
    .bind(meeting.title.trim())
    .bind(meeting.starts_at.unix())
    .bind(meeting.ends_at.map(|e| e.unix()))
    .bind(&meeting.place)
    .bind(&meeting.format)
    .bind(PUBLISHED)
    .bind(meeting.notice.clone())
    .bind(t)
    .bind(t)
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
        return Err(rule(format!("joint meeting {m} is unknown")));
    }
    sqlx::query(
        "UPDATE joint_meetings SET status = $1, notice = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(CANCELLED)
    .bind(&cancellation.notice)
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
        None => return Err(rule(format!("joint meeting {m} is unknown"))),
        Some(_) => {
            return Err(rule(format!(
                "joint meeting {m} is not a published meeting"
            )))
        }
    }
    let id = id_text(m);
    let t = now();
    sqlx::query(
        "UPDATE joint_meetings SET minutes = $1, outcomes_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(&outcomes.minutes)
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
        no_repeats(&o.proposals)?;
        sqlx::query(
            "INSERT INTO joint_outcomes (meeting_id, position, subject_id, decision) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(position as i64)
        .bind(o.subject.as_ref().map(id_text))
        .bind(&o.decision)
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

// ---------------------------------------------------------------------------
// A service's actions.

/// The committee supports a shared proposal (another service's, or its
/// own: the origin counts as backing it anyway, so that changes no count).
pub async fn support(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    proposal: ProposalRef,
    comment: Option<String>,
) -> Result<(), NodeError> {
    let comment = optional_text("comment", comment.as_deref(), 1000)?;
    require_shared_for_action(conn, &proposal).await?;
    let me = stream.me.as_str();
    if supports_it(conn, &proposal, me).await? {
        return Err(rule("the committee already supports this proposal"));
    }
    let support = Support { proposal, comment };
    apply_support(conn, me, &support, true).await?;
    append_checked(conn, stream, &Body::SupportGiven(support)).await?;
    Ok(())
}

/// The committee withdraws its support.
pub async fn withdraw_support(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    proposal: ProposalRef,
) -> Result<(), NodeError> {
    let me = stream.me.as_str();
    if !supports_it(conn, &proposal, me).await? {
        return Err(rule("the committee does not support this proposal"));
    }
    let support = Support {
        proposal,
        comment: None,
    };
    apply_support(conn, me, &support, false).await?;
    append_checked(conn, stream, &Body::SupportWithdrawn(support)).await?;
    Ok(())
}

async fn supports_it(
    conn: &mut AnyConnection,
    r: &ProposalRef,
    supporter: &str,
) -> Result<bool, NodeError> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM supports WHERE service_id = $1 AND proposal_id = $2 AND supporter = $3",
    )
    .bind(r.service.as_str())
    .bind(id_text(&r.proposal))
    .bind(supporter)
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// The committee proposes an item for a joint meeting's agenda (the next
/// one, or `meeting` if it names an announced meeting). Returns its id.
pub async fn propose_agenda_item(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    title: &str,
    description: Option<&str>,
    proposal: Option<ProposalRef>,
    meeting: Option<Uuid>,
) -> Result<Uuid, NodeError> {
    let title = text("title", title, 200)?;
    let description = optional_text("description", description, 4000)?;
    if let Some(p) = &proposal {
        require_shared_for_action(conn, p).await?;
    }
    if let Some(m) = &meeting {
        match meeting_status(conn, m).await?.as_deref() {
            Some(PUBLISHED) => {}
            Some(CANCELLED) => return Err(rule("this joint meeting was cancelled")),
            _ => return Err(not_found(format!("joint meeting {m}"))),
        }
    }
    let item = AgendaItemProposal {
        item: Uuid::now_v7(),
        title,
        description,
        proposal,
        meeting,
    };
    let signed = append_checked(conn, stream, &Body::AgendaItemProposed(item.clone())).await?;
    apply_agenda_item(conn, stream.me.as_str(), signed.envelope().id, &item).await?;
    Ok(item.item)
}

// ---------------------------------------------------------------------------
// The joint-committee corner.

/// One entry of a joint meeting's agenda, in the coordinator's order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AgendaLine {
    /// 0, 1, 2… in the order of the agenda.
    pub position: i64,
    pub title: String,
    pub description: Option<String>,
    /// The subject this entry is about, if any.
    pub subject: Option<Uuid>,
    /// The proposals this entry is about.
    pub proposals: Vec<ProposalRef>,
    /// The service that proposed the item, if any.
    pub proposed_by: Option<String>,
    /// Hub only: the service's agenda item this entry was made from.
    pub item: Option<Uuid>,
}

impl AgendaLine {
    /// The entry as announced in `meeting.published` / `meeting.updated`.
    pub fn to_entry(&self) -> Result<AgendaEntry, NodeError> {
        Ok(AgendaEntry {
            title: self.title.clone(),
            description: self.description.clone(),
            subject: self.subject,
            proposals: self.proposals.clone(),
            proposed_by: self.proposed_by.as_deref().map(NodeId::parse).transpose()?,
        })
    }
}

/// A joint meeting as this node knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub id: Uuid,
    pub title: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub place: String,
    /// e.g. "petit-déjeuner", "réunion", "en ligne".
    pub format: String,
    /// `draft` (hub only), `published` or `cancelled`.
    pub status: String,
    /// What changed at the last update, or why it was cancelled.
    pub notice: Option<String>,
    pub agenda: Vec<AgendaLine>,
    /// The minutes, once the outcomes were recorded.
    pub minutes: Option<String>,
}

/// A meeting's agenda, in order.
pub async fn agenda(
    conn: &mut AnyConnection,
    meeting: &Uuid,
) -> Result<Vec<AgendaLine>, NodeError> {
    let rows = sqlx::query(
        "SELECT position, title, description, subject_id, proposals, proposed_by, item_id \
         FROM joint_agenda_entries WHERE meeting_id = $1 ORDER BY position",
    )
    .bind(id_text(meeting))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AgendaLine {
                position: r.try_get("position")?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                subject: r
                    .try_get::<Option<String>, _>("subject_id")?
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?,
                proposals: refs_from_text(&r.try_get::<String, _>("proposals")?)?,
                proposed_by: r.try_get("proposed_by")?,
                item: r
                    .try_get::<Option<String>, _>("item_id")?
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?,
            })
        })
        .collect()
}

const MEETING_COLUMNS: &str =
    "id, title, starts_at, ends_at, place, format, status, notice, minutes";

async fn meeting_from_row(
    conn: &mut AnyConnection,
    r: &sqlx::any::AnyRow,
) -> Result<MeetingView, NodeError> {
    let id = parse_uuid(&r.try_get::<String, _>("id")?)?;
    Ok(MeetingView {
        id,
        title: r.try_get("title")?,
        starts_at: timestamp(r.try_get("starts_at")?)?,
        ends_at: r
            .try_get::<Option<i64>, _>("ends_at")?
            .map(timestamp)
            .transpose()?,
        place: r.try_get("place")?,
        format: r.try_get("format")?,
        status: r.try_get("status")?,
        notice: r.try_get("notice")?,
        minutes: r.try_get("minutes")?,
        agenda: agenda(conn, &id).await?,
    })
}

/// One joint meeting, with its agenda.
pub async fn meeting(conn: &mut AnyConnection, id: &Uuid) -> Result<MeetingView, NodeError> {
    let row = sqlx::query(&format!(
        "SELECT {MEETING_COLUMNS} FROM joint_meetings WHERE id = $1"
    ))
    .bind(id_text(id))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found(format!("joint meeting {id}")))?;
    meeting_from_row(conn, &row).await
}

/// Joint meetings announced and not cancelled that have not ended by `now`
/// (Unix seconds), soonest first, with their agenda.
pub async fn upcoming_meetings(
    conn: &mut AnyConnection,
    now: i64,
) -> Result<Vec<MeetingView>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {MEETING_COLUMNS} FROM joint_meetings WHERE status = $1 \
         AND COALESCE(ends_at, starts_at) >= $2 ORDER BY starts_at, id"
    ))
    .bind(PUBLISHED)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(meeting_from_row(conn, r).await?);
    }
    Ok(out)
}

/// Another service's shared proposal, for delegates to prepare.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OtherProposal {
    pub service_id: String,
    /// The service's name, when the hub's member list gave it.
    pub service_name: Option<String>,
    pub proposal_id: Uuid,
    pub title: String,
    pub description: String,
    pub theme: Theme,
    pub tags: Vec<String>,
    pub origin: Origin,
    pub status: ProposalStatus,
    pub answer: Option<ManagementAnswer>,
    /// Distinct services backing it, its origin included.
    pub support: i64,
    /// Whether this committee supports it.
    pub supported_by_me: bool,
    /// The subject it was linked to, if any.
    pub subject: Option<Uuid>,
}

/// Other services' proposals still shared, most supported first.
pub async fn other_services_proposals(
    conn: &mut AnyConnection,
    me: &str,
) -> Result<Vec<OtherProposal>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT f.service_id, p.name AS service_name, f.proposal_id, f.title, f.description, \
         f.theme, f.tags, f.origin, f.status, f.answer_text, f.answer_date, sp.subject_id, \
         {SUPPORT_SQL} AS support, \
         (SELECT COUNT(*) FROM supports m WHERE m.service_id = f.service_id \
          AND m.proposal_id = f.proposal_id AND m.supporter = $1) AS mine \
         FROM federated_proposals f \
         LEFT JOIN peers p ON p.id = f.service_id \
         LEFT JOIN subject_proposals sp ON sp.service_id = f.service_id AND sp.proposal_id = f.proposal_id \
         WHERE f.withdrawn = 0 AND f.service_id <> $2 \
         ORDER BY support DESC, f.updated_at DESC, f.service_id, f.proposal_id"
    ))
    .bind(me)
    .bind(me)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OtherProposal {
                service_id: r.try_get("service_id")?,
                service_name: r.try_get("service_name")?,
                proposal_id: parse_uuid(&r.try_get::<String, _>("proposal_id")?)?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                theme: parse_enum(&r.try_get::<String, _>("theme")?)?,
                tags: serde_json::from_str(&r.try_get::<String, _>("tags")?).unwrap_or_default(),
                origin: parse_enum(&r.try_get::<String, _>("origin")?)?,
                status: parse_enum(&r.try_get::<String, _>("status")?)?,
                answer: answer(r)?,
                support: r.try_get("support")?,
                supported_by_me: r.try_get::<i64, _>("mine")? > 0,
                subject: r
                    .try_get::<Option<String>, _>("subject_id")?
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?,
            })
        })
        .collect()
}

/// Management's answer from `answer_text` / `answer_date` columns.
pub(crate) fn answer(r: &sqlx::any::AnyRow) -> Result<Option<ManagementAnswer>, NodeError> {
    match (
        r.try_get::<Option<String>, _>("answer_text")?,
        r.try_get::<Option<String>, _>("answer_date")?,
    ) {
        (Some(text), Some(date)) => Ok(Some(ManagementAnswer {
            text,
            date: Date::parse(&date)?,
        })),
        _ => Ok(None),
    }
}

/// A decision of a joint meeting about proposals of this service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MyOutcome {
    pub meeting: Uuid,
    pub meeting_title: String,
    pub starts_at: Timestamp,
    pub subject: Option<Uuid>,
    pub subject_title: Option<String>,
    /// The proposals the decision names.
    pub proposals: Vec<ProposalRef>,
    pub decision: String,
}

/// Decisions of joint meetings that concern a proposal of `me`: named in
/// the decision, or linked to the decision's subject.
pub async fn outcomes_for_my_proposals(
    conn: &mut AnyConnection,
    me: &str,
) -> Result<Vec<MyOutcome>, NodeError> {
    let rows = sqlx::query(
        "SELECT o.meeting_id, o.position, o.subject_id, o.decision, m.title, m.starts_at, \
         sj.title AS subject_title \
         FROM joint_outcomes o JOIN joint_meetings m ON m.id = o.meeting_id \
         LEFT JOIN subjects sj ON sj.id = o.subject_id \
         WHERE m.status = $1 AND (EXISTS (SELECT 1 FROM joint_outcome_proposals op \
           WHERE op.meeting_id = o.meeting_id AND op.position = o.position AND op.service_id = $2) \
         OR EXISTS (SELECT 1 FROM subject_proposals sp \
           WHERE sp.subject_id = o.subject_id AND sp.service_id = $3)) \
         ORDER BY m.starts_at DESC, o.meeting_id, o.position",
    )
    .bind(PUBLISHED)
    .bind(me)
    .bind(me)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let meeting_id: String = r.try_get("meeting_id")?;
        let position: i64 = r.try_get("position")?;
        let refs = sqlx::query(
            "SELECT service_id, proposal_id FROM joint_outcome_proposals \
             WHERE meeting_id = $1 AND position = $2 ORDER BY service_id, proposal_id",
        )
        .bind(&meeting_id)
        .bind(position)
        .fetch_all(&mut *conn)
        .await?;
        out.push(MyOutcome {
            meeting: parse_uuid(&meeting_id)?,
            meeting_title: r.try_get("title")?,
            starts_at: timestamp(r.try_get("starts_at")?)?,
            subject: r
                .try_get::<Option<String>, _>("subject_id")?
                .as_deref()
                .map(parse_uuid)
                .transpose()?,
            subject_title: r.try_get("subject_title")?,
            proposals: refs
                .iter()
                .map(|x| {
                    proposal_ref(
                        &x.try_get::<String, _>("service_id")?,
                        &x.try_get::<String, _>("proposal_id")?,
                    )
                })
                .collect::<Result<_, NodeError>>()?,
            decision: r.try_get("decision")?,
        });
    }
    Ok(out)
}

/// A service's delegates, as its last `delegates.list` gave them.
pub async fn delegates_of(
    conn: &mut AnyConnection,
    service: &str,
) -> Result<Vec<Delegate>, NodeError> {
    let rows = sqlx::query(
        "SELECT label, role, term_start, term_end FROM joint_delegates \
         WHERE service_id = $1 ORDER BY position",
    )
    .bind(service)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Delegate {
                label: r.try_get("label")?,
                role: parse_enum::<DelegateRole>(&r.try_get::<String, _>("role")?)?,
                term_start: Date::parse(&r.try_get::<String, _>("term_start")?)?,
                term_end: r
                    .try_get::<Option<String>, _>("term_end")?
                    .as_deref()
                    .map(Date::parse)
                    .transpose()?,
            })
        })
        .collect()
}

/// One aggregate figure a service shared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Figure {
    /// e.g. `2026-Q3`.
    pub period: String,
    /// e.g. `questionnaires_collected`.
    pub name: String,
    pub value: i64,
}

/// A service's aggregate figures, by period then name.
pub async fn figures_of(conn: &mut AnyConnection, service: &str) -> Result<Vec<Figure>, NodeError> {
    let rows = sqlx::query(
        "SELECT period, name, value FROM figures WHERE service_id = $1 ORDER BY period, name",
    )
    .bind(service)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Figure {
                period: r.try_get("period")?,
                name: r.try_get("name")?,
                value: r.try_get("value")?,
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::Db;
    use crate::domain::federated;
    use crate::fed::peers;
    use passerelle_protocol::body::{
        AgendaEntry, Outcome, ProposalWithdrawal, SharedProposal, Support,
    };
    use passerelle_protocol::{Envelope, KeyPair};
    use std::collections::BTreeMap;

    /// A node's identity for tests: its id, its hub and its keys.
    pub(crate) struct Me {
        pub me: NodeId,
        pub hub: NodeId,
        pub keys: KeyPair,
    }

    impl Me {
        pub fn hub() -> Me {
            Me {
                me: NodeId::parse("hub-test").unwrap(),
                hub: NodeId::parse("hub-test").unwrap(),
                keys: KeyPair::from_seed(&[3; 32]),
            }
        }

        pub fn service(id: &str) -> Me {
            Me {
                me: NodeId::parse(id).unwrap(),
                hub: NodeId::parse("hub-test").unwrap(),
                keys: KeyPair::from_seed(&[4; 32]),
            }
        }

        pub fn stream(&self) -> OwnStream<'_> {
            OwnStream {
                me: &self.me,
                audience: &self.hub,
                keys: &self.keys,
            }
        }
    }

    pub(crate) fn seed(service: &str) -> u8 {
        service
            .bytes()
            .fold(11u8, |a, b| a.wrapping_mul(31).wrapping_add(b))
    }

    /// Enrols `service` as a member of the federation.
    pub(crate) async fn member(conn: &mut AnyConnection, service: &str, name: &str) {
        let key = KeyPair::from_seed(&[seed(service); 32]).public_key();
        peers::upsert(conn, service, name, "service", peers::ACTIVE, None, &[key])
            .await
            .unwrap();
    }

    /// `service` shares a proposal, signed as it would be on the wire.
    pub(crate) async fn share(
        conn: &mut AnyConnection,
        service: &str,
        title: &str,
        description: &str,
        theme: Theme,
        status: ProposalStatus,
    ) -> ProposalRef {
        let p = SharedProposal {
            proposal: Uuid::now_v7(),
            title: title.into(),
            description: description.into(),
            theme,
            tags: vec!["test".into()],
            origin: Origin::Committee,
            status,
            answer: None,
        };
        let keys = KeyPair::from_seed(&[seed(service); 32]);
        let signed = Envelope::new(
            NodeId::parse(service).unwrap(),
            NodeId::parse("hub-test").unwrap(),
            1,
            None,
            &Body::ProposalShared(p.clone()),
            keys.key_id().clone(),
        )
        .unwrap()
        .sign(&keys)
        .unwrap();
        federated::apply_shared(conn, &signed, &p).await.unwrap();
        ProposalRef {
            service: NodeId::parse(service).unwrap(),
            proposal: p.proposal,
        }
    }

    pub(crate) async fn withdraw(conn: &mut AnyConnection, r: &ProposalRef) {
        federated::apply_withdrawal(
            conn,
            r.service.as_str(),
            &ProposalWithdrawal {
                proposal: r.proposal,
                reason: None,
            },
        )
        .await
        .unwrap();
    }

    pub(crate) async fn give(conn: &mut AnyConnection, supporter: &str, r: &ProposalRef) {
        apply_support(
            conn,
            supporter,
            &Support {
                proposal: r.clone(),
                comment: None,
            },
            true,
        )
        .await
        .unwrap();
    }

    /// Every message of this node's log, oldest first, as (origin, body).
    pub(crate) async fn messages(conn: &mut AnyConnection) -> Vec<(String, Body)> {
        let rows = sqlx::query("SELECT envelope FROM messages ORDER BY pos")
            .fetch_all(conn)
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                let env =
                    SignedEnvelope::parse(r.try_get::<String, _>("envelope").unwrap().as_bytes())
                        .unwrap();
                (env.envelope().from.to_string(), env.body().unwrap())
            })
            .collect()
    }

    pub(crate) async fn last_body(conn: &mut AnyConnection) -> Body {
        messages(conn).await.pop().unwrap().1
    }

    pub(crate) fn ts(secs: i64) -> Timestamp {
        Timestamp::from_unix(secs).unwrap()
    }

    fn other<'a>(list: &'a [OtherProposal], r: &ProposalRef) -> &'a OtherProposal {
        list.iter()
            .find(|p| p.proposal_id == r.proposal && p.service_id == r.service.as_str())
            .unwrap()
    }

    #[tokio::test]
    async fn supports_count_distinct_services_with_the_origin() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        member(c, "ssm-a", "SSM A").await;
        let p = share(
            c,
            "ssm-a",
            "Rampe",
            "Une rampe",
            Theme::Accessibility,
            ProposalStatus::Idea,
        )
        .await;
        let q = share(
            c,
            "ssm-b",
            "Café",
            "Du café",
            Theme::Reception,
            ProposalStatus::Idea,
        )
        .await;

        let list = other_services_proposals(c, "ssm-c").await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(other(&list, &p).support, 1, "the origin backs its proposal");
        assert_eq!(other(&list, &p).service_name.as_deref(), Some("SSM A"));

        give(c, "ssm-b", &p).await;
        give(c, "ssm-b", &p).await; // twice: harmless
        give(c, "ssm-a", &p).await; // its own: the origin counts once
        let list = other_services_proposals(c, "ssm-c").await.unwrap();
        assert_eq!(other(&list, &p).support, 2);
        assert!(!other(&list, &p).supported_by_me);
        assert_eq!(list[0].proposal_id, p.proposal, "most supported first");

        give(c, "ssm-c", &p).await;
        let list = other_services_proposals(c, "ssm-c").await.unwrap();
        assert_eq!(other(&list, &p).support, 3);
        assert!(other(&list, &p).supported_by_me);
        assert!(!other(&list, &q).supported_by_me);
        // A service does not see its own proposals in this list.
        let of_b = other_services_proposals(c, "ssm-b").await.unwrap();
        assert_eq!(of_b.len(), 1);
        assert_eq!(of_b[0].proposal_id, p.proposal);
        assert!(of_b[0].supported_by_me);

        let withdrawal = Support {
            proposal: p.clone(),
            comment: None,
        };
        apply_support(c, "ssm-b", &withdrawal, false).await.unwrap();
        let list = other_services_proposals(c, "ssm-c").await.unwrap();
        assert_eq!(other(&list, &p).support, 2);
        let again = apply_support(c, "ssm-b", &withdrawal, false)
            .await
            .unwrap_err();
        assert_eq!(again.code(), "domain_rule");

        // Unknown or withdrawn proposals cannot be supported.
        let unknown = Support {
            proposal: ProposalRef {
                service: NodeId::parse("ssm-a").unwrap(),
                proposal: Uuid::now_v7(),
            },
            comment: None,
        };
        let e = apply_support(c, "ssm-b", &unknown, true).await.unwrap_err();
        assert_eq!(e.code(), "domain_rule");
        // Right id, wrong service: still unknown.
        let misattributed = Support {
            proposal: ProposalRef {
                service: NodeId::parse("ssm-b").unwrap(),
                proposal: p.proposal,
            },
            comment: None,
        };
        let e = apply_support(c, "ssm-c", &misattributed, true)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "domain_rule");
        withdraw(c, &q).await;
        let e = apply_support(
            c,
            "ssm-a",
            &Support {
                proposal: q.clone(),
                comment: None,
            },
            true,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "domain_rule");
        let list = other_services_proposals(c, "ssm-c").await.unwrap();
        assert_eq!(list.len(), 1, "withdrawn proposals are not shown");
    }

    #[tokio::test]
    async fn service_actions_sign_and_project() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let me = Me::service("ssm-c");
        let s = me.stream();
        let p = share(
            c,
            "ssm-a",
            "Rampe",
            "Une rampe",
            Theme::Accessibility,
            ProposalStatus::Idea,
        )
        .await;

        support(c, &s, p.clone(), Some("  Oui !  ".into()))
            .await
            .unwrap();
        match last_body(c).await {
            Body::SupportGiven(x) => {
                assert_eq!(x.proposal, p);
                assert_eq!(x.comment.as_deref(), Some("Oui !"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let list = other_services_proposals(c, "ssm-c").await.unwrap();
        assert_eq!(list[0].support, 2);
        assert!(list[0].supported_by_me);
        let twice = support(c, &s, p.clone(), None).await.unwrap_err();
        assert_eq!(twice.code(), "domain_rule");
        assert_eq!(messages(c).await.len(), 1, "a refusal signs nothing");

        // Its own shared proposal (in `proposals`, never received back).
        let own = crate::domain::proposals::create(
            c,
            "admin",
            &crate::domain::proposals::NewProposal {
                title: "Jardin".into(),
                description: "Un jardin".into(),
                theme: Theme::WellBeing,
                tags: vec![],
                origin: Origin::Member,
            },
        )
        .await
        .unwrap();
        let own_ref = ProposalRef {
            service: me.me.clone(),
            proposal: own,
        };
        let e = support(c, &s, own_ref.clone(), None).await.unwrap_err();
        assert_eq!(e.code(), "not_found", "not shared yet");
        crate::domain::proposals::share(c, &s, own).await.unwrap();
        support(c, &s, own_ref.clone(), None).await.unwrap();
        // Another service's support of it arrives relayed by the hub.
        give(c, "ssm-a", &own_ref).await;

        withdraw_support(c, &s, p.clone()).await.unwrap();
        match last_body(c).await {
            Body::SupportWithdrawn(x) => assert_eq!(x.proposal, p),
            other => panic!("unexpected {other:?}"),
        }
        assert!(!other_services_proposals(c, "ssm-c").await.unwrap()[0].supported_by_me);
        let e = withdraw_support(c, &s, p.clone()).await.unwrap_err();
        assert_eq!(e.code(), "domain_rule");

        let unknown = ProposalRef {
            service: NodeId::parse("ssm-a").unwrap(),
            proposal: Uuid::now_v7(),
        };
        assert_eq!(
            support(c, &s, unknown, None).await.unwrap_err().code(),
            "not_found"
        );
        withdraw(c, &p).await;
        assert_eq!(
            support(c, &s, p.clone(), None).await.unwrap_err().code(),
            "domain_rule"
        );
    }

    #[tokio::test]
    async fn agenda_items_are_signed_then_projected() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let me = Me::service("ssm-c");
        let s = me.stream();
        let p = share(
            c,
            "ssm-a",
            "Rampe",
            "Une rampe",
            Theme::Accessibility,
            ProposalStatus::Idea,
        )
        .await;

        assert_eq!(
            propose_agenda_item(c, &s, "  ", None, None, None)
                .await
                .unwrap_err()
                .code(),
            "invalid_field"
        );
        assert_eq!(
            propose_agenda_item(c, &s, "Accès", None, None, Some(Uuid::now_v7()))
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        let id = propose_agenda_item(c, &s, " Accès ", Some("La rampe"), Some(p.clone()), None)
            .await
            .unwrap();
        let row = sqlx::query("SELECT service_id, title, message_id, proposal_id FROM joint_agenda_items WHERE id = $1")
            .bind(id_text(&id))
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(row.try_get::<String, _>("service_id").unwrap(), "ssm-c");
        assert_eq!(row.try_get::<String, _>("title").unwrap(), "Accès");
        let message_id: String = row.try_get("message_id").unwrap();
        let (env_id,): (String,) =
            sqlx::query_as("SELECT id FROM messages ORDER BY pos DESC LIMIT 1")
                .fetch_one(&mut *c)
                .await
                .unwrap();
        assert_eq!(message_id, env_id);
        match last_body(c).await {
            Body::AgendaItemProposed(a) => {
                assert_eq!(a.item, id);
                assert_eq!(a.proposal, Some(p.clone()));
                assert_eq!(a.description.as_deref(), Some("La rampe"));
            }
            other => panic!("unexpected {other:?}"),
        }
        // The same item id cannot be proposed twice.
        let again = AgendaItemProposal {
            item: id,
            title: "x".into(),
            description: None,
            proposal: None,
            meeting: None,
        };
        assert_eq!(
            apply_agenda_item(c, "ssm-b", Uuid::now_v7(), &again)
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
    }

    #[tokio::test]
    async fn delegates_and_figures_are_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let d = |label: &str, role| Delegate {
            label: label.into(),
            role,
            term_start: Date::parse("2026-01-01").unwrap(),
            term_end: None,
        };
        let two = DelegateList {
            delegates: vec![
                d("Mireille", DelegateRole::Delegate),
                d("Suppléant·e 1", DelegateRole::Substitute),
            ],
        };
        apply_delegates(c, "ssm-a", &two).await.unwrap();
        apply_delegates(c, "ssm-b", &two).await.unwrap();
        assert_eq!(delegates_of(c, "ssm-a").await.unwrap(), two.delegates);
        let one = DelegateList {
            delegates: vec![d("Délégué·e 1", DelegateRole::Delegate)],
        };
        apply_delegates(c, "ssm-a", &one).await.unwrap();
        assert_eq!(delegates_of(c, "ssm-a").await.unwrap(), one.delegates);
        assert_eq!(delegates_of(c, "ssm-b").await.unwrap().len(), 2);

        let mut f = BTreeMap::new();
        f.insert("questionnaires_collected".to_owned(), 40);
        f.insert("wish_to_join".to_owned(), 6);
        let q3 = AggregateFigures {
            period: "2026-Q3".into(),
            figures: f.clone(),
        };
        apply_figures(c, "ssm-a", &q3).await.unwrap();
        f.remove("wish_to_join");
        apply_figures(
            c,
            "ssm-a",
            &AggregateFigures {
                period: "2026-Q3".into(),
                figures: f.clone(),
            },
        )
        .await
        .unwrap();
        apply_figures(
            c,
            "ssm-a",
            &AggregateFigures {
                period: "2026-Q4".into(),
                figures: f.clone(),
            },
        )
        .await
        .unwrap();
        let figures = figures_of(c, "ssm-a").await.unwrap();
        assert_eq!(figures.len(), 2);
        assert!(figures.iter().all(|x| x.name == "questionnaires_collected"));
        f.insert("bad".into(), -1);
        let e = apply_figures(
            c,
            "ssm-a",
            &AggregateFigures {
                period: "2026-Q4".into(),
                figures: f,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "domain_rule");
    }

    fn announced(meeting: Uuid, starts: i64, agenda: Vec<AgendaEntry>) -> JointMeeting {
        JointMeeting {
            meeting,
            title: "Comité inter-SSM".into(),
            starts_at: ts(starts),
            ends_at: Some(ts(starts + 7200)),
            place: "Charleroi".into(),
            format: "petit-déjeuner".into(),
            agenda,
            notice: None,
        }
    }

    fn entry(title: &str) -> AgendaEntry {
        AgendaEntry {
            title: title.into(),
            description: None,
            subject: None,
            proposals: vec![],
            proposed_by: None,
        }
    }

    #[tokio::test]
    async fn meetings_as_a_service_sees_them() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let t = now();
        let (m1, m2, past) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());

        let mut update = announced(m1, t + 86_400, vec![entry("Accueil")]);
        update.notice = Some("Nouvelle salle".into());
        assert_eq!(
            apply_meeting(c, &update, false).await.unwrap_err().code(),
            "domain_rule",
            "an update of an unknown meeting"
        );
        apply_meeting(c, &announced(m2, t + 2 * 86_400, vec![]), true)
            .await
            .unwrap();
        apply_meeting(
            c,
            &announced(m1, t + 86_400, vec![entry("Accueil"), entry("Café")]),
            true,
        )
        .await
        .unwrap();
        apply_meeting(c, &announced(past, t - 3 * 86_400, vec![]), true)
            .await
            .unwrap();
        apply_meeting(c, &update, false).await.unwrap();

        let up = upcoming_meetings(c, t).await.unwrap();
        assert_eq!(up.iter().map(|m| m.id).collect::<Vec<_>>(), vec![m1, m2]);
        assert_eq!(up[0].agenda.len(), 1, "an update replaces the agenda");
        assert_eq!(up[0].agenda[0].title, "Accueil");
        assert_eq!(up[0].notice.as_deref(), Some("Nouvelle salle"));

        apply_cancellation(
            c,
            &MeetingCancellation {
                meeting: m2,
                notice: "Grève des bus".into(),
            },
        )
        .await
        .unwrap();
        let up = upcoming_meetings(c, t).await.unwrap();
        assert_eq!(up.iter().map(|m| m.id).collect::<Vec<_>>(), vec![m1]);
        let cancelled = meeting(c, &m2).await.unwrap();
        assert_eq!(cancelled.status, CANCELLED);
        assert_eq!(cancelled.notice.as_deref(), Some("Grève des bus"));
        assert_eq!(
            apply_meeting(c, &announced(m2, t, vec![]), false)
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        let outcomes = |meeting| MeetingOutcomes {
            meeting,
            minutes: "PV".into(),
            outcomes: vec![],
        };
        assert_eq!(
            apply_outcomes(c, &outcomes(m2)).await.unwrap_err().code(),
            "domain_rule"
        );
        assert_eq!(
            apply_outcomes(c, &outcomes(Uuid::now_v7()))
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        apply_outcomes(c, &outcomes(past)).await.unwrap();
        assert_eq!(
            meeting(c, &past).await.unwrap().minutes.as_deref(),
            Some("PV")
        );
        assert_eq!(
            apply_cancellation(
                c,
                &MeetingCancellation {
                    meeting: Uuid::now_v7(),
                    notice: "x".into()
                }
            )
            .await
            .unwrap_err()
            .code(),
            "domain_rule"
        );
    }

    #[tokio::test]
    async fn outcomes_reach_the_services_whose_proposals_they_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let pa = share(
            c,
            "ssm-a",
            "Rampe",
            "Une rampe",
            Theme::Accessibility,
            ProposalStatus::Idea,
        )
        .await;
        let pb = share(
            c,
            "ssm-b",
            "Ascenseur",
            "Un ascenseur",
            Theme::Accessibility,
            ProposalStatus::Idea,
        )
        .await;
        let pd = share(
            c,
            "ssm-d",
            "Café",
            "Du café",
            Theme::Reception,
            ProposalStatus::Idea,
        )
        .await;
        let subject = Uuid::now_v7();
        apply_subject(
            c,
            &Subject {
                subject,
                title: "Accessibilité des locaux".into(),
                proposals: vec![pa.clone(), pb.clone()],
            },
        )
        .await
        .unwrap();
        let m = Uuid::now_v7();
        apply_meeting(c, &announced(m, now() - 3600, vec![entry("Tout")]), true)
            .await
            .unwrap();
        apply_outcomes(
            c,
            &MeetingOutcomes {
                meeting: m,
                minutes: "PV".into(),
                outcomes: vec![
                    Outcome {
                        subject: None,
                        proposals: vec![pd.clone()],
                        decision: "Le café sera servi.".into(),
                    },
                    Outcome {
                        subject: Some(subject),
                        proposals: vec![],
                        decision: "Courrier commun au pouvoir organisateur.".into(),
                    },
                    Outcome {
                        subject: None,
                        proposals: vec![pb.clone()],
                        decision: "L'ascenseur d'abord.".into(),
                    },
                ],
            },
        )
        .await
        .unwrap();
        let decisions =
            |list: Vec<MyOutcome>| list.into_iter().map(|o| o.decision).collect::<Vec<_>>();
        assert_eq!(
            decisions(outcomes_for_my_proposals(c, "ssm-a").await.unwrap()),
            vec!["Courrier commun au pouvoir organisateur."]
        );
        let of_b = outcomes_for_my_proposals(c, "ssm-b").await.unwrap();
        assert_eq!(of_b.len(), 2);
        assert_eq!(
            of_b[0].subject_title.as_deref(),
            Some("Accessibilité des locaux")
        );
        assert_eq!(of_b[1].proposals, vec![pb.clone()]);
        assert_eq!(
            decisions(outcomes_for_my_proposals(c, "ssm-d").await.unwrap()),
            vec!["Le café sera servi."]
        );
        assert!(outcomes_for_my_proposals(c, "ssm-e")
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn subjects_keep_a_proposal_in_one_place() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let pa = share(
            c,
            "ssm-a",
            "Rampe",
            "Une rampe",
            Theme::Accessibility,
            ProposalStatus::Idea,
        )
        .await;
        let (s1, s2) = (Uuid::now_v7(), Uuid::now_v7());
        let subject = |id, proposals| Subject {
            subject: id,
            title: "Accès".into(),
            proposals,
        };
        apply_subject(c, &subject(s1, vec![pa.clone()]))
            .await
            .unwrap();
        assert_eq!(
            apply_subject(c, &subject(s2, vec![pa.clone()]))
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        assert_eq!(
            apply_subject(c, &subject(s1, vec![pa.clone(), pa.clone()]))
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        apply_subject(c, &subject(s1, vec![])).await.unwrap();
        apply_subject(c, &subject(s2, vec![pa.clone()]))
            .await
            .unwrap();
        let (dissolved,): (i64,) = sqlx::query_as("SELECT dissolved FROM subjects WHERE id = $1")
            .bind(id_text(&s1))
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(dissolved, 1);
    }
}
