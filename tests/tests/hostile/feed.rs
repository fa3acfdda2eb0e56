//! Hostile input reaching a real service through its hub's feed: every
//! feed row of SPEC.md §11.1.
//!
//! The hub here is a real HTTP server that misbehaves: a small axum
//! application with its own key, which enrols the service through the
//! service's real `join`, checks every request signature the service sends
//! (origin, pinned key, time window, replay, method, target, body), and
//! serves whatever feed the test hands it — well-formed pages carrying
//! crafted envelopes, or pages that are not a feed at all. The service is a
//! real node running its real pusher and puller.
//!
//! For every relayed envelope the service must refuse, it must record the
//! refusal (`refused_incoming`: position, origin, code), log it with its
//! code, move its cursor past it, and change nothing else in its database
//! (compared whole before and after). A page that is not a feed is not read
//! at all: logged, retried later, nothing written but the sync bookkeeping.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use passerelle_core::Node;
use passerelle_protocol::body::{Member, MemberList, MemberStatus, NodeRole};
use passerelle_protocol::signed_object::NodeDescriptor;
use passerelle_protocol::{
    Body, CanonicalValue, Hash, KeyPair, Limits, NodeId, PublicKey, RequestParts, RequestSignature,
    SignedEnvelope, Timestamp,
};
use passerelle_tests::hostile::*;
use passerelle_tests::*;
use sqlx::Row;

const PATIENCE: Duration = Duration::from_secs(30);
const EVIL: &str = "hub-evil";

/// A hub that serves what the test tells it to.
struct EvilHub {
    id: NodeId,
    keys: KeyPair,
    descriptor: String,
    service_key: Mutex<Option<PublicKey>>,
    seen: Mutex<BTreeSet<String>>,
    /// The feed: (position, envelope text embedded as is).
    items: Mutex<Vec<(i64, String)>>,
    /// An answer to serve, once, instead of the next feed page.
    raw_next: Mutex<Option<Vec<u8>>>,
    raw_served: AtomicUsize,
    refused_requests: AtomicUsize,
}

type Evil = Arc<EvilHub>;

impl EvilHub {
    fn new() -> Evil {
        let keys = KeyPair::generate().unwrap();
        let id = NodeId::parse(EVIL).unwrap();
        let descriptor = NodeDescriptor::signed(
            id.clone(),
            "Un hub malveillant".into(),
            NodeRole::Hub,
            Vec::new(),
            &keys,
        )
        .unwrap()
        .to_canonical_string();
        Arc::new(EvilHub {
            id,
            keys,
            descriptor,
            service_key: Mutex::new(None),
            seen: Mutex::new(BTreeSet::new()),
            items: Mutex::new(Vec::new()),
            raw_next: Mutex::new(None),
            raw_served: AtomicUsize::new(0),
            refused_requests: AtomicUsize::new(0),
        })
    }

    /// Adds an envelope text to the feed; returns its position.
    fn publish(&self, envelope: String) -> i64 {
        let mut items = self.items.lock().unwrap();
        let pos = items.last().map_or(1, |(p, _)| p + 1);
        items.push((pos, envelope));
        pos
    }

    /// Checks a request exactly as a real hub does (§9.3).
    fn check(
        &self,
        headers: &HeaderMap,
        method: &str,
        target: &str,
        body: &[u8],
        key: Option<PublicKey>,
    ) -> Result<RequestSignature, String> {
        let value = headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or("no Authorization header")?
            .to_str()
            .map_err(|e| e.to_string())?;
        let sig = RequestSignature::parse_header(value).map_err(|e| e.to_string())?;
        let key = key
            .or(*self.service_key.lock().unwrap())
            .ok_or("nobody joined")?;
        sig.check_time(Timestamp::now(), 300)
            .map_err(|e| e.to_string())?;
        let parts = RequestParts {
            method,
            target,
            destination: &self.id,
            body,
        };
        sig.verify(&parts, &key).map_err(|e| e.to_string())?;
        if !self.seen.lock().unwrap().insert(sig.sig.to_string()) {
            return Err("replayed".into());
        }
        Ok(sig)
    }

    fn refuse(&self, why: String) -> axum::response::Response {
        self.refused_requests.fetch_add(1, Ordering::SeqCst);
        let body = serde_json::json!({"error": {"code": "bad_signature", "message": why}});
        (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
    }
}

fn json(text: String) -> axum::response::Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response()
}

fn target(uri: &OriginalUri) -> String {
    uri.0
        .path_and_query()
        .map_or_else(|| uri.0.path().to_owned(), |pq| pq.as_str().to_owned())
}

async fn descriptor(State(evil): State<Evil>) -> axum::response::Response {
    json(evil.descriptor.clone())
}

async fn join(
    State(evil): State<Evil>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let descriptor =
        NodeDescriptor::verify(&CanonicalValue::try_from(request["descriptor"].clone()).unwrap())
            .unwrap();
    match evil.check(
        &headers,
        "POST",
        &target(&uri),
        &body,
        Some(descriptor.public_key),
    ) {
        Ok(_) => {
            *evil.service_key.lock().unwrap() = Some(descriptor.public_key);
            json(format!("{{\"hub\":{}}}", evil.descriptor))
        }
        Err(why) => evil.refuse(why),
    }
}

async fn feed(
    State(evil): State<Evil>,
    uri: OriginalUri,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> axum::response::Response {
    if let Err(why) = evil.check(&headers, "GET", &target(&uri), b"", None) {
        return evil.refuse(why);
    }
    if let Some(raw) = evil.raw_next.lock().unwrap().take() {
        evil.raw_served.fetch_add(1, Ordering::SeqCst);
        return (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            raw,
        )
            .into_response();
    }
    let after: i64 = query.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let wait: u64 = query.get("wait").and_then(|w| w.parse().ok()).unwrap_or(0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.min(2));
    loop {
        let page: Vec<(i64, String)> = evil
            .items
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| *p > after)
            .cloned()
            .collect();
        if !page.is_empty() || tokio::time::Instant::now() >= deadline {
            let next = page.last().map_or(after, |(p, _)| *p);
            let items: Vec<String> = page
                .iter()
                .map(|(p, e)| format!("{{\"pos\":{p},\"envelope\":{e}}}"))
                .collect();
            return json(format!(
                "{{\"messages\":[{}],\"next\":{next}}}",
                items.join(",")
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn inbox(
    State(evil): State<Evil>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    if let Err(why) = evil.check(&headers, "POST", &target(&uri), &body, None) {
        return evil.refuse(why);
    }
    // Accepts everything, as a hub that lost nothing would.
    let push: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let messages = push["messages"].as_array().unwrap();
    let results: Vec<serde_json::Value> = (0..messages.len())
        .map(|index| serde_json::json!({"index": index, "status": "accepted"}))
        .collect();
    let head = messages.last().map(|m| {
        let env = SignedEnvelope::parse(m.to_string().as_bytes()).unwrap();
        serde_json::json!({"seq": env.envelope().seq, "hash": env.hash().as_str()})
    });
    json(serde_json::json!({"results": results, "head": head}).to_string())
}

async fn state(
    State(evil): State<Evil>,
    uri: OriginalUri,
    headers: HeaderMap,
) -> axum::response::Response {
    match evil.check(&headers, "GET", &target(&uri), b"", None) {
        Ok(_) => json("{\"head\":null}".into()),
        Err(why) => evil.refuse(why),
    }
}

fn router(evil: Evil) -> Router {
    Router::new()
        .route("/.well-known/passerelle", get(descriptor))
        .route("/fed/v1/join", post(join))
        .route("/fed/v1/feed", get(feed))
        .route("/fed/v1/inbox", post(inbox))
        .route("/fed/v1/state", get(state))
        .with_state(evil)
}

/// What the service must do with a relayed envelope.
enum Outcome {
    /// Refused with this code: recorded in `refused_incoming`, skipped.
    Refused(&'static str),
    /// Stored (its origin's stream advances) without applying its body,
    /// logged with this code.
    StoredOnly(&'static str),
    /// Stored and applied: the hub is trusted with this check.
    Accepted,
}

struct FeedCase {
    name: &'static str,
    envelope: String,
    /// The origin the service can read from it (`?` when it cannot).
    origin: &'static str,
    outcome: Outcome,
}

async fn cursor(node: &Node) -> i64 {
    sqlx::query("SELECT feed_cursor FROM sync_state WHERE peer_id = $1")
        .bind(EVIL)
        .fetch_one(node.db.pool())
        .await
        .unwrap()
        .try_get("feed_cursor")
        .unwrap()
}

/// The dump without the sync bookkeeping (cursor, last success or failure).
async fn dump(node: &Node) -> DbDump {
    table_dump(node).await.without_table("sync_state")
}

async fn run(evil: &Evil, node: &Node, case: &FeedCase) {
    let name = case.name;
    let before = dump(node).await;
    let mark = log_capture::mark();
    let pos = evil.publish(case.envelope.clone());
    assert!(
        wait_until(PATIENCE, || async { cursor(node).await >= pos })
            .await
            .is_some(),
        "{name}: the service never moved past position {pos}; log: {:?}",
        log_capture::since(mark)
    );
    let after = dump(node).await;
    let (added, removed) = after.changed_rows(&before, "refused_incoming");
    assert!(removed.is_empty(), "{name}");
    let (stored, _) = after.changed_rows(&before, "messages");
    match case.outcome {
        Outcome::Refused(code) => {
            assert_eq!(added.len(), 1, "{name}: one refusal recorded: {added:?}");
            let row = &added[0];
            // The service's database is SQLite: the dump quotes text values.
            assert_eq!(
                (row[0].clone(), row[1].clone(), row[2].clone()),
                (
                    Some(pos.to_string()),
                    Some(format!("'{}'", case.origin)),
                    Some(format!("'{code}'"))
                ),
                "{name}: refused_incoming row {row:?}"
            );
            assert!(
                log_capture::wait_for(mark, "relayed message refused", code, PATIENCE)
                    .await
                    .is_some(),
                "{name}: not logged with code {code}: {:?}",
                log_capture::since(mark)
            );
            let after = after.without_table("refused_incoming");
            let before = before.without_table("refused_incoming");
            assert!(
                after == before,
                "{name}: the database changed: {:#?}",
                after.differences(&before)
            );
        }
        Outcome::StoredOnly(code) => {
            assert!(added.is_empty(), "{name}: {added:?}");
            let columns = &after.0["messages"].columns;
            let col = |n: &str| columns.iter().position(|c| c == n).unwrap();
            assert_eq!(stored.len(), 1, "{name}: {stored:?}");
            assert_eq!(stored[0][col("origin")], Some(format!("'{}'", case.origin)));
            assert_eq!(stored[0][col("applied")].as_deref(), Some("0"), "{name}");
            assert!(
                log_capture::wait_for(
                    mark,
                    "relayed message stored without applying it",
                    code,
                    PATIENCE
                )
                .await
                .is_some(),
                "{name}: not logged with code {code}: {:?}",
                log_capture::since(mark)
            );
            // Only the log and the stream head changed.
            let keep = |d: DbDump| d.without_table("messages").without_table("stream_heads");
            let (a, b) = (keep(after), keep(before));
            assert!(a == b, "{name}: {:#?}", a.differences(&b));
        }
        Outcome::Accepted => {
            assert!(added.is_empty(), "{name}: {added:?}");
            assert_eq!(stored.len(), 1, "{name}: {stored:?}");
        }
    }
}

/// Serves `raw` as the next feed answer; the service must log that it could
/// not read it (`fragment` in the error) and write nothing.
async fn run_page(evil: &Evil, node: &Node, name: &str, raw: Vec<u8>, fragment: &str) {
    let before = dump(node).await;
    let mark = log_capture::mark();
    let served = evil.raw_served.load(Ordering::SeqCst);
    *evil.raw_next.lock().unwrap() = Some(raw);
    let logged = wait_until(PATIENCE, || async {
        log_capture::since(mark).iter().any(|e| {
            e.field("message") == Some("exchange with the hub failed")
                && e.field("error").is_some_and(|t| t.contains(fragment))
        })
    })
    .await;
    assert!(
        logged.is_some(),
        "{name}: not logged; log: {:?}",
        log_capture::since(mark)
    );
    assert_eq!(evil.raw_served.load(Ordering::SeqCst), served + 1);
    let after = dump(node).await;
    assert!(
        after == before,
        "{name}: the database changed: {:#?}",
        after.differences(&before)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_relayed_input_is_refused_logged_and_changes_nothing_else() {
    // The tests of this binary share the process-wide log: one at a time.
    let serial = crate::LOG.lock().await;
    log_capture::install();
    let evil = EvilHub::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = router(evil.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("ssm-1"), NodeRole::Service, "ssm-1", None).await;
    passerelle_core::fed::service::join(&service.node, &url, "un-code")
        .await
        .unwrap();
    let node = service.node.clone();

    let member = KeyPair::generate().unwrap();
    let gone = KeyPair::generate().unwrap();
    let stranger = KeyPair::generate().unwrap();
    let entry = |id: &str, role, status, key: PublicKey| Member {
        id: NodeId::parse(id).unwrap(),
        name: format!("Nœud {id}"),
        role,
        status,
        keys: vec![key],
    };
    let list = Body::MembersList(MemberList {
        members: vec![
            entry(
                EVIL,
                NodeRole::Hub,
                MemberStatus::Active,
                evil.keys.public_key(),
            ),
            entry(
                "ssm-1",
                NodeRole::Service,
                MemberStatus::Active,
                node.keys.public_key(),
            ),
            entry(
                "ssm-2",
                NodeRole::Service,
                MemberStatus::Active,
                member.public_key(),
            ),
            entry(
                "ssm-3",
                NodeRole::Service,
                MemberStatus::Revoked,
                gone.public_key(),
            ),
        ],
    });
    let list = envelope(&evil.keys, EVIL, EVIL, 1, None, &list)
        .sign(&evil.keys)
        .unwrap();
    evil.publish(list.canonical_string());
    // ssm-2's first message, accepted: its stream has a head at the service.
    let first = envelope(&member, "ssm-2", EVIL, 1, None, &proposal_body("Premier"))
        .sign(&member)
        .unwrap();
    let first_pos = evil.publish(first.canonical_string());
    assert!(
        wait_until(PATIENCE, || async { cursor(&node).await >= first_pos })
            .await
            .is_some(),
        "the service never read the first page"
    );
    assert_eq!(stream_of(&node, "ssm-2").await, (1, true));
    assert_eq!(federated_titles(&node).await.len(), 1);
    let h1 = first.hash().clone();

    let valid2 = envelope(
        &member,
        "ssm-2",
        EVIL,
        2,
        Some(h1.clone()),
        &proposal_body("Deuxième"),
    );
    let valid2_signed = valid2.clone().sign(&member).unwrap().canonical_string();
    let with = |name: &str, value: CanonicalValue| {
        let mut m = members(&valid2);
        m.insert(name.into(), value);
        sign_members(m, &member)
    };
    let with_body = |name: &str, value: CanonicalValue| {
        let mut m = members(&valid2);
        set_body_member(&mut m, name, value);
        sign_members(m, &member)
    };
    let in_body = |text: &str| replace_once(&valid2_signed, "\"body\":{", text);
    let signed = |keys: &KeyPair, from: &str, to: &str, seq, prev: Option<Hash>, title: &str| {
        envelope(keys, from, to, seq, prev, &proposal_body(title))
            .sign(keys)
            .unwrap()
            .canonical_string()
    };
    let oversized = with_body(
        "annex",
        CanonicalValue::Array((0..5).map(|_| text(&"x".repeat(16_000))).collect()),
    );
    assert!(oversized.len() > Limits::ENVELOPE.max_bytes);
    let key_not_pinned = {
        let mut e = valid2.clone();
        e.key = stranger.key_id().clone();
        e.sign(&stranger).unwrap().canonical_string()
    };
    let future = {
        let mut e = valid2.clone();
        e.ts = Timestamp::from_unix(Timestamp::now().unix() + 3600).unwrap();
        e.id = uuid::Uuid::now_v7();
        e
    };
    let refused = |name, envelope: String, origin, code| FeedCase {
        name,
        envelope,
        origin,
        outcome: Outcome::Refused(code),
    };
    let lone_surrogate =
        with_body("note", text("?")).replace("\"note\":\"?\"", "\"note\":\"\\ud800\"");
    let without_sig = {
        let sig = valid2
            .clone()
            .sign(&member)
            .unwrap()
            .signature()
            .to_string();
        replace_once(&valid2_signed, &format!(",\"sig\":\"{sig}\""), "")
    };
    let very_deep = in_body(&format!(
        "\"body\":{{\"annex\":{}1{},",
        "[".repeat(30_000),
        "]".repeat(30_000)
    ));
    let cases = vec![
        refused(
            "envelope_not_an_object",
            "\"bonjour\"".into(),
            "?",
            "invalid_envelope",
        ),
        refused("envelope_null", "null".into(), "?", "invalid_envelope"),
        refused(
            "envelope_lone_surrogate",
            lone_surrogate,
            "?",
            "malformed_json",
        ),
        refused(
            "envelope_seq_zero",
            with("seq", CanonicalValue::Integer(0)),
            "?",
            "invalid_envelope",
        ),
        refused(
            "envelope_body_is_a_list",
            with("body", CanonicalValue::Array(vec![])),
            "?",
            "invalid_envelope",
        ),
        refused("envelope_missing_sig", without_sig, "?", "invalid_envelope"),
        refused("nested_30000_deep", very_deep, "?", "too_deep"),
        refused(
            "envelope_seq_is_a_string",
            with("seq", text("2")),
            "?",
            "invalid_envelope",
        ),
        refused(
            "envelope_unexpected_member",
            with("priority", text("haute")),
            "?",
            "invalid_envelope",
        ),
        refused(
            "seq_float",
            replace_once(&valid2_signed, "\"seq\":2", "\"seq\":2.0"),
            "?",
            "not_canonical_number",
        ),
        refused(
            "float_in_body",
            in_body("\"body\":{\"priority\":0.5,"),
            "?",
            "not_canonical_number",
        ),
        refused(
            "seq_above_2_53",
            replace_once(&valid2_signed, "\"seq\":2", "\"seq\":9007199254740992"),
            "?",
            "not_canonical_number",
        ),
        refused(
            "duplicate_key",
            in_body("\"body\":{\"title\":\"x\","),
            "?",
            "duplicate_key",
        ),
        refused(
            "duplicate_key_escaped",
            replace_once(&valid2_signed, "{\"body\":", "{\"s\\u0065q\":2,\"body\":"),
            "?",
            "duplicate_key",
        ),
        refused("envelope_over_64_kib", oversized, "?", "too_large"),
        refused(
            "nested_17_deep",
            with_body("annex", nested(15)),
            "?",
            "too_deep",
        ),
        refused(
            "string_over_16_kib",
            with_body("description", text(&"é".repeat(8_193))),
            "?",
            "string_too_long",
        ),
        refused(
            "version_3",
            with("v", CanonicalValue::Integer(3)),
            "?",
            "unsupported_version",
        ),
        refused(
            "unknown_sender",
            signed(&stranger, "ssm-intrus", EVIL, 1, None, "Intrus"),
            "ssm-intrus",
            "unknown_sender",
        ),
        refused(
            "revoked_sender",
            signed(&gone, "ssm-3", EVIL, 1, None, "Révoqué"),
            "ssm-3",
            "revoked",
        ),
        refused(
            "envelope_key_not_pinned",
            key_not_pinned,
            "ssm-2",
            "unknown_key",
        ),
        refused(
            "envelope_signed_by_another_key",
            sign_members(members(&valid2), &stranger),
            "ssm-2",
            "bad_signature",
        ),
        refused(
            "signature_over_other_bytes",
            replace_once(
                &valid2_signed,
                "\"status\":\"idea\"",
                "\"status\":\"discussed\"",
            ),
            "ssm-2",
            "bad_signature",
        ),
        refused(
            "opening_that_does_not_open_its_seal",
            replace_once(
                &valid2_signed,
                "\"value\":\"Deuxième\"",
                "\"value\":\"Troisième\"",
            ),
            "ssm-2",
            "bad_signature",
        ),
        refused(
            "wrong_audience",
            signed(
                &member,
                "ssm-2",
                "hub-autre",
                2,
                Some(h1.clone()),
                "Ailleurs",
            ),
            "ssm-2",
            "wrong_audience",
        ),
        refused(
            "replayed_message_id",
            with("id", text(&first.envelope().id.hyphenated().to_string())),
            "ssm-2",
            "replayed_id",
        ),
        refused(
            "same_seq_other_content",
            signed(&member, "ssm-2", EVIL, 1, None, "Autre premier"),
            "ssm-2",
            "equivocation",
        ),
        refused(
            "gap",
            signed(&member, "ssm-2", EVIL, 3, Some(h1.clone()), "Trop loin"),
            "ssm-2",
            "gap",
        ),
        refused(
            "fork",
            signed(
                &member,
                "ssm-2",
                EVIL,
                2,
                Some(Hash::of(b"autre histoire")),
                "Bifurcation",
            ),
            "ssm-2",
            "fork",
        ),
        refused(
            "hub_message_for_another_federation",
            signed(
                &evil.keys,
                EVIL,
                "hub-autre",
                2,
                Some(list.hash().clone()),
                "Ailleurs",
            ),
            EVIL,
            "wrong_audience",
        ),
        FeedCase {
            name: "unknown_kind",
            envelope: {
                let mut m = members(&valid2);
                m.insert("kind".into(), text("coffee.ordered"));
                sign_members(m, &member)
            },
            origin: "ssm-2",
            outcome: Outcome::StoredOnly("unknown_kind"),
        },
    ];
    for case in &cases {
        run(&evil, &node, case).await;
    }
    // The unknown kind took seq 2; a message the hub let through with a
    // time an hour ahead is stored: the time rule is the hub's (§5.2).
    let (seq, h2) = {
        let row = sqlx::query("SELECT seq, hash FROM stream_heads WHERE origin = 'ssm-2'")
            .fetch_one(node.db.pool())
            .await
            .unwrap();
        (
            row.try_get::<i64, _>("seq").unwrap(),
            Hash::parse(&row.try_get::<String, _>("hash").unwrap()).unwrap(),
        )
    };
    assert_eq!(seq, 2);
    let invalid_body = {
        let e = envelope(&member, "ssm-2", EVIL, 3, Some(h2), &proposal_body("x"));
        let mut m = members(&e);
        set_body_member(&mut m, "title", text("   "));
        sign_members(m, &member)
    };
    run(
        &evil,
        &node,
        &FeedCase {
            name: "invalid_body",
            envelope: invalid_body.clone(),
            origin: "ssm-2",
            outcome: Outcome::StoredOnly("invalid_body"),
        },
    )
    .await;
    let h3 = SignedEnvelope::parse(invalid_body.as_bytes())
        .unwrap()
        .hash()
        .clone();
    let mut future = future;
    future.seq = 4;
    future.prev = Some(h3);
    run(
        &evil,
        &node,
        &FeedCase {
            name: "ts_an_hour_ahead",
            envelope: future.sign(&member).unwrap().canonical_string(),
            origin: "ssm-2",
            outcome: Outcome::Accepted,
        },
    )
    .await;

    // Pages that are not a feed at all.
    let pages: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "page_not_json",
            b"{\"messages\":[".to_vec(),
            "unreadable feed",
        ),
        (
            "page_wrong_types",
            b"{\"messages\":\"x\",\"next\":1}".to_vec(),
            "unreadable feed",
        ),
        (
            "page_pos_is_a_float",
            b"{\"messages\":[{\"pos\":1.5,\"envelope\":{}}],\"next\":1}".to_vec(),
            "unreadable feed",
        ),
        (
            "page_envelope_not_json",
            b"{\"messages\":[{\"pos\":99,\"envelope\":{\"v\":1,}}],\"next\":99}".to_vec(),
            "unreadable feed",
        ),
        (
            "page_over_32_mib",
            format!(
                "{{\"messages\":[],\"next\":0,\"x\":\"{}\"}}",
                "x".repeat(33 * 1024 * 1024)
            )
            .into_bytes(),
            "too large",
        ),
    ];
    for (name, raw, fragment) in pages {
        run_page(&evil, &node, name, raw, fragment).await;
    }
    // Every request the service sent was correctly signed.
    assert_eq!(evil.refused_requests.load(Ordering::SeqCst), 0);
    println!(
        "FIGURE hostile inputs relayed to a service: {} envelopes, 5 pages",
        cases.len() + 2
    );
    service.stop().await;
    server.abort();
    drop(serial);
}
