//! Federation routes. Handlers only read the request, authenticate it and
//! call `fed::hub`; the rules live there.

use axum::body::Bytes;
use axum::extract::{FromRequest, OriginalUri, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use passerelle_protocol::{CanonicalValue, Limits, ProtocolError, RequestParts};
use serde::Deserialize;

use crate::error::ApiError;
use crate::RawBody;
use passerelle_core::error::{NodeError, Refusal};
use passerelle_core::fed::{auth, hub};
use passerelle_core::node::Node;
use passerelle_core::peers::Peer;
use passerelle_core::wire::{JoinRequest, PushRequest, StateResponse, MAX_BODY_BYTES};

pub fn router() -> Router<Node> {
    Router::new()
        .route("/fed/v1/join", post(join))
        .route("/fed/v1/inbox", post(inbox))
        .route("/fed/v1/feed", get(feed))
        .route("/fed/v1/state", get(state))
        .route("/fed/v1/stream", get(stream))
}

fn target(uri: &OriginalUri) -> String {
    uri.0
        .path_and_query()
        .map_or_else(|| uri.0.path().to_owned(), |pq| pq.as_str().to_owned())
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, NodeError> {
    serde_json::from_slice(body).map_err(|e| ProtocolError::MalformedJson(e.to_string()).into())
}

/// `POST /fed/v1/join` — enrolment with an invitation code.
async fn join(
    State(node): State<Node>,
    uri: OriginalUri,
    method: Method,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let target = target(&uri);
    let parts = RequestParts {
        method: method.as_str(),
        target: &target,
        destination: node.id(),
        body: &body,
    };
    // Strict reading (duplicate keys, floats, limits) before anything else.
    let req: JoinRequest = CanonicalValue::from_json_bytes(&body, &Limits::ENVELOPE)?
        .deserialize_into()
        .map_err(|e| ProtocolError::InvalidEnvelope(format!("join request: {e}")))?;
    Ok(Json(hub::join(&node, authorization(&headers), &parts, req).await?).into_response())
}

/// A federation request signed by an active member, checked against that
/// member's pinned key over exactly what was sent: method, path and query,
/// this node as destination, and the body (read within the size limit) —
/// and recorded against replay.
struct Authenticated {
    peer: Peer,
    query: String,
}

/// The same checks, but the replay record is left to the handler's own
/// write transaction (the inbox: one commit per group of pushes, not two
/// per push).
struct Unrecorded {
    verified: auth::Verified,
    body: Bytes,
}

/// Reads and checks a signed request, writing nothing.
async fn read_signed(
    req: Request,
    node: &Node,
) -> Result<(auth::Verified, Bytes, String), ApiError> {
    let (parts, body) = req.into_parts();
    let target = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| target(&OriginalUri(parts.uri.clone())), target);
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| crate::body_refusal(StatusCode::BAD_REQUEST, e.to_string()))?;
    let signed = RequestParts {
        method: parts.method.as_str(),
        target: &target,
        destination: node.id(),
        body: &body,
    };
    let verified = auth::verify(node, authorization(&parts.headers), &signed).await?;
    Ok((
        verified,
        body,
        parts.uri.query().unwrap_or_default().to_owned(),
    ))
}

impl FromRequest<Node> for Authenticated {
    type Rejection = ApiError;

    async fn from_request(req: Request, node: &Node) -> Result<Self, ApiError> {
        let (verified, _, query) = read_signed(req, node).await?;
        Ok(Authenticated {
            peer: verified.remember(node).await?,
            query,
        })
    }
}

impl FromRequest<Node> for Unrecorded {
    type Rejection = ApiError;

    async fn from_request(req: Request, node: &Node) -> Result<Self, ApiError> {
        let (verified, body, _) = read_signed(req, node).await?;
        Ok(Unrecorded { verified, body })
    }
}

/// `POST /fed/v1/inbox` — a member pushes messages of its own stream.
/// `hub::push` records the request against replay in the transaction that
/// stores the messages.
async fn inbox(State(node): State<Node>, req: Unrecorded) -> Result<Response, ApiError> {
    let push: PushRequest = parse_json(&req.body)?;
    let pushed = hub::push(&node, req.verified, push).await?;
    let status = pushed
        .stopped_by
        .as_ref()
        .map_or(StatusCode::OK, crate::error::status_of);
    Ok((status, Json(pushed.response)).into_response())
}

#[derive(Debug, Deserialize)]
struct FeedQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: i64,
    #[serde(default)]
    wait: u64,
}

fn default_limit() -> i64 {
    200
}

/// `GET /fed/v1/feed?after=N&limit=L&wait=S` — what the hub has for the requester.
async fn feed(State(node): State<Node>, req: Authenticated) -> Result<Response, ApiError> {
    let q: FeedQuery = serde_urlencoded_query(&req.query)?;
    Ok(Json(hub::feed(&node, &req.peer, q.after, q.limit, q.wait).await?).into_response())
}

fn serde_urlencoded_query(q: &str) -> Result<FeedQuery, NodeError> {
    Query::<FeedQuery>::try_from_uri(&format!("/?{q}").parse().map_err(|_| bad_query())?)
        .map(|Query(v)| v)
        .map_err(|_| bad_query())
}

fn bad_query() -> NodeError {
    NodeError::refused(
        Refusal::BadRequest,
        "after, limit and wait must be whole numbers",
    )
}

/// `GET /fed/v1/state` — the hub's head of the requester's stream.
async fn state(State(node): State<Node>, req: Authenticated) -> Result<Response, ApiError> {
    Ok(Json(StateResponse {
        head: hub::state(&node, &req.peer).await?,
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
struct StreamQuery {
    #[serde(default)]
    after: u64,
    #[serde(default = "default_stream_limit")]
    limit: i64,
    origin: Option<String>,
}

fn default_stream_limit() -> i64 {
    passerelle_core::fed::resync::MAX_STREAM_PAGE
}

/// `GET /fed/v1/stream?after=SEQ&limit=L&origin=ID` — a stream as the hub
/// holds it: the requester's own (to recover after a restore), or
/// `origin`'s (to fetch again a relayed message that did not verify).
async fn stream(State(node): State<Node>, req: Authenticated) -> Result<Response, ApiError> {
    let bad = || {
        NodeError::refused(
            Refusal::BadRequest,
            "after and limit must be whole numbers, origin a node id",
        )
    };
    let q =
        Query::<StreamQuery>::try_from_uri(&format!("/?{}", req.query).parse().map_err(|_| bad())?)
            .map(|Query(v)| v)
            .map_err(|_| bad())?;
    Ok(
        Json(hub::stream(&node, &req.peer, q.origin.as_deref(), q.after, q.limit).await?)
            .into_response(),
    )
}

/// The raw `Authorization` header, for the federation engine to read.
fn authorization(headers: &HeaderMap) -> Option<&[u8]> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| v.as_bytes())
}
