//! A stream stuck on a refused relay, and taking it up again (SPEC §10.8).
//!
//! A service refuses a relayed message that does not verify (`apply_feed`
//! records it in `refused_incoming`, with its origin and `seq`), and then
//! every later message of that origin, which cannot follow a message it
//! lacks (`gap`): the origin's stream is **stuck**. It is stuck exactly while
//! a message of a member that is not revoked was refused with a `seq` past
//! the head we hold of its stream: no flag is kept that could disagree with
//! the log, and the stream is free again the moment its head moves past.
//!
//! A relayed copy may be bad for a while only (damaged on the way, or in the
//! hub's storage until it is repaired), so a stuck stream is asked for
//! again: the service fetches the hub's copy of the origin's stream after
//! our head (`GET /fed/v1/stream?origin=`), runs each message through the
//! one pipeline (`ingest`, as a relayed message: the origin's key, its
//! signature, its place in the stream), and keeps those that verify, in
//! order. What the origin did not sign is never taken, and no message is
//! ever skipped: while the copy does not verify, the stream stays stuck —
//! `passerelle status` and the home page say so — and the service asks
//! again later, with the backoff of the exchanges (`fed::backoff`). A new
//! refused message of that origin makes it ask at the next turn.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use passerelle_protocol::SignedEnvelope;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::error::NodeError;
use crate::fed::backoff;
use crate::fed::client::HubClient;
use crate::fed::ingest::{self, Accepted, Source};
use crate::log;
use crate::node::Node;
use crate::peers;
use crate::wire::MAX_STREAM_PAGE;

/// Why the awaited message of a stuck stream was refused, from its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StuckReason {
    /// It does not carry the origin's signature: it was changed after the
    /// origin signed it, on the way or at the hub (`bad_signature`).
    Altered,
    /// It is signed with a key we do not accept for the origin at that
    /// point of its stream (`unknown_key`, `key_retired`, `key_revoked`).
    Key,
    /// It never reached us as a message of that origin: only later ones did
    /// (`gap`).
    Missing,
    /// It does not follow the origin's messages we hold, or reuses the id
    /// of another message (`fork`, `equivocation`, `replayed_id`).
    Conflict,
    /// Another refusal; the code says which.
    Other,
}

impl StuckReason {
    /// The reason a refusal `code` gives.
    pub fn of(code: &str) -> StuckReason {
        match code {
            "bad_signature" => StuckReason::Altered,
            "unknown_key" | "key_retired" | "key_revoked" => StuckReason::Key,
            "gap" => StuckReason::Missing,
            "fork" | "equivocation" | "replayed_id" => StuckReason::Conflict,
            _ => StuckReason::Other,
        }
    }
}

/// An origin whose messages wait behind one we could not accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stuck {
    /// The origin's node id.
    pub origin: String,
    /// Its name, as the hub announced it.
    pub name: String,
    /// The message awaited: the one after the last we hold.
    pub seq: i64,
    /// Why it was refused (`gap` when it never reached us as the origin's).
    pub code: String,
    pub reason: StuckReason,
    /// When the first of the waiting messages was refused.
    pub since: i64,
    /// Later messages of the origin refused since, waiting behind it.
    pub waiting: i64,
}

/// The stuck streams, from what was refused and the heads we hold.
pub async fn list(conn: &mut AnyConnection, node: &Node) -> Result<Vec<Stuck>, NodeError> {
    if node.is_hub() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT r.origin AS origin, p.name AS name, COALESCE(h.seq, 0) AS head, \
         MIN(r.seq) AS first, COUNT(DISTINCT r.seq) AS n, MIN(r.refused_at) AS since \
         FROM refused_incoming r \
         JOIN peers p ON p.id = r.origin \
         LEFT JOIN stream_heads h ON h.origin = r.origin \
         WHERE r.seq IS NOT NULL AND r.seq > COALESCE(h.seq, 0) \
         AND p.status <> $1 AND r.origin <> $2 \
         GROUP BY r.origin, p.name, h.seq ORDER BY r.origin",
    )
    .bind(peers::REVOKED)
    .bind(node.id().as_str())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let origin: String = r.try_get("origin")?;
        let awaited = r.try_get::<i64, _>("head")? + 1;
        let first: i64 = r.try_get("first")?;
        let n: i64 = r.try_get("n")?;
        let code: String = sqlx::query(
            "SELECT code FROM refused_incoming WHERE origin = $1 AND seq = $2 ORDER BY pos LIMIT 1",
        )
        .bind(&origin)
        .bind(awaited)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get::<String, _>("code"))
        .transpose()?
        .unwrap_or_else(|| "gap".to_owned());
        out.push(Stuck {
            name: r.try_get("name")?,
            seq: awaited,
            reason: StuckReason::of(&code),
            code,
            since: r.try_get("since")?,
            waiting: if first == awaited { n - 1 } else { n },
            origin,
        });
    }
    Ok(out)
}

/// When each stuck stream is to be asked for again. Kept in memory: after
/// a restart, every stuck stream is asked for at once.
#[derive(Debug, Default)]
pub struct Retries {
    /// Per origin: consecutive attempts that left it stuck, and when to try next.
    due: BTreeMap<String, (u32, Instant)>,
}

impl Retries {
    /// A new message of `origin` was refused: the hub may hold the awaited
    /// one whole by now, so ask at the next turn (the backoff keeps growing).
    pub fn soon(&mut self, origin: &str) {
        if let Some((_, at)) = self.due.get_mut(origin) {
            *at = Instant::now();
        }
    }

    /// How long until the next stream is due (`None`: none is waiting).
    pub fn next_in(&self) -> Option<Duration> {
        let now = Instant::now();
        self.due
            .values()
            .map(|(_, at)| at.saturating_duration_since(now))
            .min()
    }

    fn is_due(&self, origin: &str, now: Instant) -> bool {
        self.due.get(origin).is_none_or(|(_, at)| *at <= now)
    }

    fn failed(&mut self, origin: &str) -> Duration {
        let failures = self.due.get(origin).map_or(0, |(n, _)| *n);
        let delay = backoff::delay(failures);
        self.due.insert(
            origin.to_owned(),
            (failures.saturating_add(1), Instant::now() + delay),
        );
        delay
    }
}

/// Asks the hub again for each stuck stream whose turn has come; returns
/// how many messages were taken. A failure to ask is logged and retried
/// later, like a copy that does not verify.
pub async fn retry_due(
    node: &Node,
    client: &HubClient,
    retries: &mut Retries,
) -> Result<usize, NodeError> {
    let stuck = list(&mut *node.db.pool().acquire().await?, node).await?;
    retries
        .due
        .retain(|origin, _| stuck.iter().any(|s| &s.origin == origin));
    let now = Instant::now();
    let mut taken = 0;
    for s in stuck.iter().filter(|s| retries.is_due(&s.origin, now)) {
        match recover(node, client, &s.origin).await {
            Ok(n) => taken += n,
            Err(e @ (NodeError::Database(_) | NodeError::Io { .. })) => return Err(e),
            Err(e) => {
                tracing::warn!(origin = s.origin, error = %e, "cannot ask the hub for a stuck stream");
            }
        }
    }
    let still = list(&mut *node.db.pool().acquire().await?, node).await?;
    for s in &stuck {
        if !retries.is_due(&s.origin, now) {
            continue;
        }
        match still.iter().find(|t| t.origin == s.origin) {
            Some(t) => {
                let retry_in = retries.failed(&t.origin);
                tracing::warn!(
                    origin = t.origin,
                    seq = t.seq,
                    code = t.code,
                    ?retry_in,
                    "a stream is stuck on a message we could not accept"
                );
            }
            None => {
                retries.due.remove(&s.origin);
                tracing::info!(origin = s.origin, "a stuck stream was taken up again");
            }
        }
    }
    Ok(taken)
}

/// Fetches the hub's copy of `origin`'s stream after our head, a page at a
/// time, and keeps each message the pipeline accepts, in order; stops at
/// the first it refuses. Returns how many new messages were taken.
pub async fn recover(node: &Node, client: &HubClient, origin: &str) -> Result<usize, NodeError> {
    let hub = client.hub_id().clone();
    let mut taken = 0;
    loop {
        let head = log::head(&mut *node.db.pool().acquire().await?, origin)
            .await?
            .map_or(0, |h| h.seq);
        let page = client.stream(Some(origin), head).await?;
        let mut advanced = 0;
        let mut refused = false;
        let mut w = node.db.begin_write().await?;
        for item in &page.messages {
            let raw = item.envelope.get();
            // The hub answers about the origin we asked for, or not at all.
            let from = SignedEnvelope::parse(raw.as_bytes())
                .map(|env| env.envelope().from.to_string())
                .ok();
            if from.as_deref() != Some(origin) {
                tracing::warn!(
                    origin,
                    seq = item.seq,
                    "the hub's copy of a stream holds a message that is not that origin's"
                );
                refused = true;
                break;
            }
            match ingest::ingest(w.conn(), node.id(), &hub, Source::Feed, raw).await {
                Ok((_, Accepted::Duplicate)) => {}
                Ok(_) => advanced += 1,
                Err(e @ (NodeError::Database(_) | NodeError::Io { .. })) => return Err(e),
                Err(e) => {
                    tracing::warn!(origin, seq = item.seq, code = e.code(), error = %e,
                        "the hub's copy of a stuck message was refused too");
                    refused = true;
                    break;
                }
            }
        }
        w.commit().await?;
        if advanced > 0 {
            node.log_changed.notify_waiters();
        }
        // As for the feed: an erasure rewrote stored rows (SPEC §5.6).
        if page
            .messages
            .iter()
            .any(|item| crate::domain::erasure::may_erase(item.envelope.get()))
        {
            node.scrub_after_erasure().await;
        }
        taken += advanced;
        if refused || advanced == 0 || page.messages.len() < MAX_STREAM_PAGE as usize {
            return Ok(taken);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_says_why_a_stream_is_stuck() {
        assert_eq!(StuckReason::of("bad_signature"), StuckReason::Altered);
        assert_eq!(StuckReason::of("key_revoked"), StuckReason::Key);
        assert_eq!(StuckReason::of("gap"), StuckReason::Missing);
        assert_eq!(StuckReason::of("fork"), StuckReason::Conflict);
        assert_eq!(StuckReason::of("wrong_audience"), StuckReason::Other);
    }

    #[test]
    fn a_stream_still_stuck_waits_longer_each_time_until_news_of_it() {
        let mut retries = Retries::default();
        let now = Instant::now();
        assert!(
            retries.is_due("ssm-1", now),
            "a new stuck stream is asked for at once"
        );
        assert_eq!(retries.next_in(), None);
        let mut ceilings = Vec::new();
        for n in 0..12 {
            let delay = retries.failed("ssm-1");
            assert!(delay >= backoff::ceiling(n) / 2 && delay <= backoff::ceiling(n));
            ceilings.push(backoff::ceiling(n));
        }
        assert_eq!(ceilings.last(), Some(&backoff::CAP));
        assert!(!retries.is_due("ssm-1", Instant::now()));
        assert!(retries
            .next_in()
            .is_some_and(|d| d > Duration::from_secs(60)));
        // A new refused message of that origin: asked for at the next turn.
        retries.soon("ssm-1");
        assert!(retries.is_due("ssm-1", Instant::now()));
        // The backoff keeps growing from where it was.
        assert!(retries.failed("ssm-1") >= backoff::CAP / 2);
    }
}
