//! Canonical JSON (SPEC.md §2, §3) on arbitrary bytes.
//!
//! Properties, not only "no panic":
//! * what we accept, serde_json (a plain RFC 8259 parser) reads as the same
//!   value, and what we call `malformed_json` it refuses too;
//! * a refusal carries one of the parse codes of §2–§3;
//! * the canonical form is never longer than the input, is accepted with
//!   the same limits, reads back as the same value, and is its own
//!   canonical form (parse → canonical → parse is stable).
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_protocol::canonical::canonicalize;
use passerelle_protocol::{CanonicalValue, Limits};

const PARSE_CODES: &[&str] = &[
    "malformed_json",
    "duplicate_key",
    "not_canonical_number",
    "too_large",
    "too_deep",
    "string_too_long",
];

fuzz_target!(|data: &[u8]| {
    let limits = Limits::ENVELOPE;
    let plain = serde_json::from_slice::<serde_json::Value>(data);
    match CanonicalValue::from_json_bytes(data, &limits) {
        Ok(value) => {
            let plain = plain.expect("accepted here, refused by a plain JSON parser");
            let converted = CanonicalValue::try_from(plain)
                .expect("a plain parser read a value outside the subset");
            assert_eq!(converted, value, "a plain parser reads another value");
            let canonical = value.to_canonical_bytes();
            assert!(
                canonical.len() <= data.len(),
                "canonical form longer than the input"
            );
            let again = CanonicalValue::from_json_bytes(&canonical, &limits)
                .expect("the canonical form is refused");
            assert_eq!(again, value, "the canonical form reads as another value");
            assert_eq!(
                again.to_canonical_bytes(),
                canonical,
                "canonicalisation is not stable"
            );
            assert_eq!(
                canonicalize(data, &limits).expect("canonicalize refuses what parse accepts"),
                canonical
            );
        }
        Err(e) => {
            assert!(
                PARSE_CODES.contains(&e.code()),
                "unexpected code {}",
                e.code()
            );
            if e.code() == "malformed_json" {
                assert!(
                    plain.is_err(),
                    "called malformed, but a plain parser reads it: {e}"
                );
            }
            // Size first: anything over the limit is too_large, whatever else is wrong.
            assert_eq!(data.len() > limits.max_bytes, e.code() == "too_large");
        }
    }
});
