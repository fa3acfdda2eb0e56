//! A service's corner of the inter-service committee: the joint meetings
//! as received and what they decided about its proposals, the other
//! services' shared proposals. The whole committee, members too, proposes
//! agenda items; a member *suggests* a support ([`supports`]), which the
//! administrators give as the committee's. Each announcement is refused
//! before the service joined a federation.

use passerelle_protocol::body::ProposalRef;
use uuid::Uuid;

use super::{Actor, Who};
use crate::domain::joint::{self, MeetingView, MyOutcome, OtherProposal};
use crate::domain::not_joined;
use crate::error::NodeError;
use crate::node::Node;

mod supports;
pub use supports::*;

/// The joint meetings announced and not over yet, soonest first.
pub async fn meetings(node: &Node, actor: &Actor) -> Result<Vec<MeetingView>, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    joint::upcoming_meetings(&mut conn, crate::clock::now()).await
}

/// One joint meeting as received (a cancelled one too, with its notice).
pub async fn meeting(node: &Node, actor: &Actor, id: Uuid) -> Result<MeetingView, NodeError> {
    Who::Committee.check(node, actor)?;
    joint::meeting(&mut *node.db.pool().acquire().await?, &id).await
}

/// The other services' proposals still shared, most supported first.
pub async fn other_proposals(node: &Node, actor: &Actor) -> Result<Vec<OtherProposal>, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    joint::other_services_proposals(&mut conn, node.id().as_str()).await
}

/// What joint meetings decided about this service's proposals.
pub async fn outcomes(node: &Node, actor: &Actor) -> Result<Vec<MyOutcome>, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    joint::outcomes_concerning(&mut conn, node.id().as_str()).await
}

/// The committee supports a shared proposal, with a word if it wishes
/// (administrators: a member suggests, [`suggest_support`]). The pending
/// suggestions about it are settled as confirmed; `decided_at`, one of the
/// committee's meetings that took place, records where it was decided.
pub async fn support(
    node: &Node,
    actor: &Actor,
    proposal: ProposalRef,
    comment: Option<String>,
    decided_at: Option<Uuid>,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    joint::support(conn, stream.as_ref(), proposal.clone(), comment).await?;
    let me = node.id().as_str();
    if let Some(meeting) = decided_at {
        joint::suggestions::record_decision(conn, me, &proposal, meeting).await?;
    }
    let confirmed = joint::suggestions::CONFIRMED;
    joint::suggestions::settle(conn, &proposal, confirmed, actor.name()).await?;
    change.commit().await
}

/// The committee withdraws its support.
pub async fn withdraw_support(
    node: &Node,
    actor: &Actor,
    proposal: ProposalRef,
) -> Result<(), NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let stream = stream.ok_or_else(not_joined)?;
    joint::withdraw_support(conn, &stream, proposal).await?;
    change.commit().await
}

/// The committee proposes an item for the next joint meeting, or for
/// `meeting` if it names one announced; returns the item's id.
pub async fn propose_item(
    node: &Node,
    actor: &Actor,
    title: &str,
    description: Option<&str>,
    proposal: Option<ProposalRef>,
    meeting: Option<Uuid>,
) -> Result<Uuid, NodeError> {
    Who::Committee.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let stream = stream.ok_or_else(not_joined)?;
    let id =
        joint::propose_agenda_item(conn, &stream, title, description, proposal, meeting).await?;
    change.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::proposals;
    use crate::actions::testing::{a_member, an_admin, join, messages, service};
    use crate::domain::proposals::NewProposal;
    use passerelle_protocol::body::{Origin, Theme};

    #[tokio::test]
    async fn admins_support_and_members_propose_once_joined() {
        let (_dir, node) = service().await;
        let idea = NewProposal {
            title: "Un jardin".into(),
            description: "Derrière".into(),
            theme: Theme::WellBeing,
            tags: vec![],
            origin: Origin::Committee,
        };
        let own = proposals::create(&node, &an_admin(), &idea).await.unwrap();
        let r = ProposalRef {
            service: node.id().clone(),
            proposal: own,
        };
        let (a, m) = (an_admin(), a_member());

        // Not joined: the comment is checked first, then refused.
        let long = "x".repeat(1001);
        let e = support(&node, &a, r.clone(), Some(long), None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_field");
        let expected = crate::domain::not_joined().to_string();
        for e in [
            support(&node, &a, r.clone(), None, None).await.unwrap_err(),
            withdraw_support(&node, &a, r.clone()).await.unwrap_err(),
            propose_item(&node, &m, " ", None, None, None)
                .await
                .unwrap_err(),
        ] {
            assert_eq!(e.to_string(), expected);
        }

        join(&node).await;
        proposals::share(&node, &an_admin(), own).await.unwrap();
        // A member suggests; only administrators give the committee's support.
        for e in [
            support(&node, &m, r.clone(), None, None).await.unwrap_err(),
            withdraw_support(&node, &m, r.clone()).await.unwrap_err(),
        ] {
            assert_eq!(e.code(), "forbidden");
        }
        support(&node, &a, r.clone(), Some(" Oui ".into()), None)
            .await
            .unwrap();
        withdraw_support(&node, &a, r.clone()).await.unwrap();
        let item = propose_item(&node, &m, "Le jardin", None, Some(r), None)
            .await
            .unwrap();
        let kinds: Vec<String> = messages(&node).await.into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            kinds,
            [
                "proposal.shared",
                "support.given",
                "support.withdrawn",
                "agenda_item.proposed"
            ]
        );
        assert_ne!(item, own);
        assert!(meetings(&node, &m).await.unwrap().is_empty());
        assert!(other_proposals(&node, &m).await.unwrap().is_empty());
        assert!(outcomes(&node, &m).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_coordinator_has_no_corner() {
        let (_dir, node) = service().await;
        // The same checks, on the wrong role: refused before anything.
        let coordinator = Actor::new(crate::accounts::Account {
            id: 0,
            username: "coord".into(),
            role: crate::accounts::Role::Coordinator,
            must_change_password: false,
            member_id: None,
            disabled: false,
        });
        let e = meetings(&node, &coordinator).await.unwrap_err();
        assert_eq!(e.code(), "forbidden");
    }
}
