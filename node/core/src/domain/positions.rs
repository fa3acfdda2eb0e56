//! The committee's positions: what it thinks of a joint meeting, one of its
//! points, or another service's proposal — the mandate its delegates carry.
//!
//! A position is decided at a local meeting, on the agenda item about that
//! subject, and kept here whether or not it is shared: one per subject, the
//! latest decision replacing the earlier one. The committee then chooses
//! whether the inter-service committee hears it (`position.shared`, signed
//! like everything else) and may take it back (`position.withdrawn`). A
//! position changed after it was shared says so, until shared again.

use passerelle_protocol::body::{Position, PositionWithdrawal, ProposalRef, Stance, Text};
use passerelle_protocol::Body;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::federated::{enum_text, parse_enum};
use crate::domain::joint::{self, append_checked, id_text, parse_uuid, stored_id, stored_ref};
use crate::domain::meetings;
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::log::OwnStream;
use crate::validate::{not_found, optional_text};

/// What a position is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Topic {
    /// A joint meeting, as a whole or (with `point`) one of its points.
    pub meeting: Option<Uuid>,
    pub point: Option<Uuid>,
    /// Another service's shared proposal.
    pub proposal: Option<ProposalRef>,
}

/// Whether the inter-service committee has the position.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    /// Kept by the committee only.
    NotShared,
    /// The inter-service committee has this very position.
    Shared,
    /// Shared once, changed since: the inter-service committee has the
    /// earlier version until it is shared again.
    ChangedSinceShared,
}

/// One of the committee's positions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CommitteePosition {
    pub id: Uuid,
    #[serde(flatten)]
    pub topic: Topic,
    pub stance: Stance,
    /// The committee's words: its reasons, the question to ask.
    pub comment: Option<String>,
    /// The local meeting where the committee decided it.
    pub decided_at_meeting: Option<Uuid>,
    /// When it was last decided (Unix seconds).
    pub changed_at: i64,
    pub sharing: Sharing,
}

const COLUMNS: &str = "id, joint_meeting_id, point_id, proposal_service, proposal_id, stance, \
                       comment, decided_at_meeting, changed_at, version, shared_version";

fn from_row(r: &sqlx::any::AnyRow) -> Result<CommitteePosition, NodeError> {
    let changed_at: i64 = r.try_get("changed_at")?;
    let version: i64 = r.try_get("version")?;
    let sharing = match r.try_get::<Option<i64>, _>("shared_version")? {
        None => Sharing::NotShared,
        Some(shared) if shared == version => Sharing::Shared,
        Some(_) => Sharing::ChangedSinceShared,
    };
    Ok(CommitteePosition {
        id: parse_uuid(&r.try_get::<String, _>("id")?)?,
        topic: Topic {
            meeting: stored_id(r, "joint_meeting_id")?,
            point: stored_id(r, "point_id")?,
            proposal: stored_ref(r, "proposal_service", "proposal_id")?,
        },
        stance: parse_enum(&r.try_get::<String, _>("stance")?)?,
        comment: r.try_get("comment")?,
        decided_at_meeting: stored_id(r, "decided_at_meeting")?,
        changed_at,
        sharing,
    })
}

/// The committee's positions, latest decided first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<CommitteePosition>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM committee_positions ORDER BY changed_at DESC, id"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One position.
pub async fn get(conn: &mut AnyConnection, id: Uuid) -> Result<CommitteePosition, NodeError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM committee_positions WHERE id = $1"
    ))
    .bind(id_text(&id))
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| not_found(format!("position {id}")))?;
    from_row(&row)
}

/// The position on `topic`, if the committee took one.
pub async fn on(
    conn: &mut AnyConnection,
    topic: &Topic,
) -> Result<Option<CommitteePosition>, NodeError> {
    Ok(list(conn).await?.into_iter().find(|p| &p.topic == topic))
}

/// What an agenda item is about, as a position's topic; `None` for an item
/// the committee takes no position on (a free item, its own proposal).
pub fn topic_of(item: &meetings::AgendaItem) -> Option<Topic> {
    if let Some(meeting) = item.joint_meeting {
        return Some(Topic {
            meeting: Some(meeting),
            point: item.joint_point,
            proposal: None,
        });
    }
    item.shared_proposal.as_ref().map(|r| Topic {
        meeting: None,
        point: None,
        proposal: Some(r.clone()),
    })
}

/// The committee decides its position on an agenda item of one of its
/// meetings (a joint meeting, one of its points, another service's
/// proposal). Deciding again replaces the stance and the words; the
/// position keeps its id, so that sharing it again replaces it at the
/// inter-service committee too. Returns the position's id.
pub async fn decide(
    conn: &mut AnyConnection,
    meeting: Uuid,
    item: Uuid,
    stance: Stance,
    comment: Option<&str>,
) -> Result<Uuid, NodeError> {
    let comment = optional_text("comment", comment, 2000)?;
    let detail = meetings::get(conn, meeting).await?;
    if detail.meeting.cancelled_at.is_some() {
        return Err(rule(
            Rule::MeetingCancelled,
            "this meeting was cancelled: nothing is decided at it",
        ));
    }
    let item = meetings::agenda_item(conn, meeting, item).await?;
    let topic = topic_of(&item).ok_or_else(|| {
        rule(
            Rule::NoPositionOnThisItem,
            "a position is taken on a joint meeting, one of its points or another service's proposal",
        )
    })?;
    let t = now();
    if let Some(existing) = on(conn, &topic).await? {
        sqlx::query(
            "UPDATE committee_positions SET stance = $1, comment = $2, decided_at_meeting = $3, \
             changed_at = $4, version = version + 1 WHERE id = $5",
        )
        .bind(enum_text(&stance))
        .bind(comment)
        .bind(id_text(&meeting))
        .bind(t)
        .bind(id_text(&existing.id))
        .execute(conn)
        .await?;
        return Ok(existing.id);
    }
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO committee_positions (id, joint_meeting_id, point_id, proposal_service, \
         proposal_id, stance, comment, decided_at_meeting, changed_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
    )
    .bind(id_text(&id))
    .bind(topic.meeting.as_ref().map(id_text))
    .bind(topic.point.as_ref().map(id_text))
    .bind(
        topic
            .proposal
            .as_ref()
            .map(|r| r.service.as_str().to_owned()),
    )
    .bind(topic.proposal.as_ref().map(|r| id_text(&r.proposal)))
    .bind(enum_text(&stance))
    .bind(comment)
    .bind(id_text(&meeting))
    .bind(t)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Shares the position with the inter-service committee
/// (`position.shared`), or shares its new version. The receivers' rules
/// are checked here first (the joint meeting still announced, the point
/// still on its agenda), so nothing is announced that they would refuse.
pub async fn share(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    id: Uuid,
) -> Result<(), NodeError> {
    let p = get(conn, id).await?;
    if p.sharing == Sharing::Shared {
        return Err(rule(
            Rule::PositionAlreadyShared,
            "the inter-service committee already has this position",
        ));
    }
    let body = Position {
        position: p.id,
        meeting: p.topic.meeting,
        point: p.topic.point,
        proposal: p.topic.proposal,
        stance: p.stance,
        comment: p.comment.map(Text::from),
    };
    joint::apply_position(conn, stream.me.as_str(), &body).await?;
    append_checked(conn, stream, &Body::PositionShared(body)).await?;
    sqlx::query("UPDATE committee_positions SET shared_version = version WHERE id = $1")
        .bind(id_text(&id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes a shared position back (`position.withdrawn`); the committee keeps
/// it for itself.
pub async fn withdraw(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    id: Uuid,
) -> Result<(), NodeError> {
    let p = get(conn, id).await?;
    if p.sharing == Sharing::NotShared {
        return Err(rule(
            Rule::PositionNotShared,
            "this position was not shared with the inter-service committee",
        ));
    }
    let body = PositionWithdrawal { position: p.id };
    joint::apply_position_withdrawal(conn, stream.me.as_str(), &body).await?;
    append_checked(conn, stream, &Body::PositionWithdrawn(body)).await?;
    sqlx::query("UPDATE committee_positions SET shared_version = NULL WHERE id = $1")
        .bind(id_text(&id))
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
