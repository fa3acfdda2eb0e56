//! Property tests of canonical JSON and envelope signatures.
//!
//! Values are drawn from the whole canonical subset: nested arrays and
//! objects, strings of arbitrary Unicode (control characters, quotes,
//! backslashes, characters around the UTF-16 surrogate range), integers
//! within ±(2^53−1).

// Test code: panicking on an unexpected error is the point.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;

use passerelle_protocol::canonical::{canonicalize, MAX_SAFE_INTEGER};
use passerelle_protocol::keys::b64_encode;
use passerelle_protocol::{
    CanonicalValue, Envelope, Hash, KeyPair, Limits, NodeId, SignedEnvelope, Timestamp,
};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        3 => proptest::char::range('a', 'z'),
        2 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        2 => proptest::sample::select(vec![
            '"', '\\', '/', ' ', '\u{7f}', '\u{80}', '\u{e9}', '\u{2028}', '\u{2029}',
            '\u{d7ff}', '\u{e000}', '\u{fb33}', '\u{feff}', '\u{ffff}', '\u{10000}',
            '\u{1f600}', '\u{10ffff}',
        ]),
    ]
}

/// Up to `max` characters, so at most `4 * max` UTF-8 bytes.
fn any_string(max: usize) -> impl Strategy<Value = String> {
    vec(any_char(), 0..=max).prop_map(String::from_iter)
}

fn integer() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER,
        2 => -1000i64..1000,
        1 => proptest::sample::select(vec![0, -1, 1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]),
    ]
}

fn value() -> impl Strategy<Value = CanonicalValue> {
    let leaf = prop_oneof![
        Just(CanonicalValue::Null),
        any::<bool>().prop_map(CanonicalValue::Bool),
        integer().prop_map(CanonicalValue::Integer),
        any_string(16).prop_map(CanonicalValue::String),
    ];
    // Up to 4 levels of arrays and objects.
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(CanonicalValue::Array),
            btree_map(any_string(10), inner, 0..5).prop_map(CanonicalValue::Object),
        ]
    })
}

fn body() -> impl Strategy<Value = CanonicalValue> {
    btree_map(any_string(10), value(), 0..5).prop_map(CanonicalValue::Object)
}

fn node_id() -> impl Strategy<Value = NodeId> {
    "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?".prop_map(|s| NodeId::parse(&s).unwrap())
}

fn kind() -> impl Strategy<Value = String> {
    "[a-z][a-z_]{0,10}(\\.[a-z][a-z_]{0,10}){1,2}"
}

fn uuid_v7() -> impl Strategy<Value = Uuid> {
    (0u64..(1 << 48), any::<[u8; 10]>())
        .prop_map(|(ms, random)| uuid::Builder::from_unix_timestamp_millis(ms, &random).into_uuid())
}

/// 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..=253_402_300_799).prop_map(|s| Timestamp::from_unix(s).unwrap())
}

/// A sequence number with a matching `prev`: null for 1, a hash after.
fn position(min_seq: u64) -> impl Strategy<Value = (u64, Option<Hash>)> {
    let later = (2..=MAX_SAFE_INTEGER as u64, any::<[u8; 16]>())
        .prop_map(|(seq, bytes)| (seq, Some(Hash::of(&bytes))));
    if min_seq <= 1 {
        prop_oneof![1 => Just((1, None)), 3 => later].boxed()
    } else {
        later.boxed()
    }
}

/// A signing key and an envelope it signs.
fn envelope(min_seq: u64) -> impl Strategy<Value = ([u8; 32], Envelope)> {
    (
        any::<[u8; 32]>(),
        uuid_v7(),
        node_id(),
        node_id(),
        position(min_seq),
        timestamp(),
        kind(),
        body(),
    )
        .prop_map(|(seed, id, from, to, (seq, prev), ts, kind, body)| {
            let key = KeyPair::from_seed(&seed).key_id().clone();
            let envelope = Envelope {
                version: passerelle_protocol::PROTOCOL_VERSION,
                id,
                from,
                to,
                seq,
                prev,
                ts,
                kind,
                body,
                key,
                openings: Default::default(),
            };
            (seed, envelope)
        })
}

// ---------------------------------------------------------------------------
// Another spelling of the same JSON value
// ---------------------------------------------------------------------------

/// Writes `value` as valid JSON that is not canonical: object members in
/// reverse order, whitespace everywhere, and (with `escape_all`) every
/// non-ASCII or control character as `\uXXXX` with upper-case hex.
fn write_reversed(value: &CanonicalValue, escape_all: bool, out: &mut String) {
    match value {
        CanonicalValue::Null => out.push_str("null"),
        CanonicalValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        CanonicalValue::Integer(i) => write!(out, "{i}").unwrap(),
        CanonicalValue::String(s) => write_string(s, escape_all, out),
        CanonicalValue::Array(items) => {
            out.push_str("[ ");
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(" ,\n\t");
                }
                write_reversed(item, escape_all, out);
            }
            out.push_str(" ]");
        }
        CanonicalValue::Object(members) => {
            out.push_str("{\r\n ");
            for (n, (key, item)) in members.iter().rev().enumerate() {
                if n > 0 {
                    out.push_str(" , ");
                }
                write_string(key, escape_all, out);
                out.push_str(" :\t");
                write_reversed(item, escape_all, out);
            }
            out.push_str("\n}");
        }
    }
}

fn write_string(s: &str, escape_all: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || (escape_all && !c.is_ascii()) => {
                for unit in c.encode_utf16(&mut [0u16; 2]) {
                    write!(out, "\\u{unit:04X}").unwrap();
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn reversed(value: &CanonicalValue, escape_all: bool) -> String {
    let mut out = String::new();
    write_reversed(value, escape_all, &mut out);
    out
}

fn canon(text: &str) -> Result<String, TestCaseError> {
    let bytes = canonicalize(text.as_bytes(), &Limits::TOOL)
        .map_err(|e| TestCaseError::fail(format!("{e}: {text:?}")))?;
    Ok(String::from_utf8(bytes).unwrap())
}

// ---------------------------------------------------------------------------
// Tampering
// ---------------------------------------------------------------------------

/// The signed envelope with one member of its JSON changed by `change`; the
/// result must still be a well-formed envelope.
fn tampered(
    signed: &SignedEnvelope,
    field: &str,
    change: impl FnOnce(&mut CanonicalValue),
) -> SignedEnvelope {
    let mut value =
        CanonicalValue::from_json_bytes(signed.canonical_bytes(), &Limits::ENVELOPE).unwrap();
    let CanonicalValue::Object(members) = &mut value else {
        panic!("an envelope is an object");
    };
    change(members.get_mut(field).unwrap());
    let text = value.to_canonical_string();
    assert_ne!(
        text.as_bytes(),
        signed.canonical_bytes(),
        "{field} unchanged"
    );
    SignedEnvelope::parse(text.as_bytes())
        .unwrap_or_else(|e| panic!("tampered {field} is not well formed: {e}"))
}

fn set_string(text: String) -> impl FnOnce(&mut CanonicalValue) {
    move |v| *v = CanonicalValue::String(text)
}

/// A different but valid node id.
fn other_node(id: &NodeId) -> String {
    format!("{id}0")
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// canonical(canonical(x)) == canonical(x), and reading the canonical
    /// form gives back the same value.
    #[test]
    fn canonicalisation_is_idempotent(v in value()) {
        let once = v.to_canonical_string();
        let read = CanonicalValue::from_json_str(&once, &Limits::TOOL).unwrap();
        prop_assert_eq!(&read, &v);
        prop_assert_eq!(read.to_canonical_string(), once.clone());
        prop_assert_eq!(canon(&once)?, once.clone());
        // serde's Serialize writes the same bytes.
        prop_assert_eq!(serde_json::to_string(&v).unwrap(), once);
    }

    /// Key order, whitespace and string escapes do not change the canonical bytes.
    #[test]
    fn canonical_form_ignores_order_and_whitespace(v in value(), escape_all in any::<bool>()) {
        let expected = v.to_canonical_string();
        let pretty = serde_json::to_string_pretty(&v.to_json_value()).unwrap();
        prop_assert_eq!(canon(&pretty)?, expected.clone());
        let text = reversed(&v, escape_all);
        prop_assert_eq!(canon(&text)?, expected);
    }

    /// sign → parse → verify round-trips for arbitrary bodies; a non-canonical
    /// spelling of the signed envelope reads as the same envelope.
    #[test]
    fn sign_parse_verify_round_trip((seed, envelope) in envelope(1)) {
        let keys = KeyPair::from_seed(&seed);
        let signed = envelope.clone().sign(&keys).unwrap();
        let parsed = SignedEnvelope::parse(signed.canonical_bytes()).unwrap();
        prop_assert_eq!(&parsed, &signed);
        prop_assert_eq!(parsed.envelope(), &envelope);
        prop_assert_eq!(parsed.hash(), &Hash::of(signed.canonical_bytes()));
        prop_assert!(parsed.verify_signature(&keys.public_key()).is_ok());
        prop_assert!(parsed.check_audience(&envelope.to).is_ok());

        let value = CanonicalValue::from_json_bytes(signed.canonical_bytes(), &Limits::ENVELOPE).unwrap();
        let respelled = reversed(&value, false);
        if respelled.len() <= Limits::ENVELOPE.max_bytes {
            let reread = SignedEnvelope::parse(respelled.as_bytes()).unwrap();
            prop_assert_eq!(&reread, &signed);
            prop_assert!(reread.verify_signature(&keys.public_key()).is_ok());
        }
    }

}

proptest! {
    // Each case checks ten changes, at a few Ed25519 operations each (slow in
    // debug builds): fewer cases, as many checks.
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Changing any signed field, or one byte of the signature, makes
    /// verification fail.
    #[test]
    fn any_change_breaks_the_signature(
        (seed, envelope) in envelope(2),
        sig_byte in 0usize..64,
        sig_mask in 1u8..=255,
    ) {
        let keys = KeyPair::from_seed(&seed);
        let public_key = keys.public_key();
        let signed = envelope.clone().sign(&keys).unwrap();
        prop_assert!(signed.verify_signature(&public_key).is_ok());
        let e = signed.envelope();

        let next_seq = if e.seq < MAX_SAFE_INTEGER as u64 { e.seq + 1 } else { e.seq - 1 };
        let next_ts = if e.ts.unix() < 253_402_300_799 { e.ts.unix() + 1 } else { e.ts.unix() - 1 };
        let prev = e.prev.as_ref().unwrap();
        let body_change = |body: &mut CanonicalValue| {
            let CanonicalValue::Object(members) = body else { panic!("body is an object") };
            match members.values_mut().next() {
                Some(first) => *first = CanonicalValue::Array(vec![first.clone()]),
                None => {
                    members.insert("x".into(), CanonicalValue::Null);
                }
            }
        };
        let changed = [
            ("id", tampered(&signed, "id", set_string(
                Uuid::from_u128(e.id.as_u128() ^ 1).hyphenated().to_string()))),
            ("from", tampered(&signed, "from", set_string(other_node(&e.from)))),
            ("to", tampered(&signed, "to", set_string(other_node(&e.to)))),
            ("seq", tampered(&signed, "seq", |v| *v = CanonicalValue::Integer(next_seq as i64))),
            ("prev", tampered(&signed, "prev", set_string(Hash::of(prev.as_str().as_bytes()).to_string()))),
            ("ts", tampered(&signed, "ts", set_string(Timestamp::from_unix(next_ts).unwrap().to_string()))),
            ("kind", tampered(&signed, "kind", set_string(format!("{}x", e.kind)))),
            ("body", tampered(&signed, "body", body_change)),
        ];
        for (field, envelope) in &changed {
            let err = envelope.verify_signature(&public_key).unwrap_err();
            prop_assert_eq!(err.code(), "bad_signature", "{}", field);
        }

        // Another key named in `key`: unknown to a receiver that pinned the
        // signer's key, and the signature does not verify with the new key.
        let mut other_seed = seed;
        other_seed[0] ^= 1;
        let other = KeyPair::from_seed(&other_seed);
        let rekeyed = tampered(&signed, "key", set_string(other.key_id().to_string()));
        let err = rekeyed.verify_signature(&public_key).unwrap_err();
        prop_assert_eq!(err.code(), "unknown_key");
        let err = rekeyed.verify_signature(&other.public_key()).unwrap_err();
        prop_assert_eq!(err.code(), "bad_signature");

        // One byte of the signature changed.
        let mut sig = signed.signature().to_bytes();
        sig[sig_byte] ^= sig_mask;
        let resigned = tampered(&signed, "sig", set_string(b64_encode(&sig)));
        let err = resigned.verify_signature(&public_key).unwrap_err();
        prop_assert_eq!(err.code(), "bad_signature");
    }
}

/// The tamper property covers every signed field of the envelope except `v`,
/// which has a single valid value. (`open` is not signed: each opening is
/// checked against its seal, which is.)
#[test]
fn tamper_property_covers_every_field() {
    let covered = [
        "id", "from", "to", "seq", "prev", "ts", "kind", "body", "key", "sig",
    ];
    for field in passerelle_protocol::envelope::ENVELOPE_FIELDS {
        assert!(
            field == "v" || field == "open" || covered.contains(&field),
            "{field}"
        );
    }
}
