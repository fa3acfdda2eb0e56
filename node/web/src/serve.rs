//! The accept loop: hyper's HTTP/1 server, with a deadline for headers.
//!
//! `axum::serve` gives hyper no timer, so hyper's header read timeout never
//! fires there: a client sending its headers one byte a minute ("slow
//! loris") would hold a connection and a task for ever. Here each request
//! must finish its headers within [`Limits::header_timeout`]; the body and
//! the handler are bounded by [`Limits::request_timeout`] in `app()`. The
//! peer's address is attached to each request (`ConnectInfo`) for the login
//! throttle. On shutdown we stop accepting, let requests in flight finish
//! and close idle connections.
//!
//! **Open connections are capped** ([`Limits::max_connections`], and never
//! more than the process's open-file limit allows, less a reserve for the
//! database and the node's own files). At the cap, the oldest connection
//! that is *idle* — between requests, or still sending its headers — is
//! closed to make room: a flood of idle or slow sockets cannot keep
//! `/healthz` and the people using the pages out. When every connection is
//! busy with a request, the new one is answered 503 `busy` (with
//! `Retry-After`) and closed.

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::ServiceExt;

use passerelle_core::error::NodeError;

/// How long a client may take, at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// To send a request's headers.
    pub header_timeout: Duration,
    /// To send its body and get the answer (a feed request waits up to
    /// 30 s for news, so this stays well above that).
    pub request_timeout: Duration,
    /// Request bytes held in memory at once, all requests together
    /// (`budget`): past it, 503 `busy`.
    pub body_budget: usize,
    /// Connections open at once (lowered to what the open-file limit
    /// allows): past it, the oldest idle one is closed, else 503 `busy`.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            body_budget: 24 * 1024 * 1024,
            max_connections: 4096,
        }
    }
}

/// The most a connection's read buffer holds (headers included).
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// File descriptors kept for the database, the key, logs and the
/// connections the node itself opens (a service to its hub).
const RESERVED_FILES: usize = 64;

/// The process's soft limit on open files, from `/proc/self/limits`
/// (Linux); `None` elsewhere.
fn open_file_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The cap on connections: the configured one, within the open-file limit.
pub fn connection_cap(limits: &Limits) -> usize {
    let files = open_file_limit().map_or(usize::MAX, |n| n.saturating_sub(RESERVED_FILES));
    limits.max_connections.min(files).max(1)
}

/// One open connection, as the cap sees it.
struct Conn {
    /// Requests being answered on it now (0: idle).
    busy: AtomicUsize,
    /// Told to close (it was idle and the cap was reached).
    evict: tokio::sync::Notify,
}

/// The open connections, oldest first.
#[derive(Default)]
struct Open(Mutex<VecDeque<Arc<Conn>>>);

impl Open {
    fn add(&self, conn: Arc<Conn>) {
        if let Ok(mut all) = self.0.lock() {
            all.push_back(conn);
        }
    }

    fn remove(&self, conn: &Arc<Conn>) {
        if let Ok(mut all) = self.0.lock() {
            all.retain(|c| !Arc::ptr_eq(c, conn));
        }
    }

    /// Tells the oldest idle connection to close; false if all are busy.
    fn evict_oldest_idle(&self) -> bool {
        let Ok(mut all) = self.0.lock() else {
            return false;
        };
        let found = all.iter().position(|c| c.busy.load(Ordering::SeqCst) == 0);
        match found.and_then(|i| all.remove(i)) {
            Some(conn) => {
                conn.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// The answer of a connection past the cap, written straight to the socket.
const BUSY_ANSWER: &str = "HTTP/1.1 503 Service Unavailable\r\n\
    content-type: application/json\r\nretry-after: 2\r\nconnection: close\r\n\
    content-length: 116\r\n\r\n\
    {\"error\":{\"code\":\"busy\",\"message\":\"the node has as many connections open as it can for now; try again in a moment\"}}";

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn run(
    router: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> Result<(), NodeError> {
    let (closing, closing_rx) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let cap = connection_cap(&limits);
    let slots = Arc::new(tokio::sync::Semaphore::new(cap));
    let open = Arc::new(Open::default());
    tracing::info!(max_connections = cap, "serving");
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Forget finished connections as we go.
        while connections.try_join_next().is_some() {}
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // At the cap: make room by closing the oldest idle one.
                let freed = open.evict_oldest_idle()
                    && tokio::time::timeout(
                        Duration::from_millis(500),
                        slots.clone().acquire_owned(),
                    )
                    .await
                    .is_ok_and(|s| s.is_ok());
                match freed {
                    true => match slots.clone().try_acquire_owned() {
                        Ok(slot) => slot,
                        Err(_) => {
                            refuse(stream, &mut connections);
                            continue;
                        }
                    },
                    false => {
                        refuse(stream, &mut connections);
                        continue;
                    }
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut closing_rx = closing_rx.clone();
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            evict: tokio::sync::Notify::new(),
        });
        open.add(conn.clone());
        let open = open.clone();
        connections.spawn(async move {
            let _slot = slot;
            let counted = conn.clone();
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                let router = router.clone();
                let counted = counted.clone();
                counted.busy.fetch_add(1, Ordering::SeqCst);
                async move {
                    let answer = router.oneshot(req).await;
                    counted.busy.fetch_sub(1, Ordering::SeqCst);
                    answer
                }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            // A small read buffer (hyper's grows to 400 KB otherwise): a
            // thousand connections sending bodies hold little memory.
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(READ_BUFFER_BYTES);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = closing_rx.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
                () = conn.evict.notified() => {
                    tracing::debug!("idle connection closed to make room");
                }
            }
            open.remove(&conn);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Answers a connection past the cap 503 `busy` and closes it (in its own
/// task: a client that does not read cannot hold the accept loop).
fn refuse(stream: tokio::net::TcpStream, connections: &mut JoinSet<()>) {
    use tokio::io::AsyncWriteExt;
    connections.spawn(async move {
        let mut stream = stream;
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            let _ = stream.write_all(BUSY_ANSWER.as_bytes()).await;
            let _ = stream.shutdown().await;
        })
        .await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The systemd unit lets the node hold its whole cap of connections,
    /// with the files it keeps for itself.
    #[test]
    fn the_unit_allows_the_cap() {
        let unit = include_str!("../../../deploy/passerelle.service");
        let files: usize = unit
            .lines()
            .find_map(|l| l.strip_prefix("LimitNOFILE="))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        assert!(
            files >= Limits::default().max_connections + RESERVED_FILES,
            "LimitNOFILE={files}"
        );
    }

    #[test]
    fn the_busy_answer_is_well_formed() {
        let (head, body) = BUSY_ANSWER.split_once("\r\n\r\n").unwrap_or_default();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert_eq!(length, body.len());
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(json["error"]["code"], "busy");
    }
}
