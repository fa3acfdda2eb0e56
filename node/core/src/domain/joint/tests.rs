//! Tests of [`super`].

use super::fixtures::*;
use super::*;
use crate::db::Db;
use passerelle_protocol::body::{AgendaEntry, Outcome, Support};
use std::collections::BTreeMap;

fn other<'a>(list: &'a [OtherProposal], r: &ProposalRef) -> &'a OtherProposal {
    list.iter()
        .find(|p| p.proposal_id == r.proposal && p.service_id == r.service.as_str())
        .unwrap()
}

#[tokio::test]
async fn supports_count_distinct_services_with_the_origin() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    member(c, "ssm-a", "SSM A").await;
    let p = share(
        c,
        "ssm-a",
        "Rampe",
        "Une rampe",
        Theme::Accessibility,
        ProposalStatus::Idea,
    )
    .await;
    let q = share(
        c,
        "ssm-b",
        "Café",
        "Du café",
        Theme::Reception,
        ProposalStatus::Idea,
    )
    .await;

    let list = other_services_proposals(c, "ssm-c").await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(other(&list, &p).support, 1, "the origin backs its proposal");
    assert_eq!(other(&list, &p).service_name.as_deref(), Some("SSM A"));

    give(c, "ssm-b", &p).await;
    give(c, "ssm-b", &p).await; // twice: harmless
    give(c, "ssm-a", &p).await; // its own: the origin counts once
    let list = other_services_proposals(c, "ssm-c").await.unwrap();
    assert_eq!(other(&list, &p).support, 2);
    assert!(!other(&list, &p).supported_by_me);
    assert_eq!(list[0].proposal_id, p.proposal, "most supported first");

    give(c, "ssm-c", &p).await;
    let list = other_services_proposals(c, "ssm-c").await.unwrap();
    assert_eq!(other(&list, &p).support, 3);
    assert!(other(&list, &p).supported_by_me);
    assert!(!other(&list, &q).supported_by_me);
    // A service does not see its own proposals in this list.
    let of_b = other_services_proposals(c, "ssm-b").await.unwrap();
    assert_eq!(of_b.len(), 1);
    assert_eq!(of_b[0].proposal_id, p.proposal);
    assert!(of_b[0].supported_by_me);

    let withdrawal = Support {
        proposal: p.clone(),
        comment: None,
    };
    apply_support(c, "ssm-b", &withdrawal, false).await.unwrap();
    let list = other_services_proposals(c, "ssm-c").await.unwrap();
    assert_eq!(other(&list, &p).support, 2);
    // Withdrawing a support this node does not hold changes nothing and is
    // accepted (SPEC §8.2): its sender may have seen its support refused.
    apply_support(c, "ssm-b", &withdrawal, false).await.unwrap();
    let list = other_services_proposals(c, "ssm-c").await.unwrap();
    assert_eq!(other(&list, &p).support, 2);

    // Unknown or withdrawn proposals cannot be supported.
    let unknown = Support {
        proposal: ProposalRef {
            service: NodeId::parse("ssm-a").unwrap(),
            proposal: Uuid::now_v7(),
        },
        comment: None,
    };
    let e = apply_support(c, "ssm-b", &unknown, true).await.unwrap_err();
    assert_eq!(e.code(), "domain_rule");
    // Right id, wrong service: still unknown.
    let misattributed = Support {
        proposal: ProposalRef {
            service: NodeId::parse("ssm-b").unwrap(),
            proposal: p.proposal,
        },
        comment: None,
    };
    let e = apply_support(c, "ssm-c", &misattributed, true)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "domain_rule");
    withdraw(c, &q).await;
    let e = apply_support(
        c,
        "ssm-a",
        &Support {
            proposal: q.clone(),
            comment: None,
        },
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "domain_rule");
    let list = other_services_proposals(c, "ssm-c").await.unwrap();
    assert_eq!(list.len(), 1, "withdrawn proposals are not shown");
}

#[tokio::test]
async fn service_actions_sign_and_project() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let me = Me::service("ssm-c");
    let s = me.stream();
    let p = share(
        c,
        "ssm-a",
        "Rampe",
        "Une rampe",
        Theme::Accessibility,
        ProposalStatus::Idea,
    )
    .await;

    support(c, Some(&s), p.clone(), Some("  Oui !  ".into()))
        .await
        .unwrap();
    match last_body(c).await {
        Body::SupportGiven(x) => {
            assert_eq!(x.proposal, p);
            assert_eq!(x.comment.as_deref(), Some("Oui !"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let list = other_services_proposals(c, "ssm-c").await.unwrap();
    assert_eq!(list[0].support, 2);
    assert!(list[0].supported_by_me);
    let twice = support(c, Some(&s), p.clone(), None).await.unwrap_err();
    assert_eq!(twice.code(), "domain_rule");
    assert_eq!(messages(c).await.len(), 1, "a refusal signs nothing");

    // Its own shared proposal (in `proposals`, never received back).
    let own = crate::domain::proposals::create(
        c,
        "admin",
        &crate::domain::proposals::NewProposal {
            title: "Jardin".into(),
            description: "Un jardin".into(),
            theme: Theme::WellBeing,
            tags: vec![],
            origin: Origin::Member,
        },
    )
    .await
    .unwrap();
    let own_ref = ProposalRef {
        service: me.me.clone(),
        proposal: own,
    };
    let e = support(c, Some(&s), own_ref.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found", "not shared yet");
    crate::domain::proposals::share(c, &s, own).await.unwrap();
    support(c, Some(&s), own_ref.clone(), None).await.unwrap();
    // Another service's support of it arrives relayed by the hub.
    give(c, "ssm-a", &own_ref).await;

    withdraw_support(c, &s, p.clone()).await.unwrap();
    match last_body(c).await {
        Body::SupportWithdrawn(x) => assert_eq!(x.proposal, p),
        other => panic!("unexpected {other:?}"),
    }
    assert!(!other_services_proposals(c, "ssm-c").await.unwrap()[0].supported_by_me);
    let e = withdraw_support(c, &s, p.clone()).await.unwrap_err();
    assert_eq!(e.code(), "domain_rule");

    let unknown = ProposalRef {
        service: NodeId::parse("ssm-a").unwrap(),
        proposal: Uuid::now_v7(),
    };
    assert_eq!(
        support(c, Some(&s), unknown, None)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    withdraw(c, &p).await;
    assert_eq!(
        support(c, Some(&s), p.clone(), None)
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
}

#[tokio::test]
async fn agenda_items_are_signed_then_projected() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let me = Me::service("ssm-c");
    let s = me.stream();
    let p = share(
        c,
        "ssm-a",
        "Rampe",
        "Une rampe",
        Theme::Accessibility,
        ProposalStatus::Idea,
    )
    .await;

    assert_eq!(
        propose_agenda_item(c, &s, "  ", None, None, None)
            .await
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    assert_eq!(
        propose_agenda_item(c, &s, "Accès", None, None, Some(Uuid::now_v7()))
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    let id = propose_agenda_item(c, &s, " Accès ", Some("La rampe"), Some(p.clone()), None)
        .await
        .unwrap();
    let row = sqlx::query(
        "SELECT service_id, title, message_id, proposal_id FROM joint_agenda_items WHERE id = $1",
    )
    .bind(id_text(&id))
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(row.try_get::<String, _>("service_id").unwrap(), "ssm-c");
    assert_eq!(row.try_get::<String, _>("title").unwrap(), "Accès");
    let message_id: String = row.try_get("message_id").unwrap();
    let (env_id,): (String,) = sqlx::query_as("SELECT id FROM messages ORDER BY pos DESC LIMIT 1")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(message_id, env_id);
    match last_body(c).await {
        Body::AgendaItemProposed(a) => {
            assert_eq!(a.item, id);
            assert_eq!(a.proposal, Some(p.clone()));
            assert_eq!(a.description.as_deref(), Some("La rampe"));
        }
        other => panic!("unexpected {other:?}"),
    }
    // The same item id cannot be proposed twice.
    let again = AgendaItemProposal {
        item: id,
        title: "x".into(),
        description: None,
        proposal: None,
        meeting: None,
    };
    assert_eq!(
        apply_agenda_item(c, "ssm-b", Uuid::now_v7(), &again)
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
}

#[tokio::test]
async fn delegates_and_figures_are_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let d = |label: &str, role| Delegate {
        label: label.into(),
        role,
        term_start: Date::parse("2026-01-01").unwrap(),
        term_end: None,
    };
    let two = DelegateList {
        delegates: vec![
            d("Mireille", DelegateRole::Delegate),
            d("Suppléant·e 1", DelegateRole::Substitute),
        ],
    };
    apply_delegates(c, "ssm-a", &two).await.unwrap();
    apply_delegates(c, "ssm-b", &two).await.unwrap();
    assert_eq!(delegates_of(c, "ssm-a").await.unwrap(), two.delegates);
    let one = DelegateList {
        delegates: vec![d("Délégué·e 1", DelegateRole::Delegate)],
    };
    apply_delegates(c, "ssm-a", &one).await.unwrap();
    assert_eq!(delegates_of(c, "ssm-a").await.unwrap(), one.delegates);
    assert_eq!(delegates_of(c, "ssm-b").await.unwrap().len(), 2);

    let mut f = BTreeMap::new();
    f.insert("questionnaires_collected".to_owned(), 40);
    f.insert("wish_to_join".to_owned(), 6);
    let q3 = AggregateFigures {
        period: "2026-Q3".into(),
        figures: f.clone(),
    };
    apply_figures(c, "ssm-a", &q3).await.unwrap();
    f.remove("wish_to_join");
    apply_figures(
        c,
        "ssm-a",
        &AggregateFigures {
            period: "2026-Q3".into(),
            figures: f.clone(),
        },
    )
    .await
    .unwrap();
    apply_figures(
        c,
        "ssm-a",
        &AggregateFigures {
            period: "2026-Q4".into(),
            figures: f.clone(),
        },
    )
    .await
    .unwrap();
    let figures = figures_of(c, "ssm-a").await.unwrap();
    assert_eq!(figures.len(), 2);
    assert!(figures.iter().all(|x| x.name == "questionnaires_collected"));
    // A negative count or a period of over 50 characters never gets here:
    // the body is refused when read (`invalid_body`, protocol `body::tests`).
}

fn announced(meeting: Uuid, starts: i64, agenda: Vec<AgendaEntry>) -> JointMeeting {
    JointMeeting {
        directions: None,
        meeting,
        title: "Comité inter-SSM".into(),
        starts_at: ts(starts),
        ends_at: Some(ts(starts + 7200)),
        place: "Charleroi".into(),
        format: "petit-déjeuner".into(),
        agenda,
        notice: None,
    }
}

fn entry(title: &str) -> AgendaEntry {
    AgendaEntry {
        point: None,
        title: title.into(),
        description: None,
        subject: None,
        proposals: vec![],
        proposed_by: None,
    }
}

#[tokio::test]
async fn meetings_as_a_service_sees_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let t = now();
    let (m1, m2, past) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());

    let mut update = announced(m1, t + 86_400, vec![entry("Accueil")]);
    update.notice = Some("Nouvelle salle".into());
    assert_eq!(
        apply_meeting(c, &update, false).await.unwrap_err().code(),
        "domain_rule",
        "an update of an unknown meeting"
    );
    apply_meeting(c, &announced(m2, t + 2 * 86_400, vec![]), true)
        .await
        .unwrap();
    apply_meeting(
        c,
        &announced(m1, t + 86_400, vec![entry("Accueil"), entry("Café")]),
        true,
    )
    .await
    .unwrap();
    apply_meeting(c, &announced(past, t - 3 * 86_400, vec![]), true)
        .await
        .unwrap();
    apply_meeting(c, &update, false).await.unwrap();

    let up = upcoming_meetings(c, t).await.unwrap();
    assert_eq!(up.iter().map(|m| m.id).collect::<Vec<_>>(), vec![m1, m2]);
    assert_eq!(up[0].agenda.len(), 1, "an update replaces the agenda");
    assert_eq!(up[0].agenda[0].title, "Accueil");
    assert_eq!(up[0].notice.as_deref(), Some("Nouvelle salle"));

    apply_cancellation(
        c,
        &MeetingCancellation {
            meeting: m2,
            notice: "Grève des bus".into(),
        },
    )
    .await
    .unwrap();
    let up = upcoming_meetings(c, t).await.unwrap();
    assert_eq!(up.iter().map(|m| m.id).collect::<Vec<_>>(), vec![m1]);
    let cancelled = meeting(c, &m2).await.unwrap();
    assert_eq!(cancelled.status, CANCELLED);
    assert_eq!(cancelled.notice.as_deref(), Some("Grève des bus"));
    assert_eq!(
        apply_meeting(c, &announced(m2, t, vec![]), false)
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    let outcomes = |meeting| MeetingOutcomes {
        meeting,
        minutes: "PV".into(),
        outcomes: vec![],
    };
    assert_eq!(
        apply_outcomes(c, &outcomes(m2)).await.unwrap_err().code(),
        "domain_rule"
    );
    assert_eq!(
        apply_outcomes(c, &outcomes(Uuid::now_v7()))
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    apply_outcomes(c, &outcomes(past)).await.unwrap();
    assert_eq!(
        meeting(c, &past).await.unwrap().minutes.as_deref(),
        Some("PV")
    );
    assert_eq!(
        apply_cancellation(
            c,
            &MeetingCancellation {
                meeting: Uuid::now_v7(),
                notice: "x".into()
            }
        )
        .await
        .unwrap_err()
        .code(),
        "domain_rule"
    );
}

#[tokio::test]
async fn outcomes_reach_the_services_whose_proposals_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let pa = share(
        c,
        "ssm-a",
        "Rampe",
        "Une rampe",
        Theme::Accessibility,
        ProposalStatus::Idea,
    )
    .await;
    let pb = share(
        c,
        "ssm-b",
        "Ascenseur",
        "Un ascenseur",
        Theme::Accessibility,
        ProposalStatus::Idea,
    )
    .await;
    let pd = share(
        c,
        "ssm-d",
        "Café",
        "Du café",
        Theme::Reception,
        ProposalStatus::Idea,
    )
    .await;
    let subject = Uuid::now_v7();
    apply_subject(
        c,
        &Subject {
            subject,
            title: "Accessibilité des locaux".into(),
            proposals: vec![pa.clone(), pb.clone()],
        },
    )
    .await
    .unwrap();
    let m = Uuid::now_v7();
    apply_meeting(c, &announced(m, now() - 3600, vec![entry("Tout")]), true)
        .await
        .unwrap();
    apply_outcomes(
        c,
        &MeetingOutcomes {
            meeting: m,
            minutes: "PV".into(),
            outcomes: vec![
                Outcome {
                    subject: None,
                    proposals: vec![pd.clone()],
                    decision: "Le café sera servi.".into(),
                },
                Outcome {
                    subject: Some(subject),
                    proposals: vec![],
                    decision: "Courrier commun au pouvoir organisateur.".into(),
                },
                Outcome {
                    subject: None,
                    proposals: vec![pb.clone()],
                    decision: "L'ascenseur d'abord.".into(),
                },
            ],
        },
    )
    .await
    .unwrap();
    let decisions = |list: Vec<MyOutcome>| list.into_iter().map(|o| o.decision).collect::<Vec<_>>();
    assert_eq!(
        decisions(outcomes_concerning(c, "ssm-a").await.unwrap()),
        vec!["Courrier commun au pouvoir organisateur."]
    );
    let of_b = outcomes_concerning(c, "ssm-b").await.unwrap();
    assert_eq!(of_b.len(), 2);
    assert_eq!(
        of_b[0].subject_title.as_deref(),
        Some("Accessibilité des locaux")
    );
    assert_eq!(of_b[1].proposals, vec![pb.clone()]);
    assert_eq!(
        decisions(outcomes_concerning(c, "ssm-d").await.unwrap()),
        vec!["Le café sera servi."]
    );
    assert!(outcomes_concerning(c, "ssm-e").await.unwrap().is_empty());

    // The answer comes back to everyone who carried the point: a supporter
    // of the café, a committee that took a position on the ascenseur, one
    // that took a position on the meeting as a whole.
    give(c, "ssm-e", &pd).await;
    let of_e = outcomes_concerning(c, "ssm-e").await.unwrap();
    assert_eq!(decisions(of_e.clone()), vec!["Le café sera servi."]);
    assert_eq!(of_e[0].concern, Concern::WeSupport);
    assert_eq!(of_a_concern(c, "ssm-a").await, vec![Concern::OurProposal]);
    let position = |meeting, proposal| passerelle_protocol::body::Position {
        position: Uuid::now_v7(),
        meeting,
        point: None,
        proposal,
        stance: passerelle_protocol::body::Stance::Question,
        comment: None,
    };
    apply_position(c, "ssm-f", &position(None, Some(pb.clone())))
        .await
        .unwrap();
    assert_eq!(
        decisions(outcomes_concerning(c, "ssm-f").await.unwrap()),
        vec![
            "Courrier commun au pouvoir organisateur.",
            "L'ascenseur d'abord."
        ],
        "the subject holds the ascenseur too"
    );
    apply_position(c, "ssm-g", &position(Some(m), None))
        .await
        .unwrap();
    let of_g = outcomes_concerning(c, "ssm-g").await.unwrap();
    assert_eq!(of_g.len(), 3);
    assert!(of_g.iter().all(|o| o.concern == Concern::OurPosition));
    assert!(of_g.iter().all(|o| o.recorded_at > 0));

    // A position on one point: the decisions about that point's proposals.
    let point = Uuid::now_v7();
    let mut cafe = entry("Le café");
    cafe.point = Some(point);
    cafe.proposals = vec![pd.clone()];
    apply_meeting(c, &announced(m, now() - 3600, vec![cafe]), false)
        .await
        .unwrap();
    let mut on_point = position(Some(m), None);
    on_point.point = Some(point);
    apply_position(c, "ssm-h", &on_point).await.unwrap();
    assert_eq!(
        decisions(outcomes_concerning(c, "ssm-h").await.unwrap()),
        vec!["Le café sera servi."]
    );
}

async fn of_a_concern(c: &mut AnyConnection, me: &str) -> Vec<Concern> {
    outcomes_concerning(c, me)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.concern)
        .collect()
}

#[tokio::test]
async fn subjects_keep_a_proposal_in_one_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let pa = share(
        c,
        "ssm-a",
        "Rampe",
        "Une rampe",
        Theme::Accessibility,
        ProposalStatus::Idea,
    )
    .await;
    let (s1, s2) = (Uuid::now_v7(), Uuid::now_v7());
    let subject = |id, proposals| Subject {
        subject: id,
        title: "Accès".into(),
        proposals,
    };
    apply_subject(c, &subject(s1, vec![pa.clone()]))
        .await
        .unwrap();
    assert_eq!(
        apply_subject(c, &subject(s2, vec![pa.clone()]))
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    apply_subject(c, &subject(s1, vec![])).await.unwrap();
    apply_subject(c, &subject(s2, vec![pa.clone()]))
        .await
        .unwrap();
    let (dissolved,): (i64,) = sqlx::query_as("SELECT dissolved FROM subjects WHERE id = $1")
        .bind(id_text(&s1))
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(dissolved, 1);
}
