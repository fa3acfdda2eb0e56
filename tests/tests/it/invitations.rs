//! Invitations and enrolment between real nodes (SPEC §10.3): an active
//! service cannot be taken over by a second invitation; replacing one goes
//! through the revocation of its key (§8.6.3), which every node learns.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_core::Node;
use passerelle_protocol::{Hash, NodeId};
use passerelle_tests::sim::SimService;
use passerelle_tests::*;

const PATIENCE: Duration = Duration::from_secs(30);

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
        stream_hashes(other, hub.id().as_str()).await
            == stream_hashes(hub, hub.id().as_str()).await
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
    let refused = passerelle_core::fed::hub::invite(&hub, &NodeId::parse("ssm-1").unwrap(), 1)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "already_member");
    assert_eq!(count().await, before, "a refused invitation writes nothing");
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
