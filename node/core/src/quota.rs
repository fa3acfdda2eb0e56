//! What one member may push to the hub: messages and bytes per minute, and
//! bytes stored in all (SPEC §10.4, `quota_exceeded`).
//!
//! **Why.** Every message a member pushes is kept by the hub and copied to
//! every other service: one member pushing 400 large messages in five
//! seconds filled every database of the federation. The envelope limit
//! (64 KiB) bounds one message, not a flood of them.
//!
//! **How.** Each member has two buckets, of messages and of bytes, that
//! fill at a steady rate up to a burst (a service catching up after an
//! outage spends its burst at once). A push is taken while both buckets
//! hold something; its whole cost is then taken out, even below zero, so
//! that a push larger than the burst still passes once, and the member
//! waits until the buckets are full again. A refused push changes nothing
//! and is not permanent: the member pushes it again later. The buckets live
//! in the process's memory (a hub of several processes gives each its
//! own); the bytes stored are read from the log once per member and
//! counted on from there.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// How long a member refused for its quota is told to wait (`Retry-After`).
pub const QUOTA_RETRY_AFTER_SECS: u32 = 30;

/// One member's limits at the hub (`[member_quota]` in `passerelle.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaLimits {
    /// Messages a member may push at once, after a quiet time.
    pub burst_messages: u64,
    /// Messages per minute, over time.
    pub messages_per_minute: u64,
    /// Bytes of envelopes a member may push at once.
    pub burst_bytes: u64,
    /// Bytes of envelopes per minute, over time.
    pub bytes_per_minute: u64,
    /// Bytes of envelopes the hub keeps for one member, in all.
    pub stored_bytes: u64,
}

impl Default for QuotaLimits {
    /// A committee writes a few messages a week; a service catching up
    /// after weeks offline pushes thousands of small ones at once.
    fn default() -> Self {
        QuotaLimits {
            burst_messages: 10_000,
            messages_per_minute: 600,
            burst_bytes: 16 * 1024 * 1024,
            bytes_per_minute: 4 * 1024 * 1024,
            stored_bytes: 1024 * 1024 * 1024,
        }
    }
}

impl QuotaLimits {
    /// Whether these are the defaults (a configuration leaves them out).
    pub fn is_default(&self) -> bool {
        *self == QuotaLimits::default()
    }
}

/// Why a push was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverQuota {
    /// The member pushed too much lately: it waits.
    Rate,
    /// The hub keeps as much as it will for this member.
    Stored,
}

#[derive(Debug)]
struct Usage {
    messages: f64,
    bytes: f64,
    at: Instant,
    /// Bytes stored for the member, once read from the log.
    stored: Option<u64>,
}

/// Every member's buckets, in this process.
#[derive(Debug, Default)]
pub struct Quotas {
    members: Mutex<BTreeMap<String, Usage>>,
}

impl Quotas {
    /// Whether the bytes stored for `member` must be read from the log
    /// before [`Quotas::take`] (the first push since the process started).
    pub fn needs_stored(&self, member: &str) -> bool {
        self.members
            .lock()
            .map(|m| m.get(member).is_none_or(|u| u.stored.is_none()))
            .unwrap_or(true)
    }

    /// Takes a push of `messages` envelopes of `bytes` bytes from
    /// `member`'s buckets at `now`, or says why not (nothing taken).
    /// `stored` is what the log holds for the member, when
    /// [`Quotas::needs_stored`] asked for it.
    pub fn take(
        &self,
        limits: &QuotaLimits,
        member: &str,
        messages: u64,
        bytes: u64,
        stored: Option<u64>,
        now: Instant,
    ) -> Result<(), OverQuota> {
        let Ok(mut all) = self.members.lock() else {
            // A poisoned lock: a panic elsewhere; quotas must not stop the hub.
            return Ok(());
        };
        let u = all.entry(member.to_owned()).or_insert_with(|| Usage {
            messages: limits.burst_messages as f64,
            bytes: limits.burst_bytes as f64,
            at: now,
            stored: None,
        });
        if u.stored.is_none() {
            u.stored = stored;
        }
        let minutes = now.saturating_duration_since(u.at).as_secs_f64() / 60.0;
        u.messages = (u.messages + minutes * limits.messages_per_minute as f64)
            .min(limits.burst_messages as f64);
        u.bytes =
            (u.bytes + minutes * limits.bytes_per_minute as f64).min(limits.burst_bytes as f64);
        u.at = now;
        if u.stored.unwrap_or(0).saturating_add(bytes) > limits.stored_bytes {
            return Err(OverQuota::Stored);
        }
        if u.messages < 1.0 || u.bytes < 1.0 {
            return Err(OverQuota::Rate);
        }
        u.messages -= messages as f64;
        u.bytes -= bytes as f64;
        u.stored = Some(u.stored.unwrap_or(0).saturating_add(bytes));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn small() -> QuotaLimits {
        QuotaLimits {
            burst_messages: 3,
            messages_per_minute: 60,
            burst_bytes: 1000,
            bytes_per_minute: 600,
            stored_bytes: 5000,
        }
    }

    #[test]
    fn a_burst_then_the_steady_rate() {
        let (q, l, t) = (Quotas::default(), small(), Instant::now());
        assert!(q.needs_stored("a"));
        for _ in 0..3 {
            q.take(&l, "a", 1, 10, Some(0), t).unwrap();
        }
        assert!(!q.needs_stored("a"));
        assert_eq!(q.take(&l, "a", 1, 10, None, t), Err(OverQuota::Rate));
        // Another member has its own buckets.
        q.take(&l, "b", 1, 10, Some(0), t).unwrap();
        // One message a second comes back.
        let later = t + Duration::from_millis(1100);
        q.take(&l, "a", 1, 10, None, later).unwrap();
        assert_eq!(q.take(&l, "a", 1, 10, None, later), Err(OverQuota::Rate));
    }

    #[test]
    fn a_push_larger_than_the_burst_passes_once_then_waits() {
        let (q, l, t) = (Quotas::default(), small(), Instant::now());
        q.take(&l, "a", 2, 3000, Some(0), t).unwrap();
        // 2000 bytes below zero: over three minutes at 600 a minute.
        let soon = t + Duration::from_secs(120);
        assert_eq!(q.take(&l, "a", 1, 10, None, soon), Err(OverQuota::Rate));
        q.take(&l, "a", 1, 10, None, t + Duration::from_secs(240))
            .unwrap();
    }

    #[test]
    fn what_is_stored_is_capped() {
        let (q, l, t) = (Quotas::default(), small(), Instant::now());
        assert_eq!(
            q.take(&l, "a", 1, 10, Some(4995), t),
            Err(OverQuota::Stored)
        );
        // A refusal took nothing: a smaller push still fits.
        q.take(&l, "a", 1, 5, None, t).unwrap();
        assert_eq!(q.take(&l, "a", 1, 1, None, t), Err(OverQuota::Stored));
    }
}
