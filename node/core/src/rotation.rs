//! Changing this node's keys while it lives, and which of them signs:
//! rotation, replacement after a compromise, revoking a member's key at
//! the hub (see [`crate::keys`] for the files and why the old key is kept
//! for a while).

use passerelle_protocol::body::KeyRotation;
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::{Body, KeyId, KeyPair, PublicKey};
use sqlx::{AnyConnection, Row};

use crate::clock::now;
use crate::config::write_secret_key;
use crate::error::NodeError;
use crate::keys::{
    finish_switch, mark_resync, remove_previous, sync_dir, NEXT_KEY_FILE, PREVIOUS_KEY_FILE,
};
use crate::log::{self, OwnStream};
use crate::node::Node;
use crate::{peers, sync_state};

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub old_key: KeyId,
    pub new_key: PublicKey,
    /// The `seq` of our `key.rotated`.
    pub seq: u64,
}

/// Rotates the key of the (stopped) node in `dir`: see the module docs.
pub async fn rotate(node: &Node) -> Result<Rotation, NodeError> {
    let dir = node.data_dir.clone();
    if dir.join(PREVIOUS_KEY_FILE).exists() {
        return Err(NodeError::config(
            "la rotation précédente n'est pas encore connue du hub : démarrez le nœud, \
             attendez que `passerelle status` ne montre plus de message en attente, puis recommencez",
        ));
    }
    let Some(audience) = node.federation().await? else {
        return Err(NodeError::config(
            "ce service n'a pas encore rejoint de hub : personne ne connaît sa clé, il n'y a rien à remplacer",
        ));
    };
    let new = KeyPair::generate()?;
    let next_path = dir.join(NEXT_KEY_FILE);
    if next_path.exists() {
        std::fs::remove_file(&next_path)
            .map_err(|e| NodeError::io(format!("removing {}", next_path.display()), e))?;
    }
    write_secret_key(&next_path, &new)?;
    sync_dir(&dir)?;
    let mut w = node.db.begin_write().await?;
    let stream = OwnStream {
        me: node.id(),
        audience: &audience,
        keys: &node.keys,
    };
    let body = Body::KeyRotated(KeyRotation {
        new_key: new.public_key(),
    });
    let signed = stream.append(w.conn(), &body).await?;
    let message_id = signed.envelope().id.hyphenated().to_string();
    sqlx::query("UPDATE own_keys SET status = 'previous' WHERE status = 'current'")
        .execute(w.conn())
        .await?;
    sqlx::query(
        "INSERT INTO own_keys (key_id, public_key, status, introduced_by, created_at) \
         VALUES ($1, $2, 'current', $3, $4)",
    )
    .bind(new.key_id().as_str())
    .bind(new.public_key().to_string())
    .bind(&message_id)
    .bind(now())
    .execute(w.conn())
    .await?;
    w.commit().await?;
    finish_switch(&dir)?;
    if node.is_hub() {
        // The hub's own stream holds the rotation already; it signs no requests.
        remove_previous(&dir)?;
    }
    Ok(Rotation {
        old_key: node.keys.key_id().clone(),
        new_key: new.public_key(),
        seq: signed.envelope().seq,
    })
}

/// The `seq` of the rotation that introduced our current key, if it came
/// from a rotation.
async fn rotation_seq(conn: &mut AnyConnection) -> Result<Option<u64>, NodeError> {
    let row = sqlx::query(
        "SELECT m.seq FROM own_keys k JOIN messages m ON m.id = k.introduced_by \
         WHERE k.status = 'current'",
    )
    .fetch_optional(conn)
    .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>("seq"))
        .transpose()?
        .map(|s| s as u64))
}

/// The key to sign requests to the hub with: the old key until the hub
/// has acknowledged the rotation (it does not know the new one before).
pub async fn request_signer<'a>(node: &'a Node, hub_id: &str) -> Result<&'a KeyPair, NodeError> {
    let Some(previous) = node.previous_key.as_ref() else {
        return Ok(&node.keys);
    };
    let mut conn = node.db.pool().acquire().await?;
    let acked = sync_state::get(&mut conn, hub_id).await?.acked_seq as u64;
    match rotation_seq(&mut conn).await? {
        Some(seq) if seq > acked => Ok(previous),
        _ => Ok(&node.keys),
    }
}

/// Deletes the old secret key once the hub has acknowledged the rotation
/// that replaced it (`acked` = the hub's head of our stream).
pub async fn forget_previous_if_acknowledged(node: &Node, acked: u64) -> Result<(), NodeError> {
    let path = node.data_dir.join(PREVIOUS_KEY_FILE);
    if !path.exists() {
        return Ok(());
    }
    let mut conn = node.db.pool().acquire().await?;
    if rotation_seq(&mut conn)
        .await?
        .is_some_and(|seq| seq <= acked)
    {
        remove_previous(&node.data_dir)?;
        tracing::info!("the hub holds our key rotation: the old secret key is deleted");
    }
    Ok(())
}

/// The secret key that signed one of our messages (`key`), to sign it
/// again after a renumbering.
pub fn own_signer<'a>(node: &'a Node, key: &KeyId) -> Result<&'a KeyPair, NodeError> {
    if node.keys.key_id() == key {
        return Ok(&node.keys);
    }
    match node.previous_key.as_ref() {
        Some(p) if p.key_id() == key => Ok(p),
        _ => Err(NodeError::config(format!(
            "the secret key {key} that signed one of our unsent messages is gone"
        ))),
    }
}

/// What [`replace`] did.
#[derive(Debug, Clone)]
pub struct Replacement {
    pub old_key: PublicKey,
    pub new_key: PublicKey,
}

/// After a compromise: replaces the (stopped) node's key **without** a
/// rotation (a rotation would be signed by the stolen key, and the thief
/// may have rotated first). The hub's operator must then install the new
/// key with `passerelle members revoke-key … --new-key`; until then the
/// hub refuses this node's requests. The next start asks the hub what it
/// holds of our stream before sending anything.
pub async fn replace(node: &Node) -> Result<Replacement, NodeError> {
    if node.is_hub() {
        return Err(NodeError::config(
            "un hub ne peut pas remplacer sa clé sans rotation : les services ne connaissent \
             que la clé du hub (voir « Backups and keys » dans le README)",
        ));
    }
    let dir = node.data_dir.clone();
    let new = KeyPair::generate()?;
    let next_path = dir.join(NEXT_KEY_FILE);
    if next_path.exists() {
        std::fs::remove_file(&next_path)
            .map_err(|e| NodeError::io(format!("removing {}", next_path.display()), e))?;
    }
    write_secret_key(&next_path, &new)?;
    sync_dir(&dir)?;
    let mut w = node.db.begin_write().await?;
    sqlx::query("UPDATE own_keys SET status = 'revoked' WHERE status = 'current'")
        .execute(w.conn())
        .await?;
    sqlx::query(
        "INSERT INTO own_keys (key_id, public_key, status, introduced_by, created_at) \
         VALUES ($1, $2, 'current', NULL, $3)",
    )
    .bind(new.key_id().as_str())
    .bind(new.public_key().to_string())
    .bind(now())
    .execute(w.conn())
    .await?;
    mark_resync(w.conn(), "key_replaced").await?;
    w.commit().await?;
    // The stolen key is of no use to us any more: it signs nothing we send.
    finish_switch(&dir)?;
    remove_previous(&dir)?;
    Ok(Replacement {
        old_key: node.keys.public_key(),
        new_key: new.public_key(),
    })
}

/// Our keys as the hub lists them: current first, then earlier ones.
pub fn published(node: &Node) -> Vec<PublicKey> {
    std::iter::once(node.keys.public_key())
        .chain(node.earlier_keys.iter().copied())
        .collect()
}

/// (Hub) Declares a member's key compromised from `from_seq` on and, when
/// given, installs the replacement key the member handed over out of band.
/// Appends `key.revoked` to the hub's stream, so every service learns it.
pub async fn revoke_member_key(
    node: &Node,
    member: &str,
    key: Option<&str>,
    from_seq: Option<u64>,
    new_key: Option<PublicKey>,
    reason: Option<String>,
) -> Result<passerelle_protocol::body::KeyRevocation, NodeError> {
    if !node.is_hub() {
        return Err(NodeError::config("seul le hub révoque la clé d'un membre"));
    }
    let mut w = node.db.begin_write().await?;
    let peer = peers::get(w.conn(), member)
        .await?
        .filter(|p| p.role == NodeRole::Service)
        .ok_or_else(|| NodeError::config(format!("{member} n'est pas un service membre")))?;
    let timeline = peers::timeline(w.conn(), &peer.id).await?;
    let revoked = match key {
        Some(text) => {
            let id = KeyId::parse(text).or_else(|_| PublicKey::parse(text).map(|k| k.key_id()))?;
            timeline.get(&id).map(|k| k.key).ok_or_else(|| {
                NodeError::config(format!("{id} n'est pas une clé connue de {member}"))
            })?
        }
        None => timeline
            .iter()
            .find(|k| k.span.is_current())
            .map(|k| k.key)
            .ok_or_else(|| {
                NodeError::config(format!(
                    "{member} n'a plus de clé courante : précisez --key"
                ))
            })?,
    };
    let revocation =
        revoke_in(node, w.conn(), &peer.id, revoked, from_seq, new_key, reason).await?;
    w.commit().await?;
    node.log_changed.notify_waiters();
    Ok(revocation)
}

/// (Hub) [`revoke_member_key`] inside the caller's transaction, `key`
/// already chosen: applies the `key.revoked` here and appends it to the
/// hub's stream. `from_seq` defaults to the member's next message (nothing
/// accepted so far is put in doubt). Also serves the replacement of a
/// member by a new invitation (`fed::hub`): revoking its key when the
/// invitation is made, installing the new key when it joins.
pub(crate) async fn revoke_in(
    node: &Node,
    conn: &mut AnyConnection,
    member: &str,
    key: PublicKey,
    from_seq: Option<u64>,
    new_key: Option<PublicKey>,
    reason: Option<String>,
) -> Result<passerelle_protocol::body::KeyRevocation, NodeError> {
    let head = log::head(conn, member).await?.map_or(0, |h| h.seq);
    let revocation = passerelle_protocol::body::KeyRevocation {
        node: passerelle_protocol::NodeId::parse(member)?,
        key,
        from_seq: from_seq.unwrap_or(head + 1),
        next_seq: head + 1,
        new_key,
        reason,
    };
    let body = Body::KeyRevoked(Box::new(revocation.clone()));
    // The same rules as any receiver's (from_seq ≤ next_seq, a new key…).
    Body::from_parts(body.kind(), &body.to_value()?)?;
    crate::keys::apply_revocation(conn, node.id().as_str(), &revocation).await?;
    let stream = OwnStream {
        me: node.id(),
        audience: node.id(),
        keys: &node.keys,
    };
    stream.append(conn, &body).await?;
    Ok(revocation)
}
