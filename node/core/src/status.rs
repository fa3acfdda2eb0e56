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
    /// At a service: how far the hub acknowledged our stream (the
    /// messages it accepted from us).
    pub acked_seq: i64,
    /// When we last tried an exchange with the peer.
    pub last_attempt_at: Option<i64>,
    /// At a hub: the bytes of this member's messages it keeps, once
    /// [`add_sizes`] read them (they take a pass over the member's
    /// messages: `passerelle status` asks, the pages and `/metrics` do not).
    pub stored_bytes: Option<u64>,
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
            acked_seq: state.acked_seq,
            last_attempt_at: state.last_attempt_at,
            stored_bytes: None,
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

/// At a hub: reads how many bytes of each member's messages it keeps.
pub async fn add_sizes(node: &Node, report: &mut StatusReport) -> Result<(), NodeError> {
    if !node.is_hub() {
        return Ok(());
    }
    let mut conn = node.db.pool().acquire().await?;
    for p in &mut report.peers {
        p.stored_bytes = Some(crate::log::stored_bytes(&mut conn, &p.id).await?);
    }
    Ok(())
}

/// The node's figures in the Prometheus text format, for its operator
/// (served on `metrics_listen` only): the counters kept since the start
/// (`metrics`), and what is read now — the inbox's queue, and per peer
/// (node ids only, nothing personal) its last contact, its stream, what
/// waits to be sent.
pub async fn metrics(node: &Node) -> Result<String, NodeError> {
    use crate::metrics::Exposition;
    let report = node.metrics.counted(report(node).await)?;
    let mut out = Exposition::default();
    out.family(
        "passerelle_node_info",
        "gauge",
        "This node: its id and role (hub or service).",
    );
    out.sample(
        "passerelle_node_info",
        &[("id", &report.id), ("role", &report.role)],
        1,
    );
    node.metrics.write(&mut out);
    out.family(
        "passerelle_hub_inbox_queue_length",
        "gauge",
        "Pushes waiting for the hub's group commit now.",
    );
    out.sample("passerelle_hub_inbox_queue_length", &[], node.inbox.len());
    out.family(
        "passerelle_peer_last_contact_seconds",
        "gauge",
        "At a hub: when each member service last made a signed request (Unix time; absent if never).",
    );
    for p in &report.peers {
        if let Some(t) = p.last_seen_at {
            out.sample(
                "passerelle_peer_last_contact_seconds",
                &[("peer", &p.id)],
                t,
            );
        }
    }
    out.family(
        "passerelle_peer_last_success_seconds",
        "gauge",
        "At a service: when the last exchange with the hub succeeded (Unix time; absent if never).",
    );
    for p in &report.peers {
        if let Some(t) = p.last_success_at {
            out.sample(
                "passerelle_peer_last_success_seconds",
                &[("peer", &p.id)],
                t,
            );
        }
    }
    out.family(
        "passerelle_peer_stream_seq",
        "gauge",
        "The last sequence number of each peer's stream this node holds.",
    );
    for p in &report.peers {
        out.sample(
            "passerelle_peer_stream_seq",
            &[("peer", &p.id)],
            p.stream_seq,
        );
    }
    out.family(
        "passerelle_peer_revoked",
        "gauge",
        "1 for a member the hub revoked.",
    );
    for p in &report.peers {
        let revoked = u8::from(p.membership == crate::peers::REVOKED);
        out.sample("passerelle_peer_revoked", &[("peer", &p.id)], revoked);
    }
    out.family(
        "passerelle_service_pending_outgoing",
        "gauge",
        "At a service: our messages not yet acknowledged by the hub.",
    );
    out.family(
        "passerelle_service_exchange_failing",
        "gauge",
        "At a service: 1 while the last exchange with the hub failed, labelled by its code.",
    );
    for p in &report.peers {
        if report.role == "service" {
            out.sample(
                "passerelle_service_pending_outgoing",
                &[("peer", &p.id)],
                p.pending_outgoing,
            );
        }
    }
    for p in &report.peers {
        if let Some(code) = &p.last_error {
            let code = crate::sync_state::SyncProblem::parse(code).code();
            out.sample(
                "passerelle_service_exchange_failing",
                &[("peer", &p.id), ("code", &code)],
                1,
            );
        }
    }
    out.family(
        "passerelle_service_set_aside",
        "gauge",
        "At a service: our messages the hub refused for good.",
    );
    out.sample("passerelle_service_set_aside", &[], report.set_aside.len());
    out.family(
        "passerelle_refused_incoming",
        "gauge",
        "Relayed messages this node refused.",
    );
    out.sample("passerelle_refused_incoming", &[], report.refused_incoming);
    out.family(
        "passerelle_storage_problem",
        "gauge",
        "1 when this node cannot store anything now (full disk, read-only database).",
    );
    out.sample(
        "passerelle_storage_problem",
        &[],
        u8::from(report.storage.is_some()),
    );
    Ok(out.finish())
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
