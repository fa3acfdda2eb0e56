//! Tests of [`super`] and of how positions are received
//! ([`crate::domain::joint::positions`]).

use super::*;
use crate::clock::now;
use crate::db::Db;
use crate::domain::joint::fixtures::share as share_proposal;
use crate::domain::joint::fixtures::{messages, ts, Me};
use crate::domain::joint::{
    apply_cancellation, apply_meeting, apply_position, apply_position_withdrawal,
    positions as received,
};
use crate::domain::meetings::{add_agenda_item, create, NewAgendaItem, NewMeeting};
use crate::error::Refusal;
use passerelle_protocol::body::{
    AgendaEntry, JointMeeting, MeetingCancellation, ProposalStatus, Theme,
};

fn joint(meeting: Uuid, points: &[Uuid]) -> JointMeeting {
    JointMeeting {
        meeting,
        title: "Comité inter-SSM".into(),
        starts_at: ts(now() + 10 * 86_400),
        ends_at: None,
        place: "Charleroi".into(),
        format: "petit-déjeuner".into(),
        agenda: points
            .iter()
            .map(|p| AgendaEntry {
                title: "Un point".into(),
                description: None,
                subject: None,
                proposals: vec![],
                proposed_by: None,
                point: Some(*p),
            })
            .collect(),
        notice: None,
        directions: Some("Bus 1, arrêt Gare".into()),
    }
}

async fn local_meeting(c: &mut AnyConnection) -> Uuid {
    create(
        c,
        &NewMeeting {
            title: "Comité".into(),
            starts_at: now() + 86_400,
            place: "Salle 1".into(),
            format: "réunion".into(),
            in_the_past: false,
        },
    )
    .await
    .unwrap()
}

fn kinds(list: &[(String, Body)]) -> Vec<&str> {
    list.iter().map(|(_, b)| b.kind()).collect()
}

#[tokio::test]
async fn a_position_is_decided_at_a_meeting_then_shared_changed_and_taken_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let me = Me::service("ssm-c");
    let stream = me.stream();
    let (m, point) = (Uuid::now_v7(), Uuid::now_v7());
    apply_meeting(c, &joint(m, &[point]), true).await.unwrap();
    let local = local_meeting(c).await;

    // A free item: nothing the inter-service committee discusses.
    let free = add_agenda_item(
        c,
        local,
        &NewAgendaItem {
            title: "Le jardin".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = decide(c, local, free, Stance::For, None).await.unwrap_err();
    assert_eq!(
        e.refusal(),
        Some(Refusal::DomainRule(Rule::NoPositionOnThisItem))
    );

    // A point of the joint meeting: a position, kept at home.
    let item = add_agenda_item(
        c,
        local,
        &NewAgendaItem {
            title: "Le point du petit-déjeuner".into(),
            joint_meeting: Some(m),
            joint_point: Some(point),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let id = decide(c, local, item, Stance::ToDiscuss, Some(" À voir "))
        .await
        .unwrap();
    let p = get(c, id).await.unwrap();
    assert_eq!(p.sharing, Sharing::NotShared);
    assert_eq!(p.comment.as_deref(), Some("À voir"));
    assert_eq!(p.decided_at_meeting, Some(local));
    assert!(
        messages(c).await.is_empty(),
        "nothing leaves before sharing"
    );

    // Deciding again replaces it: one position per subject.
    let again = decide(c, local, item, Stance::Question, Some("Quand ?"))
        .await
        .unwrap();
    assert_eq!(again, id);
    assert_eq!(list(c).await.unwrap().len(), 1);

    share(c, &stream, id).await.unwrap();
    let sent = messages(c).await;
    assert_eq!(kinds(&sent), ["position.shared"]);
    let Body::PositionShared(body) = &sent[0].1 else {
        panic!("{sent:?}")
    };
    assert_eq!(body.position, id);
    assert_eq!(body.meeting, Some(m));
    assert_eq!(body.point, Some(point));
    assert_eq!(body.stance, Stance::Question);
    assert_eq!(
        body.comment.as_ref().and_then(|t| t.given()),
        Some("Quand ?")
    );
    assert_eq!(get(c, id).await.unwrap().sharing, Sharing::Shared);
    let e = share(c, &stream, id).await.unwrap_err();
    assert_eq!(
        e.refusal(),
        Some(Refusal::DomainRule(Rule::PositionAlreadyShared))
    );
    // The service's own projection holds it, as the hub's will.
    let held = received::for_meeting(c, &m, &[]).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].service, "ssm-c");

    // Changed after sharing: it says so until shared again.
    decide(c, local, item, Stance::For, None).await.unwrap();
    assert_eq!(
        get(c, id).await.unwrap().sharing,
        Sharing::ChangedSinceShared
    );
    share(c, &stream, id).await.unwrap();
    assert_eq!(get(c, id).await.unwrap().sharing, Sharing::Shared);
    let held = received::for_meeting(c, &m, &[]).await.unwrap();
    assert_eq!(held[0].stance, Stance::For);
    assert_eq!(held[0].comment, None);

    // Taken back: gone from the inter-service committee, kept at home.
    withdraw(c, &stream, id).await.unwrap();
    assert_eq!(get(c, id).await.unwrap().sharing, Sharing::NotShared);
    assert!(received::for_meeting(c, &m, &[]).await.unwrap().is_empty());
    let e = withdraw(c, &stream, id).await.unwrap_err();
    assert_eq!(
        e.refusal(),
        Some(Refusal::DomainRule(Rule::PositionNotShared))
    );
    assert_eq!(
        kinds(&messages(c).await),
        ["position.shared", "position.shared", "position.withdrawn"]
    );

    // Once the joint meeting is cancelled, sharing is refused before
    // anything is announced.
    apply_cancellation(
        c,
        &MeetingCancellation {
            meeting: m,
            notice: "Reportée".into(),
        },
    )
    .await
    .unwrap();
    let e = share(c, &stream, id).await.unwrap_err();
    assert_eq!(
        e.refusal(),
        Some(Refusal::DomainRule(Rule::JointMeetingCancelled))
    );
    assert_eq!(messages(c).await.len(), 3);
}

#[tokio::test]
async fn receivers_check_the_meeting_the_point_and_the_proposal() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let (m, point) = (Uuid::now_v7(), Uuid::now_v7());
    apply_meeting(c, &joint(m, &[point]), true).await.unwrap();
    let r = share_proposal(
        c,
        "ssm-a",
        "Rampe",
        "Une rampe",
        Theme::Care,
        ProposalStatus::Idea,
    )
    .await;
    let position = |meeting, point, proposal| Position {
        position: Uuid::now_v7(),
        meeting,
        point,
        proposal,
        stance: Stance::Against,
        comment: None,
    };
    let unknown_ref = ProposalRef {
        service: r.service.clone(),
        proposal: Uuid::now_v7(),
    };
    for (p, expected) in [
        (
            position(Some(Uuid::now_v7()), None, None),
            Rule::UnknownJointMeeting,
        ),
        (
            position(Some(m), Some(Uuid::now_v7()), None),
            Rule::NotOnAgenda,
        ),
        (position(None, None, Some(unknown_ref)), Rule::NeverShared),
    ] {
        let e = apply_position(c, "ssm-b", &p).await.unwrap_err();
        assert_eq!(e.refusal(), Some(Refusal::DomainRule(expected)), "{p:?}");
    }
    assert!(received::on_proposal(c, &r).await.unwrap().is_empty());

    // Accepted: on the point, and on the proposal alone.
    apply_position(c, "ssm-b", &position(Some(m), Some(point), None))
        .await
        .unwrap();
    let on_r = position(None, None, Some(r.clone()));
    apply_position(c, "ssm-b", &on_r).await.unwrap();
    assert_eq!(received::on_proposal(c, &r).await.unwrap().len(), 1);
    // The meeting's positions include those on the proposals it discusses.
    assert_eq!(received::for_meeting(c, &m, &[]).await.unwrap().len(), 1);
    assert_eq!(
        received::for_meeting(c, &m, std::slice::from_ref(&r))
            .await
            .unwrap()
            .len(),
        2
    );
    // Withdrawing one it does not hold changes nothing; its own goes.
    apply_position_withdrawal(
        c,
        "ssm-b",
        &PositionWithdrawal {
            position: Uuid::now_v7(),
        },
    )
    .await
    .unwrap();
    apply_position_withdrawal(
        c,
        "ssm-a",
        &PositionWithdrawal {
            position: on_r.position,
        },
    )
    .await
    .unwrap();
    assert_eq!(received::on_proposal(c, &r).await.unwrap().len(), 1);
    apply_position_withdrawal(
        c,
        "ssm-b",
        &PositionWithdrawal {
            position: on_r.position,
        },
    )
    .await
    .unwrap();
    assert!(received::on_proposal(c, &r).await.unwrap().is_empty());
}
