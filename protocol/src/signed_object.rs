//! Signed JSON objects other than envelopes: node descriptors and requests.
//!
//! The rule is the envelope's: the object carries `key` (a key id) and `sig`;
//! `sig` is Ed25519 over the canonical bytes of the object without `sig`.
//! Each kind of object has a distinct `type` member, so a signature made for
//! one purpose can never be presented as another.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::body::NodeRole;
use crate::canonical::CanonicalValue;
use crate::error::ProtocolError;
use crate::ids::NodeId;
use crate::keys::{KeyId, KeyPair, PublicKey, Signature};

/// The version of node descriptors (SPEC.md §9.2). Descriptors did not
/// change with envelope version 2, so they stay at 1.
pub const DESCRIPTOR_VERSION: i64 = 1;

/// Adds `key` and `sig` to `object` (a JSON object without them).
pub fn sign_object(
    object: CanonicalValue,
    keys: &KeyPair,
) -> Result<CanonicalValue, ProtocolError> {
    let CanonicalValue::Object(mut m) = object else {
        return Err(ProtocolError::InvalidEnvelope(
            "only objects are signed".into(),
        ));
    };
    m.insert(
        "key".into(),
        CanonicalValue::String(keys.key_id().to_string()),
    );
    m.remove("sig");
    let sig = keys.sign(&CanonicalValue::Object(m.clone()).to_canonical_bytes());
    m.insert("sig".into(), CanonicalValue::String(sig.to_string()));
    Ok(CanonicalValue::Object(m))
}

/// Verifies a signed object with `public_key`, which must be the key its `key` names.
pub fn verify_object(object: &CanonicalValue, public_key: &PublicKey) -> Result<(), ProtocolError> {
    let m = object
        .as_object()
        .ok_or_else(|| ProtocolError::InvalidEnvelope("a signed object is an object".into()))?;
    let named = m
        .get("key")
        .and_then(CanonicalValue::as_str)
        .ok_or_else(|| ProtocolError::InvalidEnvelope("missing key".into()))?;
    if named != public_key.key_id().as_str() {
        return Err(ProtocolError::UnknownKey {
            sender: m
                .get("id")
                .and_then(CanonicalValue::as_str)
                .unwrap_or("?")
                .into(),
            key_id: named.into(),
        });
    }
    let sig = Signature::parse(
        m.get("sig")
            .and_then(CanonicalValue::as_str)
            .ok_or_else(|| ProtocolError::InvalidEnvelope("missing sig".into()))?,
    )?;
    let mut unsigned = m.clone();
    unsigned.remove("sig");
    public_key.verify(&CanonicalValue::Object(unsigned).to_canonical_bytes(), &sig)
}

/// What a node publishes about itself at `/.well-known/passerelle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDescriptor {
    /// Always `passerelle.node`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The protocol version the node speaks.
    pub v: i64,
    pub id: NodeId,
    pub name: String,
    pub role: NodeRole,
    /// The current public key.
    pub public_key: PublicKey,
    /// Earlier keys, still valid for verifying old messages.
    #[serde(default)]
    pub previous_keys: Vec<PublicKey>,
    pub key: KeyId,
}

impl NodeDescriptor {
    pub const TYPE: &'static str = "passerelle.node";

    /// Builds and signs the descriptor of the node holding `keys`.
    pub fn signed(
        id: NodeId,
        name: String,
        role: NodeRole,
        previous_keys: Vec<PublicKey>,
        keys: &KeyPair,
    ) -> Result<CanonicalValue, ProtocolError> {
        let descriptor = NodeDescriptor {
            kind: Self::TYPE.into(),
            v: DESCRIPTOR_VERSION,
            id,
            name,
            role,
            public_key: keys.public_key(),
            previous_keys,
            key: keys.key_id().clone(),
        };
        sign_object(CanonicalValue::from_serialize(&descriptor)?, keys)
    }

    /// Reads a signed descriptor and checks that it is signed by the key it announces.
    pub fn verify(value: &CanonicalValue) -> Result<NodeDescriptor, ProtocolError> {
        let mut fields: BTreeMap<String, CanonicalValue> = value
            .as_object()
            .cloned()
            .ok_or_else(|| ProtocolError::InvalidEnvelope("a descriptor is an object".into()))?;
        fields.remove("sig");
        let descriptor: NodeDescriptor = CanonicalValue::Object(fields)
            .deserialize_into()
            .map_err(|e| ProtocolError::InvalidEnvelope(format!("descriptor: {e}")))?;
        if descriptor.kind != Self::TYPE {
            return Err(ProtocolError::InvalidEnvelope(
                "not a passerelle.node descriptor".into(),
            ));
        }
        if descriptor.v != DESCRIPTOR_VERSION {
            return Err(ProtocolError::UnsupportedVersion(descriptor.v.to_string()));
        }
        verify_object(value, &descriptor.public_key)?;
        Ok(descriptor)
    }
}
