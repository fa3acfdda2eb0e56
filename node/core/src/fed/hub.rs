//! What only a hub does: invitations, enrolment, revocation, the inbox that
//! services push to, and the feed they pull from. Plain functions over a
//! [`Node`], so they can be tested without HTTP.

use std::time::Duration;

use passerelle_protocol::body::{KeyRevocation, NodeRole};
use passerelle_protocol::key_timeline::KeyTimeline;
use passerelle_protocol::signed_object::NodeDescriptor;
use passerelle_protocol::{Body, CanonicalValue, Hash, KeyId, NodeId, PublicKey, RequestParts};
use sqlx::{AnyConnection, Row};

use crate::clock::now;
use crate::error::{NodeError, Refusal, Rule};
use crate::fed::auth;
use crate::fed::inbox;
use crate::fed::ingest::Prechecked;
use crate::log::{self, OwnStream};
use crate::metrics::MessageOutcome;
use crate::node::{stopped, Node};
use crate::peers::{self, Peer};
use crate::wire::{
    FeedItem, FeedResponse, Head, JoinRequest, JoinResponse, PushRequest, StreamItem,
    StreamResponse, MAX_BATCH, MAX_WAIT_SECS,
};

fn invitation_error(refusal: Refusal, message: &str) -> NodeError {
    NodeError::refused(refusal, message)
}

/// Longest name a service is shown under, in characters.
pub const MAX_SERVICE_NAME: usize = 120;

/// Why the hub revokes a member's key when its operator replaces it by a
/// new invitation, unless the operator says (in every node's `key.revoked`).
pub const REPLACEMENT_REASON: &str = "remplacement du nœud du service (nouvelle invitation)";

fn check_hours(hours: u32) -> Result<(), NodeError> {
    if hours == 0 || hours > 24 * 30 {
        return Err(crate::validate::invalid(
            "hours",
            "an invitation lasts from 1 hour to 30 days (720 hours)",
        ));
    }
    Ok(())
}

/// Stores a new invitation and returns its code, which is shown once: only
/// its hash is stored.
async fn store_invitation(
    conn: &mut AnyConnection,
    service_id: &NodeId,
    name: &str,
    hours: u32,
    replaces_key: Option<&KeyId>,
) -> Result<String, NodeError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| NodeError::config(format!("no randomness: {e}")))?;
    let code = passerelle_protocol::keys::b64_encode(&bytes);
    let t = now();
    sqlx::query(
        "INSERT INTO invitations (code_hash, service_id, created_at, expires_at, service_name, \
         replaces_key_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Hash::of(code.as_bytes()).as_str())
    .bind(service_id.as_str())
    .bind(t)
    .bind(t + i64::from(hours) * 3600)
    .bind(name)
    .bind(replaces_key.map(KeyId::as_str))
    .execute(conn)
    .await?;
    Ok(code)
}

/// The refusal of an invitation for `peer`, a service already known here.
fn already_known(peer: &Peer) -> NodeError {
    if peer.status == peers::REVOKED {
        return NodeError::refused(
            Refusal::Revoked,
            format!(
                "{} a été révoqué : il ne peut plus rejoindre ce comité",
                peer.id
            ),
        );
    }
    NodeError::refused(
        Refusal::AlreadyMember,
        format!(
            "{} est déjà membre actif de ce comité : une seconde invitation permettrait à \
             quiconque la détient de parler en son nom. Pour remplacer son nœud (serveur perdu, \
             clé aux mains d'un tiers), demandez-le explicitement : passerelle invite --service {} \
             --replace (sa clé actuelle est alors révoquée, et tous les nœuds l'apprennent)",
            peer.id, peer.id
        ),
    )
}

/// Creates a single-use invitation for the new member `service_id`, to be
/// shown under `name` (chosen here, by the hub: the joiner's own name is
/// ignored), valid `hours` hours. Returns the code, shown once.
///
/// Refuses a service that is already a member (`already_member`: a second
/// key for it would let whoever holds the code speak in its name;
/// replacing a member is [`invite_replacement`]) or was revoked.
pub async fn invite(
    node: &Node,
    service_id: &NodeId,
    name: &str,
    hours: u32,
) -> Result<String, NodeError> {
    node.require_hub()?;
    check_hours(hours)?;
    let name = crate::validate::text("name", name, MAX_SERVICE_NAME)?;
    if service_id == node.id() {
        return Err(crate::validate::invalid(
            "service",
            "the id of a service, not this hub's own",
        ));
    }
    let mut w = node.db.begin_write().await?;
    if let Some(peer) = peers::get(w.conn(), service_id.as_str()).await? {
        return Err(already_known(&peer));
    }
    let code = store_invitation(w.conn(), service_id, &name, hours, None).await?;
    w.commit().await?;
    Ok(code)
}

/// What [`invite_replacement`] did.
#[derive(Debug, Clone)]
pub struct Replacement {
    /// The invitation code, shown once.
    pub code: String,
    /// The name the member will be shown under.
    pub name: String,
    /// The revocation of the member's current key, appended to the hub's
    /// stream now; none if it had no valid key left.
    pub revoked: Vec<KeyRevocation>,
}

/// Creates a single-use invitation that **replaces** the active member
/// `service_id` (its server was lost, or is in the wrong hands), valid
/// `hours` hours. Its current key is revoked at once (SPEC §8.6.3: a
/// `key.revoked` without `new_key`, in the hub's stream, so every node
/// learns it); the join installs the new key with a second `key.revoked`.
/// `name`, when given, renames the member; `reason` goes into the
/// revocation (default [`REPLACEMENT_REASON`]).
pub async fn invite_replacement(
    node: &Node,
    service_id: &NodeId,
    name: Option<&str>,
    hours: u32,
    reason: Option<String>,
) -> Result<Replacement, NodeError> {
    node.require_hub()?;
    check_hours(hours)?;
    let name = name
        .map(|n| crate::validate::text("name", n, MAX_SERVICE_NAME))
        .transpose()?;
    let reason = crate::validate::optional_text("reason", reason.as_deref(), 500)?
        .unwrap_or_else(|| REPLACEMENT_REASON.to_owned());
    let mut w = node.db.begin_write().await?;
    let peer = peers::get(w.conn(), service_id.as_str())
        .await?
        .filter(|p| p.role == NodeRole::Service)
        .ok_or_else(|| {
            NodeError::refused(
                Refusal::NotFound,
                format!(
                    "{service_id} n'est pas membre de ce comité : il n'y a personne à remplacer \
                     (invitez-le sans --replace)"
                ),
            )
        })?;
    if peer.status == peers::REVOKED {
        return Err(already_known(&peer));
    }
    let timeline = peers::timeline(w.conn(), &peer.id).await?;
    let current: Vec<PublicKey> = timeline
        .iter()
        .filter(|k| k.span.is_current())
        .map(|k| k.key)
        .collect();
    // The key the join's `key.revoked` will name: the current one, or, if
    // the member has none left, the last it had.
    let named = match current.first() {
        Some(k) => *k,
        None => timeline
            .iter()
            .max_by_key(|k| (k.span.from.unwrap_or(0), k.span.revoked_from.unwrap_or(0)))
            .map(|k| k.key)
            .ok_or_else(|| NodeError::config(format!("{service_id} has no key at all")))?,
    };
    let mut revoked = Vec::with_capacity(current.len());
    for key in current {
        revoked.push(
            crate::rotation::revoke_in(
                node,
                w.conn(),
                &peer.id,
                key,
                None,
                None,
                Some(reason.clone()),
            )
            .await?,
        );
    }
    let name = name.unwrap_or(peer.name);
    let code = store_invitation(w.conn(), service_id, &name, hours, Some(&named.key_id())).await?;
    w.commit().await?;
    node.log_changed.notify_waiters();
    Ok(Replacement {
        code,
        name,
        revoked,
    })
}

/// Appends a `members.list` naming the members in `changed` (and the hub)
/// to the hub's stream, after a change of their membership. Only the
/// change: see `peers::member_update` and protocol/SPEC.md §8.6.
async fn publish_members(
    node: &Node,
    conn: &mut AnyConnection,
    changed: &[&str],
) -> Result<(), NodeError> {
    let list = peers::member_update(
        conn,
        node.id(),
        &node.config.name,
        crate::rotation::published(node),
        changed,
    )
    .await?;
    let stream = OwnStream {
        me: node.id(),
        audience: node.id(),
        keys: &node.keys,
    };
    stream.append(conn, &Body::MembersList(list)).await?;
    Ok(())
}

/// `POST /fed/v1/join`: a service presents its invitation and descriptor,
/// signed with the key it announces. The hub pins that key.
pub async fn join(
    node: &Node,
    header: auth::AuthorizationHeader<'_>,
    parts: &RequestParts<'_>,
    req: JoinRequest,
) -> Result<JoinResponse, NodeError> {
    node.require_hub()?;
    let descriptor = NodeDescriptor::verify(&CanonicalValue::try_from(req.descriptor)?)?;
    if descriptor.role != NodeRole::Service {
        return Err(invitation_error(
            Refusal::InvalidInvitation,
            "only a service can join a hub",
        ));
    }
    let sig = auth::signature_header(header)?;
    if sig.origin != descriptor.id || sig.key != descriptor.public_key.key_id() {
        return Err(NodeError::refused(
            Refusal::BadSignature,
            "the request must be signed by the key the descriptor announces",
        ));
    }
    auth::check_signature(node, &sig, parts, &descriptor.public_key).await?;
    let key_id = descriptor.public_key.key_id();
    let code_hash = Hash::of(req.code.trim().as_bytes());
    let mut w = node.db.begin_write().await?;
    let row = sqlx::query(
        "SELECT service_id, expires_at, used_at, used_key_id, service_name, replaces_key_id \
         FROM invitations WHERE code_hash = $1",
    )
    .bind(code_hash.as_str())
    .fetch_optional(w.conn())
    .await?
    .ok_or_else(|| {
        invitation_error(
            Refusal::InvalidInvitation,
            "this invitation code is not valid",
        )
    })?;
    let service_id: String = row.try_get("service_id")?;
    if service_id != descriptor.id.as_str() {
        return Err(invitation_error(
            Refusal::InvalidInvitation,
            "this invitation is for another service",
        ));
    }
    if descriptor.id == *node.id() {
        return Err(invitation_error(
            Refusal::InvalidInvitation,
            "a service cannot take the hub's own id",
        ));
    }
    let used_key: Option<String> = row.try_get("used_key_id")?;
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        // The same service retrying after a lost answer gets the same answer.
        if used_key.as_deref() == Some(key_id.as_str()) {
            return Ok(JoinResponse {
                hub: node.descriptor()?.to_json_value(),
            });
        }
        return Err(invitation_error(
            Refusal::InvitationUsed,
            "this invitation was already used",
        ));
    }
    if row.try_get::<i64, _>("expires_at")? < now() {
        return Err(invitation_error(
            Refusal::InvitationExpired,
            "this invitation has expired; ask for a new one",
        ));
    }
    // The hub names the service, not the joiner (SPEC §10.3).
    let name = row
        .try_get::<Option<String>, _>("service_name")?
        .unwrap_or_else(|| descriptor.id.to_string());
    let replaces = row
        .try_get::<Option<String>, _>("replaces_key_id")?
        .map(|k| KeyId::parse(&k))
        .transpose()?;
    let existing = peers::with_timeline(w.conn(), descriptor.id.as_str()).await?;
    if let Some((peer, _)) = &existing {
        if peer.status == peers::REVOKED {
            return Err(invitation_error(
                Refusal::Revoked,
                "this service's membership was revoked",
            ));
        }
    }
    // One enrolment per active member: only an invitation made to replace
    // it, once none of its keys can sign any more, enrols a new key.
    let replaced = match (&existing, replaces) {
        (None, _) => None,
        (Some((_, timeline)), Some(named)) if !timeline.iter().any(|k| k.span.is_current()) => {
            Some(timeline.get(&named).map(|k| k.key).ok_or_else(|| {
                NodeError::config(format!(
                    "the invitation names key {named}, which {} never had",
                    descriptor.id
                ))
            })?)
        }
        (Some(_), _) => {
            return Err(invitation_error(
                Refusal::AlreadyMember,
                "this service is already a member with a valid key: only an invitation \
                 made to replace it enrols a new key",
            ))
        }
    };
    let member = descriptor.id.as_str();
    crate::keys::refuse_if_taken(w.conn(), node.id().as_str(), member, &descriptor.public_key)
        .await?;
    if replaced.is_some()
        && existing
            .as_ref()
            .is_some_and(|(_, t)| t.get(&key_id).is_some())
    {
        return Err(crate::validate::rule(
            Rule::RotationRefused,
            format!("key {key_id} was already {member}'s: a replacement needs a new key"),
        ));
    }
    let replacing = replaced.is_some();
    sqlx::query("UPDATE invitations SET used_at = $1, used_key_id = $2 WHERE code_hash = $3")
        .bind(now())
        .bind(key_id.as_str())
        .bind(code_hash.as_str())
        .execute(w.conn())
        .await?;
    match (replaced, existing) {
        (Some(old_key), Some((peer, _))) => {
            // Through revocation, as the operator would by hand (SPEC §8.6.3).
            crate::rotation::revoke_in(
                node,
                w.conn(),
                member,
                old_key,
                None,
                Some(descriptor.public_key),
                Some(REPLACEMENT_REASON.to_owned()),
            )
            .await?;
            if peer.name != name {
                peers::upsert(
                    w.conn(),
                    member,
                    &name,
                    NodeRole::Service,
                    peers::ACTIVE,
                    None,
                    &[],
                )
                .await?;
                publish_members(node, w.conn(), &[member]).await?;
            }
        }
        _ => {
            peers::upsert(
                w.conn(),
                member,
                &name,
                NodeRole::Service,
                peers::ACTIVE,
                None,
                &[descriptor.public_key],
            )
            .await?;
            publish_members(node, w.conn(), &[member]).await?;
        }
    }
    w.commit().await?;
    node.log_changed.notify_waiters();
    tracing::info!(service = %descriptor.id, replaced = replacing, "service joined");
    Ok(JoinResponse {
        hub: node.descriptor()?.to_json_value(),
    })
}

/// Revokes a member: its requests and messages are refused from now on.
pub async fn revoke(node: &Node, service_id: &str) -> Result<(), NodeError> {
    node.require_hub()?;
    let mut w = node.db.begin_write().await?;
    let peer = peers::get(w.conn(), service_id)
        .await?
        .filter(|p| p.role == NodeRole::Service)
        .ok_or_else(|| {
            NodeError::refused(Refusal::NotFound, format!("{service_id} is not a member"))
        })?;
    if peer.status == peers::REVOKED {
        return Ok(());
    }
    peers::set_status(w.conn(), service_id, peers::REVOKED).await?;
    publish_members(node, w.conn(), &[service_id]).await?;
    w.commit().await?;
    node.log_changed.notify_waiters();
    Ok(())
}

/// `POST /fed/v1/inbox`: stores the requester's messages in order, stopping
/// at the first one refused. The request was authenticated but not yet
/// recorded against replay (`verified`): that record is written with the
/// messages, in a transaction shared with concurrent pushes (`fed::inbox`).
pub async fn push(
    node: &Node,
    verified: auth::Verified,
    req: PushRequest,
) -> Result<crate::pushes::Pushed, NodeError> {
    let member = verified.peer.id.clone();
    let pushed = push_counted(node, verified, req).await;
    match &pushed {
        Ok(p) => node.metrics.push_answered(
            &member,
            p.response.results.iter().map(|r| match r.status.as_str() {
                "accepted" => MessageOutcome::Accepted,
                "duplicate" => MessageOutcome::Duplicate,
                _ => MessageOutcome::Refused(
                    p.stopped_by.as_ref().map_or("unknown", NodeError::code),
                ),
            }),
        ),
        Err(e) => node.metrics.push_refused(&member, e),
    }
    pushed
}

/// [`push`], before it is counted (`metrics`).
async fn push_counted(
    node: &Node,
    verified: auth::Verified,
    req: PushRequest,
) -> Result<crate::pushes::Pushed, NodeError> {
    node.require_hub()?;
    if req.messages.len() > MAX_BATCH {
        return Err(NodeError::refused(
            Refusal::BatchTooLarge,
            format!("at most {MAX_BATCH} messages per push"),
        ));
    }
    within_quota(node, &verified.peer.id, &req).await?;
    let pre = precheck(&verified.peer, &verified.timeline, &req);
    inbox::submit(node, verified.peer, verified.sig, req, pre).await
}

/// Takes the push from the member's quota, or refuses it whole
/// (`quota_exceeded`, not permanent: the member pushes it again later).
async fn within_quota(node: &Node, member: &str, req: &PushRequest) -> Result<(), NodeError> {
    let stored = if node.quotas.needs_stored(member) {
        let mut conn = node.db.pool().acquire().await?;
        Some(crate::log::stored_bytes(&mut conn, member).await?)
    } else {
        None
    };
    let bytes: u64 = req.messages.iter().map(|m| m.get().len() as u64).sum();
    let limits = &node.config.member_quota;
    let taken = node.quotas.take(
        limits,
        member,
        req.messages.len() as u64,
        bytes,
        stored,
        std::time::Instant::now(),
    );
    match taken {
        Ok(()) => Ok(()),
        Err(crate::quota::OverQuota::Rate) => Err(NodeError::refused(
            Refusal::QuotaExceeded,
            format!(
                "this member pushed more than {} messages or {} bytes a minute lately: \
                 push again in a while",
                limits.messages_per_minute, limits.bytes_per_minute
            ),
        )),
        Err(crate::quota::OverQuota::Stored) => Err(NodeError::refused(
            Refusal::QuotaExceeded,
            format!(
                "the hub keeps at most {} bytes of this member's messages",
                limits.stored_bytes
            ),
        )),
    }
}

/// Parses the pushed envelopes and verifies their signatures with the
/// sender's pinned keys, before and outside the write transaction (see
/// `fed::ingest::Prechecked`). Writes nothing and refuses nothing: the
/// pipeline decides, in its order, inside the transaction.
fn precheck(peer: &Peer, timeline: &KeyTimeline, req: &PushRequest) -> Vec<Option<Prechecked>> {
    let mut out = Vec::with_capacity(req.messages.len());
    for raw in &req.messages {
        let Some(mut checked) = Prechecked::new(raw.get(), None) else {
            out.push(None);
            continue;
        };
        let e = checked.env.envelope();
        if e.from.as_str() == peer.id {
            let key = timeline.key_for_message(&peer.id, &e.key, e.seq).ok();
            checked.verified_with = key.filter(|k| checked.env.verify_signature(k).is_ok());
        }
        out.push(Some(checked));
    }
    out
}

/// `GET /fed/v1/feed`: the messages after `after` that the requester did not
/// originate, waiting up to `wait` seconds for news when there is none.
/// A feed page stops at about this many bytes of envelopes (at least one
/// message): twenty members reading pages of 500 large messages at once
/// would otherwise hold 20 × 31 MB (SPEC §10.5).
pub const FEED_PAGE_BYTES: i64 = 1024 * 1024;

pub async fn feed(
    node: &Node,
    peer: &Peer,
    after: i64,
    limit: i64,
    wait: u64,
) -> Result<FeedResponse, NodeError> {
    node.metrics
        .counted(feed_page(node, peer, after, limit, wait).await)
}

/// [`feed`], before a database error is counted (`metrics`).
async fn feed_page(
    node: &Node,
    peer: &Peer,
    after: i64,
    limit: i64,
    wait: u64,
) -> Result<FeedResponse, NodeError> {
    node.require_hub()?;
    let limit = limit.clamp(1, 500);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.min(MAX_WAIT_SECS));
    let mut shutdown = Box::pin(stopped(node.shutdown_signal()));
    loop {
        // Register for wake-ups before looking, so no commit slips between.
        let notified = node.log_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let mut conn = node.db.pool().acquire().await?;
        let rows = log::feed_after(&mut conn, after, &peer.id, limit, FEED_PAGE_BYTES).await?;
        drop(conn);
        if !rows.is_empty() || tokio::time::Instant::now() >= deadline {
            let next = rows.last().map_or(after, |m| m.pos);
            let messages: Vec<FeedItem> = rows
                .into_iter()
                .map(|m| {
                    Ok(FeedItem {
                        pos: m.pos,
                        envelope: serde_json::value::RawValue::from_string(m.envelope).map_err(
                            |e| NodeError::config(format!("stored envelope is not JSON: {e}")),
                        )?,
                    })
                })
                .collect::<Result<_, NodeError>>()?;
            node.metrics.pulled(&peer.id, messages.len());
            return Ok(FeedResponse { messages, next });
        }
        // Another hub process may have written: look again at least every second.
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = tokio::time::sleep_until(deadline) => {}
            _ = &mut shutdown => {
                return Ok(FeedResponse { messages: Vec::new(), next: after });
            }
        }
    }
}

/// `GET /fed/v1/state`: the hub's head of the requester's stream.
pub async fn state(node: &Node, peer: &Peer) -> Result<Option<Head>, NodeError> {
    node.require_hub()?;
    let head = async {
        let mut conn = node.db.pool().acquire().await?;
        log::head(&mut conn, &peer.id).await
    };
    Ok(node.metrics.counted(head.await)?.map(|h| Head {
        seq: h.seq,
        hash: h.hash.to_string(),
    }))
}

/// `GET /fed/v1/stream`: a stream as the hub holds it, after `after`, at
/// most `limit` messages — the requester's own, or `origin`'s (a service
/// fetching again a relayed message it could not accept: SPEC §10.8, §10.9).
/// Nothing the feed does not already show every member.
pub async fn stream(
    node: &Node,
    peer: &Peer,
    origin: Option<&str>,
    after: u64,
    limit: i64,
) -> Result<StreamResponse, NodeError> {
    node.require_hub()?;
    let origin = match origin {
        None => peer.id.clone(),
        Some(text) => NodeId::parse(text)
            .map_err(|_| {
                NodeError::refused(
                    Refusal::BadRequest,
                    "origin must be a node id (a-z, 0-9 and '-')",
                )
            })?
            .to_string(),
    };
    let limit = limit.clamp(1, crate::wire::MAX_STREAM_PAGE);
    let mut conn = node.db.pool().acquire().await?;
    let rows = log::stream_after(&mut conn, &origin, after, limit).await?;
    let head = log::head(&mut conn, &origin).await?.map(|h| Head {
        seq: h.seq,
        hash: h.hash.to_string(),
    });
    let messages = rows
        .into_iter()
        .map(|m| {
            Ok(StreamItem {
                seq: m.seq as u64,
                envelope: serde_json::value::RawValue::from_string(m.envelope)
                    .map_err(|e| NodeError::config(format!("stored envelope is not JSON: {e}")))?,
            })
        })
        .collect::<Result<_, NodeError>>()?;
    Ok(StreamResponse { messages, head })
}
