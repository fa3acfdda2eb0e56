//! The hub and the services, as real `passerelle` processes, killed with
//! SIGKILL at random moments while committees keep making changes — many
//! times over. After the last restart everything converges: every change
//! delivered exactly once, every local change with its message, and the
//! same data on every node, compared whole.
//!
//! Seeded: the seed is printed; `PASSERELLE_CRASH_SEED=N` replays the same
//! choices (timings on a loaded machine still differ).
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use passerelle_core::Node;
use passerelle_tests::procs::{NodeSpec, ProcFederation};
use passerelle_tests::workload::{self, Step, Via};
use passerelle_tests::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;

const ROUNDS: usize = 30;
const SERVICES: [&str; 3] = ["ssm-a", "ssm-b", "ssm-c"];

/// Makes changes at `node` until `stop`, a few dozen a second.
fn writer(
    node: Node,
    seed: u64,
    is_hub: bool,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<BTreeMap<Step, usize>> {
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut done = BTreeMap::new();
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) {
            n += 1;
            let step = if is_hub {
                workload::hub_step(&node, &Via::Direct, &mut rng, n).await
            } else {
                workload::service_step(&node, &Via::Direct, &mut rng, n, 400).await
            };
            *done.entry(step.unwrap()).or_insert(0) += 1;
            let pause = if is_hub { 150..600 } else { 15..60 };
            tokio::time::sleep(Duration::from_millis(rng.gen_range(pause))).await;
        }
        done
    })
}

async fn scalar(node: &Node, sql: &str, bind: &str) -> i64 {
    sqlx::query(sql)
        .bind(bind)
        .fetch_one(node.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

/// Whether messages are on their way at this instant: a service's own
/// messages the hub does not have yet, or feed entries a service has not read.
async fn in_flight(hub: &Node, services: &[Node]) -> (bool, bool) {
    let mut pushing = false;
    let mut pulling = false;
    for s in services {
        let id = s.id().as_str();
        let last_pos = scalar(
            hub,
            "SELECT COALESCE(MAX(pos), 0) FROM messages WHERE origin <> $1",
            id,
        )
        .await;
        let own = scalar(s, "SELECT COUNT(*) FROM messages WHERE origin = $1", id).await;
        let at_hub = scalar(hub, "SELECT COUNT(*) FROM messages WHERE origin = $1", id).await;
        pushing |= own > at_hub;
        let cursor = scalar(
            s,
            "SELECT COALESCE(MAX(feed_cursor), 0) FROM sync_state WHERE peer_id <> $1",
            id,
        )
        .await;
        pulling |= cursor < last_pos;
    }
    (pushing, pulling)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_and_services_killed_at_random_moments_converge_exactly_once() {
    let seed = seed("PASSERELLE_CRASH_SEED");
    let mut rng = StdRng::seed_from_u64(seed);
    let root = tempfile::tempdir().unwrap();
    let services = SERVICES
        .iter()
        .map(|id| NodeSpec {
            port: 0,
            ..NodeSpec::new(root.path(), id)
        })
        .collect();
    let mut fed = ProcFederation::create(
        root.path(),
        NodeSpec::new(root.path(), "hub-crash"),
        services,
        None,
    )
    .await;
    for s in &mut fed.services {
        s.start().await;
    }
    // The committees' changes are made by this process on the nodes' data
    // directories, as another program on the same machine would.
    let hub = fed.hub.open().await;
    let mut views = Vec::new();
    for s in &fed.services {
        views.push(s.open().await);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = vec![writer(hub.clone(), seed ^ 1, true, stop.clone())];
    for (i, v) in views.iter().enumerate() {
        writers.push(writer(
            v.clone(),
            seed ^ (i as u64 + 2),
            false,
            stop.clone(),
        ));
    }

    let mut kills = BTreeMap::<&str, usize>::new();
    let (mut mid_push, mut mid_pull) = (0, 0);
    for round in 0..ROUNDS {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(100..900))).await;
        // Who dies this time: the hub, one service, the hub and a service,
        // two services, or everyone.
        let victims: Vec<usize> = match rng.gen_range(0..5) {
            0 => vec![0],
            1 => vec![rng.gen_range(1..=SERVICES.len())],
            2 => vec![0, rng.gen_range(1..=SERVICES.len())],
            3 => {
                let spared = rng.gen_range(1..=SERVICES.len());
                (1..=SERVICES.len()).filter(|i| *i != spared).collect()
            }
            _ => (0..=SERVICES.len()).collect(),
        };
        let (pushing, pulling) = in_flight(&hub, &views).await;
        mid_push += usize::from(pushing);
        mid_pull += usize::from(pulling);
        let mut nodes: Vec<&mut procs::ProcNode> = fed.all().collect();
        for &v in &victims {
            nodes[v].kill();
            *kills
                .entry(if v == 0 { "hub" } else { "service" })
                .or_insert(0) += 1;
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..400))).await;
        for &v in &victims {
            nodes[v].start().await;
        }
        println!("round {round}: killed {victims:?} (in flight: push {pushing}, pull {pulling})");
    }
    stop.store(true, Ordering::SeqCst);
    let mut steps = BTreeMap::<Step, usize>::new();
    for w in writers {
        for (step, n) in w.await.unwrap() {
            *steps.entry(step).or_insert(0) += n;
        }
    }

    let restarted = Instant::now();
    let mut all = vec![&hub];
    all.extend(views.iter());
    let converged = wait_until(Duration::from_secs(240), || workload::caught_up(&all)).await;
    if converged.is_none() {
        // Say precisely what differs, then fail.
        println!("{}", fed.logs());
        workload::assert_converged(&all).await;
        panic!("the nodes never caught up, yet hold the same data?");
    }
    let took = restarted.elapsed();
    let compared = workload::assert_converged(&all).await;
    let produced: i64 = {
        let mut n = 0;
        for node in &all {
            n += scalar(
                node,
                "SELECT COUNT(*) FROM messages WHERE origin = $1",
                node.id().as_str(),
            )
            .await;
        }
        n
    };
    println!(
        "FIGURE crash rounds survived: {ROUNDS} (kills: {kills:?}; with messages in flight: {mid_push} to the hub, {mid_pull} to services); \
         {produced} messages produced ({steps:?}); compared: {} message copies, {} proposal copies, {} supports and links; \
         converged {took:?} after the last restart; lost: 0",
        compared.messages, compared.proposals, compared.supports_and_links
    );
    assert!(
        mid_push >= ROUNDS / 3 && mid_pull >= ROUNDS / 3,
        "too few kills landed while messages were in flight ({mid_push} push, {mid_pull} pull) for this test to mean anything"
    );
    assert!(
        kills.get("hub").copied().unwrap_or(0) >= 5,
        "the hub was killed too rarely: {kills:?}"
    );
    assert!(
        produced > 500,
        "too few changes ({produced}) for this test to mean anything"
    );

    // A graceful stop (SIGTERM) ends every node cleanly.
    for node in fed.all() {
        assert!(node.terminate(), "{} did not stop cleanly", node.id);
    }
    hub.db.close().await;
    for v in views {
        v.db.close().await;
    }
}
