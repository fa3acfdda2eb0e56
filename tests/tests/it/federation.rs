//! Federation between real nodes on real loopback ports: propagation,
//! outages, tampering, revocation — on SQLite, and with the hub on
//! PostgreSQL when a server is configured.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use passerelle_core::fed::client::HubClient;
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::NodeId;
use passerelle_tests::*;
use sqlx::Row;

const PATIENCE: Duration = Duration::from_secs(20);

async fn knows(node: &passerelle_core::Node, service: &str, title: &str) -> bool {
    federated_titles(node)
        .await
        .iter()
        .any(|(s, t)| s == service && t == title)
}

async fn shared_change_reaches_everyone(hub_db: Option<String>) {
    let fed = Federation::start(3, hub_db).await;
    let [a, b, c] = &fed.services[..] else {
        unreachable!()
    };
    let started = Instant::now();
    share_proposal(&a.node, "Des horaires en soirée").await;
    let at_b = wait_until(PATIENCE, || {
        knows(&b.node, "ssm-1", "Des horaires en soirée")
    })
    .await;
    let at_b = at_b
        .map(|_| started.elapsed())
        .expect("service B never saw the proposal");
    for node in [&fed.hub.node, &c.node] {
        assert!(
            wait_until(PATIENCE, || knows(node, "ssm-1", "Des horaires en soirée"))
                .await
                .is_some()
        );
    }
    println!("FIGURE propagation service→hub→service: {at_b:?}");
    // A service never receives its own messages back as someone else's.
    assert!(!knows(&a.node, "ssm-1", "Des horaires en soirée").await);
    // Every copy of ssm-1's stream is byte-identical (same hashes, same order).
    let reference = stream_hashes(&a.node, "ssm-1").await;
    assert_eq!(reference.len(), 1);
    for node in [&fed.hub.node, &b.node, &c.node] {
        assert_eq!(stream_hashes(node, "ssm-1").await, reference);
    }
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_change_reaches_hub_and_other_services() {
    shared_change_reaches_everyone(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_change_reaches_everyone_with_hub_on_postgres() {
    let Some(admin) = postgres_or_skip("shared_change_reaches_everyone_with_hub_on_postgres")
    else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    shared_change_reaches_everyone(Some(db.url.clone())).await;
    db.drop_database().await;
}

async fn hub_outage(hub_db: Option<String>, queued: usize) {
    let mut fed = Federation::start(2, hub_db).await;
    fed.hub.stop().await;
    // Services keep working while the hub is away: local changes queue up.
    for batch in 0..queued / 50 {
        let node = fed.services[0].node.clone();
        node.clone()
            .with_stream(move |conn, stream| {
                Box::pin(async move {
                    for i in 0..50 {
                        let id = passerelle_core::domain::proposals::create(
                            conn,
                            "test",
                            &passerelle_core::domain::proposals::NewProposal {
                                title: format!("Proposition {}", batch * 50 + i),
                                description: "Pendant la panne".into(),
                                theme: passerelle_protocol::body::Theme::Care,
                                tags: vec![],
                                origin: passerelle_protocol::body::Origin::Anonymous,
                            },
                        )
                        .await?;
                        passerelle_core::domain::proposals::share(conn, &stream, id).await?;
                    }
                    Ok(())
                })
            })
            .await
            .unwrap();
    }
    share_proposal(&fed.services[1].node, "Pendant la panne, chez B").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let restarted = Instant::now();
    fed.hub.restart().await;
    let a = &fed.services[0].node;
    let drained = wait_until(Duration::from_secs(120), || async {
        stream_of(&fed.hub.node, "ssm-1").await.0 == queued as i64
            && stream_of(&fed.services[1].node, "ssm-1").await.0 == queued as i64
    })
    .await
    .map(|_| restarted.elapsed())
    .expect("the queue never drained");
    println!("FIGURE drain of {queued} queued messages after an outage: {drained:?}");
    // Exactly once, in order, identical everywhere.
    let reference = stream_hashes(a, "ssm-1").await;
    assert_eq!(reference.len(), queued);
    for node in [&fed.hub.node, &fed.services[1].node] {
        assert_eq!(stream_of(node, "ssm-1").await, (queued as i64, true));
        assert_eq!(stream_hashes(node, "ssm-1").await, reference);
    }
    assert_eq!(federated_titles(&fed.services[1].node).await.len(), queued);
    assert!(
        wait_until(PATIENCE, || knows(a, "ssm-2", "Pendant la panne, chez B"))
            .await
            .is_some()
    );
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_outage_then_every_message_exactly_once_in_order() {
    hub_outage(None, 1000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_outage_with_hub_on_postgres() {
    let Some(admin) = postgres_or_skip("hub_outage_with_hub_on_postgres") else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    hub_outage(Some(db.url.clone()), 200).await;
    db.drop_database().await;
}

async fn tampered_relay(hub_db: Option<String>) {
    let mut fed = Federation::start(2, hub_db).await;
    fed.services[1].stop().await;
    share_proposal(
        &fed.services[0].node,
        "Une salle d'attente plus accueillante",
    )
    .await;
    assert!(wait_until(PATIENCE, || knows(
        &fed.hub.node,
        "ssm-1",
        "Une salle d'attente plus accueillante"
    ))
    .await
    .is_some());
    // A compromised relay changes what ssm-1 said before ssm-2 reads it.
    let changed = sqlx::query("UPDATE messages SET envelope = REPLACE(envelope, 'plus accueillante', 'moins accueillante') WHERE origin = 'ssm-1'")
        .execute(fed.hub.node.db.pool())
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    fed.services[1].restart().await;
    let b = &fed.services[1].node;
    let refused = wait_until(PATIENCE, || async {
        sqlx::query("SELECT COUNT(*) AS n FROM refused_incoming WHERE origin = 'ssm-1' AND code = 'bad_signature'")
            .fetch_one(b.db.pool())
            .await
            .unwrap()
            .try_get::<i64, _>("n")
            .unwrap()
            == 1
    })
    .await;
    assert!(refused.is_some(), "the tampered message was not refused");
    assert!(
        federated_titles(b).await.is_empty(),
        "nothing of the tampered message was applied"
    );
    assert_eq!(stream_of(b, "ssm-1").await.0, 0);
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_tampered_in_the_relay_is_refused() {
    tampered_relay(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_tampered_in_the_relay_is_refused_with_hub_on_postgres() {
    let Some(admin) =
        postgres_or_skip("message_tampered_in_the_relay_is_refused_with_hub_on_postgres")
    else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    tampered_relay(Some(db.url.clone())).await;
    db.drop_database().await;
}

/// Pushes one of `node`'s own messages straight to the hub; returns the
/// status and the error code of the answer.
async fn push_directly(
    node: &passerelle_core::Node,
    hub_url: &str,
) -> (reqwest::StatusCode, String) {
    let env = sqlx::query("SELECT envelope FROM messages WHERE origin = $1 ORDER BY seq LIMIT 1")
        .bind(node.id().as_str())
        .fetch_one(node.db.pool())
        .await
        .unwrap()
        .try_get::<String, _>("envelope")
        .unwrap();
    let client = HubClient::new(node.clone(), hub_url, NodeId::parse("hub-test").unwrap()).unwrap();
    let body = format!("{{\"messages\":[{env}]}}");
    let (status, bytes) = client
        .send(reqwest::Method::POST, "/fed/v1/inbox", body.into_bytes())
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    (
        status,
        answer["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn revoked_and_unenrolled(hub_db: Option<String>) {
    let fed = Federation::start(2, hub_db).await;
    passerelle_core::fed::hub::revoke(&fed.hub.node, "ssm-1")
        .await
        .unwrap();
    let before = stream_of(&fed.hub.node, "ssm-1").await.0;
    share_proposal(&fed.services[0].node, "Après la révocation").await;
    assert_eq!(
        push_directly(&fed.services[0].node, &fed.hub.url).await,
        (reqwest::StatusCode::FORBIDDEN, "revoked".to_owned())
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        stream_of(&fed.hub.node, "ssm-1").await.0,
        before,
        "nothing stored from a revoked member"
    );
    assert!(!knows(&fed.hub.node, "ssm-1", "Après la révocation").await);
    // The other members learn of the revocation through the signed member list.
    let b = &fed.services[1].node;
    let learned = wait_until(PATIENCE, || async {
        passerelle_core::peers::get(&mut b.db.pool().acquire().await.unwrap(), "ssm-1")
            .await
            .unwrap()
            .is_some_and(|p| p.status == "revoked")
    })
    .await;
    assert!(learned.is_some());
    // The revoked service's own status says what is wrong, in words.
    let a = &fed.services[0].node;
    let said = wait_until(PATIENCE, || async {
        let report = passerelle::status::report(a).await.unwrap();
        report.peers.iter().any(|p| {
            p.last_error
                .as_deref()
                .is_some_and(|e| e.contains("revoked"))
        })
    })
    .await;
    assert!(said.is_some(), "status shows the revocation");

    // A node that never joined is refused, and nothing is stored.
    let stranger_dir = fed.root.path().join("stranger");
    let mut stranger = TestNode::create(&stranger_dir, NodeRole::Service, "ssm-intrus", None).await;
    // It pretends the hub is its hub to sign a message addressed to it.
    let mut w = stranger.node.db.begin_write().await.unwrap();
    passerelle_core::peers::upsert(
        w.conn(),
        "hub-test",
        "hub",
        NodeRole::Hub,
        "active",
        Some("http://127.0.0.1:1"),
        &[fed.hub.node.keys.public_key()],
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    share_proposal(&stranger.node, "Intrusion").await;
    assert_eq!(
        push_directly(&stranger.node, &fed.hub.url).await,
        (reqwest::StatusCode::FORBIDDEN, "unknown_sender".to_owned())
    );
    assert_eq!(stream_of(&fed.hub.node, "ssm-intrus").await.0, 0);
    stranger.stop().await;
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_member_and_unenrolled_node_are_refused() {
    revoked_and_unenrolled(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_member_and_unenrolled_node_are_refused_with_hub_on_postgres() {
    let Some(admin) =
        postgres_or_skip("revoked_member_and_unenrolled_node_are_refused_with_hub_on_postgres")
    else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    revoked_and_unenrolled(Some(db.url.clone())).await;
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_the_hub_can_never_accept_is_set_aside_and_does_not_block_the_next() {
    let fed = Federation::start(1, None).await;
    let a = &fed.services[0].node;
    share_proposal(a, "Avant").await;
    // A withdrawal of a proposal that was never shared: the hub refuses it for good.
    a.with_stream(|conn, stream| {
        Box::pin(async move {
            let body = passerelle_protocol::Body::ProposalWithdrawn(
                passerelle_protocol::body::ProposalWithdrawal {
                    proposal: uuid::Uuid::now_v7(),
                    reason: None,
                },
            );
            stream.append(conn, &body).await.map(|_| ())
        })
    })
    .await
    .unwrap();
    share_proposal(a, "Après").await;
    let arrived = wait_until(PATIENCE, || knows(&fed.hub.node, "ssm-1", "Après")).await;
    assert!(
        arrived.is_some(),
        "the message after the refused one was blocked"
    );
    let report = passerelle::status::report(a).await.unwrap();
    assert_eq!(report.set_aside.len(), 1);
    assert_eq!(report.set_aside[0].code, "domain_rule");
    assert_eq!(report.set_aside[0].kind, "proposal.withdrawn");
    assert!(passerelle::status::render(&report, 0).contains("mis de côté"));
    // The stream stayed gapless and identical on both sides.
    assert_eq!(stream_of(a, "ssm-1").await, (2, true));
    assert_eq!(
        stream_hashes(&fed.hub.node, "ssm-1").await,
        stream_hashes(a, "ssm-1").await
    );
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_that_lost_messages_gets_them_resent_from_the_gap() {
    let mut fed = Federation::start(1, None).await;
    let a = fed.services[0].node.clone();
    for i in 0..5 {
        share_proposal(&a, &format!("Proposition {i}")).await;
    }
    assert!(wait_until(PATIENCE, || async {
        stream_of(&fed.hub.node, "ssm-1").await.0 == 5
    })
    .await
    .is_some());
    // The hub comes back from an older backup: it lost ssm-1's messages 3 to 5.
    fed.hub.stop().await;
    {
        let url =
            passerelle_core::db::sqlite_url(&fed.hub.dir.join(passerelle_core::config::DB_FILE));
        let db = passerelle_core::db::Db::connect(&url).await.unwrap();
        let pool = db.pool();
        let hash2: String =
            sqlx::query("SELECT hash FROM messages WHERE origin = 'ssm-1' AND seq = 2")
                .fetch_one(pool)
                .await
                .unwrap()
                .try_get("hash")
                .unwrap();
        sqlx::query("DELETE FROM messages WHERE origin = 'ssm-1' AND seq > 2")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("UPDATE stream_heads SET seq = 2, hash = $1 WHERE origin = 'ssm-1'")
            .bind(hash2)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM federated_proposals WHERE title IN ('Proposition 2', 'Proposition 3', 'Proposition 4')")
            .execute(pool)
            .await
            .unwrap();
        db.close().await;
    }
    fed.hub.restart().await;
    // The service believes the hub has 1..5 and pushes 6: the hub answers
    // "gap, I have up to 2", and the service resends from 3.
    share_proposal(&a, "Proposition 5").await;
    let healed = wait_until(PATIENCE, || async {
        stream_of(&fed.hub.node, "ssm-1").await == (6, true)
    })
    .await;
    assert!(healed.is_some(), "the hub never got the lost messages back");
    assert_eq!(
        stream_hashes(&fed.hub.node, "ssm-1").await,
        stream_hashes(&a, "ssm-1").await
    );
    assert_eq!(federated_titles(&fed.hub.node).await.len(), 6);
    fed.stop().await;
}

/// SPEC §10.1: a service serves no federation route, and says so first
/// (`not_a_hub`), before reading the signature or the body: the same answer
/// to a stranger, to its hub and to a member, and nothing written — not even
/// the replay record of a signed request. Only `join` reads its body first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_answers_not_a_hub_before_anything_else() {
    use passerelle_tests::hostile::auth_header;
    let fed = Federation::start(2, None).await;
    let service = &fed.services[0];
    let member = &fed.services[1].node;
    // The service knows its hub and the other member (pinned keys).
    assert!(wait_until(PATIENCE, || async {
        passerelle_core::peers::get(
            &mut service.node.db.pool().acquire().await.unwrap(),
            "ssm-2",
        )
        .await
        .unwrap()
        .is_some()
    })
    .await
    .is_some());
    let dump = || async { table_dump(&service.node).await.without_table("sync_state") };
    let before = dump().await;
    let http = reqwest::Client::new();
    let send = |method: reqwest::Method, target: &str, body: Vec<u8>, auth: Option<String>| {
        let mut req = http
            .request(method, format!("{}{target}", service.url))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(auth) = auth {
            req = req.header(reqwest::header::AUTHORIZATION, auth);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let answer: serde_json::Value = resp.json().await.unwrap();
            (
                status,
                answer["error"]["code"].as_str().unwrap_or("").to_owned(),
            )
        }
    };
    let signed_by = |keys: &passerelle_protocol::KeyPair,
                     origin: &str,
                     method: &str,
                     target: &str,
                     body: &[u8]| {
        Some(auth_header(
            keys,
            origin,
            method,
            target,
            "ssm-1",
            body,
            passerelle_protocol::Timestamp::now(),
        ))
    };
    let not_a_hub = (404, "not_a_hub".to_owned());
    for (method, target) in [
        (reqwest::Method::GET, "/fed/v1/feed"),
        (reqwest::Method::GET, "/fed/v1/feed?after=-1"),
        (reqwest::Method::GET, "/fed/v1/state"),
        (reqwest::Method::GET, "/fed/v1/stream?after=x"),
        (reqwest::Method::POST, "/fed/v1/inbox"),
    ] {
        let body = if method == reqwest::Method::POST {
            b"{\"messages\":[]}".to_vec()
        } else {
            Vec::new()
        };
        // Unsigned, signed by its hub, signed by a member.
        assert_eq!(
            send(method.clone(), target, body.clone(), None).await,
            not_a_hub,
            "{method} {target}, unsigned"
        );
        let by_hub = signed_by(
            &fed.hub.node.keys,
            "hub-test",
            method.as_str(),
            target,
            &body,
        );
        assert_eq!(
            send(method.clone(), target, body.clone(), by_hub).await,
            not_a_hub,
            "{method} {target}, signed by the hub"
        );
        let by_member = signed_by(&member.keys, "ssm-2", method.as_str(), target, &body);
        assert_eq!(
            send(method.clone(), target, body.clone(), by_member).await,
            not_a_hub,
            "{method} {target}, signed by a member"
        );
    }
    // Before the body, too: announced at 9 MiB and never sent, it is
    // answered at once (a hub would wait for it, then answer 413).
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = service.url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(
                format!(
                    "POST /fed/v1/inbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n",
                    9 * 1024 * 1024
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
            .await
            .expect("answered without waiting for the body")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
        assert!(answer.contains("not_a_hub"), "{answer}");
    }
    // The route and the method come first; `join` reads its body first.
    assert_eq!(
        send(reqwest::Method::GET, "/fed/v1/inbox", Vec::new(), None).await,
        (405, "method_not_allowed".to_owned())
    );
    assert_eq!(
        send(reqwest::Method::GET, "/fed/v1/nothing", Vec::new(), None).await,
        (404, "not_found".to_owned())
    );
    assert_eq!(
        send(
            reqwest::Method::POST,
            "/fed/v1/join",
            b"{\"code\":".to_vec(),
            None
        )
        .await,
        (400, "malformed_json".to_owned())
    );
    assert_eq!(
        send(
            reqwest::Method::POST,
            "/fed/v1/join",
            b"{\"code\":\"x\",\"descriptor\":{}}".to_vec(),
            None
        )
        .await,
        not_a_hub
    );
    assert_eq!(dump().await, before, "a service wrote nothing");
    fed.stop().await;
}
