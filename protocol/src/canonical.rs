//! Canonical JSON: the exact bytes that get signed.
//!
//! Signatures are computed over bytes, so two implementations must turn the
//! same JSON value into the same bytes. We use RFC 8785 (JSON Canonicalization
//! Scheme) on a strict subset of JSON where the RFC's hardest part, number
//! formatting, cannot arise: numbers are integers within ±(2^53−1).
//! Anything outside the subset — floats, exponents, `-0`, larger integers,
//! duplicate object keys — is **rejected**, never rounded or silently fixed,
//! because a value that two parsers may read differently cannot be signed.
//!
//! [`CanonicalValue`] owns its key order: objects are `BTreeMap`s for
//! uniqueness and are written sorted by UTF-16 code units, as RFC 8785 asks.
//! Nothing depends on `serde_json::Map`'s order, so a dependency that turns on
//! `serde_json/preserve_order` cannot change a single signature.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::ProtocolError;

/// The largest integer magnitude allowed: 2^53 − 1, exact in an IEEE double.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// A JSON value inside the canonical subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonicalValue {
    Null,
    Bool(bool),
    /// Always within ±[`MAX_SAFE_INTEGER`].
    Integer(i64),
    String(String),
    Array(Vec<CanonicalValue>),
    Object(BTreeMap<String, CanonicalValue>),
}

/// Size limits applied while reading untrusted JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum input size in bytes.
    pub max_bytes: usize,
    /// Maximum nesting of arrays and objects (a bare scalar is depth 0, `{}` is 1).
    pub max_depth: usize,
    /// Maximum length of any string value, in UTF-8 bytes.
    pub max_string_bytes: usize,
    /// Maximum length of any object key, in UTF-8 bytes.
    pub max_key_bytes: usize,
}

impl Limits {
    /// The limits of one envelope (see SPEC.md, "Limits").
    pub const ENVELOPE: Limits = Limits {
        max_bytes: 65_536,
        max_depth: 16,
        max_string_bytes: 16_384,
        max_key_bytes: 64,
    };

    /// Generous limits for tools such as `passerelle protocol canonicalize`.
    pub const TOOL: Limits = Limits {
        max_bytes: 64 * 1024 * 1024,
        max_depth: 100,
        max_string_bytes: 64 * 1024 * 1024,
        max_key_bytes: 64 * 1024 * 1024,
    };
}

impl CanonicalValue {
    /// Reads JSON text, enforcing the canonical subset and `limits`.
    pub fn from_json_bytes(bytes: &[u8], limits: &Limits) -> Result<Self, ProtocolError> {
        if bytes.len() > limits.max_bytes {
            return Err(ProtocolError::TooLarge {
                size: bytes.len(),
                limit: limits.max_bytes,
            });
        }
        // serde_json stops at 128 levels (deeper than any limit of ours):
        // report the limit that applies here.
        let classify = |e| match classify_serde_error(e) {
            ProtocolError::TooDeep { .. } => ProtocolError::TooDeep {
                limit: limits.max_depth,
            },
            other => other,
        };
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = CanonicalValue::deserialize(&mut de).map_err(classify)?;
        de.end().map_err(classify)?;
        value.check_limits(limits, 0)?;
        Ok(value)
    }

    /// Reads JSON text given as a string.
    pub fn from_json_str(text: &str, limits: &Limits) -> Result<Self, ProtocolError> {
        Self::from_json_bytes(text.as_bytes(), limits)
    }

    /// Converts any serialisable value, refusing floats and out-of-range integers.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, ProtocolError> {
        let json =
            serde_json::to_value(value).map_err(|e| ProtocolError::MalformedJson(e.to_string()))?;
        Self::try_from(json)
    }

    /// Converts into any deserialisable type.
    pub fn deserialize_into<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(self.to_json_value())
    }

    /// The equivalent `serde_json::Value` (its key order is irrelevant: we
    /// never write it out as the canonical form).
    pub fn to_json_value(&self) -> serde_json::Value {
        match self {
            CanonicalValue::Null => serde_json::Value::Null,
            CanonicalValue::Bool(b) => serde_json::Value::Bool(*b),
            CanonicalValue::Integer(i) => serde_json::Value::from(*i),
            CanonicalValue::String(s) => serde_json::Value::String(s.clone()),
            CanonicalValue::Array(a) => {
                serde_json::Value::Array(a.iter().map(Self::to_json_value).collect())
            }
            CanonicalValue::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), v.to_json_value()))
                    .collect(),
            ),
        }
    }

    /// The RFC 8785 bytes of this value.
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        self.write_canonical(&mut out);
        out.into_bytes()
    }

    /// The RFC 8785 text of this value.
    pub fn to_canonical_string(&self) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out);
        out
    }

    /// The object's members, if this is an object.
    pub fn as_object(&self) -> Option<&BTreeMap<String, CanonicalValue>> {
        match self {
            CanonicalValue::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            CanonicalValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            CanonicalValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            CanonicalValue::Null => out.push_str("null"),
            CanonicalValue::Bool(true) => out.push_str("true"),
            CanonicalValue::Bool(false) => out.push_str("false"),
            CanonicalValue::Integer(i) => out.push_str(&i.to_string()),
            CanonicalValue::String(s) => write_string(s, out),
            CanonicalValue::Array(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    item.write_canonical(out);
                }
                out.push(']');
            }
            CanonicalValue::Object(members) => {
                out.push('{');
                for (n, (key, value)) in sorted_members(members).into_iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write_canonical(out);
                }
                out.push('}');
            }
        }
    }

    fn check_limits(&self, limits: &Limits, depth: usize) -> Result<(), ProtocolError> {
        let check_string = |s: &str, max: usize| {
            if s.len() > max {
                Err(ProtocolError::StringTooLong {
                    len: s.len(),
                    limit: max,
                })
            } else {
                Ok(())
            }
        };
        match self {
            CanonicalValue::String(s) => check_string(s, limits.max_string_bytes),
            CanonicalValue::Array(items) => {
                if depth + 1 > limits.max_depth {
                    return Err(ProtocolError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                items
                    .iter()
                    .try_for_each(|v| v.check_limits(limits, depth + 1))
            }
            CanonicalValue::Object(members) => {
                if depth + 1 > limits.max_depth {
                    return Err(ProtocolError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                members.iter().try_for_each(|(k, v)| {
                    check_string(k, limits.max_key_bytes)?;
                    v.check_limits(limits, depth + 1)
                })
            }
            _ => Ok(()),
        }
    }
}

/// Object members in RFC 8785 order: by the keys' UTF-16 code units.
///
/// This differs from Rust's `str` order (UTF-8 bytes, i.e. code points) only
/// for characters above U+FFFF against characters in U+E000..U+FFFF.
fn sorted_members(members: &BTreeMap<String, CanonicalValue>) -> Vec<(&String, &CanonicalValue)> {
    let mut sorted: Vec<_> = members.iter().collect();
    sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
    sorted
}

/// Writes a string as ECMAScript's `JSON.stringify` does (RFC 8785 §3.2.2.2).
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{09}' => out.push_str("\\t"),
            '\u{0A}' => out.push_str("\\n"),
            '\u{0C}' => out.push_str("\\f"),
            '\u{0D}' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Parses JSON (any subset member) and returns its canonical bytes.
pub fn canonicalize(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, ProtocolError> {
    Ok(CanonicalValue::from_json_bytes(bytes, limits)?.to_canonical_bytes())
}

// Our visitor reports subset violations through serde's `custom` errors; the
// message starts with our code so that we can give it back its type.
const DUPLICATE_PREFIX: &str = "\u{1}duplicate_key\u{1}";
const NUMBER_PREFIX: &str = "\u{1}not_canonical_number\u{1}";

fn classify_serde_error(e: serde_json::Error) -> ProtocolError {
    let text = e.to_string();
    if let Some(rest) = text.strip_prefix(DUPLICATE_PREFIX) {
        let key = rest.rsplit_once(" at line ").map_or(rest, |(k, _)| k);
        return ProtocolError::DuplicateKey(key.to_string());
    }
    if let Some(rest) = text.strip_prefix(NUMBER_PREFIX) {
        return ProtocolError::NotCanonicalNumber(rest.to_string());
    }
    if text.starts_with("number out of range") {
        return ProtocolError::NotCanonicalNumber(text);
    }
    if text.starts_with("recursion limit exceeded") {
        return ProtocolError::TooDeep { limit: 128 };
    }
    ProtocolError::MalformedJson(text)
}

impl TryFrom<serde_json::Value> for CanonicalValue {
    type Error = ProtocolError;

    fn try_from(value: serde_json::Value) -> Result<Self, ProtocolError> {
        Ok(match value {
            serde_json::Value::Null => CanonicalValue::Null,
            serde_json::Value::Bool(b) => CanonicalValue::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i) => {
                    CanonicalValue::Integer(i)
                }
                _ => return Err(ProtocolError::NotCanonicalNumber(n.to_string())),
            },
            serde_json::Value::String(s) => CanonicalValue::String(s),
            serde_json::Value::Array(a) => CanonicalValue::Array(
                a.into_iter()
                    .map(CanonicalValue::try_from)
                    .collect::<Result<_, _>>()?,
            ),
            serde_json::Value::Object(o) => CanonicalValue::Object(
                o.into_iter()
                    .map(|(k, v)| Ok((k, CanonicalValue::try_from(v)?)))
                    .collect::<Result<_, ProtocolError>>()?,
            ),
        })
    }
}

impl<'de> Deserialize<'de> for CanonicalValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CanonicalVisitor)
    }
}

struct CanonicalVisitor;

impl<'de> Visitor<'de> for CanonicalVisitor {
    type Value = CanonicalValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value in the canonical subset")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(CanonicalValue::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(CanonicalValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&v) {
            Ok(CanonicalValue::Integer(v))
        } else {
            Err(E::custom(format!("{NUMBER_PREFIX}{v}")))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match i64::try_from(v) {
            Ok(i) => self.visit_i64(i),
            Err(_) => Err(E::custom(format!("{NUMBER_PREFIX}{v}"))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // serde_json reads `1.0`, `1e2`, `-0` and integers beyond u64 as floats.
        Err(E::custom(format!("{NUMBER_PREFIX}{v:?} is not an integer")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(CanonicalValue::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(CanonicalValue::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<CanonicalValue>()? {
            items.push(item);
        }
        Ok(CanonicalValue::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<CanonicalValue>()?;
            if members.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE_PREFIX}{key}")));
            }
            members.insert(key, value);
        }
        Ok(CanonicalValue::Object(members))
    }
}

impl Serialize for CanonicalValue {
    /// Serialises in canonical key order, so `serde_json::to_vec` of a
    /// `CanonicalValue` gives the canonical bytes.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CanonicalValue::Null => serializer.serialize_unit(),
            CanonicalValue::Bool(b) => serializer.serialize_bool(*b),
            CanonicalValue::Integer(i) => serializer.serialize_i64(*i),
            CanonicalValue::String(s) => serializer.serialize_str(s),
            CanonicalValue::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            CanonicalValue::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (k, v) in sorted_members(members) {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> Result<String, ProtocolError> {
        canonicalize(text.as_bytes(), &Limits::TOOL).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn rfc8785_sorting_example() {
        // RFC 8785 §3.2.3: keys sorted by UTF-16 code units.
        let input = r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#;
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(canon(input).unwrap(), expected);
    }

    #[test]
    fn string_escaping_follows_ecmascript() {
        let input = r#"["\u0000\u0008\u0009\u000a\u000c\u000d\u001f\u007f\u2028\/\"\\é"]"#;
        let expected = "[\"\\u0000\\b\\t\\n\\f\\r\\u001f\u{7f}\u{2028}/\\\"\\\\é\"]";
        assert_eq!(canon(input).unwrap(), expected);
    }

    #[test]
    fn whitespace_and_empty_containers() {
        assert_eq!(
            canon(" { \"b\" : [ ] , \"a\" : { } , \"c\": [1, -2, true, false, null] } ").unwrap(),
            r#"{"a":{},"b":[],"c":[1,-2,true,false,null]}"#
        );
    }

    #[test]
    fn integer_bounds() {
        assert_eq!(canon("9007199254740991").unwrap(), "9007199254740991");
        assert_eq!(canon("-9007199254740991").unwrap(), "-9007199254740991");
        for bad in [
            "9007199254740992",
            "-9007199254740992",
            "18446744073709551616",
            "1.0",
            "1e2",
            "-0",
            "0.5",
            "[1E400]",
        ] {
            assert_eq!(
                canon(bad).unwrap_err().code(),
                "not_canonical_number",
                "{bad}"
            );
        }
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert_eq!(
            canon(r#"{"a":1,"a":1}"#).unwrap_err(),
            ProtocolError::DuplicateKey("a".into())
        );
        assert_eq!(
            canon(r#"{"x":[{"k":1,"k":2}]}"#).unwrap_err().code(),
            "duplicate_key"
        );
        // Escaped and literal spellings of the same key are the same key.
        assert_eq!(
            canon(r#"{"é":1,"\u00e9":2}"#).unwrap_err().code(),
            "duplicate_key"
        );
    }

    #[test]
    fn malformed_input() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "\"\\ud800\"", "nul", "{} {}"] {
            assert_eq!(canon(bad).unwrap_err().code(), "malformed_json", "{bad:?}");
        }
        assert_eq!(
            CanonicalValue::from_json_bytes(b"\"\xff\"", &Limits::TOOL)
                .unwrap_err()
                .code(),
            "malformed_json"
        );
    }

    #[test]
    fn limits_are_enforced() {
        let limits = Limits {
            max_bytes: 100,
            max_depth: 2,
            max_string_bytes: 5,
            max_key_bytes: 3,
        };
        let read = |t: &str| CanonicalValue::from_json_str(t, &limits).map(|_| ());
        assert!(read(r#"{"a":[1]}"#).is_ok());
        assert_eq!(read(r#"{"a":[[1]]}"#).unwrap_err().code(), "too_deep");
        assert_eq!(read(r#""123456""#).unwrap_err().code(), "string_too_long");
        assert_eq!(read(r#"{"abcd":1}"#).unwrap_err().code(), "string_too_long");
        assert_eq!(read(&" ".repeat(101)).unwrap_err().code(), "too_large");
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(canon(&deep).unwrap_err().code(), "too_deep");
    }

    #[test]
    fn serialize_gives_canonical_bytes() {
        let v = CanonicalValue::from_json_str(r#"{"b":1,"a":"\u0001"}"#, &Limits::TOOL).unwrap();
        assert_eq!(serde_json::to_vec(&v).unwrap(), v.to_canonical_bytes());
    }

    #[test]
    fn from_serialize_refuses_floats() {
        assert_eq!(
            CanonicalValue::from_serialize(&[1.5f64])
                .unwrap_err()
                .code(),
            "not_canonical_number"
        );
        assert_eq!(
            CanonicalValue::from_serialize(&u64::MAX)
                .unwrap_err()
                .code(),
            "not_canonical_number"
        );
    }
}
