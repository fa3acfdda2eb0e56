//! Authenticating requests between nodes.
//!
//! Every federation request carries `Authorization: Passerelle …` (see
//! `passerelle_protocol::request`). The receiver checks, in order: the header
//! parses; its time is within the window; the origin is a known, active peer;
//! the key is one of its pinned keys; the signature covers this method,
//! target, destination and body; and the signature was not seen before
//! (replay). Only then does the handler run.

use passerelle_protocol::key_timeline::KeyTimeline;
use passerelle_protocol::{PublicKey, RequestParts, RequestSignature, Timestamp};
use sqlx::AnyConnection;

use crate::clock::now;
use crate::error::{NodeError, Refusal};
use crate::node::Node;
use crate::peers::{self, Peer};

/// How far a request's time may be from ours, either way, in seconds.
pub const WINDOW_SECS: u64 = 300;

/// The `Authorization` header of a request, as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationHeader<'a> {
    /// No such header.
    Absent,
    /// One header, its raw value.
    One(&'a [u8]),
    /// The header more than once: refused (SPEC §9.3), whatever the values.
    Repeated,
}

/// Reads the `Authorization` header.
pub fn signature_header(header: AuthorizationHeader<'_>) -> Result<RequestSignature, NodeError> {
    let bytes = match header {
        AuthorizationHeader::One(bytes) => bytes,
        AuthorizationHeader::Absent => {
            return Err(NodeError::refused(
                Refusal::Unauthenticated,
                "this route needs a signed request (Authorization: Passerelle …)",
            ))
        }
        AuthorizationHeader::Repeated => {
            return Err(NodeError::refused(
                Refusal::InvalidRequestSignature,
                "a signed request has one Authorization header, not several",
            ))
        }
    };
    // What HTTP calls a readable header value: visible ASCII, spaces and tabs.
    let value = std::str::from_utf8(bytes)
        .ok()
        .filter(|v| v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)))
        .ok_or_else(|| NodeError::refused(Refusal::InvalidRequestSignature, "unreadable header"))?;
    Ok(RequestSignature::parse_header(value)?)
}

/// Checks a request signature with a known public key, its time, and that
/// it was not seen before.
pub async fn check_signature(
    node: &Node,
    sig: &RequestSignature,
    parts: &RequestParts<'_>,
    key: &PublicKey,
) -> Result<(), NodeError> {
    sig.check_time(Timestamp::now(), WINDOW_SECS)?;
    sig.verify(parts, key)?;
    let mut conn = node.db.pool().acquire().await?;
    remember(&mut conn, &sig.sig.to_string()).await
}

/// Records a request signature; refuses one already seen in the window.
///
/// At the hub's inbox this runs inside the group-commit transaction that
/// stores the pushed messages (see `fed::inbox`), so a push costs one commit,
/// not two; elsewhere it runs on its own.
pub async fn remember(conn: &mut AnyConnection, sig: &str) -> Result<(), NodeError> {
    let t = now();
    let inserted = sqlx::query(
        "INSERT INTO seen_requests (sig, seen_at) VALUES ($1, $2) ON CONFLICT (sig) DO NOTHING",
    )
    .bind(sig)
    .bind(t)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(NodeError::refused(
            Refusal::ReplayedRequest,
            "this signed request was already received",
        ));
    }
    forget_old(conn, t).await
}

/// Records the distinct request signatures `sigs` in one statement, as
/// [`remember`] does one by one; returns how many were new (the others
/// were seen before: replays).
pub async fn remember_all(conn: &mut AnyConnection, sigs: &[&str]) -> Result<usize, NodeError> {
    if sigs.is_empty() {
        return Ok(0);
    }
    let t = now();
    let values = (0..sigs.len())
        .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO seen_requests (sig, seen_at) VALUES {values} ON CONFLICT (sig) DO NOTHING"
    );
    let mut q = sqlx::query(&sql);
    for sig in sigs {
        q = q.bind(*sig).bind(t);
    }
    let inserted = q.execute(&mut *conn).await?.rows_affected();
    forget_old(conn, t).await?;
    Ok(inserted as usize)
}

/// Entries older than twice the window can never match a valid request
/// again: dropped about once a minute (when the clock's second is 0).
async fn forget_old(conn: &mut AnyConnection, t: i64) -> Result<(), NodeError> {
    if t % 60 == 0 {
        sqlx::query("DELETE FROM seen_requests WHERE seen_at < $1")
            .bind(t - 2 * WINDOW_SECS as i64)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A request whose signature, time and sender were checked, but which is
/// not yet recorded against replay: [`Verified::remember`] (or
/// [`remember`] inside the caller's transaction) must run before acting.
#[derive(Debug)]
pub struct Verified {
    pub peer: Peer,
    /// The request signature, to record in `seen_requests`.
    pub sig: String,
    /// The peer's pinned keys as read to check the request (read outside
    /// any write transaction: a hint for checking what it carries ahead of
    /// time, looked up again before anything is stored).
    pub timeline: KeyTimeline,
}

impl Verified {
    /// Records the request against replay and notes the peer's contact,
    /// each on its own (for requests that write nothing else).
    pub async fn remember(self, node: &Node) -> Result<Peer, NodeError> {
        let mut conn = node.db.pool().acquire().await?;
        remember(&mut conn, &self.sig).await?;
        if stale_contact(&self.peer) {
            touch(&mut conn, &self.peer.id).await?;
        }
        Ok(self.peer)
    }
}

/// Contact times are kept to within this many seconds: most requests write nothing.
const CONTACT_RESOLUTION_SECS: i64 = 5;

/// Whether `peer`'s last contact, as read, is old enough to note again.
pub fn stale_contact(peer: &Peer) -> bool {
    peer.last_seen_at
        .is_none_or(|t| t < now() - CONTACT_RESOLUTION_SECS)
}

/// Notes when a peer was last heard from (at most every few seconds).
pub async fn touch(conn: &mut AnyConnection, peer: &str) -> Result<(), NodeError> {
    let t = now();
    sqlx::query("UPDATE peers SET last_seen_at = $1 WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < $3)")
        .bind(t)
        .bind(peer)
        .bind(t - CONTACT_RESOLUTION_SECS)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Checks a request from an enrolled, active peer without writing anything:
/// header, time, sender, pinned key, signature. The replay check is left to
/// the caller (see [`Verified`]).
pub async fn verify(
    node: &Node,
    header: AuthorizationHeader<'_>,
    parts: &RequestParts<'_>,
) -> Result<Verified, NodeError> {
    sender(node, header).await?.verify(parts)
}

/// What the headers alone say of a signed request (SPEC §9.3 steps 1–4):
/// the header is well formed, its origin an active member, its key that
/// member's current key, its time within the window. Known before the
/// body is read (the hub's inbox reads a body only from such a request);
/// [`Sender::verify`] then checks the signature over the body (step 5).
#[derive(Debug)]
pub struct Sender {
    sig: RequestSignature,
    peer: Peer,
    timeline: KeyTimeline,
    key: PublicKey,
}

/// SPEC §9.3 steps 1–4, from the `Authorization` header alone.
pub async fn sender(node: &Node, header: AuthorizationHeader<'_>) -> Result<Sender, NodeError> {
    let sig = signature_header(header)?;
    let mut conn = node.db.pool().acquire().await?;
    let found = peers::with_timeline(&mut conn, sig.origin.as_str()).await?;
    drop(conn);
    let (peer, timeline) = found.ok_or_else(|| unknown_sender(sig.origin.as_str()))?;
    check_active(&peer)?;
    // Only the peer's current key signs requests (not a retired or revoked one).
    let key = peers::request_key_in(&timeline, &peer.id, &sig.key)?;
    sig.check_time(Timestamp::now(), WINDOW_SECS)?;
    Ok(Sender {
        sig,
        peer,
        timeline,
        key,
    })
}

impl Sender {
    /// SPEC §9.3 step 5: the signature over the request as received, body
    /// included.
    pub fn verify(self, parts: &RequestParts<'_>) -> Result<Verified, NodeError> {
        self.sig.verify(parts, &self.key)?;
        Ok(Verified {
            peer: self.peer,
            sig: self.sig.sig.to_string(),
            timeline: self.timeline,
        })
    }
}

/// Authenticates a request from an enrolled, active peer and records it
/// against replay.
pub async fn authenticate(
    node: &Node,
    header: AuthorizationHeader<'_>,
    parts: &RequestParts<'_>,
) -> Result<Peer, NodeError> {
    verify(node, header, parts).await?.remember(node).await
}

/// The peer, if it is known and not revoked.
pub async fn active_peer(conn: &mut AnyConnection, id: &str) -> Result<Peer, NodeError> {
    let peer = peers::get(conn, id)
        .await?
        .ok_or_else(|| unknown_sender(id))?;
    check_active(&peer)?;
    Ok(peer)
}

/// The refusal of a request from a node that is not a member.
pub fn unknown_sender(id: &str) -> NodeError {
    NodeError::refused(
        Refusal::UnknownSender,
        format!("{id} is not a member of this federation"),
    )
}

/// Refuses a peer whose membership was revoked.
pub fn check_active(peer: &Peer) -> Result<(), NodeError> {
    if peer.status == peers::REVOKED {
        return Err(NodeError::refused(
            Refusal::Revoked,
            format!("{}'s membership was revoked", peer.id),
        ));
    }
    Ok(())
}
