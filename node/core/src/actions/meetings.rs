//! A service's local meetings: planning, the agenda, attendance, the
//! minutes from draft to management, decisions. The committee reads; the
//! service's administrators write. Corrections (moving, cancelling,
//! deleting a meeting, attendance for all at once, decisions taken back)
//! are actions of their own, each in one transaction.

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

/// Moves or reschedules a meeting (title, date and time, place, form).
pub async fn update(node: &Node, actor: &Actor, id: Uuid, m: &NewMeeting) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::update(change.conn(), id, m).await?;
    change.commit().await
}

/// Cancels a meeting, which stays in the list, marked.
pub async fn cancel(
    node: &Node,
    actor: &Actor,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::cancel(change.conn(), id, reason).await?;
    change.commit().await
}

/// Deletes a meeting at which nothing but its agenda was recorded.
pub async fn delete(node: &Node, actor: &Actor, id: Uuid) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::delete(change.conn(), id).await?;
    change.commit().await
}

/// Notes (or corrects) the attendance of the whole committee in one go:
/// all of the list is stored, or none of it.
pub async fn record_attendance_list(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    entries: &[(Uuid, AttendanceStatus)],
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::record_attendance_list(change.conn(), meeting, entries).await?;
    change.commit().await
}

/// Corrects a decision's text and the proposal it is about.
pub async fn correct_decision(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    decision: Uuid,
    text: &str,
    proposal: Option<Uuid>,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::correct_decision(change.conn(), meeting, decision, text, proposal).await?;
    change.commit().await
}

/// Takes back a decision recorded by mistake.
pub async fn remove_decision(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    decision: Uuid,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    meetings::remove_decision(change.conn(), meeting, decision).await?;
    change.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::committee::add_member;
    use crate::actions::testing::{a_member, an_admin, service};
    use crate::domain::members::tests::new_member;

    #[tokio::test]
    async fn attendance_of_seven_is_one_transaction() {
        let (_dir, node) = service().await;
        let a = an_admin();
        let mut m = NewMeeting {
            title: "Comité".into(),
            starts_at: 1_577_865_600,
            place: "Salle".into(),
            format: "réunion".into(),
            in_the_past: false,
        };
        assert_eq!(
            create(&node, &a, &m).await.unwrap_err().code(),
            "domain_rule"
        );
        m.in_the_past = true;
        let id = create(&node, &a, &m).await.unwrap();
        let mut list = Vec::new();
        for name in ["Ana", "Ben", "Cléo", "Dan", "Eva", "Fred", "Gaby"] {
            let member = add_member(&node, &a, &new_member(name, false))
                .await
                .unwrap();
            list.push((member, AttendanceStatus::Present));
        }
        let mut bad = list.clone();
        bad[6].0 = Uuid::now_v7();
        assert_eq!(
            record_attendance_list(&node, &a, id, &bad)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert!(get(&node, &a, id).await.unwrap().attendance.is_empty());
        assert_eq!(
            record_attendance_list(&node, &a_member(), id, &list)
                .await
                .unwrap_err()
                .code(),
            "forbidden"
        );
        record_attendance_list(&node, &a, id, &list).await.unwrap();
        assert_eq!(get(&node, &a, id).await.unwrap().attendance.len(), 7);
        // Nothing recorded at an empty meeting: deleted; this one is kept.
        assert_eq!(
            delete(&node, &a, id).await.unwrap_err().code(),
            "domain_rule"
        );
        cancel(&node, &a, id, Some("Erreur de date")).await.unwrap();
        assert!(get(&node, &a, id)
            .await
            .unwrap()
            .meeting
            .cancelled_at
            .is_some());
    }
}
