//! Key rotation and revocation between real nodes (a hub and services on
//! real loopback ports, SQLite; the hub on PostgreSQL when configured):
//! what SPEC §8.6 promises, stated as behaviour.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_core::fed::client::{self, HubClient};
use passerelle_core::fed::ingest::{self, Accepted, Source};
use passerelle_core::keys::{NEXT_KEY_FILE, PREVIOUS_KEY_FILE};
use passerelle_core::Node;
use passerelle_protocol::body::{
    KeyRevocation, KeyRotation, NodeRole, Origin, ProposalStatus, SharedProposal, Theme,
};
use passerelle_protocol::{Body, Envelope, KeyPair, NodeId};
use passerelle_tests::*;
use reqwest::Method;

const PATIENCE: Duration = Duration::from_secs(30);

async fn knows(node: &Node, service: &str, title: &str) -> bool {
    federated_titles(node)
        .await
        .iter()
        .any(|(s, t)| s == service && t == title)
}

fn secret_of(dir: &std::path::Path) -> KeyPair {
    KeyPair::from_pkcs8_pem(
        &std::fs::read_to_string(dir.join(passerelle_core::config::KEY_FILE)).unwrap(),
    )
    .unwrap()
}

/// An envelope of `origin`'s stream right after the hub's head of it,
/// sharing a proposal titled `title`, signed with `keys`.
async fn forge(hub: &Node, origin: &str, keys: &KeyPair, title: &str) -> String {
    let body = Body::ProposalShared(SharedProposal {
        proposal: uuid::Uuid::now_v7(),
        title: title.into(),
        description: "Écrit avec une clé qui ne devrait plus servir.".into(),
        theme: Theme::Other,
        tags: vec![],
        origin: Origin::Committee,
        status: ProposalStatus::Idea,
        answer: None,
    });
    forge_body(hub, origin, keys, &body).await
}

/// An envelope of `origin`'s stream right after the hub's head of it,
/// carrying `body`, signed with `keys`.
async fn forge_body(hub: &Node, origin: &str, keys: &KeyPair, body: &Body) -> String {
    let mut conn = hub.db.pool().acquire().await.unwrap();
    let head = passerelle_core::log::head(&mut conn, origin)
        .await
        .unwrap()
        .unwrap();
    Envelope::new(
        NodeId::parse(origin).unwrap(),
        hub.id().clone(),
        head.seq + 1,
        Some(head.hash),
        body,
        keys.key_id().clone(),
    )
    .unwrap()
    .sign(keys)
    .unwrap()
    .canonical_string()
}

/// What `node` makes of `envelope` relayed by its hub: a service keeps
/// every message the hub relays (the origin's stream must stay whole) but
/// applies only those its rules accept. Returns whether it applied it and,
/// if not, the code of the refusal. Nothing is kept: the transactions are
/// dropped.
async fn relayed_verdict(node: &Node, hub: &Node, envelope: &str) -> (Accepted, String) {
    let mut w = node.db.begin_write().await.unwrap();
    let (env, accepted) = ingest::ingest(w.conn(), node.id(), hub.id(), Source::Feed, envelope)
        .await
        .unwrap();
    drop(w);
    let mut w = node.db.begin_write().await.unwrap();
    let applied =
        passerelle_core::domain::apply(w.conn(), node.id().as_str(), &env, &env.body().unwrap())
            .await;
    drop(w);
    (
        accepted,
        applied
            .err()
            .map(|e| e.code().to_owned())
            .unwrap_or_default(),
    )
}

/// Pushes `envelope` to the hub in a request signed by `signer` on behalf
/// of `node`; returns the status and the error code of the answer.
async fn push_as(node: &Node, signer: &KeyPair, hub_url: &str, envelope: &str) -> (u16, String) {
    let body = format!("{{\"messages\":[{envelope}]}}");
    let (status, bytes) = client::send_signed(
        &client::http_client().unwrap(),
        node,
        signer,
        hub_url,
        &NodeId::parse("hub-test").unwrap(),
        Method::POST,
        "/fed/v1/inbox",
        body.into_bytes(),
    )
    .await
    .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    (
        status.as_u16(),
        answer["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn service_rotation(hub_db: Option<String>) {
    let mut fed = Federation::start(2, hub_db).await;
    share_proposal(&fed.services[0].node, "Avant la rotation").await;
    let b = fed.services[1].node.clone();
    assert!(
        wait_until(PATIENCE, || knows(&b, "ssm-1", "Avant la rotation"))
            .await
            .is_some()
    );
    let old = secret_of(&fed.services[0].dir);

    let rotation = fed.services[0].rotate_key().await;
    assert_eq!(rotation.old_key, *old.key_id());
    let a = fed.services[0].node.clone();
    assert_eq!(a.keys.public_key(), rotation.new_key);
    share_proposal(&a, "Après la rotation").await;

    // The other service verifies the new message with the new key it
    // learned from the relayed rotation.
    assert!(
        wait_until(PATIENCE, || knows(&b, "ssm-1", "Après la rotation"))
            .await
            .is_some(),
        "the message signed with the new key never reached the other service"
    );
    let seq = rotation.seq as i64;
    let expected = {
        let mut v = vec![
            (old.key_id().to_string(), None, Some(seq), None),
            (
                rotation.new_key.key_id().to_string(),
                Some(seq + 1),
                None,
                None,
            ),
        ];
        v.sort_by_key(|k| k.1.unwrap_or(0));
        v
    };
    assert_eq!(pinned_keys(&fed.hub.node, "ssm-1").await, expected);
    assert_eq!(pinned_keys(&b, "ssm-1").await, expected);
    // Once the hub holds the rotation, the old secret is deleted.
    let previous = fed.services[0].dir.join(PREVIOUS_KEY_FILE);
    assert!(wait_until(PATIENCE, || async { !previous.exists() })
        .await
        .is_some());
    // The descriptor lists the old key as previous.
    let descriptor: serde_json::Value =
        reqwest::get(format!("{}/.well-known/passerelle", fed.services[0].url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        descriptor["previous_keys"],
        serde_json::json!([old.public_key().to_string()])
    );

    // A message after the rotation signed with the old key is refused, and
    // so is a request signed with it.
    let before = stream_hashes(&fed.hub.node, "ssm-1").await;
    let forged = forge(&fed.hub.node, "ssm-1", &old, "Signé avec l'ancienne clé").await;
    assert_eq!(
        push_as(&a, &a.keys, &fed.hub.url, &forged).await,
        (401, "key_retired".to_owned())
    );
    assert_eq!(
        push_as(&a, &old, &fed.hub.url, &forged).await,
        (401, "key_retired".to_owned()),
        "a request signed with the old key"
    );
    let (_, bytes) = client::send_signed(
        &client::http_client().unwrap(),
        &a,
        &old,
        &fed.hub.url,
        &NodeId::parse("hub-test").unwrap(),
        Method::GET,
        "/fed/v1/state",
        Vec::new(),
    )
    .await
    .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(answer["error"]["code"], "key_retired");
    assert_eq!(stream_hashes(&fed.hub.node, "ssm-1").await, before);

    // A service that joins later replays ssm-1's whole stream: the old
    // messages verify with the old key, the new ones with the new key.
    let late = TestNode::create(
        &fed.root.path().join("ssm-3"),
        NodeRole::Service,
        "ssm-3",
        None,
    )
    .await;
    join(&fed.hub, &late).await;
    let replayed = wait_until(PATIENCE, || async {
        stream_hashes(&late.node, "ssm-1").await == stream_hashes(&a, "ssm-1").await
    })
    .await;
    assert!(
        replayed.is_some(),
        "the late joiner did not replay ssm-1's stream"
    );
    assert!(knows(&late.node, "ssm-1", "Avant la rotation").await);
    assert!(knows(&late.node, "ssm-1", "Après la rotation").await);
    let refused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM refused_incoming")
        .fetch_one(late.node.db.pool())
        .await
        .unwrap();
    assert_eq!(refused, 0);
    fed.services.push(late);
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_rotates_its_key_and_everyone_follows() {
    service_rotation(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_rotates_its_key_with_hub_on_postgres() {
    let Some(admin) = postgres_or_skip("a_service_rotates_its_key_with_hub_on_postgres") else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    service_rotation(Some(db.url.clone())).await;
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_rotates_its_key_and_services_follow_through_the_feed() {
    let mut fed = Federation::start(1, None).await;
    let old = secret_of(&fed.hub.dir);
    let rotation = fed.hub.rotate_key().await;
    // A hub signs no requests: its old secret goes at once.
    assert!(!fed.hub.dir.join(PREVIOUS_KEY_FILE).exists());
    assert!(!fed.hub.dir.join(NEXT_KEY_FILE).exists());
    let a = fed.services[0].node.clone();
    // The service learns the new hub key from the rotation in the feed.
    let learned = wait_until(PATIENCE, || async {
        pinned_keys(&a, "hub-test").await.iter().any(|k| {
            k.0 == rotation.new_key.key_id().as_str() && k.1 == Some(rotation.seq as i64 + 1)
        })
    })
    .await;
    assert!(
        learned.is_some(),
        "the service never applied the hub's rotation"
    );

    // The hub's next message (a member list, signed with the new key) is
    // accepted by the service that was already there...
    let late = TestNode::create(
        &fed.root.path().join("ssm-2"),
        NodeRole::Service,
        "ssm-2",
        None,
    )
    .await;
    join(&fed.hub, &late).await;
    let seen = wait_until(PATIENCE, || async {
        passerelle_core::peers::get(&mut a.db.pool().acquire().await.unwrap(), "ssm-2")
            .await
            .unwrap()
            .is_some()
    })
    .await;
    assert!(
        seen.is_some(),
        "the hub's message signed with its new key was refused"
    );
    // ...and the newcomer, who pinned both hub keys from the descriptor,
    // replays the hub's whole stream, old key first.
    let hub_stream = stream_hashes(&fed.hub.node, "hub-test").await;
    let replayed = wait_until(PATIENCE, || async {
        stream_hashes(&late.node, "hub-test").await == hub_stream
    })
    .await;
    assert!(replayed.is_some());
    assert_eq!(
        pinned_keys(&late.node, "hub-test").await,
        pinned_keys(&a, "hub-test").await,
        "a late joiner and an early one agree on the hub's keys"
    );

    // A hub message after the rotation signed with the old key is refused.
    let forged = forge(&fed.hub.node, "hub-test", &old, "Faux message du hub").await;
    let mut w = a.db.begin_write().await.unwrap();
    let refused = ingest::ingest(w.conn(), a.id(), fed.hub.node.id(), Source::Feed, &forged)
        .await
        .unwrap_err();
    drop(w);
    assert_eq!(refused.code(), "key_retired");
    fed.services.push(late);
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stolen_key_is_revoked_by_the_hub_and_the_owner_carries_on() {
    let mut fed = Federation::start(2, None).await;
    share_proposal(&fed.services[0].node, "Du vrai comité").await;
    let hub = fed.hub.node.clone();
    let b = fed.services[1].node.clone();
    assert!(
        wait_until(PATIENCE, || knows(&b, "ssm-1", "Du vrai comité"))
            .await
            .is_some()
    );
    // A thief copies the key while the owner's node is down, and pushes.
    fed.services[0].stop().await;
    let stolen = secret_of(&fed.services[0].dir);
    let owner = fed.services[0].open_stopped().await;
    let forged = forge(&hub, "ssm-1", &stolen, "Message du voleur").await;
    assert_eq!(
        push_as(&owner, &stolen, &fed.hub.url, &forged).await,
        (200, String::new())
    );
    assert!(
        wait_until(PATIENCE, || knows(&b, "ssm-1", "Message du voleur"))
            .await
            .is_some()
    );
    let forged_seq = stream_of(&hub, "ssm-1").await.0;

    // The owner makes a new key without signing anything with the stolen
    // one; the hub's operator revokes the stolen key from the forged
    // message on and installs the new key.
    let replacement = passerelle_core::rotation::replace(&owner).await.unwrap();
    owner.db.close().await;
    let revocation = passerelle_core::rotation::revoke_member_key(
        &hub,
        "ssm-1",
        None,
        Some(forged_seq as u64),
        Some(replacement.new_key),
        Some("clé volée".into()),
    )
    .await
    .unwrap();
    assert_eq!(revocation.next_seq, forged_seq as u64 + 1);

    // Already accepted: flagged, everywhere, not deleted.
    let flagged = |seq: i64| {
        move |flags: Vec<(i64, Option<String>)>| {
            flags
                .iter()
                .all(|(s, f)| (*s == seq) == (f.as_deref() == Some("key_revoked")))
        }
    };
    assert!(flagged(forged_seq)(flags_of(&hub, "ssm-1").await));
    assert!(wait_until(PATIENCE, || async {
        flagged(forged_seq)(flags_of(&b, "ssm-1").await)
    })
    .await
    .is_some());
    // The thief's next message (and request) is refused.
    let again = forge(&hub, "ssm-1", &stolen, "Encore le voleur").await;
    let probe = fed.services[0].open_stopped().await;
    assert_eq!(
        push_as(&probe, &stolen, &fed.hub.url, &again).await,
        (401, "key_revoked".to_owned()),
        "the stolen key signs no request"
    );
    probe.db.close().await;
    let hub_before = stream_hashes(&hub, "ssm-1").await;
    // The owner starts again: it learns its stream back from the hub
    // (the forged message included) and continues after it.
    fed.services[0].restart().await;
    let a = fed.services[0].node.clone();
    assert_eq!(a.keys.public_key(), replacement.new_key);
    share_proposal(&a, "Après le vol").await;
    assert!(wait_until(PATIENCE, || knows(&b, "ssm-1", "Après le vol"))
        .await
        .is_some());
    let at_hub = stream_hashes(&hub, "ssm-1").await;
    assert_eq!(
        at_hub[..hub_before.len()],
        hub_before[..],
        "nothing the hub had was rewritten"
    );
    assert_eq!(stream_hashes(&a, "ssm-1").await, at_hub, "no fork");
    assert_eq!(stream_of(&a, "ssm-1").await, (at_hub.len() as i64, true));
    // The owner's key is now the one everyone pins as current.
    let current: Vec<_> = pinned_keys(&b, "ssm-1")
        .await
        .into_iter()
        .filter(|k| k.2.is_none() && k.3.is_none())
        .map(|k| k.0)
        .collect();
    assert_eq!(current, vec![replacement.new_key.key_id().to_string()]);
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_rotation_is_finished_or_undone_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&dir.path().join("hub"), NodeRole::Hub, "hub-test", None).await;
    // The node is running: a rotation is refused (the lock is held).
    let locked = wait_until(PATIENCE, || async {
        passerelle_core::config::DirLock::acquire(&hub.dir, "changer sa clé")
            .is_err_and(|e| e.code() == "node_running")
    })
    .await;
    assert!(
        locked.is_some(),
        "a running node holds its directory's lock"
    );
    let before = secret_of(&hub.dir);
    let rotation = hub.rotate_key().await;
    hub.stop().await;
    // Crash after the database recorded the rotation, before the files
    // moved: the new key is still "next", the old one still current.
    let key = hub.dir.join(passerelle_core::config::KEY_FILE);
    std::fs::rename(&key, hub.dir.join(NEXT_KEY_FILE)).unwrap();
    std::fs::write(&key, before.to_pkcs8_pem().unwrap()).unwrap();
    let node = hub.open_stopped().await;
    assert_eq!(
        node.keys.public_key(),
        rotation.new_key,
        "the rotation was finished"
    );
    assert!(!hub.dir.join(NEXT_KEY_FILE).exists());
    node.db.close().await;
    // Crash before the database recorded anything: the new key is unknown
    // to everyone and is dropped.
    let stray = KeyPair::generate().unwrap();
    passerelle_core::config::write_secret_key(&hub.dir.join(NEXT_KEY_FILE), &stray).unwrap();
    let node = hub.open_stopped().await;
    assert_eq!(node.keys.public_key(), rotation.new_key);
    assert!(!hub.dir.join(NEXT_KEY_FILE).exists());
    node.db.close().await;
    // A key file that the database does not know is refused, not used.
    std::fs::remove_file(&key).unwrap();
    passerelle_core::config::write_secret_key(&key, &stray).unwrap();
    let overrides = passerelle_core::config::Overrides::default();
    let err = Node::open(&hub.dir, &overrides).await.unwrap_err();
    assert!(err.to_string().contains("database says"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_commands_refuse_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let mut svc =
        TestNode::create(&dir.path().join("s"), NodeRole::Service, "ssm-seul", None).await;
    let d = svc.dir.to_str().unwrap().to_owned();
    // Running: refused.
    let (ok, _, err) = passerelle(&["key", "rotate", "--data", &d]);
    assert!(!ok);
    assert!(err.contains("en marche"), "{err}");
    svc.stop().await;
    // Not joined: nothing to rotate; nothing changed.
    let before = std::fs::read(svc.dir.join(passerelle_core::config::KEY_FILE)).unwrap();
    let (ok, _, err) = passerelle(&["key", "rotate", "--data", &d]);
    assert!(!ok);
    assert!(err.contains("pas encore rejoint"), "{err}");
    assert_eq!(
        std::fs::read(svc.dir.join(passerelle_core::config::KEY_FILE)).unwrap(),
        before
    );
    assert!(!svc.dir.join(NEXT_KEY_FILE).exists());
    // Only a hub revokes a member's key.
    let (ok, _, err) = passerelle(&["members", "revoke-key", "ssm-x", "--data", &d]);
    assert!(!ok);
    assert!(err.contains("seul le hub"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_signed_with_the_old_key_is_retried_with_the_new_one() {
    // The answer to the push that carried the rotation was lost: the
    // service still thinks the hub does not know its new key.
    let mut fed = Federation::start(1, None).await;
    share_proposal(&fed.services[0].node, "Un").await;
    let rotation = fed.services[0].rotate_key().await;
    let a = fed.services[0].node.clone();
    let hub = fed.hub.node.clone();
    assert!(wait_until(PATIENCE, || async {
        stream_of(&hub, "ssm-1").await.0 as u64 >= rotation.seq
    })
    .await
    .is_some());
    sqlx::query("UPDATE sync_state SET acked_seq = 0")
        .execute(a.db.pool())
        .await
        .unwrap();
    let client =
        HubClient::new(a.clone(), &fed.hub.url, NodeId::parse("hub-test").unwrap()).unwrap();
    let head = client.state().await.unwrap().unwrap();
    assert_eq!(head.seq, rotation.seq);
    fed.stop().await;
}

/// A key belongs to one node, whichever node it is (SPEC §8.6.2): a
/// member's `key.rotated` onto the hub's key or onto another service's key,
/// and a `key.revoked` whose `new_key` is another node's key, are refused
/// with `domain_rule` by the hub and by every service alike (a service
/// keeps what the hub relays, but does not apply it). The hub used to
/// accept a rotation onto its own key, and a service one onto its own key:
/// hub and services disagreed from then on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_of_another_node_is_refused_by_hub_and_services_alike() {
    let fed = Federation::start(2, None).await;
    share_proposal(&fed.services[0].node, "Avant").await;
    let hub = fed.hub.node.clone();
    let a = fed.services[0].node.clone();
    let b = fed.services[1].node.clone();
    let synced = wait_until(PATIENCE, || async {
        knows(&b, "ssm-1", "Avant").await
            && stream_hashes(&b, "hub-test").await == stream_hashes(&hub, "hub-test").await
    })
    .await;
    assert!(synced.is_some());
    let before = (
        pinned_keys(&hub, "ssm-1").await,
        pinned_keys(&b, "ssm-1").await,
        stream_hashes(&hub, "ssm-1").await,
        stream_hashes(&hub, "hub-test").await,
    );

    for (whose, key) in [
        ("the hub", hub.keys.public_key()),
        ("ssm-2", b.keys.public_key()),
    ] {
        let rotation = forge_body(
            &hub,
            "ssm-1",
            &a.keys,
            &Body::KeyRotated(KeyRotation { new_key: key }),
        )
        .await;
        assert_eq!(
            push_as(&a, &a.keys, &fed.hub.url, &rotation).await,
            (422, "domain_rule".to_owned()),
            "the hub accepted ssm-1's rotation onto {whose}'s key"
        );
        assert_eq!(
            relayed_verdict(&b, &hub, &rotation).await,
            (Accepted::StoredOnly, "domain_rule".to_owned()),
            "ssm-2 applied ssm-1's rotation onto {whose}'s key"
        );
    }

    // The hub's operator cannot install another node's key as a member's
    // replacement key either; a service refuses such a revocation too.
    let hub_secret = secret_of(&fed.hub.dir);
    for (whose, key) in [
        ("the hub", hub.keys.public_key()),
        ("ssm-2", b.keys.public_key()),
    ] {
        let refused = passerelle_core::rotation::revoke_member_key(
            &hub,
            "ssm-1",
            None,
            None,
            Some(key),
            None,
        )
        .await
        .map(|_| ())
        .unwrap_err();
        assert_eq!(
            refused.code(),
            "domain_rule",
            "the hub installed {whose}'s key"
        );
        let revocation = forge_body(
            &hub,
            "hub-test",
            &hub_secret,
            &Body::KeyRevoked(Box::new(KeyRevocation {
                node: NodeId::parse("ssm-1").unwrap(),
                key: a.keys.public_key(),
                from_seq: 1,
                next_seq: 1 + stream_hashes(&hub, "ssm-1").await.len() as u64,
                new_key: Some(key),
                reason: None,
            })),
        )
        .await;
        assert_eq!(
            relayed_verdict(&b, &hub, &revocation).await,
            (Accepted::StoredOnly, "domain_rule".to_owned()),
            "ssm-2 applied {whose}'s key as ssm-1's replacement"
        );
    }

    let after = (
        pinned_keys(&hub, "ssm-1").await,
        pinned_keys(&b, "ssm-1").await,
        stream_hashes(&hub, "ssm-1").await,
        stream_hashes(&hub, "hub-test").await,
    );
    assert_eq!(after, before, "a refusal changes nothing");
    fed.stop().await;
}
