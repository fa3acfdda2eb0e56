//! Hostile input sent to a real hub (SQLite, and PostgreSQL when
//! configured) over real HTTP: every hub row of SPEC.md §11.1. Each case
//! must be answered with its documented status and code, be logged by the
//! hub with that code, and change nothing in the hub's database — compared
//! whole, every table and row, before and after. The only writes allowed
//! are the ones authentication itself makes: the replay record of an
//! accepted request signature (`seen_requests`, asserted row by row) and
//! the requester's `peers.last_seen_at`.
//!
//! The federation is real: a hub and three services joined through real
//! invitations. `ssm-1` keeps running (its puller long-polls the hub during
//! the whole test); `ssm-2` is stopped and the test speaks in its name with
//! its enrolled key (the hostile member); `ssm-3` is stopped and revoked.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_core::Node;
use passerelle_protocol::body::{
    AgendaItemProposal, AggregateFigures, MemberList, ProposalRef, Support,
};
use passerelle_protocol::{Body, CanonicalValue, Hash, KeyPair, Timestamp};
use passerelle_tests::hostile::*;
use passerelle_tests::*;
use reqwest::header::HeaderValue;
use sqlx::Row;

const PATIENCE: Duration = Duration::from_secs(20);
const HUB: &str = "hub-test";
const HOSTILE: &str = "ssm-2";

/// How a case is authenticated.
enum Auth {
    None,
    /// A header value (possibly not ASCII).
    Raw(HeaderValue),
    /// Two `Authorization` headers.
    Twice(HeaderValue, HeaderValue),
}

/// One hostile input and what the hub must answer.
struct Case {
    name: &'static str,
    /// Where it is aimed, for the figures: `header`, `request` or `message`.
    category: &'static str,
    method: reqwest::Method,
    target: &'static str,
    body: Vec<u8>,
    auth: Auth,
    status: u16,
    code: &'static str,
    /// Refused inside a push answer (`results`), rather than as a whole request.
    per_message: bool,
}

struct Hub {
    node: Node,
    url: String,
    http: reqwest::Client,
}

impl Hub {
    async fn send(
        &self,
        method: reqwest::Method,
        target: &str,
        body: Vec<u8>,
        auth: &Auth,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .http
            .request(method, format!("{}{target}", self.url))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        match auth {
            Auth::None => {}
            Auth::Raw(value) => req = req.header(reqwest::header::AUTHORIZATION, value.clone()),
            // `header` appends: the request carries both.
            Auth::Twice(a, b) => {
                req = req
                    .header(reqwest::header::AUTHORIZATION, a.clone())
                    .header(reqwest::header::AUTHORIZATION, b.clone());
            }
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
        });
        (status, json)
    }

    /// The whole database, without what authentication writes by itself.
    async fn dump(&self) -> DbDump {
        table_dump(&self.node)
            .await
            .without_table("seen_requests")
            .without_column("peers", "last_seen_at")
    }

    async fn seen(&self, sig: &str) -> bool {
        sqlx::query("SELECT 1 AS one FROM seen_requests WHERE sig = $1")
            .bind(sig)
            .fetch_optional(self.node.db.pool())
            .await
            .unwrap()
            .is_some()
    }
}

fn signature_of(header: &HeaderValue) -> Option<String> {
    let text = header.to_str().ok()?;
    let start = text.find("sig=\"")? + 5;
    Some(text[start..].split('"').next()?.to_owned())
}

/// Sends `case` and checks status, code, log and database.
async fn run(hub: &Hub, case: &Case) {
    let name = case.name;
    let sig = match &case.auth {
        Auth::Raw(header) | Auth::Twice(header, _) => signature_of(header),
        Auth::None => None,
    };
    let seen_before = match &sig {
        Some(sig) => hub.seen(sig).await,
        None => false,
    };
    let before = hub.dump().await;
    let mark = log_capture::mark();
    let (status, answer) = hub
        .send(
            case.method.clone(),
            case.target,
            case.body.clone(),
            &case.auth,
        )
        .await;
    assert_eq!(status, case.status, "{name}: status; answer {answer}");
    assert_eq!(
        answer["error"]["code"], case.code,
        "{name}: code; answer {answer}"
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{name}: a sentence for people; answer {answer}"
    );
    if case.per_message {
        let results = answer["results"].as_array().unwrap();
        let last = results.last().unwrap();
        assert_eq!(last["status"], "rejected", "{name}: {answer}");
        assert_eq!(last["code"], case.code, "{name}: {answer}");
    } else {
        assert!(answer.get("results").is_none(), "{name}: {answer}");
    }
    let logged = if case.per_message {
        "message refused"
    } else {
        "request refused"
    };
    assert!(
        log_capture::wait_for(mark, logged, case.code, PATIENCE)
            .await
            .is_some(),
        "{name}: the hub did not log {logged:?} with code {}; it logged {:?}",
        case.code,
        log_capture::since(mark)
    );
    let after = hub.dump().await;
    assert!(
        after == before,
        "{name}: the database changed: {:#?}",
        after.differences(&before)
    );
    // The replay record is written only for a request whose signature
    // verified; a push's, in the group commit with its messages
    // (node/core/src/fed/inbox.rs), so only for a push whose body was read: one
    // refused message by message.
    if let Some(sig) = sig {
        let authenticated = case.per_message
            || (case.method != reqwest::Method::POST
                && matches!(case.code, "malformed_json" | "bad_request"));
        assert_eq!(
            hub.seen(&sig).await,
            seen_before || authenticated,
            "{name}: seen_requests"
        );
    }
}

/// The hub's head of `origin`'s stream.
async fn head(node: &Node, origin: &str) -> (u64, Hash) {
    let row = sqlx::query("SELECT seq, hash FROM stream_heads WHERE origin = $1")
        .bind(origin)
        .fetch_one(node.db.pool())
        .await
        .unwrap();
    (
        row.try_get::<i64, _>("seq").unwrap() as u64,
        Hash::parse(&row.try_get::<String, _>("hash").unwrap()).unwrap(),
    )
}

async fn hostile_input_at_the_hub(hub_db: Option<String>) {
    // The tests of this binary share the process-wide log: one at a time.
    let serial = crate::LOG.lock().await;
    log_capture::install();
    let mut fed = Federation::start(3, hub_db).await;
    // ssm-1 shares something, so another origin's message id exists.
    share_proposal(&fed.services[0].node, "Un banc devant l'entrée").await;
    assert!(wait_until(PATIENCE, || async {
        stream_of(&fed.hub.node, "ssm-1").await.0 == 1
    })
    .await
    .is_some());
    let other_id: String = sqlx::query("SELECT id FROM messages WHERE origin = 'ssm-1'")
        .fetch_one(fed.hub.node.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    fed.services[1].stop().await;
    fed.services[2].stop().await;
    passerelle_core::fed::hub::revoke(&fed.hub.node, "ssm-3")
        .await
        .unwrap();
    let hub = Hub {
        node: fed.hub.node.clone(),
        url: fed.hub.url.clone(),
        http: reqwest::Client::new(),
    };
    let me = &fed.services[1].node.keys;
    let revoked = &fed.services[2].node.keys;
    let stranger = KeyPair::generate().unwrap();
    let sign = |method: &str, target: &str, body: &[u8]| {
        HeaderValue::from_str(&auth_header(
            me,
            HOSTILE,
            method,
            target,
            HUB,
            body,
            Timestamp::now(),
        ))
        .unwrap()
    };

    // The hostile member's first message, accepted: the stream has a head.
    let first = envelope(me, HOSTILE, HUB, 1, None, &proposal_body("Premier"))
        .sign(me)
        .unwrap();
    let body = push_body(&[&first.canonical_string()]);
    let auth = Auth::Raw(sign("POST", "/fed/v1/inbox", &body));
    let (status, answer) = hub
        .send(reqwest::Method::POST, "/fed/v1/inbox", body, &auth)
        .await;
    assert_eq!(status, 200, "{answer}");
    let (seq, h1) = head(&hub.node, HOSTILE).await;
    assert_eq!(seq, 1);

    // --- Envelopes, each correctly signed unless the case is the signature.
    let next = |body: &Body| envelope(me, HOSTILE, HUB, 2, Some(h1.clone()), body);
    let valid2 = next(&proposal_body("Deuxième"));
    let valid2_signed = valid2.clone().sign(me).unwrap().canonical_string();
    let with = |name: &str, value: CanonicalValue| {
        let mut m = members(&valid2);
        m.insert(name.into(), value);
        sign_members(m, me)
    };
    let with_body = |name: &str, value: CanonicalValue| {
        let mut m = members(&valid2);
        set_body_member(&mut m, name, value);
        sign_members(m, me)
    };
    let in_body = |text: &str| replace_once(&valid2_signed, "\"body\":{", text);
    let oversized = with_body(
        "annex",
        CanonicalValue::Array((0..5).map(|_| text(&"x".repeat(16_000))).collect()),
    );
    assert!(oversized.len() > 65_536);
    let future = {
        let mut e = valid2.clone();
        e.ts = Timestamp::from_unix(Timestamp::now().unix() + 3600).unwrap();
        e.sign(me).unwrap().canonical_string()
    };
    let unknown_kind = {
        let mut m = members(&valid2);
        m.insert("kind".into(), text("coffee.ordered"));
        sign_members(m, me)
    };
    let key_not_pinned = {
        let mut e = valid2.clone();
        e.key = stranger.key_id().clone();
        e.sign(&stranger).unwrap().canonical_string()
    };
    let wrong_audience = envelope(
        me,
        HOSTILE,
        "hub-autre",
        2,
        Some(h1.clone()),
        &proposal_body("Ailleurs"),
    )
    .sign(me)
    .unwrap()
    .canonical_string();
    let not_origin = envelope(
        me,
        "ssm-1",
        HUB,
        2,
        Some(h1.clone()),
        &proposal_body("Au nom d'un autre"),
    )
    .sign(me)
    .unwrap()
    .canonical_string();
    let equivocation = envelope(me, HOSTILE, HUB, 1, None, &proposal_body("Autre premier"))
        .sign(me)
        .unwrap()
        .canonical_string();
    let gap = envelope(
        me,
        HOSTILE,
        HUB,
        3,
        Some(h1.clone()),
        &proposal_body("Trop loin"),
    )
    .sign(me)
    .unwrap()
    .canonical_string();
    let fork = envelope(
        me,
        HOSTILE,
        HUB,
        2,
        Some(Hash::of(b"autre histoire")),
        &proposal_body("Bifurcation"),
    )
    .sign(me)
    .unwrap()
    .canonical_string();
    let replayed_id = with("id", text(&other_id));
    let members_list = next(&Body::MembersList(MemberList { members: vec![] }))
        .sign(me)
        .unwrap()
        .canonical_string();
    // Domain rules (SPEC §8.2): a support of a proposal never shared, an
    // agenda item for a meeting nobody announced.
    let never_shared = ProposalRef {
        service: passerelle_protocol::NodeId::parse("ssm-1").unwrap(),
        proposal: uuid::Uuid::now_v7(),
    };
    let support_never_shared = next(&Body::SupportGiven(Support {
        proposal: never_shared,
        comment: None,
    }))
    .sign(me)
    .unwrap()
    .canonical_string();
    let item_unknown_meeting = next(&Body::AgendaItemProposed(AgendaItemProposal {
        item: uuid::Uuid::now_v7(),
        title: "Le jardin".into(),
        description: None,
        proposal: None,
        meeting: Some(uuid::Uuid::now_v7()),
    }))
    .sign(me)
    .unwrap()
    .canonical_string();
    // A rule on the body alone (SPEC §8.3): `invalid_body`, not `domain_rule`.
    let negative_figure = next(&Body::FiguresShared(AggregateFigures {
        period: "2026-Q3".into(),
        figures: [("questionnaires_collected".to_owned(), -1)].into(),
    }))
    .sign(me)
    .unwrap()
    .canonical_string();
    let lone_surrogate =
        with_body("note", text("?")).replace("\"note\":\"?\"", "\"note\":\"\\ud800\"");

    let message = |name, envelope: String, status, code| Case {
        name,
        category: "message",
        method: reqwest::Method::POST,
        target: "/fed/v1/inbox",
        auth: Auth::Raw(sign("POST", "/fed/v1/inbox", &push_body(&[&envelope]))),
        body: push_body(&[&envelope]),
        status,
        code,
        per_message: true,
    };
    let request = |name, category, body: Vec<u8>, auth: Auth, status, code| Case {
        name,
        category,
        method: reqwest::Method::POST,
        target: "/fed/v1/inbox",
        body,
        auth,
        status,
        code,
        per_message: false,
    };
    let signed = |body: &[u8]| Auth::Raw(sign("POST", "/fed/v1/inbox", body));
    let valid_push = push_body(&[&valid2_signed]);
    let header = |text: String| Auth::Raw(HeaderValue::from_str(&text).unwrap());

    let mut cases = vec![
        // The request: who asks, and its signature.
        request(
            "no_authorization",
            "header",
            valid_push.clone(),
            Auth::None,
            401,
            "unauthenticated",
        ),
        request(
            "authorization_other_scheme",
            "header",
            valid_push.clone(),
            header("Bearer abc".into()),
            401,
            "invalid_request_signature",
        ),
        request(
            "authorization_not_ascii",
            "header",
            valid_push.clone(),
            Auth::Raw(HeaderValue::from_bytes(b"Passerelle origin=\"ssm-\xe9\"").unwrap()),
            401,
            "invalid_request_signature",
        ),
        request(
            "authorization_trailing_comma",
            "header",
            valid_push.clone(),
            header(format!(
                "{},",
                sign("POST", "/fed/v1/inbox", &valid_push).to_str().unwrap()
            )),
            401,
            "invalid_request_signature",
        ),
        request(
            "unknown_sender",
            "header",
            valid_push.clone(),
            header(auth_header(
                &stranger,
                "ssm-intrus",
                "POST",
                "/fed/v1/inbox",
                HUB,
                &valid_push,
                Timestamp::now(),
            )),
            403,
            "unknown_sender",
        ),
        request(
            "revoked_sender",
            "header",
            valid_push.clone(),
            header(auth_header(
                revoked,
                "ssm-3",
                "POST",
                "/fed/v1/inbox",
                HUB,
                &valid_push,
                Timestamp::now(),
            )),
            403,
            "revoked",
        ),
        request(
            "request_key_not_pinned",
            "header",
            valid_push.clone(),
            header(auth_header(
                &stranger,
                HOSTILE,
                "POST",
                "/fed/v1/inbox",
                HUB,
                &valid_push,
                Timestamp::now(),
            )),
            401,
            "unknown_key",
        ),
        request(
            "request_signed_by_another_key",
            "header",
            valid_push.clone(),
            header(auth_header_signed_by_another_key(
                me,
                &stranger,
                HOSTILE,
                "POST",
                "/fed/v1/inbox",
                HUB,
                &valid_push,
            )),
            401,
            "bad_signature",
        ),
        request(
            "request_signature_over_other_body",
            "header",
            valid_push.clone(),
            signed(&push_body(&[&first.canonical_string()])),
            401,
            "bad_signature",
        ),
        request(
            "request_signature_for_other_target",
            "header",
            valid_push.clone(),
            Auth::Raw(sign("POST", "/fed/v1/inbox?x=1", &valid_push)),
            401,
            "bad_signature",
        ),
        request(
            "request_signed_for_another_hub",
            "header",
            valid_push.clone(),
            header(auth_header(
                me,
                HOSTILE,
                "POST",
                "/fed/v1/inbox",
                "hub-autre",
                &valid_push,
                Timestamp::now(),
            )),
            401,
            "bad_signature",
        ),
        request(
            "request_time_an_hour_ago",
            "header",
            valid_push.clone(),
            header(auth_header(
                me,
                HOSTILE,
                "POST",
                "/fed/v1/inbox",
                HUB,
                &valid_push,
                Timestamp::from_unix(Timestamp::now().unix() - 3600).unwrap(),
            )),
            401,
            "request_expired",
        ),
        request(
            "request_time_an_hour_ahead",
            "header",
            valid_push.clone(),
            header(auth_header(
                me,
                HOSTILE,
                "POST",
                "/fed/v1/inbox",
                HUB,
                &valid_push,
                Timestamp::from_unix(Timestamp::now().unix() + 3600).unwrap(),
            )),
            401,
            "request_expired",
        ),
        // The push body as a whole.
        request(
            "body_not_json",
            "request",
            b"{\"messages\":[".to_vec(),
            signed(b"{\"messages\":["),
            400,
            "malformed_json",
        ),
        request(
            "body_not_utf8",
            "request",
            b"{\"messages\":[\"\xff\"]}".to_vec(),
            signed(b"{\"messages\":[\"\xff\"]}"),
            400,
            "malformed_json",
        ),
        request(
            "body_not_an_object",
            "request",
            b"[]".to_vec(),
            signed(b"[]"),
            400,
            "malformed_json",
        ),
        request(
            "body_messages_not_a_list",
            "request",
            b"{\"messages\":{}}".to_vec(),
            signed(b"{\"messages\":{}}"),
            400,
            "malformed_json",
        ),
        request(
            "body_unknown_member",
            "request",
            b"{\"messages\":[],\"x\":1}".to_vec(),
            signed(b"{\"messages\":[],\"x\":1}"),
            400,
            "malformed_json",
        ),
        request(
            "body_duplicate_key",
            "request",
            b"{\"messages\":[],\"messages\":[]}".to_vec(),
            signed(b"{\"messages\":[],\"messages\":[]}"),
            400,
            "malformed_json",
        ),
        request(
            "body_trailing_data",
            "request",
            b"{\"messages\":[]} {}".to_vec(),
            signed(b"{\"messages\":[]} {}"),
            400,
            "malformed_json",
        ),
        {
            let many: Vec<String> = (0..101).map(|_| valid2_signed.clone()).collect();
            let refs: Vec<&str> = many.iter().map(String::as_str).collect();
            let body = push_body(&refs);
            request(
                "batch_of_101",
                "request",
                body.clone(),
                signed(&body),
                413,
                "batch_too_large",
            )
        },
        {
            let body =
                format!("{{\"messages\":[\"{}\"]}}", "x".repeat(8 * 1024 * 1024)).into_bytes();
            request(
                "body_over_8_mib",
                "request",
                body.clone(),
                signed(&body),
                413,
                "too_large",
            )
        },
        // One envelope, inside a well-formed push.
        message(
            "envelope_not_an_object",
            "\"bonjour\"".into(),
            400,
            "invalid_envelope",
        ),
        message("envelope_null", "null".into(), 400, "invalid_envelope"),
        message(
            "envelope_lone_surrogate",
            lone_surrogate,
            400,
            "malformed_json",
        ),
        message(
            "envelope_seq_is_a_string",
            with("seq", text("2")),
            400,
            "invalid_envelope",
        ),
        message(
            "envelope_seq_zero",
            with("seq", CanonicalValue::Integer(0)),
            400,
            "invalid_envelope",
        ),
        message(
            "envelope_body_is_a_list",
            with("body", CanonicalValue::Array(vec![])),
            400,
            "invalid_envelope",
        ),
        message(
            "envelope_missing_sig",
            replace_once(
                &valid2_signed,
                &format!(
                    ",\"sig\":\"{}\"",
                    valid2.clone().sign(me).unwrap().signature()
                ),
                "",
            ),
            400,
            "invalid_envelope",
        ),
        message(
            "envelope_unexpected_member",
            with("priority", text("haute")),
            400,
            "invalid_envelope",
        ),
        message(
            "envelope_ts_not_utc",
            with("ts", text("2026-11-23T10:00:00+01:00")),
            400,
            "invalid_envelope",
        ),
        message(
            "body_title_is_a_number",
            with_body("title", CanonicalValue::Integer(7)),
            422,
            "invalid_body",
        ),
        message(
            "body_blank_title",
            with_body("title", text("   ")),
            422,
            "invalid_body",
        ),
        message(
            "seq_float",
            replace_once(&valid2_signed, "\"seq\":2", "\"seq\":2.0"),
            400,
            "not_canonical_number",
        ),
        message(
            "float_in_body",
            in_body("\"body\":{\"priority\":0.5,"),
            400,
            "not_canonical_number",
        ),
        message(
            "exponent_in_body",
            in_body("\"body\":{\"priority\":1e2,"),
            400,
            "not_canonical_number",
        ),
        message(
            "negative_zero_in_body",
            in_body("\"body\":{\"priority\":-0,"),
            400,
            "not_canonical_number",
        ),
        message(
            "seq_above_2_53",
            replace_once(&valid2_signed, "\"seq\":2", "\"seq\":9007199254740992"),
            400,
            "not_canonical_number",
        ),
        message(
            "integer_of_40_digits",
            in_body("\"body\":{\"priority\":1234567890123456789012345678901234567890,"),
            400,
            "not_canonical_number",
        ),
        message(
            "duplicate_key",
            in_body("\"body\":{\"title\":\"x\","),
            400,
            "duplicate_key",
        ),
        message(
            "duplicate_key_escaped",
            replace_once(&valid2_signed, "{\"body\":", "{\"s\\u0065q\":2,\"body\":"),
            400,
            "duplicate_key",
        ),
        message("envelope_over_64_kib", oversized, 413, "too_large"),
        message(
            "nested_17_deep",
            with_body("annex", nested(15)),
            400,
            "too_deep",
        ),
        message(
            "nested_30000_deep",
            in_body(&format!(
                "\"body\":{{\"annex\":{}1{},",
                "[".repeat(30_000),
                "]".repeat(30_000)
            )),
            400,
            "too_deep",
        ),
        message(
            "string_over_16_kib",
            with_body("description", text(&"é".repeat(8_193))),
            400,
            "string_too_long",
        ),
        message(
            "key_over_64_bytes",
            with_body(&"k".repeat(65), CanonicalValue::Null),
            400,
            "string_too_long",
        ),
        message(
            "version_3",
            with("v", CanonicalValue::Integer(3)),
            400,
            "unsupported_version",
        ),
        message(
            "version_as_text",
            with("v", text("1")),
            400,
            "unsupported_version",
        ),
        message("unknown_kind", unknown_kind, 422, "unknown_kind"),
        message(
            "kind_malformed",
            with("kind", text("Coffee")),
            400,
            "invalid_envelope",
        ),
        message("not_the_requester", not_origin, 403, "not_origin"),
        message(
            "envelope_key_not_pinned",
            key_not_pinned,
            401,
            "unknown_key",
        ),
        message(
            "envelope_signed_by_another_key",
            sign_members(members(&valid2), &stranger),
            401,
            "bad_signature",
        ),
        message(
            "signature_over_other_bytes",
            replace_once(
                &valid2_signed,
                "\"status\":\"idea\"",
                "\"status\":\"discussed\"",
            ),
            401,
            "bad_signature",
        ),
        message(
            "opening_that_does_not_open_its_seal",
            replace_once(
                &valid2_signed,
                "\"value\":\"Deuxième\"",
                "\"value\":\"Troisième\"",
            ),
            401,
            "bad_signature",
        ),
        message("wrong_audience", wrong_audience, 403, "wrong_audience"),
        message("ts_an_hour_ahead", future, 400, "future_timestamp"),
        message("replayed_message_id", replayed_id, 409, "replayed_id"),
        message("same_seq_other_content", equivocation, 409, "equivocation"),
        message("gap", gap, 409, "gap"),
        message("fork", fork, 409, "fork"),
        message("kind_not_for_a_service", members_list, 422, "domain_rule"),
        message(
            "support_of_a_proposal_never_shared",
            support_never_shared,
            422,
            "domain_rule",
        ),
        message(
            "agenda_item_for_an_unknown_meeting",
            item_unknown_meeting,
            422,
            "domain_rule",
        ),
        message(
            "figures_with_a_negative_count",
            negative_figure,
            422,
            "invalid_body",
        ),
    ];
    // Two valid signatures of the same request, in two headers.
    cases.push(Case {
        name: "two_authorization_headers",
        category: "header",
        method: reqwest::Method::GET,
        target: "/fed/v1/state",
        body: Vec::new(),
        auth: Auth::Twice(
            sign("GET", "/fed/v1/state", b""),
            sign("GET", "/fed/v1/state", b""),
        ),
        status: 401,
        code: "invalid_request_signature",
        per_message: false,
    });
    // Query parameters (SPEC §10.1): each once, plain digits, at most 2^53 - 1.
    for (name, target) in [
        ("feed_after_not_a_number", "/fed/v1/feed?after=abc"),
        ("feed_after_negative", "/fed/v1/feed?after=-1"),
        ("feed_limit_negative", "/fed/v1/feed?limit=-5"),
        ("feed_wait_with_a_fraction", "/fed/v1/feed?wait=1.5"),
        ("feed_after_twice", "/fed/v1/feed?after=1&after=2"),
        (
            "feed_limit_over_2_53",
            "/fed/v1/feed?limit=9007199254740992",
        ),
        ("stream_after_negative", "/fed/v1/stream?after=-1"),
    ] {
        cases.push(Case {
            name,
            category: "request",
            method: reqwest::Method::GET,
            target,
            body: Vec::new(),
            auth: Auth::Raw(sign("GET", target, b"")),
            status: 400,
            code: "bad_request",
            per_message: false,
        });
    }
    cases.push(Case {
        name: "inbox_with_get",
        category: "request",
        method: reqwest::Method::GET,
        target: "/fed/v1/inbox",
        body: Vec::new(),
        auth: Auth::Raw(sign("GET", "/fed/v1/inbox", b"")),
        status: 405,
        code: "method_not_allowed",
        per_message: false,
    });
    // Other routes.
    cases.push(Case {
        name: "join_body_not_json",
        category: "request",
        method: reqwest::Method::POST,
        target: "/fed/v1/join",
        body: b"{\"code\":".to_vec(),
        auth: Auth::None,
        status: 400,
        code: "malformed_json",
        per_message: false,
    });

    for case in &cases {
        run(&hub, case).await;
    }

    // A replayed request: the first is served, the same bytes again are not.
    let auth = Auth::Raw(sign("GET", "/fed/v1/state", b""));
    let (status, answer) = hub
        .send(reqwest::Method::GET, "/fed/v1/state", Vec::new(), &auth)
        .await;
    assert_eq!(status, 200, "{answer}");
    run(
        &hub,
        &Case {
            name: "replayed_request",
            category: "header",
            method: reqwest::Method::GET,
            target: "/fed/v1/state",
            body: Vec::new(),
            auth,
            status: 401,
            code: "replayed_request",
            per_message: false,
        },
    )
    .await;

    // A resend of an accepted message is a duplicate, as it was or written
    // with other white space (the same hash, SPEC §7.2): 200, nothing
    // written, the bytes stored first kept.
    let before = hub.dump().await;
    let canonical = first.canonical_string();
    let spaced = format!("{{ {}", &canonical[1..]).replacen(",\"", ", \"", 3);
    assert_ne!(spaced, canonical);
    for resend in [canonical.clone(), spaced] {
        let body = push_body(&[&resend]);
        let auth = signed(&body);
        let (status, answer) = hub
            .send(reqwest::Method::POST, "/fed/v1/inbox", body, &auth)
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["results"][0]["status"], "duplicate", "{resend}");
        assert_eq!(hub.dump().await, before, "a duplicate writes nothing");
    }

    // The hostile member's stream is still exactly its first message, and
    // the valid second one is still accepted after all that.
    assert_eq!(stream_of(&hub.node, HOSTILE).await, (1, true));
    let body = push_body(&[&valid2_signed]);
    let auth = signed(&body);
    let (status, answer) = hub
        .send(reqwest::Method::POST, "/fed/v1/inbox", body, &auth)
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["results"][0]["status"], "accepted");
    assert_eq!(stream_of(&hub.node, HOSTILE).await, (2, true));

    let mut counts = std::collections::BTreeMap::new();
    for c in &cases {
        *counts.entry(c.category).or_insert(0) += 1;
    }
    println!(
        "FIGURE hostile inputs refused at the hub: {} ({counts:?}, plus a replayed request)",
        cases.len()
    );
    fed.stop().await;
    drop(serial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_at_a_sqlite_hub_is_refused_logged_and_writes_nothing() {
    hostile_input_at_the_hub(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_at_a_postgres_hub_is_refused_logged_and_writes_nothing() {
    let Some(admin) =
        postgres_or_skip("hostile_input_at_a_postgres_hub_is_refused_logged_and_writes_nothing")
    else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    hostile_input_at_the_hub(Some(db.url.clone())).await;
    db.drop_database().await;
}
