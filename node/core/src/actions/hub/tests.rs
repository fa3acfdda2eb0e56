//! The coordinator's actions: who may, on which node, and what a change
//! announces.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::{NodeRole, ProposalStatus, Theme};
use passerelle_protocol::{Body, Timestamp};

use super::*;
use crate::accounts::Role;
use crate::actions::testing::{first, node, someone};
use crate::domain::hub::{AgendaEntryInput, MeetingDetails, OutcomeInput};
use crate::domain::joint::fixtures::{member, messages, share};
use crate::domain::joint::{DRAFT, PUBLISHED};
use crate::error::Refusal;

/// The fixtures sign shared proposals for this hub.
const HUB: &str = "hub-test";

fn details(title: &str) -> MeetingDetails {
    MeetingDetails {
        directions: None,
        title: title.into(),
        starts_at: Timestamp::from_unix(1_923_121_800).unwrap(),
        ends_at: None,
        place: "Charleroi".into(),
        format: "petit-déjeuner".into(),
    }
}

fn refusal<T: std::fmt::Debug>(result: Result<T, NodeError>) -> Refusal {
    result.unwrap_err().refusal().unwrap()
}

/// Two member services sharing one proposal each, received by the hub.
async fn two_shared(hub: &Node) -> Vec<passerelle_protocol::body::ProposalRef> {
    let mut w = hub.db.begin_write().await.unwrap();
    let c = w.conn();
    member(c, "ssm-a", "SSM A").await;
    member(c, "ssm-b", "SSM B").await;
    let a = share(
        c,
        "ssm-a",
        "Ouvrir le soir",
        "…",
        Theme::Reception,
        ProposalStatus::Idea,
    )
    .await;
    let b = share(
        c,
        "ssm-b",
        "Ouvert le soir",
        "…",
        Theme::Reception,
        ProposalStatus::Idea,
    )
    .await;
    w.commit().await.unwrap();
    vec![a, b]
}

#[tokio::test]
async fn an_admin_or_a_member_may_not_do_the_coordinators_work() {
    let dir = tempfile::tempdir().unwrap();
    let hub = node(dir.path(), NodeRole::Hub, HUB).await;
    let refs = two_shared(&hub).await;
    for who in [someone(Role::Admin), someone(Role::Member)] {
        let draft = create_draft(&hub, &who, &details("Comité")).await;
        assert_eq!(refusal(draft), Refusal::Forbidden);
        let subject = create_subject(&hub, &who, "Le soir", &refs).await;
        assert_eq!(refusal(subject), Refusal::Forbidden);
        let read = proposals(&hub, &who, &ProposalFilter::default()).await;
        assert_eq!(refusal(read), Refusal::Forbidden);
        assert_eq!(refusal(services(&hub, &who).await), Refusal::Forbidden);
    }
    // Nothing was written, nothing announced.
    let coordinator = first(&hub).await;
    assert!(meetings(&hub, &coordinator).await.unwrap().is_empty());
    assert!(subjects(&hub, &coordinator).await.unwrap().is_empty());
    let mut conn = hub.db.pool().acquire().await.unwrap();
    assert!(messages(&mut conn).await.is_empty());
}

#[tokio::test]
async fn a_service_has_no_coordinator_work() {
    let dir = tempfile::tempdir().unwrap();
    let service = node(dir.path(), NodeRole::Service, "ssm-a").await;
    let coordinator = someone(Role::Coordinator);
    let draft = create_draft(&service, &coordinator, &details("Comité")).await;
    assert_eq!(refusal(draft), Refusal::NotAHub);
    assert_eq!(
        refusal(meetings(&service, &coordinator).await),
        Refusal::NotAHub
    );
    // The role is checked before the kind of node.
    let admin = first(&service).await;
    assert_eq!(
        refusal(meetings(&service, &admin).await),
        Refusal::Forbidden
    );
}

#[tokio::test]
async fn a_draft_stays_at_the_hub_until_it_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let hub = node(dir.path(), NodeRole::Hub, HUB).await;
    let coordinator = first(&hub).await;
    let id = create_draft(&hub, &coordinator, &details("Comité"))
        .await
        .unwrap();
    let free = AgendaEntryInput::Free {
        title: "Accueil".into(),
        description: None,
    };
    set_agenda(&hub, &coordinator, id, &[free]).await.unwrap();
    assert_eq!(meeting(&hub, &coordinator, id).await.unwrap().status, DRAFT);
    let mut conn = hub.db.pool().acquire().await.unwrap();
    assert!(messages(&mut conn).await.is_empty(), "a draft is announced");

    publish(&hub, &coordinator, id).await.unwrap();
    let m = meeting(&hub, &coordinator, id).await.unwrap();
    assert_eq!(m.status, PUBLISHED);
    let sent = messages(&mut conn).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, HUB);
    assert!(
        matches!(&sent[0].1, Body::MeetingPublished(p) if p.meeting == id && p.agenda.len() == 1)
    );
    // A refused change announces nothing.
    assert!(publish(&hub, &coordinator, id).await.is_err());
    assert_eq!(messages(&mut conn).await.len(), 1);
}

#[tokio::test]
async fn subjects_and_decisions_go_out_under_the_coordinators_name() {
    let dir = tempfile::tempdir().unwrap();
    let hub = node(dir.path(), NodeRole::Hub, HUB).await;
    let coordinator = first(&hub).await;
    let refs = two_shared(&hub).await;
    let subject = create_subject(&hub, &coordinator, "Le soir", &refs[..1])
        .await
        .unwrap();
    link(&hub, &coordinator, subject, refs[1].clone())
        .await
        .unwrap();
    let log = subject_log(&hub, &coordinator, subject).await.unwrap();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e.actor == "admin" && e.action == "link"));
    assert_eq!(subjects(&hub, &coordinator).await.unwrap()[0].support, 2);

    let id = create_draft(&hub, &coordinator, &details("Comité"))
        .await
        .unwrap();
    set_agenda(
        &hub,
        &coordinator,
        id,
        &[AgendaEntryInput::Subject { subject }],
    )
    .await
    .unwrap();
    publish(&hub, &coordinator, id).await.unwrap();
    let outcome = OutcomeInput {
        subject: Some(subject),
        proposals: Vec::new(),
        decision: "On essaie un soir par mois.".into(),
    };
    record_outcomes(
        &hub,
        &coordinator,
        id,
        "Tout le monde était là.",
        &[outcome],
    )
    .await
    .unwrap();
    // Each service sees the decision about its own proposal.
    let seen = decisions(&hub, &coordinator, id).await.unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen
        .iter()
        .all(|o| o.decision == "On essaie un soir par mois."));
    let mut conn = hub.db.pool().acquire().await.unwrap();
    let kinds: Vec<&str> = messages(&mut conn)
        .await
        .iter()
        .map(|(_, b)| match b {
            Body::SubjectUpdated(_) => "subject",
            Body::MeetingPublished(_) => "published",
            Body::MeetingOutcomes(_) => "outcomes",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["subject", "subject", "published", "outcomes"]);

    // The last proposal out dissolves the subject; the log remains.
    unlink(&hub, &coordinator, subject, refs[0].clone())
        .await
        .unwrap();
    unlink(&hub, &coordinator, subject, refs[1].clone())
        .await
        .unwrap();
    assert!(subjects(&hub, &coordinator).await.unwrap().is_empty());
    assert_eq!(
        subject_log(&hub, &coordinator, subject)
            .await
            .unwrap()
            .len(),
        4
    );
}
