//! A service's own proposals and their life cycle.
//!
//! idea → discussed → sent to management → answer (accepted / adapted /
//! refused, with its text) → in progress → realised; abandoned from any
//! open state. Every change is kept in the history (who, when, comment).
//! Only an explicit [`share`] makes a proposal leave the node; after that,
//! its changes follow automatically, in the same transaction as the change.

use passerelle_protocol::body::Text;
use passerelle_protocol::body::{
    ManagementAnswer, Origin, ProposalStatus, ProposalUpdate, ProposalWithdrawal, SharedProposal,
    Theme,
};
use passerelle_protocol::{Body, Date};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::federated::{enum_text, parse_enum};
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::log::OwnStream;

/// Sharing state of a proposal.
pub const NOT_SHARED: i64 = 0;
pub const SHARED: i64 = 1;
pub const WITHDRAWN: i64 = 2;

/// What a new proposal needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct NewProposal {
    pub title: String,
    pub description: String,
    pub theme: Theme,
    #[serde(default)]
    pub tags: Vec<String>,
    pub origin: Origin,
}

/// A proposal as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub theme: Theme,
    pub tags: Vec<String>,
    pub origin: Origin,
    pub status: ProposalStatus,
    pub answer: Option<ManagementAnswer>,
    pub shared: i64,
}

/// Whether the life cycle allows `from` → `to`.
pub fn transition_allowed(from: ProposalStatus, to: ProposalStatus) -> bool {
    use ProposalStatus::*;
    matches!(
        (from, to),
        (Idea, Discussed)
            | (Discussed, SentToManagement)
            | (SentToManagement, Accepted | Adapted | Refused)
            | (Accepted | Adapted, InProgress | Realised)
            | (InProgress, Realised)
            | (Refused, Discussed)
            | (
                Idea | Discussed | SentToManagement | Accepted | Adapted | InProgress,
                Abandoned
            )
    )
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), NodeError> {
    crate::validate::text(field, value, max).map(|_| ())
}

/// Records a new proposal (status `idea`). It stays on this node.
pub async fn create(
    conn: &mut AnyConnection,
    actor: &str,
    p: &NewProposal,
) -> Result<Uuid, NodeError> {
    check_text("title", &p.title, 200)?;
    check_text("description", &p.description, 8000)?;
    let id = Uuid::now_v7();
    let t = now();
    sqlx::query(
        "INSERT INTO proposals (id, title, description, theme, tags, origin, status, shared, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'idea', 0, $7, $8)",
    )
    .bind(id.hyphenated().to_string())
    .bind(p.title.trim())
    .bind(p.description.trim())
    .bind(enum_text(&p.theme))
    .bind(serde_json::to_string(&p.tags).unwrap_or_else(|_| "[]".into()))
    .bind(enum_text(&p.origin))
    .bind(t)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    record_history(conn, id, actor, None, ProposalStatus::Idea, None).await?;
    Ok(id)
}

async fn record_history(
    conn: &mut AnyConnection,
    id: Uuid,
    actor: &str,
    from: Option<ProposalStatus>,
    to: ProposalStatus,
    comment: Option<&str>,
) -> Result<(), NodeError> {
    sqlx::query(
        "INSERT INTO proposal_history (proposal_id, at, actor, from_status, to_status, comment) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.hyphenated().to_string())
    .bind(now())
    .bind(actor)
    .bind(from.map(|f| enum_text(&f)))
    .bind(enum_text(&to))
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Proposal, NodeError> {
    let row = sqlx::query(
        "SELECT id, title, description, theme, tags, origin, status, answer_text, answer_date, shared \
         FROM proposals WHERE id = $1",
    )
    .bind(id.hyphenated().to_string())
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| crate::validate::not_found(format!("proposal {id}")))?;
    let answer = match (
        row.try_get::<Option<String>, _>("answer_text")?,
        row.try_get::<Option<String>, _>("answer_date")?,
    ) {
        (Some(text), Some(date)) => Some(ManagementAnswer {
            text: text.into(),
            date: Date::parse(&date)?,
        }),
        _ => None,
    };
    Ok(Proposal {
        id,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        theme: parse_enum(&row.try_get::<String, _>("theme")?)?,
        tags: serde_json::from_str(&row.try_get::<String, _>("tags")?).unwrap_or_default(),
        origin: parse_enum(&row.try_get::<String, _>("origin")?)?,
        status: parse_enum(&row.try_get::<String, _>("status")?)?,
        answer,
        shared: row.try_get("shared")?,
    })
}

/// One step of a proposal's life: who, when, from which status to which, why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    pub from_status: Option<ProposalStatus>,
    pub to_status: ProposalStatus,
    pub comment: Option<String>,
}

/// A proposal's whole history, oldest first.
pub async fn history(conn: &mut AnyConnection, id: Uuid) -> Result<Vec<HistoryEntry>, NodeError> {
    let rows = sqlx::query(
        "SELECT at, actor, from_status, to_status, comment FROM proposal_history \
         WHERE proposal_id = $1 ORDER BY id",
    )
    .bind(id.hyphenated().to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                from_status: r
                    .try_get::<Option<String>, _>("from_status")?
                    .map(|s| parse_enum(&s))
                    .transpose()?,
                to_status: parse_enum(&r.try_get::<String, _>("to_status")?)?,
                comment: r.try_get("comment")?,
            })
        })
        .collect()
}

/// Every proposal of this service, most recently changed first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Proposal>, NodeError> {
    let ids = sqlx::query("SELECT id FROM proposals ORDER BY updated_at DESC, id DESC")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for row in ids {
        let id: String = row.try_get("id")?;
        let id = Uuid::parse_str(&id).map_err(|e| NodeError::config(format!("stored id: {e}")))?;
        out.push(get(conn, id).await?);
    }
    Ok(out)
}

/// Shares a proposal with the inter-service committee: the proposal is
/// marked shared and its `proposal.shared` message is queued, together.
pub async fn share(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    id: Uuid,
) -> Result<(), NodeError> {
    let p = get(conn, id).await?;
    if p.shared == SHARED {
        return Err(rule(Rule::AlreadyShared, "this proposal is already shared"));
    }
    sqlx::query("UPDATE proposals SET shared = 1, updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    let body = Body::ProposalShared(SharedProposal {
        proposal: id,
        title: p.title.into(),
        description: p.description.into(),
        theme: p.theme,
        tags: p.tags,
        origin: p.origin,
        status: p.status,
        answer: p.answer,
    });
    stream.append(conn, &body).await?;
    Ok(())
}

/// Stops sharing a proposal; the hub and the other services are told, with
/// the reason if one is given (at most 2000 characters). Without a `stream`
/// (the service has not joined), refused once the reason is found
/// acceptable.
pub async fn withdraw(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(), NodeError> {
    let reason = crate::validate::optional_text("reason", reason, 2000)?;
    let stream = stream.ok_or_else(crate::domain::not_joined)?;
    let p = get(conn, id).await?;
    if p.shared != SHARED {
        return Err(rule(Rule::NotShared, "this proposal is not shared"));
    }
    sqlx::query("UPDATE proposals SET shared = 2, updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    stream
        .append(
            conn,
            &Body::ProposalWithdrawn(ProposalWithdrawal {
                proposal: id,
                reason: reason.map(Text::from),
            }),
        )
        .await?;
    Ok(())
}

/// Moves a proposal along its life cycle. An answer (accepted, adapted,
/// refused) needs management's text. A shared proposal's change is queued
/// for the federation in the same transaction.
pub async fn change_status(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    id: Uuid,
    actor: &str,
    to: ProposalStatus,
    comment: Option<String>,
    answer_text: Option<String>,
) -> Result<(), NodeError> {
    let p = get(conn, id).await?;
    if !transition_allowed(p.status, to) {
        return Err(rule(
            Rule::TransitionNotAllowed,
            format!(
                "a proposal cannot go from {} to {}",
                enum_text(&p.status),
                enum_text(&to)
            ),
        ));
    }
    let answer = if to.has_answer() {
        let text = answer_text.ok_or_else(|| {
            rule(
                Rule::AnswerNeedsText,
                "management's answer needs its text (the reason, for a refusal)",
            )
        })?;
        check_text("answer", &text, 4000)?;
        Some(ManagementAnswer {
            text: text.into(),
            date: Date::from_inner(time::OffsetDateTime::now_utc().date()),
        })
    } else {
        None
    };
    sqlx::query(
        "UPDATE proposals SET status = $1, answer_text = COALESCE($2, answer_text), \
         answer_date = COALESCE($3, answer_date), updated_at = $4 WHERE id = $5",
    )
    .bind(enum_text(&to))
    .bind(answer.as_ref().map(|a| a.text.or_empty().to_owned()))
    .bind(answer.as_ref().map(|a| a.date.to_string()))
    .bind(now())
    .bind(id.hyphenated().to_string())
    .execute(&mut *conn)
    .await?;
    record_history(conn, id, actor, Some(p.status), to, comment.as_deref()).await?;
    if p.shared == SHARED {
        let stream =
            stream.ok_or_else(|| rule(Rule::NotJoined, "this node has not joined a hub"))?;
        let body = Body::ProposalUpdated(ProposalUpdate {
            proposal: id,
            status: to,
            comment: comment.map(Text::from),
            answer,
            title: None,
            description: None,
        });
        stream.append(conn, &body).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProposalStatus::*;

    #[test]
    fn life_cycle() {
        assert!(transition_allowed(Idea, Discussed));
        assert!(transition_allowed(SentToManagement, Refused));
        assert!(transition_allowed(Refused, Discussed));
        assert!(!transition_allowed(Idea, Realised));
        assert!(!transition_allowed(Realised, Abandoned));
        assert!(!transition_allowed(Abandoned, Idea));
        assert!(!transition_allowed(Idea, Accepted));
    }
}
