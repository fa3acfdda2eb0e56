//! The local committee's own meetings: agenda, attendance, minutes and
//! decisions. None of it leaves the node.
//!
//! Minutes follow the user-council practice: a draft (possibly written by a
//! user acting as secretary) is adopted at a *later* meeting, then sent to
//! the service's management. At each meeting the committee also reviews
//! what management answered since the previous one
//! ([`answers_since_previous_meeting`]), so questions brought to management
//! get followed up.
//!
//! Mistakes are corrected, not kept for ever ([`corrections`]): a meeting
//! is moved or rescheduled, cancelled (kept in the list, marked, so the
//! committee's history stays true), or deleted while nothing was recorded
//! at it. Once its minutes are adopted, what they record (attendance,
//! decisions) no longer changes: adopted minutes are the record. Dates get
//! common sense: a meeting in the past is recorded only when the person
//! says so (typing in an old meeting is legitimate), and minutes are
//! adopted only at a meeting that has taken place.

use std::collections::BTreeSet;

use passerelle_protocol::body::{ProposalRef, ProposalStatus};
use passerelle_protocol::{Date, Timestamp};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::delegates::today;
use crate::domain::federated::enum_text;
use crate::domain::federated::parse_enum;
use crate::domain::members::{self, stored_uuid};
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::validate::{invalid, not_found, optional_text, text};

/// Whether a member came to a meeting.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Present,
    Excused,
    Absent,
}

impl AttendanceStatus {
    /// The status in plain French, for pages and printed minutes.
    pub fn label(&self) -> &'static str {
        match self {
            AttendanceStatus::Present => "Présent·e",
            AttendanceStatus::Excused => "Excusé·e",
            AttendanceStatus::Absent => "Absent·e",
        }
    }
}

/// Where a meeting's minutes are in their workflow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MinutesStatus {
    /// Written, may still change.
    Draft,
    /// Approved by the committee at a later meeting; no longer changes.
    Adopted,
    /// Adopted and given to the service's management.
    SentToManagement,
}

impl MinutesStatus {
    /// The status in plain French.
    pub fn label(&self) -> &'static str {
        match self {
            MinutesStatus::Draft => "Brouillon",
            MinutesStatus::Adopted => "Adopté",
            MinutesStatus::SentToManagement => "Envoyé à la direction",
        }
    }
}

/// What a new meeting needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct NewMeeting {
    /// 1 to 200 characters.
    pub title: String,
    /// Unix seconds.
    pub starts_at: i64,
    /// 1 to 200 characters.
    pub place: String,
    /// e.g. "réunion", "petit-déjeuner" (1 to 80 characters).
    pub format: String,
    /// Says that a date in the past is meant (a meeting that already took
    /// place, typed in afterwards). Without it, a past date is refused
    /// (`PastMeetingNeedsConfirmation`).
    #[serde(default)]
    pub in_the_past: bool,
}

/// A meeting, without its contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: Uuid,
    pub title: String,
    /// Unix seconds.
    pub starts_at: i64,
    pub place: String,
    pub format: String,
    /// `None` until minutes are drafted.
    pub minutes_status: Option<MinutesStatus>,
    /// When it was cancelled (Unix seconds); a cancelled meeting stays in
    /// the list and takes no more attendance, minutes or decisions.
    pub cancelled_at: Option<i64>,
    /// Why, if the person said.
    pub cancel_reason: Option<String>,
}

/// What a new agenda item needs.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
pub struct NewAgendaItem {
    /// 1 to 200 characters.
    pub title: String,
    /// At most 2000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// One of this service's proposals, if the item is about it.
    #[serde(default)]
    pub proposal: Option<Uuid>,
    /// Another service's shared proposal, if the item is about it.
    #[serde(default)]
    pub shared_proposal: Option<ProposalRef>,
    /// A joint meeting to prepare, if the item is about it: the whole
    /// meeting, or one point of its agenda (`joint_point`).
    #[serde(default)]
    pub joint_meeting: Option<Uuid>,
    /// A point of `joint_meeting`'s agenda (its `point` id).
    #[serde(default)]
    pub joint_point: Option<Uuid>,
}

/// One agenda item, in its place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AgendaItem {
    pub id: Uuid,
    /// 1, 2, 3… in agenda order (gaps may appear after a removal).
    pub position: i64,
    pub title: String,
    pub description: Option<String>,
    pub proposal: Option<Uuid>,
    /// The linked proposal's title, for display.
    pub proposal_title: Option<String>,
    /// Another service's shared proposal the item is about.
    pub shared_proposal: Option<ProposalRef>,
    /// Its title, as this node knows it.
    pub shared_proposal_title: Option<String>,
    /// The joint meeting the item prepares.
    pub joint_meeting: Option<Uuid>,
    /// Its title, as announced.
    pub joint_meeting_title: Option<String>,
    /// The point of the joint meeting's agenda; none: the whole meeting.
    pub joint_point: Option<Uuid>,
}

/// Whether one member attended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Attendance {
    pub member_id: Uuid,
    pub display_name: String,
    pub status: AttendanceStatus,
}

/// A meeting's minutes and where they are in the workflow.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Minutes {
    pub status: MinutesStatus,
    pub text: String,
    /// The member who wrote them, if the committee chose one (often a user).
    pub secretary: Option<Uuid>,
    /// Unix seconds of the last draft.
    pub drafted_at: i64,
    /// The later meeting at which they were adopted.
    pub adopted_at_meeting: Option<Uuid>,
    /// Unix seconds of the adoption record.
    pub adopted_at: Option<i64>,
    /// The day they were sent to management.
    pub sent_to_management_on: Option<Date>,
}

/// A decision taken at a meeting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub id: Uuid,
    pub text: String,
    pub proposal: Option<Uuid>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A meeting with everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub agenda: Vec<AgendaItem>,
    pub attendance: Vec<Attendance>,
    pub minutes: Option<Minutes>,
    pub decisions: Vec<Decision>,
}

/// Management's answer to one of the committee's proposals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Answer {
    pub proposal_id: Uuid,
    pub title: String,
    /// `accepted`, `adapted` or `refused`.
    pub status: ProposalStatus,
    /// Management's words (the proposal's latest answer text).
    pub answer_text: Option<String>,
    /// When the answer was recorded (Unix seconds).
    pub answered_at: i64,
}

fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

fn optional_uuid(value: Option<String>) -> Result<Option<Uuid>, NodeError> {
    value.as_deref().map(stored_uuid).transpose()
}

/// Whether a meeting starting at `starts_at` has taken place (it has
/// started), by the node's clock.
pub fn has_taken_place(starts_at: i64) -> bool {
    starts_at <= now()
}

/// A meeting's checked fields: title, place, format (trimmed by the
/// caller), and a start that is possible and, if past, confirmed.
fn checked(m: &NewMeeting) -> Result<(String, String, String), NodeError> {
    let title = text("title", &m.title, 200)?;
    let place = text("place", &m.place, 200)?;
    let format = text("format", &m.format, 80)?;
    Timestamp::from_unix(m.starts_at)
        .map_err(|_| invalid("starts_at", "a time between years 0000 and 9999"))?;
    Ok((title, place, format))
}

/// Refuses a date in the past unless the person confirmed it.
fn past_confirmed(m: &NewMeeting) -> Result<(), NodeError> {
    if has_taken_place(m.starts_at) && !m.in_the_past {
        return Err(rule(
            Rule::PastMeetingNeedsConfirmation,
            "cette date est passée : confirmez que la réunion a déjà eu lieu",
        ));
    }
    Ok(())
}

/// Records a new meeting.
pub async fn create(conn: &mut AnyConnection, m: &NewMeeting) -> Result<Uuid, NodeError> {
    let (title, place, format) = checked(m)?;
    past_confirmed(m)?;
    let id = Uuid::now_v7();
    let t = now();
    sqlx::query(
        "INSERT INTO meetings (id, title, starts_at, place, format, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id_text(id))
    .bind(title)
    .bind(m.starts_at)
    .bind(place)
    .bind(format)
    .bind(t)
    .bind(t)
    .execute(conn)
    .await?;
    Ok(id)
}

const COLUMNS: &str = "id, title, starts_at, place, format, minutes_status, minutes_text, \
     minutes_secretary_id, minutes_drafted_at, minutes_adopted_at_meeting, minutes_adopted_at, \
     minutes_sent_on, cancelled_at, cancel_reason";

fn meeting(row: &sqlx::any::AnyRow) -> Result<Meeting, NodeError> {
    Ok(Meeting {
        id: stored_uuid(&row.try_get::<String, _>("id")?)?,
        title: row.try_get("title")?,
        starts_at: row.try_get("starts_at")?,
        place: row.try_get("place")?,
        format: row.try_get("format")?,
        minutes_status: row
            .try_get::<Option<String>, _>("minutes_status")?
            .map(|s| parse_enum(&s))
            .transpose()?,
        cancelled_at: row.try_get("cancelled_at")?,
        cancel_reason: row.try_get("cancel_reason")?,
    })
}

/// Refuses anything new on a cancelled meeting.
fn not_cancelled(m: &Meeting) -> Result<(), NodeError> {
    if m.cancelled_at.is_some() {
        return Err(rule(
            Rule::MeetingCancelled,
            "cette réunion est annulée : on n'y note plus de présences, de procès-verbal ni de décisions",
        ));
    }
    Ok(())
}

/// Refuses changing what adopted minutes record (attendance, decisions,
/// the meeting itself).
fn record_open(m: &Meeting) -> Result<(), NodeError> {
    if m.minutes_status.is_some_and(|s| s != MinutesStatus::Draft) {
        return Err(rule(
            Rule::AdoptedRecordIsFinal,
            "le procès-verbal de cette réunion est adopté : ce qu'il note ne change plus",
        ));
    }
    Ok(())
}

/// A meeting that can still be recorded into: not cancelled, its minutes
/// not adopted.
async fn open_meeting(conn: &mut AnyConnection, id: Uuid) -> Result<Meeting, NodeError> {
    let m = meeting(&row(conn, id).await?)?;
    not_cancelled(&m)?;
    record_open(&m)?;
    Ok(m)
}

fn minutes(row: &sqlx::any::AnyRow) -> Result<Option<Minutes>, NodeError> {
    let Some(status) = row.try_get::<Option<String>, _>("minutes_status")? else {
        return Ok(None);
    };
    Ok(Some(Minutes {
        status: parse_enum(&status)?,
        text: row
            .try_get::<Option<String>, _>("minutes_text")?
            .unwrap_or_default(),
        secretary: optional_uuid(row.try_get("minutes_secretary_id")?)?,
        drafted_at: row
            .try_get::<Option<i64>, _>("minutes_drafted_at")?
            .unwrap_or_default(),
        adopted_at_meeting: optional_uuid(row.try_get("minutes_adopted_at_meeting")?)?,
        adopted_at: row.try_get("minutes_adopted_at")?,
        sent_to_management_on: row
            .try_get::<Option<String>, _>("minutes_sent_on")?
            .map(|d| Date::parse(&d))
            .transpose()?,
    }))
}

async fn row(conn: &mut AnyConnection, id: Uuid) -> Result<sqlx::any::AnyRow, NodeError> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM meetings WHERE id = $1"))
        .bind(id_text(id))
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| not_found(format!("meeting {id}")))
}

async fn require_proposal(conn: &mut AnyConnection, id: Option<Uuid>) -> Result<(), NodeError> {
    let Some(id) = id else { return Ok(()) };
    let found = sqlx::query("SELECT 1 AS one FROM proposals WHERE id = $1")
        .bind(id_text(id))
        .fetch_optional(conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(not_found(format!("proposal {id}"))),
    }
}

/// The meetings, most recent first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Meeting>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM meetings ORDER BY starts_at DESC, id DESC"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(meeting).collect()
}

/// One meeting with its agenda, attendance, minutes and decisions.
pub async fn get(conn: &mut AnyConnection, id: Uuid) -> Result<MeetingDetail, NodeError> {
    let r = row(conn, id).await?;
    let agenda = agenda::items(conn, id).await?;
    let attendance = sqlx::query(
        "SELECT a.member_id, m.display_name, a.status FROM meeting_attendance a \
         JOIN members m ON m.id = a.member_id WHERE a.meeting_id = $1 ORDER BY m.display_name, m.id",
    )
    .bind(id_text(id))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Attendance {
            member_id: stored_uuid(&r.try_get::<String, _>("member_id")?)?,
            display_name: r.try_get("display_name")?,
            status: parse_enum(&r.try_get::<String, _>("status")?)?,
        })
    })
    .collect::<Result<_, NodeError>>()?;
    let decisions = sqlx::query(
        "SELECT id, text, proposal_id, created_at FROM meeting_decisions \
         WHERE meeting_id = $1 ORDER BY created_at, id",
    )
    .bind(id_text(id))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Decision {
            id: stored_uuid(&r.try_get::<String, _>("id")?)?,
            text: r.try_get("text")?,
            proposal: optional_uuid(r.try_get("proposal_id")?)?,
            created_at: r.try_get("created_at")?,
        })
    })
    .collect::<Result<_, NodeError>>()?;
    Ok(MeetingDetail {
        meeting: meeting(&r)?,
        agenda,
        attendance,
        minutes: minutes(&r)?,
        decisions,
    })
}

/// Records (or corrects) whether a member attended. Refused for a member
/// who had left the committee before the meeting.
pub async fn record_attendance(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    member_id: Uuid,
    status: AttendanceStatus,
) -> Result<(), NodeError> {
    let m = open_meeting(conn, meeting_id).await?;
    let member = members::get(conn, member_id).await?;
    if member.left_at.is_some_and(|left| left < m.starts_at) {
        return Err(rule(
            Rule::MemberLeftBeforeMeeting,
            "ce membre avait quitté le comité avant cette réunion",
        ));
    }
    sqlx::query(
        "INSERT INTO meeting_attendance (meeting_id, member_id, status, recorded_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status, \
         recorded_at = excluded.recorded_at",
    )
    .bind(id_text(meeting_id))
    .bind(id_text(member_id))
    .bind(enum_text(&status))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes (or rewrites) the draft minutes, optionally naming the member
/// who acts as secretary. Refused once the minutes are adopted.
pub async fn draft_minutes(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    minutes_text: &str,
    secretary: Option<Uuid>,
) -> Result<(), NodeError> {
    let body = text("text", minutes_text, 20_000)?;
    let m = meeting(&row(conn, meeting_id).await?)?;
    not_cancelled(&m)?;
    if m.minutes_status.is_some_and(|s| s != MinutesStatus::Draft) {
        return Err(rule(
            Rule::AdoptedMinutesAreFinal,
            "ce procès-verbal est déjà adopté : il ne peut plus être modifié",
        ));
    }
    if let Some(s) = secretary {
        members::get(conn, s).await?;
    }
    let t = now();
    sqlx::query(
        "UPDATE meetings SET minutes_status = 'draft', minutes_text = $1, minutes_secretary_id = $2, \
         minutes_drafted_at = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(body)
    .bind(secretary.map(id_text))
    .bind(t)
    .bind(t)
    .bind(id_text(meeting_id))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that the draft minutes of `meeting_id` were adopted at the
/// meeting `adopted_at_meeting`, which must take place later.
pub async fn adopt_minutes(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    adopted_at_meeting: Uuid,
) -> Result<(), NodeError> {
    let m = meeting(&row(conn, meeting_id).await?)?;
    let at = meeting(&row(conn, adopted_at_meeting).await?)?;
    match m.minutes_status {
        None => {
            return Err(rule(
                Rule::NoMinutesToAdopt,
                "il n'y a pas encore de procès-verbal à adopter",
            ))
        }
        Some(MinutesStatus::Draft) => {}
        Some(_) => {
            return Err(rule(
                Rule::MinutesAlreadyAdopted,
                "ce procès-verbal est déjà adopté",
            ))
        }
    }
    if at.id == m.id || at.starts_at <= m.starts_at {
        return Err(rule(
            Rule::AdoptionAtALaterMeeting,
            "un procès-verbal s'adopte lors d'une réunion suivante, pas pendant la réunion elle-même ni avant",
        ));
    }
    not_cancelled(&at)?;
    if !has_taken_place(at.starts_at) {
        return Err(rule(
            Rule::AdoptionAtAMeetingHeld,
            "un procès-verbal s'adopte à une réunion qui a déjà eu lieu : attendez cette réunion",
        ));
    }
    let t = now();
    sqlx::query(
        "UPDATE meetings SET minutes_status = 'adopted', minutes_adopted_at_meeting = $1, \
         minutes_adopted_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(id_text(at.id))
    .bind(t)
    .bind(t)
    .bind(id_text(meeting_id))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that the adopted minutes were sent to management today.
pub async fn send_minutes_to_management(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
) -> Result<(), NodeError> {
    let r = row(conn, meeting_id).await?;
    let m = meeting(&r)?;
    match m.minutes_status {
        Some(MinutesStatus::Adopted) => {}
        Some(MinutesStatus::SentToManagement) => {
            return Err(rule(
                Rule::MinutesAlreadySent,
                "ce procès-verbal a déjà été envoyé à la direction",
            ))
        }
        _ => {
            return Err(rule(
                Rule::OnlyAdoptedMinutesAreSent,
                "seul un procès-verbal adopté par le comité peut être envoyé à la direction",
            ))
        }
    }
    // Adoption needs a meeting held; should that meeting have been moved
    // since, the minutes still wait for it.
    if let Some(at) = minutes(&r)?.and_then(|x| x.adopted_at_meeting) {
        let at = meeting(&row(conn, at).await?)?;
        if !has_taken_place(at.starts_at) {
            return Err(rule(
                Rule::SentAfterAdoptionMeeting,
                "un procès-verbal s'envoie à la direction après la réunion qui l'adopte",
            ));
        }
    }
    sqlx::query(
        "UPDATE meetings SET minutes_status = 'sent_to_management', minutes_sent_on = $1, \
         updated_at = $2 WHERE id = $3",
    )
    .bind(today().to_string())
    .bind(now())
    .bind(id_text(meeting_id))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a decision taken at the meeting, optionally about a proposal.
pub async fn record_decision(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    decision: &str,
    proposal: Option<Uuid>,
) -> Result<Uuid, NodeError> {
    let decision = text("text", decision, 2000)?;
    open_meeting(conn, meeting_id).await?;
    require_proposal(conn, proposal).await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO meeting_decisions (id, meeting_id, text, proposal_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id_text(id))
    .bind(id_text(meeting_id))
    .bind(decision)
    .bind(proposal.map(id_text))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(id)
}

/// What management answered (accepted, adapted, refused) after the previous
/// meeting started and up to this one's start, oldest first. For the first
/// meeting, every answer up to its start.
pub async fn answers_since_previous_meeting(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
) -> Result<Vec<Answer>, NodeError> {
    let (after, until) = window(conn, meeting_id).await?;
    answers_between(conn, after, until).await
}

/// What a meeting reviews: from the start of the meeting before it
/// (`i64::MIN` for the first) to its own start (Unix seconds).
pub async fn window(conn: &mut AnyConnection, meeting_id: Uuid) -> Result<(i64, i64), NodeError> {
    let m = meeting(&row(conn, meeting_id).await?)?;
    let previous: Option<i64> =
        sqlx::query("SELECT MAX(starts_at) AS prev FROM meetings WHERE starts_at < $1")
            .bind(m.starts_at)
            .fetch_one(&mut *conn)
            .await?
            .try_get("prev")?;
    Ok((previous.unwrap_or(i64::MIN), m.starts_at))
}

/// What management answered (accepted, adapted, refused) after `after` and
/// up to `until` (Unix seconds), oldest first.
pub async fn answers_between(
    conn: &mut AnyConnection,
    after: i64,
    until: i64,
) -> Result<Vec<Answer>, NodeError> {
    let rows = sqlx::query(
        "SELECT h.proposal_id, h.to_status, h.at, p.title, p.answer_text \
         FROM proposal_history h JOIN proposals p ON p.id = h.proposal_id \
         WHERE h.at > $1 AND h.at <= $2 AND h.to_status IN ('accepted', 'adapted', 'refused') \
         ORDER BY h.at, h.id",
    )
    .bind(after)
    .bind(until)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Answer {
                proposal_id: stored_uuid(&r.try_get::<String, _>("proposal_id")?)?,
                title: r.try_get("title")?,
                status: parse_enum(&r.try_get::<String, _>("to_status")?)?,
                answer_text: r.try_get("answer_text")?,
                answered_at: r.try_get("at")?,
            })
        })
        .collect()
}

mod agenda;
mod corrections;
pub use agenda::*;
pub use corrections::*;

#[cfg(test)]
mod tests;
