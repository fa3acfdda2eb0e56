//! How the exchanges with each peer are going, read straight from the
//! database (the server need not be running): the data behind
//! `passerelle status` and the home page's sync line, which put it in words.

use passerelle_protocol::body::NodeRole;
use serde::Serialize;
use sqlx::Row;

use crate::error::NodeError;
use crate::fed::outbox;
use crate::fed::stuck::{self, Stuck};
use crate::node::Node;
use crate::{peers, sync_state};

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub id: String,
    pub role: String,
    pub peers: Vec<PeerStatus>,
    /// Our messages the hub refused for good, with the reason.
    pub set_aside: Vec<SetAside>,
    /// Relayed messages this service refused.
    pub refused_incoming: i64,
    /// Origins whose messages wait behind one this service refused (a
    /// service only): said loudly until a copy that verifies arrives.
    pub stuck: Vec<Stuck>,
    /// Why this node cannot store anything right now (full disk, read-only
    /// database), checked live; `None` when it can.
    pub storage: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PeerStatus {
    pub id: String,
    pub name: String,
    pub role: String,
    pub membership: String,
    pub last_success_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub pending_outgoing: i64,
    pub last_error: Option<String>,
    pub next_retry_at: Option<i64>,
    /// The last sequence number of the peer's stream we hold.
    pub stream_seq: i64,
}

#[derive(Debug, Serialize)]
pub struct SetAside {
    pub id: String,
    pub kind: String,
    pub code: String,
    pub reason: String,
}

pub async fn report(node: &Node) -> Result<StatusReport, NodeError> {
    let mut conn = node.db.pool().acquire().await?;
    let mut out = Vec::new();
    for p in peers::list(&mut conn).await? {
        // A service's peers other than its hub are known only through the hub.
        if !node.is_hub() && p.role != NodeRole::Hub {
            continue;
        }
        let state = sync_state::get(&mut conn, &p.id).await?;
        let pending = if node.is_hub() {
            0
        } else {
            outbox::pending_count(&mut conn, node, state.acked_seq as u64).await?
        };
        let seq = crate::log::head(&mut conn, &p.id)
            .await?
            .map_or(0, |h| h.seq as i64);
        out.push(PeerStatus {
            id: p.id,
            name: p.name,
            role: p.role.as_str().to_owned(),
            membership: p.status,
            last_success_at: state.last_success_at,
            last_seen_at: p.last_seen_at,
            pending_outgoing: pending,
            last_error: state.last_error,
            next_retry_at: state.next_retry_at,
            stream_seq: seq,
        });
    }
    let set_aside =
        sqlx::query("SELECT id, kind, code, reason FROM set_aside ORDER BY set_aside_at")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok(SetAside {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    code: r.try_get("code")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect::<Result<_, NodeError>>()?;
    let refused: i64 = sqlx::query("SELECT COUNT(*) AS n FROM refused_incoming")
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let stuck = stuck::list(&mut conn, node).await?;
    drop(conn);
    let storage = node.db.storage_check(&database_dir(node)).await;
    Ok(StatusReport {
        id: node.id().to_string(),
        role: if node.is_hub() { "hub" } else { "service" }.into(),
        peers: out,
        set_aside,
        refused_incoming: refused,
        stuck,
        storage,
    })
}

/// The folder that holds a SQLite database file (the data directory,
/// unless the configuration names another file).
fn database_dir(node: &Node) -> std::path::PathBuf {
    let url = &node.config.database_url;
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or_default())
        .and_then(|path| {
            std::path::Path::new(path)
                .parent()
                .map(std::path::Path::to_path_buf)
        })
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| node.data_dir.clone())
}
