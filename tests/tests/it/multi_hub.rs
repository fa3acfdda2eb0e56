//! Two hub processes on one PostgreSQL database, behind one address: a
//! round-robin HTTP proxy sends each request to the other process, so every
//! service's pushes and feed pulls alternate between them. Everything must
//! converge exactly once — no message lost, none stored or applied twice,
//! every stream gapless — because sequence allocation, deduplication, replay
//! records and cursors all live in the database.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use passerelle_core::node::{InitOptions, Node};
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::NodeId;
use passerelle_tests::*;
use sqlx::Row;

const SERVICES: usize = 4;
const EACH: usize = 12;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(dir: &Path, port: u16, log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(passerelle_bin())
        .args(["serve", "--data", dir.to_str().unwrap()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("PASSERELLE_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// The load balancer: each request goes to the next hub process in turn.
#[derive(Clone)]
struct Balancer {
    backends: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    /// Pushes served by each backend.
    pushes: Arc<Vec<AtomicUsize>>,
    http: reqwest::Client,
}

async fn forward(State(b): State<Balancer>, req: Request) -> Response {
    let i = b.next.fetch_add(1, Ordering::SeqCst) % b.backends.len();
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 16 * 1024 * 1024).await.unwrap();
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    if parts.uri.path() == "/fed/v1/inbox" {
        b.pushes[i].fetch_add(1, Ordering::SeqCst);
    }
    let mut out = b
        .http
        .request(parts.method.clone(), format!("{}{target}", b.backends[i]));
    // End-to-end headers only (the signature travels in `Authorization`).
    for (name, value) in &parts.headers {
        use axum::http::header::{CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
        if ![HOST, CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION].contains(name) {
            out = out.header(name, value);
        }
    }
    match out.body(body).send().await {
        Ok(resp) => {
            let status = resp.status();
            let content_type = resp.headers().get("content-type").cloned();
            let bytes = resp.bytes().await.unwrap_or_default();
            let mut r = (status, bytes).into_response();
            if let Some(ct) = content_type {
                r.headers_mut().insert("content-type", ct);
            }
            r
        }
        Err(_) => axum::http::StatusCode::BAD_GATEWAY.into_response(),
    }
}

async fn start_balancer(backends: Vec<String>) -> (String, Balancer) {
    let b = Balancer {
        pushes: Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect()),
        backends: Arc::new(backends),
        next: Arc::new(AtomicUsize::new(0)),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let app = axum::Router::new().fallback(forward).with_state(b.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _server = tokio::spawn(async move { axum::serve(listener, app).await });
    (url, b)
}

async fn healthy(url: &str) -> bool {
    matches!(reqwest::get(format!("{url}/.well-known/passerelle")).await, Ok(r) if r.status().is_success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hub_processes_on_one_postgres_converge_exactly_once() {
    let Some(admin) = postgres_or_skip("two_hub_processes_on_one_postgres_converge_exactly_once")
    else {
        return;
    };
    let pg = PgDatabase::create(&admin).await;
    let root = tempfile::tempdir().unwrap();
    let hub_dir = root.path().join("hub");
    let (hub, _) = Node::init(InitOptions {
        data_dir: hub_dir.clone(),
        role: NodeRole::Hub,
        id: NodeId::parse("hub-double").unwrap(),
        name: "Hub à deux processus".into(),
        listen: "127.0.0.1:0".into(),
        database_url: Some(pg.url.clone()),
        admin_password: Some(TEST_PASSWORD.into()),
    })
    .await
    .unwrap();

    // Two processes of the same hub (same key, same database), one address.
    let ports = [free_port(), free_port()];
    let mut children: Vec<Child> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| serve(&hub_dir, *p, &root.path().join(format!("hub-{i}.log"))))
        .collect();
    let backends: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    for url in &backends {
        let up = wait_until(Duration::from_secs(60), || healthy(url)).await;
        assert!(up.is_some(), "hub process {url} did not start");
    }
    let (address, balancer) = start_balancer(backends).await;

    let mut services = Vec::new();
    for i in 1..=SERVICES {
        let id = format!("ssm-{i}");
        let s = TestNode::create(&root.path().join(&id), NodeRole::Service, &id, None).await;
        let code = passerelle_core::fed::hub::invite(&hub, s.node.id(), &id, 1)
            .await
            .unwrap();
        passerelle_core::fed::service::join(&s.node, &address, &code)
            .await
            .unwrap();
        services.push(s);
    }
    // Every service writes at the same time; its pushes and pulls alternate
    // between the two processes.
    let writers: Vec<_> = services
        .iter()
        .map(|s| {
            let node = s.node.clone();
            tokio::spawn(async move {
                for k in 0..EACH {
                    share_proposal(&node, &format!("{} n°{k}", node.id())).await;
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }

    // Each service's stream at the hub, and at every other service: all of
    // it, once, in order, byte for byte the same.
    let all_arrived = wait_until(Duration::from_secs(180), || async {
        for origin in &services {
            let id = origin.node.id().as_str();
            if stream_of(&hub, id).await != (EACH as i64, true) {
                return false;
            }
            for s in &services {
                if stream_of(&s.node, id).await != (EACH as i64, true) {
                    return false;
                }
            }
        }
        true
    })
    .await;
    let logs = || {
        (0..2)
            .map(|i| {
                std::fs::read_to_string(root.path().join(format!("hub-{i}.log")))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n---\n")
    };
    assert!(
        all_arrived.is_some(),
        "not every message arrived everywhere; hub logs:\n{}",
        logs()
    );
    for origin in &services {
        let id = origin.node.id().as_str();
        let at_hub = stream_hashes(&hub, id).await;
        for s in &services {
            assert_eq!(
                stream_hashes(&s.node, id).await,
                at_hub,
                "{id} at {}",
                s.node.id()
            );
        }
    }
    // Applied exactly once: each service lists every shared proposal once.
    for s in &services {
        let mut titles = federated_titles(&s.node).await;
        let n = titles.len();
        titles.sort();
        titles.dedup();
        assert_eq!(
            titles.len(),
            n,
            "a proposal applied twice at {}",
            s.node.id()
        );
        // Every other service's proposals (a service's own are not in this view).
        assert_eq!(n, (SERVICES - 1) * EACH, "at {}", s.node.id());
        let refused: i64 = sqlx::query("SELECT COUNT(*) AS n FROM refused_incoming")
            .fetch_one(s.node.db.pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(refused, 0, "{} refused a relayed message", s.node.id());
    }
    // Stored once at the hub: one feed position per message id.
    let rows = sqlx::query("SELECT pos FROM messages ORDER BY pos")
        .fetch_all(hub.db.pool())
        .await
        .unwrap();
    let positions: Vec<i64> = rows.iter().map(|r| r.try_get("pos").unwrap()).collect();
    let ids: i64 = sqlx::query("SELECT COUNT(DISTINCT id) AS n FROM messages")
        .fetch_one(hub.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(ids as usize, positions.len());
    // Both processes really took pushes.
    for (i, n) in balancer.pushes.iter().enumerate() {
        assert!(n.load(Ordering::SeqCst) > 0, "hub process {i} took no push");
    }

    for mut s in services {
        s.stop().await;
    }
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    hub.db.close().await;
    pg.drop_database().await;
}
