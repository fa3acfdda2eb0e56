//! Erasable content: seals in the signed body, openings beside it (SPEC §5.6).
//!
//! A person's name or a piece of free text must be removable after it was
//! sent — consent can be withdrawn — while every node still verifies the
//! rest of the message and the chain of its stream. So in a version 2
//! envelope each erasable field (the list is [`sealed_paths`], one per kind)
//! does not carry its text: it carries a **seal**, `{"sealed": H}`, where
//! `H` is the SHA-256 of an **opening** `{"salt": S, "value": TEXT}` with a
//! fresh random salt. The signature and the envelope hash cover the seals;
//! the openings travel beside them in the unsigned member `open`, keyed by
//! seal. Erasing a text is dropping its opening: what is left verifies as
//! before, and the salt makes the seal useless for guessing the text (a
//! short name could otherwise be found by hashing candidate names).
//!
//! This module only transforms values; where openings are stored and when
//! they are dropped is the node's business.

use std::collections::BTreeMap;

use crate::body::Kind;
use crate::canonical::CanonicalValue;
use crate::error::ProtocolError;
use crate::ids::Hash;
use crate::keys::{b64_decode, b64_encode};

/// The member of a seal object.
pub const SEAL_MEMBER: &str = "sealed";

/// Bytes of salt in an opening.
pub const SALT_BYTES: usize = 16;

/// The erasable fields of each kind, as paths into the body: `a.b` is
/// member `b` of member `a`; `a[]` is every element of list `a`. A field
/// listed here is a seal in every version 2 envelope (or `null` where the
/// field is optional and absent).
pub fn sealed_paths(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::DelegatesList => &["delegates[].label"],
        Kind::ProposalShared => &["title", "description", "answer.text"],
        Kind::ProposalUpdated => &["title", "description", "comment", "answer.text"],
        Kind::ProposalWithdrawn => &["reason"],
        Kind::AgendaItemProposed => &["title", "description"],
        Kind::SupportGiven | Kind::SupportWithdrawn | Kind::PositionShared => &["comment"],
        Kind::SubjectUpdated => &["title"],
        Kind::MeetingPublished | Kind::MeetingUpdated => {
            &["notice", "agenda[].title", "agenda[].description"]
        }
        Kind::MeetingCancelled => &["notice"],
        Kind::MeetingOutcomes => &["minutes", "outcomes[].decision"],
        Kind::FiguresShared
        | Kind::MembersList
        | Kind::KeyRotated
        | Kind::KeyRevoked
        | Kind::ContentErased
        | Kind::PositionWithdrawn => &[],
    }
}

/// The text behind a seal, with the salt that hides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub salt: [u8; SALT_BYTES],
    pub value: String,
}

impl Opening {
    /// The opening as its JSON object `{"salt", "value"}`.
    pub fn to_value(&self) -> CanonicalValue {
        let mut m = BTreeMap::new();
        m.insert(
            "salt".into(),
            CanonicalValue::String(b64_encode(&self.salt)),
        );
        m.insert("value".into(), CanonicalValue::String(self.value.clone()));
        CanonicalValue::Object(m)
    }

    /// The seal this opening opens: SHA-256 of its canonical form.
    pub fn seal(&self) -> Hash {
        Hash::of(&self.to_value().to_canonical_bytes())
    }

    /// Reads an opening object; anything else is `invalid_envelope`.
    pub fn from_value(value: &CanonicalValue) -> Result<Self, ProtocolError> {
        let bad = |why: &str| ProtocolError::InvalidEnvelope(format!("an opening {why}"));
        let CanonicalValue::Object(m) = value else {
            return Err(bad("is an object {\"salt\", \"value\"}"));
        };
        if m.len() != 2 {
            return Err(bad("has exactly the members salt and value"));
        }
        let salt = match m.get("salt") {
            Some(CanonicalValue::String(s)) => b64_decode(s)
                .ok()
                .filter(|b| b64_encode(b) == *s)
                .and_then(|b| <[u8; SALT_BYTES]>::try_from(b.as_slice()).ok())
                .ok_or_else(|| bad("salt is 16 bytes in base64url without padding"))?,
            _ => return Err(bad("salt is a string")),
        };
        let value = match m.get("value") {
            Some(CanonicalValue::String(s)) => s.clone(),
            _ => return Err(bad("value is a string")),
        };
        Ok(Opening { salt, value })
    }
}

/// The openings of one envelope, by seal.
pub type Openings = BTreeMap<Hash, Opening>;

/// The envelope's `open` member for `openings`: each opening under its
/// seal.
pub fn open_member(openings: &Openings) -> CanonicalValue {
    CanonicalValue::Object(
        openings
            .iter()
            .map(|(seal, o)| (seal.as_str().to_owned(), o.to_value()))
            .collect(),
    )
}

/// Replaces every erasable text of `body` (a body of `kind`) by a seal, with
/// a salt from `salt`, and returns the openings. `null` stays `null`.
pub fn seal_body(
    kind: Kind,
    body: &mut CanonicalValue,
    salt: &mut dyn FnMut() -> Result<[u8; SALT_BYTES], ProtocolError>,
) -> Result<Openings, ProtocolError> {
    let mut openings = Openings::new();
    let mut failure = None;
    for path in sealed_paths(kind) {
        let steps: Vec<&str> = path.split('.').collect();
        visit_mut(body, &steps, &mut |slot| {
            if let CanonicalValue::String(text) = slot {
                let salt = match salt() {
                    Ok(s) => s,
                    Err(e) => {
                        failure.get_or_insert(e);
                        return;
                    }
                };
                let opening = Opening {
                    salt,
                    value: std::mem::take(text),
                };
                let seal = opening.seal();
                *slot = seal_object(&seal);
                openings.insert(seal, opening);
            }
        });
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(openings),
    }
}

/// A fresh random salt.
pub fn random_salt() -> Result<[u8; SALT_BYTES], ProtocolError> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::getrandom(&mut salt)
        .map_err(|e| ProtocolError::InvalidKey(format!("no randomness available: {e}")))?;
    Ok(salt)
}

/// `{"sealed": seal}`.
pub fn seal_object(seal: &Hash) -> CanonicalValue {
    let mut m = BTreeMap::new();
    m.insert(
        SEAL_MEMBER.into(),
        CanonicalValue::String(seal.as_str().to_owned()),
    );
    CanonicalValue::Object(m)
}

/// The seal a value is, if it is a seal object (`{"sealed": hash}` exactly).
pub fn as_seal(value: &CanonicalValue) -> Option<Result<Hash, ProtocolError>> {
    let CanonicalValue::Object(m) = value else {
        return None;
    };
    let text = match m.get(SEAL_MEMBER) {
        Some(CanonicalValue::String(s)) if m.len() == 1 => s,
        _ => return None,
    };
    Some(Hash::parse(text))
}

/// Every seal object anywhere in `value`, in document order.
pub fn seals_anywhere(value: &CanonicalValue) -> Result<Vec<Hash>, ProtocolError> {
    let mut out = Vec::new();
    collect_seals(value, &mut out)?;
    Ok(out)
}

fn collect_seals(value: &CanonicalValue, out: &mut Vec<Hash>) -> Result<(), ProtocolError> {
    if let Some(seal) = as_seal(value) {
        out.push(seal.map_err(|_| {
            ProtocolError::InvalidEnvelope("a seal names a hash (base64url of 32 bytes)".into())
        })?);
        return Ok(());
    }
    match value {
        CanonicalValue::Object(m) => m.values().try_for_each(|v| collect_seals(v, out)),
        CanonicalValue::Array(a) => a.iter().try_for_each(|v| collect_seals(v, out)),
        _ => Ok(()),
    }
}

/// Checks where a body's seals are, for its envelope's version: in version
/// 2, every erasable field that is present and not `null` is a seal, and
/// no seal is anywhere else; in version 1 there are no seals at all.
pub fn check_placement(kind: Kind, version: i64, body: &CanonicalValue) -> Result<(), String> {
    let mut allowed = 0usize;
    for path in sealed_paths(kind) {
        let steps: Vec<&str> = path.split('.').collect();
        let mut problem = None;
        visit(body, &steps, &mut |slot| match (version, slot) {
            (_, CanonicalValue::Null) => {}
            (1, _) if as_seal(slot).is_some() => {
                problem.get_or_insert(format!("{path}: version 1 has no seals"));
            }
            (1, _) => {}
            (_, _) => match as_seal(slot) {
                Some(Ok(_)) => allowed += 1,
                _ => {
                    problem.get_or_insert(format!("{path} must be a seal in version 2"));
                }
            },
        });
        if let Some(problem) = problem {
            return Err(problem);
        }
    }
    let everywhere = seals_anywhere(body).map_err(|e| e.to_string())?.len();
    if everywhere != allowed {
        return Err("a seal stands where no erasable field is".into());
    }
    Ok(())
}

/// The body with every seal that has an opening replaced by its text; a
/// seal without one (erased) stays as it is.
pub fn open_body(body: &CanonicalValue, openings: &Openings) -> CanonicalValue {
    if let Some(Ok(seal)) = as_seal(body) {
        return match openings.get(&seal) {
            Some(o) => CanonicalValue::String(o.value.clone()),
            None => body.clone(),
        };
    }
    match body {
        CanonicalValue::Object(m) => CanonicalValue::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), open_body(v, openings)))
                .collect(),
        ),
        CanonicalValue::Array(a) => {
            CanonicalValue::Array(a.iter().map(|v| open_body(v, openings)).collect())
        }
        other => other.clone(),
    }
}

/// The seals of `kind`'s erasable fields in `body`, each with the path of
/// its field (list positions written out: `delegates[2].label`).
pub fn sealed_fields(kind: Kind, body: &CanonicalValue) -> Vec<(String, Hash)> {
    let mut out = Vec::new();
    for path in sealed_paths(kind) {
        let steps: Vec<&str> = path.split('.').collect();
        walk_named(body, &steps, String::new(), &mut |name, slot| {
            if let Some(Ok(seal)) = as_seal(slot) {
                out.push((name, seal));
            }
        });
    }
    out
}

/// A step of a path: the member's name, and whether it is a list to go
/// through (`a[]`).
fn step_parts(step: &str) -> (&str, bool) {
    match step.strip_suffix("[]") {
        Some(m) => (m, true),
        None => (step, false),
    }
}

fn visit(value: &CanonicalValue, steps: &[&str], f: &mut dyn FnMut(&CanonicalValue)) {
    walk_named(value, steps, String::new(), &mut |_, v| f(v));
}

fn walk_named(
    value: &CanonicalValue,
    steps: &[&str],
    name: String,
    f: &mut dyn FnMut(String, &CanonicalValue),
) {
    let Some((step, rest)) = steps.split_first() else {
        f(name, value);
        return;
    };
    let (member, each) = step_parts(step);
    let CanonicalValue::Object(m) = value else {
        return;
    };
    let Some(child) = m.get(member) else { return };
    let base = if name.is_empty() {
        member.to_owned()
    } else {
        format!("{name}.{member}")
    };
    if each {
        if let CanonicalValue::Array(items) = child {
            for (i, item) in items.iter().enumerate() {
                walk_named(item, rest, format!("{base}[{i}]"), f);
            }
        }
    } else {
        walk_named(child, rest, base, f);
    }
}

fn visit_mut(value: &mut CanonicalValue, steps: &[&str], f: &mut dyn FnMut(&mut CanonicalValue)) {
    let Some((step, rest)) = steps.split_first() else {
        f(value);
        return;
    };
    let (member, each) = step_parts(step);
    let CanonicalValue::Object(m) = value else {
        return;
    };
    let Some(child) = m.get_mut(member) else {
        return;
    };
    if each {
        if let CanonicalValue::Array(items) = child {
            for item in items {
                visit_mut(item, rest, f);
            }
        }
    } else {
        visit_mut(child, rest, f);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn value(json: &str) -> CanonicalValue {
        CanonicalValue::from_json_bytes(json.as_bytes(), &crate::Limits::ENVELOPE).unwrap()
    }

    #[test]
    fn sealing_then_opening_gives_the_body_back() {
        let body = value(
            r#"{"delegates":[{"label":"Marie","role":"delegate","term_start":"2026-01-01","term_end":null},
                {"label":"Paul","role":"substitute","term_start":"2026-01-01","term_end":null}]}"#,
        );
        let mut sealed = body.clone();
        let mut n = 0u8;
        let openings = seal_body(Kind::DelegatesList, &mut sealed, &mut || {
            n += 1;
            Ok([n; SALT_BYTES])
        })
        .unwrap();
        assert_eq!(openings.len(), 2);
        assert!(!sealed.to_canonical_string().contains("Marie"));
        check_placement(Kind::DelegatesList, 2, &sealed).unwrap();
        assert!(check_placement(Kind::DelegatesList, 2, &body).is_err());
        assert!(check_placement(Kind::DelegatesList, 1, &sealed).is_err());
        check_placement(Kind::DelegatesList, 1, &body).unwrap();
        assert_eq!(open_body(&sealed, &openings), body);
        let names: Vec<String> = sealed_fields(Kind::DelegatesList, &sealed)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["delegates[0].label", "delegates[1].label"]);
        // Erasing one leaves the other readable and the seal in place.
        let mut fewer = openings.clone();
        let first = sealed_fields(Kind::DelegatesList, &sealed)[0].1.clone();
        fewer.remove(&first);
        let opened = open_body(&sealed, &fewer).to_canonical_string();
        assert!(!opened.contains("Marie") && opened.contains("Paul"));
        assert!(opened.contains(first.as_str()));
    }

    #[test]
    fn a_seal_outside_an_erasable_field_is_refused() {
        let mut body = value(r#"{"period":"2026-Q1","figures":{}}"#);
        if let CanonicalValue::Object(m) = &mut body {
            m.insert("extra".into(), seal_object(&Hash::of(b"x")));
        }
        assert!(check_placement(Kind::FiguresShared, 2, &body).is_err());
    }

    #[test]
    fn an_opening_has_one_form() {
        let o = Opening {
            salt: [1; SALT_BYTES],
            value: "Texte".into(),
        };
        assert_eq!(Opening::from_value(&o.to_value()).unwrap(), o);
        let padded = value(r#"{"salt":"AQEBAQEBAQEBAQEBAQEBAQ==","value":"x"}"#);
        assert!(Opening::from_value(&padded).is_err());
        let short = value(r#"{"salt":"AQEB","value":"x"}"#);
        assert!(Opening::from_value(&short).is_err());
        let extra = value(r#"{"salt":"AQEBAQEBAQEBAQEBAQEBAQ","value":"x","more":1}"#);
        assert!(Opening::from_value(&extra).is_err());
    }
}
