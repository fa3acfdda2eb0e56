//! Small validated types that appear in envelopes and bodies: node ids,
//! timestamps, dates and hashes. Each has exactly one text form, so that a
//! value read and written back is byte-identical (a condition for signing).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::error::ProtocolError;
use crate::keys::{b64_decode, b64_encode};

macro_rules! string_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$t>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A node's stable identifier, e.g. `ssm-courcelles` or `hub-charleroi`:
/// 1 to 63 characters among `a-z`, `0-9` and `-`, not starting or ending
/// with `-`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(String);

impl NodeId {
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let ok_chars = text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if text.is_empty()
            || text.len() > 63
            || !ok_chars
            || text.starts_with('-')
            || text.ends_with('-')
        {
            return Err(ProtocolError::InvalidEnvelope(format!(
                "{text:?} is not a node id (1-63 of a-z, 0-9, '-', not at the ends)"
            )));
        }
        Ok(NodeId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_serde!(NodeId);

const TIMESTAMP_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const DATE_FORMAT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// A UTC instant to the second, written `2026-11-23T09:30:00Z` and nothing else.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = DateTime))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let bad =
            || ProtocolError::InvalidEnvelope(format!("{text:?} is not YYYY-MM-DDTHH:MM:SSZ"));
        let parsed = PrimitiveDateTime::parse(text, TIMESTAMP_FORMAT).map_err(|_| bad())?;
        let ts = Timestamp(parsed.assume_utc().unix_timestamp());
        if ts.to_string() != text {
            return Err(bad());
        }
        Ok(ts)
    }

    /// The instant `secs` seconds after 1970-01-01T00:00:00Z, if it falls
    /// within years 0000..=9999 (the only ones the text form can write).
    pub fn from_unix(secs: i64) -> Result<Self, ProtocolError> {
        const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        if (MIN..=MAX).contains(&secs) {
            Ok(Timestamp(secs))
        } else {
            Err(ProtocolError::InvalidEnvelope(format!(
                "{secs} s is outside years 0000-9999"
            )))
        }
    }

    pub fn unix(&self) -> i64 {
        self.0
    }

    /// Now, from the system clock (reading the clock is not I/O).
    pub fn now() -> Self {
        Timestamp(OffsetDateTime::now_utc().unix_timestamp())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let dt = OffsetDateTime::from_unix_timestamp(self.0).map_err(|_| fmt::Error)?;
        let text = dt.format(TIMESTAMP_FORMAT).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}
string_serde!(Timestamp);

/// A calendar date, written `2026-11-23`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Date))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

impl Date {
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let bad = || ProtocolError::InvalidEnvelope(format!("{text:?} is not YYYY-MM-DD"));
        let date = time::Date::parse(text, DATE_FORMAT).map_err(|_| bad())?;
        let d = Date(date);
        if d.to_string() != text {
            return Err(bad());
        }
        Ok(d)
    }

    pub fn inner(&self) -> time::Date {
        self.0
    }

    pub fn from_inner(date: time::Date) -> Self {
        Date(date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let text = self.0.format(DATE_FORMAT).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}
string_serde!(Date);

/// A SHA-256 digest in base64url without padding (43 characters).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash(String);

impl Hash {
    pub fn of(bytes: &[u8]) -> Self {
        Hash(b64_encode(&Sha256::digest(bytes)))
    }

    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        match b64_decode(text) {
            Ok(bytes) if bytes.len() == 32 => Ok(Hash(text.to_owned())),
            _ => Err(ProtocolError::InvalidEnvelope(format!(
                "{text:?} is not a base64url SHA-256 digest"
            ))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_serde!(Hash);

/// UUIDs inside bodies have one text form, as envelope ids do: lowercase,
/// hyphenated (`01936b2a-7c00-7000-8000-000000000001`). Use with
/// `#[serde(with = "strict_uuid")]` (or `strict_uuid::option`).
pub mod strict_uuid {
    use serde::{Deserialize, Deserializer, Serializer};
    use uuid::Uuid;

    pub fn parse(text: &str) -> Result<Uuid, String> {
        Uuid::parse_str(text)
            .ok()
            .filter(|u| u.hyphenated().to_string() == text)
            .ok_or_else(|| format!("{text:?} is not a lowercase hyphenated UUID"))
    }

    pub fn serialize<S: Serializer>(u: &Uuid, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&u.hyphenated().to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
        parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(u: &Option<Uuid>, s: S) -> Result<S::Ok, S::Error> {
            match u {
                Some(u) => s.serialize_some(&u.hyphenated().to_string()),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|t| parse(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids() {
        for ok in ["ssm-courcelles", "hub", "a", "ssm-cpas-charleroi-2"] {
            assert!(NodeId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "SSM", "ssm_x", "é", &"a".repeat(64)] {
            assert!(NodeId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps_have_one_form() {
        let t = Timestamp::parse("2026-11-23T09:30:00Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-23T09:30:00Z");
        assert_eq!(Timestamp::from_unix(t.unix()).unwrap(), t);
        assert!(Timestamp::from_unix(i64::MAX).is_err());
        for bad in [
            "2026-11-23T09:30:00+00:00",
            "2026-11-23T09:30:00.000Z",
            "2026-11-23 09:30:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-23t09:30:00z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_hashes() {
        assert!(Date::parse("2026-01-31").is_ok());
        assert!(Date::parse("2026-1-31").is_err());
        let h = Hash::of(b"abc");
        assert_eq!(h.as_str(), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
        assert_eq!(Hash::parse(h.as_str()).unwrap(), h);
        assert!(Hash::parse("abc").is_err());
    }
}
