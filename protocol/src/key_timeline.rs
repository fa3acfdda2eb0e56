//! Which key may sign which message of one origin's stream.
//!
//! A key is never valid "in general": it is valid for a stretch of its
//! owner's stream. The first key signs from `seq` 1; a `key.rotated` at
//! `seq` N (signed by the old key) ends the old key's stretch at N and
//! starts the new key's at N + 1; a `key.revoked` (from the hub) voids a
//! key from a given `seq` on, and every key a rotation introduced after
//! that point. Because stretches are numbered by `seq`, anyone replaying a
//! stream from the start reaches the same verdict on every message, however
//! late they join: old messages stay verifiable forever, and a retired or
//! stolen key cannot sign anything new.
//!
//! This is pure bookkeeping over one origin's pinned keys; the node stores
//! the same fields in its database (`peer_keys`).

use std::collections::BTreeMap;

use crate::body::KeyRevocation;
use crate::error::ProtocolError;
use crate::keys::{KeyId, PublicKey};

/// The stretch of its owner's stream a key may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeySpan {
    /// First `seq` the key may sign (`None`: no lower bound is known, as
    /// for the enrolment key or a key learned from a member list).
    pub from: Option<u64>,
    /// Last `seq` it may sign, set by the rotation that retired it.
    pub until: Option<u64>,
    /// First `seq` it may no longer sign, set by a revocation.
    pub revoked_from: Option<u64>,
}

impl KeySpan {
    /// Whether the key signs its owner's new messages and requests.
    pub fn is_current(&self) -> bool {
        self.until.is_none() && self.revoked_from.is_none()
    }

    /// The key may sign message `seq` of `sender`'s stream.
    pub fn check_message(&self, sender: &str, key: &KeyId, seq: u64) -> Result<(), ProtocolError> {
        if let Some(from_seq) = self.revoked_from.filter(|r| seq >= *r) {
            return Err(ProtocolError::KeyRevoked {
                sender: sender.into(),
                key_id: key.to_string(),
                from_seq,
            });
        }
        if let Some(last_seq) = self.until.filter(|u| seq > *u) {
            return Err(ProtocolError::KeyRetired {
                sender: sender.into(),
                key_id: key.to_string(),
                last_seq,
            });
        }
        if self.from.is_some_and(|f| seq < f) {
            // Not yet this sender's key at that point of its stream.
            return Err(ProtocolError::UnknownKey {
                sender: sender.into(),
                key_id: key.to_string(),
            });
        }
        Ok(())
    }

    /// The key may sign `sender`'s requests: only its current key may.
    pub fn check_request(&self, sender: &str, key: &KeyId) -> Result<(), ProtocolError> {
        if let Some(from_seq) = self.revoked_from {
            return Err(ProtocolError::KeyRevoked {
                sender: sender.into(),
                key_id: key.to_string(),
                from_seq,
            });
        }
        if let Some(last_seq) = self.until {
            return Err(ProtocolError::KeyRetired {
                sender: sender.into(),
                key_id: key.to_string(),
                last_seq,
            });
        }
        Ok(())
    }
}

/// A key pinned for an origin, with its stretch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedKey {
    pub key: PublicKey,
    pub span: KeySpan,
    /// The key that signed the rotation introducing this one (`None` for an
    /// enrolment key, a listed key, or a replacement set by the hub).
    pub introduced_by: Option<KeyId>,
}

/// Why a rotation or a revocation cannot be applied (a domain rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRefusal(pub String);

/// One origin's pinned keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyTimeline {
    keys: BTreeMap<KeyId, PinnedKey>,
}

impl KeyTimeline {
    pub fn new() -> Self {
        Self::default()
    }

    /// Pins `key` with `span`, replacing what was known of it.
    pub fn pin(&mut self, key: PublicKey, span: KeySpan, introduced_by: Option<KeyId>) {
        self.keys.insert(
            key.key_id(),
            PinnedKey {
                key,
                span,
                introduced_by,
            },
        );
    }

    pub fn get(&self, id: &KeyId) -> Option<&PinnedKey> {
        self.keys.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PinnedKey> {
        self.keys.values()
    }

    /// The public key that may sign message `seq` of `sender`'s stream.
    pub fn key_for_message(
        &self,
        sender: &str,
        id: &KeyId,
        seq: u64,
    ) -> Result<PublicKey, ProtocolError> {
        let pinned = self.keys.get(id).ok_or_else(|| ProtocolError::UnknownKey {
            sender: sender.into(),
            key_id: id.to_string(),
        })?;
        pinned.span.check_message(sender, id, seq)?;
        Ok(pinned.key)
    }

    /// Applies `key.rotated` at `seq`, signed by `signer` (already checked
    /// valid for `seq`): the signer signs nothing after `seq`, `new_key`
    /// signs from `seq + 1`.
    pub fn rotate(
        &mut self,
        signer: &KeyId,
        seq: u64,
        new_key: PublicKey,
    ) -> Result<(), TimelineRefusal> {
        let new_id = new_key.key_id();
        if &new_id == signer {
            return Err(TimelineRefusal(
                "the new key is the key that signs the rotation".into(),
            ));
        }
        if let Some(known) = self.keys.get(&new_id) {
            // A key listed ahead of its rotation (a descriptor's or a member
            // list's) gets its place now; a key that already had a place in
            // the stream is never reused.
            if known.span != KeySpan::default() {
                return Err(TimelineRefusal(format!(
                    "key {new_id} was already used by this sender"
                )));
            }
        }
        let Some(old) = self.keys.get_mut(signer) else {
            return Err(TimelineRefusal(format!("unknown signing key {signer}")));
        };
        old.span.until = Some(old.span.until.map_or(seq, |u| u.min(seq)));
        self.pin(
            new_key,
            KeySpan {
                from: Some(seq + 1),
                ..KeySpan::default()
            },
            Some(signer.clone()),
        );
        Ok(())
    }

    /// Applies a `key.revoked` about this origin. Returns the ids of the
    /// keys it voided: the revoked key from `from_seq`, and every key that a
    /// rotation signed by a voided key introduced at or after the point it
    /// was voided (the thief may have made them), from its first `seq`.
    pub fn revoke(&mut self, r: &KeyRevocation) -> Vec<KeyId> {
        let new_id = r.new_key.map(|k| k.key_id());
        let mut voided: BTreeMap<KeyId, u64> = BTreeMap::new();
        let revoked_id = r.key.key_id();
        if self.keys.contains_key(&revoked_id) && Some(&revoked_id) != new_id.as_ref() {
            voided.insert(revoked_id, r.from_seq);
        }
        loop {
            let mut more = Vec::new();
            for (id, pinned) in &self.keys {
                if voided.contains_key(id) || Some(id) == new_id.as_ref() {
                    continue;
                }
                let (Some(by), Some(from)) = (&pinned.introduced_by, pinned.span.from) else {
                    continue;
                };
                // Introduced by the rotation at `from - 1`, signed by `by`.
                if voided.get(by).is_some_and(|void_from| from > *void_from) {
                    more.push((id.clone(), from));
                }
            }
            if more.is_empty() {
                break;
            }
            voided.extend(more);
        }
        for (id, from) in &voided {
            if let Some(pinned) = self.keys.get_mut(id) {
                let at = pinned.span.revoked_from.map_or(*from, |old| old.min(*from));
                pinned.span.revoked_from = Some(at);
            }
        }
        if let Some(new_key) = r.new_key {
            let from = self
                .keys
                .get(&new_key.key_id())
                .and_then(|k| k.span.from)
                .map_or(r.next_seq, |f| f.min(r.next_seq));
            self.pin(
                new_key,
                KeySpan {
                    from: Some(from),
                    until: None,
                    revoked_from: None,
                },
                None,
            );
        }
        voided.into_keys().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;
    use crate::NodeId;

    fn key(n: u8) -> PublicKey {
        KeyPair::from_seed(&[n; 32]).public_key()
    }

    fn code(r: Result<PublicKey, ProtocolError>) -> &'static str {
        r.map_or_else(|e| e.code(), |_| "ok")
    }

    #[test]
    fn a_rotation_splits_the_stream_between_the_two_keys() {
        let (k1, k2) = (key(1), key(2));
        let mut t = KeyTimeline::new();
        t.pin(k1, KeySpan::default(), None);
        t.rotate(&k1.key_id(), 5, k2).unwrap();
        assert_eq!(code(t.key_for_message("s", &k1.key_id(), 1)), "ok");
        assert_eq!(code(t.key_for_message("s", &k1.key_id(), 5)), "ok");
        assert_eq!(code(t.key_for_message("s", &k1.key_id(), 6)), "key_retired");
        assert_eq!(code(t.key_for_message("s", &k2.key_id(), 5)), "unknown_key");
        assert_eq!(code(t.key_for_message("s", &k2.key_id(), 6)), "ok");
        // Requests: only the current key.
        let span = |k: PublicKey| t.get(&k.key_id()).unwrap().span;
        assert_eq!(
            span(k1)
                .check_request("s", &k1.key_id())
                .unwrap_err()
                .code(),
            "key_retired"
        );
        assert!(span(k2).check_request("s", &k2.key_id()).is_ok());
        // A key is never used twice.
        assert!(t.rotate(&k2.key_id(), 9, k1).is_err());
        assert!(t.rotate(&k2.key_id(), 9, k2).is_err());
    }

    #[test]
    fn a_key_listed_ahead_gets_its_place_at_the_rotation() {
        let (k1, k2) = (key(1), key(2));
        let mut t = KeyTimeline::new();
        t.pin(k2, KeySpan::default(), None);
        t.pin(k1, KeySpan::default(), None);
        t.rotate(&k1.key_id(), 3, k2).unwrap();
        assert_eq!(code(t.key_for_message("h", &k1.key_id(), 4)), "key_retired");
        assert_eq!(code(t.key_for_message("h", &k2.key_id(), 3)), "unknown_key");
    }

    #[test]
    fn a_revocation_voids_the_key_and_what_it_introduced() {
        let (k1, thief, owner) = (key(1), key(3), key(4));
        let mut t = KeyTimeline::new();
        t.pin(k1, KeySpan::default(), None);
        // The thief rotated the stolen key to its own at seq 8.
        t.rotate(&k1.key_id(), 8, thief).unwrap();
        let voided = t.revoke(&KeyRevocation {
            node: NodeId::parse("s").unwrap(),
            key: k1,
            from_seq: 6,
            next_seq: 10,
            new_key: Some(owner),
            reason: None,
        });
        assert_eq!(voided.len(), 2);
        assert_eq!(code(t.key_for_message("s", &k1.key_id(), 5)), "ok");
        assert_eq!(code(t.key_for_message("s", &k1.key_id(), 6)), "key_revoked");
        assert_eq!(
            code(t.key_for_message("s", &thief.key_id(), 9)),
            "key_revoked"
        );
        assert_eq!(
            code(t.key_for_message("s", &owner.key_id(), 9)),
            "unknown_key"
        );
        assert_eq!(code(t.key_for_message("s", &owner.key_id(), 10)), "ok");
        // Revoking again later never moves the point of compromise forward.
        t.revoke(&KeyRevocation {
            node: NodeId::parse("s").unwrap(),
            key: k1,
            from_seq: 7,
            next_seq: 12,
            new_key: None,
            reason: None,
        });
        assert_eq!(code(t.key_for_message("s", &k1.key_id(), 6)), "key_revoked");
        assert_eq!(code(t.key_for_message("s", &owner.key_id(), 12)), "ok");
    }
}
