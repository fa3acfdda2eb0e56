//! Building hostile federation input: envelopes signed exactly as a real
//! node signs them (or deliberately not), signed request headers, and the
//! small text surgery that turns a valid envelope into an invalid one.
//! Used by `tests/tests/hostile/`, which send them to real nodes.

use std::collections::BTreeMap;

use passerelle_protocol::body::{Origin, ProposalStatus, SharedProposal, Theme};
use passerelle_protocol::request::request_signing_object;
use passerelle_protocol::{
    Body, CanonicalValue, Envelope, Hash, KeyPair, NodeId, RequestParts, RequestSignature,
    Timestamp,
};
use uuid::Uuid;

/// A `proposal.shared` body with a fresh proposal id.
pub fn proposal_body(title: &str) -> Body {
    Body::ProposalShared(SharedProposal {
        proposal: Uuid::now_v7(),
        title: title.into(),
        description: format!("Texte de « {title} »").into(),
        theme: Theme::Reception,
        tags: vec!["accueil".into()],
        origin: Origin::Committee,
        status: ProposalStatus::Idea,
        answer: None,
    })
}

/// An unsigned envelope from `from` (signed by `keys`) to `to`.
pub fn envelope(
    keys: &KeyPair,
    from: &str,
    to: &str,
    seq: u64,
    prev: Option<Hash>,
    body: &Body,
) -> Envelope {
    let mut e = Envelope::new(
        NodeId::parse(from).expect("node id"),
        NodeId::parse(to).expect("node id"),
        seq,
        prev,
        body,
        keys.key_id().clone(),
    )
    .expect("envelope");
    e.ts = Timestamp::now();
    e
}

/// The members of an envelope without `sig` (with `open` when it has
/// openings), to alter before signing.
pub fn members(envelope: &Envelope) -> BTreeMap<String, CanonicalValue> {
    let mut m = envelope
        .to_value()
        .as_object()
        .expect("an envelope is an object")
        .clone();
    if !envelope.openings.is_empty() {
        m.insert(
            "open".into(),
            passerelle_protocol::seal::open_member(&envelope.openings),
        );
    }
    m
}

/// Signs arbitrary members as an envelope is signed (Ed25519 over the
/// canonical bytes without `sig` and `open`) but without any of
/// `Envelope::sign`'s checks: a correctly signed envelope that must still
/// be refused.
pub fn sign_members(mut m: BTreeMap<String, CanonicalValue>, keys: &KeyPair) -> String {
    m.remove("sig");
    let open = m.remove("open");
    let sig = keys.sign(&CanonicalValue::Object(m.clone()).to_canonical_bytes());
    m.insert("sig".into(), CanonicalValue::String(sig.to_string()));
    if let Some(open) = open {
        m.insert("open".into(), open);
    }
    CanonicalValue::Object(m).to_canonical_string()
}

/// Sets member `name` of the body in envelope members `m`; an opening
/// whose seal that removes from the body goes too (it would open nothing).
pub fn set_body_member(
    m: &mut BTreeMap<String, CanonicalValue>,
    name: &str,
    value: CanonicalValue,
) {
    let mut body = m["body"].as_object().expect("a body object").clone();
    body.insert(name.into(), value);
    let body = CanonicalValue::Object(body);
    let seals = passerelle_protocol::seal::seals_anywhere(&body).unwrap_or_default();
    if let Some(CanonicalValue::Object(open)) = m.get_mut("open") {
        open.retain(|seal, _| seals.iter().any(|s| s.as_str() == seal));
        if open.is_empty() {
            m.remove("open");
        }
    }
    m.insert("body".into(), body);
}

/// A text value.
pub fn text(s: &str) -> CanonicalValue {
    CanonicalValue::String(s.to_owned())
}

/// `value` wrapped in `depth` arrays.
pub fn nested(depth: usize) -> CanonicalValue {
    let mut value = CanonicalValue::Integer(1);
    for _ in 0..depth {
        value = CanonicalValue::Array(vec![value]);
    }
    value
}

/// Replaces the only occurrence of `from` in `text`.
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur once in {text}"
    );
    text.replacen(from, to, 1)
}

/// `{"messages":[…]}` with the envelopes embedded as they are.
pub fn push_body(envelopes: &[&str]) -> Vec<u8> {
    format!("{{\"messages\":[{}]}}", envelopes.join(",")).into_bytes()
}

/// The `Authorization` header a node writes for this request.
pub fn auth_header(
    keys: &KeyPair,
    origin: &str,
    method: &str,
    target: &str,
    destination: &str,
    body: &[u8],
    time: Timestamp,
) -> String {
    let destination = NodeId::parse(destination).expect("node id");
    let parts = RequestParts {
        method,
        target,
        destination: &destination,
        body,
    };
    RequestSignature::sign(
        &parts,
        &NodeId::parse(origin).expect("node id"),
        keys,
        time,
        passerelle_protocol::request::new_nonce().expect("nonce"),
    )
    .to_header()
}

/// A header that names `named`'s key id but whose signature was made by `signer`.
pub fn auth_header_signed_by_another_key(
    named: &KeyPair,
    signer: &KeyPair,
    origin: &str,
    method: &str,
    target: &str,
    destination: &str,
    body: &[u8],
) -> String {
    let destination = NodeId::parse(destination).expect("node id");
    let origin = NodeId::parse(origin).expect("node id");
    let parts = RequestParts {
        method,
        target,
        destination: &destination,
        body,
    };
    let time = Timestamp::now();
    let nonce = passerelle_protocol::request::new_nonce().expect("nonce");
    let object = request_signing_object(&parts, &origin, named.key_id(), time, &nonce);
    RequestSignature {
        origin,
        key: named.key_id().clone(),
        time,
        nonce,
        sig: signer.sign(&object.to_canonical_bytes()),
    }
    .to_header()
}
