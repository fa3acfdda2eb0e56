//! Pinned peers and their keys.
//!
//! At a hub, the peers are its member services; at a service, its hub and
//! the other members it learned from the hub's signed `members.list`. A
//! message is accepted only if signed by a key pinned for its origin *and
//! valid at its `seq`* (rotations and revocations move the boundaries, see
//! `passerelle_protocol::key_timeline`); a request only if signed by the
//! origin's current key.

use passerelle_protocol::body::{Member, MemberList, MemberStatus, NodeRole};
use passerelle_protocol::key_timeline::{KeySpan, KeyTimeline};
use passerelle_protocol::{KeyId, NodeId, ProtocolError, PublicKey};
use sqlx::{AnyConnection, Row};

use crate::clock::now;
use crate::error::NodeError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub id: String,
    pub name: String,
    pub role: NodeRole,
    pub status: String,
    pub url: Option<String>,
    pub joined_at: i64,
    pub last_seen_at: Option<i64>,
}

pub const ACTIVE: &str = "active";
pub const REVOKED: &str = "revoked";

/// A stored role (`service`, `hub`).
fn stored_role(text: &str) -> Result<NodeRole, NodeError> {
    match text {
        "service" => Ok(NodeRole::Service),
        "hub" => Ok(NodeRole::Hub),
        other => Err(NodeError::Database(sqlx::Error::Decode(
            format!("unknown peer role {other:?}").into(),
        ))),
    }
}

fn peer(r: &sqlx::any::AnyRow) -> Result<Peer, NodeError> {
    Ok(Peer {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: stored_role(&r.try_get::<String, _>("role")?)?,
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

/// A peer's pinned keys with the stretch of its stream each may sign.
pub async fn timeline(conn: &mut AnyConnection, peer_id: &str) -> Result<KeyTimeline, NodeError> {
    let rows = sqlx::query(
        "SELECT public_key, valid_from_seq, valid_until_seq, revoked_from_seq, introduced_by \
         FROM peer_keys WHERE peer_id = $1",
    )
    .bind(peer_id)
    .fetch_all(conn)
    .await?;
    let mut t = KeyTimeline::new();
    for r in &rows {
        pin_row(&mut t, r)?;
    }
    Ok(t)
}

/// Adds the key of a `peer_keys` row (its columns as [`timeline`] reads them) to `t`.
fn pin_row(t: &mut KeyTimeline, r: &sqlx::any::AnyRow) -> Result<(), NodeError> {
    let seq = |name: &str| -> Result<Option<u64>, NodeError> {
        Ok(r.try_get::<Option<i64>, _>(name)?.map(|v| v as u64))
    };
    let introduced_by = r
        .try_get::<Option<String>, _>("introduced_by")?
        .map(|k| KeyId::parse(&k))
        .transpose()?;
    t.pin(
        PublicKey::parse(&r.try_get::<String, _>("public_key")?)?,
        KeySpan {
            from: seq("valid_from_seq")?,
            until: seq("valid_until_seq")?,
            revoked_from: seq("revoked_from_seq")?,
        },
        introduced_by,
    );
    Ok(())
}

/// The peers `ids` that are known, each with its key timeline, in one query
/// (the hub asks this for every push: one round-trip instead of two).
pub async fn with_timelines(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<std::collections::BTreeMap<String, (Peer, KeyTimeline)>, NodeError> {
    let mut out = std::collections::BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = (1..=ids.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT p.id, p.name, p.role, p.status, p.url, p.joined_at, p.last_seen_at, \
         k.public_key, k.valid_from_seq, k.valid_until_seq, k.revoked_from_seq, k.introduced_by \
         FROM peers p LEFT JOIN peer_keys k ON k.peer_id = p.id WHERE p.id IN ({list})"
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    for r in query.fetch_all(conn).await? {
        let id: String = r.try_get("id")?;
        let (_, t) = match out.entry(id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert((peer(&r)?, KeyTimeline::new()))
            }
        };
        if r.try_get::<Option<String>, _>("public_key")?.is_some() {
            pin_row(t, &r)?;
        }
    }
    Ok(out)
}

/// One peer with its key timeline (see [`with_timelines`]).
pub async fn with_timeline(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(Peer, KeyTimeline)>, NodeError> {
    Ok(with_timelines(conn, &[id]).await?.remove(id))
}

/// Stores a peer's timeline back (every key it holds).
pub async fn save_timeline(
    conn: &mut AnyConnection,
    peer_id: &str,
    t: &KeyTimeline,
) -> Result<(), NodeError> {
    for k in t.iter() {
        let status = if k.span.revoked_from.is_some() {
            Some("revoked")
        } else if k.span.until.is_some() {
            Some("previous")
        } else if k.span.from.is_some() {
            Some("current")
        } else {
            None
        };
        let opt = |v: Option<u64>| v.map(|v| v as i64);
        sqlx::query(
            "INSERT INTO peer_keys (peer_id, key_id, public_key, status, added_at, valid_from_seq, \
             valid_until_seq, revoked_from_seq, introduced_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (peer_id, key_id) DO UPDATE SET status = COALESCE($10, peer_keys.status), \
             valid_from_seq = excluded.valid_from_seq, valid_until_seq = excluded.valid_until_seq, \
             revoked_from_seq = excluded.revoked_from_seq, introduced_by = excluded.introduced_by",
        )
        .bind(peer_id)
        .bind(k.key.key_id().as_str())
        .bind(k.key.to_string())
        .bind(status.unwrap_or("previous"))
        .bind(now())
        .bind(opt(k.span.from))
        .bind(opt(k.span.until))
        .bind(opt(k.span.revoked_from))
        .bind(k.introduced_by.as_ref().map(KeyId::as_str))
        .bind(status)
        .execute(&mut *conn)
        .await?;
    }
    // Whoever holds a span now is current; a key listed as current that a
    // rotation or revocation just replaced is not any more.
    sqlx::query(
        "UPDATE peer_keys SET status = 'previous' WHERE peer_id = $1 AND status = 'current' \
         AND valid_from_seq IS NULL AND EXISTS (SELECT 1 FROM peer_keys o WHERE o.peer_id = $1 \
         AND o.status = 'current' AND o.valid_from_seq IS NOT NULL)",
    )
    .bind(peer_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The key that may sign message `seq` of `origin`'s stream (SPEC §6 step 3).
pub async fn message_key(
    conn: &mut AnyConnection,
    origin: &str,
    key_id: &KeyId,
    seq: u64,
) -> Result<PublicKey, NodeError> {
    Ok(timeline(conn, origin)
        .await?
        .key_for_message(origin, key_id, seq)?)
}

/// The key that may sign `origin`'s requests: only its current key (SPEC §9.3).
pub async fn request_key(
    conn: &mut AnyConnection,
    origin: &str,
    key_id: &KeyId,
) -> Result<PublicKey, NodeError> {
    request_key_in(&timeline(conn, origin).await?, origin, key_id)
}

/// [`request_key`] in a timeline already read.
pub fn request_key_in(
    t: &KeyTimeline,
    origin: &str,
    key_id: &KeyId,
) -> Result<PublicKey, NodeError> {
    let pinned = t.get(key_id).ok_or_else(|| ProtocolError::UnknownKey {
        sender: origin.to_owned(),
        key_id: key_id.to_string(),
    })?;
    pinned.span.check_request(origin, key_id)?;
    Ok(pinned.key)
}

/// All keys of a peer that are not revoked, current first.
pub async fn keys(conn: &mut AnyConnection, peer_id: &str) -> Result<Vec<PublicKey>, NodeError> {
    let rows = sqlx::query(
        "SELECT public_key FROM peer_keys WHERE peer_id = $1 AND status <> 'revoked' \
         ORDER BY CASE status WHEN 'current' THEN 0 ELSE 1 END, \
         COALESCE(valid_from_seq, 0) DESC, added_at DESC, key_id",
    )
    .bind(peer_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(PublicKey::parse(&r.try_get::<String, _>("public_key")?)?))
        .collect()
}

/// The peer that pinned `key`, if any (a key belongs to one node).
pub async fn owner_of(
    conn: &mut AnyConnection,
    key: &PublicKey,
) -> Result<Option<String>, NodeError> {
    let row = sqlx::query("SELECT peer_id FROM peer_keys WHERE key_id = $1")
        .bind(key.key_id().as_str())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("peer_id")).transpose()?)
}

/// Pins a peer and its keys. Keys already pinned keep their place in the
/// peer's stream (learned from rotations); a new key is pinned without a
/// place, as current if it comes first and the peer has no key yet.
pub async fn upsert(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    role: NodeRole,
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
    .bind(role.as_str())
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
    let had_keys = timeline(conn, id).await?.iter().next().is_some();
    for (n, key) in keys.iter().enumerate() {
        let key_status = if n == 0 && !had_keys {
            "current"
        } else {
            "previous"
        };
        sqlx::query(
            "INSERT INTO peer_keys (peer_id, key_id, public_key, status, added_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (peer_id, key_id) DO NOTHING",
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
        if p.role != NodeRole::Service {
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
