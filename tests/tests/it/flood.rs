//! Floods against a real hub process (issue #19): large uploads held open
//! by people who are not members (or who only know a member's name and
//! key id), a flood of idle sockets, and log lines a request tries to
//! forge. The hub's memory is its process's peak (`VmHWM`) less its
//! resident memory before the flood.
//!
//! `PASSERELLE_BEFORE_BIN=/path/to/an/older/passerelle` runs the same
//! floods against that binary first and prints its figures too (`FIGURE
//! before …`), without asserting anything of it: how the figures of the
//! issue were compared.
#![allow(clippy::unwrap_used)]
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use passerelle_protocol::request::new_nonce;
use passerelle_protocol::{NodeId, RequestParts, RequestSignature, Timestamp};
use passerelle_tests::procs::{free_port, proc_status_kib, wait_healthy};
use passerelle_tests::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const EIGHT_MIB: usize = 8 * 1024 * 1024;
const HUB: &str = "hub-flood";
const SERVICE: &str = "ssm-flood";

/// A hub (serving, with `ulimit -n` at `files`) and a member service (not
/// serving), made by `bin`.
struct Hub {
    bin: PathBuf,
    dir: PathBuf,
    service_dir: PathBuf,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl Hub {
    fn create(bin: &Path, root: &Path) -> Hub {
        let run = |args: &[&str]| {
            let out = Command::new(bin).args(args).output().unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        let port = free_port();
        let dir = root.join(HUB);
        let service_dir = root.join(SERVICE);
        let password = root.join("password");
        std::fs::write(&password, TEST_PASSWORD).unwrap();
        let listen = format!("127.0.0.1:{port}");
        for (role, id, d) in [("hub", HUB, &dir), ("service", SERVICE, &service_dir)] {
            run(&[
                "init",
                "--role",
                role,
                "--id",
                id,
                "--name",
                id,
                "--data",
                d.to_str().unwrap(),
                "--listen",
                &listen,
                "--admin-password-file",
                password.to_str().unwrap(),
            ]);
        }
        let mut hub = Hub {
            bin: bin.to_path_buf(),
            dir,
            service_dir,
            port,
            log: root.join("hub.log"),
            child: None,
        };
        let invited = run(&[
            "invite",
            "--service",
            SERVICE,
            "--name",
            SERVICE,
            "--data",
            hub.dir.to_str().unwrap(),
        ]);
        let code = invited.lines().nth(1).unwrap().trim().to_owned();
        hub.start(1024);
        let url = format!("http://127.0.0.1:{port}");
        run(&[
            "join",
            &url,
            &code,
            "--data",
            hub.service_dir.to_str().unwrap(),
        ]);
        hub
    }

    /// Starts `serve` with its open-file limit at `files` (the default of a
    /// system without the unit's `LimitNOFILE`) and waits until it answers.
    fn start(&mut self, files: u32) {
        assert!(self.child.is_none());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n {files} && exec \"$0\" serve --data \"$1\""
            ))
            .arg(&self.bin)
            .arg(&self.dir)
            .env("PASSERELLE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let port = self.port;
        let healthy = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(wait_healthy(port, Duration::from_secs(30)))
        })
        .join()
        .unwrap();
        assert!(healthy, "the hub did not start");
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    fn restart(&mut self) {
        self.stop();
        self.start(1024);
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// An `Authorization` header of the member, valid in every way the
    /// headers alone can show (its name, its current key, the time), but
    /// signed over an empty body: what someone who knows only public
    /// facts about a member cannot do better than.
    fn member_header(&self) -> String {
        let keys = passerelle_core::config::load_key(&self.service_dir).unwrap();
        let hub = NodeId::parse(HUB).unwrap();
        let parts = RequestParts {
            method: "POST",
            target: "/fed/v1/inbox",
            destination: &hub,
            body: b"",
        };
        RequestSignature::sign(
            &parts,
            &NodeId::parse(SERVICE).unwrap(),
            &keys,
            Timestamp::now(),
            new_nonce().unwrap(),
        )
        .to_header()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Opens `n` uploads of 8 MiB to `path`, each sending its body as fast as
/// the hub reads it but holding back the last byte; returns the hub's
/// memory growth (peak less the resident memory before, in MiB) and how
/// the uploads were answered.
async fn uploads(hub: &Hub, n: usize, path: &str, authorization: Option<String>) -> (f64, String) {
    let pid = hub.pid();
    let before = proc_status_kib(pid, "VmRSS").unwrap();
    let mut tasks = Vec::new();
    for _ in 0..n {
        let port = hub.port;
        let path = path.to_owned();
        let authorization = authorization.clone();
        tasks.push(tokio::spawn(async move {
            let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await else {
                return "no connection".to_owned();
            };
            let mut head = format!(
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                 Content-Length: {EIGHT_MIB}\r\n"
            );
            if let Some(a) = authorization {
                head.push_str(&format!("Authorization: {a}\r\n"));
            }
            head.push_str("\r\n");
            if s.write_all(head.as_bytes()).await.is_err() {
                return "closed".to_owned();
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            let (mut reader, mut writer) = s.into_split();
            let answer = tokio::spawn(async move {
                let mut buf = vec![0u8; 12];
                match reader.read_exact(&mut buf).await {
                    Ok(_) => String::from_utf8_lossy(&buf[9..12]).into_owned(),
                    Err(_) => "closed".to_owned(),
                }
            });
            while sent < EIGHT_MIB - 1 && !answer.is_finished() {
                let n = chunk.len().min(EIGHT_MIB - 1 - sent);
                match tokio::time::timeout(Duration::from_secs(5), writer.write_all(&chunk[..n]))
                    .await
                {
                    Ok(Ok(())) => sent += n,
                    _ => break,
                }
            }
            // Held open (the last byte never comes) until answered or cut.
            match tokio::time::timeout(Duration::from_secs(8), answer).await {
                Ok(Ok(status)) => status,
                _ => "held".to_owned(),
            }
        }));
    }
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    for t in tasks {
        *answers.entry(t.await.unwrap()).or_default() += 1;
    }
    let peak = proc_status_kib(pid, "VmHWM").unwrap();
    let growth = peak.saturating_sub(before) as f64 / 1024.0;
    (growth, format!("{answers:?}"))
}

/// Opens `n` sockets that send half a request line and stay; then asks
/// `/healthz` and a logged-in person's `/api/v1/me`: whether each
/// answered within 5 s, and the hub's memory growth in MiB.
async fn idle_sockets(hub: &Hub, n: usize, token: &str) -> (bool, bool, f64) {
    let pid = hub.pid();
    let before = proc_status_kib(pid, "VmRSS").unwrap();
    let mut held = Vec::new();
    for _ in 0..n {
        if let Ok(Ok(mut s)) = tokio::time::timeout(
            Duration::from_secs(2),
            TcpStream::connect(("127.0.0.1", hub.port)),
        )
        .await
        {
            let _ = s.write_all(b"GET /healthz HT").await;
            held.push(s);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let url = format!("http://127.0.0.1:{}", hub.port);
    let health = http
        .get(format!("{url}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200);
    let me = http
        .get(format!("{url}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .is_ok_and(|r| r.status() == 200);
    let peak = proc_status_kib(pid, "VmHWM").unwrap();
    drop(held);
    (health, me, peak.saturating_sub(before) as f64 / 1024.0)
}

/// The floods against `bin`; returns the figures, each with its label.
async fn floods(bin: &Path, label: &str) -> Vec<(String, f64, String)> {
    let root = tempfile::tempdir().unwrap();
    let mut hub = Hub::create(bin, root.path());
    let mut figures = Vec::new();
    for n in [40, 100] {
        for (what, path, authorization) in [
            ("anonymous inbox", "/fed/v1/inbox", None),
            (
                "inbox with a member's header",
                "/fed/v1/inbox",
                Some(hub.member_header()),
            ),
            ("join", "/fed/v1/join", None),
        ] {
            hub.restart();
            let started = Instant::now();
            let (growth, answers) = uploads(&hub, n, path, authorization).await;
            println!(
                "FIGURE {label} {n} uploads of 8 MiB held open ({what}): hub memory +{growth:.1} MiB \
                 (answers {answers}, {:.1} s)",
                started.elapsed().as_secs_f64()
            );
            figures.push((format!("{n} {what}"), growth, answers));
        }
    }
    hub.restart();
    let api = Api::login(
        &format!("http://127.0.0.1:{}", hub.port),
        "admin",
        TEST_PASSWORD,
    )
    .await;
    let token = api.token.clone().unwrap();
    let (health, me, growth) = idle_sockets(&hub, 1050, &token).await;
    println!(
        "FIGURE {label} 1,050 idle sockets (open-file limit 1,024): /healthz answered: {health}, \
         a logged-in person's /api/v1/me answered: {me}, hub memory +{growth:.1} MiB"
    );
    figures.push((
        "sockets".into(),
        growth,
        format!("healthz {health}, me {me}"),
    ));
    figures
}

/// Rule: a hub's memory stays bounded under large uploads from people who
/// are not members (they are refused from the headers, before any body is
/// read), from someone with a member's public facts only (the body is read
/// under the node's budget: past it 503 `busy`), and to the join (64 KiB
/// at most); a flood of idle sockets past the open-file limit leaves
/// `/healthz` and logged-in people answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_costs_the_hub_little() {
    if let Ok(before) = std::env::var("PASSERELLE_BEFORE_BIN") {
        floods(Path::new(&before), "before").await;
    }
    let figures = floods(&passerelle_bin(), "after").await;
    for (what, growth, answers) in &figures {
        assert!(
            *growth < 64.0,
            "{what}: the hub grew by {growth:.1} MiB ({answers})"
        );
    }
    let sockets = &figures.last().unwrap().2;
    assert_eq!(sockets, "healthz true, me true");
}

/// Twenty members' worth of concurrent feed reads (`limit=500`) over 500
/// large messages (about 62 KiB each): the hub's memory growth in MiB, and
/// how many messages the first answer held.
async fn feed_reads(bin: &Path, label: &str) -> (f64, usize) {
    use sqlx::Connection;
    let root = tempfile::tempdir().unwrap();
    let mut hub = Hub::create(bin, root.path());
    hub.stop();
    // Messages of another member, written straight into the hub's
    // database: the feed serves stored envelopes as they are.
    let mut db = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        hub.dir.join("passerelle.db").display()
    ))
    .await
    .unwrap();
    let text = "x".repeat(62 * 1024);
    for i in 0..500 {
        sqlx::query(
            "INSERT INTO messages (id, origin, seq, hash, kind, envelope, received_at) \
             VALUES ($1, 'ssm-autre', $2, $3, 'proposal.shared', $4, 0)",
        )
        .bind(format!("00000000-0000-4000-8000-{i:012}"))
        .bind(i as i64 + 1)
        .bind(format!("h{i}"))
        .bind(format!("{{\"n\":{i},\"text\":\"{text}\"}}"))
        .execute(&mut db)
        .await
        .unwrap();
    }
    db.close().await.unwrap();
    hub.start(1024);
    let pid = hub.pid();
    let before = proc_status_kib(pid, "VmRSS").unwrap();
    let target = "/fed/v1/feed?after=0&limit=500&wait=0";
    let mut reads = Vec::new();
    for _ in 0..20 {
        let keys = passerelle_core::config::load_key(&hub.service_dir).unwrap();
        let hub_id = NodeId::parse(HUB).unwrap();
        let parts = RequestParts {
            method: "GET",
            target,
            destination: &hub_id,
            body: b"",
        };
        let header = RequestSignature::sign(
            &parts,
            &NodeId::parse(SERVICE).unwrap(),
            &keys,
            Timestamp::now(),
            new_nonce().unwrap(),
        )
        .to_header();
        let url = format!("http://127.0.0.1:{}{target}", hub.port);
        reads.push(tokio::spawn(async move {
            let resp = reqwest::Client::new()
                .get(url)
                .header("authorization", header)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let body: serde_json::Value = resp.json().await.unwrap();
            body["messages"].as_array().map_or(0, Vec::len)
        }));
    }
    let mut first = 0;
    for r in reads {
        first = r.await.unwrap();
    }
    let growth = proc_status_kib(pid, "VmHWM")
        .unwrap()
        .saturating_sub(before) as f64
        / 1024.0;
    println!(
        "FIGURE {label} 20 concurrent feed reads (limit=500) of 62 KiB messages: hub memory \
         +{growth:.1} MiB, {first} messages a page"
    );
    (growth, first)
}

/// Rule: a feed page stops at about 1 MiB of envelopes (at least one
/// message), so concurrent reads of large messages hold little memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_pages_of_large_messages_are_bounded() {
    if let Ok(before) = std::env::var("PASSERELLE_BEFORE_BIN") {
        feed_reads(Path::new(&before), "before").await;
    }
    let (growth, page) = feed_reads(&passerelle_bin(), "after").await;
    assert!((1..=17).contains(&page), "{page} messages in a page");
    assert!(growth < 64.0, "the hub grew by {growth:.1} MiB");
}

/// Rule: one event, one line: a value a request puts in the log (here a
/// JSON key of a join request, which the refusal names) cannot start a
/// line of its own, nor carry a terminal's escape sequence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_cannot_forge_log_lines() {
    let root = tempfile::tempdir().unwrap();
    let hub = Hub::create(&passerelle_bin(), root.path());
    // Keys are at most 64 bytes: a short forged line.
    let body = serde_json::json!({ "x\nFORGED admin in\u{1b}[2J": 1 }).to_string();
    let resp = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/fed/v1/join", hub.port))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error());
    let mut log = String::new();
    for _ in 0..50 {
        log = std::fs::read_to_string(&hub.log).unwrap();
        if log.contains("FORGED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(log.contains("FORGED"), "the refusal names the key: {log}");
    for line in log.lines() {
        assert!(!line.starts_with("FORGED"), "a forged line: {line}");
        assert!(!line.contains('\u{1b}'), "an escape sequence: {line:?}");
    }
}
