//! Tests of [`super`]: the rules, on a real database.

use super::*;
use crate::db::Db;
use crate::domain::joint::fixtures::{give, last_body, member, messages, share, ts, withdraw, Me};
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::body::{AgendaItemProposal, DelegateList, DelegateRole};
use passerelle_protocol::Date;
use ProposalStatus::{Idea, Refused, SentToManagement};
use Theme::{Accessibility, Reception, WellBeing};

fn ids(list: &[AggregatedProposal]) -> Vec<Uuid> {
    list.iter().map(|p| p.proposal_id).collect()
}

fn filter() -> ProposalFilter {
    ProposalFilter::default()
}

async fn set_updated(conn: &mut AnyConnection, r: &ProposalRef, at: i64) {
    sqlx::query("UPDATE federated_proposals SET updated_at = $1 WHERE proposal_id = $2")
        .bind(at)
        .bind(id_text(&r.proposal))
        .execute(conn)
        .await
        .unwrap();
}

#[test]
fn like_patterns_take_wildcards_literally() {
    assert_eq!(like_pattern("Café"), "%café%");
    assert_eq!(like_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
}

#[tokio::test]
async fn aggregated_filters_sorts_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    member(c, "ssm-a", "SSM de Courcelles").await;
    let ramp = share(
        c,
        "ssm-a",
        "Une RAMPE d'accès",
        "Pour les fauteuils",
        Accessibility,
        Idea,
    )
    .await;
    let coffee = share(
        c,
        "ssm-b",
        "café le matin",
        "Servi à 100% bio",
        Reception,
        SentToManagement,
    )
    .await;
    let garden = share(
        c,
        "ssm-b",
        "Jardin",
        "Un coin_calme dehors",
        WellBeing,
        Refused,
    )
    .await;
    let lift = share(
        c,
        "ssm-c",
        "Ascenseur",
        "Réparer l'ascenseur",
        Accessibility,
        Idea,
    )
    .await;
    let gone = share(c, "ssm-c", "Bancs", "Des bancs", WellBeing, Idea).await;
    set_updated(c, &ramp, 100).await;
    set_updated(c, &coffee, 400).await;
    set_updated(c, &garden, 300).await;
    set_updated(c, &lift, 200).await;
    set_updated(c, &gone, 500).await;

    // lift: origin c + a + b = 3; coffee: b + a = 2 (b's own support adds nothing).
    give(c, "ssm-a", &lift).await;
    give(c, "ssm-b", &lift).await;
    give(c, "ssm-c", &lift).await;
    give(c, "ssm-a", &coffee).await;
    give(c, "ssm-b", &coffee).await;
    give(c, "ssm-a", &gone).await;
    withdraw(c, &gone).await;
    set_updated(c, &gone, 500).await;

    let all = aggregated(c, &filter()).await.unwrap();
    assert_eq!(
        ids(&all),
        vec![
            lift.proposal,
            coffee.proposal,
            garden.proposal,
            ramp.proposal
        ]
    );
    let support: Vec<i64> = all.iter().map(|p| p.support).collect();
    assert_eq!(support, vec![3, 2, 1, 1]);
    assert_eq!(all[3].service_name.as_deref(), Some("SSM de Courcelles"));
    assert_eq!(all[0].theme, Accessibility);

    let recent = aggregated(
        c,
        &ProposalFilter {
            sort: ProposalSort::Recent,
            ..filter()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        ids(&recent),
        vec![
            coffee.proposal,
            garden.proposal,
            lift.proposal,
            ramp.proposal
        ]
    );
    let by_title = aggregated(
        c,
        &ProposalFilter {
            sort: ProposalSort::Title,
            ..filter()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        ids(&by_title),
        vec![
            lift.proposal,
            coffee.proposal,
            garden.proposal,
            ramp.proposal
        ]
    );

    let with_gone = aggregated(
        c,
        &ProposalFilter {
            include_withdrawn: true,
            sort: ProposalSort::Recent,
            ..filter()
        },
    )
    .await
    .unwrap();
    assert_eq!(with_gone[0].proposal_id, gone.proposal);
    assert!(with_gone[0].withdrawn);
    assert_eq!(with_gone[0].support, 2);

    let theme = aggregated(
        c,
        &ProposalFilter {
            theme: Some(Accessibility),
            ..filter()
        },
    )
    .await
    .unwrap();
    assert_eq!(ids(&theme), vec![lift.proposal, ramp.proposal]);
    let status = aggregated(
        c,
        &ProposalFilter {
            status: Some(Idea),
            ..filter()
        },
    )
    .await
    .unwrap();
    assert_eq!(ids(&status), vec![lift.proposal, ramp.proposal]);
    let service = aggregated(
        c,
        &ProposalFilter {
            service: Some("ssm-b".into()),
            ..filter()
        },
    )
    .await
    .unwrap();
    assert_eq!(ids(&service), vec![coffee.proposal, garden.proposal]);
    let combined = aggregated(
        c,
        &ProposalFilter {
            theme: Some(Accessibility),
            service: Some("ssm-a".into()),
            ..filter()
        },
    )
    .await
    .unwrap();
    assert_eq!(ids(&combined), vec![ramp.proposal]);

    let find = |t: &str| ProposalFilter {
        text: Some(t.into()),
        ..filter()
    };
    // Case-insensitive, in the title or the description.
    assert_eq!(
        ids(&aggregated(c, &find("rampe")).await.unwrap()),
        vec![ramp.proposal]
    );
    assert_eq!(
        ids(&aggregated(c, &find("CAFÉ")).await.unwrap()),
        vec![coffee.proposal]
    );
    assert_eq!(
        ids(&aggregated(c, &find("fauteuil")).await.unwrap()),
        vec![ramp.proposal]
    );
    // % and _ are plain characters, not wildcards.
    assert_eq!(
        ids(&aggregated(c, &find("100%")).await.unwrap()),
        vec![coffee.proposal]
    );
    assert!(aggregated(c, &find("%")).await.unwrap().len() == 1);
    assert_eq!(
        ids(&aggregated(c, &find("coin_calme")).await.unwrap()),
        vec![garden.proposal]
    );
    assert!(aggregated(c, &find("_")).await.unwrap().len() == 1);
    assert!(aggregated(c, &find("bancs")).await.unwrap().is_empty());
    assert!(aggregated(c, &find("   ")).await.unwrap().len() == 4);

    let n = counts(c, &filter()).await.unwrap();
    assert_eq!(n.total, 4);
    let pairs = |v: &[Count]| {
        v.iter()
            .map(|c| (c.key.clone(), c.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        pairs(&n.by_theme),
        vec![
            ("accessibility".into(), 2),
            ("reception".into(), 1),
            ("well_being".into(), 1)
        ]
    );
    assert_eq!(
        pairs(&n.by_status),
        vec![
            ("idea".into(), 2),
            ("refused".into(), 1),
            ("sent_to_management".into(), 1)
        ]
    );
    assert_eq!(
        pairs(&n.by_service),
        vec![
            ("ssm-a".into(), 1),
            ("ssm-b".into(), 2),
            ("ssm-c".into(), 1)
        ]
    );
    let n = counts(
        c,
        &ProposalFilter {
            include_withdrawn: true,
            theme: Some(WellBeing),
            ..filter()
        },
    )
    .await
    .unwrap();
    assert_eq!(n.total, 2);
    assert_eq!(
        pairs(&n.by_service),
        vec![("ssm-b".into(), 1), ("ssm-c".into(), 1)]
    );
}

#[tokio::test]
async fn subjects_link_log_and_count_each_service_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let hub = Me::hub();
    let s = hub.stream();
    let pa = share(c, "ssm-a", "Rampe", "Une rampe", Accessibility, Idea).await;
    let pb = share(c, "ssm-b", "Ascenseur", "Un ascenseur", Accessibility, Idea).await;
    let pb2 = share(
        c,
        "ssm-b",
        "Portes",
        "Des portes larges",
        Accessibility,
        Idea,
    )
    .await;
    let pc = share(c, "ssm-c", "Café", "Du café", Reception, Idea).await;

    assert_eq!(
        create_subject(c, &s, "Accès", &[], "coord")
            .await
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    let unknown = ProposalRef {
        service: pa.service.clone(),
        proposal: Uuid::now_v7(),
    };
    assert_eq!(
        create_subject(c, &s, "Accès", &[pa.clone(), unknown.clone()], "coord")
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert!(messages(c).await.is_empty());

    let subject = create_subject(
        c,
        &s,
        " Accès aux locaux ",
        &[pa.clone(), pb.clone()],
        "coord",
    )
    .await
    .unwrap();
    match last_body(c).await {
        Body::SubjectUpdated(x) => {
            assert_eq!(x.subject, subject);
            assert_eq!(x.title, "Accès aux locaux");
            assert_eq!(x.proposals, vec![pa.clone(), pb.clone()]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(subject_support(c, &subject).await.unwrap(), 2);

    // ssm-c backs both proposals of the subject: it counts once.
    give(c, "ssm-c", &pa).await;
    give(c, "ssm-c", &pb).await;
    // ssm-a backs the other proposal: it already counts as an origin.
    give(c, "ssm-a", &pb).await;
    assert_eq!(subject_support(c, &subject).await.unwrap(), 3);

    // Linking a second proposal of ssm-b adds no service.
    link(c, &s, subject, pb2.clone(), "coord2").await.unwrap();
    assert_eq!(subject_support(c, &subject).await.unwrap(), 3);
    match last_body(c).await {
        Body::SubjectUpdated(x) => {
            assert_eq!(x.proposals, vec![pa.clone(), pb.clone(), pb2.clone()])
        }
        other => panic!("unexpected {other:?}"),
    }
    let listed = subjects(c).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].support, 3);
    assert_eq!(listed[0].proposals.len(), 3);
    assert_eq!(listed[0].proposals[0].title.as_deref(), Some("Rampe"));
    assert_eq!(listed[0].proposals[0].support, 2);
    assert_eq!(listed[0].proposals[1].support, 3);
    let agg = aggregated(c, &filter()).await.unwrap();
    assert!(agg.iter().filter(|p| p.subject == Some(subject)).count() == 3);
    // The originals are untouched.
    assert_eq!(
        agg.iter()
            .find(|p| p.proposal_id == pa.proposal)
            .unwrap()
            .title,
        "Rampe"
    );

    let before = messages(c).await.len();
    for (r, code) in [
        (pb2.clone(), "domain_rule"),   // already in this subject
        (unknown.clone(), "not_found"), // never shared
    ] {
        assert_eq!(
            link(c, &s, subject, r, "coord").await.unwrap_err().code(),
            code
        );
    }
    let other = create_subject(c, &s, "Convivialité", std::slice::from_ref(&pc), "coord")
        .await
        .unwrap();
    assert_eq!(
        link(c, &s, other, pa.clone(), "coord")
            .await
            .unwrap_err()
            .code(),
        "domain_rule",
        "already in another subject"
    );
    assert_eq!(
        create_subject(c, &s, "Doublon", std::slice::from_ref(&pa), "coord")
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    assert_eq!(
        unlink(c, &s, subject, pc.clone(), "coord")
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    assert_eq!(
        link(c, &s, Uuid::now_v7(), pc.clone(), "coord")
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        messages(c).await.len(),
        before + 1,
        "only the second subject was announced"
    );

    // A withdrawn proposal no longer brings its service nor its supporters.
    withdraw(c, &pa).await;
    assert_eq!(
        subject_support(c, &subject).await.unwrap(),
        3,
        "ssm-a and ssm-c back pb"
    );
    unlink(c, &s, subject, pb.clone(), "coord3").await.unwrap();
    assert_eq!(
        subject_support(c, &subject).await.unwrap(),
        1,
        "only pb2's own service"
    );
    match last_body(c).await {
        Body::SubjectUpdated(x) => assert_eq!(x.proposals, vec![pa.clone(), pb2.clone()]),
        other => panic!("unexpected {other:?}"),
    }
    unlink(c, &s, subject, pa.clone(), "coord").await.unwrap();
    unlink(c, &s, subject, pb2.clone(), "coord").await.unwrap();
    match last_body(c).await {
        Body::SubjectUpdated(x) => assert!(x.proposals.is_empty(), "an empty list dissolves"),
        other => panic!("unexpected {other:?}"),
    }
    let listed = subjects(c).await.unwrap();
    assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), vec![other]);
    assert_eq!(
        link(c, &s, subject, pb.clone(), "coord")
            .await
            .unwrap_err()
            .code(),
        "domain_rule",
        "dissolved"
    );
    // Once unlinked, a proposal may join another subject.
    link(c, &s, other, pb.clone(), "coord").await.unwrap();

    let log = subject_log(c, &subject).await.unwrap();
    let summary: Vec<(String, String, ProposalRef)> = log
        .iter()
        .map(|e| (e.actor.clone(), e.action.clone(), e.proposal.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("coord".into(), "link".into(), pa.clone()),
            ("coord".into(), "link".into(), pb.clone()),
            ("coord2".into(), "link".into(), pb2.clone()),
            ("coord3".into(), "unlink".into(), pb.clone()),
            ("coord".into(), "unlink".into(), pa.clone()),
            ("coord".into(), "unlink".into(), pb2.clone()),
        ]
    );
    assert!(log.iter().all(|e| e.at > 0));
}

fn details(title: &str, starts: i64) -> MeetingDetails {
    MeetingDetails {
        directions: None,
        title: title.into(),
        starts_at: ts(starts),
        ends_at: Some(ts(starts + 7200)),
        place: "Maison des associations, Charleroi".into(),
        format: "petit-déjeuner".into(),
    }
}

async fn proposed_item(
    conn: &mut AnyConnection,
    service: &str,
    title: &str,
    proposal: Option<ProposalRef>,
) -> Uuid {
    let item = AgendaItemProposal {
        item: Uuid::now_v7(),
        title: title.into(),
        description: Some(format!("{title}, expliqué").into()),
        proposal,
        meeting: None,
    };
    joint::apply_agenda_item(conn, service, Uuid::now_v7(), &item)
        .await
        .unwrap();
    item.item
}

#[tokio::test]
async fn meeting_life_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let hub = Me::hub();
    let s = hub.stream();
    let t = now();
    let pa = share(c, "ssm-a", "Rampe", "Une rampe", Accessibility, Idea).await;
    let pb = share(c, "ssm-b", "Ascenseur", "Un ascenseur", Accessibility, Idea).await;
    let pc = share(c, "ssm-c", "Café", "Du café", Reception, Idea).await;
    let subject = create_subject(c, &s, "Accès", &[pa.clone(), pb.clone()], "coord")
        .await
        .unwrap();
    let coffee_item = proposed_item(c, "ssm-c", "Le café", Some(pc.clone())).await;
    let free_item = proposed_item(c, "ssm-b", "Le bus", None).await;
    assert_eq!(proposed_agenda_items(c).await.unwrap().len(), 2);

    let mut bad = details("Comité", t + 86_400);
    bad.ends_at = Some(ts(t));
    assert_eq!(
        create_meeting_draft(c, &bad).await.unwrap_err().code(),
        "invalid_field"
    );
    let m = create_meeting_draft(c, &details("Comité inter-SSM", t + 86_400))
        .await
        .unwrap();
    let sent = messages(c).await.len();

    // Nothing but publishing applies to a draft.
    let changes = MeetingChanges {
        details: details("Comité", t + 86_400),
        agenda: None,
    };
    assert_eq!(
        update(c, &s, m, &changes, "Autre salle")
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    assert_eq!(
        cancel(c, &s, m, "Annulé").await.unwrap_err().code(),
        "domain_rule"
    );
    assert_eq!(
        record_outcomes(c, &s, m, "PV", &[])
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    assert!(
        joint::upcoming_meetings(c, t).await.unwrap().is_empty(),
        "a draft is not announced"
    );

    set_agenda(
        c,
        m,
        &[
            AgendaEntryInput::Free {
                title: "Accueil et café".into(),
                description: None,
            },
            AgendaEntryInput::Subject { subject },
            AgendaEntryInput::Item { item: coffee_item },
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        set_agenda(
            c,
            m,
            &[AgendaEntryInput::Item {
                item: Uuid::now_v7()
            }]
        )
        .await
        .unwrap_err()
        .code(),
        "not_found"
    );
    let left = proposed_agenda_items(c).await.unwrap();
    assert_eq!(
        left.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![free_item]
    );
    // An item is on one meeting's agenda only.
    let m2 = create_meeting_draft(c, &details("Comité suivant", t + 30 * 86_400))
        .await
        .unwrap();
    assert_eq!(
        set_agenda(c, m2, &[AgendaEntryInput::Item { item: coffee_item }])
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    assert_eq!(messages(c).await.len(), sent, "drafts sign nothing");

    publish(c, &s, m).await.unwrap();
    let published = match last_body(c).await {
        Body::MeetingPublished(x) => x,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(published.meeting, m);
    assert_eq!(published.format, "petit-déjeuner");
    let titles: Vec<&str> = published
        .agenda
        .iter()
        .map(|e| e.title.or_empty())
        .collect();
    assert_eq!(titles, vec!["Accueil et café", "Accès", "Le café"]);
    assert_eq!(published.agenda[1].subject, Some(subject));
    assert_eq!(published.agenda[1].proposals, vec![pa.clone(), pb.clone()]);
    assert_eq!(
        published.agenda[2].proposed_by.as_ref().map(|n| n.as_str()),
        Some("ssm-c")
    );
    assert_eq!(
        published.agenda[2].description.as_deref(),
        Some("Le café, expliqué")
    );
    assert_eq!(published.agenda[2].proposals, vec![pc.clone()]);
    assert_eq!(publish(c, &s, m).await.unwrap_err().code(), "domain_rule");
    assert_eq!(
        set_agenda(c, m, &[]).await.unwrap_err().code(),
        "domain_rule",
        "a published agenda changes with an update"
    );
    let up = joint::upcoming_meetings(c, t).await.unwrap();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].agenda.len(), 3);

    assert_eq!(
        update(c, &s, m, &changes, "  ").await.unwrap_err().code(),
        "invalid_field"
    );
    let changes = MeetingChanges {
        details: MeetingDetails {
            directions: None,
            place: "CPAS de Gosselies".into(),
            ..details("Comité inter-SSM", t + 86_400)
        },
        agenda: Some(vec![
            AgendaEntryInput::Subject { subject },
            AgendaEntryInput::Item { item: coffee_item },
            AgendaEntryInput::Item { item: free_item },
        ]),
    };
    update(c, &s, m, &changes, "Nouvelle salle, à Gosselies")
        .await
        .unwrap();
    match last_body(c).await {
        Body::MeetingUpdated(x) => {
            assert_eq!(x.place, "CPAS de Gosselies");
            assert_eq!(x.notice.as_deref(), Some("Nouvelle salle, à Gosselies"));
            assert_eq!(x.agenda.len(), 3);
            assert_eq!(x.agenda[2].title, "Le bus");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(proposed_agenda_items(c).await.unwrap().is_empty());

    // Outcomes name what was on the agenda.
    let off_agenda = OutcomeInput {
        subject: None,
        proposals: vec![
            pa.clone(),
            pb.clone(),
            ProposalRef {
                service: pc.service.clone(),
                proposal: Uuid::now_v7(),
            },
        ],
        decision: "x".into(),
    };
    assert_eq!(
        record_outcomes(c, &s, m, "PV", &[off_agenda])
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    let pd = share(c, "ssm-d", "Bancs", "Des bancs", WellBeing, Idea).await;
    let other_subject = create_subject(c, &s, "Autre", &[pd], "coord")
        .await
        .unwrap();
    let wrong_subject = OutcomeInput {
        subject: Some(other_subject),
        proposals: vec![],
        decision: "x".into(),
    };
    assert_eq!(
        record_outcomes(c, &s, m, "PV", &[wrong_subject])
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    let empty = OutcomeInput {
        subject: None,
        proposals: vec![],
        decision: "x".into(),
    };
    assert_eq!(
        record_outcomes(c, &s, m, "PV", &[empty])
            .await
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    let decisions = [
        OutcomeInput {
            subject: Some(subject),
            proposals: vec![],
            decision: "Courrier commun.".into(),
        },
        OutcomeInput {
            subject: None,
            proposals: vec![pc.clone()],
            decision: "Café pour tous.".into(),
        },
    ];
    record_outcomes(c, &s, m, "Procès-verbal du comité", &decisions)
        .await
        .unwrap();
    match last_body(c).await {
        Body::MeetingOutcomes(x) => {
            assert_eq!(x.minutes, "Procès-verbal du comité");
            assert_eq!(
                x.outcomes[0].proposals,
                vec![pa.clone(), pb.clone()],
                "the subject's proposals"
            );
            assert_eq!(x.outcomes[1].proposals, vec![pc.clone()]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let of_a = joint::outcomes_concerning(c, "ssm-a").await.unwrap();
    assert_eq!(of_a.len(), 1);
    assert_eq!(of_a[0].decision, "Courrier commun.");
    assert_eq!(
        cancel(c, &s, m, "Trop tard").await.unwrap_err().code(),
        "domain_rule"
    );
    assert_eq!(
        update(c, &s, m, &changes, "Trop tard")
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );

    // Another meeting: published, then cancelled; its items come back.
    let late = proposed_item(c, "ssm-b", "Le parking", None).await;
    set_agenda(
        c,
        m2,
        &[
            AgendaEntryInput::Free {
                title: "Bilan".into(),
                description: Some("de l'année".into()),
            },
            AgendaEntryInput::Item { item: late },
        ],
    )
    .await
    .unwrap();
    publish(c, &s, m2).await.unwrap();
    assert!(proposed_agenda_items(c).await.unwrap().is_empty());
    cancel(c, &s, m2, "Grève des bus").await.unwrap();
    let left = proposed_agenda_items(c).await.unwrap();
    assert_eq!(left.iter().map(|i| i.id).collect::<Vec<_>>(), vec![late]);
    match last_body(c).await {
        Body::MeetingCancelled(x) => {
            assert_eq!(x.meeting, m2);
            assert_eq!(x.notice, "Grève des bus");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        cancel(c, &s, m2, "encore").await.unwrap_err().code(),
        "domain_rule"
    );
    assert_eq!(
        record_outcomes(c, &s, m2, "PV", &[])
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    assert_eq!(
        update(c, &s, m2, &changes, "x").await.unwrap_err().code(),
        "domain_rule"
    );
    assert_eq!(joint::meeting(c, &m2).await.unwrap().status, CANCELLED);

    // A draft can be deleted; it frees its items.
    let hours = proposed_item(c, "ssm-a", "Les horaires", None).await;
    let m3 = create_meeting_draft(c, &details("Brouillon", t + 60 * 86_400))
        .await
        .unwrap();
    set_agenda(c, m3, &[AgendaEntryInput::Item { item: hours }])
        .await
        .unwrap();
    assert_eq!(proposed_agenda_items(c).await.unwrap().len(), 1);
    delete_draft(c, m3).await.unwrap();
    assert_eq!(
        joint::meeting(c, &m3).await.unwrap_err().code(),
        "not_found"
    );
    let left = proposed_agenda_items(c).await.unwrap();
    assert_eq!(
        left.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![late, hours]
    );
    assert_eq!(hub_meeting_count(c).await, 2);
}

async fn hub_meeting_count(conn: &mut AnyConnection) -> usize {
    meetings(conn).await.unwrap().len()
}

/// What the hub announces, a service applies to the same view.
#[tokio::test]
async fn services_see_what_the_hub_sees() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub_db = Db::temp_sqlite(hub_dir.path()).await.unwrap();
    let svc_dir = tempfile::tempdir().unwrap();
    let svc_db = Db::temp_sqlite(svc_dir.path()).await.unwrap();
    let mut hw = hub_db.begin_write().await.unwrap();
    let mut sw = svc_db.begin_write().await.unwrap();
    let (h, v) = (hw.conn(), sw.conn());
    let hub = Me::hub();
    let s = hub.stream();
    let t = now();
    let pa = share(h, "ssm-a", "Rampe", "Une rampe", Accessibility, Idea).await;
    let pb = share(h, "ssm-b", "Ascenseur", "Un ascenseur", Accessibility, Idea).await;
    for (svc, r) in [("ssm-a", &pa), ("ssm-b", &pb)] {
        // The service receives the same proposals (ids included).
        let body = sqlx::query(
            "SELECT title, description FROM federated_proposals WHERE proposal_id = $1",
        )
        .bind(id_text(&r.proposal))
        .fetch_one(&mut *h)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO federated_proposals (service_id, proposal_id, title, description, theme, tags, origin, status, withdrawn, shared_message, updated_at) \
             VALUES ($1, $2, $3, $4, 'accessibility', '[]', 'committee', 'idea', 0, 'x', 1)",
        )
        .bind(svc)
        .bind(id_text(&r.proposal))
        .bind(body.try_get::<String, _>("title").unwrap())
        .bind(body.try_get::<String, _>("description").unwrap())
        .execute(&mut *v)
        .await
        .unwrap();
    }
    let subject = create_subject(h, &s, "Accès", &[pa.clone(), pb.clone()], "coord")
        .await
        .unwrap();
    let m = create_meeting_draft(h, &details("Comité", t + 86_400))
        .await
        .unwrap();
    set_agenda(h, m, &[AgendaEntryInput::Subject { subject }])
        .await
        .unwrap();
    publish(h, &s, m).await.unwrap();
    record_outcomes(
        h,
        &s,
        m,
        "PV",
        &[OutcomeInput {
            subject: Some(subject),
            proposals: vec![],
            decision: "Oui".into(),
        }],
    )
    .await
    .unwrap();
    for (_, body) in messages(h).await {
        match body {
            Body::SubjectUpdated(x) => joint::apply_subject(v, &x).await.unwrap(),
            Body::MeetingPublished(x) => joint::apply_meeting(v, &x, true).await.unwrap(),
            Body::MeetingUpdated(x) => joint::apply_meeting(v, &x, false).await.unwrap(),
            Body::MeetingCancelled(x) => joint::apply_cancellation(v, &x).await.unwrap(),
            Body::MeetingOutcomes(x) => joint::apply_outcomes(v, &x).await.unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    }
    let mut at_hub = joint::meeting(h, &m).await.unwrap();
    let at_service = joint::meeting(v, &m).await.unwrap();
    // Only the hub knows which service item an entry came from (none here).
    for line in &mut at_hub.agenda {
        line.item = None;
    }
    assert_eq!(at_hub, at_service);
    assert_eq!(
        joint::outcomes_concerning(h, "ssm-b").await.unwrap(),
        joint::outcomes_concerning(v, "ssm-b").await.unwrap()
    );
    // Same subjects (their local change times may differ by a second).
    let timeless = |mut list: Vec<SubjectView>| {
        for x in &mut list {
            x.updated_at = 0;
        }
        list
    };
    let at_hub = timeless(subjects(h).await.unwrap());
    assert_eq!(at_hub.len(), 1);
    assert_eq!(at_hub[0].support, 2);
    assert_eq!(at_hub, timeless(subjects(v).await.unwrap()));
}

#[test]
fn sync_health_in_plain_french() {
    let t = 1_000_000_000;
    assert_eq!(sync_health("active", Some(t - 30), t), "à jour");
    assert_eq!(sync_health("active", Some(t - 600), t), "à jour");
    assert_eq!(
        sync_health("active", Some(t - 660), t),
        "silencieux depuis 11 minutes"
    );
    assert_eq!(
        sync_health("active", Some(t - 3600), t),
        "silencieux depuis 1 heure"
    );
    assert_eq!(
        sync_health("active", Some(t - 5 * 3600), t),
        "silencieux depuis 5 heures"
    );
    assert_eq!(
        sync_health("active", Some(t - 86_400), t),
        "silencieux depuis 1 jour"
    );
    assert_eq!(
        sync_health("active", Some(t - 3 * 86_400 - 5), t),
        "silencieux depuis 3 jours"
    );
    assert_eq!(sync_health("active", None, t), "jamais connecté");
    assert_eq!(sync_health("revoked", Some(t), t), "révoqué");
}

#[tokio::test]
async fn member_services_with_delegates_and_health() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    member(c, "ssm-a", "SSM A").await;
    member(c, "ssm-b", "SSM B").await;
    member(c, "ssm-c", "SSM C").await;
    crate::peers::upsert(
        c,
        "hub-other",
        "Un hub",
        NodeRole::Hub,
        "active",
        None,
        &[Me::hub().keys.public_key()],
    )
    .await
    .unwrap();
    crate::peers::touch(c, "ssm-a").await.unwrap();
    sqlx::query("UPDATE peers SET last_seen_at = $1 WHERE id = $2")
        .bind(now() - 3 * 86_400 - 60)
        .bind("ssm-b")
        .execute(&mut *c)
        .await
        .unwrap();
    crate::peers::set_status(c, "ssm-c", crate::peers::REVOKED)
        .await
        .unwrap();
    crate::log::set_head(c, "ssm-a", 7, &passerelle_protocol::Hash::of(b"x"))
        .await
        .unwrap();
    share(c, "ssm-a", "Rampe", "Une rampe", Accessibility, Idea).await;
    let delegates = DelegateList {
        delegates: vec![Delegate {
            label: "Délégué·e 1".into(),
            role: DelegateRole::Delegate,
            term_start: Date::parse("2026-01-01").unwrap(),
            term_end: None,
        }],
    };
    joint::apply_delegates(c, "ssm-a", &delegates)
        .await
        .unwrap();

    let list = member_services(c, crate::domain::delegates::today())
        .await
        .unwrap();
    let summary: Vec<(&str, i64, usize, i64, &str)> = list
        .iter()
        .map(|m| {
            (
                m.id.as_str(),
                m.stream_seq,
                m.delegates.len(),
                m.shared_proposals,
                m.sync_health.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("ssm-a", 7, 1, 1, "à jour"),
            ("ssm-b", 0, 0, 0, "silencieux depuis 3 jours"),
            ("ssm-c", 0, 0, 0, "révoqué"),
        ]
    );
    assert_eq!(list[0].delegates, delegates.delegates);
    assert!(list[0].last_seen_at.is_some());
}
