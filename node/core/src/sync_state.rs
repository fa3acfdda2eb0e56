//! What a node remembers of its exchanges with a peer: how far the peer has
//! acknowledged our stream, how far we read its feed, and how the last
//! attempts went (for `passerelle status`).

use sqlx::{AnyConnection, Row};

use crate::clock::now;
use crate::db::Db;
use crate::error::{NodeError, RemoteFailure, StorageProblem};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncState {
    pub acked_seq: i64,
    pub feed_cursor: i64,
    pub last_success_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    /// Why the last exchange failed ([`SyncProblem::code`]).
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
    problem: &SyncProblem,
    retry_in_secs: i64,
) -> Result<(), NodeError> {
    let t = now();
    let mut w = db.begin_write().await?;
    sqlx::query(
        "UPDATE sync_state SET last_attempt_at = $1, last_error = $2, next_retry_at = $3, \
         failures = failures + 1 WHERE peer_id = $4",
    )
    .bind(t)
    .bind(problem.code())
    .bind(t + retry_in_secs)
    .bind(peer)
    .execute(w.conn())
    .await?;
    w.commit().await
}

/// Why an exchange with a peer failed, as stored: a code, never a
/// sentence (`passerelle status` and the pages say it in words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncProblem {
    /// The peer did not answer (down, or the network is cut).
    Unreachable,
    /// Our own disk is full.
    StorageFull,
    /// Our own database accepts no writes.
    StorageReadOnly,
    /// The hub's disk is full.
    HubStorageFull,
    /// The hub's database accepts no writes.
    HubStorageReadOnly,
    /// The hub holds a version of our stream that we do not.
    Fork,
    /// The hub revoked this service.
    Revoked,
    /// The hub refused, with this code.
    HubRefused(String),
    /// The hub answered something we cannot use.
    HubUnexpected,
    /// Our database or disk failed otherwise.
    Local,
    /// Anything else, with its error code.
    Other(String),
}

impl SyncProblem {
    /// What `error` says about the exchange.
    pub fn of(error: &NodeError) -> SyncProblem {
        match error.storage_problem() {
            Some(StorageProblem::Full) => return SyncProblem::StorageFull,
            Some(StorageProblem::ReadOnly) => return SyncProblem::StorageReadOnly,
            None => {}
        }
        match error {
            NodeError::Remote { failure, .. } => match failure {
                RemoteFailure::Unreachable => SyncProblem::Unreachable,
                RemoteFailure::Fork => SyncProblem::Fork,
                RemoteFailure::Refused(code) => match code.as_str() {
                    "storage_full" => SyncProblem::HubStorageFull,
                    "storage_read_only" => SyncProblem::HubStorageReadOnly,
                    "fork" => SyncProblem::Fork,
                    "revoked" => SyncProblem::Revoked,
                    _ => SyncProblem::HubRefused(code.clone()),
                },
                _ => SyncProblem::HubUnexpected,
            },
            NodeError::Database(_) | NodeError::Io { .. } => SyncProblem::Local,
            other => SyncProblem::Other(other.code().to_owned()),
        }
    }

    /// The stored form.
    pub fn code(&self) -> String {
        match self {
            SyncProblem::Unreachable => "unreachable".into(),
            SyncProblem::StorageFull => "storage_full".into(),
            SyncProblem::StorageReadOnly => "storage_read_only".into(),
            SyncProblem::HubStorageFull => "hub:storage_full".into(),
            SyncProblem::HubStorageReadOnly => "hub:storage_read_only".into(),
            SyncProblem::Fork => "fork".into(),
            SyncProblem::Revoked => "revoked".into(),
            SyncProblem::HubRefused(code) => format!("hub:{code}"),
            SyncProblem::HubUnexpected => "hub_unexpected".into(),
            SyncProblem::Local => "internal".into(),
            SyncProblem::Other(code) => format!("other:{code}"),
        }
    }

    /// Reads the stored form back (anything unknown is `Other`).
    pub fn parse(stored: &str) -> SyncProblem {
        match stored {
            "unreachable" => SyncProblem::Unreachable,
            "storage_full" => SyncProblem::StorageFull,
            "storage_read_only" => SyncProblem::StorageReadOnly,
            "hub:storage_full" => SyncProblem::HubStorageFull,
            "hub:storage_read_only" => SyncProblem::HubStorageReadOnly,
            "fork" => SyncProblem::Fork,
            "revoked" => SyncProblem::Revoked,
            "hub_unexpected" => SyncProblem::HubUnexpected,
            "internal" => SyncProblem::Local,
            other => match other.split_once(':') {
                Some(("hub", code)) => SyncProblem::HubRefused(code.to_owned()),
                Some(("other", code)) => SyncProblem::Other(code.to_owned()),
                _ => SyncProblem::Other(other.to_owned()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_stored_as_codes_and_read_back() {
        for p in [
            SyncProblem::Unreachable,
            SyncProblem::StorageFull,
            SyncProblem::StorageReadOnly,
            SyncProblem::HubStorageFull,
            SyncProblem::HubStorageReadOnly,
            SyncProblem::Fork,
            SyncProblem::Revoked,
            SyncProblem::HubRefused("gap".into()),
            SyncProblem::HubUnexpected,
            SyncProblem::Local,
            SyncProblem::Other("config".into()),
        ] {
            assert_eq!(SyncProblem::parse(&p.code()), p, "{}", p.code());
        }
        let refused = NodeError::remote_failure(RemoteFailure::Refused("revoked".into()), "x");
        assert_eq!(SyncProblem::of(&refused), SyncProblem::Revoked);
        let down = NodeError::remote_failure(RemoteFailure::Unreachable, "cannot reach x");
        assert_eq!(SyncProblem::of(&down), SyncProblem::Unreachable);
    }
}
