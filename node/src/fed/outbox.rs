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

use crate::error::NodeError;
use crate::fed::log::{self, now, StoredMessage};
use crate::node::Node;

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
    let tail = log::stream_after(conn, me, seq - 1, i64::MAX).await?;
    let Some(first) = tail.first().filter(|m| m.seq as u64 == seq) else {
        return Ok(0);
    };
    if first.kind == "key.rotated" {
        // Without it the hub never learns our new key: an operator must look.
        return Err(NodeError::Remote(format!(
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
    sqlx::query("DELETE FROM messages WHERE origin = $1 AND seq >= $2")
        .bind(me)
        .bind(seq as i64)
        .execute(&mut *conn)
        .await?;
    if seq == 1 {
        sqlx::query("DELETE FROM stream_heads WHERE origin = $1")
            .bind(me)
            .execute(&mut *conn)
            .await?;
    } else {
        let hash = log::hash_at(conn, me, seq - 1)
            .await?
            .ok_or_else(|| NodeError::config(format!("own message {} is missing", seq - 1)))?;
        log::set_head(conn, me, seq - 1, &hash).await?;
    }
    let mut prev = log::head(conn, me).await?;
    for m in &tail[1..] {
        let old = SignedEnvelope::parse(m.envelope.as_bytes())?
            .envelope()
            .clone();
        // Each message keeps the key that signed it: renumbering shifts
        // a rotation and the messages around it together.
        let signer = crate::keys::own_signer(node, &old.key)?;
        let renumbered = Envelope {
            seq: prev.as_ref().map_or(1, |h| h.seq + 1),
            prev: prev.as_ref().map(|h| h.hash.clone()),
            key: signer.key_id().clone(),
            ..old
        }
        .sign(signer)?;
        log::insert(conn, &renumbered, &renumbered.canonical_string(), true).await?;
        prev = log::head(conn, me).await?;
    }
    w.commit().await?;
    tracing::warn!(
        seq,
        code,
        reason,
        "message set aside; {} later message(s) renumbered",
        tail.len() - 1
    );
    Ok(tail.len() - 1)
}
