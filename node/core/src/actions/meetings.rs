//! A service's local meetings: planning, the agenda, attendance, the
//! minutes from draft to management, decisions. The committee reads; the
//! service's administrators write.

use uuid::Uuid;

use super::{Actor, Who};
use crate::domain::meetings::{
    self, Answer, AttendanceStatus, Meeting, MeetingDetail, NewAgendaItem, NewMeeting,
};
use crate::error::NodeError;
use crate::node::Node;

/// Every meeting, latest first.
pub async fn list(node: &Node, actor: &Actor) -> Result<Vec<Meeting>, NodeError> {
    Who::Committee.check(node, actor)?;
    meetings::list(&mut *node.db.pool().acquire().await?).await
}

/// One meeting with its agenda, attendance, minutes and decisions.
pub async fn get(node: &Node, actor: &Actor, id: Uuid) -> Result<MeetingDetail, NodeError> {
    Who::Committee.check(node, actor)?;
    meetings::get(&mut *node.db.pool().acquire().await?, id).await
}

/// Management's answers that arrived since the meeting before this one.
pub async fn answers(node: &Node, actor: &Actor, id: Uuid) -> Result<Vec<Answer>, NodeError> {
    Who::Committee.check(node, actor)?;
    meetings::answers_since_previous_meeting(&mut *node.db.pool().acquire().await?, id).await
}

/// Plans a meeting; returns its id.
pub async fn create(node: &Node, actor: &Actor, m: &NewMeeting) -> Result<Uuid, NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let id = meetings::create(change.conn(), m).await?;
    change.commit().await?;
    Ok(id)
}

/// Adds a point to the agenda; returns its id.
pub async fn add_agenda_item(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    item: &NewAgendaItem,
) -> Result<Uuid, NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let id = meetings::add_agenda_item(change.conn(), meeting, item).await?;
    change.commit().await?;
    Ok(id)
}

/// Puts the agenda in a new order (every item, once).
pub async fn reorder_agenda(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    items: &[Uuid],
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::reorder_agenda(change.conn(), meeting, items).await?;
    change.commit().await
}

/// Takes a point off the agenda.
pub async fn remove_agenda_item(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    item: Uuid,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::remove_agenda_item(change.conn(), meeting, item).await?;
    change.commit().await
}

/// Notes whether a member was present, excused or absent.
pub async fn record_attendance(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    member: Uuid,
    status: AttendanceStatus,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::record_attendance(change.conn(), meeting, member, status).await?;
    change.commit().await
}

/// Writes (or rewrites) the draft minutes.
pub async fn draft_minutes(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    text: &str,
    secretary: Option<Uuid>,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::draft_minutes(change.conn(), meeting, text, secretary).await?;
    change.commit().await
}

/// Records that the committee adopted the minutes at a later meeting.
pub async fn adopt_minutes(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    at_meeting: Uuid,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::adopt_minutes(change.conn(), meeting, at_meeting).await?;
    change.commit().await
}

/// Records that the adopted minutes went to the service's management.
pub async fn send_minutes(node: &Node, actor: &Actor, meeting: Uuid) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::send_minutes_to_management(change.conn(), meeting).await?;
    change.commit().await
}

/// Records a decision, about a proposal or not; returns its id.
pub async fn record_decision(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    text: &str,
    proposal: Option<Uuid>,
) -> Result<Uuid, NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let id = meetings::record_decision(change.conn(), meeting, text, proposal).await?;
    change.commit().await?;
    Ok(id)
}
