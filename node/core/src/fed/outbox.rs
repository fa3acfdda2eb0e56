//! A service's own stream, seen as an outbox: what the hub has not
//! acknowledged yet, and what to do with a message the hub can never accept.
//!
//! Such a message is **set aside** (kept with its reason, shown by
//! `passerelle status`) and the messages after it, which the hub has not
//! accepted either (it stops at the first refusal), are renumbered and signed
//! again so that the stream stays gapless. Nothing the hub accepted is ever
//! rewritten: that would be a fork.

use passerelle_protocol::{Envelope, SignedEnvelope};
use sqlx::AnyConnection;

use crate::clock::now;
use crate::error::NodeError;
use crate::log::{self, StoredMessage};
use crate::node::Node;

/// Messages renumbered per database read when one is set aside.
const RENUMBER_PAGE: i64 = 100;

/// Our messages the hub has not acknowledged yet, in order.
pub async fn pending(
    conn: &mut AnyConnection,
    node: &Node,
    acked: u64,
    limit: i64,
) -> Result<Vec<StoredMessage>, NodeError> {
    log::stream_after(conn, node.id().as_str(), acked, limit).await
}

/// Number of our messages not yet acknowledged.
pub async fn pending_count(
    conn: &mut AnyConnection,
    node: &Node,
    acked: u64,
) -> Result<i64, NodeError> {
    use sqlx::Row;
    let row = sqlx::query("SELECT COUNT(*) AS n FROM messages WHERE origin = $1 AND seq > $2")
        .bind(node.id().as_str())
        .bind(acked as i64)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Sets aside our message `seq` with the hub's reason and renumbers the
/// ones after it. Returns how many were renumbered.
pub async fn set_aside(
    node: &Node,
    seq: u64,
    code: &str,
    reason: &str,
) -> Result<usize, NodeError> {
    let me = node.id().as_str();
    let mut w = node.db.begin_write().await?;
    let conn = w.conn();
    let Some(first) = log::stream_after(conn, me, seq - 1, 1)
        .await?
        .into_iter()
        .find(|m| m.seq as u64 == seq)
    else {
        return Ok(0);
    };
    if first.kind == "key.rotated" {
        // Without it the hub never learns our new key: an operator must look.
        return Err(NodeError::remote(format!(
            "the hub refused our key rotation for good ({code}: {reason}); see `passerelle status`"
        )));
    }
    if first.kind == "key.rotated" {
        // Without it the hub never learns our new key: an operator must look.
        return Err(NodeError::remote(format!(
            "the hub refused our key rotation for good ({code}: {reason}); see `passerelle status`"
        )));
    }
    sqlx::query("INSERT INTO set_aside (id, kind, envelope, code, reason, set_aside_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&first.id)
        .bind(&first.kind)
        .bind(&first.envelope)
        .bind(code)
        .bind(reason)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    log::remove(conn, me, seq).await?;
    if seq == 1 {
        log::clear_head(conn, me).await?;
    } else {
        let hash = log::hash_at(conn, me, seq - 1)
            .await?
            .ok_or_else(|| NodeError::config(format!("own message {} is missing", seq - 1)))?;
        log::set_head(conn, me, seq - 1, &hash).await?;
    }
    // The tail after it, a page at a time (a backlog of thousands of
    // messages is never held in memory at once): each message moves down
    // by one, chained to the one before.
    let mut prev = log::head(conn, me).await?;
    let mut renumbered = 0;
    let mut after = seq;
    loop {
        let page = log::stream_after(conn, me, after, RENUMBER_PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.seq as u64;
        for m in &page {
            let old = SignedEnvelope::parse(m.envelope.as_bytes())?
                .envelope()
                .clone();
            log::remove(conn, me, m.seq as u64).await?;
            // Each message keeps the key that signed it: renumbering shifts
            // a rotation and the messages around it together.
            let signer = crate::rotation::own_signer(node, &old.key)?;
            let moved = Envelope {
                seq: prev.as_ref().map_or(1, |h| h.seq + 1),
                prev: prev.as_ref().map(|h| h.hash.clone()),
                key: signer.key_id().clone(),
                ..old
            }
            .sign(signer)?;
            log::insert(conn, &moved, &moved.canonical_string(), true).await?;
            prev = log::head(conn, me).await?;
            renumbered += 1;
        }
    }
    w.commit().await?;
    tracing::warn!(
        seq,
        code,
        reason,
        "message set aside; {renumbered} later message(s) renumbered"
    );
    Ok(renumbered)
}
