//! Pinned peers and their keys.
//!
//! At a hub, the peers are its member services; at a service, its hub and
//! the other members it learned from the hub's signed `members.list`. Only
//! messages and requests signed by a pinned, non-revoked key are accepted.

use passerelle_protocol::body::{Member, MemberList, MemberStatus, NodeRole};
use passerelle_protocol::{KeyId, NodeId, PublicKey};
use sqlx::{AnyConnection, Row};

use crate::error::NodeError;
use crate::fed::log::now;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub id: String,
    pub name: String,
    pub role: String,
    pub status: String,
    pub url: Option<String>,
    pub joined_at: i64,
    pub last_seen_at: Option<i64>,
}

pub const ACTIVE: &str = "active";
pub const REVOKED: &str = "revoked";

pub fn role_name(role: NodeRole) -> &'static str {
    match role {
        NodeRole::Service => "service",
        NodeRole::Hub => "hub",
    }
}

fn peer(r: &sqlx::any::AnyRow) -> Result<Peer, NodeError> {
    Ok(Peer {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        status: r.try_get("status")?,
        url: r.try_get("url")?,
        joined_at: r.try_get("joined_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
    })
}

const PEER_COLUMNS: &str = "id, name, role, status, url, joined_at, last_seen_at";

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Peer>, NodeError> {
    let row = sqlx::query(&format!("SELECT {PEER_COLUMNS} FROM peers WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(peer).transpose()
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Peer>, NodeError> {
    let rows = sqlx::query(&format!("SELECT {PEER_COLUMNS} FROM peers ORDER BY id"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(peer).collect()
}

/// The hub a service has joined, if any.
pub async fn hub(conn: &mut AnyConnection) -> Result<Option<Peer>, NodeError> {
    let row = sqlx::query(&format!(
        "SELECT {PEER_COLUMNS} FROM peers WHERE role = 'hub'"
    ))
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(peer).transpose()
}

/// A peer's key by id, if it is pinned and not revoked.
pub async fn usable_key(
    conn: &mut AnyConnection,
    peer_id: &str,
    key_id: &KeyId,
) -> Result<Option<PublicKey>, NodeError> {
    let row = sqlx::query(
        "SELECT public_key FROM peer_keys WHERE peer_id = $1 AND key_id = $2 AND status <> 'revoked'",
    )
    .bind(peer_id)
    .bind(key_id.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok(PublicKey::parse(&r.try_get::<String, _>("public_key")?)?))
        .transpose()
}

/// All keys of a peer, current first.
pub async fn keys(conn: &mut AnyConnection, peer_id: &str) -> Result<Vec<PublicKey>, NodeError> {
    let rows = sqlx::query(
        "SELECT public_key FROM peer_keys WHERE peer_id = $1 AND status <> 'revoked' \
         ORDER BY CASE status WHEN 'current' THEN 0 ELSE 1 END, added_at DESC, key_id",
    )
    .bind(peer_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(PublicKey::parse(&r.try_get::<String, _>("public_key")?)?))
        .collect()
}

/// Pins a peer and its keys (the first is current, the others previous).
pub async fn upsert(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    role: &str,
    status: &str,
    url: Option<&str>,
    keys: &[PublicKey],
) -> Result<(), NodeError> {
    let t = now();
    sqlx::query(
        "INSERT INTO peers (id, name, role, status, url, joined_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, \
         status = excluded.status, url = COALESCE(excluded.url, peers.url)",
    )
    .bind(id)
    .bind(name)
    .bind(role)
    .bind(status)
    .bind(url)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    if status == REVOKED {
        sqlx::query("UPDATE peers SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(t)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE peer_keys SET status = 'previous' WHERE peer_id = $1 AND status = 'current'",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    for (n, key) in keys.iter().enumerate() {
        let key_status = if n == 0 { "current" } else { "previous" };
        sqlx::query(
            "INSERT INTO peer_keys (peer_id, key_id, public_key, status, added_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (peer_id, key_id) DO UPDATE SET status = excluded.status",
        )
        .bind(id)
        .bind(key.key_id().as_str())
        .bind(key.to_string())
        .bind(key_status)
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
) -> Result<bool, NodeError> {
    let done = sqlx::query("UPDATE peers SET status = $1, revoked_at = $2 WHERE id = $3")
        .bind(status)
        .bind((status == REVOKED).then(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that a peer was just heard from.
pub async fn touch(conn: &mut AnyConnection, id: &str) -> Result<(), NodeError> {
    sqlx::query("UPDATE peers SET last_seen_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A `members.list` update: the hub itself, then the service members named
/// in `changed` (unknown ids are skipped). Only what changed, never every
/// member: a complete list outgrows the envelope size limit past about 440
/// services, and receivers pin what each list carries without forgetting
/// anyone (protocol/SPEC.md §8.6), so the hub's stream, read from the
/// start, names every member.
pub async fn member_update(
    conn: &mut AnyConnection,
    hub_id: &NodeId,
    hub_name: &str,
    hub_keys: Vec<PublicKey>,
    changed: &[&str],
) -> Result<MemberList, NodeError> {
    let mut members = vec![Member {
        id: hub_id.clone(),
        name: hub_name.to_owned(),
        role: NodeRole::Hub,
        status: MemberStatus::Active,
        keys: hub_keys,
    }];
    for id in changed {
        let Some(p) = get(&mut *conn, id).await? else {
            continue;
        };
        if p.role != "service" {
            continue;
        }
        let keys = keys(&mut *conn, &p.id).await?;
        members.push(Member {
            id: NodeId::parse(&p.id)?,
            name: p.name,
            role: NodeRole::Service,
            status: if p.status == REVOKED {
                MemberStatus::Revoked
            } else {
                MemberStatus::Active
            },
            keys,
        });
    }
    Ok(MemberList { members })
}
