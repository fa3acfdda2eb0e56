//! A hub at regional scale: 500 services, each sharing 100 proposals.
//! Measures ingest over HTTP against the raw limit (the same verification
//! and inserts in a tight loop, no HTTP), ingest with one message per
//! request, and the coordinator's view of the 50,000 proposals.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use passerelle_core::fed::known::Known;
use passerelle_core::fed::{hub, ingest};
use passerelle_core::node::Node;
use passerelle_core::peers;
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::NodeId;
use passerelle_tests::Api;

use crate::procs::{self, NodeProc};
use crate::{quantile_ms, Row};
use passerelle_tests::sim::{push_request, send_push, SimService};

/// The regional scale. (Past about 444 members, a `members.list`
/// naming every member outgrew the 64 KiB envelope limit; a list now names
/// only the members that changed, protocol/SPEC.md §8.6.)
const SERVICES: usize = 500;
const PROPOSALS: usize = 100;
/// Concurrent pushers in the batched run.
const BATCH_SENDERS: usize = 50;
/// Concurrent senders of one message per request, and messages each.
const SINGLE_SENDERS: usize = 64;
const SINGLE_EACH: usize = 150;
/// A well-known relay storing signed JSON events in SQLite, one transaction
/// per event, on this kind of machine (events per second).
const RELAY_BASELINE: f64 = 2_900.0;
const HUB_ID: &str = "hub-bench";

/// Where to keep the regional hub between runs (see [`run`]).
const KEEP_ENV: &str = "PASSERELLE_BENCH_REGIONAL_HUB";
/// The coordinator's password once the bench changed the first one.
const NEW_PASSWORD: &str = "mot-de-passe-du-banc-2";

/// The regional figures. With `PASSERELLE_BENCH_REGIONAL_HUB=DIR`, the
/// hub's data directory is `DIR` and stays there after the run; when `DIR`
/// already holds the hub of an earlier run, only the coordinator's view is
/// measured, on that hub (seconds instead of minutes: for working on the
/// coordinator's queries; a newer binary migrates the database first).
pub async fn run(bin: &Path) -> Vec<Row> {
    let kept = std::env::var_os(KEEP_ENV).map(std::path::PathBuf::from);
    if let Some(dir) = kept.as_deref().filter(|d| d.join("passerelle.db").exists()) {
        println!(
            "regional: the coordinator's view only, on the hub in {}…",
            dir.display()
        );
        let mut hub = NodeProc::new(bin, dir, procs::free_port());
        hub.start().await;
        let rows = coordinator_view(&hub.url, false).await;
        hub.kill();
        return rows;
    }
    let mut rows = Vec::new();
    let root = tempfile::tempdir().unwrap();
    let hub_id = NodeId::parse(HUB_ID).unwrap();
    let dir = kept.unwrap_or_else(|| root.path().join("hub"));
    let port = procs::free_port();
    procs::init(&dir, NodeRole::Hub, HUB_ID, port, None).await;

    println!("regional: signing {} envelopes…", SERVICES * PROPOSALS);
    let mut services: Vec<SimService> = (0..SERVICES).map(SimService::new).collect();
    let codes = invitations(&dir, &services).await;
    let batches: Vec<Vec<String>> = services
        .iter_mut()
        .map(|s| (0..PROPOSALS).map(|k| s.share(&hub_id, k)).collect())
        .collect();

    // The raw limit: the same envelopes, verified and stored by the same
    // pipeline in a tight loop, one transaction per batch of 100, no HTTP.
    println!("regional: raw limit…");
    let raw_rate = raw_limit(root.path(), &services, &batches).await;

    let mut hub = NodeProc::new(bin, &dir, port);
    hub.start().await;
    let http = reqwest::Client::new();
    println!("regional: {SERVICES} services join…");
    join_all(&http, &hub.url, &hub_id, &services, codes).await;

    println!("regional: batched pushes…");
    let requests: Vec<(String, Vec<u8>)> = services
        .iter()
        .zip(&batches)
        .map(|(s, b)| push_request(s, &hub_id, b))
        .collect();
    let t0 = Instant::now();
    run_senders(&http, &hub.url, requests, BATCH_SENDERS, PROPOSALS).await;
    let hub_rate = (SERVICES * PROPOSALS) as f64 / t0.elapsed().as_secs_f64();
    let ratio = hub_rate / raw_rate;
    rows.push(Row::new(
        "Raw limit: verify + store, no HTTP, one transaction per 100",
        format!("{raw_rate:.0} msg/s"),
    ));
    rows.push(
        Row::new(
            format!("Hub ingest over HTTP: {SERVICES} services × {PROPOSALS}, batches of {PROPOSALS}, {BATCH_SENDERS} at once"),
            format!("{hub_rate:.0} msg/s"),
        )
        .target("≥ 70 % of raw", ratio >= 0.7)
        .ratio(format!("{:.0} % of raw", ratio * 100.0)),
    );

    println!("regional: one message per request…");
    let (rate, latencies) = single_messages(&http, &hub.url, &hub_id, &mut services).await;
    let p50 = quantile_ms(&latencies, 0.5);
    let p99 = quantile_ms(&latencies, 0.99);
    rows.push(
        Row::new(
            format!("Hub ingest, 1 message per request, {SINGLE_SENDERS} senders at once"),
            format!("{rate:.0} msg/s"),
        )
        .target("≥ 6,000 msg/s", rate >= 6_000.0)
        .ratio(format!("{:.1} × relay (2,900/s)", rate / RELAY_BASELINE)),
    );
    rows.push(
        Row::new(
            "  … latency per request p50 / p99",
            format!("{p50:.1} / {p99:.1} ms"),
        )
        .target("p99 < 15 ms", p99 < 15.0),
    );

    let (rss, hwm) = hub.memory();
    rows.push(Row::new(
        format!(
            "Hub memory after ingesting {} messages",
            SERVICES * PROPOSALS + SINGLE_SENDERS * SINGLE_EACH
        ),
        format!(
            "{:.1} MiB now, {:.1} MiB peak",
            crate::mib(rss),
            crate::mib(hwm)
        ),
    ));
    println!("regional: coordinator view…");
    rows.extend(coordinator_view(&hub.url, true).await);
    let (rss, hwm) = hub.memory();
    rows.push(Row::new(
        "Hub memory after the coordinator's view (incl. the unfiltered list)",
        format!(
            "{:.1} MiB now, {:.1} MiB peak",
            crate::mib(rss),
            crate::mib(hwm)
        ),
    ));
    hub.kill();
    rows
}

/// One invitation per service, written to the hub's database before it starts.
async fn invitations(dir: &Path, services: &[SimService]) -> Vec<String> {
    let node = Node::open(dir, &Default::default()).await.unwrap();
    let mut codes = Vec::new();
    for s in services {
        codes.push(hub::invite(&node, &s.id, s.id.as_str(), 1).await.unwrap());
    }
    node.db.close().await;
    codes
}

async fn join_all(
    http: &reqwest::Client,
    url: &str,
    hub_id: &NodeId,
    services: &[SimService],
    codes: Vec<String>,
) {
    for (s, code) in services.iter().zip(codes) {
        s.join(http, url, hub_id, &code).await;
    }
}

/// Sends pre-signed pushes from `senders` concurrent tasks; returns every
/// request's latency.
async fn run_senders(
    http: &reqwest::Client,
    url: &str,
    requests: Vec<(String, Vec<u8>)>,
    senders: usize,
    per_request: usize,
) -> Vec<Duration> {
    let mut lanes: Vec<Vec<(String, Vec<u8>)>> = (0..senders).map(|_| Vec::new()).collect();
    for (i, r) in requests.into_iter().enumerate() {
        lanes[i % senders].push(r);
    }
    run_lanes(http, url, lanes, per_request).await
}

/// Each lane is one sender sending its requests one after the other.
async fn run_lanes(
    http: &reqwest::Client,
    url: &str,
    lanes: Vec<Vec<(String, Vec<u8>)>>,
    per_request: usize,
) -> Vec<Duration> {
    let url: Arc<str> = url.into();
    let tasks: Vec<_> = lanes
        .into_iter()
        .map(|lane| {
            let http = http.clone();
            let url = url.clone();
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(lane.len());
                for r in lane {
                    let t = Instant::now();
                    send_push(&http, &url, r, per_request).await;
                    times.push(t.elapsed());
                }
                times
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// Verifies and stores `batches` with the library, as the hub's inbox does
/// (one batched transaction per push, `fed::known`), in a fresh database:
/// the rate in messages per second.
async fn raw_limit(root: &Path, services: &[SimService], batches: &[Vec<String>]) -> f64 {
    let dir = root.join("raw");
    procs::init(&dir, NodeRole::Hub, HUB_ID, 1, None).await;
    let node = Node::open(&dir, &Default::default()).await.unwrap();
    let mut w = node.db.begin_write().await.unwrap();
    for s in services {
        peers::upsert(
            w.conn(),
            s.id.as_str(),
            "Service",
            NodeRole::Service,
            peers::ACTIVE,
            None,
            &[s.keys.public_key()],
        )
        .await
        .unwrap();
    }
    w.commit().await.unwrap();
    let me = node.id().clone();
    let t0 = Instant::now();
    for (s, batch) in services.iter().zip(batches) {
        let mut w = node.db.begin_write().await.unwrap();
        // Parsed here, verified in the pipeline: the same work as the inbox.
        let parsed: Vec<_> = batch
            .iter()
            .map(|raw| ingest::Prechecked::new(raw, None))
            .collect();
        let ids = parsed
            .iter()
            .flatten()
            .map(|p| p.env.envelope().id.hyphenated().to_string())
            .collect();
        let origins = [s.id.to_string()].into();
        let mut known = Known::prefetch(w.conn(), &origins, &ids).await.unwrap();
        for (raw, pre) in batch.iter().zip(parsed) {
            let requester = ingest::Source::Inbox {
                requester: s.id.as_str(),
            };
            ingest::ingest_known(w.conn(), &mut known, &me, &me, requester, raw, pre)
                .await
                .unwrap();
        }
        known.flush(w.conn()).await.unwrap();
        w.commit().await.unwrap();
    }
    let rate = (services.len() * batches[0].len()) as f64 / t0.elapsed().as_secs_f64();
    node.db.close().await;
    rate
}

/// `SINGLE_SENDERS` services each push `SINGLE_EACH` supports of other
/// services' proposals, one message per request, one request at a time.
async fn single_messages(
    http: &reqwest::Client,
    url: &str,
    hub_id: &NodeId,
    services: &mut [SimService],
) -> (f64, Vec<Duration>) {
    let targets: Vec<(NodeId, Vec<uuid::Uuid>)> = services
        .iter()
        .map(|s| (s.id.clone(), s.shared.clone()))
        .collect();
    let mut lanes = Vec::new();
    for (i, s) in services.iter_mut().take(SINGLE_SENDERS).enumerate() {
        let mut lane = Vec::new();
        for k in 0..SINGLE_EACH {
            let (other, proposals) = &targets[(i + 1 + k) % targets.len()];
            let env = s.support(hub_id, other, proposals[k % proposals.len()]);
            lane.push(push_request(s, hub_id, &[env]));
        }
        lanes.push(lane);
    }
    let t0 = Instant::now();
    let latencies = run_lanes(http, url, lanes, 1).await;
    let rate = latencies.len() as f64 / t0.elapsed().as_secs_f64();
    (rate, latencies)
}

/// The coordinator's list of shared proposals, by API and page, with
/// typical filters: p50 and p99 over repeated requests. `first_time`: the
/// coordinator's first password is still to be changed.
async fn coordinator_view(url: &str, first_time: bool) -> Vec<Row> {
    let api = if first_time {
        let api = Api::login(url, "admin", procs::PASSWORD).await;
        // The first password must be changed before any page shows (they
        // redirect to the password form until then).
        let (status, body) = api
            .post(
                "/api/v1/password",
                serde_json::json!({"current_password": procs::PASSWORD, "new_password": NEW_PASSWORD}),
            )
            .await;
        assert_eq!(status, 204, "{body}");
        api
    } else {
        Api::login(url, "admin", NEW_PASSWORD).await
    };
    let token = api.token.clone().unwrap();
    // Not following redirects: a page measured must be the page itself.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Pages take a session cookie (an API token is not one).
    let login = http
        .post(format!("{url}/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": NEW_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let session = login
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let cases = [
        (
            "API, one service",
            "/api/v1/hub/proposals?service=ssm-bench-0042",
        ),
        (
            "API, theme + status",
            "/api/v1/hub/proposals?theme=care&status=discussed",
        ),
        (
            "API, words",
            "/api/v1/hub/proposals?text=proposition%2042%20",
        ),
        (
            "API, counts by theme",
            "/api/v1/hub/proposals/counts?theme=care",
        ),
        ("Page, one service", "/propositions?service=ssm-bench-0042"),
        ("Page, no filter (first 50 of 50,000)", "/propositions"),
        (
            "Page, theme + status",
            "/propositions?theme=care&etat=discussed",
        ),
        ("Page, words", "/propositions?mots=proposition+42+"),
        ("API, no filter (all 50,000)", "/api/v1/hub/proposals"),
    ];
    let mut rows = Vec::new();
    for (name, path) in cases {
        let mut times = Vec::new();
        let mut size = 0;
        let n = if name.contains("no filter") { 5 } else { 40 };
        for _ in 0..n {
            let t = Instant::now();
            // The API takes the token; pages take only the session cookie
            // (a request with a bearer token is not a browser's).
            let request = http.get(format!("{url}{path}"));
            let request = if path.starts_with("/api/") {
                request.bearer_auth(&token)
            } else {
                request.header("cookie", &session)
            };
            let resp = request.send().await.unwrap();
            let status = resp.status();
            let body = resp.bytes().await.unwrap();
            times.push(t.elapsed());
            assert_eq!(status, 200, "{path}");
            size = body.len();
        }
        let p50 = quantile_ms(&times, 0.5);
        let p99 = quantile_ms(&times, 0.99);
        let row = Row::new(
            format!("Coordinator view, {name} ({} kB)", size / 1000),
            format!("{p50:.1} / {p99:.1} ms"),
        );
        rows.push(if name.contains("no filter") {
            row
        } else {
            row.target("p99 < 100 ms", p99 < 100.0)
        });
    }
    rows
}
