//! `passerelle protocol …`: tools for people debugging a federation.
//!
//! Each tool is a function from input bytes to output bytes (or an error
//! with its protocol code), so it is tested without a terminal.

use std::path::Path;

use passerelle_protocol::canonical::{canonicalize, Limits};
use passerelle_protocol::{
    CanonicalValue, Envelope, KeyPair, NodeId, ProtocolError, PublicKey, SignedEnvelope,
};

use passerelle_core::config::write_secret_key;
use passerelle_core::error::NodeError;

/// JSON in → canonical bytes out.
pub fn canonicalize_tool(input: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    canonicalize(input, &Limits::TOOL)
}

/// Writes a new secret key to `out` (mode 0600); returns "public_key: …\nkey_id: …".
pub fn keygen_tool(out: &Path) -> Result<String, NodeError> {
    let keys = KeyPair::generate()?;
    write_secret_key(out, &keys)?;
    Ok(format!(
        "public_key: {}\nkey_id: {}\n",
        keys.public_key(),
        keys.key_id()
    ))
}

/// An unsigned envelope in → the signed envelope's canonical bytes out.
/// A missing `key` field is filled with the key's id.
pub fn sign_tool(input: &[u8], keys: &KeyPair) -> Result<Vec<u8>, ProtocolError> {
    let mut value = CanonicalValue::from_json_bytes(input, &Limits::ENVELOPE)?;
    if let CanonicalValue::Object(m) = &mut value {
        m.entry("key".into())
            .or_insert_with(|| CanonicalValue::String(keys.key_id().to_string()));
    }
    let envelope = Envelope::from_unsigned_value(value)?;
    Ok(envelope.sign(keys)?.canonical_bytes().to_vec())
}

/// A signed envelope in → `Ok` when its signature verifies with `public_key`,
/// it is addressed to `audience` (when given) and its body fits its kind.
pub fn verify_tool(
    input: &[u8],
    public_key: &str,
    audience: Option<&str>,
) -> Result<(), ProtocolError> {
    let key = PublicKey::parse(public_key.trim())?;
    let env = SignedEnvelope::parse(input)?;
    env.verify_signature(&key)?;
    if let Some(a) = audience {
        env.check_audience(&NodeId::parse(a)?)?;
    }
    env.body()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify() {
        let keys = KeyPair::from_seed(&[5; 32]);
        let unsigned = br#"{"v":1,"id":"01936b2a-7c00-7000-8000-000000000001","from":"ssm-a","to":"hub","seq":1,"prev":null,"ts":"2026-11-23T10:00:00Z","kind":"proposal.withdrawn","body":{"proposal":"01936b2a-7c00-7000-8000-000000000002","reason":null}}"#;
        let signed = sign_tool(unsigned, &keys).unwrap();
        let pk = keys.public_key().to_string();
        assert!(verify_tool(&signed, &pk, Some("hub")).is_ok());
        assert_eq!(
            verify_tool(&signed, &pk, Some("hub-b")).unwrap_err().code(),
            "wrong_audience"
        );
        let other = KeyPair::from_seed(&[6; 32]).public_key().to_string();
        assert_eq!(
            verify_tool(&signed, &other, None).unwrap_err().code(),
            "unknown_key"
        );
        let tampered = String::from_utf8(signed).unwrap().replace("ssm-a", "ssm-b");
        assert_eq!(
            verify_tool(tampered.as_bytes(), &pk, None)
                .unwrap_err()
                .code(),
            "bad_signature"
        );
        assert_eq!(
            canonicalize_tool(b"[1.5]").unwrap_err().code(),
            "not_canonical_number"
        );
    }
}
