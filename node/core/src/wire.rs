//! The JSON shapes of the federation routes, shared by server and client.
//! SPEC.md ("Transport") documents them.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::ErrorDetail;

/// Most messages in one push.
pub const MAX_BATCH: usize = 100;
/// Largest request body accepted on federation routes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Longest a feed request may wait for news, in seconds.
pub const MAX_WAIT_SECS: u64 = 30;
/// Most messages per page of `GET /fed/v1/stream`.
pub const MAX_STREAM_PAGE: i64 = 500;

/// `POST /fed/v1/inbox`: envelopes of the requester's own stream, in order.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub messages: Vec<Box<RawValue>>,
}

/// The answer to a push, whatever its HTTP status.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    /// The hub's view of the requester's stream after this push.
    pub head: Option<Head>,
    /// Set when a message was rejected (processing stopped there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PushResult {
    pub index: usize,
    /// `accepted`, `duplicate` or `rejected`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// `GET /fed/v1/feed`: messages after the cursor, in feed order.
#[derive(Debug, Serialize, Deserialize)]
pub struct FeedResponse {
    pub messages: Vec<FeedItem>,
    /// The cursor to ask from next time.
    pub next: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FeedItem {
    pub pos: i64,
    pub envelope: Box<RawValue>,
}

/// `POST /fed/v1/join`. Its `Debug` hides the invitation code.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    pub code: String,
    /// The service's signed descriptor.
    pub descriptor: serde_json::Value,
}

impl std::fmt::Debug for JoinRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinRequest")
            .field("code", &"[redacted]")
            .field("descriptor", &self.descriptor)
            .finish()
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct JoinResponse {
    /// The hub's signed descriptor.
    pub hub: serde_json::Value,
}

/// `GET /fed/v1/state`: what the hub has of the requester's stream.
#[derive(Debug, Serialize, Deserialize)]
pub struct StateResponse {
    pub head: Option<Head>,
}

/// `GET /fed/v1/stream`: a stream as the hub holds it (the requester's own,
/// or the one `origin` names).
#[derive(Debug, Serialize, Deserialize)]
pub struct StreamResponse {
    pub messages: Vec<StreamItem>,
    /// The hub's head of that stream.
    pub head: Option<Head>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct StreamItem {
    pub seq: u64,
    pub envelope: Box<RawValue>,
}
