//! SPEC.md is the contract: every error code and every message kind the
//! code knows must be documented there.

use passerelle_protocol::{Body, ProtocolError};

fn spec() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).expect("SPEC.md")
}

#[test]
fn every_error_code_is_documented() {
    let spec = spec();
    let missing: Vec<_> = ProtocolError::ALL_CODES
        .iter()
        .filter(|code| !spec.contains(&format!("`{code}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from SPEC.md: {missing:?}"
    );
}

#[test]
fn every_kind_is_documented() {
    let spec = spec();
    let missing: Vec<_> = Body::KINDS
        .iter()
        .filter(|kind| !spec.contains(&format!("`{kind}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "kinds missing from SPEC.md: {missing:?}"
    );
}
