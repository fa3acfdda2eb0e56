//! A service's own proposals. Anyone in the committee records an idea and
//! reads; the administrators move a proposal along its life cycle (with
//! management's answer) and decide what the inter-service committee sees:
//! sharing, then stopping. A shared proposal's changes are announced in
//! the transaction that makes them.

use passerelle_protocol::body::ProposalStatus;
use uuid::Uuid;

use super::{Actor, Who};
use crate::domain::not_joined;
use crate::domain::proposals::{self, HistoryEntry, NewProposal, Proposal};
use crate::error::NodeError;
use crate::node::Node;

/// A proposal with its whole history.
#[derive(Debug, Clone)]
pub struct Detail {
    pub proposal: Proposal,
    pub history: Vec<HistoryEntry>,
}

/// Every proposal of the service, most recently changed first.
pub async fn list(node: &Node, actor: &Actor) -> Result<Vec<Proposal>, NodeError> {
    Who::Committee.check(node, actor)?;
    proposals::list(&mut *node.db.pool().acquire().await?).await
}

/// One proposal.
pub async fn get(node: &Node, actor: &Actor, id: Uuid) -> Result<Proposal, NodeError> {
    Who::Committee.check(node, actor)?;
    proposals::get(&mut *node.db.pool().acquire().await?, id).await
}

/// One proposal and its history, oldest step first.
pub async fn detail(node: &Node, actor: &Actor, id: Uuid) -> Result<Detail, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    Ok(Detail {
        proposal: proposals::get(&mut conn, id).await?,
        history: proposals::history(&mut conn, id).await?,
    })
}

/// Records a new idea under the actor's name; returns its id. It stays on
/// this node until shared.
pub async fn create(node: &Node, actor: &Actor, p: &NewProposal) -> Result<Uuid, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut change = node.change().await?;
    let id = proposals::create(change.conn(), actor.name(), p).await?;
    change.commit().await?;
    Ok(id)
}

/// Moves a proposal one step along its life cycle; `answer` is
/// management's text, for an answer. Recorded under the actor's name.
pub async fn change_status(
    node: &Node,
    actor: &Actor,
    id: Uuid,
    to: ProposalStatus,
    comment: Option<String>,
    answer: Option<String>,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    proposals::change_status(conn, stream.as_ref(), id, actor.name(), to, comment, answer).await?;
    change.commit().await
}

/// Shares a proposal with the inter-service committee (refused before the
/// service joined one).
pub async fn share(node: &Node, actor: &Actor, id: Uuid) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let stream = stream.ok_or_else(not_joined)?;
    proposals::share(conn, &stream, id).await?;
    change.commit().await
}

/// Stops sharing a proposal, with a reason if given; the others are told.
pub async fn withdraw(
    node: &Node,
    actor: &Actor,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    proposals::withdraw(conn, stream.as_ref(), id, reason).await?;
    change.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::testing::{a_member, an_admin, join, messages, service};
    use passerelle_protocol::body::{Origin, Theme};

    fn idea() -> NewProposal {
        NewProposal {
            title: "Une rampe".into(),
            description: "À l'entrée".into(),
            theme: Theme::Accessibility,
            tags: vec![],
            origin: Origin::Member,
        }
    }

    #[tokio::test]
    async fn members_propose_administrators_move_and_share() {
        let (_dir, node) = service().await;
        let id = create(&node, &a_member(), &idea()).await.unwrap();
        let d = detail(&node, &a_member(), id).await.unwrap();
        assert_eq!(d.proposal.status, ProposalStatus::Idea);
        assert_eq!(d.history[0].actor, "marie", "recorded under the actor");
        let to = ProposalStatus::Discussed;
        for refused in [
            change_status(&node, &a_member(), id, to, None, None).await,
            share(&node, &a_member(), id).await,
            withdraw(&node, &a_member(), id, None).await,
        ] {
            assert_eq!(refused.unwrap_err().code(), "forbidden");
        }
        change_status(&node, &an_admin(), id, to, None, None)
            .await
            .unwrap();
        let d = detail(&node, &a_member(), id).await.unwrap();
        assert_eq!(d.proposal.status, to);
        assert_eq!(d.history[1].actor, "admin");
    }

    #[tokio::test]
    async fn sharing_needs_a_federation_and_checks_the_reason_first() {
        let (_dir, node) = service().await;
        let a = an_admin();
        let id = create(&node, &a, &idea()).await.unwrap();
        let not_joined = share(&node, &a, id).await.unwrap_err();
        assert_eq!(
            not_joined.to_string(),
            "this service has not joined an inter-service committee yet"
        );
        let long = "x".repeat(2001);
        let e = withdraw(&node, &a, id, Some(&long)).await.unwrap_err();
        assert_eq!(
            e.code(),
            "invalid_field",
            "the reason, before the federation"
        );
        let e = withdraw(&node, &a, id, Some("fini")).await.unwrap_err();
        assert_eq!(e.to_string(), not_joined.to_string());

        join(&node).await;
        share(&node, &a, id).await.unwrap();
        assert_eq!(get(&node, &a, id).await.unwrap().shared, proposals::SHARED);
        withdraw(&node, &a, id, Some("  plus d'actualité "))
            .await
            .unwrap();
        let sent = messages(&node).await;
        let kinds: Vec<&str> = sent.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["proposal.shared", "proposal.withdrawn"]);
        assert!(sent[1].1.contains("\"plus d'actualité\""));
        let e = withdraw(&node, &a, id, None).await.unwrap_err();
        assert_eq!(e.code(), "domain_rule");
    }
}
