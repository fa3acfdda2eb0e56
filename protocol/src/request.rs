//! Signed HTTP requests between nodes.
//!
//! Each envelope is signed by its origin, but a request also needs its own
//! signature: it proves which node is asking (to pull its feed, to push a
//! batch), binds the request to one destination, method, path and body, and
//! expires, so that a captured request cannot be replayed elsewhere or later.
//!
//! The node sends `Authorization: Passerelle origin="…",key="…",time="…",nonce="…",sig="…"`;
//! `sig` is Ed25519 over the canonical bytes of the object built by
//! [`request_signing_object`].

use std::collections::BTreeMap;

use crate::canonical::CanonicalValue;
use crate::error::ProtocolError;
use crate::ids::{Hash, NodeId, Timestamp};
use crate::keys::{KeyId, KeyPair, PublicKey, Signature};

/// The authentication scheme name in the `Authorization` header.
pub const SCHEME: &str = "Passerelle";

/// The parts of a request that are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestParts<'a> {
    /// Upper-case HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// Path and query exactly as sent, e.g. `/fed/v1/feed?after=12`.
    pub target: &'a str,
    /// The node the request is addressed to.
    pub destination: &'a NodeId,
    /// The request body (empty for GET).
    pub body: &'a [u8],
}

/// The `Authorization` header's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSignature {
    pub origin: NodeId,
    pub key: KeyId,
    pub time: Timestamp,
    /// 16 random bytes (base64url): two identical requests in the same
    /// second still get different signatures, so replay detection never
    /// refuses a legitimate retry.
    pub nonce: String,
    pub sig: Signature,
}

/// A fresh nonce: 16 random bytes in base64url.
pub fn new_nonce() -> Result<String, ProtocolError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| ProtocolError::InvalidKey(format!("no randomness available: {e}")))?;
    Ok(crate::keys::b64_encode(&bytes))
}

fn check_nonce(nonce: &str) -> Result<(), ProtocolError> {
    match crate::keys::b64_decode(nonce) {
        Ok(bytes) if bytes.len() == 16 => Ok(()),
        _ => Err(ProtocolError::InvalidRequestSignature(
            "nonce must be 16 bytes in base64url".into(),
        )),
    }
}

/// The object whose canonical bytes a request signature covers.
pub fn request_signing_object(
    parts: &RequestParts<'_>,
    origin: &NodeId,
    key: &KeyId,
    time: Timestamp,
    nonce: &str,
) -> CanonicalValue {
    let s = |v: String| CanonicalValue::String(v);
    let mut m = BTreeMap::new();
    m.insert("type".into(), s("passerelle.request".into()));
    m.insert("method".into(), s(parts.method.to_owned()));
    m.insert("target".into(), s(parts.target.to_owned()));
    m.insert("origin".into(), s(origin.to_string()));
    m.insert("destination".into(), s(parts.destination.to_string()));
    m.insert("time".into(), s(time.to_string()));
    m.insert("nonce".into(), s(nonce.to_owned()));
    m.insert("body".into(), s(Hash::of(parts.body).to_string()));
    m.insert("key".into(), s(key.to_string()));
    CanonicalValue::Object(m)
}

impl RequestSignature {
    /// Signs a request as `origin` at `time` with `nonce` (see [`new_nonce`]).
    pub fn sign(
        parts: &RequestParts<'_>,
        origin: &NodeId,
        keys: &KeyPair,
        time: Timestamp,
        nonce: String,
    ) -> Self {
        let bytes =
            request_signing_object(parts, origin, keys.key_id(), time, &nonce).to_canonical_bytes();
        RequestSignature {
            origin: origin.clone(),
            key: keys.key_id().clone(),
            time,
            nonce,
            sig: keys.sign(&bytes),
        }
    }

    /// Verifies the signature over `parts` with the origin's pinned key.
    pub fn verify(
        &self,
        parts: &RequestParts<'_>,
        public_key: &PublicKey,
    ) -> Result<(), ProtocolError> {
        if public_key.key_id() != self.key {
            return Err(ProtocolError::UnknownKey {
                sender: self.origin.to_string(),
                key_id: self.key.to_string(),
            });
        }
        let bytes = request_signing_object(parts, &self.origin, &self.key, self.time, &self.nonce)
            .to_canonical_bytes();
        public_key.verify(&bytes, &self.sig)
    }

    /// Checks that `time` is within `window_secs` of `now`, either way.
    pub fn check_time(&self, now: Timestamp, window_secs: u64) -> Result<(), ProtocolError> {
        if self.time.unix().abs_diff(now.unix()) > window_secs {
            return Err(ProtocolError::RequestExpired {
                time: self.time.to_string(),
                window_secs,
            });
        }
        Ok(())
    }

    /// The header value: `Passerelle origin="…",key="…",time="…",nonce="…",sig="…"`.
    pub fn to_header(&self) -> String {
        format!(
            "{SCHEME} origin=\"{}\",key=\"{}\",time=\"{}\",nonce=\"{}\",sig=\"{}\"",
            self.origin, self.key, self.time, self.nonce, self.sig
        )
    }

    /// Parses the header value. Parameters may come in any order, each once.
    pub fn parse_header(value: &str) -> Result<Self, ProtocolError> {
        let bad = |why: &str| ProtocolError::InvalidRequestSignature(why.to_owned());
        // An HTTP field value: visible ASCII, spaces and tabs (SPEC.md §9.3).
        // Checked here too, so that callers other than an HTTP server (and
        // `trim` below, which knows every Unicode space) cannot be more
        // lenient than the SPEC.
        if !value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        {
            return Err(bad("only visible ASCII, spaces and tabs are allowed"));
        }
        let rest = value
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or_else(|| bad("the scheme must be Passerelle"))?;
        let mut params: BTreeMap<&str, &str> = BTreeMap::new();
        for part in rest.split(',') {
            let (name, quoted) = part
                .trim_matches([' ', '\t'])
                .split_once('=')
                .ok_or_else(|| bad("parameter without ="))?;
            let inner = quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .ok_or_else(|| bad("parameter values are quoted"))?;
            if params.insert(name, inner).is_some() {
                return Err(bad("a parameter appears twice"));
            }
        }
        let get = |name: &str| {
            params
                .get(name)
                .copied()
                .ok_or_else(|| bad(&format!("missing {name}")))
        };
        if params.len() != 5 {
            return Err(bad("expected exactly origin, key, time, nonce and sig"));
        }
        let nonce = get("nonce")?;
        check_nonce(nonce)?;
        Ok(RequestSignature {
            origin: NodeId::parse(get("origin")?).map_err(|e| bad(&e.to_string()))?,
            key: KeyId::parse(get("key")?).map_err(|e| bad(&e.to_string()))?,
            time: Timestamp::parse(get("time")?).map_err(|e| bad(&e.to_string()))?,
            nonce: nonce.to_owned(),
            sig: Signature::parse(get("sig")?).map_err(|e| bad(&e.to_string()))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(dest: &'a NodeId, body: &'a [u8]) -> RequestParts<'a> {
        RequestParts {
            method: "POST",
            target: "/fed/v1/inbox",
            destination: dest,
            body,
        }
    }

    #[test]
    fn round_trip_and_tamper() {
        let keys = KeyPair::from_seed(&[9; 32]);
        let origin = NodeId::parse("ssm-a").unwrap();
        let hub = NodeId::parse("hub").unwrap();
        let other = NodeId::parse("hub-b").unwrap();
        let t = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
        let sig =
            RequestSignature::sign(&parts(&hub, b"{}"), &origin, &keys, t, new_nonce().unwrap());
        let again =
            RequestSignature::sign(&parts(&hub, b"{}"), &origin, &keys, t, new_nonce().unwrap());
        assert_ne!(
            sig.sig, again.sig,
            "same request, same second: different signatures"
        );
        let parsed = RequestSignature::parse_header(&sig.to_header()).unwrap();
        assert_eq!(parsed, sig);
        assert!(parsed
            .verify(&parts(&hub, b"{}"), &keys.public_key())
            .is_ok());
        assert_eq!(
            parsed
                .verify(&parts(&hub, b"{ }"), &keys.public_key())
                .unwrap_err()
                .code(),
            "bad_signature"
        );
        assert_eq!(
            parsed
                .verify(&parts(&other, b"{}"), &keys.public_key())
                .unwrap_err()
                .code(),
            "bad_signature"
        );
        let get = RequestParts {
            method: "GET",
            ..parts(&hub, b"{}")
        };
        assert_eq!(
            parsed.verify(&get, &keys.public_key()).unwrap_err().code(),
            "bad_signature"
        );
        assert!(parsed
            .check_time(Timestamp::from_unix(t.unix() + 300).unwrap(), 300)
            .is_ok());
        assert_eq!(
            parsed
                .check_time(Timestamp::from_unix(t.unix() - 301).unwrap(), 300)
                .unwrap_err()
                .code(),
            "request_expired"
        );
    }

    /// Found while fuzzing: `trim` removed any Unicode white space around a
    /// parameter (a no-break space, a newline), which SPEC.md §9.3 refuses.
    #[test]
    fn only_spaces_and_tabs_around_parameters() {
        let keys = KeyPair::from_seed(&[9; 32]);
        let hub = NodeId::parse("hub").unwrap();
        let sig = RequestSignature::sign(
            &parts(&hub, b"{}"),
            &NodeId::parse("ssm-a").unwrap(),
            &keys,
            Timestamp::parse("2026-11-23T10:00:00Z").unwrap(),
            new_nonce().unwrap(),
        );
        let header = sig.to_header();
        let spaced = header.replace(',', " ,\t");
        assert_eq!(RequestSignature::parse_header(&spaced).unwrap(), sig);
        for around in ["\u{a0}", "\n", "\r", "\u{b}", "\u{3000}"] {
            let bad = header.replacen(',', &format!("{around},"), 1);
            assert_eq!(
                RequestSignature::parse_header(&bad).unwrap_err().code(),
                "invalid_request_signature",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn malformed_headers() {
        for bad in [
            "",
            "Bearer x",
            "Passerelle origin=\"a\"",
            "Passerelle origin=a,key=\"b\",time=\"c\",sig=\"d\"",
            "Passerelle origin=\"a\",origin=\"a\",time=\"c\",sig=\"d\"",
            "Passerelle origin=\"ssm-a\",key=\"ed25519:AAAAAAAAAAAAAAAAAAAA\",time=\"2026-11-23T10:00:00Z\",nonce=\"short\",sig=\"d\"",
        ] {
            assert_eq!(
                RequestSignature::parse_header(bad).unwrap_err().code(),
                "invalid_request_signature",
                "{bad}"
            );
        }
    }
}
