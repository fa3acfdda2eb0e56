//! Committees' positions on what the inter-service committee discusses
//! (`position.shared`, `position.withdrawn`), as every node keeps them: the
//! coordinator reads them per agenda point, a service reads its own back in
//! its delegate's pack.
//!
//! A position is about a joint meeting as a whole, one point of its agenda
//! (the entry's `point` id), or a proposal, or a point and a proposal
//! together. Its origin may share it again (the same `position` id replaces
//! it) or take it back; a withdrawn position is simply gone.

use passerelle_protocol::body::{Position, PositionWithdrawal, ProposalRef, Stance, Text};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::{
    id_text, meeting_status, parse_uuid, proposal_state, stored_id, stored_ref, ProposalState,
};
use super::{CANCELLED, PUBLISHED};
use crate::clock::now;
use crate::domain::federated::{enum_text, parse_enum};
use crate::domain::{rule, Rule};
use crate::error::NodeError;

/// `position.shared`: the receiver's rules (SPEC §8.2): a named meeting is
/// known and not cancelled (at the hub: published), a named point is on its
/// agenda, a named proposal was shared by its service.
pub async fn apply_position(
    conn: &mut AnyConnection,
    origin: &str,
    position: &Position,
) -> Result<(), NodeError> {
    if let Some(m) = &position.meeting {
        match meeting_status(conn, m).await?.as_deref() {
            Some(PUBLISHED) => {}
            Some(CANCELLED) => {
                return Err(rule(
                    Rule::JointMeetingCancelled,
                    format!("joint meeting {m} was cancelled"),
                ))
            }
            _ => {
                return Err(rule(
                    Rule::UnknownJointMeeting,
                    format!("joint meeting {m} is unknown"),
                ))
            }
        }
        if let Some(point) = &position.point {
            let on_agenda = sqlx::query(
                "SELECT 1 AS one FROM joint_agenda_entries WHERE meeting_id = $1 AND point_id = $2",
            )
            .bind(id_text(m))
            .bind(id_text(point))
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
            if !on_agenda {
                return Err(rule(
                    Rule::NotOnAgenda,
                    format!("point {point} is not on the agenda of joint meeting {m}"),
                ));
            }
        }
    }
    if let Some(r) = &position.proposal {
        if proposal_state(conn, r).await? == ProposalState::Unknown {
            return Err(rule(
                Rule::NeverShared,
                format!("proposal {} of {} was never shared", r.proposal, r.service),
            ));
        }
    }
    sqlx::query(
        "INSERT INTO joint_positions (origin, position_id, meeting_id, point_id, proposal_service, \
         proposal_id, stance, comment, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (origin, position_id) DO UPDATE SET meeting_id = excluded.meeting_id, \
         point_id = excluded.point_id, proposal_service = excluded.proposal_service, \
         proposal_id = excluded.proposal_id, stance = excluded.stance, comment = excluded.comment, \
         updated_at = excluded.updated_at",
    )
    .bind(origin)
    .bind(id_text(&position.position))
    .bind(position.meeting.as_ref().map(id_text))
    .bind(position.point.as_ref().map(id_text))
    .bind(position.proposal.as_ref().map(|r| r.service.as_str().to_owned()))
    .bind(position.proposal.as_ref().map(|r| id_text(&r.proposal)))
    .bind(enum_text(&position.stance))
    .bind(position.comment.as_ref().map(Text::or_empty))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// `position.withdrawn`: no rule; taking back a position the receiver does
/// not hold changes nothing.
pub async fn apply_position_withdrawal(
    conn: &mut AnyConnection,
    origin: &str,
    withdrawal: &PositionWithdrawal,
) -> Result<(), NodeError> {
    sqlx::query("DELETE FROM joint_positions WHERE origin = $1 AND position_id = $2")
        .bind(origin)
        .bind(id_text(&withdrawal.position))
        .execute(conn)
        .await?;
    Ok(())
}

/// One committee's shared position, as received.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SharedPosition {
    /// The service whose committee took it.
    pub service: String,
    pub position: Uuid,
    pub meeting: Option<Uuid>,
    /// The agenda point; none: the meeting as a whole.
    pub point: Option<Uuid>,
    pub proposal: Option<ProposalRef>,
    pub stance: Stance,
    pub comment: Option<String>,
    /// When this node received its latest version (Unix seconds).
    pub updated_at: i64,
}

const COLUMNS: &str = "origin, position_id, meeting_id, point_id, proposal_service, proposal_id, \
                       stance, comment, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<SharedPosition, NodeError> {
    Ok(SharedPosition {
        service: r.try_get("origin")?,
        position: parse_uuid(&r.try_get::<String, _>("position_id")?)?,
        meeting: stored_id(r, "meeting_id")?,
        point: stored_id(r, "point_id")?,
        proposal: stored_ref(r, "proposal_service", "proposal_id")?,
        stance: parse_enum(&r.try_get::<String, _>("stance")?)?,
        comment: r.try_get("comment")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The positions shared for a joint meeting (on its points or on it as a
/// whole), and those on the proposals its agenda names, by service.
pub async fn for_meeting(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    proposals: &[ProposalRef],
) -> Result<Vec<SharedPosition>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM joint_positions WHERE meeting_id = $1 \
         OR (meeting_id IS NULL AND proposal_id IS NOT NULL) ORDER BY origin, updated_at, position_id"
    ))
    .bind(id_text(meeting))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(from_row)
        .filter(|p| match p {
            Ok(p) if p.meeting.is_none() => {
                p.proposal.as_ref().is_some_and(|r| proposals.contains(r))
            }
            _ => true,
        })
        .collect()
}

/// The positions shared on one proposal (with or without a meeting).
pub async fn on_proposal(
    conn: &mut AnyConnection,
    proposal: &ProposalRef,
) -> Result<Vec<SharedPosition>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM joint_positions WHERE proposal_service = $1 AND proposal_id = $2 \
         ORDER BY origin, updated_at, position_id"
    ))
    .bind(proposal.service.as_str())
    .bind(id_text(&proposal.proposal))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}
