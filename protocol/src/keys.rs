//! Ed25519 keys, their text forms, and the identifiers derived from them.
//!
//! A key is named by a **key id derived from the public key** (never a reused
//! label), so a rotated key can never be confused with the one it replaces.
//! Secret keys travel only as PKCS#8 PEM (readable by `openssl pkey`), and
//! their `Debug` output never shows the secret.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ProtocolError;

/// Prefix of every key id: the algorithm.
pub const KEY_ID_PREFIX: &str = "ed25519:";

/// base64url without padding, as used for every binary value in the protocol.
pub fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url-without-padding decoding (no padding, no stray bits).
pub fn b64_decode(text: &str) -> Result<Vec<u8>, ProtocolError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| ProtocolError::InvalidKey(format!("not base64url without padding: {e}")))
}

/// An Ed25519 public key. Text form: the 32 raw bytes in base64url, no padding.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let bytes: [u8; 32] = b64_decode(text)?
            .try_into()
            .map_err(|_| ProtocolError::InvalidKey("a public key is 32 bytes".into()))?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| ProtocolError::InvalidKey("not an Ed25519 point".into()))
    }

    /// The 32 raw bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The key id: `ed25519:` + base64url(first 15 bytes of SHA-256(raw key)).
    pub fn key_id(&self) -> KeyId {
        let digest = Sha256::digest(self.0.as_bytes());
        KeyId(format!("{KEY_ID_PREFIX}{}", b64_encode(&digest[..15])))
    }

    /// Verifies an Ed25519 signature (RFC 8032, strict: rejects malleable and
    /// small-order forms).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), ProtocolError> {
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.0
            .verify_strict(message, &sig)
            .map_err(|_| ProtocolError::BadSignature)
    }

    /// The underlying key, for batch verification.
    pub fn as_dalek(&self) -> &VerifyingKey {
        &self.0
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&b64_encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PublicKey::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A key id, e.g. `ed25519:Zm9vYmFyYmF6cXV4cXV1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct KeyId(String);

impl KeyId {
    /// Parses and checks the form (prefix + 20 base64url characters).
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let rest = text
            .strip_prefix(KEY_ID_PREFIX)
            .ok_or_else(|| ProtocolError::InvalidKey(format!("key id {text:?} lacks ed25519:")))?;
        if rest.len() != 20 || b64_decode(rest).is_err() {
            return Err(ProtocolError::InvalidKey(format!(
                "malformed key id {text:?}"
            )));
        }
        Ok(KeyId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        KeyId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 signature. Text form: 64 bytes in base64url, no padding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; 64]);

impl Signature {
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let bytes: [u8; 64] = b64_decode(text)
            .map_err(|_| ProtocolError::InvalidEnvelope("sig is not base64url".into()))?
            .try_into()
            .map_err(|_| ProtocolError::InvalidEnvelope("sig is not 64 bytes".into()))?;
        Ok(Signature(bytes))
    }

    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&b64_encode(&self.0))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

/// A node's signing key. Its `Debug` output never shows the secret.
pub struct KeyPair {
    signing: SigningKey,
    key_id: KeyId,
}

impl KeyPair {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<Self, ProtocolError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed)
            .map_err(|e| ProtocolError::InvalidKey(format!("no randomness available: {e}")))?;
        Ok(Self::from_seed(&seed))
    }

    /// The key whose RFC 8032 secret seed is `seed` (test vectors use this).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(seed);
        let key_id = PublicKey(signing.verifying_key()).key_id();
        KeyPair { signing, key_id }
    }

    /// Reads a PKCS#8 PEM secret key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, ProtocolError> {
        let signing = SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| ProtocolError::InvalidKey(format!("not a PKCS#8 Ed25519 key: {e}")))?;
        let key_id = PublicKey(signing.verifying_key()).key_id();
        Ok(KeyPair { signing, key_id })
    }

    /// Writes the secret key as PKCS#8 PEM. The caller must store it privately.
    ///
    /// The form is RFC 8410's `OneAsymmetricKey` version 1 (no embedded
    /// public key), which is what `openssl genpkey -algorithm ed25519`
    /// writes and what every OpenSSL 3 reads with `openssl pkey`.
    pub fn to_pkcs8_pem(&self) -> Result<String, ProtocolError> {
        use base64::engine::general_purpose::STANDARD;
        // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }
        const PREFIX: [u8; 16] = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        let mut der = zeroize::Zeroizing::new(Vec::with_capacity(48));
        der.extend_from_slice(&PREFIX);
        der.extend_from_slice(&self.signing.to_bytes());
        let body = zeroize::Zeroizing::new(STANDARD.encode(der.as_slice()));
        Ok(format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            body.as_str()
        ))
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// Signs raw bytes.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.signing.sign(message).to_bytes())
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("key_id", &self.key_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let pair = KeyPair::from_seed(&[7u8; 32]);
        let pem = pair.to_pkcs8_pem().unwrap();
        let debug = format!("{pair:?}");
        assert!(debug.contains("<redacted>"));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!debug.contains(&body));
        assert!(!debug.contains(&b64_encode(&[7u8; 32])));
    }

    #[test]
    fn pem_round_trip_keeps_the_key() {
        let pair = KeyPair::generate().unwrap();
        let pem = pair.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = KeyPair::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(back.public_key(), pair.public_key());
        assert_eq!(
            KeyPair::from_pkcs8_pem("not a key").unwrap_err().code(),
            "invalid_key"
        );
    }

    #[test]
    fn pem_is_rfc8410_as_openssl_writes_it() {
        // RFC 8410 §10.3's example private key.
        let rfc = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
        let pair = KeyPair::from_pkcs8_pem(rfc).unwrap();
        assert_eq!(pair.to_pkcs8_pem().unwrap(), rfc);
        // The form with an embedded public key (PKCS#8 v2) is still read.
        let v2 = "-----BEGIN PRIVATE KEY-----\nMFECAQEwBQYDK2VwBCIEIEa1xtUEcEF6ZlFKgdgaKpC1wepFbwr2W0/rMs3e5ju2\ngSEA2Q2UqztUFx3H8xHCkpkCq0XuC1tQM4vmAYZvVVQ3rvo=\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            KeyPair::from_pkcs8_pem(v2)
                .unwrap()
                .public_key()
                .to_string(),
            "2Q2UqztUFx3H8xHCkpkCq0XuC1tQM4vmAYZvVVQ3rvo"
        );
    }

    #[test]
    fn key_id_is_derived_and_checked() {
        let a = KeyPair::from_seed(&[1u8; 32]);
        let b = KeyPair::from_seed(&[2u8; 32]);
        assert_ne!(a.key_id(), b.key_id());
        assert_eq!(KeyId::parse(a.key_id().as_str()).unwrap(), *a.key_id());
        assert!(KeyId::parse("ed25519:1").is_err());
        assert!(KeyId::parse("rsa:AAAAAAAAAAAAAAAAAAAA").is_err());
    }

    #[test]
    fn public_key_text_is_strict() {
        let pk = KeyPair::from_seed(&[3u8; 32]).public_key();
        assert_eq!(PublicKey::parse(&pk.to_string()).unwrap(), pk);
        assert!(PublicKey::parse(&format!("{pk}=")).is_err());
        assert!(PublicKey::parse("AAAA").is_err());
    }

    #[test]
    fn sign_and_verify_raw() {
        let pair = KeyPair::from_seed(&[4u8; 32]);
        let sig = pair.sign(b"hello");
        assert!(pair.public_key().verify(b"hello", &sig).is_ok());
        assert_eq!(
            pair.public_key().verify(b"hellO", &sig).unwrap_err(),
            ProtocolError::BadSignature
        );
    }
}
