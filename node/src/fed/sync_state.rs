//! What a node remembers of its exchanges with a peer: how far the peer has
//! acknowledged our stream, how far we read its feed, and how the last
//! attempts went (for `passerelle status`).

use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::NodeError;
use crate::fed::log::now;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncState {
    pub acked_seq: i64,
    pub feed_cursor: i64,
    pub last_success_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub next_retry_at: Option<i64>,
    pub failures: i64,
}

pub async fn ensure(conn: &mut AnyConnection, peer: &str) -> Result<(), NodeError> {
    sqlx::query("INSERT INTO sync_state (peer_id) VALUES ($1) ON CONFLICT (peer_id) DO NOTHING")
        .bind(peer)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, peer: &str) -> Result<SyncState, NodeError> {
    let row = sqlx::query(
        "SELECT acked_seq, feed_cursor, last_success_at, last_attempt_at, last_error, next_retry_at, failures \
         FROM sync_state WHERE peer_id = $1",
    )
    .bind(peer)
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else {
        return Ok(SyncState::default());
    };
    Ok(SyncState {
        acked_seq: r.try_get("acked_seq")?,
        feed_cursor: r.try_get("feed_cursor")?,
        last_success_at: r.try_get("last_success_at")?,
        last_attempt_at: r.try_get("last_attempt_at")?,
        last_error: r.try_get("last_error")?,
        next_retry_at: r.try_get("next_retry_at")?,
        failures: r.try_get("failures")?,
    })
}

pub async fn set_acked(conn: &mut AnyConnection, peer: &str, seq: u64) -> Result<(), NodeError> {
    sqlx::query("UPDATE sync_state SET acked_seq = $1 WHERE peer_id = $2")
        .bind(seq as i64)
        .bind(peer)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_cursor(conn: &mut AnyConnection, peer: &str, pos: i64) -> Result<(), NodeError> {
    sqlx::query("UPDATE sync_state SET feed_cursor = $1 WHERE peer_id = $2")
        .bind(pos)
        .bind(peer)
        .execute(conn)
        .await?;
    Ok(())
}

/// A successful exchange: clears the error and the backoff.
pub async fn record_success(db: &Db, peer: &str) -> Result<(), NodeError> {
    let t = now();
    let mut w = db.begin_write().await?;
    sqlx::query(
        "UPDATE sync_state SET last_success_at = $1, last_attempt_at = $2, last_error = NULL, \
         next_retry_at = NULL, failures = 0 WHERE peer_id = $3",
    )
    .bind(t)
    .bind(t)
    .bind(peer)
    .execute(w.conn())
    .await?;
    w.commit().await
}

/// A failed exchange; returns the number of consecutive failures.
pub async fn record_failure(
    db: &Db,
    peer: &str,
    error: &str,
    retry_in_secs: i64,
) -> Result<(), NodeError> {
    let t = now();
    let mut w = db.begin_write().await?;
    sqlx::query(
        "UPDATE sync_state SET last_attempt_at = $1, last_error = $2, next_retry_at = $3, \
         failures = failures + 1 WHERE peer_id = $4",
    )
    .bind(t)
    .bind(error)
    .bind(t + retry_in_secs)
    .bind(peer)
    .execute(w.conn())
    .await?;
    w.commit().await
}
