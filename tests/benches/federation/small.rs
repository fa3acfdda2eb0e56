//! A hub and ten real service processes: start-up, idle memory,
//! propagation between two services, and catch-up after a hub outage.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use passerelle_core::domain::proposals::{self, NewProposal};
use passerelle_core::fed;
use passerelle_core::node::Node;
use passerelle_protocol::body::{NodeRole, Origin, Theme};
use passerelle_tests::Api;
use serde_json::json;
use sqlx::Row as _;

use crate::procs::{self, NodeProc};
use crate::{mib, quantile_ms, Row};

const SERVICES: usize = 10;
const QUEUED: usize = 10_000;
const PROPAGATIONS: usize = 40;
const HUB_ID: &str = "hub-petit";

pub async fn run(bin: &Path) -> Vec<Row> {
    let mut rows = Vec::new();
    let root = tempfile::tempdir().unwrap();
    let hub_dir = root.path().join("hub");
    let hub_port = procs::free_port();
    procs::init(&hub_dir, NodeRole::Hub, HUB_ID, hub_port, None).await;
    let mut hub = NodeProc::new(bin, &hub_dir, hub_port);
    let mut hub_starts = vec![hub.start().await];

    let mut services = Vec::new();
    for i in 0..SERVICES {
        let id = format!("ssm-{i}");
        let dir = root.path().join(&id);
        let port = procs::free_port();
        procs::init(&dir, NodeRole::Service, &id, port, None).await;
        join(&hub_dir, &hub.url, &dir, &id).await;
        services.push(NodeProc::new(bin, &dir, port));
    }
    let mut starts = Vec::new();
    for s in &mut services {
        starts.push(s.start().await);
    }
    // Restarts of an initialised service, to time start-up on warm files.
    for _ in 0..4 {
        services[SERVICES - 1].kill();
        starts.push(services[SERVICES - 1].start().await);
        hub.kill();
        hub_starts.push(hub.start().await);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle: Vec<u64> = services.iter().map(|s| s.memory().0).collect();
    let idle_max = idle.iter().copied().max().unwrap_or(0);
    let anon_max = services.iter().map(NodeProc::anonymous).max().unwrap_or(0);
    let (hub_idle, _) = hub.memory();
    let start_p50 = quantile_ms(&starts, 0.5);
    let start_max = quantile_ms(&starts, 1.0);
    rows.push(
        Row::new(
            "Start-up of a service to its first answer, p50 / max",
            format!("{start_p50:.0} / {start_max:.0} ms"),
        )
        .target("< 100 ms", start_max < 100.0),
    );
    rows.push(
        Row::new(
            "Start-up of the hub to its first answer, p50 / max",
            format!(
                "{:.0} / {:.0} ms",
                quantile_ms(&hub_starts, 0.5),
                quantile_ms(&hub_starts, 1.0)
            ),
        )
        .target("< 100 ms", quantile_ms(&hub_starts, 1.0) < 100.0),
    );
    rows.push(
        Row::new(
            format!("Service node idle, resident memory (worst of {SERVICES})"),
            format!(
                "{:.1} MiB (own {:.1}, the rest the binary's code pages)",
                mib(idle_max),
                mib(anon_max)
            ),
        )
        .target("< 15 MB", (idle_max as f64) * 1024.0 < 15e6),
    );
    rows.push(Row::new(
        "Hub idle, resident memory",
        format!("{:.1} MiB (own {:.1})", mib(hub_idle), mib(hub.anonymous())),
    ));

    println!("small: propagation…");
    let times = propagation(&services[0], &services[1]).await;
    let p99 = quantile_ms(&times, 0.99);
    rows.push(
        Row::new(
            format!(
                "Propagation service → hub → service, idle, p50 / p99 ({PROPAGATIONS} changes)"
            ),
            format!("{:.0} / {p99:.0} ms", quantile_ms(&times, 0.5)),
        )
        .target("p99 < 1 s", p99 < 1000.0),
    );

    println!("small: catch-up after an outage…");
    rows.extend(catch_up(&mut hub, &services).await);
    for s in &mut services {
        s.kill();
    }
    hub.kill();
    rows
}

/// Enrols a service (stopped) at the running hub with a fresh invitation.
async fn join(hub_dir: &Path, hub_url: &str, dir: &Path, id: &str) {
    let hub = Node::open(hub_dir, &Default::default()).await.unwrap();
    let code = fed::hub::invite(
        &hub,
        &passerelle_protocol::NodeId::parse(id).unwrap(),
        id,
        1,
    )
    .await
    .unwrap();
    hub.db.close().await;
    let node = Node::open(dir, &Default::default()).await.unwrap();
    fed::service::join(&node, hub_url, &code).await.unwrap();
    node.db.close().await;
}

/// Time from sharing a proposal at `a` (the API call returns) to the
/// proposal being in `b`'s database.
async fn propagation(a: &NodeProc, b: &NodeProc) -> Vec<Duration> {
    let api = Api::login(&a.url, "admin", procs::PASSWORD).await;
    let seen = procs::sqlite(&b.dir).await;
    let mut times = Vec::new();
    for i in 0..PROPAGATIONS {
        let (status, created) = api
            .post(
                "/api/v1/proposals",
                json!({"title": format!("Propagation {i}"), "description": "Mesure", "theme": "care", "origin": "committee"}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        let t0 = Instant::now();
        let (status, body) = api
            .post(&format!("/api/v1/proposals/{id}/share"), json!({}))
            .await;
        assert!(status < 300, "share: {status} {body}");
        loop {
            let n: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM federated_proposals WHERE proposal_id = $1")
                    .bind(&id)
                    .fetch_one(&seen)
                    .await
                    .unwrap()
                    .try_get("n")
                    .unwrap();
            if n > 0 {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "proposal {i} never arrived"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        times.push(t0.elapsed());
        // Idle nodes: let every long poll settle again.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    seen.close().await;
    times
}

async fn count(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

/// The hub stops; the services queue `QUEUED` messages between them (as
/// their committees keep working); the hub comes back.
async fn catch_up(hub: &mut NodeProc, services: &[NodeProc]) -> Vec<Row> {
    let hub_db = procs::sqlite(&hub.dir).await;
    let from_services = "SELECT COUNT(*) AS n FROM messages WHERE origin LIKE 'ssm-%'";
    let before = count(&hub_db, from_services).await;
    hub_db.close().await;
    hub.kill();
    let each = QUEUED / services.len();
    let dirs: Vec<PathBuf> = services.iter().map(|s| s.dir.clone()).collect();
    let tasks: Vec<_> = dirs
        .into_iter()
        .map(|dir| tokio::spawn(async move { queue(&dir, each).await }))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let t0 = Instant::now();
    hub.start().await;
    let hub_db = procs::sqlite(&hub.dir).await;
    let mut first = None;
    let mut drained = None;
    while t0.elapsed() < Duration::from_secs(300) {
        let n = count(&hub_db, from_services).await - before;
        if n > 0 && first.is_none() {
            first = Some(t0.elapsed());
        }
        if n >= QUEUED as i64 {
            drained = Some(t0.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    hub_db.close().await;
    let drained = drained.expect("the hub never received every queued message");
    let first = first.unwrap_or_default();
    // Until every service also holds everyone's messages.
    let mut everywhere = None;
    let pools = {
        let mut v = Vec::new();
        for s in services {
            v.push(procs::sqlite(&s.dir).await);
        }
        v
    };
    let total = before + QUEUED as i64;
    while t0.elapsed() < Duration::from_secs(600) {
        let mut all = true;
        for p in &pools {
            if count(p, from_services).await < total {
                all = false;
                break;
            }
        }
        if all {
            everywhere = Some(t0.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let hub_peak = hub.memory().1;
    let service_peak = services.iter().map(|s| s.memory().1).max().unwrap_or(0);
    let secs = drained.as_secs_f64();
    vec![
        Row::new(
            format!(
                "Catch-up: {QUEUED} messages queued at {} services, hub back → all at the hub",
                services.len()
            ),
            format!("{secs:.1} s (first after {:.1} s)", first.as_secs_f64()),
        )
        .target("< 10 s", secs < 10.0),
        Row::new(
            "  … → every service holds every message",
            everywhere.map_or("not within 10 min".into(), |d| {
                format!("{:.1} s", d.as_secs_f64())
            }),
        ),
        Row::new(
            "  … hub peak resident memory",
            format!("{:.1} MiB", mib(hub_peak)),
        )
        .target("bounded", hub_peak < 200 * 1024),
        Row::new(
            "Service node under full load (catch-up), peak resident memory",
            format!("{:.1} MiB", mib(service_peak)),
        )
        .target("< 60 MB", (service_peak as f64) * 1024.0 < 60e6),
    ]
}

/// Writes `n` shared proposals into a running service's database, from
/// this process, a hundred per transaction (as a busy committee would).
async fn queue(dir: &Path, n: usize) {
    let node = Node::open(dir, &Default::default()).await.unwrap();
    for chunk in 0..n.div_ceil(100) {
        node.with_stream(move |conn, stream| {
            Box::pin(async move {
                for k in 0..100 {
                    let id = proposals::create(
                        conn,
                        "banc",
                        &NewProposal {
                            title: format!("Proposition en attente {chunk}-{k}"),
                            description: "Écrite pendant que le hub était arrêté".into(),
                            theme: Theme::Activities,
                            tags: vec![],
                            origin: Origin::Committee,
                        },
                    )
                    .await?;
                    proposals::share(conn, &stream, id).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    }
    node.db.close().await;
}
