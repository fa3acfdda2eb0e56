//! Invitations and enrolment between real nodes (SPEC §10.3): an active
//! service cannot be taken over by a second invitation; replacing one goes
//! through the revocation of its key (§8.6.3), which every node learns.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_core::fed::client;
use passerelle_core::fed::hub;
use passerelle_core::Node;
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::{Hash, NodeId};
use passerelle_tests::sim::SimService;
use passerelle_tests::*;

const PATIENCE: Duration = Duration::from_secs(30);

fn id(text: &str) -> NodeId {
    NodeId::parse(text).unwrap()
}

async fn name_at(node: &Node, member: &str) -> Option<String> {
    passerelle_core::peers::get(&mut node.db.pool().acquire().await.unwrap(), member)
        .await
        .unwrap()
        .map(|p| p.name)
}

async fn knows(node: &Node, service: &str, title: &str) -> bool {
    federated_titles(node)
        .await
        .iter()
        .any(|(s, t)| s == service && t == title)
}

/// The error code the hub answers to a request of `node` signed with its
/// current key (empty when it answers 200).
async fn request_refusal(node: &Node, hub_url: &str) -> String {
    let (_, bytes) = client::send_signed(
        &client::http_client().unwrap(),
        node,
        &node.keys,
        hub_url,
        &id("hub-test"),
        reqwest::Method::GET,
        "/fed/v1/state",
        Vec::new(),
    )
    .await
    .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    answer["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// What the hub and a service hold about `member`: its name and status at
/// each, the keys each pinned, and the hub's stream (to see that a refusal
/// changed nothing).
async fn picture(hub: &Node, other: &Node, member: &str) -> impl PartialEq + std::fmt::Debug {
    let peer = |n: &Node| {
        let n = n.clone();
        let member = member.to_owned();
        async move {
            passerelle_core::peers::get(&mut n.db.pool().acquire().await.unwrap(), &member)
                .await
                .unwrap()
                .map(|p| (p.name, p.status))
        }
    };
    (
        peer(hub).await,
        peer(other).await,
        pinned_keys(hub, member).await,
        pinned_keys(other, member).await,
        stream_hashes(hub, hub.id().as_str()).await,
    )
}

/// Writes an invitation for `service` straight into the hub's database, as
/// if one had been issued somehow (an older hub, a mistake): the join
/// itself must still refuse to enrol a second key for an active member.
async fn slip_in_invitation(hub: &Node, service: &str) -> String {
    let code = format!("code-glisse-{service}");
    let now = passerelle_core::clock::now();
    sqlx::query(
        "INSERT INTO invitations (code_hash, service_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(Hash::of(code.as_bytes()).as_str())
    .bind(service)
    .bind(now)
    .bind(now + 3600)
    .execute(hub.db.pool())
    .await
    .unwrap();
    code
}

async fn synced(hub: &Node, other: &Node) {
    let done = wait_until(PATIENCE, || async {
        stream_hashes(other, hub.id().as_str()).await == stream_hashes(hub, hub.id().as_str()).await
    })
    .await;
    assert!(done.is_some(), "the service did not catch up with the hub");
}

/// The hole: `passerelle invite --service X` for an X already enrolled gave
/// a code with which anyone enrolled a second key for X. Now the hub
/// refuses the invitation, and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_invitation_for_an_active_service_is_refused() {
    let fed = Federation::start(1, None).await;
    let hub = fed.hub.node.clone();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM invitations")
            .fetch_one(hub.db.pool())
            .await
            .unwrap()
    };
    let before = count().await;
    let refused = hub::invite(&hub, &id("ssm-1"), "Un autre nom", 1)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "already_member");
    assert!(refused.to_string().contains("--replace"), "{refused}");
    // Other bad invitations say what is wrong, and write nothing either.
    for (service, name, hours, code) in [
        ("ssm-2", "  ", 1, "invalid_field"),
        ("ssm-2", "SSM", 0, "invalid_field"),
        ("ssm-2", "SSM", 24 * 30 + 1, "invalid_field"),
        ("hub-test", "Le hub", 1, "invalid_field"),
    ] {
        let refused = hub::invite(&hub, &id(service), name, hours)
            .await
            .unwrap_err();
        assert_eq!(refused.code(), code, "{service} {name:?} {hours}");
    }
    // Replacing a service that is not a member, or one that was revoked,
    // is refused too.
    let refused = hub::invite_replacement(&hub, &id("ssm-2"), None, 1, None)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "not_found");
    assert_eq!(count().await, before, "a refused invitation writes nothing");

    // The command line says it in words and points to --replace; without
    // --name it does not invite at all.
    let data = fed.hub.dir.to_str().unwrap().to_owned();
    let (ok, _, err) = passerelle(&[
        "invite",
        "--service",
        "ssm-1",
        "--name",
        "X",
        "--data",
        &data,
    ]);
    assert!(!ok);
    assert!(
        err.contains("already_member") && err.contains("déjà membre") && err.contains("--replace"),
        "{err}"
    );
    let (ok, _, err) = passerelle(&["invite", "--service", "ssm-2", "--data", &data]);
    assert!(!ok && err.contains("--name"), "{err}");
    let (ok, _, err) = passerelle(&[
        "invite",
        "--service",
        "ssm-1",
        "--reason",
        "x",
        "--data",
        &data,
    ]);
    assert!(!ok && err.contains("--replace"), "{err}");
    assert_eq!(count().await, before);

    hub::revoke(&hub, "ssm-1").await.unwrap();
    for refused in [
        hub::invite(&hub, &id("ssm-1"), "SSM", 1).await.unwrap_err(),
        hub::invite_replacement(&hub, &id("ssm-1"), None, 1, None)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(refused.code(), "revoked");
    }
    assert_eq!(count().await, before);
    fed.stop().await;
}

/// Defence in depth: even with a valid code for it, a join for a service
/// that is an active member with a valid key is refused (403
/// `already_member`): no second key, no new name, nothing relayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_for_an_active_service_is_refused_even_with_a_code() {
    let fed = Federation::start(2, None).await;
    let hub = fed.hub.node.clone();
    let b = fed.services[1].node.clone();
    synced(&hub, &b).await;
    let before = picture(&hub, &b, "ssm-1").await;

    let code = slip_in_invitation(&hub, "ssm-1").await;
    let impostor = SimService::named("ssm-1");
    let (status, answer) = impostor
        .try_join(
            &reqwest::Client::new(),
            &fed.hub.url,
            hub.id(),
            &code,
            "Imposteur",
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (403, Some("already_member")),
        "{answer}"
    );
    // Give a relayed change the time to arrive, then compare.
    tokio::time::sleep(Duration::from_millis(500)).await;
    synced(&hub, &b).await;
    assert_eq!(picture(&hub, &b, "ssm-1").await, before);
    fed.stop().await;
}

/// The hub names a service when it invites it: the name the joiner gives
/// itself is ignored, at the hub and at every service, at the first join
/// and at a retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_names_the_service_not_the_joiner() {
    let fed = Federation::start(1, None).await;
    let hub = fed.hub.node.clone();
    let b = fed.services[0].node.clone();
    let code = hub::invite(&hub, &id("ssm-2"), "  SSM de Courcelles ", 1)
        .await
        .unwrap();
    let newcomer = SimService::named("ssm-2");
    let http = reqwest::Client::new();
    for chosen in ["Le nom que je veux", "Un autre nom encore"] {
        // The second time is a retry after a lost answer: the same answer.
        let (status, answer) = newcomer
            .try_join(&http, &fed.hub.url, hub.id(), &code, chosen)
            .await;
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(
        name_at(&hub, "ssm-2").await.as_deref(),
        Some("SSM de Courcelles")
    );
    let learned = wait_until(PATIENCE, || async {
        name_at(&b, "ssm-2").await.as_deref() == Some("SSM de Courcelles")
    })
    .await;
    assert!(learned.is_some(), "ssm-1 did not learn the hub's name");
    let lists: Vec<String> = sqlx::query_scalar("SELECT envelope FROM messages WHERE kind = $1")
        .bind("members.list")
        .fetch_all(hub.db.pool())
        .await
        .unwrap();
    assert!(lists.iter().any(|l| l.contains("SSM de Courcelles")));
    assert!(
        !lists
            .iter()
            .any(|l| l.contains("Le nom que je veux") || l.contains("Un autre nom encore")),
        "a name the joiner chose reached a member list"
    );
    fed.stop().await;
}

/// Replacing an active member is explicit and goes through revocation
/// (SPEC §10.3, §8.6.3): the invitation revokes its current key at once —
/// every node learns it, the old key signs nothing more — and the join
/// installs the new server's key with a second `key.revoked`. The new
/// server learns the member's stream back from the hub and continues it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_service_is_replaced_explicitly_through_revocation() {
    replacement(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_service_is_replaced_with_hub_on_postgres() {
    let Some(admin) = postgres_or_skip("an_active_service_is_replaced_with_hub_on_postgres") else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    replacement(Some(db.url.clone())).await;
    db.drop_database().await;
}

async fn replacement(hub_db: Option<String>) {
    let mut fed = Federation::start(2, hub_db).await;
    share_proposal(&fed.services[0].node, "Avant le remplacement").await;
    let hub = fed.hub.node.clone();
    let b = fed.services[1].node.clone();
    assert!(
        wait_until(PATIENCE, || knows(&b, "ssm-1", "Avant le remplacement"))
            .await
            .is_some()
    );
    let held = wait_until(PATIENCE, || async {
        stream_hashes(&hub, "ssm-1").await == stream_hashes(&fed.services[0].node, "ssm-1").await
    })
    .await;
    assert!(held.is_some());
    // The service's server is lost.
    fed.services[0].stop().await;
    let old_key = fed.services[0].node.keys.public_key();
    let head = stream_hashes(&hub, "ssm-1").await.len() as u64;

    let r = hub::invite_replacement(
        &hub,
        &id("ssm-1"),
        Some("SSM de Courcelles (nouveau serveur)"),
        1,
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.revoked.len(), 1);
    assert_eq!(
        (
            r.revoked[0].key,
            r.revoked[0].from_seq,
            r.revoked[0].new_key
        ),
        (old_key, head + 1, None)
    );
    // Every node learns at once that the old key signs nothing more.
    let revoked_everywhere = |node: Node| async move {
        pinned_keys(&node, "ssm-1")
            .await
            .iter()
            .any(|k| k.0 == old_key.key_id().as_str() && k.3 == Some(head as i64 + 1))
    };
    assert!(revoked_everywhere(hub.clone()).await);
    assert!(wait_until(PATIENCE, || revoked_everywhere(b.clone()))
        .await
        .is_some());
    let old = fed.services[0].open_stopped().await;
    assert_eq!(request_refusal(&old, &fed.hub.url).await, "key_revoked");
    old.db.close().await;
    // The member is still active: a plain invitation is still refused.
    assert_eq!(
        hub::invite(&hub, &id("ssm-1"), "SSM", 1)
            .await
            .unwrap_err()
            .code(),
        "already_member"
    );

    // The new server, made with the same id, joins with the code.
    let new = TestNode::create(
        &fed.root.path().join("ssm-1-nouveau"),
        NodeRole::Service,
        "ssm-1",
        None,
    )
    .await;
    passerelle_core::fed::service::join(&new.node, &fed.hub.url, &r.code)
        .await
        .unwrap();
    let new_key = new.node.keys.public_key();
    let expected_at_hub = {
        let mut v = vec![
            (
                old_key.key_id().to_string(),
                None,
                None,
                Some(head as i64 + 1),
            ),
            (
                new_key.key_id().to_string(),
                Some(head as i64 + 1),
                None,
                None,
            ),
        ];
        v.sort_by_key(|k| k.1.unwrap_or(0));
        v
    };
    assert_eq!(pinned_keys(&hub, "ssm-1").await, expected_at_hub);
    assert_eq!(
        name_at(&hub, "ssm-1").await.as_deref(),
        Some("SSM de Courcelles (nouveau serveur)")
    );
    // The code is used: nobody else enrols with it.
    let (status, answer) = SimService::named("ssm-1")
        .try_join(
            &reqwest::Client::new(),
            &fed.hub.url,
            hub.id(),
            &r.code,
            "Intrus",
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (403, Some("invitation_used"))
    );

    // The new server learns the member's stream back and continues it; the
    // other service takes its messages, with the new key and the new name.
    share_proposal(&new.node, "Depuis le nouveau serveur").await;
    assert!(
        wait_until(PATIENCE, || knows(&b, "ssm-1", "Depuis le nouveau serveur"))
            .await
            .is_some(),
        "the new server's message never reached the other service"
    );
    let at_hub = stream_hashes(&hub, "ssm-1").await;
    assert_eq!(at_hub.len() as u64, head + 1, "no fork, no gap");
    assert_eq!(stream_hashes(&new.node, "ssm-1").await, at_hub);
    assert_eq!(pinned_keys(&b, "ssm-1").await, expected_at_hub);
    assert_eq!(
        name_at(&b, "ssm-1").await.as_deref(),
        Some("SSM de Courcelles (nouveau serveur)")
    );
    let refused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM refused_incoming")
        .fetch_one(b.db.pool())
        .await
        .unwrap();
    assert_eq!(refused, 0, "the other service refused nothing");
    fed.services.push(new);
    fed.stop().await;
}
