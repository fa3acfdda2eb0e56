//! The message log: every envelope this node accepted, its own included.
//!
//! One table, `messages`, holds each signed envelope as it was received (or
//! produced), so it can be re-verified and relayed unchanged — except the
//! openings its origin erased since (SPEC §5.6): [`erase`] rewrites the
//! envelope without them, which changes neither its signature nor its hash.
//! `stream_heads` remembers, per origin, the last sequence number and hash
//! accepted. At the hub, `messages.pos` is the feed order services pull.

use passerelle_protocol::stream::StreamHead;
use passerelle_protocol::{Body, Envelope, Hash, KeyPair, NodeId, SignedEnvelope};
use sqlx::{AnyConnection, Row};

use crate::clock::now;
use crate::db::placeholders;
use crate::error::NodeError;

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub pos: i64,
    pub id: String,
    pub origin: String,
    pub seq: i64,
    pub kind: String,
    pub envelope: String,
}

/// The stored message with id `id`, if any.
pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<StoredMessage>, NodeError> {
    let row =
        sqlx::query("SELECT pos, id, origin, seq, kind, envelope FROM messages WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(stored).transpose()
}

/// Drops the openings of `seals` from the stored message `id` (and from its
/// copy set aside, if it is one of ours the hub refused): the texts are
/// gone, the envelope still verifies. Returns the texts that were erased,
/// for the projections to forget them too.
pub async fn erase(
    conn: &mut AnyConnection,
    id: &str,
    seals: &[Hash],
) -> Result<Vec<String>, NodeError> {
    let mut erased = Vec::new();
    for table in ["messages", "set_aside"] {
        let row = sqlx::query(&format!("SELECT envelope FROM {table} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else { continue };
        let text: String = row.try_get("envelope")?;
        let env = SignedEnvelope::parse(text.as_bytes())?;
        for seal in seals {
            if let Some(opening) = env.openings().get(seal) {
                erased.push(opening.value.clone());
            }
        }
        let kept = env.erased(seals);
        if kept.canonical_bytes() != env.canonical_bytes() || kept.canonical_string() != text {
            sqlx::query(&format!("UPDATE {table} SET envelope = $1 WHERE id = $2"))
                .bind(kept.canonical_string())
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    erased.sort();
    erased.dedup();
    Ok(erased)
}

/// Messages of `origin` whose kind is one of `kinds`, oldest first.
pub async fn of_kinds(
    conn: &mut AnyConnection,
    origin: &str,
    kinds: &[&str],
) -> Result<Vec<StoredMessage>, NodeError> {
    let sql = format!(
        "SELECT pos, id, origin, seq, kind, envelope FROM messages          WHERE origin = $1 AND kind IN ({}) ORDER BY seq",
        placeholders(2, kinds.len())
    );
    let mut q = sqlx::query(&sql).bind(origin);
    for k in kinds {
        q = q.bind(*k);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(stored).collect()
}

/// The last message accepted from `origin`, if any.
pub async fn head(conn: &mut AnyConnection, origin: &str) -> Result<Option<StreamHead>, NodeError> {
    let row = sqlx::query("SELECT seq, hash FROM stream_heads WHERE origin = $1")
        .bind(origin)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(StreamHead {
            seq: r.try_get::<i64, _>("seq")? as u64,
            hash: Hash::parse(&r.try_get::<String, _>("hash")?)?,
        })
    })
    .transpose()
}

/// The hash stored for `origin`'s message `seq`, if we have it.
pub async fn hash_at(
    conn: &mut AnyConnection,
    origin: &str,
    seq: u64,
) -> Result<Option<Hash>, NodeError> {
    let row = sqlx::query("SELECT hash FROM messages WHERE origin = $1 AND seq = $2")
        .bind(origin)
        .bind(seq as i64)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok(Hash::parse(&r.try_get::<String, _>("hash")?)?))
        .transpose()
}

/// Whether a message id is already in the log.
pub async fn has_id(conn: &mut AnyConnection, id: &str) -> Result<bool, NodeError> {
    Ok(sqlx::query("SELECT 1 AS one FROM messages WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .is_some())
}

/// Stores an accepted envelope (`raw`: its bytes as received) and advances
/// its origin's head. Returns its position.
pub async fn insert(
    conn: &mut AnyConnection,
    env: &SignedEnvelope,
    raw: &str,
    applied: bool,
) -> Result<i64, NodeError> {
    let e = env.envelope();
    let pos: i64 = sqlx::query(
        "INSERT INTO messages (id, origin, seq, hash, kind, envelope, received_at, applied) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING pos",
    )
    .bind(e.id.hyphenated().to_string())
    .bind(e.from.as_str())
    .bind(e.seq as i64)
    .bind(env.hash().as_str())
    .bind(e.kind.as_str())
    .bind(raw)
    .bind(now())
    .bind(i64::from(applied))
    .fetch_one(&mut *conn)
    .await?
    .try_get("pos")?;
    set_head(conn, e.from.as_str(), e.seq, env.hash()).await?;
    Ok(pos)
}

/// A message to store as it was accepted (see [`insert_rows`]).
#[derive(Debug)]
pub struct NewMessage {
    pub id: String,
    pub origin: String,
    pub seq: u64,
    pub hash: Hash,
    pub kind: String,
    /// The envelope's bytes as received.
    pub raw: String,
    pub applied: bool,
}

/// Most rows in one multi-row statement (well under SQLite's 32,766
/// parameters and PostgreSQL's 65,535).
const ROWS_PER_INSERT: usize = 200;

/// Stores accepted messages in multi-row statements, in their order (the
/// hub's batched group commit); their heads are the caller's to advance
/// ([`set_heads`]).
pub async fn insert_rows(conn: &mut AnyConnection, rows: &[NewMessage]) -> Result<(), NodeError> {
    let t = now();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values = (0..chunk.len())
            .map(|i| format!("({})", placeholders(8 * i + 1, 8)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO messages (id, origin, seq, hash, kind, envelope, received_at, applied) \
             VALUES {values}"
        );
        let mut q = sqlx::query(&sql);
        for m in chunk {
            q = q
                .bind(m.id.as_str())
                .bind(m.origin.as_str())
                .bind(m.seq as i64)
                .bind(m.hash.as_str())
                .bind(m.kind.as_str())
                .bind(m.raw.as_str())
                .bind(t)
                .bind(i64::from(m.applied));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Moves several streams' heads at once.
pub async fn set_heads(
    conn: &mut AnyConnection,
    heads: &[(&str, &StreamHead)],
) -> Result<(), NodeError> {
    for chunk in heads.chunks(ROWS_PER_INSERT) {
        let values = (0..chunk.len())
            .map(|i| format!("({})", placeholders(3 * i + 1, 3)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO stream_heads (origin, seq, hash) VALUES {values} \
             ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"
        );
        let mut q = sqlx::query(&sql);
        for (origin, head) in chunk {
            q = q
                .bind(*origin)
                .bind(head.seq as i64)
                .bind(head.hash.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks a stored message (`not_our_key`, a key error code): kept, relayed
/// as it is, but known to be suspect.
pub async fn flag(conn: &mut AnyConnection, id: &str, flag: &str) -> Result<(), NodeError> {
    sqlx::query("UPDATE messages SET flagged = $1 WHERE id = $2")
        .bind(flag)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes `origin`'s message at `seq` (our own unacknowledged tail only:
/// see `fed::outbox`). The head is the caller's to move.
pub async fn remove(conn: &mut AnyConnection, origin: &str, seq: u64) -> Result<(), NodeError> {
    sqlx::query("DELETE FROM messages WHERE origin = $1 AND seq = $2")
        .bind(origin)
        .bind(seq as i64)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes `origin`'s messages from `seq` on (our own stream, relearned from
/// the hub after a restore: see `fed::resync`).
pub async fn remove_from(
    conn: &mut AnyConnection,
    origin: &str,
    seq: u64,
) -> Result<(), NodeError> {
    sqlx::query("DELETE FROM messages WHERE origin = $1 AND seq >= $2")
        .bind(origin)
        .bind(seq as i64)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets `origin`'s head (its stream is empty again).
pub async fn clear_head(conn: &mut AnyConnection, origin: &str) -> Result<(), NodeError> {
    sqlx::query("DELETE FROM stream_heads WHERE origin = $1")
        .bind(origin)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_head(
    conn: &mut AnyConnection,
    origin: &str,
    seq: u64,
    hash: &Hash,
) -> Result<(), NodeError> {
    sqlx::query(
        "INSERT INTO stream_heads (origin, seq, hash) VALUES ($1, $2, $3) \
         ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(origin)
    .bind(seq as i64)
    .bind(hash.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Signs `body` as the next message of this node's own stream and stores it,
/// in the caller's transaction: the change that the message announces and
/// the message itself commit together or not at all (transactional outbox).
pub async fn append_own(
    conn: &mut AnyConnection,
    me: &NodeId,
    audience: &NodeId,
    keys: &KeyPair,
    body: &Body,
) -> Result<SignedEnvelope, NodeError> {
    let head = head(conn, me.as_str()).await?;
    let envelope = Envelope::new(
        me.clone(),
        audience.clone(),
        head.as_ref().map_or(1, |h| h.seq + 1),
        head.map(|h| h.hash),
        body,
        keys.key_id().clone(),
    )?;
    let signed = envelope.sign(keys)?;
    insert(conn, &signed, &signed.canonical_string(), true).await?;
    Ok(signed)
}

/// Messages of `origin` with `seq` greater than `after`, in order, at most `limit`.
pub async fn stream_after(
    conn: &mut AnyConnection,
    origin: &str,
    after: u64,
    limit: i64,
) -> Result<Vec<StoredMessage>, NodeError> {
    let rows = sqlx::query(
        "SELECT pos, id, origin, seq, kind, envelope FROM messages \
         WHERE origin = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(origin)
    .bind(after as i64)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(stored).collect()
}

/// The feed: messages after position `after`, not originated by `exclude`.
///
/// The page also stops once its envelopes reach `max_bytes` (counted in
/// characters, which is close enough: envelopes are mostly ASCII), always
/// holding at least one: the sizes are read first, without the envelopes,
/// so a page of large messages is never held whole to be cut afterwards.
pub async fn feed_after(
    conn: &mut AnyConnection,
    after: i64,
    exclude: &str,
    limit: i64,
    max_bytes: i64,
) -> Result<Vec<StoredMessage>, NodeError> {
    let sizes = sqlx::query(
        "SELECT pos, LENGTH(envelope) AS size FROM messages \
         WHERE pos > $1 AND origin <> $2 ORDER BY pos LIMIT $3",
    )
    .bind(after)
    .bind(exclude)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut last = None;
    let mut total = 0i64;
    for row in &sizes {
        let size: i64 = row.try_get("size")?;
        if last.is_some() && total + size > max_bytes {
            break;
        }
        total += size;
        last = Some(row.try_get::<i64, _>("pos")?);
    }
    let Some(last) = last else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(
        "SELECT pos, id, origin, seq, kind, envelope FROM messages \
         WHERE pos > $1 AND pos <= $2 AND origin <> $3 ORDER BY pos",
    )
    .bind(after)
    .bind(last)
    .bind(exclude)
    .fetch_all(conn)
    .await?;
    rows.iter().map(stored).collect()
}

/// The highest feed position (0 when empty).
pub async fn last_pos(conn: &mut AnyConnection) -> Result<i64, NodeError> {
    let row = sqlx::query("SELECT COALESCE(MAX(pos), 0) AS p FROM messages")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>("p")?)
}

fn stored(r: &sqlx::any::AnyRow) -> Result<StoredMessage, NodeError> {
    Ok(StoredMessage {
        pos: r.try_get("pos")?,
        id: r.try_get("id")?,
        origin: r.try_get("origin")?,
        seq: r.try_get("seq")?,
        kind: r.try_get("kind")?,
        envelope: r.try_get("envelope")?,
    })
}

/// What a node needs to add a message to its own stream.
#[derive(Debug, Clone, Copy)]
pub struct OwnStream<'a> {
    pub me: &'a NodeId,
    pub audience: &'a NodeId,
    pub keys: &'a KeyPair,
}

impl OwnStream<'_> {
    /// See [`append_own`].
    pub async fn append(
        &self,
        conn: &mut AnyConnection,
        body: &Body,
    ) -> Result<SignedEnvelope, NodeError> {
        append_own(conn, self.me, self.audience, self.keys, body).await
    }
}

/// The bytes of `origin`'s envelopes held in the log (their characters:
/// what both engines count alike), for its quota at the hub.
pub async fn stored_bytes(conn: &mut AnyConnection, origin: &str) -> Result<u64, NodeError> {
    let n: i64 = sqlx::query(
        "SELECT COALESCE(SUM(LENGTH(envelope)), 0) AS n FROM messages WHERE origin = $1",
    )
    .bind(origin)
    .fetch_one(conn)
    .await?
    .try_get("n")?;
    Ok(u64::try_from(n).unwrap_or(0))
}
