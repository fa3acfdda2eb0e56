//! The coordinator's work at the hub: following the member services and
//! what they share, linking proposals as subjects, and joint meetings from
//! draft to decisions.
//!
//! Everything here is the hub's coordinators' ([`Who::Coordinators`]),
//! reads included: what the services shared is gathered for the
//! coordination, not for anyone holding an account. A change the services
//! must hear of is signed in the hub's own stream, in the transaction of
//! the change ([`Node::change_announced`]); a draft stays at the hub
//! ([`Node::change`]).
//!
//! Enrolling and revoking member services stay with the command line (the
//! operator of the machine, not an account): no action here.

mod meetings;
mod subjects;

pub use meetings::*;
pub use subjects::*;

use std::collections::BTreeMap;

use uuid::Uuid;

use super::{Actor, Who};
use crate::domain::hub::{self, AggregatedProposal, MemberService, ProposalCounts, ProposalFilter};
use crate::error::NodeError;
use crate::node::Node;

/// Every member service, by name, with its delegates and sync health.
pub async fn services(node: &Node, actor: &Actor) -> Result<Vec<MemberService>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::member_services(&mut *node.db.pool().acquire().await?, node.clock().today()).await
}

/// Member services' names by id (labels, without the rest of [`services`]).
pub async fn service_names(
    node: &Node,
    actor: &Actor,
) -> Result<BTreeMap<String, String>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::service_names(&mut *node.db.pool().acquire().await?).await
}

/// Every shared proposal matching `filter`, in the order it asks for.
pub async fn proposals(
    node: &Node,
    actor: &Actor,
    filter: &ProposalFilter,
) -> Result<Vec<AggregatedProposal>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::aggregated(&mut *node.db.pool().acquire().await?, filter).await
}

/// [`proposals`], `limit` of them from the `offset`-th on.
pub async fn proposals_page(
    node: &Node,
    actor: &Actor,
    filter: &ProposalFilter,
    offset: u32,
    limit: u32,
) -> Result<Vec<AggregatedProposal>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::aggregated_page(&mut *node.db.pool().acquire().await?, filter, offset, limit).await
}

/// The proposals matching `filter`, counted per theme, status and service.
pub async fn counts(
    node: &Node,
    actor: &Actor,
    filter: &ProposalFilter,
) -> Result<ProposalCounts, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::counts(&mut *node.db.pool().acquire().await?, filter).await
}

/// Titles of the subjects still holding proposals, by id.
pub async fn subject_titles(
    node: &Node,
    actor: &Actor,
) -> Result<BTreeMap<Uuid, String>, NodeError> {
    Who::Coordinators.check(node, actor)?;
    hub::subject_titles(&mut *node.db.pool().acquire().await?).await
}

#[cfg(test)]
mod tests;
