//! The `Authorization: Passerelle …` header (SPEC.md §9.3) on arbitrary input.
//!
//! Properties:
//! * a refusal is `invalid_request_signature`;
//! * an accepted header uses only the characters the SPEC allows (visible
//!   ASCII, spaces and tabs), and the header written back from it parses to
//!   the same signature;
//! * verification never panics, and a signature made over one request never
//!   verifies over another (method, target, destination or body differing);
//! * signed from input-derived parts, a header always parses and verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_protocol::{KeyPair, NodeId, RequestParts, RequestSignature, Timestamp};

fuzz_target!(|data: &[u8]| {
    let key = KeyPair::from_seed(&[0x11; 32]);
    let hub = NodeId::parse("hub-fuzz").expect("node id");
    let origin = NodeId::parse("ssm-fuzz").expect("node id");
    let now = Timestamp::parse("2026-11-23T10:00:00Z").expect("time");

    if let Ok(text) = std::str::from_utf8(data) {
        match RequestSignature::parse_header(text) {
            Ok(sig) => {
                assert!(
                    text.bytes()
                        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b)),
                    "accepted a header with characters outside visible ASCII, space and tab"
                );
                let written = sig.to_header();
                assert_eq!(
                    RequestSignature::parse_header(&written).expect("a written header is refused"),
                    sig
                );
                let parts = RequestParts {
                    method: "POST",
                    target: "/fed/v1/inbox",
                    destination: &hub,
                    body: data,
                };
                let _ = sig.check_time(now, 300);
                let _ = sig.verify(&parts, &key.public_key());
            }
            Err(e) => assert_eq!(e.code(), "invalid_request_signature"),
        }
    }

    // Parts taken from the input: sign, then the header must parse and verify,
    // and only over exactly these parts.
    let split = data.len() / 2;
    let target = format!("/fed/v1/feed?{}", String::from_utf8_lossy(&data[..split]));
    let body = &data[split..];
    let parts = RequestParts {
        method: "GET",
        target: &target,
        destination: &hub,
        body,
    };
    let nonce = passerelle_protocol::request::new_nonce().expect("nonce");
    let sig = RequestSignature::sign(&parts, &origin, &key, now, nonce);
    let parsed = RequestSignature::parse_header(&sig.to_header()).expect("own header refused");
    assert_eq!(parsed, sig);
    parsed
        .verify(&parts, &key.public_key())
        .expect("own signature refused");
    let other_body: Vec<u8> = body.iter().copied().chain([b'x']).collect();
    let changed = [
        RequestParts {
            method: "POST",
            ..parts.clone()
        },
        RequestParts {
            body: &other_body,
            ..parts.clone()
        },
        RequestParts {
            target: "/fed/v1/feed",
            ..parts.clone()
        },
    ];
    for other in changed {
        if other != parts {
            assert!(
                parsed.verify(&other, &key.public_key()).is_err(),
                "verified over other parts"
            );
        }
    }
});
