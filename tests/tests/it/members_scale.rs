//! A hub with more member services than one `members.list` listing them all
//! could carry (64 KiB: about 440). Every join must still be accepted, and
//! a service — one that joined first and followed along, and one that joined
//! last and reads the hub's stream from its start — must learn every peer
//! and accept their messages. A revocation reaches them without anyone else
//! being forgotten.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_core::fed::hub;
use passerelle_core::peers;
use passerelle_protocol::body::NodeRole;
use passerelle_tests::sim::{push_request, send_push, SimService};
use passerelle_tests::*;

/// Well past the ~440 members a complete list could name in 64 KiB.
const SIMULATED: usize = 480;

/// `(active, revoked)` service peers a node has pinned, each with a key.
async fn service_peers(node: &passerelle_core::Node) -> (usize, usize) {
    let mut conn = node.db.pool().acquire().await.unwrap();
    let mut counts = (0, 0);
    for p in peers::list(&mut conn).await.unwrap() {
        if p.role != passerelle_protocol::body::NodeRole::Service
            || peers::keys(&mut conn, &p.id).await.unwrap().is_empty()
        {
            continue;
        }
        if p.status == peers::REVOKED {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_learn_every_member_of_a_large_hub() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("hub"), NodeRole::Hub, "hub-test", None).await;
    let hub_id = hub.node.id().clone();
    let mut first = TestNode::create(
        &root.path().join("first"),
        NodeRole::Service,
        "ssm-first",
        None,
    )
    .await;
    join(&hub, &first).await;

    let http = reqwest::Client::new();
    let mut sims: Vec<SimService> = (0..SIMULATED)
        .map(|i| SimService::named(&format!("ssm-sim-{i:04}")))
        .collect();
    for s in &sims {
        let code = hub::invite(&hub.node, &s.id, s.id.as_str(), 1)
            .await
            .unwrap();
        s.join(&http, &hub.url, &hub_id, &code).await;
    }
    // The last simulated service to join shares a proposal: both real
    // services can accept it only if they pinned its key.
    let last = sims.last_mut().unwrap();
    let shared = last.share(&hub_id, 7);
    send_push(&http, &hub.url, push_request(last, &hub_id, &[shared]), 1).await;
    let title = format!("Proposition 7 du service {}", last.id);

    let mut late = TestNode::create(
        &root.path().join("late"),
        NodeRole::Service,
        "ssm-late",
        None,
    )
    .await;
    join(&hub, &late).await;

    // Every member but oneself: the simulated ones, and the other real one.
    let expected = SIMULATED + 1;
    for node in [&first.node, &late.node] {
        let learned = wait_until(Duration::from_secs(180), || async {
            service_peers(node).await == (expected, 0)
                && federated_titles(node)
                    .await
                    .iter()
                    .any(|(_, t)| *t == title)
        })
        .await;
        assert!(
            learned.is_some(),
            "{} knows {:?} service peers (expected {expected} active) and {:?}",
            node.id(),
            service_peers(node).await,
            federated_titles(node).await
        );
    }

    // A revocation names only the revoked member; nobody else is forgotten.
    hub::revoke(&hub.node, sims[0].id.as_str()).await.unwrap();
    for node in [&first.node, &late.node] {
        let seen = wait_until(Duration::from_secs(120), || async {
            service_peers(node).await == (expected - 1, 1)
        })
        .await;
        assert!(
            seen.is_some(),
            "{} knows {:?} service peers after one revocation",
            node.id(),
            service_peers(node).await
        );
    }

    late.stop().await;
    first.stop().await;
    hub.stop().await;
}
