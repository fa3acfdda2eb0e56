//! Test vectors for other implementations of the protocol.
//!
//! The vectors live in `protocol/vectors/*.json`. This file holds their
//! generator (`vectors_match_files`: builds every vector in memory from fixed
//! seeds, ids and times, and compares with the files on disk) and an
//! independent checker (`vectors_verify`: reads the files, never the
//! generator, and re-checks each vector with the library).
//!
//! To rewrite the files after an intended change:
//! `PASSERELLE_REGENERATE_VECTORS=1 cargo test -p passerelle-protocol --test protocol`

// Test code: panicking on an unexpected error is the point.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use passerelle_protocol::body::{
    AgendaEntry, Delegate, DelegateList, DelegateRole, Erasure, ErasureTarget, JointMeeting, Kind,
    NodeRole, Origin, Position, ProposalRef, ProposalStatus, ProposalUpdate, SharedProposal,
    Stance, Theme,
};
use passerelle_protocol::canonical::{canonicalize, MAX_SAFE_INTEGER};
use passerelle_protocol::envelope::MAX_AHEAD_SECS;
use passerelle_protocol::envelope::PROTOCOL_VERSION;
use passerelle_protocol::keys::{b64_decode, b64_encode};
use passerelle_protocol::request::request_signing_object;
use passerelle_protocol::seal;
use passerelle_protocol::signed_object::{sign_object, NodeDescriptor};
use passerelle_protocol::{
    Body, CanonicalValue, Date, Envelope, Hash, KeyPair, Limits, NodeId, ProtocolError, PublicKey,
    RequestParts, RequestSignature, SignedEnvelope, Timestamp,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[path = "vectors_keys/mod.rs"]
mod key_vectors;

const REGENERATE_VAR: &str = "PASSERELLE_REGENERATE_VECTORS";

/// RFC 8032 §7.1 TEST 1 secret key: the service's seed.
const SERVICE_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
/// RFC 8032 §7.1 TEST 1 public key, to check the seed is read as RFC 8032 says.
const SERVICE_PUBLIC_HEX: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const HUB_SEED: &str = "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe";
/// A key nobody pinned: used to sign messages that must not verify.
const OTHER_SEED: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";

const SERVICE: &str = "ssm-courcelles";
const HUB: &str = "hub-charleroi";

/// The receivers' window for request times, in seconds, either way.
const WINDOW_SECS: u64 = 300;
/// Fixed request nonces (16 bytes each, base64url): bytes 00..0f and f0..ff.
const NONCE_A: &str = "AAECAwQFBgcICQoLDA0ODw";
const NONCE_B: &str = "8PHy8_T19vf4-fr7_P3-_w";
const NONCE_C: &str = "UGFzc2VyZWxsZSBub25jZQ";

// ---------------------------------------------------------------------------
// File formats
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CanonicalVector {
    name: String,
    /// JSON text, as received.
    input: String,
    /// Its canonical form, when it is inside the subset and the limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    canonical: Option<String>,
    /// The error code, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeVector {
    name: String,
    description: String,
    seed_hex: String,
    public_key: String,
    key_id: String,
    audience: String,
    unsigned: String,
    canonical: String,
    signature: String,
    signed: String,
    hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NegativeVector {
    name: String,
    description: String,
    input: String,
    public_key: String,
    audience: String,
    /// The receiver's clock, for the vectors of the time check (a hub's
    /// inbox refuses a `ts` more than 600 s ahead of it); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    now: Option<String>,
    /// The pipeline step that must fail: parse, verify_signature,
    /// check_audience, check_time or body.
    step: String,
    error: String,
}

/// A signed request as the receiver sees it. Positive vectors also carry
/// how it was signed (`seed_hex` … `signature`); negative ones the `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestVector {
    name: String,
    description: String,
    /// The key the receiver pinned for the origin.
    public_key: String,
    /// The request as received: method, target, the receiver's own node id,
    /// the body bytes (as a string) and the `Authorization` header value.
    method: String,
    target: String,
    destination: String,
    body: String,
    header: String,
    /// The receiver's clock and window.
    now: String,
    window_secs: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed_hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_hash: Option<String>,
    /// The canonical signing object (§9.3): the bytes that are signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
    /// The header as a sender writes it (`header` may be written otherwise,
    /// as §9.3 allows a receiver to read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    header_as_sent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A node descriptor as read from `/.well-known/passerelle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DescriptorVector {
    name: String,
    description: String,
    /// The JSON text received.
    descriptor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed_hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    /// The descriptor without `sig`, canonical: the bytes that are signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unsigned: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Vectors {
    canonical: Vec<CanonicalVector>,
    envelopes: Vec<EnvelopeVector>,
    negative: Vec<NegativeVector>,
    requests: Vec<RequestVector>,
    descriptors: Vec<DescriptorVector>,
    keys: Vec<key_vectors::KeyScenario>,
}

impl Vectors {
    fn files(&self) -> [(&'static str, String); 6] {
        [
            ("canonical.json", pretty(&self.canonical)),
            ("envelopes.json", pretty(&self.envelopes)),
            ("negative.json", pretty(&self.negative)),
            ("requests.json", pretty(&self.requests)),
            ("descriptors.json", pretty(&self.descriptors)),
            ("keys.json", pretty(&self.keys)),
        ]
    }
}

fn pretty<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

fn regenerating() -> bool {
    std::env::var(REGENERATE_VAR).is_ok_and(|v| v == "1")
}

/// When regenerating, writes the files once (atomically, by rename) before
/// any test of this binary reads them (`python_implementation` too).
pub(crate) fn regenerate_if_asked() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        if !regenerating() {
            return;
        }
        let dir = vectors_dir();
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in generate().files() {
            let tmp = dir.join(format!(".{file}.tmp"));
            std::fs::write(&tmp, text).unwrap();
            std::fs::rename(&tmp, dir.join(file)).unwrap();
        }
    });
}

// ---------------------------------------------------------------------------
// Small helpers shared by the generator and the checker
// ---------------------------------------------------------------------------

fn hex_decode_32(text: &str) -> [u8; 32] {
    assert_eq!(text.len(), 64, "a seed is 32 bytes in hex: {text:?}");
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn keys(seed_hex: &str) -> KeyPair {
    KeyPair::from_seed(&hex_decode_32(seed_hex))
}

/// The documented check pipeline of a received envelope. Returns the failing
/// step and the error code.
fn pipeline(
    input: &str,
    public_key: &str,
    audience: &str,
    now: Option<&str>,
) -> Result<SignedEnvelope, (&'static str, &'static str)> {
    let envelope = SignedEnvelope::parse(input.as_bytes()).map_err(|e| ("parse", e.code()))?;
    let public_key = PublicKey::parse(public_key).unwrap();
    envelope
        .verify_signature(&public_key)
        .map_err(|e| ("verify_signature", e.code()))?;
    let audience = NodeId::parse(audience).unwrap();
    envelope
        .check_audience(&audience)
        .map_err(|e| ("check_audience", e.code()))?;
    if let Some(now) = now {
        envelope
            .check_time(Timestamp::parse(now).unwrap(), MAX_AHEAD_SECS)
            .map_err(|e| ("check_time", e.code()))?;
    }
    envelope.body().map_err(|e| ("body", e.code()))?;
    Ok(envelope)
}

/// The documented check of a signed request (§9.3 steps 1, 3, 4 and 5; the
/// membership and replay steps need a node's state): parse the header, check
/// the key is the pinned one, the time, then the signature over the
/// receiver's own view of the request.
fn request_check(
    header: &str,
    public_key: &str,
    parts: &RequestParts<'_>,
    now: &str,
    window_secs: u64,
) -> Result<RequestSignature, &'static str> {
    let sig = RequestSignature::parse_header(header).map_err(|e| e.code())?;
    let public_key = PublicKey::parse(public_key).unwrap();
    if public_key.key_id() != sig.key {
        return Err("unknown_key");
    }
    sig.check_time(Timestamp::parse(now).unwrap(), window_secs)
        .map_err(|e| e.code())?;
    sig.verify(parts, &public_key).map_err(|e| e.code())?;
    Ok(sig)
}

/// Reads a descriptor as a client of `/.well-known/passerelle` does.
fn descriptor_check(text: &str) -> Result<NodeDescriptor, &'static str> {
    let value = CanonicalValue::from_json_str(text, &Limits::ENVELOPE).map_err(|e| e.code())?;
    NodeDescriptor::verify(&value).map_err(|e| e.code())
}

// ---------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------

fn uuid(text: &str) -> Uuid {
    let id = Uuid::parse_str(text).unwrap();
    assert_eq!(id.get_version_num(), 7, "{text} is not a UUIDv7");
    assert_eq!(id.hyphenated().to_string(), text, "{text} is not lowercase");
    id
}

fn node(text: &str) -> NodeId {
    NodeId::parse(text).unwrap()
}

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn date(text: &str) -> Date {
    Date::parse(text).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn envelope(
    id: &str,
    from: &str,
    to: &str,
    seq: u64,
    prev: Option<Hash>,
    time: &str,
    kind: &str,
    body: CanonicalValue,
    keys: &KeyPair,
) -> Envelope {
    // Version 2 seals the erasable fields (§5.6); the vectors' salts are
    // fixed: the message id's bytes with the last one counting up.
    let mut body = body;
    let openings = match Kind::parse(kind) {
        Some(k) => {
            let mut n = 0u8;
            let base = *uuid(id).as_bytes();
            seal::seal_body(k, &mut body, &mut || {
                n += 1;
                let mut salt = base;
                salt[15] ^= n;
                Ok(salt)
            })
            .unwrap()
        }
        None => Default::default(),
    };
    Envelope {
        version: PROTOCOL_VERSION,
        id: uuid(id),
        from: node(from),
        to: node(to),
        seq,
        prev,
        ts: ts(time),
        kind: kind.to_owned(),
        body,
        key: keys.key_id().clone(),
        openings,
    }
}

fn typed(
    id: &str,
    from: &str,
    seq: u64,
    prev: Option<Hash>,
    time: &str,
    body: &Body,
    keys: &KeyPair,
) -> Envelope {
    envelope(
        id,
        from,
        HUB,
        seq,
        prev,
        time,
        body.kind(),
        body.to_value().unwrap(),
        keys,
    )
}

/// The members of an envelope without `sig`, with `open` when it has
/// openings.
fn members(envelope: &Envelope) -> BTreeMap<String, CanonicalValue> {
    let mut m = envelope.to_value().as_object().unwrap().clone();
    if !envelope.openings.is_empty() {
        m.insert(
            "open".into(),
            passerelle_protocol::seal::open_member(&envelope.openings),
        );
    }
    m
}

/// Signs arbitrary members as an envelope would be signed (Ed25519 over the
/// canonical bytes without `sig` and `open`), without any of
/// `Envelope::sign`'s checks: for negative vectors that are correctly
/// signed yet must be refused.
fn sign_members(mut m: BTreeMap<String, CanonicalValue>, keys: &KeyPair) -> String {
    m.remove("sig");
    let open = m.remove("open");
    let sig = keys.sign(&CanonicalValue::Object(m.clone()).to_canonical_bytes());
    m.insert("sig".into(), CanonicalValue::String(sig.to_string()));
    if let Some(open) = open {
        m.insert("open".into(), open);
    }
    CanonicalValue::Object(m).to_canonical_string()
}

fn string(text: &str) -> CanonicalValue {
    CanonicalValue::String(text.to_owned())
}

/// Replaces the only occurrence of `from` in `text`.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

fn delegates_body() -> Body {
    Body::DelegatesList(DelegateList {
        delegates: vec![
            Delegate {
                label: "Marie Dupont".into(),
                role: DelegateRole::Delegate,
                term_start: date("2025-01-01"),
                term_end: Some(date("2028-12-31")),
            },
            Delegate {
                label: "Délégué·e 2".into(),
                role: DelegateRole::Substitute,
                term_start: date("2025-01-01"),
                term_end: None,
            },
        ],
    })
}

fn proposal() -> SharedProposal {
    SharedProposal {
        proposal: uuid("01936b2a-7c00-7000-8000-0000000000a1"),
        title: "Rampe d'accès au jardin côté réfectoire".into(),
        description: "Les résidents en fauteuil ne peuvent pas accéder seuls au jardin : \
                      une rampe près du réfectoire faciliterait les sorties. « Priorité » \
                      pour l'été, d'après le conseil du 12 novembre."
            .into(),
        theme: Theme::Accessibility,
        tags: vec!["accès".into(), "extérieur".into(), "été".into()],
        origin: Origin::Committee,
        status: ProposalStatus::SentToManagement,
        answer: None,
    }
}

fn meeting_body() -> Body {
    Body::MeetingPublished(JointMeeting {
        directions: None,
        meeting: uuid("01936b2a-7c00-7000-8000-0000000000c1"),
        title: "Rencontre inter-conseils de printemps".into(),
        starts_at: ts("2027-03-18T09:30:00Z"),
        ends_at: Some(ts("2027-03-18T12:00:00Z")),
        place: "Maison de la culture, salle 2, Charleroi".into(),
        format: "petit-déjeuner".into(),
        agenda: vec![
            AgendaEntry {
                point: None,
                title: "Accès au jardin pour les résidents en fauteuil".into(),
                description: Some("Proposition partagée par Courcelles.".into()),
                subject: None,
                proposals: vec![ProposalRef {
                    service: node(SERVICE),
                    proposal: uuid("01936b2a-7c00-7000-8000-0000000000a1"),
                }],
                proposed_by: Some(node(SERVICE)),
            },
            AgendaEntry {
                point: None,
                title: "Tour de table".into(),
                description: None,
                subject: None,
                proposals: vec![],
                proposed_by: None,
            },
        ],
        notice: None,
    })
}

fn positive(name: &str, description: &str, seed: &str, signed: &SignedEnvelope) -> EnvelopeVector {
    let pair = keys(seed);
    let unsigned = signed.envelope().to_value().to_canonical_string();
    EnvelopeVector {
        name: name.into(),
        description: description.into(),
        seed_hex: seed.into(),
        public_key: pair.public_key().to_string(),
        key_id: pair.key_id().to_string(),
        audience: signed.envelope().to.to_string(),
        canonical: unsigned.clone(),
        unsigned,
        signature: signed.signature().to_string(),
        signed: signed.canonical_string(),
        hash: signed.hash().to_string(),
    }
}

fn generate() -> Vectors {
    let (mut envelopes, bases) = envelope_vectors();
    envelopes.extend(key_vectors::envelope_vectors(&bases));
    let mut negative = negative_vectors();
    negative.extend(key_vectors::negative_vectors());
    Vectors {
        canonical: canonical_vectors(),
        envelopes,
        negative,
        requests: request_vectors(),
        descriptors: descriptor_vectors(),
        keys: key_vectors::key_scenarios(&bases),
    }
}

fn canonical_vectors() -> Vec<CanonicalVector> {
    // (name, input, expected canonical form): the expected forms are written
    // by hand, so the generator also checks the library against them.
    let mut ok: Vec<(&str, String, String)> = vec![
        (
            "rfc8785_key_sorting",
            r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#.into(),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}".into(),
        ),
        (
            "utf16_order_not_code_point_order",
            r#"{"\ufb01":3,"\ue000":2,"\ud83d\ude00":1}"#.into(),
            "{\"\u{1f600}\":1,\"\u{e000}\":2,\"\u{fb01}\":3}".into(),
        ),
        (
            "nested_objects_sorted_prefixes_first",
            r#"{"ab":1,"a":2,"b":{"z":[3,{"y":4,"x":5}],"y":null},"A":0,"a ":6}"#.into(),
            r#"{"A":0,"a":2,"a ":6,"ab":1,"b":{"y":null,"z":[3,{"x":5,"y":4}]}}"#.into(),
        ),
        (
            "string_escapes",
            r#"["\u0000\u0008\u0009\u000a\u000c\u000d\u001f\u007f\u2028\u2029\/\"\\é"]"#.into(),
            "[\"\\u0000\\b\\t\\n\\f\\r\\u001f\u{7f}\u{2028}\u{2029}/\\\"\\\\é\"]".into(),
        ),
        (
            "control_characters_in_lowercase_hex",
            r#""\u001F\u001b\u000B\u0001\u000E""#.into(),
            r#""\u001f\u001b\u000b\u0001\u000e""#.into(),
        ),
        (
            "solidus_and_escaped_backslash",
            r#""\/\u002f\u005C\u0022""#.into(),
            r#""//\\\"""#.into(),
        ),
        (
            "escaped_non_ascii_written_as_utf8",
            r#"{"caf\u00e9":"\u00c0 bient\u00f4t \ud83d\udc4b"}"#.into(),
            "{\"café\":\"À bientôt 👋\"}".into(),
        ),
        (
            "non_ascii_keys_and_strings",
            "{\"résumé\":\"Délégué·e\",\"Ωmega\":\"ω\",\"日本\":\"語\",\"a\":\"ä\",\"z\":\"😀\"}".into(),
            "{\"a\":\"ä\",\"résumé\":\"Délégué·e\",\"z\":\"😀\",\"Ωmega\":\"ω\",\"日本\":\"語\"}".into(),
        ),
        (
            "no_unicode_normalisation",
            r#"{"\u00e9":1,"e\u0301":2}"#.into(),
            "{\"e\u{301}\":2,\"\u{e9}\":1}".into(),
        ),
        (
            "whitespace_removed",
            " \t\n{ \"b\" : [ ] ,\r\n \"a\" : { } , \"c\": [1, -2, true, false, null] } \n".into(),
            r#"{"a":{},"b":[],"c":[1,-2,true,false,null]}"#.into(),
        ),
        (
            "empty_containers_and_strings",
            r#"[ {}, [], "", {"": []}, [[]] ]"#.into(),
            r#"[{},[],"",{"":[]},[[]]]"#.into(),
        ),
        ("top_level_integer", " 42 ".into(), "42".into()),
        ("top_level_string", r#""\u0041""#.into(), r#""A""#.into()),
        ("top_level_null", "null".into(), "null".into()),
        (
            "integer_bounds",
            "[9007199254740991, -9007199254740991, 0, -1, 10]".into(),
            "[9007199254740991,-9007199254740991,0,-1,10]".into(),
        ),
    ];
    // 16 levels, the envelope limit: {"k0":[{"k1":[ … {"k7":[true]} … ]}]}
    let (mut input, mut expected) = (String::from("true"), String::from("true"));
    for level in (0..8).rev() {
        input = format!("{{ \"k{level}\" : [ {input} ] }}");
        expected = format!("{{\"k{level}\":[{expected}]}}");
    }
    ok.push(("deep_nesting_at_limit_16", input, expected));

    const NUMBER: &str = "not_canonical_number";
    const DUPLICATE: &str = "duplicate_key";
    const MALFORMED: &str = "malformed_json";
    let errors: Vec<(&str, String, &str)> = vec![
        ("float", "1.5".into(), NUMBER),
        ("float_zero_fraction", "1.0".into(), NUMBER),
        ("exponent", "1e2".into(), NUMBER),
        ("exponent_out_of_range", "[1E400]".into(), NUMBER),
        ("negative_zero", "-0".into(), NUMBER),
        ("integer_above_max", "9007199254740992".into(), NUMBER),
        ("integer_below_min", "-9007199254740992".into(), NUMBER),
        ("integer_beyond_u64", "18446744073709551616".into(), NUMBER),
        ("float_nested", r#"{"a":{"b":[0.5]}}"#.into(), NUMBER),
        ("duplicate_key", r#"{"a":1,"a":1}"#.into(), DUPLICATE),
        (
            "duplicate_key_escaped_vs_literal",
            r#"{"é":1,"\u00e9":2}"#.into(),
            DUPLICATE,
        ),
        (
            "duplicate_key_nested",
            r#"{"x":[{"k":1,"k":2}]}"#.into(),
            DUPLICATE,
        ),
        ("malformed_empty", "".into(), MALFORMED),
        ("malformed_unclosed", r#"{"a":1"#.into(), MALFORMED),
        ("malformed_trailing_comma", "[1,]".into(), MALFORMED),
        ("malformed_single_quotes", "{'a':1}".into(), MALFORMED),
        ("malformed_leading_zero", "01".into(), MALFORMED),
        ("malformed_trailing_data", "{} {}".into(), MALFORMED),
        ("malformed_lone_surrogate", r#""\ud800""#.into(), MALFORMED),
        (
            "malformed_raw_control_character",
            "\"a\u{1}b\"".into(),
            MALFORMED,
        ),
        ("malformed_nan", "NaN".into(), MALFORMED),
        ("malformed_comment", r#"{"a":1 /* x */}"#.into(), MALFORMED),
        ("malformed_byte_order_mark", "\u{feff}{}".into(), MALFORMED),
        // Not a number with a fault but no JSON number at all, like "01".
        ("malformed_negative_leading_zero", "[-01]".into(), MALFORMED),
        (
            "too_deep_17",
            format!("{}{}", "[".repeat(17), "]".repeat(17)),
            "too_deep",
        ),
        (
            "key_too_long_65_bytes",
            format!("{{\"{}\":1}}", "k".repeat(65)),
            "string_too_long",
        ),
    ];

    let mut vectors = Vec::new();
    for (name, input, expected) in ok {
        let got = canonicalize(input.as_bytes(), &Limits::ENVELOPE)
            .map(|b| String::from_utf8(b).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, expected, "{name}");
        vectors.push(CanonicalVector {
            name: name.into(),
            input,
            canonical: Some(expected),
            error: None,
        });
    }
    for (name, input, code) in errors {
        let got = canonicalize(input.as_bytes(), &Limits::ENVELOPE).unwrap_err();
        assert_eq!(got.code(), code, "{name}: {got}");
        vectors.push(CanonicalVector {
            name: name.into(),
            input,
            canonical: None,
            error: Some(code.into()),
        });
    }
    vectors
}

/// The positive vectors, and the signed envelopes negative vectors start from.
fn envelope_vectors() -> (Vec<EnvelopeVector>, Vec<SignedEnvelope>) {
    let service = keys(SERVICE_SEED);
    let hub = keys(HUB_SEED);
    assert_eq!(
        hex_encode(&service.public_key().to_bytes()),
        SERVICE_PUBLIC_HEX
    );

    let first = typed(
        "01936b2a-7c00-7000-8000-000000000001",
        SERVICE,
        1,
        None,
        "2026-11-23T09:30:00Z",
        &delegates_body(),
        &service,
    )
    .sign(&service)
    .unwrap();
    let second = typed(
        "01936b2a-7c00-7000-8000-000000000002",
        SERVICE,
        2,
        Some(first.hash().clone()),
        "2026-11-23T09:31:05Z",
        &Body::ProposalShared(proposal()),
        &service,
    )
    .sign(&service)
    .unwrap();
    let meeting = typed(
        "01936b2a-7c00-7000-8000-000000000003",
        HUB,
        1,
        None,
        "2026-11-24T08:00:00Z",
        &meeting_body(),
        &hub,
    )
    .sign(&hub)
    .unwrap();

    let vectors = vec![
        positive(
            "service_seq1_delegates_list",
            "A service's first message (seq 1, prev null): its list of delegates.",
            SERVICE_SEED,
            &first,
        ),
        positive(
            "service_seq2_proposal_shared",
            "The same service's second message: prev is the hash of \
             service_seq1_delegates_list; French text with non-ASCII characters.",
            SERVICE_SEED,
            &second,
        ),
        positive(
            "hub_seq1_meeting_published",
            "The hub's first message to its federation: a joint meeting.",
            HUB_SEED,
            &meeting,
        ),
    ];
    let mut vectors = vectors;
    let (more, correction) = erasure_vectors(&first, &second);
    vectors.extend(more);
    vectors.extend(position_vectors(&meeting, &correction));
    for v in &vectors {
        assert!(pipeline(&v.signed, &v.public_key, &v.audience, None).is_ok());
    }
    (vectors, vec![first, second, meeting])
}

/// §5.6: the first message once Marie Dupont's name is erased (same hash),
/// and the erasure that says so, third in the service's stream.
fn erasure_vectors(
    first: &SignedEnvelope,
    second: &SignedEnvelope,
) -> (Vec<EnvelopeVector>, SignedEnvelope) {
    let service = keys(SERVICE_SEED);
    let name_seal = first
        .openings()
        .iter()
        .find(|(_, o)| o.value == "Marie Dupont")
        .map(|(seal, _)| seal.clone())
        .unwrap();
    let erased = first.erased(std::slice::from_ref(&name_seal));
    assert_eq!(erased.hash(), first.hash());
    let erasure = typed(
        "01936b2a-7c00-7000-8000-000000000004",
        SERVICE,
        3,
        Some(second.hash().clone()),
        "2026-12-07T10:00:00Z",
        &Body::ContentErased(Erasure {
            targets: vec![ErasureTarget {
                message: first.envelope().id,
                seals: vec![name_seal],
            }],
        }),
        &service,
    )
    .sign(&service)
    .unwrap();
    // The fourth: the proposal of the second message, corrected (title,
    // text and theme; proposal.updated's optional `theme`, §8.3).
    let correction = typed(
        "01936b2a-7c00-7000-8000-000000000005",
        SERVICE,
        4,
        Some(erasure.hash().clone()),
        "2026-12-08T09:00:00Z",
        &Body::ProposalUpdated(ProposalUpdate {
            proposal: proposal().proposal,
            status: ProposalStatus::SentToManagement,
            comment: None,
            answer: None,
            title: Some("Rampe d'accès au jardin, côté réfectoire".into()),
            description: Some(
                "Une rampe près du réfectoire, pour que chacun·e sorte seul·e au jardin.".into(),
            ),
            theme: Some(Theme::WellBeing),
        }),
        &service,
    )
    .sign(&service)
    .unwrap();
    let vectors = vec![
        positive(
            "service_seq4_proposal_updated",
            "The same service's fourth message: it corrects the title, text and \
             theme of the proposal it shared (prev is the hash of \
             service_seq3_content_erased). Title and description are sealed; \
             the theme is not.",
            SERVICE_SEED,
            &correction,
        ),
        positive(
            "service_seq1_delegates_list_erased",
            "service_seq1_delegates_list after its origin erased Marie Dupont's name: \
             the opening is gone, the seal stays; same signature, same hash.",
            SERVICE_SEED,
            &erased,
        ),
        positive(
            "service_seq3_content_erased",
            "The same service's third message: it erases the name in its first \
             message (prev is the hash of service_seq2_proposal_shared).",
            SERVICE_SEED,
            &erasure,
        ),
    ];
    (vectors, correction)
}

/// The hub's meeting again, its agenda entries with their `point` and the
/// way there (`directions`); then the service's position on one point.
fn position_vectors(meeting: &SignedEnvelope, correction: &SignedEnvelope) -> Vec<EnvelopeVector> {
    let hub = keys(HUB_SEED);
    let service = keys(SERVICE_SEED);
    let point = uuid("01936b2a-7c00-7000-8000-0000000000d1");
    let Body::MeetingPublished(mut body) = meeting_body() else {
        unreachable!()
    };
    body.agenda[0].point = Some(point);
    body.agenda[1].point = Some(uuid("01936b2a-7c00-7000-8000-0000000000d2"));
    body.directions =
        Some("Bus 1, arrêt Ville-Basse ; entrée par la cour, rez-de-chaussée.".into());
    body.notice = Some("L'entrée se fait par la cour.".into());
    let updated = typed(
        "01936b2a-7c00-7000-8000-000000000006",
        HUB,
        2,
        Some(meeting.hash().clone()),
        "2026-12-09T08:00:00Z",
        &Body::MeetingUpdated(body.clone()),
        &hub,
    )
    .sign(&hub)
    .unwrap();
    let position = typed(
        "01936b2a-7c00-7000-8000-000000000007",
        SERVICE,
        5,
        Some(correction.hash().clone()),
        "2026-12-10T18:00:00Z",
        &Body::PositionShared(Position {
            position: uuid("01936b2a-7c00-7000-8000-0000000000e1"),
            meeting: Some(body.meeting),
            point: Some(point),
            proposal: None,
            stance: Stance::Question,
            comment: Some("Le jardin sera-t-il ouvert le week-end ?".into()),
        }),
        &service,
    )
    .sign(&service)
    .unwrap();
    vec![
        positive(
            "hub_seq2_meeting_updated",
            "The hub's second message: its meeting again, each agenda entry with \
             its `point` (the id positions name) and the way there \
             (`directions`, not sealed).",
            HUB_SEED,
            &updated,
        ),
        positive(
            "service_seq5_position_shared",
            "The service's fifth message (prev is the hash of \
             service_seq4_proposal_updated): its committee's position on the \
             first point of hub_seq2_meeting_updated, a question (the comment \
             is sealed).",
            SERVICE_SEED,
            &position,
        ),
    ]
}

fn negative_vectors() -> Vec<NegativeVector> {
    let (_, bases) = envelope_vectors();
    let [first, second, _] = <[SignedEnvelope; 3]>::try_from(bases).unwrap();
    let service = keys(SERVICE_SEED);
    let other = keys(OTHER_SEED);
    let service_pk = service.public_key().to_string();
    let signed_first = first.canonical_string();
    let signed_second = second.canonical_string();

    // A well-formed proposal.shared seq 1 envelope, to vary.
    let base = |id: &str, body: CanonicalValue| {
        envelope(
            id,
            SERVICE,
            HUB,
            1,
            None,
            "2026-11-23T10:00:00Z",
            "proposal.shared",
            body,
            &service,
        )
    };
    let proposal_members = || {
        Body::ProposalShared(proposal())
            .to_value()
            .unwrap()
            .as_object()
            .unwrap()
            .clone()
    };
    let with_body_member = |name: &str, value: CanonicalValue| {
        let mut m = proposal_members();
        m.insert(name.into(), value);
        CanonicalValue::Object(m)
    };

    // Correctly signed by the service, each with one defect.
    let oversized = {
        let mut m = proposal_members();
        let filler = "Lorem ipsum dolor sit amet. ".repeat(570); // 15 960 bytes
        m.insert("description".into(), string(&filler));
        let tags = (0..4).map(|_| string(&filler)).collect();
        m.insert("tags".into(), CanonicalValue::Array(tags));
        sign_members(
            members(&base(
                "01936b2a-7c00-7000-8000-000000000101",
                CanonicalValue::Object(m),
            )),
            &service,
        )
    };
    assert!(oversized.len() > Limits::ENVELOPE.max_bytes);
    let nested = |depth: usize| {
        let mut value = CanonicalValue::Integer(1);
        for _ in 0..depth {
            value = CanonicalValue::Array(vec![value]);
        }
        value
    };
    // The envelope is level 1, its body level 2: 15 arrays inside reach 17.
    let too_deep = sign_members(
        members(&base(
            "01936b2a-7c00-7000-8000-000000000102",
            with_body_member("annex", nested(15)),
        )),
        &service,
    );
    let at_depth_limit = sign_members(
        members(&base(
            "01936b2a-7c00-7000-8000-000000000102",
            with_body_member("annex", nested(14)),
        )),
        &service,
    );
    assert!(pipeline(&at_depth_limit, &service_pk, HUB, None).is_ok());
    // 8 193 × "é" is 16 386 UTF-8 bytes (but only 8 193 characters).
    let too_long = sign_members(
        members(&base(
            "01936b2a-7c00-7000-8000-000000000103",
            with_body_member("description", string(&"é".repeat(8_193))),
        )),
        &service,
    );
    let version_2 = {
        let mut m = members(&base(
            "01936b2a-7c00-7000-8000-000000000104",
            CanonicalValue::Object(proposal_members()),
        ));
        m.insert("v".into(), CanonicalValue::Integer(3));
        sign_members(m, &service)
    };
    let unknown_kind = {
        let mut coffee = BTreeMap::new();
        coffee.insert("size".into(), string("grand"));
        coffee.insert("sugar".into(), CanonicalValue::Integer(2));
        envelope(
            "01936b2a-7c00-7000-8000-000000000105",
            SERVICE,
            HUB,
            1,
            None,
            "2026-11-23T10:00:00Z",
            "coffee.ordered",
            CanonicalValue::Object(coffee),
            &service,
        )
        .sign(&service)
        .unwrap()
        .canonical_string()
    };
    let blank_title = base(
        "01936b2a-7c00-7000-8000-000000000106",
        with_body_member("title", string("   ")),
    )
    .sign(&service)
    .unwrap()
    .canonical_string();
    let unknown_theme = base(
        "01936b2a-7c00-7000-8000-000000000107",
        with_body_member("theme", string("teleportation")),
    )
    .sign(&service)
    .unwrap()
    .canonical_string();
    let missing_title = {
        let mut m = proposal_members();
        m.remove("title");
        base(
            "01936b2a-7c00-7000-8000-000000000108",
            CanonicalValue::Object(m),
        )
        .sign(&service)
        .unwrap()
        .canonical_string()
    };
    // Rules of §8.3 on a body alone, beyond the types (`invalid_body`).
    let of_kind = |id: &str, kind: &str, body: &str| {
        envelope(
            id,
            SERVICE,
            HUB,
            1,
            None,
            "2026-11-23T10:00:00Z",
            kind,
            CanonicalValue::from_json_str(body, &Limits::ENVELOPE).unwrap(),
            &service,
        )
        .sign(&service)
        .unwrap()
        .canonical_string()
    };
    let negative_figure = of_kind(
        "01936b2a-7c00-7000-8000-000000000113",
        "figures.shared",
        r#"{"period":"2026-Q3","figures":{"questionnaires_collected":40,"wish_to_join":-1}}"#,
    );
    let long_period = of_kind(
        "01936b2a-7c00-7000-8000-000000000114",
        "figures.shared",
        &format!(
            r#"{{"period":"{}","figures":{{"questionnaires_collected":40}}}}"#,
            "2026-Q3 ".repeat(6) + "xxx"
        ),
    );
    let tags_null = base(
        "01936b2a-7c00-7000-8000-000000000115",
        with_body_member("tags", CanonicalValue::Null),
    )
    .sign(&service)
    .unwrap()
    .canonical_string();
    let meeting_ends_before_start = of_kind(
        "01936b2a-7c00-7000-8000-000000000116",
        "meeting.published",
        r#"{"meeting":"01936b2a-7c00-7000-8000-0000000000c1","title":"Comité inter-SSM",
        "starts_at":"2026-12-01T09:00:00Z","ends_at":"2026-12-01T08:00:00Z",
        "place":"Charleroi","format":"réunion","agenda":[],"notice":null}"#,
    );
    let position_point_alone = of_kind(
        "01936b2a-7c00-7000-8000-000000000131",
        "position.shared",
        r#"{"position":"01936b2a-7c00-7000-8000-0000000000e1","meeting":null,
        "point":"01936b2a-7c00-7000-8000-0000000000d1","proposal":null,"stance":"for","comment":null}"#,
    );
    let position_about_nothing = of_kind(
        "01936b2a-7c00-7000-8000-000000000132",
        "position.shared",
        r#"{"position":"01936b2a-7c00-7000-8000-0000000000e1","meeting":null,"point":null,
        "proposal":null,"stance":"for","comment":null}"#,
    );
    let position_unknown_stance = of_kind(
        "01936b2a-7c00-7000-8000-000000000133",
        "position.shared",
        r#"{"position":"01936b2a-7c00-7000-8000-0000000000e1",
        "meeting":"01936b2a-7c00-7000-8000-0000000000c1","point":null,"proposal":null,
        "stance":"maybe","comment":null}"#,
    );
    let agenda_point_twice = of_kind(
        "01936b2a-7c00-7000-8000-000000000134",
        "meeting.published",
        r#"{"meeting":"01936b2a-7c00-7000-8000-0000000000c1","title":"Comité inter-SSM",
        "starts_at":"2026-12-01T09:00:00Z","ends_at":null,"place":"Charleroi","format":"réunion",
        "agenda":[{"title":"A","point":"01936b2a-7c00-7000-8000-0000000000d1"},
        {"title":"B","point":"01936b2a-7c00-7000-8000-0000000000d1"}],"notice":null}"#,
    );
    let subject_listed_twice = of_kind(
        "01936b2a-7c00-7000-8000-000000000117",
        "subject.updated",
        r#"{"subject":"01936b2a-7c00-7000-8000-0000000000d1","title":"Accès au jardin",
        "proposals":[{"service":"ssm-courcelles","proposal":"01936b2a-7c00-7000-8000-0000000000a1"},
        {"service":"ssm-courcelles","proposal":"01936b2a-7c00-7000-8000-0000000000a1"}]}"#,
    );
    let missing_ts = {
        let mut m = members(&base(
            "01936b2a-7c00-7000-8000-000000000109",
            CanonicalValue::Object(proposal_members()),
        ));
        m.remove("ts");
        sign_members(m, &service)
    };
    let unexpected_field = {
        let mut m = members(&base(
            "01936b2a-7c00-7000-8000-00000000010a",
            CanonicalValue::Object(proposal_members()),
        ));
        m.insert("priority".into(), string("high"));
        sign_members(m, &service)
    };
    let seq1_with_prev = {
        let mut m = members(&base(
            "01936b2a-7c00-7000-8000-00000000010b",
            CanonicalValue::Object(proposal_members()),
        ));
        m.insert("prev".into(), string(first.hash().as_str()));
        sign_members(m, &service)
    };
    let seq2_without_prev = {
        let mut m = members(&base(
            "01936b2a-7c00-7000-8000-00000000010c",
            CanonicalValue::Object(proposal_members()),
        ));
        m.insert("seq".into(), CanonicalValue::Integer(2));
        sign_members(m, &service)
    };
    let id_uppercase = {
        let mut m = members(&base(
            "01936b2a-7c00-7000-8000-00000000010d",
            CanonicalValue::Object(proposal_members()),
        ));
        m.insert("id".into(), string("01936B2A-7C00-7000-8000-00000000010D"));
        sign_members(m, &service)
    };
    let id_uuid_v4 = {
        let mut m = members(&base(
            "01936b2a-7c00-7000-8000-00000000010e",
            CanonicalValue::Object(proposal_members()),
        ));
        m.insert("id".into(), string("01936b2a-7c00-4000-8000-00000000010e"));
        sign_members(m, &service)
    };

    // Signatures that do not verify.
    let signed_by_other = sign_members(members(first.envelope()), &other);
    let other_key_not_pinned = {
        let mut e = first.envelope().clone();
        e.key = other.key_id().clone();
        e.sign(&other).unwrap().canonical_string()
    };
    let sig_text = first.signature().to_string();
    let flipped_sig = {
        let mut bytes = first.signature().to_bytes();
        bytes[10] ^= 0x01;
        b64_encode(&bytes)
    };
    let standard_base64_sig = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(first.signature().to_bytes())
    };
    let short_sig = b64_encode(&first.signature().to_bytes()[..63]);
    // The same signature with S replaced by S + L (the group order): the
    // equation still holds, but S is not canonical (RFC 8032 §5.1.7).
    let s_plus_l_sig = {
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut bytes = first.signature().to_bytes();
        let mut carry = 0u16;
        for (s, l) in bytes[32..].iter_mut().zip(L) {
            let sum = u16::from(*s) + u16::from(l) + carry;
            *s = (sum & 0xff) as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0);
        b64_encode(&bytes)
    };
    let quoted = |s: &str| format!("\"sig\":\"{s}\"");

    // §5.6: seals and openings, each case correctly signed.
    let plain_v1 = |id: &str, body: CanonicalValue| {
        let mut m = members(&base(id, CanonicalValue::Object(BTreeMap::new())));
        m.insert("v".into(), CanonicalValue::Integer(1));
        m.insert("body".into(), body);
        m
    };
    let open_in_v1 = {
        let m = plain_v1(
            "01936b2a-7c00-7000-8000-000000000120",
            CanonicalValue::Object(proposal_members()),
        );
        let signed = sign_members(m, &service);
        replace_once(&signed, "{\"body\":", "{\"open\":{},\"body\":")
    };
    let seal_in_v1 = {
        let mut body = proposal_members();
        body.insert("title".into(), seal::seal_object(&Hash::of(b"titre")));
        sign_members(
            plain_v1(
                "01936b2a-7c00-7000-8000-000000000121",
                CanonicalValue::Object(body),
            ),
            &service,
        )
    };
    let plain_in_v2 = {
        let mut m = plain_v1(
            "01936b2a-7c00-7000-8000-000000000122",
            CanonicalValue::Object(proposal_members()),
        );
        m.insert("v".into(), CanonicalValue::Integer(2));
        sign_members(m, &service)
    };
    let first_without_open = {
        let mut m = members(first.envelope());
        m.insert("sig".into(), string(&first.signature().to_string()));
        m
    };
    let empty_open = {
        let mut m = first_without_open.clone();
        m.insert("open".into(), CanonicalValue::Object(BTreeMap::new()));
        CanonicalValue::Object(m).to_canonical_string()
    };
    let opening_for_no_seal = {
        let stray = seal::Opening {
            salt: [9; seal::SALT_BYTES],
            value: "Jean Martin".into(),
        };
        let mut open = BTreeMap::new();
        open.insert(stray.seal().to_string(), stray.to_value());
        let mut m = first_without_open.clone();
        m.insert("open".into(), CanonicalValue::Object(open));
        CanonicalValue::Object(m).to_canonical_string()
    };
    let padded_salt = {
        let (seal, opening) = first.openings().iter().next().unwrap();
        let mut o = opening.to_value().as_object().unwrap().clone();
        let salt = b64_encode(&opening.salt);
        o.insert("salt".into(), string(&format!("{salt}==")));
        let mut open = BTreeMap::new();
        open.insert(seal.to_string(), CanonicalValue::Object(o));
        let mut m = first_without_open.clone();
        m.insert("open".into(), CanonicalValue::Object(open));
        CanonicalValue::Object(m).to_canonical_string()
    };
    let stray_seal = {
        let mut body = BTreeMap::new();
        body.insert("period".into(), string("2026-T4"));
        body.insert("figures".into(), CanonicalValue::Object(BTreeMap::new()));
        body.insert("note".into(), seal::seal_object(&Hash::of(b"note")));
        envelope(
            "01936b2a-7c00-7000-8000-000000000123",
            SERVICE,
            HUB,
            1,
            None,
            "2026-11-23T10:00:00Z",
            "figures.shared",
            CanonicalValue::Object(body),
            &service,
        )
        .sign(&service)
        .unwrap()
        .canonical_string()
    };
    let tampered_seal = {
        let (seal, _) = first.openings().iter().next().unwrap();
        replace_once(
            &signed_first,
            &format!("{{\"sealed\":\"{seal}\"}}"),
            &format!("{{\"sealed\":\"{}\"}}", Hash::of(b"another")),
        )
    };

    type Case<'a> = (&'a str, &'a str, String, &'a str, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "open_in_version_1",
            "A version 1 envelope (correctly signed) with an open member: version 1 \
             has no openings.",
            open_in_v1,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "seal_in_version_1",
            "A version 1 proposal.shared whose title is a seal: version 1 has no seals.",
            seal_in_v1,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "plain_text_in_version_2",
            "A version 2 proposal.shared whose title and description are plain \
             strings: in version 2 every erasable field is a seal.",
            plain_in_v2,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "empty_open",
            "service_seq1_delegates_list with \"open\":{}: an open member is absent \
             when it would be empty.",
            empty_open,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "opening_for_no_seal",
            "service_seq1_delegates_list whose open member holds an opening for a \
             seal the body does not have.",
            opening_for_no_seal,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "opening_with_padded_salt",
            "service_seq1_delegates_list with one opening's salt written with base64 \
             padding.",
            padded_salt,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "seal_outside_erasable_field",
            "A correctly signed figures.shared with an extra member that is a seal: \
             seals stand only in erasable fields.",
            stray_seal,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "tampered_seal",
            "service_seq1_delegates_list with one seal changed after signing (and its \
             opening left under the old seal).",
            tampered_seal,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "tampered_body",
            "service_seq1_delegates_list with one delegate's label changed after signing, \
             in its opening: the opening no longer opens its seal (§5.6).",
            replace_once(&signed_first, "Marie Dupont", "Marie Durand"),
            HUB,
            "verify_signature",
            "bad_signature",
        ),
        (
            "tampered_signature",
            "service_seq1_delegates_list with one bit of the signature flipped.",
            replace_once(&signed_first, &quoted(&sig_text), &quoted(&flipped_sig)),
            HUB,
            "verify_signature",
            "bad_signature",
        ),
        (
            "signed_by_another_key",
            "Names the service's key, but was signed by another seed.",
            signed_by_other,
            HUB,
            "verify_signature",
            "bad_signature",
        ),
        (
            "key_not_pinned",
            "Correctly signed by another key, which it names; the receiver only \
             pinned the service's key.",
            other_key_not_pinned,
            HUB,
            "verify_signature",
            "unknown_key",
        ),
        (
            "wrong_audience",
            "service_seq1_delegates_list received by a node of another federation.",
            signed_first.clone(),
            "hub-namur",
            "check_audience",
            "wrong_audience",
        ),
        (
            "float_in_body",
            "service_seq2_proposal_shared with a number 4.5 added to the body.",
            replace_once(&signed_second, "\"body\":{", "\"body\":{\"priority\":4.5,"),
            HUB,
            "parse",
            "not_canonical_number",
        ),
        (
            "exponent_in_body",
            "service_seq2_proposal_shared with a number 1e2 added to the body.",
            replace_once(&signed_second, "\"body\":{", "\"body\":{\"priority\":1e2,"),
            HUB,
            "parse",
            "not_canonical_number",
        ),
        (
            "duplicate_key_in_body",
            "service_seq1_delegates_list with a second, empty \"delegates\" member \
             before the real one.",
            replace_once(&signed_first, "\"body\":{", "\"body\":{\"delegates\":[],"),
            HUB,
            "parse",
            "duplicate_key",
        ),
        (
            "duplicate_key_escaped_top_level",
            "service_seq1_delegates_list with a second \"seq\" member spelled with \
             an escape (\"s\\u0065q\").",
            replace_once(&signed_first, "{\"body\":", "{\"s\\u0065q\":2,\"body\":"),
            HUB,
            "parse",
            "duplicate_key",
        ),
        (
            "oversized_envelope",
            "Correctly signed, but larger than 65536 bytes.",
            oversized,
            HUB,
            "parse",
            "too_large",
        ),
        (
            "too_deep",
            "Correctly signed, with 17 levels of nesting (the limit is 16).",
            too_deep,
            HUB,
            "parse",
            "too_deep",
        ),
        (
            "string_too_long",
            "Correctly signed, with a description of 16386 UTF-8 bytes (the limit \
             is 16384 bytes).",
            too_long,
            HUB,
            "parse",
            "string_too_long",
        ),
        (
            "unsupported_version",
            "Correctly signed, with \"v\":3.",
            version_2,
            HUB,
            "parse",
            "unsupported_version",
        ),
        (
            "unknown_kind",
            "Well-formed and correctly signed, of kind coffee.ordered.",
            unknown_kind,
            HUB,
            "body",
            "unknown_kind",
        ),
        (
            "invalid_body_blank_title",
            "Correctly signed proposal.shared whose title is only spaces.",
            blank_title,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_unknown_theme",
            "Correctly signed proposal.shared with a theme that does not exist.",
            unknown_theme,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_missing_title",
            "Correctly signed proposal.shared without a title.",
            missing_title,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_negative_figure",
            "Correctly signed figures.shared with a count of -1: figures are \
             counts.",
            negative_figure,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_period_51_characters",
            "Correctly signed figures.shared whose period has 51 characters (at \
             most 50).",
            long_period,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_tags_null",
            "Correctly signed proposal.shared with \"tags\":null: a list that \
             may be absent may not be null.",
            tags_null,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_position_point_without_meeting",
            "Correctly signed position.shared naming a point without its meeting.",
            position_point_alone,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_position_about_nothing",
            "Correctly signed position.shared naming neither a meeting nor a \
             proposal.",
            position_about_nothing,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_position_unknown_stance",
            "Correctly signed position.shared whose stance is \"maybe\".",
            position_unknown_stance,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_agenda_point_twice",
            "Correctly signed meeting.published whose two agenda entries have \
             the same point.",
            agenda_point_twice,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_meeting_ends_before_start",
            "Correctly signed meeting.published that ends an hour before it \
             starts (the body is read before the sender's role is checked, \
             §6: this one is signed by a service).",
            meeting_ends_before_start,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "invalid_body_subject_lists_a_proposal_twice",
            "Correctly signed subject.updated naming the same proposal twice \
             (signed by a service, as above).",
            subject_listed_twice,
            HUB,
            "body",
            "invalid_body",
        ),
        (
            "missing_field",
            "Correctly signed, without \"ts\".",
            missing_ts,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "unexpected_top_level_field",
            "Correctly signed, with an extra top-level member \"priority\".",
            unexpected_field,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "signature_standard_base64",
            "service_seq1_delegates_list with its signature in standard base64 with \
             padding instead of base64url without padding.",
            replace_once(
                &signed_first,
                &quoted(&sig_text),
                &quoted(&standard_base64_sig),
            ),
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "signature_s_not_canonical",
            "service_seq1_delegates_list with the signature's S replaced by S + L: \
             the cofactorless equation still holds, but S >= L must be refused.",
            replace_once(&signed_first, &quoted(&sig_text), &quoted(&s_plus_l_sig)),
            HUB,
            "verify_signature",
            "bad_signature",
        ),
        (
            "signature_63_bytes",
            "service_seq1_delegates_list with the last byte of its signature cut off.",
            replace_once(&signed_first, &quoted(&sig_text), &quoted(&short_sig)),
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "seq1_with_prev",
            "Correctly signed, seq 1 with a non-null prev.",
            seq1_with_prev,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "seq2_without_prev",
            "Correctly signed, seq 2 with a null prev.",
            seq2_without_prev,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "id_uppercase",
            "Correctly signed, with an upper-case id.",
            id_uppercase,
            HUB,
            "parse",
            "invalid_envelope",
        ),
        (
            "id_not_uuid_v7",
            "Correctly signed, with a UUIDv4 id.",
            id_uuid_v4,
            HUB,
            "parse",
            "invalid_envelope",
        ),
    ];

    let mut vectors: Vec<NegativeVector> = cases
        .into_iter()
        .map(|(name, description, input, audience, step, error)| {
            let got = pipeline(&input, &service_pk, audience, None).map(|_| ());
            assert_eq!(got, Err((step, error)), "{name}");
            NegativeVector {
                name: name.into(),
                description: description.into(),
                input,
                public_key: service_pk.clone(),
                audience: audience.into(),
                now: None,
                step: step.into(),
                error: error.into(),
            }
        })
        .collect();

    // The hub's clock rule (SPEC.md §5.2): `ts` at most 600 s ahead of `now`.
    let now = "2026-11-23T10:00:00Z";
    let at_time = |id: &str, time: &str, body: CanonicalValue| {
        let mut m = members(&base(id, body));
        m.insert("ts".into(), string(time));
        sign_members(m, &service)
    };
    let time_cases: Vec<Case> = vec![
        (
            "ts_too_far_ahead",
            "Correctly signed, with ts 601 s after the receiver's clock `now`: \
             refused at the time check (not permanent: accepted once the clock \
             has caught up).",
            at_time(
                "01936b2a-7c00-7000-8000-000000000111",
                "2026-11-23T10:10:01Z",
                CanonicalValue::Object(proposal_members()),
            ),
            HUB,
            "check_time",
            "future_timestamp",
        ),
        (
            "ts_at_the_limit_then_blank_title",
            "Correctly signed, with ts exactly 600 s after `now` (allowed, the \
             bound is included) and a blank title: passes the time check and \
             fails at the body.",
            at_time(
                "01936b2a-7c00-7000-8000-000000000112",
                "2026-11-23T10:10:00Z",
                with_body_member("title", string("   ")),
            ),
            HUB,
            "body",
            "invalid_body",
        ),
    ];
    vectors.extend(time_cases.into_iter().map(
        |(name, description, input, audience, step, error)| {
            let got = pipeline(&input, &service_pk, audience, Some(now)).map(|_| ());
            assert_eq!(got, Err((step, error)), "{name}");
            NegativeVector {
                name: name.into(),
                description: description.into(),
                input,
                public_key: service_pk.clone(),
                audience: audience.into(),
                now: Some(now.into()),
                step: step.into(),
                error: error.into(),
            }
        },
    ));
    vectors
}

/// What a receiver needs besides the header: its view of the request and clock.
struct Received {
    method: &'static str,
    target: String,
    destination: &'static str,
    body: String,
    now: String,
}

fn request_negative(
    name: &str,
    description: &str,
    public_key: &str,
    header: String,
    received: Received,
    error: &str,
) -> RequestVector {
    let destination = node(received.destination);
    let parts = RequestParts {
        method: received.method,
        target: &received.target,
        destination: &destination,
        body: received.body.as_bytes(),
    };
    let got = request_check(&header, public_key, &parts, &received.now, WINDOW_SECS).map(|_| ());
    assert_eq!(got, Err(error), "{name}");
    RequestVector {
        name: name.into(),
        description: description.into(),
        public_key: public_key.into(),
        method: received.method.into(),
        target: received.target,
        destination: received.destination.into(),
        body: received.body,
        header,
        now: received.now,
        window_secs: WINDOW_SECS,
        seed_hex: None,
        key_id: None,
        origin: None,
        time: None,
        nonce: None,
        body_hash: None,
        signing_object: None,
        signature: None,
        header_as_sent: None,
        error: Some(error.into()),
    }
}

fn request_vectors() -> Vec<RequestVector> {
    let service = keys(SERVICE_SEED);
    let other = keys(OTHER_SEED);
    let service_pk = service.public_key().to_string();
    let hub = node(HUB);
    let origin = node(SERVICE);
    for nonce in [NONCE_A, NONCE_B, NONCE_C] {
        assert_eq!(b64_decode(nonce).unwrap().len(), 16, "{nonce}");
    }

    let feed_target = "/fed/v1/feed?after=0&limit=200&wait=25";
    let time = "2026-11-23T10:00:00Z";
    let time_plus = |secs: i64| {
        Timestamp::from_unix(ts(time).unix() + secs)
            .unwrap()
            .to_string()
    };
    // The body of a push: the first message of the service's stream.
    let inbox_body = format!(
        "{{\"messages\":[{}]}}",
        envelope_vectors().0[0].signed.as_str()
    );

    // (name, description, method, target, body, nonce, receiver's clock)
    let positives: [(&str, &str, &str, &str, &str, &str, String); 3] = [
        (
            "request_get_feed",
            "The service pulls the hub's feed (GET, empty body), received at \
             the signing time.",
            "GET",
            feed_target,
            "",
            NONCE_A,
            time.to_owned(),
        ),
        (
            "request_get_feed_same_second",
            "The same GET in the same second with another nonce: a distinct \
             signature, so not a replay. Received 300 s before its time (the \
             receiver's clock is late): the bound is included.",
            "GET",
            feed_target,
            "",
            NONCE_B,
            time_plus(-300),
        ),
        (
            "request_post_inbox",
            "The service pushes its first message (POST, body = a push of \
             service_seq1_delegates_list), received 300 s after its time: the \
             bound is included.",
            "POST",
            "/fed/v1/inbox",
            &inbox_body,
            NONCE_C,
            time_plus(300),
        ),
    ];
    let mut vectors = Vec::new();
    let mut signed = Vec::new();
    for (name, description, method, target, body, nonce, now) in positives {
        let parts = RequestParts {
            method,
            target,
            destination: &hub,
            body: body.as_bytes(),
        };
        let sig = RequestSignature::sign(&parts, &origin, &service, ts(time), nonce.to_owned());
        let header = sig.to_header();
        assert_eq!(
            request_check(&header, &service_pk, &parts, &now, WINDOW_SECS),
            Ok(sig.clone()),
            "{name}"
        );
        vectors.push(RequestVector {
            name: name.into(),
            description: description.into(),
            public_key: service_pk.clone(),
            method: method.into(),
            target: target.into(),
            destination: HUB.into(),
            body: body.into(),
            header: header.clone(),
            now,
            window_secs: WINDOW_SECS,
            seed_hex: Some(SERVICE_SEED.into()),
            key_id: Some(service.key_id().to_string()),
            origin: Some(SERVICE.into()),
            time: Some(time.into()),
            nonce: Some(nonce.into()),
            body_hash: Some(Hash::of(body.as_bytes()).to_string()),
            signing_object: Some(
                request_signing_object(&parts, &origin, service.key_id(), ts(time), nonce)
                    .to_canonical_string(),
            ),
            signature: Some(sig.sig.to_string()),
            header_as_sent: Some(header.clone()),
            error: None,
        });
        signed.push(sig);
    }
    // request_get_feed's header as a receiver may also get it (§9.3): the
    // parameters in another order, more spaces after the scheme's one, spaces
    // and tabs around the commas.
    let spaced = {
        let s = &signed[0];
        format!(
            "Passerelle   sig=\"{}\" ,\tnonce=\"{}\",  time=\"{}\"\t, key=\"{}\",origin=\"{}\"",
            s.sig, s.nonce, s.time, s.key, s.origin
        )
    };
    {
        let first = vectors[0].clone();
        let parts = RequestParts {
            method: "GET",
            target: feed_target,
            destination: &hub,
            body: b"",
        };
        assert_eq!(
            request_check(&spaced, &service_pk, &parts, &first.now, WINDOW_SECS),
            Ok(signed[0].clone())
        );
        vectors.push(RequestVector {
            name: "request_header_spaced".into(),
            description: "request_get_feed with its header written otherwise: the \
                          parameters in reverse order, three spaces after the scheme, \
                          spaces and tabs around the commas. Accepted: it is the same \
                          request (header_as_sent is how a sender writes it)."
                .into(),
            header: spaced,
            ..first
        });
    }
    assert_ne!(
        signed[0].sig, signed[1].sig,
        "nonces make signatures distinct"
    );

    let get_header = signed[0].to_header();
    let post_header = signed[2].to_header();
    let get = |now: String| Received {
        method: "GET",
        target: feed_target.to_owned(),
        destination: HUB,
        body: String::new(),
        now,
    };
    let post = |body: String| Received {
        method: "POST",
        target: "/fed/v1/inbox".to_owned(),
        destination: HUB,
        body,
        now: time.to_owned(),
    };
    let spaced_body = replace_once(&inbox_body, "{\"messages\":", "{\"messages\": ");
    let header_without = |param: &str| {
        let s = &signed[0];
        let all = [
            ("origin", s.origin.to_string()),
            ("key", s.key.to_string()),
            ("time", s.time.to_string()),
            ("nonce", s.nonce.clone()),
            ("sig", s.sig.to_string()),
        ];
        let kept: Vec<String> = all
            .iter()
            .filter(|(n, _)| *n != param)
            .map(|(n, v)| format!("{n}=\"{v}\""))
            .collect();
        format!("Passerelle {}", kept.join(","))
    };
    // The service's request signed by a key the receiver did not pin for it.
    let other_key_header = {
        let parts = RequestParts {
            method: "GET",
            target: feed_target,
            destination: &hub,
            body: b"",
        };
        RequestSignature::sign(&parts, &origin, &other, ts(time), NONCE_A.to_owned()).to_header()
    };

    vectors.extend([
        request_negative(
            "request_tampered_body",
            "request_post_inbox received with one space added to its body.",
            &service_pk,
            post_header.clone(),
            post(spaced_body),
            "bad_signature",
        ),
        request_negative(
            "request_other_destination",
            "request_get_feed (signed for hub-charleroi) received by hub-namur, \
             which rebuilds the signing object with its own id.",
            &service_pk,
            get_header.clone(),
            Received {
                destination: "hub-namur",
                ..get(time.to_owned())
            },
            "bad_signature",
        ),
        request_negative(
            "request_other_target",
            "request_get_feed received with another query string (after=1).",
            &service_pk,
            get_header.clone(),
            Received {
                target: "/fed/v1/feed?after=1&limit=200&wait=25".to_owned(),
                ..get(time.to_owned())
            },
            "bad_signature",
        ),
        request_negative(
            "request_expired",
            "request_get_feed received 301 s after its time (the window is 300 s).",
            &service_pk,
            get_header.clone(),
            get(time_plus(301)),
            "request_expired",
        ),
        request_negative(
            "request_from_the_future",
            "request_get_feed received 301 s before its time.",
            &service_pk,
            get_header.clone(),
            get(time_plus(-301)),
            "request_expired",
        ),
        request_negative(
            "request_key_not_pinned",
            "request_get_feed signed by (and naming) a key the receiver did not \
             pin for ssm-courcelles.",
            &service_pk,
            other_key_header,
            get(time.to_owned()),
            "unknown_key",
        ),
        request_negative(
            "request_header_unquoted_value",
            "request_get_feed's header with the origin value not in quotes.",
            &service_pk,
            replace_once(
                &get_header,
                "origin=\"ssm-courcelles\"",
                "origin=ssm-courcelles",
            ),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_other_scheme",
            "request_get_feed's parameters under the scheme Signature.",
            &service_pk,
            replace_once(&get_header, "Passerelle ", "Signature "),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_missing_nonce",
            "request_get_feed's header without its nonce parameter (the four \
             parameters of the earlier form).",
            &service_pk,
            header_without("nonce"),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_nonce_15_bytes",
            "request_get_feed's header with a nonce of 15 bytes (20 characters).",
            &service_pk,
            replace_once(&get_header, NONCE_A, &NONCE_A[..20]),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_duplicate_parameter",
            "request_get_feed's header with its origin parameter twice.",
            &service_pk,
            format!("{get_header},origin=\"{SERVICE}\""),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_extra_parameter",
            "request_get_feed's header with a sixth parameter.",
            &service_pk,
            format!("{get_header},realm=\"passerelle\""),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_space_around_equals",
            "request_get_feed's header with a space on each side of origin's =.",
            &service_pk,
            replace_once(
                &get_header,
                "origin=\"ssm-courcelles\"",
                "origin = \"ssm-courcelles\"",
            ),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_parameter_name_upper_case",
            "request_get_feed's header with the parameter Origin instead of origin \
             (names are case-sensitive).",
            &service_pk,
            replace_once(&get_header, "origin=", "Origin="),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_scheme_lower_case",
            "request_get_feed's header with the scheme written passerelle.",
            &service_pk,
            replace_once(&get_header, "Passerelle ", "passerelle "),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_tab_after_scheme",
            "request_get_feed's header with a tab instead of the space after the \
             scheme.",
            &service_pk,
            replace_once(&get_header, "Passerelle ", "Passerelle\t"),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_trailing_comma",
            "request_get_feed's header followed by a comma (an empty sixth piece).",
            &service_pk,
            format!("{get_header},"),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_text_after_value",
            "request_get_feed's header with text after origin's closing quote.",
            &service_pk,
            replace_once(
                &get_header,
                "origin=\"ssm-courcelles\"",
                "origin=\"ssm-courcelles\" x",
            ),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
        request_negative(
            "request_header_no_break_space",
            "request_get_feed's header with a no-break space (U+00A0) after its \
             first parameter: only spaces and tabs may surround a parameter.",
            &service_pk,
            get_header.replacen(',', "\u{a0},", 1),
            get(time.to_owned()),
            "invalid_request_signature",
        ),
    ]);
    vectors
}

fn descriptor_vectors() -> Vec<DescriptorVector> {
    let hub = keys(HUB_SEED);
    let service = keys(SERVICE_SEED);
    let other = keys(OTHER_SEED);

    let hub_descriptor = NodeDescriptor::signed(
        node(HUB),
        "Hub de Charleroi".into(),
        NodeRole::Hub,
        vec![],
        &hub,
    )
    .unwrap();
    let service_descriptor = NodeDescriptor::signed(
        node(SERVICE),
        "Service de santé mentale de Courcelles".into(),
        NodeRole::Service,
        vec![other.public_key()],
        &service,
    )
    .unwrap();

    let positive = |name: &str, description: &str, seed: &str, value: &CanonicalValue| {
        let pair = keys(seed);
        let mut unsigned = value.as_object().unwrap().clone();
        let sig = unsigned.remove("sig").unwrap();
        let descriptor = value.to_canonical_string();
        assert!(descriptor_check(&descriptor).is_ok(), "{name}");
        DescriptorVector {
            name: name.into(),
            description: description.into(),
            descriptor,
            seed_hex: Some(seed.into()),
            public_key: Some(pair.public_key().to_string()),
            key_id: Some(pair.key_id().to_string()),
            unsigned: Some(CanonicalValue::Object(unsigned).to_canonical_string()),
            signature: Some(sig.as_str().unwrap().into()),
            error: None,
        }
    };
    let negative = |name: &str, description: &str, descriptor: String, error: &str| {
        assert_eq!(
            descriptor_check(&descriptor).map(|_| ()),
            Err(error),
            "{name}"
        );
        DescriptorVector {
            name: name.into(),
            description: description.into(),
            descriptor,
            seed_hex: None,
            public_key: None,
            key_id: None,
            unsigned: None,
            signature: None,
            error: Some(error.into()),
        }
    };
    let hub_members = || {
        let mut m = hub_descriptor.as_object().unwrap().clone();
        m.remove("sig");
        m
    };
    let resigned = |m: BTreeMap<String, CanonicalValue>, pair: &KeyPair| {
        sign_object(CanonicalValue::Object(m), pair)
            .unwrap()
            .to_canonical_string()
    };
    let hub_text = hub_descriptor.to_canonical_string();

    vec![
        positive(
            "descriptor_hub",
            "The hub's descriptor, as served at /.well-known/passerelle.",
            HUB_SEED,
            &hub_descriptor,
        ),
        positive(
            "descriptor_service_with_previous_key",
            "A service's descriptor listing one previous key; the name has \
             non-ASCII characters.",
            SERVICE_SEED,
            &service_descriptor,
        ),
        negative(
            "descriptor_tampered",
            "descriptor_hub with its name changed after signing.",
            replace_once(&hub_text, "Hub de Charleroi", "Hub de Namur"),
            "bad_signature",
        ),
        negative(
            "descriptor_key_is_not_public_key",
            "The hub's descriptor signed by another key, which `key` names: \
             `key` is not the key id of `public_key`.",
            resigned(hub_members(), &other),
            "unknown_key",
        ),
        negative(
            "descriptor_version_2",
            "The hub's descriptor with \"v\":2, correctly signed.",
            {
                let mut m = hub_members();
                m.insert("v".into(), CanonicalValue::Integer(2));
                resigned(m, &hub)
            },
            "unsupported_version",
        ),
        negative(
            "descriptor_wrong_type",
            "The hub's descriptor with \"type\":\"passerelle.request\", correctly \
             signed.",
            {
                let mut m = hub_members();
                m.insert("type".into(), string("passerelle.request"));
                resigned(m, &hub)
            },
            "invalid_envelope",
        ),
        negative(
            "descriptor_small_order_key",
            "A descriptor whose public_key is the neutral point (small order) and \
             whose sig is R = the neutral point, S = 0: it satisfies the \
             cofactorless equation for every message, and strict verification \
             must refuse it.",
            {
                let mut neutral = [0u8; 32];
                neutral[0] = 1;
                let public_key = PublicKey::parse(&b64_encode(&neutral)).unwrap();
                let mut m = hub_members();
                m.insert("public_key".into(), string(&public_key.to_string()));
                m.insert("key".into(), string(public_key.key_id().as_str()));
                let mut sig = [0u8; 64];
                sig[..32].copy_from_slice(&neutral);
                m.insert("sig".into(), string(&b64_encode(&sig)));
                CanonicalValue::Object(m).to_canonical_string()
            },
            "bad_signature",
        ),
    ]
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn vectors_are_deterministic() {
    assert_eq!(generate(), generate());
}

#[test]
fn vectors_match_files() {
    regenerate_if_asked();
    let dir = vectors_dir();
    for (file, expected) in generate().files() {
        let path = dir.join(file);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}; run `{REGENERATE_VAR}=1 cargo test -p \
                 passerelle-protocol --test protocol`",
                path.display()
            )
        });
        if on_disk != expected {
            let line = on_disk
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .map_or_else(
                    || on_disk.lines().count().min(expected.lines().count()) + 1,
                    |n| n + 1,
                );
            panic!(
                "{} differs from the generator from line {line} on; if the change \
                 is intended, run `{REGENERATE_VAR}=1 cargo test -p \
                 passerelle-protocol --test protocol` and review the diff",
                path.display()
            );
        }
    }
}

fn read_vectors<T: serde::de::DeserializeOwned>(file: &str) -> Vec<T> {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_known_code(code: &str, name: &str) {
    assert!(
        ProtocolError::ALL_CODES.contains(&code),
        "{name}: unknown error code {code:?}"
    );
}

/// Reads the files only (never the generator) and re-checks every vector.
#[test]
fn vectors_verify() {
    regenerate_if_asked();

    // canonical.json
    let canonical: Vec<CanonicalVector> = read_vectors("canonical.json");
    assert!(canonical.len() >= 30);
    for v in &canonical {
        let got = canonicalize(v.input.as_bytes(), &Limits::ENVELOPE);
        match (&v.canonical, &v.error) {
            (Some(expected), None) => {
                let got = String::from_utf8(got.unwrap()).unwrap();
                assert_eq!(&got, expected, "{}", v.name);
                // A canonical form is its own canonical form.
                let again = canonicalize(expected.as_bytes(), &Limits::ENVELOPE).unwrap();
                assert_eq!(&String::from_utf8(again).unwrap(), expected, "{}", v.name);
            }
            (None, Some(code)) => {
                assert_known_code(code, &v.name);
                assert_eq!(got.unwrap_err().code(), code, "{}", v.name);
            }
            _ => panic!("{}: needs exactly one of canonical and error", v.name),
        }
    }

    // envelopes.json
    let envelopes: Vec<EnvelopeVector> = read_vectors("envelopes.json");
    assert!(envelopes.len() >= 3);
    for v in &envelopes {
        let name = &v.name;
        assert_eq!(
            v.unsigned, v.canonical,
            "{name}: unsigned is already canonical"
        );
        let unsigned = CanonicalValue::from_json_str(&v.unsigned, &Limits::ENVELOPE).unwrap();
        assert_eq!(unsigned.to_canonical_string(), v.canonical, "{name}");
        assert!(!unsigned.as_object().unwrap().contains_key("sig"), "{name}");

        let pair = KeyPair::from_seed(&hex_decode_32(&v.seed_hex));
        assert_eq!(pair.public_key().to_string(), v.public_key, "{name}");
        assert_eq!(pair.key_id().as_str(), v.key_id, "{name}");
        // Ed25519 is deterministic: the same seed and bytes give the same signature.
        assert_eq!(
            pair.sign(v.canonical.as_bytes()).to_string(),
            v.signature,
            "{name}"
        );

        let public_key = PublicKey::parse(&v.public_key).unwrap();
        let audience = NodeId::parse(&v.audience).unwrap();
        let signed = SignedEnvelope::parse(v.signed.as_bytes()).unwrap();
        signed.verify_signature(&public_key).unwrap();
        signed.check_audience(&audience).unwrap();
        signed.body().unwrap();
        assert_eq!(signed.canonical_string(), v.signed, "{name}");
        assert_eq!(signed.hash().as_str(), v.hash, "{name}");
        // The hash is over the signed envelope without `open` (§5.3).
        let mut without_open =
            CanonicalValue::from_json_bytes(v.signed.as_bytes(), &Limits::ENVELOPE)
                .unwrap()
                .as_object()
                .unwrap()
                .clone();
        let open = without_open.remove("open");
        assert_eq!(
            Hash::of(&CanonicalValue::Object(without_open.clone()).to_canonical_bytes()).as_str(),
            v.hash,
            "{name}"
        );
        assert_eq!(signed.signature().to_string(), v.signature, "{name}");
        assert_eq!(signed.envelope().key.as_str(), v.key_id, "{name}");
        assert_eq!(
            signed.envelope().signing_bytes(),
            v.canonical.as_bytes(),
            "{name}"
        );
        // The signed form is the unsigned form plus "sig".
        let mut with_sig = unsigned.as_object().unwrap().clone();
        with_sig.insert("sig".into(), CanonicalValue::String(v.signature.clone()));
        assert_eq!(with_sig, without_open, "{name}");
        if let Some(open) = open {
            with_sig.insert("open".into(), open);
        }
        assert_eq!(
            CanonicalValue::Object(with_sig).to_canonical_string(),
            v.signed,
            "{name}"
        );
        // A later message chains to the hash of an earlier vector.
        let e = signed.envelope();
        match &e.prev {
            None => assert_eq!(e.seq, 1, "{name}"),
            Some(prev) => assert!(
                envelopes.iter().any(|o| o.hash == prev.as_str()
                    && SignedEnvelope::parse(o.signed.as_bytes())
                        .unwrap()
                        .envelope()
                        .seq
                        == e.seq - 1),
                "{name}: prev names no vector of seq {}",
                e.seq - 1
            ),
        }
    }
    assert!(envelopes.iter().any(|v| v.signed.contains("\"seq\":2")));

    // keys.json
    let scenarios: Vec<key_vectors::KeyScenario> = read_vectors("keys.json");
    for sc in &scenarios {
        for st in &sc.steps {
            // domain_rule is a receiver's code (§8.2, §11), not the library's.
            if !["accepted", "duplicate", "domain_rule"].contains(&st.result.as_str()) {
                assert_known_code(&st.result, &sc.name);
            }
        }
    }
    key_vectors::verify(&scenarios);

    // negative.json
    let negative: Vec<NegativeVector> = read_vectors("negative.json");
    assert!(negative.len() >= 15);
    for v in &negative {
        assert_known_code(&v.error, &v.name);
        let got = pipeline(&v.input, &v.public_key, &v.audience, v.now.as_deref()).map(|_| ());
        assert_eq!(got, Err((v.step.as_str(), v.error.as_str())), "{}", v.name);
    }

    // requests.json
    let requests: Vec<RequestVector> = read_vectors("requests.json");
    assert!(requests.iter().filter(|v| v.error.is_none()).count() >= 2);
    assert!(requests.iter().filter(|v| v.error.is_some()).count() >= 5);
    for v in &requests {
        let name = &v.name;
        let destination = NodeId::parse(&v.destination).unwrap();
        let parts = RequestParts {
            method: &v.method,
            target: &v.target,
            destination: &destination,
            body: v.body.as_bytes(),
        };
        let got = request_check(&v.header, &v.public_key, &parts, &v.now, v.window_secs);
        let Some(code) = &v.error else {
            let sig = got.unwrap_or_else(|e| panic!("{name}: {e}"));
            let field = |f: &Option<String>| f.clone().unwrap_or_else(|| panic!("{name}"));
            let pair = KeyPair::from_seed(&hex_decode_32(&field(&v.seed_hex)));
            assert_eq!(pair.public_key().to_string(), v.public_key, "{name}");
            assert_eq!(pair.key_id().as_str(), field(&v.key_id), "{name}");
            assert_eq!(sig.origin.as_str(), field(&v.origin), "{name}");
            assert_eq!(sig.key.as_str(), field(&v.key_id), "{name}");
            assert_eq!(sig.time.to_string(), field(&v.time), "{name}");
            assert_eq!(sig.nonce, field(&v.nonce), "{name}");
            assert_eq!(sig.sig.to_string(), field(&v.signature), "{name}");
            assert_eq!(
                Hash::of(v.body.as_bytes()).as_str(),
                field(&v.body_hash),
                "{name}"
            );
            let object =
                request_signing_object(&parts, &sig.origin, &sig.key, sig.time, &sig.nonce)
                    .to_canonical_string();
            assert_eq!(object, field(&v.signing_object), "{name}");
            assert_eq!(
                pair.sign(object.as_bytes()).to_string(),
                field(&v.signature),
                "{name}"
            );
            assert_eq!(
                sig.to_header(),
                field(&v.header_as_sent),
                "{name}: the header as a sender writes it"
            );
            continue;
        };
        assert_known_code(code, name);
        assert!(v.seed_hex.is_none() && v.signature.is_none(), "{name}");
        assert_eq!(got.map(|_| ()), Err(code.as_str()), "{name}");
    }

    // descriptors.json
    let descriptors: Vec<DescriptorVector> = read_vectors("descriptors.json");
    assert!(descriptors.iter().any(|v| v.error.is_none()));
    assert!(descriptors
        .iter()
        .any(|v| v.error.as_deref() == Some("bad_signature")));
    for v in &descriptors {
        let name = &v.name;
        let got = descriptor_check(&v.descriptor);
        let Some(code) = &v.error else {
            let descriptor = got.unwrap_or_else(|e| panic!("{name}: {e}"));
            let field = |f: &Option<String>| f.clone().unwrap_or_else(|| panic!("{name}"));
            let pair = KeyPair::from_seed(&hex_decode_32(&field(&v.seed_hex)));
            assert_eq!(
                pair.public_key().to_string(),
                field(&v.public_key),
                "{name}"
            );
            assert_eq!(descriptor.public_key, pair.public_key(), "{name}");
            assert_eq!(descriptor.key.as_str(), field(&v.key_id), "{name}");
            let unsigned = field(&v.unsigned);
            assert_eq!(
                pair.sign(unsigned.as_bytes()).to_string(),
                field(&v.signature),
                "{name}"
            );
            let mut m = CanonicalValue::from_json_str(&unsigned, &Limits::ENVELOPE)
                .unwrap()
                .as_object()
                .unwrap()
                .clone();
            assert_eq!(
                CanonicalValue::Object(m.clone()).to_canonical_string(),
                unsigned,
                "{name}: unsigned is canonical"
            );
            m.insert("sig".into(), CanonicalValue::String(field(&v.signature)));
            assert_eq!(
                CanonicalValue::Object(m).to_canonical_string(),
                v.descriptor,
                "{name}"
            );
            continue;
        };
        assert_known_code(code, name);
        assert_eq!(got.map(|_| ()), Err(code.as_str()), "{name}");
    }

    // Every name is unique across the files.
    let mut names: Vec<&str> = canonical.iter().map(|v| v.name.as_str()).collect();
    names.extend(envelopes.iter().map(|v| v.name.as_str()));
    names.extend(negative.iter().map(|v| v.name.as_str()));
    names.extend(requests.iter().map(|v| v.name.as_str()));
    names.extend(descriptors.iter().map(|v| v.name.as_str()));
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "vector names must be unique");
}

#[test]
fn seeds_are_distinct_and_limits_are_as_documented() {
    assert_ne!(keys(SERVICE_SEED).key_id(), keys(HUB_SEED).key_id());
    assert_ne!(keys(SERVICE_SEED).key_id(), keys(OTHER_SEED).key_id());
    // The README documents these limits for canonical.json.
    assert_eq!(Limits::ENVELOPE.max_bytes, 65_536);
    assert_eq!(Limits::ENVELOPE.max_depth, 16);
    assert_eq!(Limits::ENVELOPE.max_string_bytes, 16_384);
    assert_eq!(Limits::ENVELOPE.max_key_bytes, 64);
    assert_eq!(MAX_SAFE_INTEGER, 9_007_199_254_740_991);
    // SPEC.md §5.2 and vectors/README.md: the hub's clock rule.
    assert_eq!(MAX_AHEAD_SECS, 600);
}
