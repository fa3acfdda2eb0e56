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

use passerelle_protocol::body::Text;
use passerelle_protocol::body::{
    AgendaEntry, AgendaItemProposal, AggregateFigures, Delegate, DelegateList, DelegateRole,
    JointMeeting, ManagementAnswer, MeetingCancellation, MeetingOutcomes, Origin, ProposalRef,
    ProposalStatus, Subject, Support, Theme,
};
use passerelle_protocol::{Body, CanonicalValue, Date, NodeId, SignedEnvelope, Timestamp};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::federated::enum_text;
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::log::OwnStream;
use crate::validate::{not_found, optional_text, text};

mod apply;
mod outcomes;
pub mod positions;
pub use apply::*;
pub mod suggestions;
mod supporters;
pub use outcomes::*;
pub use positions::{apply_position, apply_position_withdrawal};
pub use supporters::*;

/// Meeting status: prepared at the hub, not announced yet.
pub const DRAFT: &str = "draft";
/// Meeting status: announced to the services.
pub const PUBLISHED: &str = "published";
/// Meeting status: announced, then cancelled.
pub const CANCELLED: &str = "cancelled";

/// SQL for the support of the proposal `f` (a `federated_proposals` row):
/// the number of distinct services backing it, its origin included. Its
/// `support` column holds this, written by [`refresh_support`]; reads use
/// the column (lists sort by it through an index).
pub(crate) const SUPPORT_SQL: &str = "(1 + (SELECT COUNT(*) FROM supports s \
     WHERE s.service_id = f.service_id AND s.proposal_id = f.proposal_id \
     AND s.supporter <> f.service_id))";

/// Writes [`SUPPORT_SQL`] into the proposal's `support` column. Called
/// wherever supports change, in the same transaction. (On a service, its
/// own proposals have no row here: nothing to write.)
pub(crate) async fn refresh_support(
    conn: &mut AnyConnection,
    service: &str,
    proposal: &str,
) -> Result<(), NodeError> {
    sqlx::query(&format!(
        "UPDATE federated_proposals AS f SET support = {SUPPORT_SQL} \
         WHERE f.service_id = $1 AND f.proposal_id = $2"
    ))
    .bind(service)
    .bind(proposal)
    .execute(conn)
    .await?;
    Ok(())
}

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

/// An optional stored id, read back from column `name`.
pub(crate) fn stored_id(r: &sqlx::any::AnyRow, name: &str) -> Result<Option<Uuid>, NodeError> {
    r.try_get::<Option<String>, _>(name)?
        .as_deref()
        .map(parse_uuid)
        .transpose()
}

/// An optional proposal reference stored in two columns (service, id).
pub(crate) fn stored_ref(
    r: &sqlx::any::AnyRow,
    service: &str,
    proposal: &str,
) -> Result<Option<ProposalRef>, NodeError> {
    match (
        r.try_get::<Option<String>, _>(service)?,
        r.try_get::<Option<String>, _>(proposal)?,
    ) {
        (Some(s), Some(p)) => Ok(Some(proposal_ref(&s, &p)?)),
        _ => Ok(None),
    }
}

pub(crate) fn refs_from_text(text: &str) -> Result<Vec<ProposalRef>, NodeError> {
    serde_json::from_str(text)
        .map_err(|_| NodeError::config(format!("unexpected stored proposal list {text:?}")))
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
        .map_err(|e| {
            rule(
                Rule::UnreadableMessage,
                format!("this message could not be read by the others: {e}"),
            )
        })?;
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
        ProposalState::Withdrawn => Err(rule(
            Rule::NoLongerShared,
            format!(
                "proposal {} of {} is no longer shared",
                r.proposal, r.service
            ),
        )),
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
             subject_id, proposals, proposed_by, item_id, point_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(position as i64)
        .bind(super::erasure::stored_title(&e.entry.title))
        .bind(e.entry.description.as_ref().map(Text::or_empty))
        .bind(e.entry.subject.as_ref().map(id_text))
        .bind(refs_text(&e.entry.proposals)?)
        .bind(e.entry.proposed_by.as_ref().map(|n| n.as_str().to_owned()))
        .bind(e.item.as_ref().map(id_text))
        .bind(e.entry.point.as_ref().map(id_text))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// A service's actions.

/// The committee supports a shared proposal (another service's, or its
/// own: the origin counts as backing it anyway, so that changes no count).
/// Without a `stream` (the service has not joined), refused once the
/// comment is found acceptable.
pub async fn support(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    proposal: ProposalRef,
    comment: Option<String>,
) -> Result<(), NodeError> {
    let comment = optional_text("comment", comment.as_deref(), 1000)?;
    let stream = stream.ok_or_else(crate::domain::not_joined)?;
    require_shared_for_action(conn, &proposal).await?;
    let me = stream.me.as_str();
    if supports_it(conn, &proposal, me).await? {
        return Err(rule(
            Rule::AlreadySupported,
            "the committee already supports this proposal",
        ));
    }
    let support = Support {
        proposal,
        comment: comment.map(Text::from),
    };
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
        return Err(rule(
            Rule::NotSupported,
            "the committee does not support this proposal",
        ));
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
            Some(CANCELLED) => {
                return Err(rule(
                    Rule::JointMeetingCancelled,
                    "this joint meeting was cancelled",
                ))
            }
            _ => return Err(not_found(format!("joint meeting {m}"))),
        }
    }
    let item = AgendaItemProposal {
        item: Uuid::now_v7(),
        title: title.into(),
        description: description.map(Text::from),
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
    /// The entry's own id, kept while it stays on the agenda: what a
    /// committee's position names (absent from older announcements).
    pub point: Option<Uuid>,
}

impl AgendaLine {
    /// The entry as announced in `meeting.published` / `meeting.updated`.
    pub fn to_entry(&self) -> Result<AgendaEntry, NodeError> {
        Ok(AgendaEntry {
            title: self.title.clone().into(),
            description: self.description.clone().map(Text::from),
            subject: self.subject,
            proposals: self.proposals.clone(),
            proposed_by: self.proposed_by.as_deref().map(NodeId::parse).transpose()?,
            point: self.point,
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
    /// How to get there, if the coordinator said.
    pub directions: Option<String>,
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
        "SELECT position, title, description, subject_id, proposals, proposed_by, item_id, point_id \
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
                point: r
                    .try_get::<Option<String>, _>("point_id")?
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?,
            })
        })
        .collect()
}

const MEETING_COLUMNS: &str =
    "id, title, starts_at, ends_at, place, directions, format, status, notice, minutes";

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
        directions: r.try_get("directions")?,
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
    /// The services backing it (its origin left out), with their words.
    pub supporters: Vec<Supporter>,
    /// When this node first received it (Unix seconds).
    pub first_shared_at: i64,
}

/// Other services' proposals still shared, most supported first.
pub async fn other_services_proposals(
    conn: &mut AnyConnection,
    me: &str,
) -> Result<Vec<OtherProposal>, NodeError> {
    let rows = sqlx::query(
        "SELECT f.service_id, p.name AS service_name, f.proposal_id, f.title, f.description, \
         f.theme, f.tags, f.origin, f.status, f.answer_text, f.answer_date, sp.subject_id, \
         f.support, f.first_shared_at, \
         (SELECT COUNT(*) FROM supports m WHERE m.service_id = f.service_id \
          AND m.proposal_id = f.proposal_id AND m.supporter = $1) AS mine \
         FROM federated_proposals f \
         LEFT JOIN peers p ON p.id = f.service_id \
         LEFT JOIN subject_proposals sp ON sp.service_id = f.service_id AND sp.proposal_id = f.proposal_id \
         WHERE f.withdrawn = 0 AND f.service_id <> $2 \
         ORDER BY f.support DESC, f.updated_at DESC, f.service_id, f.proposal_id",
    )
    .bind(me)
    .bind(me)
    .fetch_all(&mut *conn)
    .await?;
    let mut list = rows
        .iter()
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
                supporters: Vec::new(),
                first_shared_at: r
                    .try_get::<Option<i64>, _>("first_shared_at")?
                    .unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, NodeError>>()?;
    let keys: Vec<(String, Uuid)> = list
        .iter()
        .map(|p| (p.service_id.clone(), p.proposal_id))
        .collect();
    let mut supporters = supporters_of(conn, &keys).await?;
    for p in &mut list {
        p.supporters = supporters
            .remove(&(p.service_id.clone(), p.proposal_id))
            .unwrap_or_default();
    }
    Ok(list)
}

/// Management's answer from `answer_text` / `answer_date` columns.
pub(crate) fn answer(r: &sqlx::any::AnyRow) -> Result<Option<ManagementAnswer>, NodeError> {
    match (
        r.try_get::<Option<String>, _>("answer_text")?,
        r.try_get::<Option<String>, _>("answer_date")?,
    ) {
        (Some(text), Some(date)) => Ok(Some(ManagementAnswer {
            text: text.into(),
            date: Date::parse(&date)?,
        })),
        _ => Ok(None),
    }
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
                label: r.try_get::<String, _>("label")?.into(),
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

#[cfg(any(test, feature = "testing"))]
pub mod fixtures;
#[cfg(test)]
mod tests;
