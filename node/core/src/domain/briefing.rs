//! What a committee takes to a meeting on paper: the delegate's pack for a
//! joint meeting, and "what is new since our last meeting" for members who
//! do not use a screen. Both only read; the pages print them on A4.

use passerelle_protocol::body::{ProposalRef, ProposalStatus};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::domain::federated::parse_enum;
use crate::domain::joint::{self, id_text, AgendaLine, MeetingView, MyOutcome, OtherProposal};
use crate::domain::meetings::{self, Answer, Meeting};
use crate::domain::positions::{self, CommitteePosition, Topic};
use crate::error::NodeError;

/// A proposal as it stands now, with the services that support it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ProposalNow {
    pub proposal: ProposalRef,
    pub title: String,
    pub status: ProposalStatus,
    /// Management's answer, in its words.
    pub answer: Option<String>,
    /// The services supporting it besides its own, first supporter first.
    pub supporters: Vec<String>,
    /// Our committee's position on it, if it took one.
    pub our_position: Option<CommitteePosition>,
}

/// One point of a joint meeting's agenda, prepared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PackPoint {
    pub line: AgendaLine,
    /// Our committee's position on the point.
    pub our_position: Option<CommitteePosition>,
    pub proposals: Vec<ProposalNow>,
}

/// A decision of the previous joint meeting, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PastDecision {
    pub decision: String,
    pub subject_title: Option<String>,
    /// The proposals it named, as they stand now.
    pub proposals: Vec<ProposalNow>,
}

/// The previous joint meeting whose outcomes were recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PreviousMeeting {
    pub meeting: MeetingView,
    pub decisions: Vec<PastDecision>,
}

/// Everything a delegate takes to one joint meeting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DelegatePack {
    pub meeting: MeetingView,
    /// Our committee's position on the meeting as a whole.
    pub our_position: Option<CommitteePosition>,
    pub points: Vec<PackPoint>,
    pub previous: Option<PreviousMeeting>,
}

/// A proposal of any service as this node knows it now (`me`'s own from
/// its records, the others' from what they shared); `None` if unknown.
pub async fn proposal_now(
    conn: &mut AnyConnection,
    me: &str,
    r: &ProposalRef,
) -> Result<Option<ProposalNow>, NodeError> {
    let id = id_text(&r.proposal);
    let row = if r.service.as_str() == me {
        sqlx::query("SELECT title, status, answer_text FROM proposals WHERE id = $1")
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?
    } else {
        sqlx::query(
            "SELECT title, status, answer_text FROM federated_proposals \
             WHERE service_id = $1 AND proposal_id = $2",
        )
        .bind(r.service.as_str())
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?
    };
    let Some(row) = row else { return Ok(None) };
    let supporters = sqlx::query(
        "SELECT supporter FROM supports WHERE service_id = $1 AND proposal_id = $2 \
         AND supporter <> $1 ORDER BY given_at, supporter",
    )
    .bind(r.service.as_str())
    .bind(&id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|x| x.try_get::<String, _>("supporter"))
    .collect::<Result<Vec<_>, _>>()?;
    let our_position = positions::on(
        conn,
        &Topic {
            meeting: None,
            point: None,
            proposal: Some(r.clone()),
        },
    )
    .await?;
    Ok(Some(ProposalNow {
        proposal: r.clone(),
        title: row.try_get("title")?,
        status: parse_enum(&row.try_get::<String, _>("status")?)?,
        answer: row.try_get("answer_text")?,
        supporters,
        our_position,
    }))
}

async fn proposals_now(
    conn: &mut AnyConnection,
    me: &str,
    refs: &[ProposalRef],
) -> Result<Vec<ProposalNow>, NodeError> {
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        if let Some(p) = proposal_now(conn, me, r).await? {
            out.push(p);
        }
    }
    Ok(out)
}

/// The delegate's pack for the joint meeting `id`, as `me` prepared it.
pub async fn delegate_pack(
    conn: &mut AnyConnection,
    me: &str,
    id: &Uuid,
) -> Result<DelegatePack, NodeError> {
    let meeting = joint::meeting(conn, id).await?;
    let topic = |point: Option<Uuid>| Topic {
        meeting: Some(*id),
        point,
        proposal: None,
    };
    let our_position = positions::on(conn, &topic(None)).await?;
    let mut points = Vec::with_capacity(meeting.agenda.len());
    for line in &meeting.agenda {
        let our_position = match line.point {
            Some(p) => positions::on(conn, &topic(Some(p))).await?,
            None => None,
        };
        points.push(PackPoint {
            line: line.clone(),
            our_position,
            proposals: proposals_now(conn, me, &line.proposals).await?,
        });
    }
    let previous = previous_meeting(conn, me, &meeting).await?;
    Ok(DelegatePack {
        meeting,
        our_position,
        points,
        previous,
    })
}

/// The last joint meeting before `meeting` whose outcomes were recorded,
/// with every decision and what came of its proposals since.
async fn previous_meeting(
    conn: &mut AnyConnection,
    me: &str,
    meeting: &MeetingView,
) -> Result<Option<PreviousMeeting>, NodeError> {
    let row = sqlx::query(
        "SELECT id FROM joint_meetings WHERE status = $1 AND starts_at < $2 \
         AND outcomes_at IS NOT NULL ORDER BY starts_at DESC, id DESC LIMIT 1",
    )
    .bind(joint::PUBLISHED)
    .bind(meeting.starts_at.unix())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let previous =
        joint::meeting(conn, &joint::parse_uuid(&row.try_get::<String, _>("id")?)?).await?;
    let mut decisions = Vec::new();
    for (decision, subject_title, refs) in joint::outcomes_of(conn, &previous.id).await? {
        decisions.push(PastDecision {
            decision,
            subject_title,
            proposals: proposals_now(conn, me, &refs).await?,
        });
    }
    Ok(Some(PreviousMeeting {
        meeting: previous,
        decisions,
    }))
}

/// What is new for a committee since its last meeting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct News {
    /// The last meeting of the committee that took place (not cancelled);
    /// without one, everything so far is new.
    pub last_meeting: Option<Meeting>,
    /// What management answered since.
    pub answers: Vec<Answer>,
    /// Joint decisions that concern the committee, received since.
    pub decisions: Vec<MyOutcome>,
    /// Proposals other services shared since.
    pub new_proposals: Vec<OtherProposal>,
    /// The committee's next meetings (not cancelled), soonest first.
    pub next_meetings: Vec<Meeting>,
    /// The next joint meetings, soonest first.
    pub next_joint_meetings: Vec<MeetingView>,
}

/// What is new for `me` since its last meeting that took place by `now`.
pub async fn news(conn: &mut AnyConnection, me: &str, now: i64) -> Result<News, NodeError> {
    let all = meetings::list(conn).await?;
    let last_meeting = all
        .iter()
        .filter(|m| m.cancelled_at.is_none() && m.starts_at <= now)
        .max_by_key(|m| m.starts_at)
        .cloned();
    let since = last_meeting.as_ref().map_or(i64::MIN, |m| m.starts_at);
    let mut next_meetings: Vec<Meeting> = all
        .into_iter()
        .filter(|m| m.cancelled_at.is_none() && m.starts_at > now)
        .collect();
    next_meetings.sort_by_key(|m| m.starts_at);
    let decisions = joint::outcomes_concerning(conn, me)
        .await?
        .into_iter()
        .filter(|o| o.recorded_at > since)
        .collect();
    let new_proposals = joint::other_services_proposals(conn, me)
        .await?
        .into_iter()
        .filter(|p| p.first_shared_at > since)
        .collect();
    Ok(News {
        answers: meetings::answers_between(conn, since, now).await?,
        decisions,
        new_proposals,
        next_joint_meetings: joint::upcoming_meetings(conn, now).await?,
        next_meetings,
        last_meeting,
    })
}
