//! Tests of [`super`]: the rules, on a real database.

use super::*;
use crate::db::Db;
use crate::domain::members::tests::new_member;
use crate::domain::proposals::{self, NewProposal};
use passerelle_protocol::body::{Origin, Theme};

fn new_meeting(title: &str, starts_at: i64) -> NewMeeting {
    NewMeeting {
        title: title.into(),
        starts_at,
        place: "Salle d'attente".into(),
        format: "petit-déjeuner".into(),
        in_the_past: true,
    }
}

async fn proposal(c: &mut AnyConnection, title: &str) -> Uuid {
    let p = NewProposal {
        title: title.into(),
        description: "—".into(),
        theme: Theme::Reception,
        tags: vec![],
        origin: Origin::Committee,
    };
    proposals::create(c, "test", &p).await.unwrap()
}

fn item(title: &str, proposal: Option<Uuid>) -> NewAgendaItem {
    NewAgendaItem {
        title: title.into(),
        description: None,
        proposal,
        ..NewAgendaItem::default()
    }
}

#[tokio::test]
async fn create_get_list() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    assert_eq!(
        create(c, &new_meeting(" ", 1000)).await.unwrap_err().code(),
        "invalid_field"
    );
    let mut bad = new_meeting("Réunion", 1000);
    bad.format = "f".repeat(81);
    assert_eq!(create(c, &bad).await.unwrap_err().code(), "invalid_field");
    bad = new_meeting("Réunion", 1000);
    bad.place = String::new();
    assert_eq!(create(c, &bad).await.unwrap_err().code(), "invalid_field");
    assert_eq!(
        create(c, &new_meeting("Réunion", i64::MAX))
            .await
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    let a = create(c, &new_meeting("Janvier", 1000)).await.unwrap();
    let b = create(c, &new_meeting("Février", 2000)).await.unwrap();
    let ids: Vec<Uuid> = list(c).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(ids, [b, a]);
    let d = get(c, a).await.unwrap();
    assert_eq!(d.meeting.title, "Janvier");
    assert_eq!(d.meeting.format, "petit-déjeuner");
    assert!(d.agenda.is_empty() && d.minutes.is_none() && d.meeting.minutes_status.is_none());
    assert_eq!(
        get(c, Uuid::now_v7()).await.unwrap_err().code(),
        "not_found"
    );
}

#[tokio::test]
async fn agenda_order_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let m = create(c, &new_meeting("Mars", 1000)).await.unwrap();
    let other = create(c, &new_meeting("Avril", 2000)).await.unwrap();
    let p = proposal(c, "Une sonnette accessible").await;

    let code = |r: Result<Uuid, NodeError>| r.unwrap_err().code();
    assert_eq!(
        code(add_agenda_item(c, m, &item("x", Some(Uuid::now_v7()))).await),
        "not_found"
    );
    assert_eq!(
        code(add_agenda_item(c, Uuid::now_v7(), &item("x", None)).await),
        "not_found"
    );
    assert_eq!(
        code(add_agenda_item(c, m, &item("", None)).await),
        "invalid_field"
    );
    let mut long = item("x", None);
    long.description = Some("d".repeat(2001));
    assert_eq!(code(add_agenda_item(c, m, &long).await), "invalid_field");

    let i1 = add_agenda_item(c, m, &item("Accueil", None)).await.unwrap();
    let mut with_desc = item("Sonnette", Some(p));
    with_desc.description = Some("Où en est-on ?".into());
    let i2 = add_agenda_item(c, m, &with_desc).await.unwrap();
    let i3 = add_agenda_item(c, m, &item("Divers", None)).await.unwrap();
    let foreign = add_agenda_item(c, other, &item("Ailleurs", None))
        .await
        .unwrap();
    let order = |d: &MeetingDetail| d.agenda.iter().map(|a| a.id).collect::<Vec<_>>();
    let d = get(c, m).await.unwrap();
    assert_eq!(order(&d), [i1, i2, i3]);
    assert_eq!(d.agenda[1].proposal, Some(p));
    assert_eq!(
        d.agenda[1].proposal_title.as_deref(),
        Some("Une sonnette accessible")
    );
    assert_eq!(d.agenda[1].description.as_deref(), Some("Où en est-on ?"));

    // Only a permutation of this meeting's items is accepted.
    for bad in [
        vec![i3, i1],
        vec![i3, i1, i1],
        vec![i3, i1, i2, i2],
        vec![i3, i1, foreign],
        vec![i3, i1, i2, foreign],
    ] {
        let err = reorder_agenda(c, m, &bad).await.unwrap_err();
        assert_eq!(err.code(), "invalid_field", "{bad:?}");
    }
    assert_eq!(order(&get(c, m).await.unwrap()), [i1, i2, i3]);
    reorder_agenda(c, m, &[i3, i1, i2]).await.unwrap();
    assert_eq!(order(&get(c, m).await.unwrap()), [i3, i1, i2]);

    // Removal: only from its own meeting; the order of the rest is kept,
    // and a new item goes last.
    assert_eq!(
        remove_agenda_item(c, m, foreign).await.unwrap_err().code(),
        "not_found"
    );
    remove_agenda_item(c, m, i1).await.unwrap();
    let i4 = add_agenda_item(c, m, &item("Nouveau", None)).await.unwrap();
    assert_eq!(order(&get(c, m).await.unwrap()), [i3, i2, i4]);
    assert_eq!(order(&get(c, other).await.unwrap()), [foreign]);
}

#[tokio::test]
async fn attendance() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let past = create(c, &new_meeting("Passée", 1000)).await.unwrap();
    let future = create(c, &new_meeting("Future", now() + 86_400))
        .await
        .unwrap();
    let ana = members::create(c, &new_member("Ana", false)).await.unwrap();
    let ben = members::create(c, &new_member("Ben", false)).await.unwrap();
    members::leave(c, ben).await.unwrap();

    record_attendance(c, past, ana, AttendanceStatus::Absent)
        .await
        .unwrap();
    record_attendance(c, past, ana, AttendanceStatus::Excused)
        .await
        .unwrap();
    // Ben left after the past meeting, before the future one.
    record_attendance(c, past, ben, AttendanceStatus::Present)
        .await
        .unwrap();
    assert_eq!(
        record_attendance(c, future, ben, AttendanceStatus::Present)
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    assert_eq!(
        record_attendance(c, past, Uuid::now_v7(), AttendanceStatus::Present)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        record_attendance(c, Uuid::now_v7(), ana, AttendanceStatus::Present)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    let got: Vec<(String, AttendanceStatus)> = get(c, past)
        .await
        .unwrap()
        .attendance
        .into_iter()
        .map(|a| (a.display_name, a.status))
        .collect();
    assert_eq!(
        got,
        [
            ("Ana".to_owned(), AttendanceStatus::Excused),
            ("Ben".to_owned(), AttendanceStatus::Present)
        ]
    );
    assert!(get(c, future).await.unwrap().attendance.is_empty());
}

#[tokio::test]
async fn minutes_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let earlier = create(c, &new_meeting("Décembre", 500)).await.unwrap();
    let m = create(c, &new_meeting("Janvier", 1000)).await.unwrap();
    let same_time = create(c, &new_meeting("Janvier bis", 1000)).await.unwrap();
    let next = create(c, &new_meeting("Février", 2000)).await.unwrap();
    let secretary = members::create(c, &new_member("Sam", false)).await.unwrap();
    let rule_code = "domain_rule";

    // Nothing to adopt or send yet.
    assert_eq!(
        adopt_minutes(c, m, next).await.unwrap_err().code(),
        rule_code
    );
    assert_eq!(
        send_minutes_to_management(c, m).await.unwrap_err().code(),
        rule_code
    );
    // Draft checks.
    assert_eq!(
        draft_minutes(c, m, &"x".repeat(20_001), None)
            .await
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    assert_eq!(
        draft_minutes(c, m, "PV", Some(Uuid::now_v7()))
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        draft_minutes(c, Uuid::now_v7(), "PV", None)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    draft_minutes(c, m, "Premier jet", None).await.unwrap();
    draft_minutes(c, m, "Version relue", Some(secretary))
        .await
        .unwrap();
    let minutes = get(c, m).await.unwrap().minutes.unwrap();
    assert_eq!(minutes.status, MinutesStatus::Draft);
    assert_eq!(minutes.text, "Version relue");
    assert_eq!(minutes.secretary, Some(secretary));

    // A draft is not sent; adoption only at a later meeting.
    assert_eq!(
        send_minutes_to_management(c, m).await.unwrap_err().code(),
        rule_code
    );
    for at in [m, same_time, earlier] {
        assert_eq!(adopt_minutes(c, m, at).await.unwrap_err().code(), rule_code);
    }
    assert_eq!(
        adopt_minutes(c, m, Uuid::now_v7())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    adopt_minutes(c, m, next).await.unwrap();
    let d = get(c, m).await.unwrap();
    assert_eq!(d.meeting.minutes_status, Some(MinutesStatus::Adopted));
    let minutes = d.minutes.unwrap();
    assert_eq!(minutes.adopted_at_meeting, Some(next));
    assert!(minutes.adopted_at.is_some() && minutes.sent_to_management_on.is_none());

    // Adopted minutes no longer change, nor are adopted twice.
    assert_eq!(
        draft_minutes(c, m, "Retouche", None)
            .await
            .unwrap_err()
            .code(),
        rule_code
    );
    assert_eq!(
        adopt_minutes(c, m, next).await.unwrap_err().code(),
        rule_code
    );

    send_minutes_to_management(c, m).await.unwrap();
    let minutes = get(c, m).await.unwrap().minutes.unwrap();
    assert_eq!(minutes.status, MinutesStatus::SentToManagement);
    assert_eq!(minutes.sent_to_management_on, Some(today()));
    assert_eq!(minutes.text, "Version relue");
    assert_eq!(
        send_minutes_to_management(c, m).await.unwrap_err().code(),
        rule_code
    );
    assert_eq!(
        draft_minutes(c, m, "Retouche", None)
            .await
            .unwrap_err()
            .code(),
        rule_code
    );
    // The other meetings are untouched.
    assert!(get(c, next).await.unwrap().minutes.is_none());
}

#[tokio::test]
async fn decisions() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let m = create(c, &new_meeting("Mai", 1000)).await.unwrap();
    let p = proposal(c, "Des chaises plus confortables").await;
    let code = |r: Result<Uuid, NodeError>| r.unwrap_err().code();
    assert_eq!(
        code(record_decision(c, m, " ", None).await),
        "invalid_field"
    );
    assert_eq!(
        code(record_decision(c, m, &"d".repeat(2001), None).await),
        "invalid_field"
    );
    assert_eq!(
        code(record_decision(c, m, "ok", Some(Uuid::now_v7())).await),
        "not_found"
    );
    assert_eq!(
        code(record_decision(c, Uuid::now_v7(), "ok", None).await),
        "not_found"
    );
    let d1 = record_decision(c, m, "On en parle à la direction", Some(p))
        .await
        .unwrap();
    let d2 = record_decision(c, m, "Prochaine réunion en juin", None)
        .await
        .unwrap();
    let got = get(c, m).await.unwrap().decisions;
    assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), [d1, d2]);
    assert_eq!(got[0].proposal, Some(p));
    assert_eq!(got[1].text, "Prochaine réunion en juin");
}

async fn answer(c: &mut AnyConnection, title: &str, to: ProposalStatus, at: i64) -> Uuid {
    use ProposalStatus::*;
    let p = proposal(c, title).await;
    for (step, answer) in [(Discussed, None), (SentToManagement, None)] {
        proposals::change_status(c, None, p, "test", step, None, answer)
            .await
            .unwrap();
    }
    if to != SentToManagement {
        let text = format!("Réponse à {title}");
        proposals::change_status(c, None, p, "test", to, None, Some(text))
            .await
            .unwrap();
    }
    sqlx::query("UPDATE proposal_history SET at = $1 WHERE proposal_id = $2")
        .bind(at)
        .bind(id_text(p))
        .execute(&mut *c)
        .await
        .unwrap();
    p
}

#[tokio::test]
async fn answers_between_meetings() {
    use ProposalStatus::*;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let m1 = create(c, &new_meeting("Un", 1000)).await.unwrap();
    let m3 = create(c, &new_meeting("Trois", 3000)).await.unwrap();
    let m2 = create(c, &new_meeting("Deux", 2000)).await.unwrap();

    let p1 = answer(c, "Avant tout", Accepted, 500).await;
    answer(c, "Juste à l'heure de la première", Refused, 1000).await;
    let p2 = answer(c, "Refus", Refused, 1500).await;
    // Still waiting: not an answer.
    answer(c, "En attente", SentToManagement, 1600).await;
    let p3 = answer(c, "Adaptée", Adapted, 2000).await;
    answer(c, "Plus tard", Accepted, 3500).await;

    let got = |v: Vec<Answer>| -> Vec<(Uuid, ProposalStatus)> {
        v.into_iter().map(|a| (a.proposal_id, a.status)).collect()
    };
    let first = answers_since_previous_meeting(c, m1).await.unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].proposal_id, p1);
    assert_eq!(first[0].title, "Avant tout");
    assert_eq!(
        first[0].answer_text.as_deref(),
        Some("Réponse à Avant tout")
    );
    assert_eq!(first[0].answered_at, 500);
    assert_eq!(
        got(answers_since_previous_meeting(c, m2).await.unwrap()),
        [(p2, Refused), (p3, Adapted)]
    );
    assert!(answers_since_previous_meeting(c, m3)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        answers_since_previous_meeting(c, Uuid::now_v7())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
}

/// The rule a refusal names, if it is a domain rule.
fn rule_of(e: NodeError) -> Option<Rule> {
    match e.refusal() {
        Some(crate::error::Refusal::DomainRule(r)) => Some(r),
        _ => None,
    }
}

#[tokio::test]
async fn a_past_date_needs_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    // "1 janvier 2020", typed without a word: refused.
    let mut old = new_meeting("Janvier 2020", 1_577_865_600);
    old.in_the_past = false;
    assert_eq!(
        rule_of(create(c, &old).await.unwrap_err()),
        Some(Rule::PastMeetingNeedsConfirmation)
    );
    assert!(list(c).await.unwrap().is_empty(), "nothing stored");
    // A future date needs no word; a past one with the word is recorded.
    let mut coming = new_meeting("Bientôt", now() + 86_400);
    coming.in_the_past = false;
    let id = create(c, &coming).await.unwrap();
    old.in_the_past = true;
    create(c, &old).await.unwrap();
    // Moving a meeting into the past asks the same; keeping its past date
    // while correcting its place does not.
    let mut moved = coming.clone();
    moved.starts_at = 1_577_865_600;
    assert_eq!(
        rule_of(update(c, id, &moved).await.unwrap_err()),
        Some(Rule::PastMeetingNeedsConfirmation)
    );
    moved.in_the_past = true;
    update(c, id, &moved).await.unwrap();
    let mut place = moved.clone();
    place.in_the_past = false;
    place.place = "Salle du 1er".into();
    update(c, id, &place).await.unwrap();
    let m = get(c, id).await.unwrap().meeting;
    assert_eq!(
        (m.starts_at, m.place.as_str()),
        (1_577_865_600, "Salle du 1er")
    );
}

#[tokio::test]
async fn minutes_are_adopted_only_at_a_meeting_held_and_sent_after() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let m = create(c, &new_meeting("Novembre", 1000)).await.unwrap();
    let next = create(c, &new_meeting("Décembre", now() + 86_400))
        .await
        .unwrap();
    draft_minutes(c, m, "PV", None).await.unwrap();
    assert_eq!(
        rule_of(adopt_minutes(c, m, next).await.unwrap_err()),
        Some(Rule::AdoptionAtAMeetingHeld)
    );
    assert_eq!(
        get(c, m).await.unwrap().meeting.minutes_status,
        Some(MinutesStatus::Draft)
    );
    // Once the next meeting took place, adopted then sent.
    let mut held = new_meeting("Décembre", 2000);
    held.title = "Décembre".into();
    update(c, next, &held).await.unwrap();
    adopt_minutes(c, m, next).await.unwrap();
    // The adoption fixes the meeting where it happened: its date no longer moves.
    let mut later = held.clone();
    later.starts_at = now() + 86_400;
    assert_eq!(
        rule_of(update(c, next, &later).await.unwrap_err()),
        Some(Rule::AdoptionMeetingStays)
    );
    assert_eq!(
        rule_of(cancel(c, next, None).await.unwrap_err()),
        Some(Rule::AdoptionMeetingStays)
    );
    // Were it moved anyway (an older database), sending waits for it.
    sqlx::query("UPDATE meetings SET starts_at = $1 WHERE id = $2")
        .bind(now() + 86_400)
        .bind(next.to_string())
        .execute(&mut *c)
        .await
        .unwrap();
    assert_eq!(
        rule_of(send_minutes_to_management(c, m).await.unwrap_err()),
        Some(Rule::SentAfterAdoptionMeeting)
    );
    sqlx::query("UPDATE meetings SET starts_at = 2000 WHERE id = $1")
        .bind(next.to_string())
        .execute(&mut *c)
        .await
        .unwrap();
    send_minutes_to_management(c, m).await.unwrap();
}

#[tokio::test]
async fn cancelled_meetings_stay_and_take_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let ana = members::create(c, &new_member("Ana", false)).await.unwrap();
    let m = create(c, &new_meeting("Mars", now() + 86_400))
        .await
        .unwrap();
    record_attendance(c, m, ana, AttendanceStatus::Excused)
        .await
        .unwrap();
    assert_eq!(
        cancel(c, m, Some(&"x".repeat(501)))
            .await
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    cancel(c, m, Some("Grève des bus")).await.unwrap();
    let d = get(c, m).await.unwrap();
    assert!(d.meeting.cancelled_at.is_some());
    assert_eq!(d.meeting.cancel_reason.as_deref(), Some("Grève des bus"));
    assert_eq!(list(c).await.unwrap().len(), 1, "it stays in the list");
    let cancelled = Some(Rule::MeetingCancelled);
    let refusals = [
        record_attendance(c, m, ana, AttendanceStatus::Present).await,
        record_attendance_list(c, m, &[(ana, AttendanceStatus::Present)]).await,
        draft_minutes(c, m, "PV", None).await,
        record_decision(c, m, "Oui", None).await.map(|_| ()),
        cancel(c, m, None).await,
        update(c, m, &new_meeting("Mars", now() + 86_400)).await,
    ];
    for r in refusals {
        assert_eq!(rule_of(r.unwrap_err()), cancelled);
    }
    // Nor is a cancelled meeting where minutes get adopted.
    let earlier = create(c, &new_meeting("Février", 1000)).await.unwrap();
    draft_minutes(c, earlier, "PV", None).await.unwrap();
    assert_eq!(
        rule_of(adopt_minutes(c, earlier, m).await.unwrap_err()),
        cancelled
    );
}

#[tokio::test]
async fn a_meeting_is_deleted_only_while_nothing_was_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let ana = members::create(c, &new_member("Ana", false)).await.unwrap();
    // An agenda alone does not keep it.
    let empty = create(c, &new_meeting("Vide", 1000)).await.unwrap();
    add_agenda_item(c, empty, &item("Accueil", None))
        .await
        .unwrap();
    delete(c, empty).await.unwrap();
    assert_eq!(get(c, empty).await.unwrap_err().code(), "not_found");
    assert_eq!(delete(c, empty).await.unwrap_err().code(), "not_found");
    // Attendance, minutes, a decision, or another's adoption keep it.
    let kept = Some(Rule::RecordedMeetingIsKept);
    let a = create(c, &new_meeting("Présences", 1000)).await.unwrap();
    record_attendance(c, a, ana, AttendanceStatus::Present)
        .await
        .unwrap();
    let b = create(c, &new_meeting("PV", 1100)).await.unwrap();
    draft_minutes(c, b, "PV", None).await.unwrap();
    let d = create(c, &new_meeting("Décision", 1200)).await.unwrap();
    record_decision(c, d, "Oui", None).await.unwrap();
    let e = create(c, &new_meeting("Adoption", 1300)).await.unwrap();
    adopt_minutes(c, b, e).await.unwrap();
    for id in [a, b, d, e] {
        assert_eq!(rule_of(delete(c, id).await.unwrap_err()), kept);
        assert!(get(c, id).await.is_ok(), "still there");
    }
}

#[tokio::test]
async fn attendance_of_all_at_once_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let m = create(c, &new_meeting("Avril", 1000)).await.unwrap();
    let mut seven = Vec::new();
    for name in ["Ana", "Ben", "Cléo", "Dan", "Eva", "Fred", "Gaby"] {
        seven.push(members::create(c, &new_member(name, false)).await.unwrap());
    }
    let gone = members::create(c, &new_member("Hugo", false))
        .await
        .unwrap();
    members::leave(c, gone).await.unwrap();
    let future = create(c, &new_meeting("Plus tard", now() + 86_400))
        .await
        .unwrap();
    let all_present: Vec<(Uuid, AttendanceStatus)> = seven
        .iter()
        .map(|id| (*id, AttendanceStatus::Present))
        .collect();
    // A bad entry anywhere in the list: none is stored.
    for bad in [
        (Uuid::now_v7(), AttendanceStatus::Present),
        (seven[0], AttendanceStatus::Absent),
    ] {
        let mut list = all_present.clone();
        list.push(bad);
        assert!(record_attendance_list(c, m, &list).await.is_err());
        assert!(get(c, m).await.unwrap().attendance.is_empty());
    }
    let mut list = all_present.clone();
    list.push((gone, AttendanceStatus::Present));
    assert_eq!(
        rule_of(record_attendance_list(c, future, &list).await.unwrap_err()),
        Some(Rule::MemberLeftBeforeMeeting)
    );
    assert!(get(c, future).await.unwrap().attendance.is_empty());
    assert_eq!(
        record_attendance_list(c, m, &[]).await.unwrap_err().code(),
        "invalid_field"
    );
    record_attendance_list(c, m, &all_present).await.unwrap();
    // Corrected afterwards: one person was excused.
    record_attendance_list(c, m, &[(seven[2], AttendanceStatus::Excused)])
        .await
        .unwrap();
    let got = get(c, m).await.unwrap().attendance;
    assert_eq!(got.len(), 7);
    let cleo = got.iter().find(|a| a.member_id == seven[2]).unwrap();
    assert_eq!(cleo.status, AttendanceStatus::Excused);
}

#[tokio::test]
async fn decisions_and_attendance_are_corrected_until_the_minutes_are_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let ana = members::create(c, &new_member("Ana", false)).await.unwrap();
    let p = proposal(c, "Une rampe").await;
    let m = create(c, &new_meeting("Mai", 1000)).await.unwrap();
    let other = create(c, &new_meeting("Autre", 1100)).await.unwrap();
    let next = create(c, &new_meeting("Juin", 2000)).await.unwrap();
    let d1 = record_decision(c, m, "Acheter une rampe", None)
        .await
        .unwrap();
    let d2 = record_decision(c, m, "Erreur", None).await.unwrap();
    correct_decision(c, m, d1, "Demander une rampe", Some(p))
        .await
        .unwrap();
    // A decision is corrected through its own meeting only.
    assert_eq!(
        correct_decision(c, other, d1, "x", None)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        correct_decision(c, m, d1, " ", None)
            .await
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    remove_decision(c, m, d2).await.unwrap();
    assert_eq!(
        remove_decision(c, m, d2).await.unwrap_err().code(),
        "not_found"
    );
    let decisions = get(c, m).await.unwrap().decisions;
    assert_eq!(decisions.len(), 1);
    assert_eq!(
        (decisions[0].text.as_str(), decisions[0].proposal),
        ("Demander une rampe", Some(p))
    );
    record_attendance(c, m, ana, AttendanceStatus::Absent)
        .await
        .unwrap();
    draft_minutes(c, m, "PV", None).await.unwrap();
    adopt_minutes(c, m, next).await.unwrap();
    // Adopted minutes are the record.
    let fin = Some(Rule::AdoptedRecordIsFinal);
    let refusals = [
        correct_decision(c, m, d1, "Autre chose", None).await,
        remove_decision(c, m, d1).await,
        record_decision(c, m, "Encore", None).await.map(|_| ()),
        record_attendance(c, m, ana, AttendanceStatus::Present).await,
        cancel(c, m, None).await,
        update(c, m, &new_meeting("Mai", 1500)).await,
    ];
    for r in refusals {
        assert_eq!(rule_of(r.unwrap_err()), fin);
    }
}
