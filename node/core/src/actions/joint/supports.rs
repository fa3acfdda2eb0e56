//! Support is the committee's: a member suggests, the committee decides.
//!
//! A suggestion stays on this node (never sent): a member of the committee
//! suggests supporting a shared proposal with a word, changes the word by
//! suggesting again, or takes it back. The administrators see the pending
//! suggestions and either give the committee's support
//! ([`super::support`], which settles them) or set them aside.

use passerelle_protocol::body::ProposalRef;

use super::super::{Actor, Who};
use crate::accounts::Role;
use crate::domain::joint::suggestions::{self, Suggestion};
use crate::error::NodeError;
use crate::node::Node;

/// A member suggests that the committee support `proposal`, with a word if
/// they wish; suggesting again replaces the word. Nothing is sent.
pub async fn suggest_support(
    node: &Node,
    actor: &Actor,
    proposal: ProposalRef,
    word: Option<String>,
) -> Result<(), NodeError> {
    Who::Committee.check(node, actor)?;
    let mut change = node.change().await?;
    let me = node.id().as_str();
    suggestions::suggest(
        change.conn(),
        me,
        actor.account.id,
        &proposal,
        word.as_deref(),
    )
    .await?;
    change.commit().await
}

/// A member takes back their pending suggestion.
pub async fn take_back_suggestion(
    node: &Node,
    actor: &Actor,
    proposal: ProposalRef,
) -> Result<(), NodeError> {
    Who::Committee.check(node, actor)?;
    let mut change = node.change().await?;
    suggestions::take_back(change.conn(), actor.account.id, &proposal).await?;
    change.commit().await
}

/// The pending suggestions, oldest first: every one for an administrator,
/// a member's own for a member.
pub async fn suggestions(node: &Node, actor: &Actor) -> Result<Vec<Suggestion>, NodeError> {
    Who::Committee.check(node, actor)?;
    let only = (actor.account.role != Role::Admin).then_some(actor.account.id);
    suggestions::pending(&mut *node.db.pool().acquire().await?, only).await
}

/// The administrators do not follow the pending suggestions about
/// `proposal`: they are settled, and nothing is sent.
pub async fn set_aside_suggestions(
    node: &Node,
    actor: &Actor,
    proposal: ProposalRef,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    suggestions::set_aside(change.conn(), &proposal, actor.name()).await?;
    change.commit().await
}

#[cfg(test)]
mod tests;
