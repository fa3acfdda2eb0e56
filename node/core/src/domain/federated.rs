//! The federated view: what services shared, as the hub and the other
//! services see it. Built only from signed messages, never edited by hand.

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::body::Text;
use passerelle_protocol::body::{
    MemberList, MemberStatus, ProposalUpdate, ProposalWithdrawal, SharedProposal,
};
use passerelle_protocol::SignedEnvelope;
use sqlx::{AnyConnection, Row};

use crate::clock::now;
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::peers;

/// The string form of a serde enum value (`"well_being"`).
pub fn enum_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A stored serde enum value (`"well_being"`), read back: the inverse of [`enum_text`].
pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, NodeError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| NodeError::config(format!("unexpected stored value {text:?}")))
}

/// A service learns the members of its federation and their keys. Each list
/// is an update: the members it names are pinned as listed, the others are
/// left as they are. (A hub now lists only the members that changed; older
/// hubs listed every member each time, which reads the same way.)
pub async fn apply_members(
    conn: &mut AnyConnection,
    list: &MemberList,
    me: &str,
) -> Result<(), NodeError> {
    for m in &list.members {
        if m.id.as_str() == me || m.role == passerelle_protocol::body::NodeRole::Hub {
            continue;
        }
        let status = match m.status {
            MemberStatus::Active => peers::ACTIVE,
            MemberStatus::Revoked => peers::REVOKED,
        };
        peers::upsert(
            conn,
            m.id.as_str(),
            &m.name,
            NodeRole::Service,
            status,
            None,
            &m.keys,
        )
        .await?;
    }
    Ok(())
}

pub async fn apply_shared(
    conn: &mut AnyConnection,
    env: &SignedEnvelope,
    p: &SharedProposal,
) -> Result<(), NodeError> {
    let origin = env.envelope().from.as_str();
    sqlx::query(
        "INSERT INTO federated_proposals (service_id, proposal_id, title, description, theme, tags, origin, \
         status, answer_text, answer_date, withdrawn, shared_message, updated_at, first_shared_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $12) \
         ON CONFLICT (service_id, proposal_id) DO UPDATE SET title = excluded.title, \
         description = excluded.description, theme = excluded.theme, tags = excluded.tags, \
         origin = excluded.origin, status = excluded.status, answer_text = excluded.answer_text, \
         answer_date = excluded.answer_date, withdrawn = 0, shared_message = excluded.shared_message, \
         updated_at = excluded.updated_at",
    )
    .bind(origin)
    .bind(p.proposal.hyphenated().to_string())
    .bind(crate::domain::erasure::stored_title(&p.title))
    .bind(p.description.or_empty())
    .bind(enum_text(&p.theme))
    .bind(serde_json::to_string(&p.tags).unwrap_or_else(|_| "[]".into()))
    .bind(enum_text(&p.origin))
    .bind(enum_text(&p.status))
    .bind(p.answer.as_ref().map(|a| a.text.or_empty().to_owned()))
    .bind(p.answer.as_ref().map(|a| a.date.to_string()))
    .bind(env.envelope().id.hyphenated().to_string())
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

async fn require_shared(
    conn: &mut AnyConnection,
    origin: &str,
    proposal: &str,
) -> Result<(), NodeError> {
    let found = sqlx::query(
        "SELECT 1 AS one FROM federated_proposals WHERE service_id = $1 AND proposal_id = $2",
    )
    .bind(origin)
    .bind(proposal)
    .fetch_optional(conn)
    .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(rule(
            Rule::NeverShared,
            format!("proposal {proposal} of {origin} was never shared"),
        )),
    }
}

pub async fn apply_update(
    conn: &mut AnyConnection,
    origin: &str,
    u: &ProposalUpdate,
) -> Result<(), NodeError> {
    let id = u.proposal.hyphenated().to_string();
    require_shared(conn, origin, &id).await?;
    sqlx::query(
        "UPDATE federated_proposals SET status = $1, answer_text = COALESCE($2, answer_text), \
         answer_date = COALESCE($3, answer_date), title = COALESCE($4, title), \
         description = COALESCE($5, description), theme = COALESCE($6, theme), updated_at = $7 \
         WHERE service_id = $8 AND proposal_id = $9",
    )
    .bind(enum_text(&u.status))
    .bind(u.answer.as_ref().map(|a| a.text.or_empty().to_owned()))
    .bind(u.answer.as_ref().map(|a| a.date.to_string()))
    .bind(u.title.as_ref().map(crate::domain::erasure::stored_title))
    .bind(u.description.as_ref().map(Text::or_empty))
    .bind(u.theme.as_ref().map(enum_text))
    .bind(now())
    .bind(origin)
    .bind(&id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn apply_withdrawal(
    conn: &mut AnyConnection,
    origin: &str,
    w: &ProposalWithdrawal,
) -> Result<(), NodeError> {
    let id = w.proposal.hyphenated().to_string();
    require_shared(conn, origin, &id).await?;
    sqlx::query("UPDATE federated_proposals SET withdrawn = 1, updated_at = $1 WHERE service_id = $2 AND proposal_id = $3")
        .bind(now())
        .bind(origin)
        .bind(&id)
        .execute(conn)
        .await?;
    Ok(())
}

/// One row of the federated view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FederatedProposal {
    pub service_id: String,
    pub proposal_id: String,
    pub title: String,
    pub theme: String,
    pub status: String,
    pub withdrawn: bool,
}

/// Every shared proposal known here, by service then title.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<FederatedProposal>, NodeError> {
    let rows = sqlx::query(
        "SELECT service_id, proposal_id, title, theme, status, withdrawn FROM federated_proposals \
         ORDER BY service_id, title, proposal_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FederatedProposal {
                service_id: r.try_get("service_id")?,
                proposal_id: r.try_get("proposal_id")?,
                title: r.try_get("title")?,
                theme: r.try_get("theme")?,
                status: r.try_get("status")?,
                withdrawn: r.try_get::<i64, _>("withdrawn")? != 0,
            })
        })
        .collect()
}
