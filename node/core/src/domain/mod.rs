//! The committee domain: what messages mean, and the local changes that
//! produce them.
//!
//! Nothing here knows about HTTP. Every function takes a database connection
//! (usually inside a write transaction), so a local change and the message
//! announcing it commit together, and applying a received message is one
//! step of the ingest transaction.

pub mod briefing;
pub mod delegates;
pub mod erasure;
pub mod federated;
pub mod hub;
pub mod joint;
pub mod meetings;
pub mod members;
pub mod positions;
pub mod proposals;

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::{Body, SignedEnvelope};
use sqlx::AnyConnection;

use crate::error::NodeError;
use crate::peers;
pub use crate::validate::{self, rule, Rule};

/// Refuses a change the other services must hear of, before this service
/// joined an inter-service committee (it has no stream to announce it on).
pub fn not_joined() -> NodeError {
    rule(
        Rule::NotJoined,
        "this service has not joined an inter-service committee yet",
    )
}

/// Applies an accepted message's body to this node's view of the federation.
pub async fn apply(
    conn: &mut AnyConnection,
    me: &str,
    env: &SignedEnvelope,
    body: &Body,
) -> Result<(), NodeError> {
    let origin_role = peers::get(conn, env.envelope().from.as_str())
        .await?
        .map(|p| p.role);
    apply_as(conn, me, origin_role, env, body).await
}

/// [`apply`], the origin's role (`service`, `hub`) already known.
pub async fn apply_as(
    conn: &mut AnyConnection,
    me: &str,
    origin_role: Option<NodeRole>,
    env: &SignedEnvelope,
    body: &Body,
) -> Result<(), NodeError> {
    let origin = env.envelope().from.as_str();
    let allowed = origin_role.is_some_and(|role| body.kind_of().may_be_sent_by(role));
    if !allowed {
        return Err(rule(
            Rule::KindNotForSender,
            format!(
                "a {} may not send {}",
                origin_role.map_or("", NodeRole::as_str),
                body.kind()
            ),
        ));
    }
    match body {
        Body::MembersList(list) => federated::apply_members(conn, list, me).await,
        Body::ProposalShared(p) => federated::apply_shared(conn, env, p).await,
        Body::ProposalUpdated(u) => federated::apply_update(conn, origin, u).await,
        Body::ProposalWithdrawn(w) => federated::apply_withdrawal(conn, origin, w).await,
        Body::DelegatesList(l) => joint::apply_delegates(conn, origin, l).await,
        Body::AgendaItemProposed(a) => {
            joint::apply_agenda_item(conn, origin, env.envelope().id, a).await
        }
        Body::SupportGiven(s) => joint::apply_support(conn, origin, s, true).await,
        Body::SupportWithdrawn(s) => joint::apply_support(conn, origin, s, false).await,
        Body::FiguresShared(f) => joint::apply_figures(conn, origin, f).await,
        Body::SubjectUpdated(s) => joint::apply_subject(conn, s).await,
        Body::MeetingPublished(m) => joint::apply_meeting(conn, m, true).await,
        Body::MeetingUpdated(m) => joint::apply_meeting(conn, m, false).await,
        Body::MeetingCancelled(c) => joint::apply_cancellation(conn, c).await,
        Body::MeetingOutcomes(o) => joint::apply_outcomes(conn, o).await,
        Body::PositionShared(p) => joint::apply_position(conn, origin, p).await,
        Body::PositionWithdrawn(w) => joint::apply_position_withdrawal(conn, origin, w).await,
        Body::KeyRotated(r) => {
            let e = env.envelope();
            crate::keys::apply_rotation(conn, me, origin, &e.key, e.seq, r).await
        }
        Body::KeyRevoked(r) => crate::keys::apply_revocation(conn, me, r).await,
        Body::ContentErased(e) => erasure::apply(conn, me, env, e).await.map(|_| ()),
        _ => Ok(()),
    }
}
