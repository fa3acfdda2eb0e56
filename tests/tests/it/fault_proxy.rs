//! A long sync through a network that misbehaves: the services reach the
//! hub through a proxy (tests/src/proxy.rs) that drops, delays, duplicates,
//! reorders and cuts requests and answers, while three committees and the
//! coordinator keep making changes. Everything converges, exactly once,
//! with the same data on every node.
//!
//! Seeded: the seed is printed; `PASSERELLE_FAULT_SEED=N` replays the same
//! decisions (the order requests arrive in still varies).
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use passerelle_core::Node;
use passerelle_tests::procs::{NodeSpec, ProcFederation};
use passerelle_tests::proxy::{FaultPlan, FaultProxy};
use passerelle_tests::workload::{self, Step, Via};
use passerelle_tests::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SERVICES: [&str; 3] = ["ssm-a", "ssm-b", "ssm-c"];
/// Changes made at each service.
const STEPS: usize = 350;

/// Makes `steps` changes at `node`, about ten a second (a whole sync lasts
/// long enough for hundreds of exchanges, each of which may meet a fault).
fn writer(
    node: Node,
    via: Via,
    seed: u64,
    is_hub: bool,
    steps: usize,
) -> tokio::task::JoinHandle<BTreeMap<Step, usize>> {
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut done = BTreeMap::new();
        for n in 1..=steps {
            let step = if is_hub {
                workload::hub_step(&node, &via, &mut rng, n).await
            } else {
                workload::service_step(&node, &via, &mut rng, n, 600).await
            };
            *done.entry(step.unwrap()).or_insert(0) += 1;
            let pause = if is_hub { 300..1200 } else { 40..120 };
            tokio::time::sleep(Duration::from_millis(rng.gen_range(pause))).await;
        }
        done
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_sync_through_a_faulty_network_converges_exactly_once() {
    let seed = seed("PASSERELLE_FAULT_SEED");
    let root = tempfile::tempdir().unwrap();
    let hub_spec = NodeSpec::new(root.path(), "hub-faults");
    // A very bad network: more than four requests in ten meet a fault.
    let plan = FaultPlan {
        drop_request: 60,
        drop_response: 60,
        delay: 60,
        duplicate: 60,
        reorder: 60,
        cut_request: 60,
        cut_response: 60,
    };
    let proxy = FaultProxy::start(
        format!("127.0.0.1:{}", hub_spec.port).parse().unwrap(),
        seed,
        plan,
    )
    .await;
    let services = SERVICES
        .iter()
        .map(|id| NodeSpec::new(root.path(), id))
        .collect();
    // The services join through the proxy (faults off): every later
    // exchange goes through it too.
    let mut fed =
        ProcFederation::create(root.path(), hub_spec, services, Some(proxy.url.clone())).await;
    proxy.set_faults(true);
    for s in &mut fed.services {
        s.start().await;
    }
    let hub = fed.hub.open().await;
    let mut views = Vec::new();
    for s in &fed.services {
        views.push(s.open().await);
    }
    let started = Instant::now();
    // Changes go through each node's API, as people make them: the node's
    // pusher wakes at once, so the traffic is many small exchanges.
    let login =
        |url: String| async move { Via::Api(Api::login(&url, "admin", TEST_PASSWORD).await) };
    let mut writers = vec![writer(
        hub.clone(),
        login(fed.hub.url()).await,
        seed ^ 1,
        true,
        STEPS / 10,
    )];
    for (i, (v, s)) in views.iter().zip(&fed.services).enumerate() {
        let via = login(s.url()).await;
        writers.push(writer(v.clone(), via, seed ^ (i as u64 + 2), false, STEPS));
    }
    let mut steps = BTreeMap::<Step, usize>::new();
    for w in writers {
        for (step, n) in w.await.unwrap() {
            *steps.entry(step).or_insert(0) += n;
        }
    }
    let written = started.elapsed();

    // The faults stay on until the end: convergence happens through them.
    let mut all = vec![&hub];
    all.extend(views.iter());
    // A node that met many failures in a row may rightly wait up to the
    // backoff's cap before its next try (and the faults stay on, so one
    // more try may fail): the window is two caps and a minute, not one cap,
    // which a seed once overran (14824302791521323691). A healthy run
    // converges in seconds; only a broken one waits the whole window.
    let window = passerelle_core::fed::backoff::CAP * 2 + Duration::from_secs(60);
    let converged = wait_until(window, || workload::caught_up(&all)).await;
    if converged.is_none() {
        // Say precisely what differs, then fail.
        println!("{}\n{}", proxy.counts(), fed.logs());
        workload::assert_converged(&all).await;
        panic!("the nodes never caught up, yet hold the same data?");
    }
    let took = started.elapsed();
    let compared = workload::assert_converged(&all).await;
    let counts = proxy.counts();
    println!(
        "FIGURE faulty network: {counts}; {} changes ({steps:?}) made in {written:?}, converged {took:?} after the first; \
         compared: {} message copies, {} proposal copies, {} supports and links; lost: 0, duplicated: 0",
        steps.values().sum::<usize>(),
        compared.messages,
        compared.proposals,
        compared.supports_and_links
    );
    // Each kind of fault happened, often enough to mean something.
    for (kind, n) in [
        ("dropped requests", counts.dropped_requests),
        ("dropped answers", counts.dropped_responses),
        ("delayed", counts.delayed),
        ("duplicated", counts.duplicated),
        ("reordered", counts.overtaken),
        ("cut requests", counts.cut_requests),
        ("cut answers", counts.cut_responses),
    ] {
        assert!(n >= 3, "only {n} {kind}: {counts}");
    }
    assert!(compared.messages > 2000, "too little traffic: {compared:?}");
    for node in fed.all() {
        assert!(node.terminate(), "{} did not stop cleanly", node.id);
    }
    hub.db.close().await;
    for v in views {
        v.db.close().await;
    }
}
