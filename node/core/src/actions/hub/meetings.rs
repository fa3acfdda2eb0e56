//! Joint meetings: a draft and its agenda stay at the hub; publication,
//! changes, cancellation and outcomes are announced to the services.

use uuid::Uuid;

use super::super::{Actor, Who};
use crate::domain::hub::{
    self, AgendaEntryInput, MeetingChanges, MeetingDetails, OutcomeInput, ProposedItem,
};
use crate::domain::joint::positions::SharedPosition;
use crate::domain::joint::{self, MeetingView, MyOutcome};
use crate::error::NodeError;
use crate::node::Node;
use passerelle_protocol::body::ProposalRef;

/// Every joint meeting, soonest first, drafts included.
pub async fn meetings(node: &Node, actor: &Actor) -> Result<Vec<MeetingView>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::meetings(&mut *node.db.pool().acquire().await?).await
}

/// One joint meeting with its agenda.
pub async fn meeting(node: &Node, actor: &Actor, id: Uuid) -> Result<MeetingView, NodeError> {
    Who::Coordinators.check(node, actor)?;
    joint::meeting(&mut *node.db.pool().acquire().await?, &id).await
}

/// Items the services proposed that are on no meeting's agenda yet.
pub async fn agenda_items(node: &Node, actor: &Actor) -> Result<Vec<ProposedItem>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::proposed_agenda_items(&mut *node.db.pool().acquire().await?).await
}

/// The decisions recorded for `meeting`, as each member service sees them
/// (a decision concerns at least one service), service by service.
pub async fn decisions(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
) -> Result<Vec<MyOutcome>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    let mut out = Vec::new();
    for s in hub::member_services(&mut conn, node.clock().today()).await? {
        for o in joint::outcomes_concerning(&mut conn, &s.id).await? {
            if o.meeting == meeting {
                out.push(o);
            }
        }
    }
    Ok(out)
}

/// The positions the services shared for `meeting`: on its points, on it
/// as a whole, and on the proposals its agenda lists.
pub async fn positions(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
) -> Result<Vec<SharedPosition>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    let m = joint::meeting(&mut conn, &meeting).await?;
    let listed: Vec<ProposalRef> = m.agenda.iter().flat_map(|l| l.proposals.clone()).collect();
    joint::positions::for_meeting(&mut conn, &meeting, &listed).await
}

/// Prepares a joint meeting (nothing is announced yet); returns its id.
pub async fn create_draft(
    node: &Node,
    actor: &Actor,
    details: &MeetingDetails,
) -> Result<Uuid, NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change().await?;
    let id = hub::create_meeting_draft(change.conn(), details).await?;
    change.commit().await?;
    Ok(id)
}

/// Changes a draft's date, place or format.
pub async fn edit_draft(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    details: &MeetingDetails,
) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change().await?;
    hub::edit_draft(change.conn(), meeting, details).await?;
    change.commit().await
}

/// Deletes a draft the services never saw.
pub async fn delete_draft(node: &Node, actor: &Actor, meeting: Uuid) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change().await?;
    hub::delete_draft(change.conn(), meeting).await?;
    change.commit().await
}

/// Sets a draft's whole agenda, in order.
pub async fn set_agenda(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    entries: &[AgendaEntryInput],
) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change().await?;
    hub::set_agenda(change.conn(), meeting, entries).await?;
    change.commit().await
}

/// Announces a draft to every member service.
pub async fn publish(node: &Node, actor: &Actor, meeting: Uuid) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change_announced().await?;
    let (conn, stream) = change.announced()?;
    hub::publish(conn, &stream, meeting).await?;
    change.commit().await
}

/// Changes a published meeting, telling the services what changed.
pub async fn update(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    changes: &MeetingChanges,
    notice: &str,
) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change_announced().await?;
    let (conn, stream) = change.announced()?;
    hub::update(conn, &stream, meeting, changes, notice).await?;
    change.commit().await
}

/// Cancels a published meeting, telling the services why.
pub async fn cancel(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    notice: &str,
) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change_announced().await?;
    let (conn, stream) = change.announced()?;
    hub::cancel(conn, &stream, meeting, notice).await?;
    change.commit().await
}

/// Records the minutes and the decisions of a published meeting; the
/// services whose proposals they concern receive them.
pub async fn record_outcomes(
    node: &Node,
    actor: &Actor,
    meeting: Uuid,
    minutes: &str,
    outcomes: &[OutcomeInput],
) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change_announced().await?;
    let (conn, stream) = change.announced()?;
    hub::record_outcomes(conn, &stream, meeting, minutes, outcomes).await?;
    change.commit().await
}
