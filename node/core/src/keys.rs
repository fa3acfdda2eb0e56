//! This node's own keys: the key files, rotation, replacement after a
//! compromise, and which key signs requests.
//!
//! **Files** (in the data directory, each mode 0600):
//! `node-key.pem` is the current secret key. During a rotation the new key
//! is first written to `node-key.next.pem`; the database then records the
//! rotation (our `key.rotated`, signed by the old key, and the new key as
//! current) in one transaction; only then does the new key take the place
//! of `node-key.pem`, the old one staying as `node-key.previous.pem`. At
//! every instant one of the files holds the key the database calls current,
//! and [`load`] finishes an interrupted rotation: a crash never loses both
//! keys, and never leaves a node whose key its peers do not know.
//!
//! **Why a service keeps the old key for a while**: until the hub has
//! acknowledged the rotation it does not know the new key, so requests are
//! still signed with the old one; and if the hub refuses a message *before*
//! the rotation for good, the messages after it are renumbered and signed
//! again, each with the key that signed it first. Once the hub holds the
//! rotation, neither can happen: the old secret is deleted
//! ([`forget_previous_if_acknowledged`]). A hub signs no requests and
//! renumbers nothing: it deletes the old secret at once. Old *public* keys
//! are kept forever (`own_keys`), published in the descriptor and the
//! member list, so old messages stay verifiable.

use std::path::{Path, PathBuf};

use passerelle_protocol::body::KeyRotation;
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::{KeyId, KeyPair, PublicKey};
use sqlx::{AnyConnection, Row};

use crate::clock::now;
use crate::config::{self};
use crate::db::Db;
use crate::error::{NodeError, Rule};
use crate::peers;

/// The old key after a rotation, until the hub holds the rotation.
pub const PREVIOUS_KEY_FILE: &str = "node-key.previous.pem";
/// The new key during a rotation, before the database records it.
pub const NEXT_KEY_FILE: &str = "node-key.next.pem";

pub const CURRENT: &str = "current";
pub const PREVIOUS: &str = "previous";
pub const REVOKED: &str = "revoked";

/// The secret keys a node holds.
#[derive(Debug)]
pub struct OwnKeys {
    pub current: KeyPair,
    /// The key a rotation replaced, while the hub may not know the rotation yet.
    pub previous: Option<KeyPair>,
    /// Earlier public keys (not revoked), newest first: for the descriptor
    /// and the member list.
    pub earlier: Vec<PublicKey>,
}

pub(crate) fn read_key(path: &Path) -> Result<KeyPair, NodeError> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| NodeError::io(format!("reading {}", path.display()), e))?;
    Ok(KeyPair::from_pkcs8_pem(&pem)?)
}

/// Makes the directory's entries (renames, new files) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), NodeError> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| NodeError::io(format!("syncing {}", dir.display()), e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Records a node's first key (at `init`, or for a node made before key
/// rotation existed).
pub async fn record_first(conn: &mut AnyConnection, key: &PublicKey) -> Result<(), NodeError> {
    sqlx::query(
        "INSERT INTO own_keys (key_id, public_key, status, introduced_by, created_at) \
         VALUES ($1, $2, 'current', NULL, $3) ON CONFLICT (key_id) DO NOTHING",
    )
    .bind(key.key_id().as_str())
    .bind(key.to_string())
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn current_id(conn: &mut AnyConnection) -> Result<Option<String>, NodeError> {
    Ok(
        sqlx::query("SELECT key_id FROM own_keys WHERE status = 'current'")
            .fetch_optional(conn)
            .await?
            .map(|r| r.try_get("key_id"))
            .transpose()?,
    )
}

/// Reads the key files of `dir`, finishing an interrupted rotation, and
/// checks them against what the database records.
pub async fn load(dir: &Path, db: &Db) -> Result<OwnKeys, NodeError> {
    let key_path = dir.join(config::KEY_FILE);
    let next_path = dir.join(NEXT_KEY_FILE);
    let previous_path = dir.join(PREVIOUS_KEY_FILE);
    let mut w = db.begin_write().await?;
    let mut current = read_key(&key_path)?;
    let recorded = match current_id(w.conn()).await? {
        Some(id) => id,
        None => {
            record_first(w.conn(), &current.public_key()).await?;
            current.key_id().to_string()
        }
    };
    w.commit().await?;
    if current.key_id().as_str() != recorded {
        // A rotation was recorded, then interrupted before the files moved.
        let next = next_path
            .exists()
            .then(|| read_key(&next_path))
            .transpose()?
            .filter(|k| k.key_id().as_str() == recorded)
            .ok_or_else(|| {
                NodeError::config(format!(
                    "{} holds the key {}, but the database says this node's key is {recorded}; \
                     was the database restored without its key (see `passerelle restore`)?",
                    key_path.display(),
                    current.key_id()
                ))
            })?;
        finish_switch(dir)?;
        tracing::warn!(key = %next.key_id(), "finished an interrupted key rotation");
        current = next;
    } else if next_path.exists() {
        // A rotation interrupted before the database recorded it: nobody
        // knows that key, it never signed anything.
        std::fs::remove_file(&next_path)
            .map_err(|e| NodeError::io(format!("removing {}", next_path.display()), e))?;
        tracing::warn!("removed the new key of a rotation that did not happen");
    }
    let previous = previous_path
        .exists()
        .then(|| read_key(&previous_path))
        .transpose()?;
    let mut conn = db.pool().acquire().await?;
    let earlier = sqlx::query(
        "SELECT public_key FROM own_keys WHERE status = 'previous' ORDER BY created_at DESC, key_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok(PublicKey::parse(&r.try_get::<String, _>("public_key")?)?))
    .collect::<Result<Vec<_>, NodeError>>()?;
    Ok(OwnKeys {
        current,
        previous,
        earlier,
    })
}

/// Puts `node-key.next.pem` in the place of `node-key.pem`, keeping the
/// old key as `node-key.previous.pem`. Each step is atomic; redoing it
/// after a crash is harmless.
pub(crate) fn finish_switch(dir: &Path) -> Result<(), NodeError> {
    let key_path = dir.join(config::KEY_FILE);
    let next_path = dir.join(NEXT_KEY_FILE);
    let previous_path = dir.join(PREVIOUS_KEY_FILE);
    if !previous_path.exists() {
        std::fs::hard_link(&key_path, &previous_path)
            .map_err(|e| NodeError::io(format!("keeping {}", key_path.display()), e))?;
        sync_dir(dir)?;
    }
    std::fs::rename(&next_path, &key_path)
        .map_err(|e| NodeError::io(format!("installing {}", key_path.display()), e))?;
    sync_dir(dir)
}

pub(crate) fn remove_previous(dir: &Path) -> Result<(), NodeError> {
    let path = dir.join(PREVIOUS_KEY_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => sync_dir(dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(NodeError::io(format!("removing {}", path.display()), e)),
    }
}

/// Asks the next start to learn what the hub holds of our stream first.
pub async fn mark_resync(conn: &mut AnyConnection, reason: &str) -> Result<(), NodeError> {
    sqlx::query(
        "INSERT INTO resync_pending (reason, since) VALUES ($1, $2) ON CONFLICT (reason) DO NOTHING",
    )
    .bind(reason)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// The node `key` belongs to, as this node (`me`) knows it: `me` for one
/// of our own keys (current, earlier or revoked: we do not pin them, but
/// they are taken), else the peer that pinned it. A key belongs to one
/// node, whichever node it is (SPEC §8.6.2).
pub async fn owner(
    conn: &mut AnyConnection,
    me: &str,
    key: &PublicKey,
) -> Result<Option<String>, NodeError> {
    let ours = sqlx::query("SELECT key_id FROM own_keys WHERE key_id = $1")
        .bind(key.key_id().as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if ours.is_some() {
        return Ok(Some(me.to_owned()));
    }
    peers::owner_of(conn, key).await
}

/// Refuses (`domain_rule`, [`Rule::KeyAlreadyOwned`]) a key that belongs
/// to another node than `member` — the hub, another service, ourselves —
/// as a new key of `member` (a rotation, a revocation's replacement key, an
/// enrolment). The hub and every service refuse the same keys this way.
pub async fn refuse_if_taken(
    conn: &mut AnyConnection,
    me: &str,
    member: &str,
    key: &PublicKey,
) -> Result<(), NodeError> {
    match owner(conn, me, key).await? {
        Some(owner) if owner != member => Err(crate::validate::rule(
            Rule::KeyAlreadyOwned,
            format!("key {} already belongs to {owner}", key.key_id()),
        )),
        _ => Ok(()),
    }
}

/// Applies a `key.rotated` of `origin` at `seq`, signed by `signer`, at
/// node `me`.
pub async fn apply_rotation(
    conn: &mut AnyConnection,
    me: &str,
    origin: &str,
    signer: &KeyId,
    seq: u64,
    rotation: &KeyRotation,
) -> Result<(), NodeError> {
    refuse_if_taken(conn, me, origin, &rotation.new_key).await?;
    let mut t = peers::timeline(conn, origin).await?;
    t.rotate(signer, seq, rotation.new_key)
        .map_err(|r| crate::validate::rule(Rule::RotationRefused, r.0))?;
    peers::save_timeline(conn, origin, &t).await
}

/// Applies a `key.revoked` (made here, at the hub, or relayed to a service):
/// the key timeline of the member changes, and its messages already
/// accepted that the revoked keys may no longer sign are flagged.
pub async fn apply_revocation(
    conn: &mut AnyConnection,
    me: &str,
    r: &passerelle_protocol::body::KeyRevocation,
) -> Result<(), NodeError> {
    let member = r.node.as_str();
    if member == me {
        // Our own key: the hub's operator acted on our behalf.
        sqlx::query("UPDATE own_keys SET status = 'revoked' WHERE key_id = $1")
            .bind(r.key.key_id().as_str())
            .execute(conn)
            .await?;
        return Ok(());
    }
    let peer = peers::get(conn, member).await?;
    if peer.as_ref().is_none_or(|p| p.role != NodeRole::Service) {
        return Err(crate::validate::rule(
            Rule::NotAMemberService,
            format!("{member} is not a member service: only a service's key is revoked this way"),
        ));
    }
    if let Some(new_key) = &r.new_key {
        refuse_if_taken(conn, me, member, new_key).await?;
    }
    let mut t = peers::timeline(conn, member).await?;
    t.revoke(r);
    peers::save_timeline(conn, member, &t).await?;
    // Flag what was accepted and is now void (never rewritten: SPEC §8.6).
    let rows = sqlx::query(
        "SELECT id, seq, envelope FROM messages WHERE origin = $1 AND seq >= $2 ORDER BY seq",
    )
    .bind(member)
    .bind(r.from_seq as i64)
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        let env = passerelle_protocol::SignedEnvelope::parse(
            row.try_get::<String, _>("envelope")?.as_bytes(),
        )?;
        let e = env.envelope();
        if let Err(err) = t.key_for_message(member, &e.key, e.seq) {
            crate::log::flag(conn, &row.try_get::<String, _>("id")?, err.code()).await?;
        }
    }
    Ok(())
}

/// Whether `dir` holds secret key files other than the current one.
pub fn extra_key_files(dir: &Path) -> Vec<PathBuf> {
    [PREVIOUS_KEY_FILE, NEXT_KEY_FILE]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.exists())
        .collect()
}
