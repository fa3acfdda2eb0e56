#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::{ProposalRef, ProposalStatus, Theme};
use passerelle_protocol::Body;
use sqlx::Row;
use uuid::Uuid;

use super::*;
use crate::accounts::{self, NewAccount, Role};
use crate::actions::joint::{support, withdraw_support};
use crate::actions::testing::{an_admin, join, messages, service};
use crate::domain::joint::fixtures;

fn rule_of(e: &NodeError) -> Option<crate::error::Rule> {
    match e.refusal() {
        Some(crate::error::Refusal::DomainRule(r)) => Some(r),
        _ => None,
    }
}

/// A real account of the service, with `role`.
async fn account(node: &Node, username: &str, role: Role) -> Actor {
    let id = accounts::create(
        &node.db,
        NewAccount {
            username,
            password: "un mot de passe bien long pour un test",
            role,
            must_change: false,
            member_id: None,
            known: &[],
        },
    )
    .await
    .unwrap();
    Actor::new(accounts::get(&node.db, id).await.unwrap().unwrap())
}

/// A joined service that received Courcelles' shared proposal.
async fn with_a_proposal() -> (tempfile::TempDir, Node, ProposalRef) {
    let (dir, node) = service().await;
    join(&node).await;
    let mut w = node.db.begin_write().await.unwrap();
    fixtures::member(w.conn(), "ssm-courcelles", "SSM de Courcelles").await;
    let r = fixtures::share(
        w.conn(),
        "ssm-courcelles",
        "Des réunions le soir",
        "Après le travail",
        Theme::WellBeing,
        ProposalStatus::Discussed,
    )
    .await;
    w.commit().await.unwrap();
    (dir, node, r)
}

async fn supports_rows(node: &Node) -> Vec<(String, Option<String>, Option<String>)> {
    sqlx::query("SELECT supporter, comment, decided_at_meeting FROM supports ORDER BY supporter")
        .fetch_all(node.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("supporter").unwrap(),
                r.try_get("comment").unwrap(),
                r.try_get("decided_at_meeting").unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_suggestion_is_not_the_committees_support_until_confirmed() {
    let (_dir, node, r) = with_a_proposal().await;
    let marie = account(&node, "marie", Role::Member).await;
    let paul = account(&node, "paul", Role::Member).await;
    let admin = an_admin();

    // A member may not support directly: forbidden, nothing changes.
    let e = support(&node, &marie, r.clone(), Some("Oui".into()), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    let e = set_aside_suggestions(&node, &marie, r.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");

    // Members suggest: nothing is sent, nothing is in `supports`.
    suggest_support(&node, &marie, r.clone(), Some("Pareil chez nous".into()))
        .await
        .unwrap();
    suggest_support(&node, &marie, r.clone(), Some(" Chez nous aussi ".into()))
        .await
        .unwrap();
    suggest_support(&node, &paul, r.clone(), None)
        .await
        .unwrap();
    assert!(messages(&node).await.is_empty());
    assert!(supports_rows(&node).await.is_empty());
    let e = suggest_support(&node, &paul, r.clone(), Some("x".repeat(1001)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_field");

    // The administrators see every pending suggestion; a member their own.
    let all = suggestions(&node, &admin).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].by, "marie");
    assert_eq!(all[0].word.as_deref(), Some("Chez nous aussi"), "replaced");
    assert_eq!(all[1].word, None);
    let own = suggestions(&node, &paul).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].account_id, paul.account.id);

    // Paul takes his back; twice is refused.
    take_back_suggestion(&node, &paul, r.clone()).await.unwrap();
    let e = take_back_suggestion(&node, &paul, r.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "domain_rule");
    assert_eq!(rule_of(&e), Some(crate::error::Rule::NoSuggestion));

    // The administrator confirms, with the comment edited: the committee's
    // support, sent with its word; the suggestion is settled.
    support(
        &node,
        &admin,
        r.clone(),
        Some("Oui, chez nous aussi.".into()),
        None,
    )
    .await
    .unwrap();
    let kinds: Vec<String> = messages(&node).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["support.given"]);
    let mut conn = node.db.pool().acquire().await.unwrap();
    match fixtures::last_body(&mut conn).await {
        Body::SupportGiven(s) => {
            assert_eq!(s.proposal, r);
            assert_eq!(
                s.comment.as_ref().and_then(|c| c.given()),
                Some("Oui, chez nous aussi.")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    drop(conn);
    assert_eq!(
        supports_rows(&node).await,
        [(
            "ssm-test".to_owned(),
            Some("Oui, chez nous aussi.".to_owned()),
            None
        )]
    );
    assert!(suggestions(&node, &admin).await.unwrap().is_empty());
    let outcome: String = sqlx::query("SELECT outcome FROM support_suggestions")
        .fetch_one(node.db.pool())
        .await
        .unwrap()
        .try_get("outcome")
        .unwrap();
    assert_eq!(outcome, "confirmed");

    // Supported already: a new suggestion is refused.
    let e = suggest_support(&node, &paul, r.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(rule_of(&e), Some(crate::error::Rule::AlreadySupported));
}

#[tokio::test]
async fn set_aside_and_decided_at_a_meeting() {
    let (_dir, node, r) = with_a_proposal().await;
    let marie = account(&node, "marie", Role::Member).await;
    let admin = an_admin();

    // Nothing to set aside yet.
    let e = set_aside_suggestions(&node, &admin, r.clone())
        .await
        .unwrap_err();
    assert_eq!(rule_of(&e), Some(crate::error::Rule::NoSuggestion));
    suggest_support(&node, &marie, r.clone(), Some("Bof".into()))
        .await
        .unwrap();
    set_aside_suggestions(&node, &admin, r.clone())
        .await
        .unwrap();
    assert!(suggestions(&node, &admin).await.unwrap().is_empty());
    assert!(messages(&node).await.is_empty(), "nothing sent");
    // Marie may suggest again: pending again.
    suggest_support(&node, &marie, r.clone(), Some("Et maintenant ?".into()))
        .await
        .unwrap();
    assert_eq!(suggestions(&node, &marie).await.unwrap().len(), 1);

    // Decided at a meeting: one that took place, not one to come.
    let meeting = |days: i64| crate::domain::meetings::NewMeeting {
        title: "Comité".into(),
        starts_at: crate::clock::now() + days * 86_400,
        place: "Salle".into(),
        format: "réunion".into(),
        in_the_past: days < 0,
    };
    let past = crate::actions::meetings::create(&node, &admin, &meeting(-7))
        .await
        .unwrap();
    let coming = crate::actions::meetings::create(&node, &admin, &meeting(7))
        .await
        .unwrap();
    let e = support(&node, &admin, r.clone(), None, Some(coming))
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&e),
        Some(crate::error::Rule::DecisionAtAMeetingHeld)
    );
    let e = support(&node, &admin, r.clone(), None, Some(Uuid::now_v7()))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(messages(&node).await.is_empty(), "a refusal sends nothing");
    assert_eq!(suggestions(&node, &admin).await.unwrap().len(), 1);
    support(&node, &admin, r.clone(), None, Some(past))
        .await
        .unwrap();
    let rows = supports_rows(&node).await;
    assert_eq!(rows[0].2, Some(past.hyphenated().to_string()));
    assert!(suggestions(&node, &admin).await.unwrap().is_empty());
    let mut conn = node.db.pool().acquire().await.unwrap();
    let at = crate::domain::joint::suggestions::decided_at(&mut conn, "ssm-test", &r)
        .await
        .unwrap();
    assert_eq!(at, Some(past));
    drop(conn);

    // Withdrawing is the administrators' too.
    let e = withdraw_support(&node, &marie, r.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    withdraw_support(&node, &admin, r).await.unwrap();
}
