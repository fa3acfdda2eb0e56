//! The committee's positions (its delegates' mandate) and what it prints
//! for its meetings: the delegate's pack of a joint meeting, and what is
//! new since its last meeting. The committee reads; the service's
//! administrators record what the committee decided at a meeting, and
//! share it with the inter-service committee or take it back (signed
//! messages, so refused before the service joined a federation).

use passerelle_protocol::body::Stance;
use uuid::Uuid;

use super::{Actor, Who};
use crate::domain::briefing::{self, DelegatePack, News};
use crate::domain::joint::{self, MyOutcome};
use crate::domain::meetings;
use crate::domain::not_joined;
use crate::domain::positions::{self, CommitteePosition};
use crate::error::NodeError;
use crate::node::Node;

/// The committee's positions, latest decided first.
pub async fn list(node: &Node, actor: &Actor) -> Result<Vec<CommitteePosition>, NodeError> {
    Who::Committee.check(node, actor)?;
    positions::list(&mut *node.db.pool().acquire().await?).await
}

/// Records the position the committee decided at `meeting` on one of its
/// agenda items (a joint meeting, one of its points, another service's
/// proposal); deciding again replaces it. Returns the position's id.
pub async fn decide(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    item: Uuid,
    stance: Stance,
    comment: Option<&str>,
) -> Result<Uuid, NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let id = positions::decide(change.conn(), meeting, item, stance, comment).await?;
    change.commit().await?;
    Ok(id)
}

/// Shares a position (or its new version) with the inter-service committee.
pub async fn share(node: &Node, actor: &Actor, id: Uuid) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let stream = stream.ok_or_else(not_joined)?;
    positions::share(conn, &stream, id).await?;
    change.commit().await
}

/// Takes a shared position back; the committee keeps it for itself.
pub async fn withdraw(node: &Node, actor: &Actor, id: Uuid) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let stream = stream.ok_or_else(not_joined)?;
    positions::withdraw(conn, &stream, id).await?;
    change.commit().await
}

/// The delegate's pack for one joint meeting.
pub async fn pack(
    node: &Node,
    actor: &Actor,
    joint_meeting: Uuid,
) -> Result<DelegatePack, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    briefing::delegate_pack(&mut conn, node.id().as_str(), &joint_meeting).await
}

/// What is new since the committee's last meeting.
pub async fn news(node: &Node, actor: &Actor) -> Result<News, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    briefing::news(&mut conn, node.id().as_str(), crate::clock::now()).await
}

/// "What was said at the joint meeting", for a local meeting's agenda: the
/// joint decisions that concern the committee, received after the meeting
/// before this one started and up to this one's start.
pub async fn joint_decisions(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
) -> Result<Vec<MyOutcome>, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    let (after, until) = meetings::window(&mut conn, meeting).await?;
    Ok(joint::outcomes_concerning(&mut conn, node.id().as_str())
        .await?
        .into_iter()
        .filter(|o| o.recorded_at > after && o.recorded_at <= until)
        .collect())
}
