//! The signed envelope: the only thing nodes ever trust each other with.
//!
//! An envelope names its origin (`from`), its audience (`to`), its place in
//! the origin's stream (`seq`, `prev`), a unique id, a time, and a typed body
//! (`kind`, `body`). The signature (`sig`) is Ed25519 over the canonical bytes
//! of the envelope **without** `sig`, by the key named in `key`.
//!
//! Checking an incoming envelope is a fixed sequence, each step cheap before
//! the next: [`SignedEnvelope::parse`] (size, JSON subset, structure, version)
//! → [`SignedEnvelope::verify_signature`] with the sender's pinned key →
//! [`SignedEnvelope::check_audience`] → [`SignedEnvelope::check_time`] (at a
//! hub's inbox) → stream placement
//! ([`crate::stream::place`]) → [`SignedEnvelope::body`] (known kind, valid
//! body). Nothing in this module does I/O: key lookup and storage belong to
//! the node.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::body::{Body, Kind};
use crate::canonical::{CanonicalValue, Limits};
use crate::error::ProtocolError;
use crate::ids::{Hash, NodeId, Timestamp};
use crate::keys::{KeyId, KeyPair, PublicKey, Signature};
use crate::seal::{self, Opening, Openings, SALT_BYTES};

/// The protocol version this crate writes (SPEC.md §14): envelopes whose
/// erasable fields are sealed (§5.6).
pub const PROTOCOL_VERSION: i64 = 2;

/// The versions this crate reads: version 1 envelopes stay in every
/// federation's history and are read for ever.
pub const READ_VERSIONS: [i64; 2] = [1, 2];

/// The unsigned member of a version 2 envelope that carries the openings.
pub const OPEN_MEMBER: &str = "open";

/// How far an envelope's `ts` may be ahead of the receiver's clock, in
/// seconds (SPEC.md §5.2): ten minutes, twice the request window, so a node
/// whose clock is close enough to sign requests never sees its messages
/// refused for their time.
pub const MAX_AHEAD_SECS: u64 = 600;

/// The fields of an envelope, in the order SPEC.md lists them (`open` only
/// in version 2).
pub const ENVELOPE_FIELDS: [&str; 12] = [
    "v", "id", "from", "to", "seq", "prev", "ts", "kind", "body", "key", "sig", "open",
];

/// An envelope before signing (or a signed one without its signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The protocol version (`v`): 2 for what this crate writes, 1 for old
    /// messages read back.
    pub version: i64,
    /// Message id: a UUIDv7, the receivers' deduplication key.
    pub id: Uuid,
    /// The origin node.
    pub from: NodeId,
    /// The audience: the hub whose federation this message belongs to.
    pub to: NodeId,
    /// Position in the origin's stream, from 1.
    pub seq: u64,
    /// Hash of the origin's previous signed envelope; `None` when `seq` is 1.
    pub prev: Option<Hash>,
    /// When the origin created the message.
    pub ts: Timestamp,
    /// The body's type, e.g. `proposal.shared`.
    pub kind: String,
    /// The body, a JSON object whose schema depends on `kind`.
    pub body: CanonicalValue,
    /// The id of the key that signs this envelope.
    pub key: KeyId,
    /// The openings of the body's seals still held (§5.6); not signed.
    pub openings: Openings,
}

impl Envelope {
    /// A new envelope carrying `body`, with a fresh UUIDv7, the current time
    /// and its erasable fields sealed with random salts.
    pub fn new(
        from: NodeId,
        to: NodeId,
        seq: u64,
        prev: Option<Hash>,
        body: &Body,
        key: KeyId,
    ) -> Result<Self, ProtocolError> {
        Self::with_salts(from, to, seq, prev, body, key, &mut seal::random_salt)
    }

    /// [`Envelope::new`] with the salts given by `salt` (test vectors use
    /// fixed ones; anything else must use random salts).
    pub fn with_salts(
        from: NodeId,
        to: NodeId,
        seq: u64,
        prev: Option<Hash>,
        body: &Body,
        key: KeyId,
        salt: &mut dyn FnMut() -> Result<[u8; SALT_BYTES], ProtocolError>,
    ) -> Result<Self, ProtocolError> {
        let mut value = body.to_value()?;
        let openings = seal::seal_body(body.kind_of(), &mut value, salt)?;
        Ok(Envelope {
            version: PROTOCOL_VERSION,
            id: Uuid::now_v7(),
            from,
            to,
            seq,
            prev,
            ts: Timestamp::now(),
            kind: body.kind().to_owned(),
            body: value,
            key,
            openings,
        })
    }

    /// Reads an envelope without `sig` (as a signing tool receives it).
    pub fn from_unsigned_value(value: CanonicalValue) -> Result<Self, ProtocolError> {
        let m = envelope_members(value)?;
        if m.contains_key("sig") {
            return Err(ProtocolError::InvalidEnvelope(
                "this envelope is already signed".into(),
            ));
        }
        envelope_from_members(m)
    }

    /// The envelope as a JSON object, without `sig` and without `open`:
    /// what is signed.
    pub fn to_value(&self) -> CanonicalValue {
        let mut m = BTreeMap::new();
        m.insert("v".into(), CanonicalValue::Integer(self.version));
        m.insert(
            "id".into(),
            CanonicalValue::String(self.id.hyphenated().to_string()),
        );
        m.insert("from".into(), CanonicalValue::String(self.from.to_string()));
        m.insert("to".into(), CanonicalValue::String(self.to.to_string()));
        m.insert("seq".into(), CanonicalValue::Integer(self.seq as i64));
        m.insert(
            "prev".into(),
            self.prev.as_ref().map_or(CanonicalValue::Null, |h| {
                CanonicalValue::String(h.to_string())
            }),
        );
        m.insert("ts".into(), CanonicalValue::String(self.ts.to_string()));
        m.insert("kind".into(), CanonicalValue::String(self.kind.clone()));
        m.insert("body".into(), self.body.clone());
        m.insert("key".into(), CanonicalValue::String(self.key.to_string()));
        CanonicalValue::Object(m)
    }

    /// The bytes that are signed: the canonical form of the envelope without `sig`.
    pub fn signing_bytes(&self) -> Vec<u8> {
        self.to_value().to_canonical_bytes()
    }

    /// Signs the envelope. The key must be the one named in `key`, and the
    /// signed envelope must respect the envelope limits.
    pub fn sign(self, keys: &KeyPair) -> Result<SignedEnvelope, ProtocolError> {
        if &self.key != keys.key_id() {
            return Err(ProtocolError::UnknownKey {
                sender: self.from.to_string(),
                key_id: self.key.to_string(),
            });
        }
        check_fields(&self)?;
        let sig = keys.sign(&self.signing_bytes());
        let signed = SignedEnvelope::assemble(self, sig);
        // The signed form must be readable by any receiver: same limits.
        CanonicalValue::from_json_bytes(&signed.canonical, &Limits::ENVELOPE)?;
        Ok(signed)
    }
}

/// A signed envelope, as received or as produced by [`Envelope::sign`].
///
/// Keeps its canonical bytes (with the openings it still holds) and its
/// hash (without them), which is what the next message of the stream chains
/// to: erasing an opening never changes the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEnvelope {
    envelope: Envelope,
    sig: Signature,
    canonical: Vec<u8>,
    hash: Hash,
}

impl SignedEnvelope {
    fn assemble(envelope: Envelope, sig: Signature) -> Self {
        let mut value = envelope.to_value();
        if let CanonicalValue::Object(m) = &mut value {
            m.insert("sig".into(), CanonicalValue::String(sig.to_string()));
        }
        let hash = Hash::of(&value.to_canonical_bytes());
        if let (CanonicalValue::Object(m), false) = (&mut value, envelope.openings.is_empty()) {
            m.insert(OPEN_MEMBER.into(), seal::open_member(&envelope.openings));
        }
        let canonical = value.to_canonical_bytes();
        SignedEnvelope {
            envelope,
            sig,
            canonical,
            hash,
        }
    }

    /// The same signed envelope without the openings of `seals`: what every
    /// node keeps and relays once its origin erased them (§5.6). Same hash,
    /// same signature.
    pub fn erased(&self, seals: &[Hash]) -> Self {
        let mut envelope = self.envelope.clone();
        envelope.openings.retain(|seal, _| !seals.contains(seal));
        Self::assemble(envelope, self.sig)
    }

    /// The openings this envelope still holds, by seal.
    pub fn openings(&self) -> &Openings {
        &self.envelope.openings
    }

    /// The seals of the body's erasable fields, each with its field's path
    /// (`delegates[1].label`), opened or not.
    pub fn sealed_fields(&self) -> Vec<(String, Hash)> {
        match Kind::parse(&self.envelope.kind) {
            Some(kind) => seal::sealed_fields(kind, &self.envelope.body),
            None => Vec::new(),
        }
    }

    /// Reads an envelope from untrusted bytes: size, JSON subset, limits,
    /// version, then the structure of every field. Does **not** check the
    /// signature, the audience, the stream or the body's schema.
    pub fn parse(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let value = CanonicalValue::from_json_bytes(bytes, &Limits::ENVELOPE)?;
        Self::from_value(value)
    }

    /// Builds an envelope from an already-parsed value (see [`Self::parse`]).
    pub fn from_value(value: CanonicalValue) -> Result<Self, ProtocolError> {
        let mut m = envelope_members(value)?;
        let sig = Signature::parse(&take_str(&mut m, "sig")?)?;
        let envelope = envelope_from_members(m)?;
        Ok(Self::assemble(envelope, sig))
    }

    /// Checks the signature with `public_key`, which must be the key named in
    /// the envelope's `key` field (the caller looked it up among the sender's
    /// pinned keys).
    ///
    /// Every opening must also open its seal: an opening that does not is
    /// text the origin did not sign, refused like a bad signature (§6).
    pub fn verify_signature(&self, public_key: &PublicKey) -> Result<(), ProtocolError> {
        if public_key.key_id() != self.envelope.key {
            return Err(ProtocolError::UnknownKey {
                sender: self.envelope.from.to_string(),
                key_id: self.envelope.key.to_string(),
            });
        }
        public_key.verify(&self.envelope.signing_bytes(), &self.sig)?;
        if self
            .envelope
            .openings
            .iter()
            .any(|(seal, opening)| &opening.seal() != seal)
        {
            return Err(ProtocolError::BadSignature);
        }
        Ok(())
    }

    /// Checks that the message is addressed to `audience` (the hub id of the
    /// federation the receiver belongs to).
    pub fn check_audience(&self, audience: &NodeId) -> Result<(), ProtocolError> {
        if &self.envelope.to != audience {
            return Err(ProtocolError::WrongAudience {
                got: self.envelope.to.to_string(),
                expected: audience.to_string(),
            });
        }
        Ok(())
    }

    /// Checks that `ts` is not more than `max_ahead_secs` ahead of `now`
    /// (the receiver's clock). A time in the past is never refused: messages
    /// may legitimately arrive days late.
    pub fn check_time(&self, now: Timestamp, max_ahead_secs: u64) -> Result<(), ProtocolError> {
        let ts = self.envelope.ts;
        if ts.unix() > now.unix().saturating_add_unsigned(max_ahead_secs) {
            return Err(ProtocolError::FutureTimestamp {
                ts: ts.to_string(),
                now: now.to_string(),
                max_ahead_secs,
            });
        }
        Ok(())
    }

    /// The typed body: refuses an unknown kind or a body that does not fit.
    /// Seals are opened where the opening is held; an erased field reads as
    /// [`crate::body::Text::Erased`].
    pub fn body(&self) -> Result<Body, ProtocolError> {
        let kind = Kind::parse(&self.envelope.kind)
            .ok_or_else(|| ProtocolError::UnknownKind(self.envelope.kind.clone()))?;
        seal::check_placement(kind, self.envelope.version, &self.envelope.body).map_err(
            |reason| ProtocolError::InvalidBody {
                kind: self.envelope.kind.clone(),
                reason,
            },
        )?;
        let opened = seal::open_body(&self.envelope.body, &self.envelope.openings);
        Body::from_parts(&self.envelope.kind, &opened)
    }

    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    pub fn signature(&self) -> &Signature {
        &self.sig
    }

    /// The canonical bytes of the whole signed envelope, with the openings
    /// it holds: what is stored and sent.
    pub fn canonical_bytes(&self) -> &[u8] {
        &self.canonical
    }

    /// The canonical text of the whole signed envelope, with its openings.
    pub fn canonical_string(&self) -> String {
        String::from_utf8_lossy(&self.canonical).into_owned()
    }

    /// SHA-256 of the canonical bytes of the signed envelope **without**
    /// `open`: what the next message's `prev` names.
    pub fn hash(&self) -> &Hash {
        &self.hash
    }
}

/// The members of an envelope object, after the version check.
fn envelope_members(
    value: CanonicalValue,
) -> Result<BTreeMap<String, CanonicalValue>, ProtocolError> {
    let CanonicalValue::Object(m) = value else {
        return Err(ProtocolError::InvalidEnvelope(
            "an envelope is a JSON object".into(),
        ));
    };
    let version = match m.get("v") {
        None => return Err(missing("v")),
        Some(CanonicalValue::Integer(v)) if READ_VERSIONS.contains(v) => *v,
        Some(other) => {
            return Err(ProtocolError::UnsupportedVersion(
                other.to_canonical_string(),
            ))
        }
    };
    let allowed = |k: &str| ENVELOPE_FIELDS.contains(&k) && (version >= 2 || k != OPEN_MEMBER);
    if let Some(extra) = m.keys().find(|k| !allowed(k)) {
        return Err(ProtocolError::InvalidEnvelope(format!(
            "unexpected field {extra:?}"
        )));
    }
    Ok(m)
}

/// Every field but `sig`, checked.
fn envelope_from_members(
    mut m: BTreeMap<String, CanonicalValue>,
) -> Result<Envelope, ProtocolError> {
    let version = match m.remove("v") {
        Some(CanonicalValue::Integer(v)) => v,
        _ => return Err(missing("v")),
    };
    let open = m.remove(OPEN_MEMBER);
    let id_text = take_str(&mut m, "id")?;
    let id = Uuid::parse_str(&id_text)
        .ok()
        .filter(|u| u.get_version_num() == 7 && u.hyphenated().to_string() == id_text)
        .ok_or_else(|| {
            ProtocolError::InvalidEnvelope(format!("id {id_text:?} is not a lowercase UUIDv7"))
        })?;
    let from = NodeId::parse(&take_str(&mut m, "from")?)?;
    let to = NodeId::parse(&take_str(&mut m, "to")?)?;
    let seq = match m.remove("seq") {
        Some(CanonicalValue::Integer(n)) if n >= 1 => n as u64,
        Some(_) => {
            return Err(ProtocolError::InvalidEnvelope(
                "seq must be an integer ≥ 1".into(),
            ))
        }
        None => return Err(missing("seq")),
    };
    let prev = match m.remove("prev") {
        Some(CanonicalValue::Null) => None,
        Some(CanonicalValue::String(s)) => Some(Hash::parse(&s)?),
        Some(_) => {
            return Err(ProtocolError::InvalidEnvelope(
                "prev must be a hash or null".into(),
            ))
        }
        None => return Err(missing("prev")),
    };
    let ts = Timestamp::parse(&take_str(&mut m, "ts")?)?;
    let kind = take_str(&mut m, "kind")?;
    check_kind_syntax(&kind)?;
    let body = match m.remove("body") {
        Some(b @ CanonicalValue::Object(_)) => b,
        Some(_) => {
            return Err(ProtocolError::InvalidEnvelope(
                "body must be an object".into(),
            ))
        }
        None => return Err(missing("body")),
    };
    let key = KeyId::parse(&take_str(&mut m, "key")?)
        .map_err(|e| ProtocolError::InvalidEnvelope(e.to_string()))?;
    let openings = read_openings(open, &body)?;
    let envelope = Envelope {
        version,
        id,
        from,
        to,
        seq,
        prev,
        ts,
        kind,
        body,
        key,
        openings,
    };
    check_fields(&envelope)?;
    Ok(envelope)
}

/// The `open` member: an object, not empty, each member named by a seal
/// that stands in the body and holding an opening (§5.6). Whether each
/// opening opens its seal is checked with the signature.
fn read_openings(
    open: Option<CanonicalValue>,
    body: &CanonicalValue,
) -> Result<Openings, ProtocolError> {
    let Some(open) = open else {
        return Ok(Openings::new());
    };
    let CanonicalValue::Object(members) = open else {
        return Err(ProtocolError::InvalidEnvelope(
            "open must be an object".into(),
        ));
    };
    if members.is_empty() {
        return Err(ProtocolError::InvalidEnvelope(
            "open is absent when it would be empty".into(),
        ));
    }
    let seals = seal::seals_anywhere(body)?;
    let mut openings = Openings::new();
    for (name, value) in members {
        let seal = Hash::parse(&name).map_err(|_| {
            ProtocolError::InvalidEnvelope(format!("open member {name:?} is not a seal"))
        })?;
        if !seals.contains(&seal) {
            return Err(ProtocolError::InvalidEnvelope(format!(
                "open member {name:?} opens no seal of the body"
            )));
        }
        openings.insert(seal, Opening::from_value(&value)?);
    }
    Ok(openings)
}

fn missing(field: &str) -> ProtocolError {
    ProtocolError::InvalidEnvelope(format!("missing field {field:?}"))
}

fn take_str(
    m: &mut BTreeMap<String, CanonicalValue>,
    field: &str,
) -> Result<String, ProtocolError> {
    match m.remove(field) {
        Some(CanonicalValue::String(s)) => Ok(s),
        Some(_) => Err(ProtocolError::InvalidEnvelope(format!(
            "{field} must be a string"
        ))),
        None => Err(missing(field)),
    }
}

/// `kind` is dot-separated lowercase words, e.g. `agenda_item.proposed`.
fn check_kind_syntax(kind: &str) -> Result<(), ProtocolError> {
    let word_ok = |w: &str| {
        !w.is_empty()
            && w.starts_with(|c: char| c.is_ascii_lowercase())
            && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    };
    if kind.len() > 64 || kind.split('.').count() < 2 || !kind.split('.').all(word_ok) {
        return Err(ProtocolError::InvalidEnvelope(format!(
            "kind {kind:?} is malformed"
        )));
    }
    Ok(())
}

/// Rules that bind several fields together.
fn check_fields(e: &Envelope) -> Result<(), ProtocolError> {
    if e.seq < 1 || e.seq > crate::canonical::MAX_SAFE_INTEGER as u64 {
        return Err(ProtocolError::InvalidEnvelope(
            "seq must be within 1..2^53-1".into(),
        ));
    }
    match (e.seq, &e.prev) {
        (1, Some(_)) => Err(ProtocolError::InvalidEnvelope(
            "prev must be null when seq is 1".into(),
        )),
        (n, None) if n > 1 => Err(ProtocolError::InvalidEnvelope(
            "prev must name the previous message when seq > 1".into(),
        )),
        _ => check_kind_syntax(&e.kind),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn signed_at(ts: &str) -> SignedEnvelope {
        let keys = KeyPair::from_seed(&[7; 32]);
        let body = Body::ProposalWithdrawn(crate::body::ProposalWithdrawal {
            proposal: Uuid::nil(),
            reason: None,
        });
        let mut e = Envelope::new(
            NodeId::parse("ssm-a").unwrap(),
            NodeId::parse("hub").unwrap(),
            1,
            None,
            &body,
            keys.key_id().clone(),
        )
        .unwrap();
        e.ts = Timestamp::parse(ts).unwrap();
        e.sign(&keys).unwrap()
    }

    #[test]
    fn time_ahead_is_refused_only_past_the_limit() {
        let now = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
        // Exactly 600 s ahead: accepted; one second more: refused.
        assert!(signed_at("2026-11-23T10:10:00Z")
            .check_time(now, MAX_AHEAD_SECS)
            .is_ok());
        let err = signed_at("2026-11-23T10:10:01Z")
            .check_time(now, MAX_AHEAD_SECS)
            .unwrap_err();
        assert_eq!(err.code(), "future_timestamp");
        // Old messages are never refused for their time.
        assert!(signed_at("1999-01-01T00:00:00Z")
            .check_time(now, MAX_AHEAD_SECS)
            .is_ok());
        // The far end of the calendar does not overflow.
        let last = Timestamp::parse("9999-12-31T23:59:59Z").unwrap();
        assert!(signed_at("9999-12-31T23:59:59Z")
            .check_time(last, u64::MAX)
            .is_ok());
    }
}
