//! A dependency that turns on `serde_json/preserve_order` must not change a
//! single canonical byte or signature. This crate turns it on (Cargo unifies
//! features across the build), then re-checks the protocol's vectors.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::{CanonicalValue, Envelope, KeyPair, Limits, PublicKey, SignedEnvelope};

fn vectors(name: &str) -> serde_json::Value {
    let path = format!("{}/../protocol/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn preserve_order_is_really_on_in_this_build() {
    let v: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["b", "a"],
        "this test means nothing without preserve_order"
    );
}

#[test]
fn canonical_bytes_and_signatures_do_not_depend_on_map_order() {
    let all = vectors("envelopes.json");
    let list = all
        .as_array()
        .or_else(|| all["vectors"].as_array())
        .unwrap();
    assert!(!list.is_empty());
    for v in list {
        let seed: [u8; 32] = (0..32)
            .map(|i| {
                u8::from_str_radix(&v["seed_hex"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let keys = KeyPair::from_seed(&seed);
        let unsigned =
            CanonicalValue::from_json_str(v["unsigned"].as_str().unwrap(), &Limits::ENVELOPE)
                .unwrap();
        // Through serde_json::Value (whose map now keeps insertion order) and back.
        let round_trip = CanonicalValue::try_from(unsigned.to_json_value()).unwrap();
        assert_eq!(
            round_trip.to_canonical_string(),
            v["canonical"].as_str().unwrap()
        );
        let signed = Envelope::from_unsigned_value(round_trip)
            .unwrap()
            .sign(&keys)
            .unwrap();
        assert_eq!(
            signed.signature().to_string(),
            v["signature"].as_str().unwrap()
        );
        // Signed without the openings (they are not signed): same hash.
        assert_eq!(signed.hash().as_str(), v["hash"].as_str().unwrap());
        let parsed = SignedEnvelope::parse(v["signed"].as_str().unwrap().as_bytes()).unwrap();
        parsed
            .verify_signature(&PublicKey::parse(v["public_key"].as_str().unwrap()).unwrap())
            .unwrap();
        // Typed bodies re-serialise to the same canonical body, opened.
        let body = parsed.body().unwrap();
        assert_eq!(
            body.to_value().unwrap(),
            passerelle_protocol::seal::open_body(&parsed.envelope().body, parsed.openings())
        );
    }
}
