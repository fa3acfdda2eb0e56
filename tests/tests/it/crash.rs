//! A service killed (SIGKILL) in the middle of pushing, many times over, as
//! real `passerelle` processes: no loss, no duplicate, no local change
//! without its message.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use passerelle_core::config::Overrides;
use passerelle_core::Node;
use passerelle_tests::procs::{free_port, run_ok};
use passerelle_tests::*;
use rand::{Rng, SeedableRng};
use sqlx::Row;

/// Starts `passerelle serve`, appending its log to `<dir>.log`.
fn serve(dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.with_extension("log"))
        .unwrap();
    Command::new(passerelle_bin())
        .args(["serve", "--data", dir.to_str().unwrap()])
        .env("PASSERELLE_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// The end of a node's log, to explain a failure.
fn log_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.with_extension("log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

async fn wait_healthy(port: u16) {
    let url = format!("http://127.0.0.1:{port}/healthz");
    let ok = wait_until(Duration::from_secs(20), || async {
        reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    assert!(ok.is_some(), "node on port {port} never became healthy");
}

fn sigkill(child: &mut Child) {
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

fn sigterm(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap()
}

async fn count(node: &Node, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(node.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_killed_mid_push_loses_nothing_and_duplicates_nothing() {
    const ROUNDS: usize = 12;
    const PER_ROUND: usize = 300;
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261123);
    let root = tempfile::tempdir().unwrap();
    let (hub_dir, svc_dir) = (root.path().join("hub"), root.path().join("svc"));
    // The hub never dials a service: the service listens on a port the
    // system picks at each start, so restarts never race for a port.
    let hub_port = free_port();
    let hub_listen = format!("127.0.0.1:{hub_port}");
    let svc_listen = "127.0.0.1:0".to_owned();
    run_ok(&[
        "init",
        "--role",
        "hub",
        "--id",
        "hub-crash",
        "--name",
        "Hub",
        "--data",
        hub_dir.to_str().unwrap(),
        "--listen",
        &hub_listen,
    ]);
    run_ok(&[
        "init",
        "--role",
        "service",
        "--id",
        "ssm-crash",
        "--name",
        "SSM",
        "--data",
        svc_dir.to_str().unwrap(),
        "--listen",
        &svc_listen,
    ]);
    let mut hub = serve(&hub_dir);
    wait_healthy(hub_port).await;
    let invitation = run_ok(&[
        "invite",
        "--service",
        "ssm-crash",
        "--name",
        "SSM",
        "--data",
        hub_dir.to_str().unwrap(),
    ]);
    let code = invitation.lines().nth(1).unwrap().trim().to_owned();
    run_ok(&[
        "join",
        &format!("http://{hub_listen}"),
        &code,
        "--data",
        svc_dir.to_str().unwrap(),
    ]);

    // The committee's changes are made by another process on the same data
    // directory, while the service's server process pushes them.
    let local = Node::open(&svc_dir, &Overrides::default()).await.unwrap();
    let hub_view = Node::open(&hub_dir, &Overrides::default()).await.unwrap();
    let mut kills_mid_push = 0;
    for round in 0..ROUNDS {
        for i in 0..PER_ROUND {
            share_proposal(&local, &format!("Tour {round}, proposition {i}")).await;
        }
        let before = stream_of(&hub_view, "ssm-crash").await.0;
        let mut svc = serve(&svc_dir);
        if round % 2 == 0 {
            // At a random moment: before, during or after the pushes.
            tokio::time::sleep(Duration::from_millis(rng.gen_range(20..300))).await;
        } else {
            // As soon as the hub has taken part of the queue: mid-push.
            wait_until(Duration::from_secs(20), || async {
                stream_of(&hub_view, "ssm-crash").await.0 > before
            })
            .await;
        }
        sigkill(&mut svc);
        let after = stream_of(&hub_view, "ssm-crash").await.0;
        let produced = ((round + 1) * PER_ROUND) as i64;
        if after > before && after < produced {
            kills_mid_push += 1;
        }
    }
    let mut svc = serve(&svc_dir);
    let produced = (ROUNDS * PER_ROUND) as i64;
    let drained = wait_until(Duration::from_secs(60), || async {
        stream_of(&hub_view, "ssm-crash").await.0 == produced
    })
    .await;
    assert!(
        drained.is_some(),
        "the hub never received everything.\nservice log:\n{}\nhub log:\n{}",
        log_tail(&svc_dir),
        log_tail(&hub_dir)
    );
    println!("FIGURE crash rounds: {ROUNDS}, killed while the hub had part of the queue: {kills_mid_push}");
    assert!(
        kills_mid_push >= ROUNDS / 4,
        "too few kills landed mid-push ({kills_mid_push}) for this test to mean anything"
    );

    // No loss, no duplicate: the hub's copy is the service's stream, hash for hash.
    assert_eq!(stream_of(&hub_view, "ssm-crash").await, (produced, true));
    assert_eq!(
        stream_hashes(&hub_view, "ssm-crash").await,
        stream_hashes(&local, "ssm-crash").await
    );
    // No local change without its message, and none set aside.
    assert_eq!(
        count(&local, "SELECT COUNT(*) FROM proposals WHERE shared = 1").await,
        produced
    );
    assert_eq!(
        count(
            &local,
            "SELECT COUNT(*) FROM messages WHERE origin = 'ssm-crash' AND kind = 'proposal.shared'"
        )
        .await,
        produced
    );
    assert_eq!(count(&local, "SELECT COUNT(*) FROM set_aside").await, 0);
    assert_eq!(
        count(
            &hub_view,
            "SELECT COUNT(*) FROM federated_proposals WHERE service_id = 'ssm-crash'"
        )
        .await,
        produced
    );

    // A graceful stop (SIGTERM) ends cleanly.
    assert!(sigterm(&mut svc).success());
    assert!(sigterm(&mut hub).success());
    local.db.close().await;
    hub_view.db.close().await;
}
