//! Learning back our own stream from the hub (SPEC §10.9).
//!
//! After `passerelle restore` (the database went back in time),
//! `passerelle key replace` (a thief may have pushed messages with our
//! stolen key) or a join (as the replacement of a member whose stream the
//! hub holds, SPEC §10.3), the hub may hold messages of our stream that we
//! do not have. Sending before looking would fork the stream: our next message
//! would take a `seq` the hub already holds. So such a service first asks
//! the hub for its head of our stream (`GET /fed/v1/state`); if the hub is
//! ahead, it fetches those messages back (`GET /fed/v1/stream`), checks they
//! chain onto what we have, records them as ours, and renumbers after them
//! whatever it wrote locally that the hub never got. Nothing the hub
//! accepted is ever rewritten: the hub's history wins.
//!
//! Without such a reason (no `resync_pending` row), a hub holding messages
//! of ours that we lack is a fork: the service stops and alerts (§10.7).

use passerelle_protocol::{Envelope, Hash, PublicKey, SignedEnvelope};
use sqlx::{AnyConnection, Row};

use crate::error::NodeError;
use crate::fed::client::HubClient;
use crate::log;
use crate::node::Node;
use crate::sync_state;

pub use crate::wire::MAX_STREAM_PAGE;

/// Why a resync is pending, if one is.
pub async fn pending(conn: &mut AnyConnection) -> Result<Option<String>, NodeError> {
    Ok(
        sqlx::query("SELECT reason FROM resync_pending ORDER BY since LIMIT 1")
            .fetch_optional(conn)
            .await?
            .map(|r| r.try_get("reason"))
            .transpose()?,
    )
}

/// What a resync found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resynced {
    /// Messages of ours the hub held and we did not: now recorded.
    pub fetched: usize,
    /// Local messages the hub never got, renumbered after the hub's head.
    pub renumbered: usize,
    /// Local messages dropped because the hub holds them under another seq.
    pub dropped: usize,
    /// Whether an erasure of ours was learned back and applied.
    pub erased: bool,
}

async fn own_public_keys(conn: &mut AnyConnection) -> Result<Vec<PublicKey>, NodeError> {
    sqlx::query("SELECT public_key FROM own_keys")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok(PublicKey::parse(&r.try_get::<String, _>("public_key")?)?))
        .collect()
}

/// Brings our stream in line with the hub's copy; see the module docs.
/// `adopt` allows dropping local messages the hub never got in favour of
/// the hub's history (they are renumbered after it, not lost).
pub async fn resync(
    node: &Node,
    client: &HubClient,
    hub_id: &str,
    adopt: bool,
) -> Result<Resynced, NodeError> {
    let me = node.id().as_str();
    let hub_head = client.state().await?;
    let mut conn = node.db.pool().acquire().await?;
    let local = log::head(&mut conn, me).await?;
    let acked = sync_state::get(&mut conn, hub_id).await?.acked_seq as u64;
    let Some(hub_head) = hub_head else {
        drop(conn);
        return finish(node, hub_id, 0, Resynced::default()).await;
    };
    let ours_at_head = log::hash_at(&mut conn, me, hub_head.seq).await?;
    if ours_at_head
        .as_ref()
        .is_some_and(|h| h.as_str() == hub_head.hash)
    {
        // The hub's copy is a prefix of ours: nothing to learn.
        drop(conn);
        return finish(node, hub_id, hub_head.seq, Resynced::default()).await;
    }
    // Fetch what the hub holds after what it had acknowledged to us.
    let local_seq = local.as_ref().map_or(0, |h| h.seq);
    let start = acked.min(local_seq).min(hub_head.seq);
    let mut fetched: Vec<(SignedEnvelope, String)> = Vec::new();
    let mut after = start;
    while after < hub_head.seq {
        let page = client.stream(None, after).await?;
        if page.messages.is_empty() {
            break;
        }
        for item in page.messages {
            let raw = item.envelope.get().to_owned();
            let env = SignedEnvelope::parse(raw.as_bytes())?;
            after = env.envelope().seq;
            fetched.push((env, raw));
        }
    }
    if fetched.is_empty() {
        return Err(NodeError::remote(format!(
            "fork: the hub's message {} of ours differs from ours; see `passerelle status`",
            hub_head.seq
        )));
    }
    let keys = own_public_keys(&mut conn).await?;
    drop(conn);
    let mut w = node.db.begin_write().await?;
    let conn = w.conn();
    // Check the hub's copy chains onto what we share, then find where ours differs.
    let mut prev: Option<Hash> = if start == 0 {
        None
    } else {
        Some(
            log::hash_at(conn, me, start)
                .await?
                .ok_or_else(|| NodeError::config(format!("our own message {start} is missing")))?,
        )
    };
    let mut diverge_at: Option<u64> = None;
    for (n, (env, _)) in fetched.iter().enumerate() {
        let e = env.envelope();
        let expected = start + 1 + n as u64;
        if e.from.as_str() != me || e.seq != expected || e.prev != prev {
            return Err(NodeError::remote(format!(
                "the hub's copy of our stream does not chain at message {expected}"
            )));
        }
        prev = Some(env.hash().clone());
        if diverge_at.is_none() {
            let ours = log::hash_at(conn, me, e.seq).await?;
            if ours.as_ref() != Some(env.hash()) {
                diverge_at = Some(e.seq);
            }
        }
    }
    if fetched.last().map(|(e, _)| e.envelope().seq) != Some(hub_head.seq) {
        return Err(NodeError::remote(
            "the hub's copy of our stream ended early; trying again later",
        ));
    }
    let Some(from) = diverge_at else {
        w.commit().await?;
        return finish(node, hub_id, hub_head.seq, Resynced::default()).await;
    };
    // Our messages from `from` on were never accepted by the hub.
    let local_tail = log::stream_after(conn, me, from - 1, i64::MAX).await?;
    if !local_tail.is_empty() && !adopt {
        return Err(NodeError::remote(format!(
            "fork: the hub holds a message {from} of ours that we do not have; \
             see `passerelle status` (after a restore or a key replacement this heals by itself)"
        )));
    }
    log::remove_from(conn, me, from).await?;
    let mut out = Resynced::default();
    let mut hub_ids = std::collections::BTreeSet::new();
    for (env, raw) in fetched.iter().filter(|(e, _)| e.envelope().seq >= from) {
        let e = env.envelope();
        hub_ids.insert(e.id);
        // Stored as ours, not applied again: the hub holds what they said.
        // Except an erasure (SPEC §5.6): a backup from before it still
        // holds the texts it took back, here and in our own records.
        log::insert(conn, env, raw, false).await?;
        if let Ok(passerelle_protocol::Body::ContentErased(erasure)) = env.body() {
            crate::domain::erasure::apply(conn, me, env, &erasure).await?;
            out.erased = true;
        }
        let ours = keys
            .iter()
            .find(|k| k.key_id() == e.key)
            .is_some_and(|k| env.verify_signature(k).is_ok());
        if !ours {
            log::flag(conn, &e.id.hyphenated().to_string(), "not_our_key").await?;
        }
        out.fetched += 1;
    }
    let mut head = log::head(conn, me).await?;
    for m in &local_tail {
        let old = SignedEnvelope::parse(m.envelope.as_bytes())?
            .envelope()
            .clone();
        if hub_ids.contains(&old.id) {
            out.dropped += 1;
            continue;
        }
        let renumbered = Envelope {
            seq: head.as_ref().map_or(1, |h| h.seq + 1),
            prev: head.as_ref().map(|h| h.hash.clone()),
            key: node.keys.key_id().clone(),
            ..old
        }
        .sign(&node.keys)?;
        log::insert(conn, &renumbered, &renumbered.canonical_string(), true).await?;
        head = log::head(conn, me).await?;
        out.renumbered += 1;
    }
    w.commit().await?;
    tracing::warn!(
        fetched = out.fetched,
        renumbered = out.renumbered,
        dropped = out.dropped,
        "our stream was learned back from the hub"
    );
    finish(node, hub_id, hub_head.seq, out).await
}

/// Records the hub's head as acknowledged and clears the pending reason.
async fn finish(
    node: &Node,
    hub_id: &str,
    acked: u64,
    out: Resynced,
) -> Result<Resynced, NodeError> {
    let mut w = node.db.begin_write().await?;
    sync_state::set_acked(w.conn(), hub_id, acked).await?;
    sqlx::query("DELETE FROM resync_pending")
        .execute(w.conn())
        .await?;
    w.commit().await?;
    if out.erased {
        node.scrub_after_erasure().await;
    }
    Ok(out)
}
