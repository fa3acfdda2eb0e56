//! A member within bounds (issue #19, SPEC §10.4): the hub takes a
//! member's pushes while its quota lasts, refuses the next with 429
//! `quota_exceeded` and `Retry-After`, storing nothing of it; the member
//! keeps its messages (nothing set aside) and delivers them once the
//! quota allows, here after the operator raised it; it tries again when
//! `Retry-After` says, not sooner.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_tests::*;
use serde_json::json;
use sqlx::Row;

const PATIENCE: Duration = Duration::from_secs(60);

async fn count(node: &passerelle_core::Node, sql: &str, origin: &str) -> i64 {
    let mut conn = node.db.pool().acquire().await.unwrap();
    sqlx::query(sql)
        .bind(origin)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

async fn held_at_hub(hub: &passerelle_core::Node) -> i64 {
    count(
        hub,
        "SELECT COUNT(*) AS n FROM messages WHERE origin = $1",
        "ssm-1",
    )
    .await
}

async fn share(api: &Api, title: &str) {
    let (status, p) = api
        .post(
            "/api/v1/proposals",
            json!({"title": title, "description": "Un texte.", "theme": "care", "origin": "committee"}),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let (status, body) = api
        .post(
            &format!("/api/v1/proposals/{}/share", p["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "{what}: never");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn write_quota(dir: &std::path::Path, table: &str) {
    let path = dir.join("passerelle.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let base = text.split("[member_quota]").next().unwrap().to_owned();
    std::fs::write(&path, format!("{base}{table}")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_pushes_within_its_quota() {
    let mut fed = Federation::start(1, None).await;
    let api = Api::login(&fed.services[0].url, "admin", TEST_PASSWORD).await;
    let before = held_at_hub(&fed.hub.node).await;

    // The operator gives members a small quota: two messages at once, one
    // a minute after that. The hub is away while the committee shares
    // four proposals.
    fed.hub.stop().await;
    write_quota(
        &fed.hub.dir,
        "[member_quota]\nburst_messages = 2\nmessages_per_minute = 1\n",
    );
    for n in 1..=4 {
        share(&api, &format!("Proposition {n}")).await;
    }
    fed.hub.restart().await;

    // The waiting four come in one push: taken (a push larger than the
    // burst passes once), and the member is now in debt.
    let hub = fed.hub.node.clone();
    until("the four proposals at the hub", async || {
        held_at_hub(&hub).await == before + 4
    })
    .await;

    // The next one is refused whole, not set aside.
    share(&api, "Proposition 5").await;
    let service = fed.services[0].node.clone();
    let mut refused = None;
    until("the quota's refusal, at the service", async || {
        let mut conn = service.db.pool().acquire().await.unwrap();
        let state = passerelle_core::sync_state::get(&mut conn, "hub-test")
            .await
            .unwrap();
        let seen = state.last_error.as_deref() == Some("hub:quota_exceeded");
        if seen {
            refused = Some(state);
        }
        seen
    })
    .await;
    // The service waits what the hub said (`Retry-After: 30`), not its
    // own back-off (SPEC §10.7).
    let refused = refused.unwrap();
    let wait = refused.next_retry_at.unwrap() - refused.last_attempt_at.unwrap();
    assert!((30..=34).contains(&wait), "next try in {wait} s");
    assert_eq!(held_at_hub(&hub).await, before + 4);
    assert_eq!(
        count(
            &service,
            "SELECT COUNT(*) AS n FROM set_aside WHERE kind <> $1",
            ""
        )
        .await,
        0,
        "a quota is not a reason to set a message aside"
    );

    // The answer itself: 429, its code, and when to come back.
    let (status, retry_after, code) = raw_push(&fed).await;
    assert_eq!(status, 429);
    assert_eq!(code, "quota_exceeded");
    assert_eq!(retry_after.as_deref(), Some("30"));
    assert_eq!(held_at_hub(&hub).await, before + 4);

    // The operator raises the quota: the fifth arrives.
    fed.hub.stop().await;
    write_quota(&fed.hub.dir, "[member_quota]\nburst_messages = 100\n");
    fed.hub.restart().await;
    let hub = fed.hub.node.clone();
    until("the fifth proposal at the hub", async || {
        held_at_hub(&hub).await == before + 5
    })
    .await;
    fed.stop().await;
}

/// A push of one (already held) message, signed by the service as its
/// sync engine would: (status, `Retry-After`, error code).
async fn raw_push(fed: &Federation) -> (u16, Option<String>, String) {
    use passerelle_protocol::request::{new_nonce, RequestParts, RequestSignature};
    use passerelle_protocol::{NodeId, Timestamp};
    let service = &fed.services[0];
    let envelope: String = {
        let mut conn = service.node.db.pool().acquire().await.unwrap();
        sqlx::query("SELECT envelope FROM messages WHERE origin = $1 ORDER BY seq LIMIT 1")
            .bind("ssm-1")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get("envelope")
            .unwrap()
    };
    let body = format!("{{\"messages\":[{envelope}]}}");
    let hub_id = NodeId::parse("hub-test").unwrap();
    let parts = RequestParts {
        method: "POST",
        target: "/fed/v1/inbox",
        destination: &hub_id,
        body: body.as_bytes(),
    };
    let header = RequestSignature::sign(
        &parts,
        &NodeId::parse("ssm-1").unwrap(),
        &service.node.keys,
        Timestamp::now(),
        new_nonce().unwrap(),
    )
    .to_header();
    let resp = reqwest::Client::new()
        .post(format!("{}/fed/v1/inbox", fed.hub.url))
        .header("authorization", header)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let json: serde_json::Value = resp.json().await.unwrap();
    (
        status,
        retry,
        json["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}
