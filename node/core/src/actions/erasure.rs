//! Taking back what the service shared (SPEC §5.6): an administrator sees
//! the texts each of the service's messages carried to the federation, and
//! erases those of one message, with a reason. Every node forgets them; the
//! service keeps a record of who erased, when and why — never what.
//!
//! A delegate's withdrawn consent erases their name the same way, from
//! [`super::committee::set_consent`].

use passerelle_protocol::SignedEnvelope;
use uuid::Uuid;

use super::{Actor, Who};
use crate::domain::erasure::{self, Cause, Erased};
use crate::error::{NodeError, Rule};
use crate::node::Node;
use crate::validate::{rule, text};

/// One message of ours that carried texts, as its administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SharedMessage {
    pub id: Uuid,
    /// The kind, as on the wire (`proposal.shared`…).
    pub kind: String,
    /// When it was sent (Unix seconds).
    pub sent_at: i64,
    /// The texts it still carries, in the order of its fields.
    pub texts: Vec<String>,
    /// How many of its texts were erased already.
    pub erased: usize,
}

/// The service's messages that carry (or carried) texts, newest first.
pub async fn shared_messages(node: &Node, actor: &Actor) -> Result<Vec<SharedMessage>, NodeError> {
    Who::Admins.check(node, actor)?;
    let mut conn = node.db.pool().acquire().await?;
    let kinds = erasure::sealed_kinds();
    let mut out = Vec::new();
    for m in crate::log::of_kinds(&mut conn, node.id().as_str(), &kinds).await? {
        let env = SignedEnvelope::parse(m.envelope.as_bytes())?;
        let fields = env.sealed_fields();
        if fields.is_empty() {
            continue;
        }
        let texts: Vec<String> = fields
            .iter()
            .filter_map(|(_, seal)| env.openings().get(seal).map(|o| o.value.clone()))
            .filter(|t| !t.trim().is_empty())
            .collect();
        let erased = fields
            .iter()
            .filter(|(_, seal)| !env.openings().contains_key(seal))
            .count();
        out.push(SharedMessage {
            id: env.envelope().id,
            kind: m.kind,
            sent_at: env.envelope().ts.unix(),
            texts,
            erased,
        });
    }
    out.reverse();
    Ok(out)
}

/// Erases every text message `id` of ours still carries, at every node;
/// `reason` (required) goes to the service's record. Returns how many texts
/// were erased.
pub async fn erase_message(
    node: &Node,
    actor: &Actor,
    id: Uuid,
    reason: &str,
) -> Result<usize, NodeError> {
    Who::Admins.check(node, actor)?;
    let reason = text("reason", reason, 500)?;
    let mut change = node.change().await?;
    let (conn, stream) = change.parts();
    let stream = stream.ok_or_else(crate::domain::not_joined)?;
    let ids = [id.hyphenated().to_string()];
    let erasure = erasure::of_own_messages(conn, stream.me.as_str(), &ids, None)
        .await?
        .ok_or_else(|| {
            rule(
                Rule::NothingToErase,
                "this message is not one of ours, or has no text left",
            )
        })?;
    let n = erasure::erase_own(
        conn,
        &stream,
        erasure,
        Cause::Administrator,
        actor.name(),
        &reason,
    )
    .await?;
    change.commit().await?;
    node.scrub_after_erasure().await;
    Ok(n)
}

/// The service's record of erasures: who, when, why, how many texts.
pub async fn record(node: &Node, actor: &Actor) -> Result<Vec<Erased>, NodeError> {
    Who::Admins.check(node, actor)?;
    erasure::record(&mut *node.db.pool().acquire().await?).await
}
