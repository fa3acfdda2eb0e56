//! Envelope parsing and verification (SPEC.md §5, §6) on arbitrary bytes.
//!
//! Properties:
//! * a refusal carries a code of the parse step;
//! * an accepted envelope's canonical bytes parse back to the same envelope,
//!   and its hash is the hash of those bytes;
//! * verification with any key, the audience check and the time check never
//!   panic, and the signature never verifies with a key other than the one
//!   named (no key is pinned for the fuzzer's envelopes);
//! * a body that reads is written and read back unchanged (`from_parts ∘
//!   to_value` is the identity on typed bodies);
//! * re-signed with a known key, the same envelope verifies and round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_protocol::{Body, Hash, KeyPair, NodeId, SignedEnvelope, Timestamp};

const PARSE_CODES: &[&str] = &[
    "malformed_json",
    "duplicate_key",
    "not_canonical_number",
    "too_large",
    "too_deep",
    "string_too_long",
    "invalid_envelope",
    "unsupported_version",
];

fuzz_target!(|data: &[u8]| {
    let env = match SignedEnvelope::parse(data) {
        Ok(env) => env,
        Err(e) => {
            assert!(
                PARSE_CODES.contains(&e.code()),
                "unexpected code {}",
                e.code()
            );
            return;
        }
    };
    let again = SignedEnvelope::parse(env.canonical_bytes())
        .expect("the canonical form of an accepted envelope is refused");
    assert_eq!(again, env, "the canonical form reads as another envelope");
    assert_eq!(env.hash(), &Hash::of(env.canonical_bytes()));

    let fuzz_key = KeyPair::from_seed(&[0x5a; 32]);
    match env.verify_signature(&fuzz_key.public_key()) {
        Ok(()) => panic!("a signature verified with a key nobody used"),
        Err(e) => assert!(
            ["unknown_key", "bad_signature"].contains(&e.code()),
            "verification code {}",
            e.code()
        ),
    }
    let _ = env.check_audience(&NodeId::parse("hub-fuzz").expect("node id"));
    let _ = env.check_time(Timestamp::now(), 600);

    if let Ok(body) = env.body() {
        assert_eq!(body.kind(), env.envelope().kind);
        let value = body
            .to_value()
            .expect("a body that reads cannot be written");
        let back = Body::from_parts(body.kind(), &value).expect("a written body is refused");
        assert_eq!(back, body, "body round trip");
    }

    let mut unsigned = env.envelope().clone();
    unsigned.key = fuzz_key.key_id().clone();
    if let Ok(signed) = unsigned.sign(&fuzz_key) {
        signed
            .verify_signature(&fuzz_key.public_key())
            .expect("a fresh signature does not verify");
        let reread =
            SignedEnvelope::parse(signed.canonical_bytes()).expect("a signed envelope is refused");
        assert_eq!(reread, signed);
    }
});
