//! Signed HTTP requests from a service to its hub.
//!
//! Outgoing requests are bounded: connection and total timeouts, no
//! redirects (a redirect would change the signed target), and a cap on the
//! size of what we read back.

use std::time::Duration;

use passerelle_protocol::signed_object::NodeDescriptor;
use passerelle_protocol::{
    CanonicalValue, Limits, NodeId, RequestParts, RequestSignature, Timestamp,
};
use reqwest::Method;

use crate::error::{NodeError, RemoteFailure};
use crate::node::Node;
use crate::wire::{FeedResponse, Head, PushResponse, StateResponse, StreamResponse};
use reqwest::StatusCode;

/// Largest answer we read from a peer.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// The HTTP client all federation requests use.
pub fn http_client() -> Result<reqwest::Client, NodeError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(70))
        .user_agent(concat!("passerelle/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NodeError::remote(format!("cannot build the HTTP client: {e}")))
}

fn remote(e: impl std::fmt::Display) -> NodeError {
    NodeError::remote(e.to_string())
}

async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, NodeError> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(remote)? {
        if out.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(NodeError::remote("the answer is too large"));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Fetches and verifies a node's descriptor from `base_url`.
pub async fn fetch_descriptor(
    http: &reqwest::Client,
    base_url: &str,
) -> Result<NodeDescriptor, NodeError> {
    let url = format!("{}/.well-known/passerelle", base_url.trim_end_matches('/'));
    let resp = http.get(&url).send().await.map_err(|e| {
        NodeError::remote_failure(
            RemoteFailure::Unreachable,
            format!("cannot reach {url}: {e}"),
        )
    })?;
    if !resp.status().is_success() {
        return Err(NodeError::remote(format!(
            "{url} answered {}",
            resp.status()
        )));
    }
    let body = read_capped(resp).await?;
    Ok(NodeDescriptor::verify(&CanonicalValue::from_json_bytes(
        &body,
        &Limits::ENVELOPE,
    )?)?)
}

/// A service's connection to its hub.
#[derive(Clone, Debug)]
pub struct HubClient {
    node: Node,
    http: reqwest::Client,
    base_url: String,
    hub_id: NodeId,
}

impl HubClient {
    pub fn new(node: Node, base_url: &str, hub_id: NodeId) -> Result<Self, NodeError> {
        Ok(HubClient {
            node,
            http: http_client()?,
            base_url: base_url.trim_end_matches('/').to_owned(),
            hub_id,
        })
    }

    /// The hub's node id: the audience of every message we accept.
    pub fn hub_id(&self) -> &NodeId {
        &self.hub_id
    }

    /// Sends a signed request; returns the status and body.
    pub async fn send(
        &self,
        method: Method,
        target: &str,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Vec<u8>), NodeError> {
        let answer = self.request(method, target, body).await?;
        Ok((answer.status, answer.body))
    }

    /// Sends a signed request; returns the hub's whole answer.
    pub async fn request(
        &self,
        method: Method,
        target: &str,
        body: Vec<u8>,
    ) -> Result<Answer, NodeError> {
        let signer = crate::rotation::request_signer(&self.node, self.hub_id.as_str()).await?;
        let answer = exchange(
            &self.http,
            &self.node,
            signer,
            &self.base_url,
            &self.hub_id,
            method.clone(),
            target,
            body.clone(),
        )
        .await?;
        // The hub already holds our rotation (its answer to the push that
        // carried it was lost): the new key is the one it accepts now.
        let retired = answer.status == StatusCode::UNAUTHORIZED
            && serde_json::from_slice::<crate::error::ErrorBody>(&answer.body)
                .is_ok_and(|b| b.error.code == "key_retired");
        if retired && signer.key_id() != self.node.keys.key_id() {
            return exchange(
                &self.http,
                &self.node,
                &self.node.keys,
                &self.base_url,
                &self.hub_id,
                method,
                target,
                body,
            )
            .await;
        }
        Ok(answer)
    }

    /// Pushes envelopes (their canonical text) of our own stream.
    pub async fn push(
        &self,
        envelopes: &[String],
    ) -> Result<(StatusCode, PushResponse), NodeError> {
        let body = format!("{{\"messages\":[{}]}}", envelopes.join(","));
        let answer = self
            .request(Method::POST, "/fed/v1/inbox", body.into_bytes())
            .await?;
        if let Ok(parsed) = serde_json::from_slice::<PushResponse>(&answer.body) {
            return Ok((answer.status, parsed));
        }
        // Refused before any message was looked at (authentication,
        // membership, the hub's storage, the member's quota).
        Err(refusal(&answer))
    }

    /// Pulls the feed after `after`, waiting up to `wait` seconds for news.
    pub async fn pull(&self, after: i64, wait: u64) -> Result<FeedResponse, NodeError> {
        let target = format!("/fed/v1/feed?after={after}&limit=200&wait={wait}");
        let answer = self.request(Method::GET, &target, Vec::new()).await?;
        if !answer.status.is_success() {
            return Err(refusal(&answer));
        }
        serde_json::from_slice(&answer.body)
            .map_err(|e| NodeError::remote(format!("unreadable feed: {e}")))
    }

    /// A page of a stream as the hub holds it, after `after`: ours, or
    /// `origin`'s (SPEC §10.9).
    pub async fn stream(
        &self,
        origin: Option<&str>,
        after: u64,
    ) -> Result<StreamResponse, NodeError> {
        let mut target = format!(
            "/fed/v1/stream?after={after}&limit={}",
            crate::wire::MAX_STREAM_PAGE
        );
        if let Some(origin) = origin {
            target.push_str("&origin=");
            target.push_str(NodeId::parse(origin)?.as_str());
        }
        let answer = self.request(Method::GET, &target, Vec::new()).await?;
        if !answer.status.is_success() {
            return Err(refusal(&answer));
        }
        serde_json::from_slice(&answer.body)
            .map_err(|e| NodeError::remote(format!("unreadable stream: {e}")))
    }

    /// What the hub has of our stream.
    pub async fn state(&self) -> Result<Option<Head>, NodeError> {
        let answer = self
            .request(Method::GET, "/fed/v1/state", Vec::new())
            .await?;
        if !answer.status.is_success() {
            return Err(refusal(&answer));
        }
        let parsed: StateResponse = serde_json::from_slice(&answer.body)
            .map_err(|e| NodeError::remote(format!("unreadable state: {e}")))?;
        Ok(parsed.head)
    }
}

/// Signs (with `signer`, one of `node`'s keys) and sends one request to
/// `destination` at `base_url`.
#[allow(clippy::too_many_arguments)]
pub async fn send_signed(
    http: &reqwest::Client,
    node: &Node,
    signer: &passerelle_protocol::KeyPair,
    base_url: &str,
    destination: &NodeId,
    method: Method,
    target: &str,
    body: Vec<u8>,
) -> Result<(StatusCode, Vec<u8>), NodeError> {
    let answer = exchange(
        http,
        node,
        signer,
        base_url,
        destination,
        method,
        target,
        body,
    )
    .await?;
    Ok((answer.status, answer.body))
}

/// What a peer answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
    /// Its `Retry-After`, when it gave one in seconds (the hub's form,
    /// SPEC §10.7; an HTTP date is not read).
    pub retry_after: Option<Duration>,
}

/// The wait a `Retry-After` header asks for, in seconds.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// [`send_signed`], with the whole answer.
#[allow(clippy::too_many_arguments)]
async fn exchange(
    http: &reqwest::Client,
    node: &Node,
    signer: &passerelle_protocol::KeyPair,
    base_url: &str,
    destination: &NodeId,
    method: Method,
    target: &str,
    body: Vec<u8>,
) -> Result<Answer, NodeError> {
    let parts = RequestParts {
        method: method.as_str(),
        target,
        destination,
        body: &body,
    };
    let sig = RequestSignature::sign(
        &parts,
        node.id(),
        signer,
        Timestamp::now(),
        passerelle_protocol::request::new_nonce()?,
    );
    let url = format!("{}{target}", base_url.trim_end_matches('/'));
    let resp = http
        .request(method, &url)
        .header(reqwest::header::AUTHORIZATION, sig.to_header())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            NodeError::remote_failure(
                RemoteFailure::Unreachable,
                format!("cannot reach the hub: {e}"),
            )
        })?;
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let retry_after = retry_after(resp.headers());
    Ok(Answer {
        status,
        body: read_capped(resp).await?,
        retry_after,
    })
}

/// An answer that is not what we asked for, as an error that ends with the
/// hub's machine code in brackets when it gave one (`passerelle status`
/// turns the code into words).
///
/// An answer that is not the hub's own (no error body) with 502, 503 or
/// 504 is a proxy in front of a hub that is away: the hub is unreachable.
/// The answer's `Retry-After` goes with the error (SPEC §10.7).
fn refusal(answer: &Answer) -> NodeError {
    let (status, bytes) = (answer.status, &answer.body);
    let error = match serde_json::from_slice::<crate::error::ErrorBody>(bytes) {
        Ok(e) => NodeError::remote_failure(
            RemoteFailure::Refused(e.error.code.clone()),
            format!(
                "the hub refused ({status}): {} [{}]",
                e.error.message, e.error.code
            ),
        ),
        Err(_) if proxy_without_hub(status) => NodeError::remote_failure(
            RemoteFailure::Unreachable,
            format!(
                "cannot reach the hub: its address answered {status} with: {}",
                excerpt(bytes)
            ),
        ),
        Err(_) => NodeError::remote(format!(
            "the hub answered {status} with: {}",
            excerpt(bytes)
        )),
    };
    error.with_retry_after(answer.retry_after)
}

/// The statuses a reverse proxy answers when what is behind it is away.
fn proxy_without_hub(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    )
}

/// The first 300 characters of an answer, for error messages.
pub fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str, retry_after: Option<&str>) -> Answer {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert(
                reqwest::header::RETRY_AFTER,
                reqwest::header::HeaderValue::from_str(value).unwrap(),
            );
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.as_bytes().to_vec(),
            retry_after: super::retry_after(&headers),
        }
    }

    #[test]
    fn the_hubs_retry_after_goes_with_its_refusal() {
        let quota = r#"{"error":{"code":"quota_exceeded","message":"trop"}}"#;
        let e = refusal(&answer(429, quota, Some("30")));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        assert!(!e.hub_away(), "the hub answered");
        assert!(matches!(
            e,
            NodeError::Remote { failure: RemoteFailure::Refused(ref code), .. } if code == "quota_exceeded"
        ));
        // Seconds only; anything else is as if absent.
        let e = refusal(&answer(503, quota, Some("Wed, 21 Oct 2026 07:28:00 GMT")));
        assert_eq!(e.retry_after(), None);
        assert_eq!(
            refusal(&answer(503, quota, Some(" 2 "))).retry_after(),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn a_proxy_without_its_hub_is_a_hub_away() {
        for status in [502, 503, 504] {
            let e = refusal(&answer(status, "<html>Bad Gateway</html>", None));
            assert!(e.hub_away(), "{status}");
        }
        // Not the hub's error body, but not a proxy's "away" either.
        let e = refusal(&answer(500, "<html>oops</html>", None));
        assert!(!e.hub_away());
        let e = refusal(&answer(404, "", None));
        assert!(!e.hub_away());
    }
}
