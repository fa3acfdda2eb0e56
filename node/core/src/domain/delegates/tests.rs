//! Tests of the delegates' domain: labels, the list sent, terms.
use super::*;
use crate::db::Db;
use crate::domain::members::tests::{all_envelopes, new_member};
use crate::domain::members::{create, MemberUpdate};
use passerelle_protocol::{KeyPair, NodeId, SignedEnvelope};
use DelegateRole::{Delegate as D, Substitute as S};

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// The delegate lists this node announced, oldest first.
pub(crate) async fn announced(conn: &mut AnyConnection) -> Vec<DelegateList> {
    all_envelopes(conn)
        .await
        .iter()
        .filter(|(kind, _)| kind == "delegates.list")
        .map(|(_, env)| {
            match SignedEnvelope::parse(env.as_bytes())
                .unwrap()
                .body()
                .unwrap()
            {
                Body::DelegatesList(l) => l,
                other => panic!("unexpected body {other:?}"),
            }
        })
        .collect()
}

/// A change of consent as the committee's action makes it: the member's
/// record, then the list again if it shows them.
async fn set_consent(c: &mut AnyConnection, s: Option<&OwnStream<'_>>, id: Uuid, consent: bool) {
    if members::set_consent(c, id, consent).await.unwrap() {
        reannounce_if_current(c, s, today(), id).await.unwrap();
    }
}

/// A rename as the committee's action makes it.
async fn rename(c: &mut AnyConnection, s: Option<&OwnStream<'_>>, id: Uuid, name: &str) {
    let u = MemberUpdate {
        display_name: Some(name.into()),
        ..Default::default()
    };
    if members::update(c, id, &u).await.unwrap() {
        reannounce_if_current(c, s, today(), id).await.unwrap();
    }
}

#[test]
fn labels() {
    assert_eq!(label("Mireille", true, D, 1), "Mireille");
    assert_eq!(label("Mireille", false, D, 1), "Délégué·e 1");
    assert_eq!(label("Mireille", false, S, 3), "Suppléant·e 3");
    assert_eq!(label("Mireille", true, S, 2), "Mireille");
    // Never an empty label (the protocol refuses it).
    assert_eq!(label("  ", true, D, 2), "Délégué·e 2");
}

#[tokio::test]
async fn public_list_numbers_within_role_and_hides_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let (me, hub) = (
        NodeId::parse("ssm-test").unwrap(),
        NodeId::parse("hub-test").unwrap(),
    );
    let keys = KeyPair::from_seed(&[7; 32]);
    let s = OwnStream {
        me: &me,
        audience: &hub,
        keys: &keys,
    };
    let anne = create(c, &new_member("Anne Secret", false)).await.unwrap();
    let bruno = create(c, &new_member("Bruno", true)).await.unwrap();
    let chloe = create(c, &new_member("Chloé Cachée", false)).await.unwrap();
    let denis = create(c, &new_member("Denis Discret", false))
        .await
        .unwrap();
    let emma = create(c, &new_member("Emma", true)).await.unwrap();

    // Without a stream nothing is announced.
    designate(c, None, today(), anne, D, date("2024-03-01"), None)
        .await
        .unwrap();
    assert!(all_envelopes(c).await.is_empty());
    designate(c, Some(&s), today(), bruno, D, date("2024-01-01"), None)
        .await
        .unwrap();
    designate(c, Some(&s), today(), chloe, S, date("2024-01-01"), None)
        .await
        .unwrap();
    designate(c, Some(&s), today(), denis, S, date("2024-02-01"), None)
        .await
        .unwrap();
    // Not current yet on the day we read: listed, to come.
    designate(c, Some(&s), today(), emma, D, date("2999-01-01"), None)
        .await
        .unwrap();
    // Ended before today.
    let old = create(c, &new_member("Ancien", true)).await.unwrap();
    designate(
        c,
        Some(&s),
        today(),
        old,
        S,
        date("2020-01-01"),
        Some(date("2020-12-31")),
    )
    .await
    .unwrap();

    let today = date("2025-06-01");
    let list = public_list(c, today).await.unwrap();
    let got: Vec<(&str, DelegateRole)> = list
        .delegates
        .iter()
        .map(|d| (d.label.or_empty(), d.role))
        .collect();
    assert_eq!(
        got,
        [
            ("Bruno", D),
            ("Délégué·e 2", D),
            ("Emma", D),
            ("Suppléant·e 1", S),
            ("Suppléant·e 2", S)
        ]
    );
    assert_eq!(list.delegates[1].term_start, date("2024-03-01"));

    // Five announcements, each a full list; names without consent never sent.
    let sent = announced(c).await;
    assert_eq!(sent.len(), 5);
    let all = all_envelopes(c).await;
    assert!(all.iter().all(|(k, _)| k == "delegates.list"));
    for name in ["Anne", "Chloé", "Chlo", "Denis"] {
        assert!(all.iter().all(|(_, e)| !e.contains(name)), "{name} leaked");
    }
    assert_eq!(
        sent[0].delegates[0].label, "Bruno",
        "the first announcement already lists Bruno"
    );

    // Consent given: the name replaces the neutral label, numbers unchanged.
    set_consent(c, Some(&s), chloe, true).await;
    let last = announced(c).await.pop().unwrap();
    let labels: Vec<&str> = last.delegates.iter().map(|d| d.label.or_empty()).collect();
    assert_eq!(
        labels,
        [
            "Bruno",
            "Délégué·e 2",
            "Emma",
            "Chloé Cachée",
            "Suppléant·e 2"
        ]
    );
}

#[tokio::test]
async fn designation_rules() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let a = create(c, &new_member("A", false)).await.unwrap();
    let gone = create(c, &new_member("Parti", false)).await.unwrap();
    member_leaves(c, None, today(), gone).await.unwrap();

    let code = |r: Result<Uuid, NodeError>| r.unwrap_err().code();
    assert_eq!(
        code(
            designate(
                c,
                None,
                today(),
                Uuid::now_v7(),
                D,
                date("2024-01-01"),
                None
            )
            .await
        ),
        "not_found"
    );
    assert_eq!(
        code(designate(c, None, today(), gone, D, date("2024-01-01"), None).await),
        "domain_rule"
    );
    assert_eq!(
        code(
            designate(
                c,
                None,
                today(),
                a,
                D,
                date("2024-05-01"),
                Some(date("2024-04-30"))
            )
            .await
        ),
        "invalid_field"
    );
    let first = designate(
        c,
        None,
        today(),
        a,
        D,
        date("2024-01-01"),
        Some(date("2024-12-31")),
    )
    .await
    .unwrap();
    // Overlapping periods are refused; touching is not overlapping.
    assert_eq!(
        code(designate(c, None, today(), a, S, date("2024-12-31"), None).await),
        "domain_rule"
    );
    assert_eq!(
        code(designate(c, None, today(), a, S, date("2023-01-01"), None).await),
        "domain_rule"
    );
    let second = designate(c, None, today(), a, S, date("2025-01-01"), None)
        .await
        .unwrap();
    assert!(is_listed(c, a, date("2024-06-01")).await.unwrap());
    assert!(
        is_listed(c, a, date("2023-06-01")).await.unwrap(),
        "to come"
    );
    assert!(is_current_on(date("2024-01-01"), None, date("2024-01-01")));
    assert!(!is_current_on(date("2024-01-02"), None, date("2024-01-01")));
    assert!(!is_current_on(
        date("2024-01-01"),
        Some(date("2024-01-31")),
        date("2024-02-01")
    ));
    let current = list_current(c, date("2025-02-01")).await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!((current[0].id, current[0].role), (second, S));

    // end_term: not before the start; a term already over is refused.
    assert_eq!(
        end_term(c, None, today(), second, date("2024-12-31"))
            .await
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    assert_eq!(
        end_term(c, None, today(), first, date("2024-06-30"))
            .await
            .unwrap_err()
            .code(),
        "domain_rule"
    );
    assert_eq!(
        end_term(c, None, today(), Uuid::now_v7(), date("2025-01-01"))
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    end_term(c, None, today(), second, date("2025-03-31"))
        .await
        .unwrap();
    assert_eq!(
        get(c, second).await.unwrap().term_end,
        Some(date("2025-03-31"))
    );
    assert!(list_current(c, date("2025-04-01"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(list_current(c, date("2025-03-31")).await.unwrap().len(), 1);
}

#[tokio::test]
async fn end_term_and_leaving_reannounce() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let (me, hub) = (
        NodeId::parse("ssm-test").unwrap(),
        NodeId::parse("hub-test").unwrap(),
    );
    let keys = KeyPair::from_seed(&[7; 32]);
    let s = OwnStream {
        me: &me,
        audience: &hub,
        keys: &keys,
    };
    let a = create(c, &new_member("A", false)).await.unwrap();
    let b = create(c, &new_member("B", false)).await.unwrap();
    let da = designate(c, Some(&s), today(), a, D, date("2024-01-01"), None)
        .await
        .unwrap();
    let db = designate(c, Some(&s), today(), b, D, date("2024-02-01"), None)
        .await
        .unwrap();
    let labels = |l: &DelegateList| -> Vec<String> {
        l.delegates
            .iter()
            .map(|d| d.label.or_empty().to_owned())
            .collect()
    };
    assert_eq!(
        labels(&announced(c).await[1]),
        ["Délégué·e 1", "Délégué·e 2"]
    );
    // A's term ends yesterday: B becomes "Délégué·e 1".
    let yesterday = Date::from_inner(today().inner().previous_day().unwrap());
    end_term(c, Some(&s), today(), da, yesterday).await.unwrap();
    let sent = announced(c).await;
    assert_eq!(sent.len(), 3);
    assert_eq!(labels(&sent[2]), ["Délégué·e 1"]);
    assert_eq!(sent[2].delegates[0].term_start, date("2024-02-01"));
    // B leaves: the list is announced, empty, and B's term is closed.
    member_leaves(c, Some(&s), today(), b).await.unwrap();
    let sent = announced(c).await;
    assert_eq!(sent.len(), 4);
    assert!(sent[3].delegates.is_empty());
    assert_eq!(get(c, db).await.unwrap().term_end, Some(today()));
    // Members who left are never current, even on a day their term covered.
    let then: Vec<Uuid> = list_current(c, date("2024-06-01"))
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(then, [da]);
}

#[tokio::test]
async fn consent_changes_reannounce_and_contact_never_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::temp_sqlite(dir.path()).await.unwrap();
    let mut w = db.begin_write().await.unwrap();
    let c = w.conn();
    let (me, hub) = (
        NodeId::parse("ssm-test").unwrap(),
        NodeId::parse("hub-test").unwrap(),
    );
    let keys = KeyPair::from_seed(&[7; 32]);
    let s = OwnStream {
        me: &me,
        audience: &hub,
        keys: &keys,
    };
    let secret = "rue des Secrets 12, 0471 99 88 77";
    let mut m = new_member("Mireille Dupont", true);
    m.contact = Some(secret.into());
    let mireille = create(c, &m).await.unwrap();
    let other = create(c, &new_member("Bob", true)).await.unwrap();

    designate(
        c,
        Some(&s),
        today(),
        mireille,
        DelegateRole::Delegate,
        date("2020-01-01"),
        None,
    )
    .await
    .unwrap();
    let lists = announced(c).await;
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].delegates[0].label, "Mireille Dupont");

    // Withdrawal: announced again, with the neutral label.
    set_consent(c, Some(&s), mireille, false).await;
    let lists = announced(c).await;
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[1].delegates[0].label, "Délégué·e 1");

    // A rename without consent shows nothing new: no announcement.
    rename(c, Some(&s), mireille, "Mimi").await;
    assert_eq!(announced(c).await.len(), 2);
    // Consent given again, then a rename: both announced, the new name shown.
    set_consent(c, Some(&s), mireille, true).await;
    rename(c, Some(&s), mireille, "M. D.").await;
    let lists = announced(c).await;
    assert_eq!(lists.len(), 4);
    assert_eq!(lists[2].delegates[0].label, "Mimi");
    assert_eq!(lists[3].delegates[0].label, "M. D.");

    // Same consent again, or a member who is not a delegate: no message.
    set_consent(c, Some(&s), mireille, true).await;
    set_consent(c, Some(&s), other, false).await;
    member_leaves(c, Some(&s), today(), other).await.unwrap();
    assert_eq!(announced(c).await.len(), 4);

    // A delegate who leaves disappears from a new list.
    member_leaves(c, Some(&s), today(), mireille).await.unwrap();
    let lists = announced(c).await;
    assert_eq!(lists.len(), 5);
    assert!(lists[4].delegates.is_empty());
    // Once gone, their consent changes announce nothing.
    set_consent(c, Some(&s), mireille, false).await;
    assert_eq!(announced(c).await.len(), 5);
    assert!(list_current(c, today()).await.unwrap().is_empty());

    // The contact details are in no message, nor is the withdrawn name
    // in the message sent while consent was withdrawn.
    let all = all_envelopes(c).await;
    assert_eq!(all.len(), 5);
    assert!(all
        .iter()
        .all(|(_, e)| !e.contains("Secrets") && !e.contains("0471 99 88 77")));
    assert!(!all[1].1.contains("Mireille"));
}
