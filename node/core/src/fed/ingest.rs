//! Accepting an incoming envelope: the one pipeline for hub and services.
//!
//! Untrusted bytes become a stored message only after every check, in this
//! fixed order: parse (size, JSON subset, structure, version) → sender is a
//! known, active peer (and, at the hub's inbox, the authenticated requester)
//! → the named key is pinned for that sender and valid at the message's
//! `seq` (not retired by a rotation, not revoked) → signature → audience →
//! time not too far ahead (at the hub's inbox) → place in the sender's stream
//! (next, duplicate, gap, fork, equivocation) → id not used by another
//! message → typed body → domain rules. A refusal at any step writes nothing.
//!
//! The hub's inbox may parse and verify signatures *before* its write
//! transaction ([`Prechecked`]), so that this CPU work runs in parallel and
//! outside the write lock. The pipeline still runs every step in the same
//! order inside the transaction: the signature step only skips the
//! arithmetic when the key found there is the very key the envelope was
//! already verified with (verification is a pure function of the bytes and
//! the key), and otherwise verifies again.

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::envelope::MAX_AHEAD_SECS;
use passerelle_protocol::stream::{place, Placement};
use passerelle_protocol::{NodeId, SignedEnvelope, Timestamp};
use sqlx::{Acquire, AnyConnection};

use crate::domain;
use crate::error::{NodeError, Refusal};
use crate::fed::known::Known;
use crate::peers;

/// Where the envelope comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// Pushed to the hub's inbox by an authenticated member.
    Inbox { requester: &'a str },
    /// Relayed by the hub in its feed, pulled by a service.
    Feed,
}

/// What happened to an accepted envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// New, stored, and its body applied.
    Applied,
    /// New and stored, but its body could not be applied here (a service
    /// relaying knowledge it does not understand); the stream still advances.
    StoredOnly,
    /// Already had it: the same hash, that is the same canonical form
    /// (whatever bytes it came in; the bytes stored first are kept).
    Duplicate,
}

pub use crate::pushes::Prechecked;

/// Runs the pipeline on `raw` and stores the message on success.
pub async fn ingest(
    conn: &mut AnyConnection,
    me: &NodeId,
    audience: &NodeId,
    source: Source<'_>,
    raw: &str,
) -> Result<(SignedEnvelope, Accepted), NodeError> {
    ingest_prechecked(conn, me, audience, source, raw, None).await
}

/// [`ingest`], with `raw` possibly already parsed and its signature checked
/// (`pre` must come from [`Prechecked::new`] on these same bytes).
pub async fn ingest_prechecked(
    conn: &mut AnyConnection,
    me: &NodeId,
    audience: &NodeId,
    source: Source<'_>,
    raw: &str,
    pre: Option<Prechecked>,
) -> Result<(SignedEnvelope, Accepted), NodeError> {
    ingest_known(conn, &mut Known::direct(), me, audience, source, raw, pre).await
}

/// [`ingest_prechecked`], its lookups and writes made through `known`
/// (direct, or batched for a group of pushes: see `fed::known`). When
/// batched, the body is applied without a savepoint of its own: the caller
/// must treat any refusal as spoiling the whole transaction.
pub async fn ingest_known(
    conn: &mut AnyConnection,
    known: &mut Known,
    me: &NodeId,
    audience: &NodeId,
    source: Source<'_>,
    raw: &str,
    pre: Option<Prechecked>,
) -> Result<(SignedEnvelope, Accepted), NodeError> {
    let (env, verified_with) = match pre {
        Some(p) => (p.env, p.verified_with),
        None => (SignedEnvelope::parse(raw.as_bytes())?, None),
    };
    let e = env.envelope();
    let origin = e.from.as_str();
    if let Source::Inbox { requester } = source {
        if origin != requester {
            return Err(NodeError::refused(
                Refusal::NotOrigin,
                format!("{requester} may only push its own messages, not {origin}'s"),
            ));
        }
    }
    let (peer, timeline) = known.member(conn, origin).await?.ok_or_else(|| {
        NodeError::refused(Refusal::UnknownSender, format!("{origin} is not a member"))
    })?;
    if peer.status == peers::REVOKED {
        return Err(NodeError::refused(
            Refusal::Revoked,
            format!("{origin}'s membership was revoked"),
        ));
    }
    // The key must be pinned for the origin and valid at this seq: a key
    // retired by a rotation or revoked as compromised signs nothing after.
    let key = timeline.key_for_message(origin, &e.key, e.seq)?;
    if verified_with != Some(key) {
        env.verify_signature(&key)?;
    }
    env.check_audience(audience)?;
    // The hub, which every message enters through, refuses a time too far
    // ahead of its clock; not permanent, so the sender retries until the
    // clocks agree. A service does not apply the rule to the feed: the hub
    // already did, and refusing there would break the origin's stream at
    // every service whose clock is behind.
    if let Source::Inbox { .. } = source {
        env.check_time(Timestamp::now(), MAX_AHEAD_SECS)?;
    }
    let head = known.head(conn, origin).await?;
    let stored = match head.as_ref() {
        Some(h) if e.seq <= h.seq => known.hash_at(conn, origin, e.seq).await?,
        _ => None,
    };
    if place(
        head.as_ref(),
        e.seq,
        e.prev.as_ref(),
        env.hash(),
        stored.as_ref(),
    )? == Placement::Duplicate
    {
        return Ok((env, Accepted::Duplicate));
    }
    let id = e.id.hyphenated().to_string();
    if known.has_id(conn, &id).await? {
        return Err(NodeError::refused(
            Refusal::ReplayedId,
            format!("message id {id} was already used by another message"),
        ));
    }
    let applied = match source {
        // The hub refuses what it cannot apply: nothing is stored, and the
        // sender sets the message aside.
        Source::Inbox { .. } => {
            let body = env.body()?;
            if known.is_batched() {
                domain::apply_as(conn, me.as_str(), Some(peer.role), &env, &body).await?;
            } else {
                apply_in_savepoint(conn, me, Some(peer.role), &env, &body).await?;
            }
            true
        }
        // A service stores what the hub accepted even if it cannot apply it
        // (an older version, say): the origin's stream must stay complete.
        Source::Feed => match env.body() {
            Ok(body) => match apply_in_savepoint(conn, me, Some(peer.role), &env, &body).await {
                Ok(()) => true,
                Err(err @ (NodeError::Database(_) | NodeError::Io { .. })) => return Err(err),
                Err(err) => {
                    tracing::warn!(
                        origin,
                        seq = e.seq,
                        code = err.code(),
                        "relayed message stored without applying it"
                    );
                    false
                }
            },
            Err(err) => {
                tracing::warn!(
                    origin,
                    seq = e.seq,
                    code = err.code(),
                    "relayed message stored without applying it"
                );
                false
            }
        },
    };
    known.insert(conn, &env, raw, applied).await?;
    Ok((
        env,
        if applied {
            Accepted::Applied
        } else {
            Accepted::StoredOnly
        },
    ))
}

/// Applies a body; on failure, whatever it wrote is rolled back.
async fn apply_in_savepoint(
    conn: &mut AnyConnection,
    me: &NodeId,
    origin_role: Option<NodeRole>,
    env: &SignedEnvelope,
    body: &passerelle_protocol::Body,
) -> Result<(), NodeError> {
    let mut savepoint = conn.begin().await?;
    domain::apply_as(&mut savepoint, me.as_str(), origin_role, env, body).await?;
    savepoint.commit().await?;
    Ok(())
}
