//! A fault-injecting HTTP/1.1 proxy between real nodes.
//!
//! Services reach their hub through it (they join with its address). For
//! each request, a seeded RNG decides: pass it, or drop it, delay it,
//! duplicate it (the hub receives it twice), hold it until a later request
//! has overtaken it (reordering), cut it in the middle of its head or body,
//! drop the answer after the hub processed the request, or cut the answer
//! in the middle. It counts every fault it injected, so a test can print
//! the figures and check that each kind happened.
//!
//! It understands just enough HTTP for that: requests carry a
//! `Content-Length` (reqwest always sends one), and each request goes to
//! the hub on a fresh connection with `Connection: close`, so the answer is
//! whatever the hub sends before closing. Answers with a `Content-Length`
//! keep the client's connection open, as a real proxy would.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How often each fault happens, in requests per thousand.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaultPlan {
    /// The request is read and never forwarded; the client's connection closes.
    pub drop_request: u32,
    /// Forwarded and answered, but the answer never reaches the client.
    pub drop_response: u32,
    /// Forwarded after 100 to 1,500 ms.
    pub delay: u32,
    /// The hub receives the request twice (one after the other, or both at once).
    pub duplicate: u32,
    /// Held until a later request reached the hub first (or 2 s passed).
    pub reorder: u32,
    /// Only part of the request (head or body) reaches the hub, then the
    /// connections close.
    pub cut_request: u32,
    /// Only part of the answer reaches the client, then its connection closes.
    pub cut_response: u32,
}

/// What the proxy did, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub requests: u64,
    pub passed: u64,
    pub dropped_requests: u64,
    pub dropped_responses: u64,
    pub delayed: u64,
    pub duplicated: u64,
    pub reordered: u64,
    /// Held requests that a later one did overtake.
    pub overtaken: u64,
    pub cut_requests: u64,
    pub cut_responses: u64,
}

impl FaultCounts {
    /// Faults injected, all kinds together.
    pub fn faults(&self) -> u64 {
        self.dropped_requests
            + self.dropped_responses
            + self.delayed
            + self.duplicated
            + self.reordered
            + self.cut_requests
            + self.cut_responses
    }
}

impl std::fmt::Display for FaultCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests, {} passed untouched; faults: {} dropped requests, {} dropped answers, \
             {} delayed, {} duplicated, {} reordered ({} overtaken), {} requests cut, {} answers cut",
            self.requests,
            self.passed,
            self.dropped_requests,
            self.dropped_responses,
            self.delayed,
            self.duplicated,
            self.reordered,
            self.overtaken,
            self.cut_requests,
            self.cut_responses
        )
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    passed: AtomicU64,
    dropped_requests: AtomicU64,
    dropped_responses: AtomicU64,
    delayed: AtomicU64,
    duplicated: AtomicU64,
    reordered: AtomicU64,
    overtaken: AtomicU64,
    cut_requests: AtomicU64,
    cut_responses: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::SeqCst);
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    DropRequest,
    DropResponse,
    Delay(u64),
    Duplicate { together: bool, answer_second: bool },
    Reorder,
    CutRequest(f64),
    CutResponse(f64),
}

struct Shared {
    upstream: SocketAddr,
    plan: FaultPlan,
    rng: Mutex<StdRng>,
    enabled: AtomicBool,
    counters: Counters,
    /// Requests delivered to the upstream so far (for reordering).
    delivered: AtomicU64,
    delivered_signal: Notify,
}

impl Shared {
    fn pick(&self) -> Fault {
        if !self.enabled.load(Ordering::SeqCst) {
            return Fault::None;
        }
        let mut rng = self.rng.lock().unwrap();
        let p = self.plan;
        let mut roll = rng.gen_range(0..1000u32);
        let kinds = [
            (p.drop_request, 0),
            (p.drop_response, 1),
            (p.delay, 2),
            (p.duplicate, 3),
            (p.reorder, 4),
            (p.cut_request, 5),
            (p.cut_response, 6),
        ];
        for (share, kind) in kinds {
            if roll < share {
                return match kind {
                    0 => Fault::DropRequest,
                    1 => Fault::DropResponse,
                    2 => Fault::Delay(rng.gen_range(100..1500)),
                    3 => Fault::Duplicate {
                        together: rng.gen_bool(0.5),
                        answer_second: rng.gen_bool(0.5),
                    },
                    4 => Fault::Reorder,
                    5 => Fault::CutRequest(rng.gen_range(0.0..1.0)),
                    _ => Fault::CutResponse(rng.gen_range(0.0..1.0)),
                };
            }
            roll -= share;
        }
        Fault::None
    }
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    pub port: u16,
    pub url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream`, faults
    /// off until [`FaultProxy::set_faults`].
    pub async fn start(upstream: SocketAddr, seed: u64, plan: FaultPlan) -> FaultProxy {
        assert!(
            plan.drop_request
                + plan.drop_response
                + plan.delay
                + plan.duplicate
                + plan.reorder
                + plan.cut_request
                + plan.cut_response
                <= 1000
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            upstream,
            plan,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            enabled: AtomicBool::new(false),
            counters: Counters::default(),
            delivered: AtomicU64::new(0),
            delivered_signal: Notify::new(),
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve_client(client, s.clone()));
            }
        });
        FaultProxy {
            port,
            url: format!("http://127.0.0.1:{port}"),
            shared,
            task,
        }
    }

    /// Turns fault injection on or off.
    pub fn set_faults(&self, on: bool) {
        self.shared.enabled.store(on, Ordering::SeqCst);
    }

    /// What the proxy did so far.
    pub fn counts(&self) -> FaultCounts {
        let c = &self.shared.counters;
        let g = |a: &AtomicU64| a.load(Ordering::SeqCst);
        FaultCounts {
            requests: g(&c.requests),
            passed: g(&c.passed),
            dropped_requests: g(&c.dropped_requests),
            dropped_responses: g(&c.dropped_responses),
            delayed: g(&c.delayed),
            duplicated: g(&c.duplicated),
            reordered: g(&c.reordered),
            overtaken: g(&c.overtaken),
            cut_requests: g(&c.cut_requests),
            cut_responses: g(&c.cut_responses),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One request as read from the client.
struct Request {
    /// Header lines, without the request line's CRLF-CRLF end.
    head: String,
    body: Vec<u8>,
}

impl Request {
    /// The bytes sent upstream: the same request, on a connection that
    /// closes after the answer.
    fn upstream_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        for (i, line) in self.head.split("\r\n").enumerate() {
            let lower = line.to_ascii_lowercase();
            if i > 0 && (lower.starts_with("connection:") || lower.starts_with("keep-alive:")) {
                continue;
            }
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str("connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// Reads the next request from the client (`buf` keeps bytes read ahead).
async fn read_request(client: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    let mut chunk = [0u8; 16 * 1024];
    let end = loop {
        if let Some(end) = find(buf, b"\r\n\r\n") {
            break end;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec()).ok()?;
    assert!(
        header(&head, "transfer-encoding").is_none(),
        "the proxy only understands Content-Length bodies"
    );
    let len: usize = header(&head, "content-length").map_or(0, |v| v.parse().unwrap());
    let start = end + 4;
    while buf.len() < start + len {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[start..start + len].to_vec();
    buf.drain(..start + len);
    Some(Request { head, body })
}

/// An answer from upstream, ready for the client.
struct Answer {
    bytes: Vec<u8>,
    /// The client's connection must close after it (no Content-Length).
    close: bool,
}

/// Sends `bytes` to the upstream on a fresh connection and reads the answer
/// until the upstream closes.
async fn forward(shared: &Shared, bytes: &[u8]) -> Option<Answer> {
    let mut up = TcpStream::connect(shared.upstream).await.ok()?;
    up.write_all(bytes).await.ok()?;
    shared.delivered.fetch_add(1, Ordering::SeqCst);
    shared.delivered_signal.notify_waiters();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(120), up.read_to_end(&mut answer))
        .await
        .ok()?
        .ok()?;
    let end = find(&answer, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..end]).into_owned();
    if header(&head, "content-length").is_none() {
        return Some(Answer {
            bytes: answer,
            close: true,
        });
    }
    // Keep the client's connection: drop the upstream's `connection: close`.
    let kept: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    let mut bytes = format!("{}\r\n\r\n", kept.join("\r\n")).into_bytes();
    bytes.extend_from_slice(&answer[end + 4..]);
    Some(Answer {
        bytes,
        close: false,
    })
}

async fn serve_client(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    while let Some(request) = read_request(&mut client, &mut buf).await {
        let c = &shared.counters;
        bump(&c.requests);
        let fault = shared.pick();
        let bytes = request.upstream_bytes();
        match fault {
            Fault::DropRequest => {
                bump(&c.dropped_requests);
                return;
            }
            Fault::CutRequest(at) => {
                bump(&c.cut_requests);
                let cut = ((bytes.len() as f64 * at) as usize).clamp(1, bytes.len() - 1);
                if let Ok(mut up) = TcpStream::connect(shared.upstream).await {
                    let _ = up.write_all(&bytes[..cut]).await;
                    let _ = up.flush().await;
                }
                return;
            }
            Fault::Delay(ms) => {
                bump(&c.delayed);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Fault::Reorder => {
                bump(&c.reordered);
                let mark = shared.delivered.load(Ordering::SeqCst);
                let overtaken = tokio::time::timeout(Duration::from_secs(2), async {
                    loop {
                        let signal = shared.delivered_signal.notified();
                        if shared.delivered.load(Ordering::SeqCst) > mark {
                            return;
                        }
                        signal.await;
                    }
                })
                .await
                .is_ok();
                if overtaken {
                    bump(&c.overtaken);
                }
            }
            Fault::Duplicate { .. } => bump(&c.duplicated),
            Fault::DropResponse => bump(&c.dropped_responses),
            Fault::CutResponse(_) => bump(&c.cut_responses),
            Fault::None => bump(&c.passed),
        }
        let answer = match fault {
            Fault::Duplicate {
                together,
                answer_second,
            } => {
                let (first, second) = if together {
                    tokio::join!(forward(&shared, &bytes), forward(&shared, &bytes))
                } else {
                    let first = forward(&shared, &bytes).await;
                    (first, forward(&shared, &bytes).await)
                };
                if answer_second {
                    second
                } else {
                    first
                }
            }
            _ => forward(&shared, &bytes).await,
        };
        let Some(answer) = answer else {
            return;
        };
        match fault {
            Fault::DropResponse => return,
            Fault::CutResponse(at) => {
                let cut = ((answer.bytes.len() as f64 * at) as usize)
                    .clamp(1, answer.bytes.len().saturating_sub(1).max(1));
                let _ = client.write_all(&answer.bytes[..cut]).await;
                let _ = client.flush().await;
                return;
            }
            _ => {
                if client.write_all(&answer.bytes).await.is_err() || answer.close {
                    return;
                }
            }
        }
    }
}
