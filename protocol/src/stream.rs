//! Ordering and completeness of one sender's stream.
//!
//! Every node numbers the messages it originates (`seq` = 1, 2, 3…) and
//! chains each to the hash of the previous one (`prev`). A receiver that
//! remembers, per sender, the last `seq` and hash it accepted can tell, for
//! any incoming message, whether it is the next one, one it already has, one
//! that skips ahead (a gap: ask for a resend), or one that contradicts history
//! already received (a fork or an equivocation: refuse, and keep the proof).

use crate::error::ProtocolError;
use crate::ids::Hash;

/// What a receiver remembers of a sender's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHead {
    pub seq: u64,
    pub hash: Hash,
}

/// Where an incoming message falls in its sender's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The next message: apply it, then advance the head.
    Next,
    /// The same message as one already received (the same hash, computed
    /// from the canonical form): acknowledge, change nothing.
    Duplicate,
}

/// Places a message (`seq`, `prev`, `hash`) after `head`.
///
/// `hash_at_seq` is the hash the receiver stored for this `seq`, if it has
/// already received a message with that number (only consulted when `seq` is
/// not after the head).
pub fn place(
    head: Option<&StreamHead>,
    seq: u64,
    prev: Option<&Hash>,
    hash: &Hash,
    hash_at_seq: Option<&Hash>,
) -> Result<Placement, ProtocolError> {
    let expected = head.map_or(1, |h| h.seq + 1);
    if seq == expected {
        let chained = match head {
            None => prev.is_none(),
            Some(h) => prev == Some(&h.hash),
        };
        return if chained {
            Ok(Placement::Next)
        } else {
            Err(ProtocolError::Fork { seq })
        };
    }
    if seq > expected {
        return Err(ProtocolError::Gap { expected, got: seq });
    }
    match hash_at_seq {
        Some(stored) if stored == hash => Ok(Placement::Duplicate),
        _ => Err(ProtocolError::Equivocation { seq }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_cases() {
        let h1 = Hash::of(b"1");
        let h2 = Hash::of(b"2");
        assert_eq!(place(None, 1, None, &h1, None), Ok(Placement::Next));
        assert_eq!(
            place(None, 1, Some(&h2), &h1, None),
            Err(ProtocolError::Fork { seq: 1 })
        );
        assert_eq!(
            place(None, 2, Some(&h1), &h2, None),
            Err(ProtocolError::Gap {
                expected: 1,
                got: 2
            })
        );
        let head = StreamHead {
            seq: 1,
            hash: h1.clone(),
        };
        assert_eq!(
            place(Some(&head), 2, Some(&h1), &h2, None),
            Ok(Placement::Next)
        );
        assert_eq!(
            place(Some(&head), 2, Some(&h2), &h2, None),
            Err(ProtocolError::Fork { seq: 2 })
        );
        assert_eq!(
            place(Some(&head), 1, None, &h1, Some(&h1)),
            Ok(Placement::Duplicate)
        );
        assert_eq!(
            place(Some(&head), 1, None, &h2, Some(&h1)),
            Err(ProtocolError::Equivocation { seq: 1 })
        );
    }
}
