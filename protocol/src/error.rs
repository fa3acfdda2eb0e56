//! The protocol's one error type.
//!
//! Every error carries a stable machine code (`ProtocolError::code`) that
//! nodes put in HTTP answers and that `SPEC.md` documents. The codes are a
//! public contract: never rename one, only add.

use thiserror::Error;

/// Everything that can be wrong with protocol data, with a sentence for people
/// and a stable code for machines.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// Not JSON at all, or not UTF-8, or a lone surrogate in a string.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The same key appears twice in one object.
    #[error("duplicate object key {0:?}")]
    DuplicateKey(String),
    /// A float, an exponent, `-0`, or an integer outside ±(2^53−1).
    #[error("number outside the canonical subset (integers within ±(2^53−1) only): {0}")]
    NotCanonicalNumber(String),
    /// The envelope (or batch) is larger than the limit.
    #[error("too large: {size} bytes, the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    /// Arrays and objects nested deeper than the limit.
    #[error("nested deeper than {limit} levels")]
    TooDeep { limit: usize },
    /// A string (or object key) longer than the limit, in UTF-8 bytes.
    #[error("a string is {len} bytes long, the limit is {limit}")]
    StringTooLong { len: usize, limit: usize },
    /// A required envelope field is missing, has the wrong type or format,
    /// or an unexpected top-level field is present.
    #[error("invalid envelope: {0}")]
    InvalidEnvelope(String),
    /// The envelope's `v` is not a version this implementation speaks.
    #[error("unsupported protocol version {0}")]
    UnsupportedVersion(String),
    /// The envelope's `kind` is not one this implementation knows.
    #[error("unknown message kind {0:?}")]
    UnknownKind(String),
    /// The body does not match the schema of its kind.
    #[error("invalid body for kind {kind:?}: {reason}")]
    InvalidBody { kind: String, reason: String },
    /// The signature does not verify with the named key.
    #[error("the signature does not verify")]
    BadSignature,
    /// The envelope names a key that is not among the sender's known keys.
    #[error("unknown key {key_id:?} for sender {sender:?}")]
    UnknownKey { sender: String, key_id: String },
    /// The key was the sender's, but a rotation retired it: it signs
    /// nothing after message `last_seq` of the sender's stream, and no request.
    #[error("key {key_id:?} of {sender:?} was replaced by a rotation: it signs nothing after message {last_seq}")]
    KeyRetired {
        sender: String,
        key_id: String,
        last_seq: u64,
    },
    /// The key was declared compromised: it signs nothing from message
    /// `from_seq` of the sender's stream on, and no request.
    #[error("key {key_id:?} of {sender:?} was revoked as compromised: it signs nothing from message {from_seq} on")]
    KeyRevoked {
        sender: String,
        key_id: String,
        from_seq: u64,
    },
    /// The envelope is addressed to another audience.
    #[error("message addressed to {got:?}, this node accepts {expected:?}")]
    WrongAudience { got: String, expected: String },
    /// A key, key id, signature or hash is not well formed.
    #[error("invalid key material: {0}")]
    InvalidKey(String),
    /// The message skips sequence numbers: the receiver expected another one.
    #[error("gap in the sender's stream: expected sequence {expected}, got {got}")]
    Gap { expected: u64, got: u64 },
    /// The message's `prev` does not match the hash of the previous message.
    #[error("fork: message {seq} does not follow the history already received")]
    Fork { seq: u64 },
    /// A message with a sequence number already received, but other content.
    #[error("equivocation: another message with sequence {seq} was already received")]
    Equivocation { seq: u64 },
    /// A signed request's time is outside the accepted window.
    #[error("request time {time} is outside the accepted window of {window_secs} s")]
    RequestExpired { time: String, window_secs: u64 },
    /// A malformed `Authorization: Passerelle …` header.
    #[error("invalid request signature header: {0}")]
    InvalidRequestSignature(String),
    /// The envelope's `ts` is further ahead of the receiver's clock than
    /// allowed. Not permanent: the same message is accepted once the
    /// receiver's clock has caught up.
    #[error(
        "message time {ts} is more than {max_ahead_secs} s ahead of this node's clock ({now})"
    )]
    FutureTimestamp {
        ts: String,
        now: String,
        max_ahead_secs: u64,
    },
}

impl ProtocolError {
    /// The stable machine code, as documented in `SPEC.md`.
    pub fn code(&self) -> &'static str {
        match self {
            ProtocolError::MalformedJson(_) => "malformed_json",
            ProtocolError::DuplicateKey(_) => "duplicate_key",
            ProtocolError::NotCanonicalNumber(_) => "not_canonical_number",
            ProtocolError::TooLarge { .. } => "too_large",
            ProtocolError::TooDeep { .. } => "too_deep",
            ProtocolError::StringTooLong { .. } => "string_too_long",
            ProtocolError::InvalidEnvelope(_) => "invalid_envelope",
            ProtocolError::UnsupportedVersion(_) => "unsupported_version",
            ProtocolError::UnknownKind(_) => "unknown_kind",
            ProtocolError::InvalidBody { .. } => "invalid_body",
            ProtocolError::BadSignature => "bad_signature",
            ProtocolError::UnknownKey { .. } => "unknown_key",
            ProtocolError::KeyRetired { .. } => "key_retired",
            ProtocolError::KeyRevoked { .. } => "key_revoked",
            ProtocolError::WrongAudience { .. } => "wrong_audience",
            ProtocolError::InvalidKey(_) => "invalid_key",
            ProtocolError::Gap { .. } => "gap",
            ProtocolError::Fork { .. } => "fork",
            ProtocolError::Equivocation { .. } => "equivocation",
            ProtocolError::RequestExpired { .. } => "request_expired",
            ProtocolError::InvalidRequestSignature(_) => "invalid_request_signature",
            ProtocolError::FutureTimestamp { .. } => "future_timestamp",
        }
    }

    /// All codes, for documentation checks.
    pub const ALL_CODES: &'static [&'static str] = &[
        "malformed_json",
        "duplicate_key",
        "not_canonical_number",
        "too_large",
        "too_deep",
        "string_too_long",
        "invalid_envelope",
        "unsupported_version",
        "unknown_kind",
        "invalid_body",
        "bad_signature",
        "unknown_key",
        "key_retired",
        "key_revoked",
        "wrong_audience",
        "invalid_key",
        "gap",
        "fork",
        "equivocation",
        "request_expired",
        "invalid_request_signature",
        "future_timestamp",
    ];
}
