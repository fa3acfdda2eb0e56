//! Subjects: proposals of several services linked under one title. Every
//! link and unlink is announced and logged under the coordinator's name;
//! the last proposal out dissolves the subject.

use passerelle_protocol::body::ProposalRef;
use uuid::Uuid;

use super::super::{Actor, Who};
use crate::domain::hub::{self, SubjectLogEntry, SubjectView};
use crate::error::NodeError;
use crate::node::Node;

/// Every subject still holding proposals, by title.
pub async fn subjects(node: &Node, actor: &Actor) -> Result<Vec<SubjectView>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::subjects(&mut *node.db.pool().acquire().await?).await
}

/// Who linked or unlinked which proposal of a subject, and when.
pub async fn subject_log(
    node: &Node,
    actor: &Actor,
    subject: Uuid,
) -> Result<Vec<SubjectLogEntry>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::subject_log(&mut *node.db.pool().acquire().await?, &subject).await
}

/// Links shared proposals of several services under one title; returns
/// the subject's id.
pub async fn create_subject(
    node: &Node,
    actor: &Actor,
    title: &str,
    proposals: &[ProposalRef],
) -> Result<Uuid, NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change_announced().await?;
    let (conn, stream) = change.announced()?;
    let id = hub::create_subject(conn, &stream, title, proposals, actor.name()).await?;
    change.commit().await?;
    Ok(id)
}

/// Adds a shared proposal to a subject.
pub async fn link(
    node: &Node,
    actor: &Actor,
    subject: Uuid,
    proposal: ProposalRef,
) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change_announced().await?;
    let (conn, stream) = change.announced()?;
    hub::link(conn, &stream, subject, proposal, actor.name()).await?;
    change.commit().await
}

/// Takes a proposal out of a subject; the last one out dissolves it.
pub async fn unlink(
    node: &Node,
    actor: &Actor,
    subject: Uuid,
    proposal: ProposalRef,
) -> Result<(), NodeError> {
    Who::Coordinators.check(node, actor)?;
    let mut change = node.change_announced().await?;
    let (conn, stream) = change.announced()?;
    hub::unlink(conn, &stream, subject, proposal, actor.name()).await?;
    change.commit().await
}
