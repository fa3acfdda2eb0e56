//! Tests of [`super`]: every copy of a sealed text is listed in [`COPIES`].
//!
//! A hub and a service (`ssm-c`) on two databases. Every kind of message that
//! has sealed fields passes, each erasable field holding its own marker
//! text: `ssm-c` shares and updates a proposal of its own, `ssm-a` and
//! `ssm-b` send theirs, the coordinator builds subjects and meetings (taking
//! `ssm-a`'s agenda item into them) and the service receives the hub's feed.
//! Then every cell of every table of both databases is searched: a marker
//! may stand outside an envelope only in a column listed in [`COPIES`] (a
//! projection that forgot erasure fails here). Finally every origin erases
//! every seal, and no marker is left anywhere, envelopes included.

use std::collections::{BTreeMap, BTreeSet};

use passerelle_protocol::body::{
    AgendaItemProposal, Delegate, DelegateList, DelegateRole, Erasure, ErasureTarget, JointMeeting,
    ManagementAnswer, NodeRole, Origin, ProposalRef, ProposalStatus, ProposalUpdate,
    ProposalWithdrawal, SharedProposal, Support, Text, Theme,
};
use passerelle_protocol::{Date, Envelope, KeyPair, NodeId};

use super::*;
use crate::db::Db;
use crate::domain::hub::{self, AgendaEntryInput, MeetingChanges, MeetingDetails, OutcomeInput};
use crate::domain::joint::fixtures::{member, seed, ts, Me};
use crate::domain::proposals::{self, NewProposal};
use crate::peers;

const HUB: &str = "hub-test";
const SERVICE: &str = "ssm-c";
const MARK: &str = "MARK-";

/// The marker texts handed out, each unique, with the kind of message
/// that first carries it.
#[derive(Default)]
struct Marks(Vec<(Kind, String)>);

impl Marks {
    /// A new marker for `field` of `kind` (the field's name is only a help
    /// for whoever reads a failure).
    fn mark(&mut self, kind: Kind, field: &str) -> String {
        let m = format!("{MARK}{:02}-{}-{field}", self.0.len(), kind.as_str());
        self.0.push((kind, m.clone()));
        m
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(_, m)| m)
    }

    fn text(&mut self, kind: Kind, field: &str) -> Text {
        Text::Given(self.mark(kind, field))
    }
}

/// A member's stream, signed as it would be on the wire.
struct Sender {
    id: NodeId,
    keys: KeyPair,
    seq: u64,
    prev: Option<Hash>,
}

impl Sender {
    fn service(id: &str) -> Sender {
        Sender {
            id: NodeId::parse(id).unwrap(),
            keys: KeyPair::from_seed(&[seed(id); 32]),
            seq: 0,
            prev: None,
        }
    }

    fn sign(&mut self, body: &Body) -> SignedEnvelope {
        self.seq += 1;
        let env = Envelope::new(
            self.id.clone(),
            NodeId::parse(HUB).unwrap(),
            self.seq,
            self.prev.clone(),
            body,
            self.keys.key_id().clone(),
        )
        .unwrap()
        .sign(&self.keys)
        .unwrap();
        self.prev = Some(env.hash().clone());
        env
    }

    /// `content.erased` of every seal of every message of ours `conn` holds.
    async fn erase_all(&mut self, conn: &mut AnyConnection) -> SignedEnvelope {
        let targets = every_seal(conn, self.id.as_str()).await;
        self.sign(&Body::ContentErased(Erasure { targets }))
    }
}

/// Every seal of `origin`'s messages stored in `conn`, by message.
async fn every_seal(conn: &mut AnyConnection, origin: &str) -> Vec<ErasureTarget> {
    let mut targets = Vec::new();
    for m in log::of_kinds(conn, origin, &sealed_kinds()).await.unwrap() {
        let env = SignedEnvelope::parse(m.envelope.as_bytes()).unwrap();
        let seals: Vec<Hash> = env.sealed_fields().into_iter().map(|(_, s)| s).collect();
        if !seals.is_empty() {
            targets.push(ErasureTarget {
                message: env.envelope().id,
                seals,
            });
        }
    }
    assert!(targets.len() <= passerelle_protocol::body::MAX_ERASURE_TARGETS);
    targets
}

fn sealed_kinds() -> Vec<&'static str> {
    Kind::ALL
        .iter()
        .filter(|k| !sealed_paths(**k).is_empty())
        .map(|k| k.as_str())
        .collect()
}

/// Receives a message as `fed::ingest` does: applied, then stored.
async fn receive(conn: &mut AnyConnection, me: &str, env: &SignedEnvelope) {
    let body = env.body().unwrap();
    crate::domain::apply(conn, me, env, &body)
        .await
        .unwrap_or_else(|e| panic!("{me} refused {}: {e}", env.envelope().kind));
    log::insert(conn, env, &env.canonical_string(), true)
        .await
        .unwrap();
}

/// The messages stored in `from` after position `after`, not originated by
/// `to_me`, received by `to_me` in order (the service pulling the feed).
/// Returns the new position.
async fn pull(from: &mut AnyConnection, after: i64, to: &mut AnyConnection, to_me: &str) -> i64 {
    let rows = sqlx::query("SELECT pos, envelope FROM messages WHERE pos > $1 ORDER BY pos")
        .bind(after)
        .fetch_all(&mut *from)
        .await
        .unwrap();
    let mut last = after;
    for r in rows {
        last = r.try_get("pos").unwrap();
        let env =
            SignedEnvelope::parse(r.try_get::<String, _>("envelope").unwrap().as_bytes()).unwrap();
        if env.envelope().from.as_str() != to_me {
            receive(to, to_me, &env).await;
        }
    }
    last
}

/// Our own messages stored in `from` after `after_seq`, received by the hub
/// (the service pushing its stream). Returns the last seq pushed.
async fn push(from: &mut AnyConnection, after_seq: i64, hub: &mut AnyConnection) -> i64 {
    let rows = sqlx::query(
        "SELECT seq, envelope FROM messages WHERE origin = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(SERVICE)
    .bind(after_seq)
    .fetch_all(&mut *from)
    .await
    .unwrap();
    let mut last = after_seq;
    for r in rows {
        last = r.try_get("seq").unwrap();
        let env =
            SignedEnvelope::parse(r.try_get::<String, _>("envelope").unwrap().as_bytes()).unwrap();
        receive(hub, HUB, &env).await;
    }
    last
}

/// Every marker in `conn`'s database, with the (table, column) pairs
/// holding it: every table of `sqlite_master`, every column of each.
async fn markers(conn: &mut AnyConnection) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let tables: Vec<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("name").unwrap())
            .collect();
    let mut out: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query("SELECT name FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("name").unwrap())
            .collect();
        assert!(!columns.is_empty(), "no columns read for {table}");
        for column in columns {
            let sql = format!(
                "SELECT CAST(\"{column}\" AS TEXT) AS v FROM \"{table}\" \
                 WHERE instr(CAST(\"{column}\" AS TEXT), '{MARK}') > 0"
            );
            for r in sqlx::query(&sql).fetch_all(&mut *conn).await.unwrap() {
                let cell: String = r.try_get("v").unwrap();
                for found in markers_in(&cell) {
                    out.entry(found)
                        .or_default()
                        .insert((table.clone(), column.clone()));
                }
            }
        }
    }
    out
}

/// The markers written in a cell.
fn markers_in(cell: &str) -> Vec<String> {
    cell.match_indices(MARK)
        .map(|(i, _)| {
            cell[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-._[]".contains(*c))
                .collect()
        })
        .collect()
}

fn is_envelope(place: &(String, String)) -> bool {
    matches!(
        (place.0.as_str(), place.1.as_str()),
        ("messages", "envelope") | ("set_aside", "envelope")
    )
}

fn listed(place: &(String, String)) -> bool {
    COPIES
        .iter()
        .any(|(t, c, ..)| *t == place.0 && *c == place.1)
}

/// The columns holding a marker outside an envelope that [`COPIES`] does
/// not list, with the markers found there.
fn unlisted(found: &BTreeMap<String, BTreeSet<(String, String)>>) -> Vec<String> {
    found
        .iter()
        .flat_map(|(mark, places)| {
            places
                .iter()
                .filter(|p| !is_envelope(p) && !listed(p))
                .map(move |(t, c)| format!("{t}.{c} holds {mark}"))
        })
        .collect()
}

/// Every (kind, field path) with a marker in `conn`'s log, list positions
/// left out (`agenda[].title`).
async fn fields_filled(conn: &mut AnyConnection) -> BTreeSet<(String, String)> {
    let rows = sqlx::query("SELECT envelope FROM messages")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let mut out = BTreeSet::new();
    for r in rows {
        let env =
            SignedEnvelope::parse(r.try_get::<String, _>("envelope").unwrap().as_bytes()).unwrap();
        for (path, seal) in env.sealed_fields() {
            let opened = env.openings().get(&seal).map(|o| o.value.as_str());
            if opened.is_some_and(|v| v.starts_with(MARK)) {
                let mut general = String::new();
                let mut in_brackets = false;
                for c in path.chars() {
                    match c {
                        '[' => {
                            in_brackets = true;
                            general.push(c);
                        }
                        ']' => {
                            in_brackets = false;
                            general.push(c);
                        }
                        _ if in_brackets => {}
                        _ => general.push(c),
                    }
                }
                out.insert((env.envelope().kind.clone(), general));
            }
        }
    }
    out
}

fn details(title: &str, day: i64) -> MeetingDetails {
    MeetingDetails {
        directions: None,
        title: title.into(),
        starts_at: ts(1_900_000_000 + day * 86_400),
        ends_at: None,
        place: "Charleroi".into(),
        format: "réunion".into(),
    }
}

#[tokio::test]
async fn every_copy_of_a_sealed_text_is_listed_and_erased() {
    let hub_dir = tempfile::tempdir().unwrap();
    let service_dir = tempfile::tempdir().unwrap();
    let hub_db = Db::temp_sqlite(hub_dir.path()).await.unwrap();
    let service_db = Db::temp_sqlite(service_dir.path()).await.unwrap();
    let mut hw = hub_db.begin_write().await.unwrap();
    let mut sw = service_db.begin_write().await.unwrap();
    let hc = hw.conn();
    let sc = sw.conn();
    let hub_me = Me::hub();
    let hs = hub_me.stream();
    let me = Me::service(SERVICE);
    let ms = me.stream();
    for id in ["ssm-a", "ssm-b", SERVICE] {
        member(hc, id, id).await;
    }
    for id in ["ssm-a", "ssm-b"] {
        member(sc, id, id).await;
    }
    peers::upsert(
        sc,
        HUB,
        "Hub",
        NodeRole::Hub,
        peers::ACTIVE,
        None,
        &[hub_me.keys.public_key()],
    )
    .await
    .unwrap();
    let mut marks = Marks::default();
    use Kind as K;

    // ssm-c, the service whose database is searched, shares a proposal of
    // its own, which is discussed then answered.
    let own = proposals::create(
        sc,
        "test",
        &NewProposal {
            title: marks.mark(K::ProposalShared, "title"),
            description: marks.mark(K::ProposalShared, "description"),
            theme: Theme::Care,
            tags: vec![],
            origin: Origin::Committee,
        },
    )
    .await
    .unwrap();
    proposals::share(sc, &ms, own).await.unwrap();
    for (to, comment, answer) in [
        (
            ProposalStatus::Discussed,
            Some(marks.mark(K::ProposalUpdated, "comment")),
            None,
        ),
        (ProposalStatus::SentToManagement, None, None),
        (
            ProposalStatus::Accepted,
            Some(marks.mark(K::ProposalUpdated, "comment")),
            Some(marks.mark(K::ProposalUpdated, "answer.text")),
        ),
    ] {
        proposals::change_status(sc, Some(&ms), own, "test", to, comment, answer)
            .await
            .unwrap();
    }
    // Its title and text corrected: the history keeps the old title.
    let correction = proposals::Correction {
        title: marks.mark(K::ProposalUpdated, "title"),
        description: marks.mark(K::ProposalUpdated, "description"),
        theme: Theme::Care,
    };
    proposals::correct(sc, Some(&ms), own, "test", &correction)
        .await
        .unwrap();
    let mut pushed = push(sc, 0, hc).await;

    // ssm-a: its delegates, a proposal shared with an answer then updated,
    // another shared then withdrawn, an agenda item about the first.
    let mut a = Sender::service("ssm-a");
    let mut b = Sender::service("ssm-b");
    let date = Date::parse("2026-01-15").unwrap();
    let p1 = Uuid::now_v7();
    let p2 = Uuid::now_v7();
    let r1 = ProposalRef {
        service: a.id.clone(),
        proposal: p1,
    };
    let item = Uuid::now_v7();
    let shared = |marks: &mut Marks, proposal: Uuid| {
        Body::ProposalShared(SharedProposal {
            proposal,
            title: marks.text(K::ProposalShared, "title"),
            description: marks.text(K::ProposalShared, "description"),
            theme: Theme::Reception,
            tags: vec![],
            origin: Origin::Member,
            status: ProposalStatus::Accepted,
            answer: Some(ManagementAnswer {
                text: marks.text(K::ProposalShared, "answer.text"),
                date,
            }),
        })
    };
    let from_a = [
        Body::DelegatesList(DelegateList {
            delegates: vec![
                Delegate {
                    label: marks.text(K::DelegatesList, "delegates[].label"),
                    role: DelegateRole::Delegate,
                    term_start: date,
                    term_end: None,
                },
                Delegate {
                    label: marks.text(K::DelegatesList, "delegates[].label"),
                    role: DelegateRole::Substitute,
                    term_start: date,
                    term_end: Some(Date::parse("2027-01-15").unwrap()),
                },
            ],
        }),
        shared(&mut marks, p1),
        Body::ProposalUpdated(ProposalUpdate {
            proposal: p1,
            status: ProposalStatus::Adapted,
            comment: Some(marks.text(K::ProposalUpdated, "comment")),
            answer: Some(ManagementAnswer {
                text: marks.text(K::ProposalUpdated, "answer.text"),
                date,
            }),
            title: Some(marks.text(K::ProposalUpdated, "title")),
            description: Some(marks.text(K::ProposalUpdated, "description")),
            theme: None,
        }),
        shared(&mut marks, p2),
        Body::ProposalWithdrawn(ProposalWithdrawal {
            proposal: p2,
            reason: Some(marks.text(K::ProposalWithdrawn, "reason")),
        }),
        Body::AgendaItemProposed(AgendaItemProposal {
            item,
            title: marks.text(K::AgendaItemProposed, "title"),
            description: Some(marks.text(K::AgendaItemProposed, "description")),
            proposal: Some(r1.clone()),
            meeting: None,
        }),
    ];
    for body in &from_a {
        receive(hc, HUB, &a.sign(body)).await;
    }
    // ssm-b backs it, stops, backs it again: the last comment is kept.
    let support = |marks: &mut Marks, kind: Kind| Support {
        proposal: r1.clone(),
        comment: Some(marks.text(kind, "comment")),
    };
    let from_b = [
        Body::SupportGiven(support(&mut marks, K::SupportGiven)),
        Body::SupportWithdrawn(support(&mut marks, K::SupportWithdrawn)),
        Body::SupportGiven(support(&mut marks, K::SupportGiven)),
    ];
    for body in &from_b {
        receive(hc, HUB, &b.sign(body)).await;
    }

    // The coordinator: a subject, a meeting with ssm-a's item, the subject
    // and an entry of its own, changed, then its outcomes; a meeting
    // cancelled; a meeting announced with a notice (the protocol allows it
    // at publication, the pages never write one).
    let subject = hub::create_subject(
        hc,
        &hs,
        &marks.mark(K::SubjectUpdated, "title"),
        std::slice::from_ref(&r1),
        "coordination",
    )
    .await
    .unwrap();
    let m1 = hub::create_meeting_draft(hc, &details("Réunion 1", 1))
        .await
        .unwrap();
    let agenda = |marks: &mut Marks, kind: Kind| {
        vec![
            AgendaEntryInput::Item { item },
            AgendaEntryInput::Subject { subject },
            AgendaEntryInput::Free {
                title: marks.mark(kind, "agenda[].title"),
                description: Some(marks.mark(kind, "agenda[].description")),
            },
        ]
    };
    hub::set_agenda(hc, m1, &agenda(&mut marks, K::MeetingPublished))
        .await
        .unwrap();
    hub::publish(hc, &hs, m1).await.unwrap();
    let changes = MeetingChanges {
        details: details("Réunion 1", 2),
        agenda: Some(agenda(&mut marks, K::MeetingUpdated)),
    };
    hub::update(
        hc,
        &hs,
        m1,
        &changes,
        &marks.mark(K::MeetingUpdated, "notice"),
    )
    .await
    .unwrap();
    let decisions = [OutcomeInput {
        subject: Some(subject),
        proposals: vec![],
        decision: marks.mark(K::MeetingOutcomes, "outcomes[].decision"),
    }];
    hub::record_outcomes(
        hc,
        &hs,
        m1,
        &marks.mark(K::MeetingOutcomes, "minutes"),
        &decisions,
    )
    .await
    .unwrap();
    let m2 = hub::create_meeting_draft(hc, &details("Réunion 2", 3))
        .await
        .unwrap();
    hub::publish(hc, &hs, m2).await.unwrap();
    hub::cancel(hc, &hs, m2, &marks.mark(K::MeetingCancelled, "notice"))
        .await
        .unwrap();
    let with_notice = Body::MeetingPublished(JointMeeting {
        directions: None,
        meeting: Uuid::now_v7(),
        title: "Réunion 3".into(),
        starts_at: ts(1_900_000_000 + 4 * 86_400),
        ends_at: None,
        place: "Charleroi".into(),
        format: "réunion".into(),
        agenda: vec![],
        notice: Some(marks.text(K::MeetingPublished, "notice")),
    });
    let env = hs.append(hc, &with_notice).await.unwrap();
    crate::domain::apply_as(hc, HUB, Some(NodeRole::Hub), &env, &with_notice)
        .await
        .unwrap();

    // The service pulls the feed.
    let mut pulled = pull(hc, 0, sc, SERVICE).await;

    // Its committee prepares the joint meeting at a meeting of its own,
    // takes a position on it and shares it.
    let local = crate::domain::meetings::create(
        sc,
        &crate::domain::meetings::NewMeeting {
            title: "Préparation".into(),
            starts_at: 1_900_000_000,
            place: "Salle 1".into(),
            format: "réunion".into(),
            in_the_past: false,
        },
    )
    .await
    .unwrap();
    let prepare = crate::domain::meetings::add_agenda_item(
        sc,
        local,
        &crate::domain::meetings::NewAgendaItem {
            title: "Préparer la réunion commune".into(),
            joint_meeting: Some(m1),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let position = crate::domain::positions::decide(
        sc,
        local,
        prepare,
        passerelle_protocol::body::Stance::Question,
        Some(&marks.mark(K::PositionShared, "comment")),
    )
    .await
    .unwrap();
    crate::domain::positions::share(sc, &ms, position)
        .await
        .unwrap();
    pushed = push(sc, pushed, hc).await;

    // Every erasable field of every kind carried a marker.
    let filled = fields_filled(hc).await;
    for kind in Kind::ALL {
        for path in sealed_paths(kind) {
            assert!(
                filled.contains(&(kind.as_str().to_owned(), (*path).to_owned())),
                "no message of the test fills {path} of {}: add one",
                kind.as_str()
            );
        }
    }

    // Every copy outside an envelope is listed in COPIES.
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for (node, conn) in [(HUB, &mut *hc), (SERVICE, &mut *sc)] {
        let found = markers(conn).await;
        for m in marks.all() {
            assert!(
                found
                    .get(m)
                    .is_some_and(|p| p.contains(&("messages".into(), "envelope".into()))),
                "{node}: {m} is in no envelope: {found:?}"
            );
        }
        let missing = unlisted(&found);
        assert!(
            missing.is_empty(),
            "{node}: copies of sealed texts that COPIES does not list: {missing:#?}"
        );
        seen.extend(found.into_values().flatten());
    }
    // And the test feeds every column COPIES lists.
    for (table, column, ..) in COPIES {
        assert!(
            seen.contains(&((*table).to_owned(), (*column).to_owned())),
            "no marker reached {table}.{column}: the test misses the message that feeds it"
        );
    }

    // Every origin erases every seal. The members' erasures reach the hub,
    // which erases its own copies of their texts (ssm-a's item, on the
    // meeting's agenda) and announces it.
    for sender in [&mut a, &mut b] {
        let erasure = sender.erase_all(hc).await;
        receive(hc, HUB, &erasure).await;
    }
    let targets = every_seal(sc, SERVICE).await;
    let erased = erase_own(
        sc,
        &ms,
        Erasure { targets },
        Cause::Administrator,
        "test",
        "tout",
    )
    .await
    .unwrap();
    assert!(erased > 0);
    pushed = push(sc, pushed, hc).await;
    assert!(pushed > 0);
    let pending: i64 = sqlx::query("SELECT COUNT(*) AS n FROM pending_erasures")
        .fetch_one(&mut *hc)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert!(
        pending > 0,
        "the hub's agenda copied ssm-a's item: its own copies must be queued"
    );
    announce_pending(hc, &hs).await.unwrap();
    let members_marks: BTreeSet<&String> = marks
        .0
        .iter()
        .filter(|(kind, _)| kind.may_be_sent_by(NodeRole::Service))
        .map(|(_, m)| m)
        .collect();
    let left = markers(hc).await;
    let kept: Vec<_> = left
        .iter()
        .filter(|(m, _)| members_marks.contains(m))
        .collect();
    assert!(
        kept.is_empty(),
        "the hub kept texts its members erased: {kept:#?}"
    );

    // The hub erases all of its own texts.
    let ids: Vec<String> = log::of_kinds(hc, HUB, &sealed_kinds())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    let own_erasure = of_own_messages(hc, HUB, &ids, None).await.unwrap().unwrap();
    erase_own(hc, &hs, own_erasure, Cause::Administrator, "test", "tout")
        .await
        .unwrap();
    pulled = pull(hc, pulled, sc, SERVICE).await;
    assert!(pulled > 0);

    for (node, conn) in [(HUB, &mut *hc), (SERVICE, &mut *sc)] {
        let left = markers(conn).await;
        assert!(
            left.is_empty(),
            "{node} still holds erased texts: {left:#?}"
        );
    }
    // Every message of every origin is still there.
    assert_eq!(message_count(hc).await, message_count(sc).await);
}

async fn message_count(conn: &mut AnyConnection) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM messages")
        .fetch_one(conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}
