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

/// Reads and checks a signed request, writing nothing. A service serves
/// none of these routes: it says so first (`not_a_hub`), before reading
/// the body or the signature (SPEC §10.1). Then the headers alone say who
/// asks (SPEC §9.3 steps 1–4: an active member, its current key, a time
/// within the window); only then is the body read — streamed, within its
/// limit and the node's budget (`budget`) — and the signature checked over
/// it (step 5). Someone who is not a member costs no body in memory.
async fn read_signed(
    req: Request,
    node: &Node,
) -> Result<(auth::Verified, Bytes, String), ApiError> {
    node.require_hub()?;
    let (parts, body) = req.into_parts();
    let target = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| target(&OriginalUri(parts.uri.clone())), target);
    let sender = auth::sender(node, authorization(&parts.headers)).await?;
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| crate::body_refusal(StatusCode::BAD_REQUEST, e.to_string()))?;
    let signed = RequestParts {
        method: parts.method.as_str(),
        target: &target,
        destination: node.id(),
        body: &body,
    };
    let verified = sender.verify(&signed)?;
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

/// A number in a federation route's query (SPEC §10.1): once decoded,
/// one or more ASCII digits (no sign, no space, no fraction) of a value at
/// most 2^53 − 1, the protocol's integer range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QueryNumber(u64);

impl<'de> Deserialize<'de> for QueryNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Some(text.as_str())
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u64>().ok())
            .filter(|n| *n <= passerelle_protocol::canonical::MAX_SAFE_INTEGER as u64)
            .map(QueryNumber)
            .ok_or_else(|| serde::de::Error::custom("not a whole number of 0 to 2^53 - 1"))
    }
}

impl QueryNumber {
    /// The value, or `default` when the parameter is absent.
    fn or(number: Option<QueryNumber>, default: u64) -> u64 {
        number.map_or(default, |n| n.0)
    }
}

#[derive(Debug, Deserialize)]
struct FeedQuery {
    after: Option<QueryNumber>,
    limit: Option<QueryNumber>,
    wait: Option<QueryNumber>,
}

/// Reads a route's query: unknown parameters are ignored; a known one
/// repeated, or whose value is not a [`QueryNumber`], is `bad_request`.
fn read_query<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, NodeError> {
    let uri = format!("/?{query}").parse().map_err(|_| bad_query())?;
    Query::<T>::try_from_uri(&uri)
        .map(|Query(v)| v)
        .map_err(|_| bad_query())
}

fn bad_query() -> NodeError {
    NodeError::refused(
        Refusal::BadRequest,
        "each of after, limit and wait, when given, must be given once, as a whole number \
         of 0 to 9007199254740991 in plain digits",
    )
}

/// `GET /fed/v1/feed?after=N&limit=L&wait=S` — what the hub has for the requester.
async fn feed(State(node): State<Node>, req: Authenticated) -> Result<Response, ApiError> {
    let q: FeedQuery = read_query(&req.query)?;
    // Both fit: they are at most 2^53 - 1.
    let after = QueryNumber::or(q.after, 0) as i64;
    let limit = QueryNumber::or(q.limit, DEFAULT_FEED_LIMIT) as i64;
    let wait = QueryNumber::or(q.wait, 0);
    Ok(Json(hub::feed(&node, &req.peer, after, limit, wait).await?).into_response())
}

/// How many feed items a request without `limit` gets.
const DEFAULT_FEED_LIMIT: u64 = 200;

/// `GET /fed/v1/state` — the hub's head of the requester's stream.
async fn state(State(node): State<Node>, req: Authenticated) -> Result<Response, ApiError> {
    Ok(Json(StateResponse {
        head: hub::state(&node, &req.peer).await?,
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
struct StreamQuery {
    after: Option<QueryNumber>,
    limit: Option<QueryNumber>,
    /// Whose stream (a node id): the requester's own when absent.
    origin: Option<String>,
}

/// `GET /fed/v1/stream?after=SEQ&limit=L&origin=ID` — a stream as the hub
/// holds it: the requester's own (to recover after a restore), or
/// `origin`'s (to fetch again a relayed message that did not verify).
async fn stream(State(node): State<Node>, req: Authenticated) -> Result<Response, ApiError> {
    let q: StreamQuery = read_query(&req.query)?;
    let after = QueryNumber::or(q.after, 0);
    let limit = q
        .limit
        .map_or(passerelle_core::fed::resync::MAX_STREAM_PAGE, |n| {
            n.0 as i64
        });
    Ok(
        Json(hub::stream(&node, &req.peer, q.origin.as_deref(), after, limit).await?)
            .into_response(),
    )
}

/// The `Authorization` header, for the federation engine to read: absent,
/// one value, or repeated (which it refuses).
fn authorization(headers: &HeaderMap) -> auth::AuthorizationHeader<'_> {
    let mut all = headers.get_all(axum::http::header::AUTHORIZATION).iter();
    match (all.next(), all.next()) {
        (None, _) => auth::AuthorizationHeader::Absent,
        (Some(one), None) => auth::AuthorizationHeader::One(one.as_bytes()),
        (Some(_), Some(_)) => auth::AuthorizationHeader::Repeated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `after`, `limit` and `wait`, each when given.
    type Feed = (Option<u64>, Option<u64>, Option<u64>);

    fn feed_query(q: &str) -> Result<Feed, &'static str> {
        read_query::<FeedQuery>(q)
            .map(|f| {
                (
                    f.after.map(|n| n.0),
                    f.limit.map(|n| n.0),
                    f.wait.map(|n| n.0),
                )
            })
            .map_err(|e| e.code())
    }

    /// SPEC §10.1: what a federation route's query may hold.
    #[test]
    fn query_parameters() {
        assert_eq!(feed_query(""), Ok((None, None, None)));
        assert_eq!(
            feed_query("after=0&limit=200&wait=25"),
            Ok((Some(0), Some(200), Some(25)))
        );
        assert_eq!(
            feed_query("wait=30&after=17"),
            Ok((Some(17), None, Some(30)))
        );
        assert_eq!(
            feed_query("after=007&limit=9007199254740991"),
            Ok((Some(7), Some(9_007_199_254_740_991), None)),
            "leading zeros; the largest value"
        );
        assert_eq!(
            feed_query("after=%31%32"),
            Ok((Some(12), None, None)),
            "percent-decoded first"
        );
        assert_eq!(
            feed_query("since=3&after=1&x&&y=a&y=b"),
            Ok((Some(1), None, None)),
            "unknown parameters and empty pieces are ignored, even repeated"
        );
        for bad in [
            "after=-1",
            "limit=-5",
            "wait=-1",
            "after=%2B1",
            "after=+1",
            "after= 1",
            "after=1.0",
            "after=1e3",
            "after=abc",
            "after=",
            "after",
            "after=0x10",
            "limit=9007199254740992",
            "wait=99999999999999999999999",
            "after=1&after=1",
            "after=1&limit=2&after=3",
        ] {
            assert_eq!(feed_query(bad), Err("bad_request"), "{bad}");
        }
        assert_eq!(
            feed_query("After=x&LIMIT=-1&after=2"),
            Ok((Some(2), None, None)),
            "names are case-sensitive: these are unknown"
        );
        let stream = |q: &str| read_query::<StreamQuery>(q).map(|s| (s.after, s.limit));
        assert!(
            stream("after=3&limit=500&wait=x").is_ok(),
            "wait is not stream's"
        );
        assert!(stream("after=-3").is_err());
    }
}
