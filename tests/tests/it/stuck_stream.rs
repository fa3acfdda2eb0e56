//! One refused relay must not silence its sender for ever (issue #14).
//!
//! The hub's stored copy of one of ssm-1's messages is altered: ssm-2
//! refuses it (`bad_signature`), then every later message of ssm-1 (`gap`).
//! ssm-2 must say so — `passerelle status` in words and in JSON, and a
//! warning on the home page — keep asking the hub for its copy of ssm-1's
//! stream without ever taking what ssm-1 did not sign, and take the stream
//! up again, every message in order, once the hub's copy is whole again.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_core::Node;
use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use sqlx::Row;

const PATIENCE: Duration = Duration::from_secs(20);
/// Long enough for the retries' backoff to come round (it grows to
/// several seconds while the hub's copy stays altered).
const RECOVERY: Duration = Duration::from_secs(60);

async fn knows(node: &Node, service: &str, title: &str) -> bool {
    federated_titles(node)
        .await
        .iter()
        .any(|(s, t)| s == service && t == title)
}

async fn refused(node: &Node, origin: &str, code: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM refused_incoming WHERE origin = $1 AND code = $2")
        .bind(origin)
        .bind(code)
        .fetch_one(node.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

/// The home page of the node at `base`, as its administrator sees it
/// (who chose their password long ago: a first password opens nothing else).
async fn home_page(node: &Node, base: &str) -> String {
    passerelle_core::accounts::password_was_chosen(&node.db, "admin")
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let res = http
        .post(format!("{base}/connexion"))
        .form(&[
            ("username", "admin"),
            ("password", TEST_PASSWORD),
            ("suite", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let session = res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = http
        .get(format!("{base}/"))
        .header(COOKIE, session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap().replace("&#39;", "'")
}

/// A hub (on `hub_db`, or SQLite) and ssm-1, ssm-2 (ssm-2 on `b_db`, or SQLite).
async fn federation(hub_db: Option<String>, b_db: Option<String>) -> Federation {
    let root = tempfile::tempdir().unwrap();
    let hub = TestNode::create(&root.path().join("hub"), NodeRole::Hub, "hub-test", hub_db).await;
    let mut services = Vec::new();
    for (id, db) in [("ssm-1", None), ("ssm-2", b_db)] {
        let s = TestNode::create(&root.path().join(id), NodeRole::Service, id, db).await;
        join(&hub, &s).await;
        services.push(s);
    }
    Federation {
        root,
        hub,
        services,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_relay_is_said_loudly_then_recovered_from_the_hubs_copy() {
    refused_relay(None, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_relay_is_recovered_with_hub_and_service_on_postgres() {
    let Some(admin) =
        postgres_or_skip("a_refused_relay_is_recovered_with_hub_and_service_on_postgres")
    else {
        return;
    };
    let hub_db = PgDatabase::create(&admin).await;
    let b_db = PgDatabase::create(&admin).await;
    refused_relay(Some(hub_db.url.clone()), Some(b_db.url.clone())).await;
    hub_db.drop_database().await;
    b_db.drop_database().await;
}

async fn refused_relay(hub_db: Option<String>, b_db: Option<String>) {
    let mut fed = federation(hub_db, b_db).await;
    fed.services[1].stop().await;
    let a = fed.services[0].node.clone();
    let first = "Une salle d'attente plus accueillante";
    share_proposal(&a, first).await;
    assert!(
        wait_until(PATIENCE, || knows(&fed.hub.node, "ssm-1", first))
            .await
            .is_some()
    );
    // The hub's copy is altered (a broken disk, or a hub that lies).
    let row = sqlx::query(
        "SELECT seq, envelope FROM messages WHERE origin = 'ssm-1' AND kind = 'proposal.shared'",
    )
    .fetch_one(fed.hub.node.db.pool())
    .await
    .unwrap();
    let seq: i64 = row.try_get("seq").unwrap();
    let original: String = row.try_get("envelope").unwrap();
    let altered = original.replace("plus accueillante", "moins accueillante");
    assert_ne!(altered, original);
    sqlx::query("UPDATE messages SET envelope = $1 WHERE origin = 'ssm-1' AND seq = $2")
        .bind(&altered)
        .bind(seq)
        .execute(fed.hub.node.db.pool())
        .await
        .unwrap();

    fed.services[1].restart().await;
    let b = fed.services[1].node.clone();
    assert!(
        wait_until(PATIENCE, || async {
            refused(&b, "ssm-1", "bad_signature").await == 1
        })
        .await
        .is_some(),
        "the altered message was not refused"
    );
    // ssm-1 goes on: its next message cannot follow a message ssm-2 lacks.
    let second = "Des horaires en soirée";
    share_proposal(&a, second).await;
    assert!(
        wait_until(PATIENCE, || async {
            refused(&b, "ssm-1", "gap").await >= 1
        })
        .await
        .is_some(),
        "the next message of ssm-1 was not held back"
    );

    // Said loudly: in `passerelle status`, in its JSON, on the home page.
    let report = passerelle::status::report(&b).await.unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let stuck = json["stuck"].as_array().cloned().unwrap_or_default();
    assert_eq!(stuck.len(), 1, "status --json: {json:#}");
    assert_eq!(stuck[0]["origin"], "ssm-1", "{json:#}");
    assert_eq!(stuck[0]["seq"], seq, "{json:#}");
    assert_eq!(stuck[0]["code"], "bad_signature", "{json:#}");
    assert_eq!(stuck[0]["reason"], "altered", "{json:#}");
    assert!(stuck[0]["waiting"].as_i64().unwrap_or(0) >= 1, "{json:#}");
    let words = passerelle::status::render(&report, passerelle_core::clock::now());
    println!("{words}");
    assert!(!words.contains("Tout va bien"), "{words}");
    assert!(
        words.contains(&format!(
            "Les messages de Nœud ssm-1 (ssm-1) sont bloqués au message n° {seq}"
        )),
        "{words}"
    );
    assert!(words.contains("[bad_signature]"), "{words}");
    let home = home_page(&fed.services[1].node, &fed.services[1].url).await;
    assert!(
        home.contains("Les messages de Nœud ssm-1 sont bloqués."),
        "no warning on the home page: {home}"
    );

    // While the hub's copy stays altered, nothing ssm-1 did not sign is
    // taken, and nothing is skipped: ssm-2 keeps waiting for message `seq`.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(federated_titles(&b).await.is_empty());
    assert_eq!(stream_of(&b, "ssm-1").await.0, seq - 1);

    // The hub's copy is whole again (repaired, restored from a backup):
    // ssm-2 takes it up by itself, and every message after it, in order.
    sqlx::query("UPDATE messages SET envelope = $1 WHERE origin = 'ssm-1' AND seq = $2")
        .bind(&original)
        .bind(seq)
        .execute(fed.hub.node.db.pool())
        .await
        .unwrap();
    let took = wait_until(RECOVERY, || async {
        knows(&b, "ssm-1", first).await && knows(&b, "ssm-1", second).await
    })
    .await
    .expect("ssm-2 never recovered ssm-1's stream");
    println!("FIGURE stuck stream taken up again after the hub's copy was whole: {took:?}");
    assert_eq!(
        stream_hashes(&b, "ssm-1").await,
        stream_hashes(&a, "ssm-1").await
    );
    let report = passerelle::status::report(&b).await.unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["stuck"], serde_json::json!([]), "{json:#}");
    let words = passerelle::status::render(&report, passerelle_core::clock::now());
    assert!(!words.contains("bloqués"), "{words}");
    let home = home_page(&fed.services[1].node, &fed.services[1].url).await;
    assert!(!home.contains("sont bloqués"), "{home}");

    // And the stream goes on as usual.
    let third = "Un jardin partagé";
    share_proposal(&a, third).await;
    assert!(wait_until(PATIENCE, || knows(&b, "ssm-1", third))
        .await
        .is_some());
    fed.stop().await;
}

/// `GET /fed/v1/stream?origin=`: a member reads another origin's stream as
/// the hub holds it, byte for byte (what the feed already shows it); a
/// bad parameter is `bad_request`, an origin the hub holds nothing of an
/// empty stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_serves_another_origins_stream_to_a_member() {
    let fed = Federation::start(2, None).await;
    let a = fed.services[0].node.clone();
    share_proposal(&a, "Un banc dans le jardin").await;
    assert!(wait_until(PATIENCE, || knows(
        &fed.hub.node,
        "ssm-1",
        "Un banc dans le jardin"
    ))
    .await
    .is_some());
    let b = passerelle_core::fed::client::HubClient::new(
        fed.services[1].node.clone(),
        &fed.hub.url,
        passerelle_protocol::NodeId::parse("hub-test").unwrap(),
    )
    .unwrap();
    let page = b.stream(Some("ssm-1"), 0).await.unwrap();
    let theirs: Vec<String> =
        sqlx::query("SELECT envelope FROM messages WHERE origin = 'ssm-1' ORDER BY seq")
            .fetch_all(fed.hub.node.db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("envelope").unwrap())
            .collect();
    let served: Vec<String> = page
        .messages
        .iter()
        .map(|m| m.envelope.get().to_owned())
        .collect();
    assert_eq!(served, theirs);
    assert_eq!(page.head.map(|h| h.seq), Some(theirs.len() as u64));
    // The hub's own stream too; and an origin it holds nothing of.
    assert!(!b
        .stream(Some("hub-test"), 0)
        .await
        .unwrap()
        .messages
        .is_empty());
    let none = b.stream(Some("ssm-99"), 0).await.unwrap();
    assert!(none.messages.is_empty() && none.head.is_none());
    for target in [
        "/fed/v1/stream?origin=SSM_1",
        "/fed/v1/stream?origin=",
        "/fed/v1/stream?origin=ssm-1&origin=ssm-2",
        "/fed/v1/stream?after=-1&origin=ssm-1",
    ] {
        let (status, body) = b
            .send(reqwest::Method::GET, target, Vec::new())
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status.as_u16(), answer["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{target}: {answer}"
        );
    }
    fed.stop().await;
}
