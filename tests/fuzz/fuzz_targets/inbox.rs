//! The hub's inbox (SPEC.md §10.4), end to end in one process: fuzzed bytes
//! become the body of a `POST /fed/v1/inbox` correctly signed by an enrolled
//! member, and go through the node's real router (`passerelle_web::
//! app`: authentication, body reading, the push handler, the ingest
//! pipeline, domain rules) on a real SQLite hub in a temporary directory.
//!
//! The first input byte chooses how the rest is used:
//! * even: the rest is the request body, as is;
//! * odd: the rest is read as one envelope (an object) or a batch (an array
//!   of objects); each is signed with the member's key, after replacing the
//!   placeholders `"seq":-1` (the hub's head + 1), `"prev":"$head"` (the
//!   head's hash), `"id":"$new"` (a fresh UUIDv7), `"ts":"$now"` and
//!   `"key":"$key"` (the member's key id), so that mutations reach stream
//!   placement, bodies and domain rules instead of stopping at the signature.
//!
//! Properties: the node never answers 500; every answer is JSON, with a
//! known error code unless it is 200; and when no message was accepted the
//! hub's database is unchanged — every table, every row — apart from what
//! authentication writes (the request's replay record and `last_seen_at`).
//! When `k` messages were accepted, exactly `k` rows were added to the log.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::body::Body as HttpBody;
use axum::http::{header, Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use passerelle_core::node::{InitOptions, Node};
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::signed_object::NodeDescriptor;
use passerelle_protocol::{
    Body, CanonicalValue, Envelope, KeyPair, Limits, NodeId, ProtocolError, RequestParts,
    RequestSignature, Timestamp,
};
use sqlx::Row;
use tower::ServiceExt;

const HUB: &str = "hub-fuzz";
const MEMBER: &str = "ssm-fuzz";

/// Codes a hub may answer on this route (SPEC.md §11 and node codes).
const NODE_CODES: &[&str] = &[
    "not_origin",
    "unknown_sender",
    "revoked",
    "replayed_id",
    "replayed_request",
    "unauthenticated",
    "batch_too_large",
    "domain_rule",
    "bad_request",
];

struct Fuzz {
    rt: tokio::runtime::Runtime,
    /// The database as the last input left it (nothing else writes to it).
    last: std::sync::Mutex<Option<Dump>>,
    node: Node,
    app: axum::Router,
    member: KeyPair,
    tables: Vec<(String, Vec<String>)>,
}

fn sign_request(member: &KeyPair, method: &str, target: &str, body: &[u8]) -> String {
    let hub = NodeId::parse(HUB).expect("hub id");
    let parts = RequestParts {
        method,
        target,
        destination: &hub,
        body,
    };
    RequestSignature::sign(
        &parts,
        &NodeId::parse(MEMBER).expect("member id"),
        member,
        Timestamp::now(),
        passerelle_protocol::request::new_nonce().expect("nonce"),
    )
    .to_header()
}

async fn call(
    app: &axum::Router,
    member: &KeyPair,
    target: &str,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(target)
        .header(
            header::AUTHORIZATION,
            sign_request(member, "POST", target, &body),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(HttpBody::from(body))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("answer body");
    (status, bytes.to_vec())
}

fn fuzz() -> &'static Fuzz {
    static FUZZ: OnceLock<Fuzz> = OnceLock::new();
    FUZZ.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let dir = scratch_dir();
        let (node, app, member, tables) = rt.block_on(async {
            let (node, _) = Node::init(InitOptions {
                data_dir: dir.join("hub"),
                role: NodeRole::Hub,
                id: NodeId::parse(HUB).expect("hub id"),
                name: "Hub du fuzzing".into(),
                listen: "127.0.0.1:0".into(),
                database_url: None,
                admin_password: Some("mot-de-passe-du-fuzzing".into()),
            })
            .await
            .expect("hub");
            let app = passerelle_web::app(node.clone());
            // The member joins through the real route, with a real invitation.
            let member = KeyPair::generate().expect("key");
            let code = passerelle_core::fed::hub::invite(
                &node,
                &NodeId::parse(MEMBER).expect("id"),
                "Service du fuzzing",
                1,
            )
            .await
            .expect("invitation");
            let descriptor = NodeDescriptor::signed(
                NodeId::parse(MEMBER).expect("id"),
                "Service du fuzzing".into(),
                NodeRole::Service,
                Vec::new(),
                &member,
            )
            .expect("descriptor");
            let join = serde_json::json!({"code": code, "descriptor": descriptor.to_json_value()});
            let (status, answer) =
                call(&app, &member, "/fed/v1/join", join.to_string().into_bytes()).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{}",
                String::from_utf8_lossy(&answer)
            );
            // Its first message, so that its stream has a head.
            let first = Envelope::new(
                NodeId::parse(MEMBER).expect("id"),
                NodeId::parse(HUB).expect("id"),
                1,
                None,
                &Body::DelegatesList(passerelle_protocol::body::DelegateList { delegates: vec![] }),
                member.key_id().clone(),
            )
            .expect("envelope")
            .sign(&member)
            .expect("signed");
            let body = format!("{{\"messages\":[{}]}}", first.canonical_string());
            let (status, answer) = call(&app, &member, "/fed/v1/inbox", body.into_bytes()).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{}",
                String::from_utf8_lossy(&answer)
            );
            let tables = table_columns(&node).await;
            (node, app, member, tables)
        });
        Fuzz {
            rt,
            last: std::sync::Mutex::new(None),
            node,
            app,
            member,
            tables,
        }
    })
}

/// A folder for this process's hub, on tmpfs when there is one (the same
/// SQLite code, without waiting for the disk at every commit). libFuzzer
/// ends the process without running destructors, so folders of processes
/// that are gone are removed here instead.
fn scratch_dir() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    const PREFIX: &str = "passerelle-fuzz-";
    let procfs = std::path::Path::new("/proc/self").exists();
    for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix(PREFIX)
            .and_then(|p| p.parse::<u32>().ok());
        if procfs && pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let dir = base.join(format!("{PREFIX}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn table_columns(node: &Node) -> Vec<(String, Vec<String>)> {
    let pool = node.db.pool();
    let names: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("tables")
    .iter()
    .map(|r| r.try_get("name").expect("name"))
    .collect();
    let mut out = Vec::new();
    for name in names {
        // Authentication itself records every accepted request signature.
        if name == "seen_requests" {
            continue;
        }
        let columns: Vec<String> =
            sqlx::query("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(pool)
                .await
                .expect("columns")
                .iter()
                .map(|r| r.try_get("name").expect("name"))
                .filter(|c: &String| !(name == "peers" && c == "last_seen_at"))
                .collect();
        out.push((name, columns));
    }
    out
}

type Dump = BTreeMap<String, Vec<Vec<Option<String>>>>;

async fn dump(f: &Fuzz) -> Dump {
    let mut out = BTreeMap::new();
    for (table, columns) in &f.tables {
        let select: Vec<String> = columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
        let rows = sqlx::query(&format!("SELECT {} FROM \"{table}\"", select.join(", ")))
            .fetch_all(f.node.db.pool())
            .await
            .expect("dump");
        let mut rows: Vec<Vec<Option<String>>> = rows
            .iter()
            .map(|r| {
                (0..columns.len())
                    .map(|i| r.try_get::<Option<String>, _>(i).expect("text"))
                    .collect()
            })
            .collect();
        rows.sort();
        out.insert(table.clone(), rows);
    }
    out
}

async fn head(f: &Fuzz) -> (i64, Option<String>) {
    let row = sqlx::query("SELECT seq, hash FROM stream_heads WHERE origin = $1")
        .bind(MEMBER)
        .fetch_optional(f.node.db.pool())
        .await
        .expect("head");
    match row {
        Some(r) => (
            r.try_get("seq").expect("seq"),
            Some(r.try_get("hash").expect("hash")),
        ),
        None => (0, None),
    }
}

/// Fills the placeholders and signs one envelope-shaped object.
fn resign(
    f: &Fuzz,
    mut m: BTreeMap<String, CanonicalValue>,
    head: &(i64, Option<String>),
) -> String {
    let text = |s: &str| CanonicalValue::String(s.to_owned());
    if m.get("seq") == Some(&CanonicalValue::Integer(-1)) {
        m.insert("seq".into(), CanonicalValue::Integer(head.0 + 1));
    }
    if m.get("prev") == Some(&text("$head")) {
        let prev = head.1.as_deref().map_or(CanonicalValue::Null, text);
        m.insert("prev".into(), prev);
    }
    if m.get("id") == Some(&text("$new")) {
        m.insert("id".into(), text(&uuid_v7()));
    }
    if m.get("ts") == Some(&text("$now")) {
        m.insert("ts".into(), text(&Timestamp::now().to_string()));
    }
    if m.get("key") == Some(&text("$key")) {
        m.insert("key".into(), text(f.member.key_id().as_str()));
    }
    m.remove("sig");
    let sig = f
        .member
        .sign(&CanonicalValue::Object(m.clone()).to_canonical_bytes());
    m.insert("sig".into(), text(&sig.to_string()));
    CanonicalValue::Object(m).to_canonical_string()
}

fn uuid_v7() -> String {
    // Envelope::new draws a fresh UUIDv7; borrow it rather than add a dependency.
    Envelope::new(
        NodeId::parse(MEMBER).expect("id"),
        NodeId::parse(HUB).expect("id"),
        1,
        None,
        &Body::DelegatesList(passerelle_protocol::body::DelegateList { delegates: vec![] }),
        KeyPair::from_seed(&[1; 32]).key_id().clone(),
    )
    .expect("envelope")
    .id
    .hyphenated()
    .to_string()
}

/// The push body for input `rest` in the re-signing mode.
fn resigned_push(f: &Fuzz, rest: &[u8], head: &(i64, Option<String>)) -> Vec<u8> {
    let messages: Vec<String> = match CanonicalValue::from_json_bytes(rest, &Limits::ENVELOPE) {
        Ok(CanonicalValue::Object(m)) => vec![resign(f, m, head)],
        Ok(CanonicalValue::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                CanonicalValue::Object(m) => resign(f, m, head),
                other => other.to_canonical_string(),
            })
            .collect(),
        Ok(other) => vec![other.to_canonical_string()],
        Err(_) => return rest.to_vec(),
    };
    format!("{{\"messages\":[{}]}}", messages.join(",")).into_bytes()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = fuzz();
    f.rt.block_on(async {
        let head = head(f).await;
        let body = if mode % 2 == 0 {
            rest.to_vec()
        } else {
            resigned_push(f, rest, &head)
        };
        let cached = f.last.lock().expect("lock").take();
        let before = match cached {
            Some(d) => d,
            None => dump(f).await,
        };
        let (status, answer) = call(&f.app, &f.member, "/fed/v1/inbox", body).await;
        assert!(
            !status.is_server_error(),
            "{status}: {}",
            String::from_utf8_lossy(&answer)
        );
        let answer: serde_json::Value =
            serde_json::from_slice(&answer).expect("every answer is JSON");
        if status == StatusCode::OK {
            assert!(answer.get("error").is_none(), "{answer}");
        } else {
            let code = answer["error"]["code"].as_str().expect("an error code");
            assert!(
                ProtocolError::ALL_CODES.contains(&code) || NODE_CODES.contains(&code),
                "unknown code {code}"
            );
        }
        let accepted = answer["results"].as_array().map_or(0, |r| {
            r.iter().filter(|x| x["status"] == "accepted").count()
        });
        let after = dump(f).await;
        if accepted == 0 {
            assert!(
                after == before,
                "nothing accepted, yet the database changed: {answer}"
            );
        } else {
            assert_eq!(
                after["messages"].len(),
                before["messages"].len() + accepted,
                "{answer}"
            );
        }
        *f.last.lock().expect("lock") = Some(after);
    });
});
