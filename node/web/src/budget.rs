//! Request bodies in memory: a budget for the whole node, and small limits
//! where no one is known yet.
//!
//! Every handler reads its body whole into memory (a push, a form, a JSON
//! object), so without a bound, slow uploads held open together fill the
//! memory: 40 of 8 MiB took a hub from 13 to 336 MiB. Here every request's
//! body passes through [`Budgeted`], which takes each chunk's size from one
//! semaphore of bytes ([`Limits::body_budget`]) as the handler reads it,
//! and gives it back when the answer is made. A chunk that does not fit
//! ends the read and the answer is **503 `busy`** (with `Retry-After`),
//! whatever the handler made of the failed read; a body longer than its
//! route's limit is **413 `too_large`** (before reading when
//! `Content-Length` says so). Routes that take a body from people not yet
//! known (logging in, joining) have small limits ([`limit_of`]); the others
//! read their body only once the caller is authenticated (the API's `Auth`
//! and the pages' `Viewer` come before the body; the hub's inbox checks the
//! request signature's sender from the headers first, see `federation`).
//!
//! A body its handler did not read to the end (a refusal before the body,
//! or a read cut short) is **drained**: read and thrown away, chunk by
//! chunk, up to its route's limit and for a few seconds at most, so that
//! the client, still sending, gets to read the answer (a connection closed
//! with unread data is reset, and the client sees no `401`, no `revoked`,
//! only a broken connection it would retry). Draining holds no memory
//! beyond the connection's read buffer (`serve` keeps it small).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;
use passerelle_core::error::{NodeError, Refusal};
use passerelle_core::wire::MAX_BODY_BYTES;

/// The largest body of a login (API or page): a name and a password of at
/// most 200 characters, with room to spare.
pub const LOGIN_BODY_BYTES: usize = 16 * 1024;
/// The largest body of `POST /fed/v1/join`: a code and a signed descriptor.
pub const JOIN_BODY_BYTES: usize = 64 * 1024;

/// The largest body a route takes.
pub fn limit_of(path: &str) -> usize {
    match path {
        "/api/v1/session" | "/api/v1/tokens" | "/connexion" => LOGIN_BODY_BYTES,
        "/fed/v1/join" => JOIN_BODY_BYTES,
        _ => MAX_BODY_BYTES,
    }
}

/// The node's budget of request bytes held in memory at once.
#[derive(Clone)]
pub struct BodyBudget {
    bytes: Arc<Semaphore>,
    /// A service answers its federation routes `not_a_hub` before looking
    /// at the body's size (SPEC §10.1, step 3 before step 4).
    hub: bool,
}

impl BodyBudget {
    pub fn new(bytes: usize, hub: bool) -> BodyBudget {
        BodyBudget {
            bytes: Arc::new(Semaphore::new(bytes.min(Semaphore::MAX_PERMITS))),
            hub,
        }
    }
}

/// Why a body's read was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Over {
    Budget,
    Limit(usize),
}

/// What a request's body took from the budget, kept until its answer.
#[derive(Default)]
struct Held {
    permit: Option<OwnedSemaphorePermit>,
    over: Option<Over>,
}

/// The sentence of a read cut short (what `to_bytes` reports).
const CUT_SHORT: &str = "request body refused: the node's limits";

/// A request body that takes its bytes from the budget as they are read.
struct Budgeted {
    /// `None` once handed over to be drained.
    inner: Option<Body>,
    budget: Arc<Semaphore>,
    held: Arc<Mutex<Held>>,
    limit: usize,
    seen: usize,
    /// Read to its end (nothing left to drain).
    ended: bool,
}

impl Budgeted {
    fn cut(&mut self, why: Over) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Ok(mut held) = self.held.lock() {
            held.over = Some(why);
        }
        Poll::Ready(Some(Err(axum::Error::new(CUT_SHORT))))
    }
}

impl Drop for Budgeted {
    fn drop(&mut self) {
        if let (false, Some(body)) = (self.ended, self.inner.take()) {
            if !http_body::Body::is_end_stream(&body) {
                drain(body, self.limit);
            }
        }
    }
}

/// How long a body nobody reads is drained, at most.
const DRAIN_SECS: u64 = 10;

/// Reads `body` and throws it away, up to `max` bytes and [`DRAIN_SECS`]
/// (see the module's comment), in a task of its own.
fn drain(body: Body, max: usize) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        use http_body_util::BodyExt;
        let mut body = body;
        let mut seen = 0usize;
        let _ = tokio::time::timeout(std::time::Duration::from_secs(DRAIN_SECS), async {
            while let Some(Ok(frame)) = body.frame().await {
                seen = seen.saturating_add(frame.data_ref().map_or(0, Bytes::len));
                if seen > max {
                    break;
                }
            }
        })
        .await;
    });
}

impl http_body::Body for Budgeted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let frame = match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(None) => {
                this.ended = true;
                return Poll::Ready(None);
            }
            other => return other,
        };
        if let Some(data) = frame.data_ref() {
            this.seen = this.seen.saturating_add(data.len());
            if this.seen > this.limit {
                return this.cut(Over::Limit(this.limit));
            }
            let n = u32::try_from(data.len()).unwrap_or(u32::MAX);
            match this.budget.clone().try_acquire_many_owned(n) {
                Ok(permit) => {
                    if let Ok(mut held) = this.held.lock() {
                        match held.permit.as_mut() {
                            Some(all) => all.merge(permit),
                            None => held.permit = Some(permit),
                        }
                    }
                }
                Err(_) => return this.cut(Over::Budget),
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner
            .as_ref()
            .map_or_else(http_body::SizeHint::default, http_body::Body::size_hint)
    }
}

/// How many seconds a client told `busy` waits before trying again.
pub const BUSY_RETRY_AFTER_SECS: u32 = 2;

/// The middleware: every request's body under the budget and its route's
/// limit (see the module's comment).
pub async fn bodies(State(budget): State<BodyBudget>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let limit = limit_of(path);
    let not_served = !budget.hub && path.starts_with("/fed/v1/") && path != "/fed/v1/join";
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) && !not_served {
        drain(req.into_body(), MAX_BODY_BYTES);
        return too_large(limit);
    }
    if http_body::Body::is_end_stream(req.body()) {
        // No body (a GET): nothing to count.
        return next.run(req).await;
    }
    let held = Arc::new(Mutex::new(Held::default()));
    let (parts, body) = req.into_parts();
    let body = Body::new(Budgeted {
        inner: Some(body),
        budget: budget.bytes,
        held: held.clone(),
        limit,
        seen: 0,
        ended: false,
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    let over = held.lock().ok().and_then(|mut h| {
        h.permit = None;
        h.over
    });
    match over {
        None => response,
        Some(Over::Limit(limit)) => too_large(limit),
        Some(Over::Budget) => busy(),
    }
}

fn too_large(limit: usize) -> Response {
    ApiError(NodeError::refused(
        Refusal::TooLarge,
        format!("the request body is larger than this route takes ({limit} bytes)"),
    ))
    .into_response()
}

/// 503 `busy`, with `Retry-After`.
pub fn busy() -> Response {
    let mut response = ApiError(NodeError::refused(
        Refusal::Busy,
        "the node holds as many request bodies as it can for now; try again in a moment",
    ))
    .into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(BUSY_RETRY_AFTER_SECS),
    );
    response
}
