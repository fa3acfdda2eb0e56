//! A service's own proposals. Anyone in the committee records an idea and
//! reads; the administrators move a proposal along its life cycle (with
//! management's answer) and decide what the inter-service committee sees:
//! sharing, then stopping; they also correct a proposal's title, text and
//! theme, and reopen one abandoned or realised. A shared proposal's changes
//! are announced in the transaction that makes them.

use passerelle_protocol::body::ProposalStatus;
use uuid::Uuid;

use super::{Actor, Who};
use crate::domain::not_joined;
use crate::domain::proposals::{self, Correction, HistoryEntry, NewProposal, Proposal};
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::node::Node;

/// A proposal with its whole history.
#[derive(Debug, Clone)]
pub struct Detail {
    pub proposal: Proposal,
    pub history: Vec<HistoryEntry>,
    /// The other services that support it, with their words (once shared).
    pub supporters: Vec<crate::domain::joint::Supporter>,
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
    let me = node.id().as_str();
    Ok(Detail {
        proposal: proposals::get(&mut conn, id).await?,
        history: proposals::history(&mut conn, id).await?,
        supporters: crate::domain::joint::supporters(&mut conn, me, id).await?,
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

/// Corrects a proposal's title, text and theme (administrators: the
/// committee's record, whoever wrote the idea; a ballot-box slip has no
/// author). Returns whether anything changed. Kept in the history; a
/// shared proposal's correction reaches the hub and the other services.
pub async fn correct(
    node: &Node,
    actor: &Actor,
    id: Uuid,
    c: &Correction,
) -> Result<bool, NodeError> {
    Who::Admins.check(node, actor)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let changed = proposals::correct(conn, stream.as_ref(), id, actor.name(), c).await?;
    change.commit().await?;
    Ok(changed)
}

/// Where [`reopen`] would take the proposal (`None`: it is not closed).
pub async fn reopen_target(
    node: &Node,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<ProposalStatus>, NodeError> {
    let d = detail(node, actor, id).await?;
    Ok(proposals::reopen_target(d.proposal.status, &d.history))
}

/// Reopens an abandoned or realised proposal: back to the status it had
/// before ([`proposals::reopen_target`]), recorded in its history and
/// announced if shared. Returns the status it is back to.
pub async fn reopen(
    node: &Node,
    actor: &Actor,
    id: Uuid,
    comment: Option<String>,
) -> Result<ProposalStatus, NodeError> {
    Who::Admins.check(node, actor)?;
    let comment = crate::validate::optional_text("comment", comment.as_deref(), 2000)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let p = proposals::get(conn, id).await?;
    let history = proposals::history(conn, id).await?;
    let to = proposals::reopen_target(p.status, &history).ok_or_else(|| {
        rule(
            Rule::TransitionNotAllowed,
            "only an abandoned or realised proposal can be reopened",
        )
    })?;
    proposals::change_status(conn, stream.as_ref(), id, actor.name(), to, comment, None).await?;
    change.commit().await?;
    Ok(to)
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
    use passerelle_protocol::body::{Origin, Text, Theme};

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

    fn corrected(title: &str, description: &str, theme: Theme) -> Correction {
        Correction {
            title: title.into(),
            description: description.into(),
            theme,
        }
    }

    #[tokio::test]
    async fn administrators_correct_with_history_and_nothing_half_stored() {
        let (_dir, node) = service().await;
        let a = an_admin();
        let id = create(&node, &a_member(), &idea()).await.unwrap();
        let c = corrected("Une rampe d'accès", "À l'entrée", Theme::Accessibility);
        let e = correct(&node, &a_member(), id, &c).await.unwrap_err();
        assert_eq!(e.code(), "forbidden");
        // A bad field: refused, nothing stored.
        let bad = corrected("  ", "Autre texte", Theme::Care);
        let e = correct(&node, &a, id, &bad).await.unwrap_err();
        assert_eq!(e.code(), "invalid_field");
        let d = detail(&node, &a, id).await.unwrap();
        assert_eq!(
            (d.proposal.title.as_str(), d.history.len()),
            ("Une rampe", 1)
        );
        assert_eq!(d.proposal.theme, Theme::Accessibility);

        assert!(correct(&node, &a, id, &c).await.unwrap());
        let again = corrected(
            "Une rampe d'accès",
            "À l'entrée, côté parking",
            Theme::Reception,
        );
        assert!(correct(&node, &a, id, &again).await.unwrap());
        assert!(
            !correct(&node, &a, id, &again).await.unwrap(),
            "nothing changed"
        );
        let d = detail(&node, &a, id).await.unwrap();
        assert_eq!(d.proposal.title, "Une rampe d'accès");
        assert_eq!(d.proposal.description, "À l'entrée, côté parking");
        assert_eq!(d.proposal.theme, Theme::Reception);
        assert_eq!(d.proposal.status, ProposalStatus::Idea);
        assert_eq!(d.history.len(), 3);
        let first = &d.history[1];
        assert_eq!(first.step, proposals::HistoryStep::Corrected);
        assert_eq!(first.actor, "admin");
        assert_eq!(first.old_title.as_deref(), Some("Une rampe"));
        assert_eq!(first.new_title.as_deref(), Some("Une rampe d'accès"));
        assert!(!first.text_corrected);
        let second = &d.history[2];
        assert_eq!(
            (second.old_title.clone(), second.text_corrected),
            (None, true)
        );
        assert_eq!(second.old_theme, Some(Theme::Accessibility));
        assert_eq!(second.new_theme, Some(Theme::Reception));
        assert!(messages(&node).await.is_empty(), "not shared: nothing sent");
    }

    #[tokio::test]
    async fn a_shared_correction_is_announced_sealed() {
        let (_dir, node) = service().await;
        join(&node).await;
        let a = an_admin();
        let id = create(&node, &a, &idea()).await.unwrap();
        share(&node, &a, id).await.unwrap();
        let c = corrected("Une rampe d'accès", "Côté parking", Theme::Accessibility);
        correct(&node, &a, id, &c).await.unwrap();
        let sent = messages(&node).await;
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].0, "proposal.updated");
        let env = passerelle_protocol::SignedEnvelope::parse(sent[1].1.as_bytes()).unwrap();
        let sealed: Vec<String> = env.sealed_fields().into_iter().map(|(p, _)| p).collect();
        assert!(sealed.contains(&"title".to_owned()), "{sealed:?}");
        assert!(sealed.contains(&"description".to_owned()), "{sealed:?}");
        match env.body().unwrap() {
            passerelle_protocol::Body::ProposalUpdated(u) => {
                assert_eq!(u.status, ProposalStatus::Idea);
                assert_eq!(Text::opt(&u.title), Some("Une rampe d'accès"));
                assert_eq!(Text::opt(&u.description), Some("Côté parking"));
                assert_eq!(u.theme, None, "the theme did not change");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn reopening_goes_back_and_is_announced() {
        let (_dir, node) = service().await;
        join(&node).await;
        let a = an_admin();
        let id = create(&node, &a, &idea()).await.unwrap();
        let e = reopen(&node, &a, id, None).await.unwrap_err();
        assert_eq!(e.code(), "domain_rule", "an idea is not closed");
        change_status(&node, &a, id, ProposalStatus::Discussed, None, None)
            .await
            .unwrap();
        share(&node, &a, id).await.unwrap();
        change_status(&node, &a, id, ProposalStatus::Abandoned, None, None)
            .await
            .unwrap();
        assert_eq!(
            reopen_target(&node, &a, id).await.unwrap(),
            Some(ProposalStatus::Discussed)
        );
        let e = reopen(&node, &a_member(), id, None).await.unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let back = reopen(&node, &a, id, Some("on s'était trompé".into()))
            .await
            .unwrap();
        assert_eq!(back, ProposalStatus::Discussed);
        let d = detail(&node, &a, id).await.unwrap();
        assert_eq!(d.proposal.status, ProposalStatus::Discussed);
        let last = d.history.last().unwrap();
        assert_eq!(last.step, proposals::HistoryStep::Reopened);
        assert_eq!(last.from_status, Some(ProposalStatus::Abandoned));
        let kinds: Vec<String> = messages(&node).await.into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            kinds,
            ["proposal.shared", "proposal.updated", "proposal.updated"]
        );
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
